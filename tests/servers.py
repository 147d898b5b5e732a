"""Real processes for end-to-end tests: the UI server (``python -m ui.app``) on a free loopback port,
and headless Debian Chromium driven by Playwright (never ``playwright install``)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps reaching for Google hosts on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """Stop one process we started, by its own PID only (other work shares the machine)."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextlib.contextmanager
def ui_server(index_dir: Path, corpus_dir: Path, log: Path, env_extra: dict[str, str] | None = None) -> Iterator[str]:
    """Start the UI over the given index; yield its URL; stop it and check it never printed a traceback."""
    from journalqa.config import apply_offline_env

    apply_offline_env()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    cmd = [sys.executable, "-m", "ui.app", "--port", str(port), "--index-dir", str(index_dir)]
    cmd += ["--corpus-dir", str(corpus_dir)]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"UI server exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"UI server did not start:\n{log.read_text()}")
    try:
        yield url
    finally:
        stop(proc)
    assert "Traceback" not in log.read_text(), log.read_text()


@contextlib.contextmanager
def chromium_page(url: str, ready_selector: str) -> Iterator:
    """A Playwright page on ``url`` in headless Chromium; ``page.outside_requests`` lists off-host requests."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (make system-deps)")
    outside: list[str] = []
    with sync_api.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1440, "height": 1000},
        )
        page = browser.new_page()
        page.on("request", lambda r: None if r.url.startswith((url, "data:", "blob:")) else outside.append(r.url))
        page.goto(url)
        page.wait_for_selector(ready_selector, timeout=60_000)
        page.outside_requests = outside  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            browser.close()


def ask_in_chat(page, question: str, settle_ms: int = 400) -> None:
    """Type ``question`` into the chat, send it, and wait until its answer has stopped streaming."""
    before = page.locator("#jq-chat .jq-answer, #jq-chat .jq-abstain").count()
    page.fill("#jq-question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#jq-chat .jq-answer, #jq-chat .jq-abstain').length > n "
        "&& !document.querySelector('#jq-chat .jq-cursor, #jq-chat .jq-thinking')",
        arg=before,
        timeout=60_000,
    )
    page.wait_for_timeout(settle_ms)


# A 1x1 transparent GIF: what an exfiltration "image" returns, so the browser would count it as loaded.
PIXEL = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


@dataclass
class HostileHost:
    """A foreign host on loopback: it records every request a page makes to it (``hits``) and, as an
    OpenAI-compatible "model", streams ``reply`` to whoever asks /v1/chat/completions."""

    url: str
    reply: str = ""
    hits: list[str] = field(default_factory=list)

    def link(self, path: str) -> str:
        return f"{self.url}{path}"


@contextlib.contextmanager
def hostile_host() -> Iterator[HostileHost]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet: the test reads ``hits`` instead
            return

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.startswith("/v1/models"):
                self._send(200, "application/json", json.dumps({"object": "list", "data": []}).encode())
                return
            host.hits.append(self.path)
            self._send(200, "image/gif", PIXEL)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.startswith("/v1/chat/completions"):
                host.hits.append(self.path)
                self._send(404, "text/plain", b"")
                return
            if not body.get("stream"):
                message = {"role": "assistant", "content": host.reply}
                choice = {"index": 0, "message": message, "finish_reason": "stop"}
                data = {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [choice]}
                self._send(200, "application/json", json.dumps(data).encode())
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            words = host.reply.split(" ")
            for i, word in enumerate(words):  # streamed a word at a time, as a model would
                delta = {"content": word + (" " if i < len(words) - 1 else "")}
                self._event({"index": 0, "delta": delta, "finish_reason": None})
            self._event({"index": 0, "delta": {}, "finish_reason": "stop"})
            self.wfile.write(b"data: [DONE]\n\n")

        def _event(self, choice: dict) -> None:
            chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [choice]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        def _send(self, status: int, kind: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host = HostileHost(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()


# --- Gradio's queue protocol, as the page itself (or anyone with curl) calls an event -------------------


def event_index(url: str, elem_id: str, trigger: str = "click") -> int:
    """The index of the event fired by ``trigger`` on the component ``elem_id``, from the page config."""
    with urllib.request.urlopen(url + "config", timeout=10) as response:
        config = json.load(response)
    [component] = [c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id]
    for index, dependency in enumerate(config["dependencies"]):
        if [component, trigger] in [list(t) for t in dependency["targets"]]:
            return dependency.get("id", index)
    raise LookupError(f"no {trigger} event on #{elem_id}")


def queue_call(url: str, fn_index: int, data: list, session_hash: str | None = None) -> dict:
    """Run one event through /gradio_api/queue/join + /queue/data (raw HTTP, no client library); returns
    the ``process_completed`` message (``success``, ``output``) and the ``log`` toasts seen on the way."""
    session_hash = session_hash or uuid.uuid4().hex[:11]
    body = json.dumps({"data": data, "fn_index": fn_index, "session_hash": session_hash, "event_data": None})
    join = urllib.request.Request(
        url + "gradio_api/queue/join", data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(join, timeout=10) as response:
        json.load(response)
    toasts: list[dict] = []
    with urllib.request.urlopen(f"{url}gradio_api/queue/data?session_hash={session_hash}", timeout=60) as stream:
        for raw in stream:
            line = raw.decode("utf-8").strip()
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") == "log":
                toasts.append(message)
            if message.get("msg") == "process_completed":
                return {**message, "toasts": toasts}
    raise AssertionError("the event stream ended without process_completed")
