"""The chat UI end to end: a real server (``python -m ui.app``) over the real index, a real Chromium,
and gradio_client for the API. Screenshots land in tests/artifacts/ for people to look at."""

from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.servers import ask_in_chat, chromium_page, ui_server

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
QUESTION = "Who coordinates the construction of the TAPI gas pipeline?"
FIRST = "How many refugees did Canada promise to take from Afghanistan?"
FOLLOW_UP = "And Germany?"  # only makes sense after FIRST
MIGRATION = "intensification-of-migration-processes-in"
UNANSWERABLE = "What is the population of Kabul?"  # on topic, but the journal never gives it


@pytest.fixture(scope="module")
def server(real_index, tmp_path_factory):
    """The UI as ``journalqa serve`` runs it, on a free loopback port; yields (url, feedback db path)."""
    db = tmp_path_factory.mktemp("feedback") / "feedback.sqlite3"
    log = tmp_path_factory.mktemp("ui-log") / "server.log"
    with ui_server(real_index.index_dir, real_index.corpus_dir, log, {"JOURNALQA_FEEDBACK_DB": str(db)}) as url:
        yield url, db


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server[0], verbose=False)


# --- API ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_api_ask_returns_answer_json(client):
    data = client.predict(QUESTION, api_name="/ask")
    assert not data["abstained"] and data["citations"]
    for cite in data["citations"]:
        assert cite["title"] and cite["page"] is not None
        for start, end in cite["highlights"]:
            assert 0 <= start < end <= len(cite["text"])
            assert cite["text"][start:end] in data["answer"]  # the highlighted sentence is the quoted one
    assert "Asian Development Bank" in data["answer"]


@pytest.mark.slow
def test_api_follow_up_uses_history(client):
    first = client.predict(FIRST, api_name="/ask")
    data = client.predict(FOLLOW_UP, 0, [], [[FIRST, first["answer"]]], api_name="/ask")
    assert "Germany" in data["query"] and data["query"] != FOLLOW_UP
    # The rewritten question finds the migration article's refugee pledges. Whether the reader then answers is the
    # verdict's call, measured elsewhere (test_quality_floor): the reader fitted on the journal and the real PDFs says
    # "uncertain" here (0.732 against its bar 0.755, 2026-12-06) and highlights the pledge sentences instead of citing
    # them. Without the history, "And Germany?" alone is "not_in_documents" (no highlights, nothing cited).
    assert data["verdict"] in {"answered", "uncertain"}
    shown = [c["doc_id"] for c in data["citations"]] or [
        data["passages"][h["passage"] - 1]["doc_id"] for h in data["highlights"]
    ]
    assert shown[0] == MIGRATION


@pytest.mark.slow
def test_api_abstains_on_kabul_population(client):
    assert client.predict("What is the population of Kabul?", api_name="/ask")["abstained"]


@pytest.mark.slow
def test_api_rejects_empty_question(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="empty"):
        client.predict("   ", api_name="/ask")


@pytest.mark.slow
def test_api_rejects_bad_top_k_and_history(client):
    from gradio_client.exceptions import AppError

    for top_k in (-5, 51, 2.5):  # -5 used to return 42 passages
        with pytest.raises(AppError, match="top_k"):
            client.predict(QUESTION, top_k, [], [], api_name="/ask")
    for history in ([["x"]], [["q", 5]], "x"):  # [["x"]] used to crash with an unhandled ValueError
        with pytest.raises(AppError, match="history must be a list of"):
            client.predict(QUESTION, 0, [], history, api_name="/ask")
    assert len(client.predict(QUESTION, 50, [], [], api_name="/ask")["passages"]) <= 50


@pytest.mark.slow
def test_load_20_concurrent_questions(server):
    from gradio_client import Client

    gold = [json.loads(line) for line in (ROOT / "evals" / "qa.jsonl").read_text().splitlines() if line.strip()]
    client = Client(server[0], verbose=False)
    # 20 questions the assistant answers when asked one at a time: under load they must get the same answers
    alone: dict[str, dict] = {}
    for g in gold:
        if g["type"] != "unanswerable" and len(alone) < 20:
            result = client.predict(g["question"], api_name="/ask")
            if result["citations"]:
                alone[g["question"]] = result
    questions = list(alone)
    assert len(questions) == 20

    def ask(question: str) -> tuple[float, dict]:
        started = time.perf_counter()
        result = client.submit(question, api_name="/ask").result(timeout=120)
        return time.perf_counter() - started, result

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(ask, questions))
    latencies = sorted(t for t, _ in results)
    assert all(r["citations"] for _, r in results)
    assert [r["answer"] for _, r in results] == [alone[q]["answer"] for q in questions]
    p50 = statistics.median(latencies)
    p95 = latencies[min(len(latencies) - 1, round(0.95 * len(latencies)) - 1)]
    report = {"questions": 20, "concurrency": 20, "p50_s": round(p50, 3), "p95_s": round(p95, 3)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(report, indent=1))
    print(f"\nload: 20 concurrent questions via gradio_client: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")


