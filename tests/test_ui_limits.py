"""The served ``/ask`` under the history attack (issue #29, item 1): a real UI server on 127.0.0.1.

An over-long history is refused with the reason (``gradio_client.exceptions.AppError``), a request body over the
cap is refused with 413 before any handler reads it, the chat sends only its last turns, and an ordinary
question is still answered. Bounded: a handful of requests, all to the loopback address.
"""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest

from journalqa.config import Settings
from tests.servers import ui_server

gradio_client = pytest.importorskip("gradio_client")


@pytest.fixture(scope="module")
def server(small_index, tmp_path_factory):
    log = tmp_path_factory.mktemp("ui-limits") / "server.log"
    with ui_server(small_index.index_dir, small_index.corpus_dir, log) as url:
        yield url


@pytest.fixture(scope="module")
def client(server):
    return gradio_client.Client(server, verbose=False)


@pytest.mark.slow
def test_an_over_long_history_is_refused_with_the_reason(client):
    history = [["What about " + "Kabul " * 5_000, "no"]]
    with pytest.raises(gradio_client.exceptions.AppError, match="history turn 1: the question is 30011 characters"):
        client.predict("And Germany?", 0, [], history, api_name="/ask")
    with pytest.raises(gradio_client.exceptions.AppError, match="the history has 11 turns; the limit is 10"):
        client.predict("And Germany?", 0, [], [["Who?", "No."]] * 11, api_name="/ask")
    answer = client.predict("What does the pipeline carry?", 0, [], [["Who?", "No."]] * 10, api_name="/ask")
    assert answer["question"] == "What does the pipeline carry?"


def _post_head(server: str, headers: str, body: bytes = b"") -> str:
    """Send a POST's head (and ``body``) to /ask on the loopback server; the status line of the answer."""
    port = int(server.rstrip("/").rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(f"POST /gradio_api/call/ask HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode() + body)
        return conn.recv(4096).decode("latin-1").split("\r\n", 1)[0]


@pytest.mark.slow
def test_a_request_body_over_the_cap_is_refused_before_it_is_read(server):
    cap = Settings().max_request_kb * 1024
    # declared: refused on the head alone, the body never sent
    status = _post_head(server, f"Content-Type: application/json\r\nContent-Length: {5 * 2**20}\r\n")
    assert status.split()[1] == "413"
    # not declared (chunked): refused once the part read passes the cap
    chunk = b"x" * (cap + 1024)
    body = b"%x\r\n" % len(chunk) + chunk + b"\r\n0\r\n\r\n"
    status = _post_head(server, "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", body)
    assert status.split()[1] == "413"
    # an ordinary call still goes through
    small = json.dumps({"data": ["What does the pipeline carry?", 0, [], []]}).encode()
    request = urllib.request.Request(
        server + "gradio_api/call/ask", data=small, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and "event_id" in json.loads(response.read())


def test_the_chat_sends_only_its_last_turns():
    from journalqa.types import Answer
    from ui.app import Turn, recent_history

    settings = Settings(max_history_turns=3, max_history_answer_chars=5)
    turns = [Turn(str(i), Answer(f"q{i}", f"answer {i}", False, (), ()), {}) for i in range(12)]
    assert recent_history(turns, settings) == [("q9", "answe"), ("q10", "answe"), ("q11", "answe")]
