"""Real processes for end-to-end tests: the UI server (``python -m ui.app``) on a free loopback port,
and headless Debian Chromium driven by Playwright (never ``playwright install``)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
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