# --- browser -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page(server):
    with chromium_page(server[0], "#jq-question textarea") as tab:
        yield tab


def _ask(page, question: str, answers_before: int) -> None:
    assert page.locator("#jq-chat .jq-answer, #jq-chat .jq-abstain").count() == answers_before
    ask_in_chat(page, question)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ui-{name}.png"), full_page=True)


@pytest.mark.slow
def test_empty_screen_offers_examples_and_works_offline(page):
    _shot(page, "01-empty")
    assert page.get_by_text(QUESTION).count() >= 1  # an example question on the empty screen
    page.fill("#jq-question textarea", "   ")
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)
    assert page.locator("#jq-chat .message").count() == 0  # an empty question does nothing
    assert page.outside_requests == []  # no CDN, fonts or analytics


@pytest.mark.slow
def test_answer_with_cited_and_highlighted_sources(page, client):
    expected = client.predict(QUESTION, api_name="/ask")
    _ask(page, QUESTION, 0)
    markers = page.locator("#jq-chat a.jq-cite")
    assert markers.count() == len(expected["answer"].split(" [")) - 1 or markers.count() >= 1
    assert markers.first.get_attribute("href") == "#a0-src-1"
    card = page.locator("#a0-src-1")
    assert expected["citations"][0]["title"] in card.inner_text()
    page_label = ("p. ~" if expected["citations"][0]["page_approximate"] else "p. ") + expected["citations"][0]["page"]
    assert page_label in card.locator(".jq-page").inner_text()
    start, end = expected["citations"][0]["highlights"][0]
    assert _marked_text(card.locator("mark.jq-hl").first) == expected["citations"][0]["text"][start:end]
    _shot(page, "02-answer")

    last = markers.nth(markers.count() - 1)
    target = last.get_attribute("href").lstrip("#")
    last.click()
    page.wait_for_timeout(900)
    assert page.locator(f"#{target}.jq-flash").count() == 1
    box = page.locator(f"#{target}").bounding_box()
    panel = page.locator("#jq-evidence").bounding_box()
    assert box["y"] < panel["y"] + panel["height"] and box["y"] + 20 > panel["y"]  # scrolled into view

    page.locator("#a0-src-1 button.jq-open").click()
    page.wait_for_selector("#jq-reader #jq-passage", timeout=10_000)
    page.wait_for_timeout(600)
    passage = page.locator("#jq-passage")
    assert _marked_text(passage.locator("mark.jq-hl").first) == expected["citations"][0]["text"][start:end]
    assert passage.is_visible()
    pbox, rbox = passage.bounding_box(), page.locator("#jq-reader").bounding_box()
    assert rbox["y"] <= pbox["y"] + pbox["height"] and pbox["y"] <= rbox["y"] + rbox["height"]
    _shot(page, "03-article")
    page.locator("#jq-back").click()
    page.wait_for_selector("#jq-evidence .jq-card", timeout=10_000)


def _marked_text(mark) -> str:  # noqa: ANN001 - a playwright Locator
    """A highlight's text without the page-break labels ("p. ~16") the card sets inside a sentence that crosses one."""
    return mark.evaluate(
        "m => { const c = m.cloneNode(true); c.querySelectorAll('.jq-page-mark').forEach(e => e.remove());"
        " return c.textContent; }"
    )


@pytest.mark.slow
def test_thumbs_up_is_stored(page, server):
    page.locator("#jq-chat button[aria-label='Like']").first.click()
    db = server[1]
    deadline = time.time() + 10
    rows: list = []
    while time.time() < deadline and not rows:
        try:
            with sqlite3.connect(db) as conn:
                rows = conn.execute("SELECT rating, question, citations, settings FROM feedback").fetchall()
        except sqlite3.OperationalError:  # not created yet
            time.sleep(0.2)
    assert rows and rows[0][0] == 1 and rows[0][1] == QUESTION
    assert json.loads(rows[0][2]) and json.loads(rows[0][3])["top_k"] >= 1

    page.fill("#jq-comment textarea", "Right article, first sentence is the answer.")
    page.locator("#jq-comment-send").click()
    page.wait_for_function("() => !document.querySelector('#jq-comment textarea').value", timeout=10_000)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT rating, comment FROM feedback").fetchall() == [
            (1, "Right article, first sentence is the answer.")
        ]


