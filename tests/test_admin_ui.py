"""The Admin tab end to end: a real server with JOURNALQA_ADMIN_PASSWORD over its own copy of the small
fixture corpus, a real Chromium uploading real files, and the index on disk checked afterwards."""

from __future__ import annotations

import shutil

import pytest

from journalqa.config import Settings
from journalqa.indexing import sync_index
from journalqa.store import load_index
from tests.conftest import FIXTURE_CORPUS
from tests.servers import ROOT, chromium_page, ui_server

ARTIFACTS = ROOT / "tests" / "artifacts"
PASSWORD = "correct horse"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory, embedder):
    base = tmp_path_factory.mktemp("admin")
    settings = Settings(index_dir=base / "index", corpus_dir=base / "corpus")
    shutil.copytree(FIXTURE_CORPUS, settings.corpus_dir)
    sync_index(settings, embedder, show_progress=False)
    env = {"JOURNALQA_ADMIN_PASSWORD": PASSWORD, "JOURNALQA_FEEDBACK_DB": str(base / "fb.sqlite3")}
    with ui_server(settings.index_dir, settings.corpus_dir, base / "server.log", env) as url:
        yield url, settings, base


def _result(page) -> str:
    return page.inner_text("#admin-result")


def _wait_text(page, selector: str, text: str, timeout: int = 60_000) -> None:
    page.wait_for_function(
        "([sel, text]) => (document.querySelector(sel)?.innerText || '').includes(text)",
        arg=[selector, text],
        timeout=timeout,
    )


def test_admin_tab_upload_list_and_remove(admin_server):
    url, settings, base = admin_server
    good = base / "water-sharing.md"
    good.write_text("# Water sharing\n\nThe Amu Darya quotas were agreed in 1987 by the five republics.\n")
    empty = base / "empty.txt"
    empty.write_bytes(b"")
    with chromium_page(url, "#jq-question textarea") as page:
        page.get_by_role("tab", name="Admin").click()
        page.fill("#admin-password input", "wrong")
        page.click("#admin-unlock")
        page.wait_for_selector("text=Wrong password", timeout=20_000)
        assert not page.is_visible("#admin-upload")

        page.fill("#admin-password input", PASSWORD)
        page.click("#admin-unlock")
        page.wait_for_selector("#admin-upload", state="visible", timeout=20_000)
        _wait_text(page, "#admin-docs", "pipeline")

        page.set_input_files("#admin-files input[type=file]", [str(good), str(empty)])
        page.wait_for_timeout(1000)
        page.click("#admin-upload")
        _wait_text(page, "#admin-result", "added", timeout=120_000)
        result = _result(page)
        assert "1 added" in result and "empty.txt" in result and "empty file" in result
        _wait_text(page, "#admin-docs", "water-sharing")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui-07-admin.png"), full_page=True)
        assert {c.doc_id for c in load_index(settings.index_dir).chunks} == {"migration", "pipeline", "water-sharing"}

        page.click("#admin-remove-choice input")
        page.click('#admin-remove-choice [role="option"][aria-label="pipeline"]')
        page.click("#admin-remove")
        _wait_text(page, "#admin-result", "Removed")
        assert {c.doc_id for c in load_index(settings.index_dir).chunks} == {"migration", "water-sharing"}

        # the running assistant picks up the new index version on its next question, without a restart
        page.get_by_role("tab", name="Ask").click()
        page.fill("#jq-question textarea", "When were the Amu Darya quotas agreed?")
        page.keyboard.press("Enter")
        _wait_text(page, "body", "Water sharing")
        assert page.outside_requests == []  # type: ignore[attr-defined]


def test_no_password_no_admin_tab(small_assistant):
    from ui.admin import admin_tabs, password_ok

    assert admin_tabs(small_assistant) == []
    assert not password_ok("", "") and not password_ok("a", "b") and password_ok("s3cret", "s3cret")
