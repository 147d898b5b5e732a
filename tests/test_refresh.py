"""A served assistant prepares a new index version before it answers from it (issue #29, item 9).

The first question after an ``add`` took 16-21 s: it loaded the new version and built what the warm-up builds.
Now a warmed (served) assistant goes on answering from the version it has while the new one is loaded and warmed
in the background, then swaps it in. Real index files and the real model; the warm-up is held back by a gate so
the order is certain, and every wait is bounded."""

from __future__ import annotations

import threading
import time

from journalqa.assistant import Assistant
from journalqa.index.manage import add_paths
from journalqa.search.retrieve import HybridSearch


def test_a_new_version_answers_only_once_it_is_prepared(workspace, tmp_path, monkeypatch):
    settings, embedder = workspace
    assistant = Assistant(settings, embedder)
    first = assistant.version
    gate = threading.Event()
    warmed: list[HybridSearch] = []
    real_warm = HybridSearch.warm

    def gated_warm(search):  # noqa: ANN001, ANN202
        gate.wait(60)
        real_warm(search)
        warmed.append(search)

    monkeypatch.setattr(HybridSearch, "warm", gated_warm)
    assistant.warm_up()
    doc = tmp_path / "termez.md"
    doc.write_text("# Termez\n\nThe Termez river port handled Afghan grain in 2022.\n", encoding="utf-8")
    add_paths(settings, [doc], embedder=embedder, show_progress=False)

    answer = assistant.ask("What did the Termez river port handle?")
    assert assistant.version == first  # the new version is not served unprepared
    assert "termez" not in {p.chunk.doc_id for p in answer.passages}

    gate.set()
    deadline = time.monotonic() + 60
    while assistant.version == first and time.monotonic() < deadline:
        time.sleep(0.1)
    assert assistant.version != first
    assert assistant.search in warmed  # swapped in after its warm-up, not before
    answer = assistant.ask("What did the Termez river port handle?")
    assert "termez" in {p.chunk.doc_id for p in answer.passages}