@pytest.mark.slow
def test_follow_up_cites_the_right_article(page):
    page.locator("#jq-new").click()
    page.wait_for_function("() => !document.querySelector('#jq-chat .jq-answer')", timeout=10_000)
    _ask(page, FIRST, 0)
    _ask(page, FOLLOW_UP, 1)
    head = page.locator("#jq-evidence .jq-evidence-head")
    assert FOLLOW_UP in head.inner_text()
    head.locator("details.jq-query summary").click()
    assert "Germany" in head.locator("details.jq-query").inner_text()
    assert "Intensification of migration processes" in page.locator("#a1-src-1 .jq-title").inner_text()
    _shot(page, "04-follow-up")
    # clicking the first answer brings its sources back
    page.locator("#jq-chat .jq-answer").first.click()
    page.wait_for_function(
        "q => document.querySelector('#jq-evidence .jq-q')?.textContent === q", arg=FIRST, timeout=10_000
    )


@pytest.mark.slow
def test_unanswerable_question_shows_abstention(page):
    _ask(page, UNANSWERABLE, 2)
    notice = page.locator("#jq-chat .jq-abstain").last
    assert "Not in the journal" in notice.inner_text()
    assert notice.locator("a.jq-closest-link").count() >= 1
    assert "none of them answers" in page.locator("#jq-evidence").inner_text()
    _shot(page, "05-abstention")


@pytest.mark.slow
def test_bad_question_is_a_notice_not_a_trace(page):
    answers = page.locator("#jq-chat .jq-answer, #jq-chat .jq-abstain").count()
    page.fill("#jq-question textarea", "x " * 1100)
    page.keyboard.press("Enter")
    page.get_by_text("Cannot ask this").first.wait_for(timeout=10_000)
    assert "Traceback" not in page.content()
    assert page.locator("#jq-chat .jq-answer, #jq-chat .jq-abstain").count() == answers
    _shot(page, "06-error")


# --- handlers, without a server ----------------------------------------------------------------------


class _FakeAssistant:
    """Streams tokens through ``on_token`` like the LLM mode, then returns a cited answer."""

    def __init__(self, answer):
        from journalqa.config import Settings

        self.settings = Settings(llm_base_url="http://127.0.0.1:9/v1")
        self.version = "v-test"
        self.answer = answer
        self.calls = []

    def documents(self):
        return [("doc", "A document")]

    def ask(self, question, top_k=None, doc_ids=None, history=(), mode=None, on_token=None):
        self.calls.append({"question": question, "mode": mode, "history": list(history), "doc_ids": doc_ids})
        if on_token is not None:
            for token in ["The ADB ", "coordinates ", "it. [1]"]:
                on_token(token)
        return self.answer


def _tiny_answer():
    from journalqa.types import Answer, Chunk, Citation, Passage

    text = "The ADB coordinates it. Other text."
    passage = Passage(Chunk("doc#0", "doc", "A document", "S", "3", False, 0, len(text), text), 0.03, {}, 0.7)
    return Answer("Who?", "The ADB coordinates it. [1]", False, (Citation(1, passage, (0, 23)),), (passage,))


def test_llm_tokens_stream_into_the_chat():
    sys.path.insert(0, str(ROOT))
    from ui.app import Handlers

    fake = _FakeAssistant(_tiny_answer())
    handlers = Handlers(fake)
    assert handlers.modes() == ["extractive", "llm"]
    updates = list(handlers.submit("Who?", [], [], [], 5, "llm"))
    bubbles = [u[1][-1]["content"] for u in updates if isinstance(u[1], list) and u[1][-1]["role"] == "assistant"]
    streamed = [b for b in bubbles if "jq-cursor" in b]
    assert [b.split("<span")[0] for b in streamed[-3:]] == [
        '<div class="jq-answer">The ADB </div>',
        '<div class="jq-answer">The ADB coordinates </div>',
        '<div class="jq-answer">The ADB coordinates it. [1]</div>',
    ]
    final = updates[-1]
    assert 'href="#a0-src-1"' in final[1][-1]["content"] and final[3] == 0 and 'id="a0-src-1"' in final[4]
    assert fake.calls[0]["mode"] == "llm" and fake.calls[0]["doc_ids"] is None


