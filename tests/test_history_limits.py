"""A conversation's history is bounded before anything runs (issue #29, item 1).

One 5 MB "previous question" sent to ``/ask`` used to be rewritten into the search query, embedded and searched:
49 s of CPU. Now the history is checked at the very start of ``Assistant.ask``: too many turns or an over-long
turn is refused with the reason, and no rewrite, embedding or retrieval has run. The rewritten query is bounded
too. Timings of the attack are in ``evals/bench_history.py``, not here.
"""

from __future__ import annotations

import pytest

from journalqa.assistant import Assistant, QuestionError, check_history
from journalqa.config import Settings
from journalqa.search import rewrite


class Recorder:
    """Stands in for the retriever and the embedder, and records every call that reaches them."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def retrieve(self, query, top_k, doc_ids=None):  # noqa: ANN001, ANN201
        self.calls.append("retrieve")
        return []

    def encode(self, texts, show_progress=False):  # noqa: ANN001, ANN201
        self.calls.append("encode")
        raise AssertionError("nothing may be embedded")

    def encode_query(self, text):  # noqa: ANN001, ANN201
        self.calls.append("encode_query")
        raise AssertionError("nothing may be embedded")


@pytest.fixture
def recorded(monkeypatch):
    recorder = Recorder()
    original = rewrite.rewrite_query

    def recording_rewrite(question, history):  # noqa: ANN001, ANN202
        recorder.calls.append("rewrite")
        return original(question, history)

    monkeypatch.setattr(rewrite, "rewrite_query", recording_rewrite)
    assistant = Assistant(Settings(), recorder, retriever=recorder)  # type: ignore[arg-type]
    return assistant, recorder


@pytest.mark.parametrize(
    ("history", "reason"),
    [
        ([["What about " + "Kabul " * 1_000_000, "no"]], "history turn 1: the question is 6000011 characters long"),
        ([["Who?", "x" * 50_000]], "history turn 1: the answer is 50000 characters long; the limit is 4000"),
        ([["Who?", "No."]] * 11, "the history has 11 turns; the limit is 10"),
        ([["only one"]], "history turn 1 is not a (question, answer) pair"),
        ("not a list", "the history must be a list"),
    ],
)
def test_an_over_long_history_is_refused_before_anything_runs(recorded, history, reason):
    assistant, recorder = recorded
    with pytest.raises(QuestionError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        assistant.ask("And Germany?", history=history)
    assert recorder.calls == []


def test_a_history_within_the_limits_is_used(recorded):
    assistant, recorder = recorded
    history = [["How many refugees did Canada promise to take?", "Canada promised 40,000."]] * 10
    answer = assistant.ask("And Germany?", history=history)
    assert recorder.calls == ["rewrite", "retrieve"]
    assert answer.query == "How many refugees did Germany promise to take?"


def test_the_limits_are_settings():
    settings = Settings(max_history_turns=2, max_history_answer_chars=10, max_question_chars=20)
    assert check_history([("q" * 20, "a" * 10)] * 2, settings) == [("q" * 20, "a" * 10)] * 2
    with pytest.raises(QuestionError, match="limit is 2"):
        check_history([("q", "a")] * 3, settings)


def test_the_rewritten_query_is_bounded():
    long_topic = "What did " + "the delegation of Kazakhstan " * 300 + "discuss in Kabul?"
    history = [(long_topic, "")] + [("And why?", "")] * 9
    query = rewrite.rewrite_query("What about Uzbekistan?", history)
    assert len(query) <= rewrite.MAX_TOPIC_CHARS + len("What about Uzbekistan?") + 10