def test_empty_question_does_nothing():
    sys.path.insert(0, str(ROOT))
    from ui.app import Handlers

    fake = _FakeAssistant(_tiny_answer())
    [update] = list(Handlers(fake).submit("   ", [], [], [], 5, "extractive"))
    assert len(update) == 6 and fake.calls == []  # six "leave as is" updates, no question asked


def _handlers_over(tmp_path, answer=None):
    sys.path.insert(0, str(ROOT))
    from ui.app import Handlers, Turn

    fake = _FakeAssistant(answer or _tiny_answer())
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    fake.settings = fake.settings.replace(feedback_db=tmp_path / "fb.sqlite3", corpus_dir=corpus)
    turn = Turn("a1", fake.answer, {"top_k": 5})
    return Handlers(fake), turn


def test_a_comment_over_the_limit_is_a_warning_not_a_crash(tmp_path):
    handlers, turn = _handlers_over(tmp_path)
    limit = handlers.settings.max_comment_chars
    with pytest.warns(UserWarning, match="over the"):  # gr.Warning outside a request is a Python warning
        kept = handlers.comment("x" * (limit + 1), [turn], 0)
    assert kept != ""  # the comment stays in the box
    assert handlers.comment("Fine answer.", [turn], 0) == ""


def test_toasts_show_titles_as_text(tmp_path):
    import dataclasses
    from types import SimpleNamespace

    answer = _tiny_answer()
    passage = answer.citations[0].passage
    hostile = dataclasses.replace(passage.chunk, title='Doc <img src="http://127.0.0.1:9/x.gif"><b>bold</b>')
    passage = dataclasses.replace(passage, chunk=hostile)
    answer = dataclasses.replace(answer, citations=(dataclasses.replace(answer.citations[0], passage=passage),))
    handlers, turn = _handlers_over(tmp_path, answer)
    with pytest.warns(UserWarning) as caught:
        handlers.open_source([turn], 0, SimpleNamespace(open=1))
    [message] = [str(w.message) for w in caught]
    assert "not available" in message and "&lt;img" in message and "<img" not in message and "<b>" not in message
    assert str(tmp_path) not in message  # no server path


def test_reader_does_not_open_files_outside_the_corpus(tmp_path):
    """A front-matter doc_id such as "../x/README" must not make the reader open <corpus>/../x/README.md."""
    import dataclasses
    from types import SimpleNamespace

    answer = _tiny_answer()
    passage = answer.citations[0].passage
    outside = tmp_path / "x" / "README.md"
    outside.parent.mkdir()
    outside.write_text("# Secret\n\n" + passage.chunk.text + "\n", encoding="utf-8")
    chunk = dataclasses.replace(passage.chunk, doc_id="../x/README")
    passage = dataclasses.replace(passage, chunk=chunk)
    answer = dataclasses.replace(answer, citations=(dataclasses.replace(answer.citations[0], passage=passage),))
    handlers, turn = _handlers_over(tmp_path, answer)
    with pytest.warns(UserWarning, match="not available"):
        shown = handlers.open_source([turn], 0, SimpleNamespace(open=1))
    assert all(not isinstance(update, str) for update in shown)  # no article HTML, only "leave as is"


def test_a_comment_goes_to_the_answer_just_rated_in_the_interface_language(tmp_path, capsys):
    import dataclasses
    from types import SimpleNamespace

    handlers, turn = _handlers_over(tmp_path)
    other = dataclasses.replace(turn, answer_id="a2")
    liked = SimpleNamespace(index=[2, 0], liked=True)  # the second answer (message 3) rated, the first one shown
    rated = handlers.like([turn, other], liked, "ru")  # gr.Info outside a request prints its message
    assert rated == 1 and "Спасибо" in capsys.readouterr().out
    assert handlers.comment("Хороший ответ.", [turn, other], 0, rated, "ru") == ""
    assert "Комментарий сохранён к ответу 2" in capsys.readouterr().out
    rows = sqlite3.connect(handlers.settings.feedback_db).execute("SELECT answer_id, comment FROM feedback").fetchall()
    assert ("a2", "Хороший ответ.") in rows
