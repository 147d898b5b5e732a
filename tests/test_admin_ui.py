"""The Admin tab end to end: a real server with JOURNALQA_ADMIN_PASSWORD over its own copy of the small
fixture corpus, a real Chromium uploading real files, and the index on disk checked afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from journalqa.config import Settings
from journalqa.index.build import sync_index
from journalqa.index.store import load_index
from tests.conftest import FIXTURE_CORPUS
from tests.servers import ROOT, chromium_page, event_index, free_port, queue_call, ui_server

ARTIFACTS = ROOT / "tests" / "artifacts"
PASSWORD = "correct horse"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory, embedder):
    base = tmp_path_factory.mktemp("admin")
    settings = Settings(index_dir=base / "index", corpus_dir=base / "corpus")
    shutil.copytree(FIXTURE_CORPUS, settings.corpus_dir)
    sync_index(settings, embedder, show_progress=False)
    env = {
        "JOURNALQA_ADMIN_PASSWORD": PASSWORD,
        "JOURNALQA_FEEDBACK_DB": str(base / "fb.sqlite3"),
        "GRADIO_TEMP_DIR": str(base / "gradio-tmp"),  # where Gradio keeps uploads: checked for leftovers
    }
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


def _filter_options(page) -> list[str]:
    """The titles offered by the chat's "Only these articles" filter."""
    page.get_by_role("tab", name="Ask").click()
    page.get_by_text("Search options").click()
    page.click("#jq-docs input")
    page.wait_for_selector('#jq-docs [role="option"]', timeout=10_000)
    options = page.locator('#jq-docs [role="option"]').all_inner_texts()
    page.keyboard.press("Escape")
    page.get_by_text("Search options").click()
    return [o.strip() for o in options]


def test_admin_tab_upload_list_and_remove(admin_server):
    url, settings, base = admin_server
    good = base / "water-sharing.md"
    good.write_text("# Water sharing\n\nThe Amu Darya quotas were agreed in 1987 by the five republics.\n")
    empty = base / "empty.txt"
    empty.write_bytes(b"")
    with chromium_page(url, "#jq-question textarea") as page:
        assert "Water sharing" not in _filter_options(page)
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
        # while the files are read the table stays in place (it used to turn into a spinner and shift left)
        assert page.locator("#admin-docs table").is_visible()
        _wait_text(page, "#admin-result", "2 files processed", timeout=120_000)
        result = _result(page)  # each file named with what happened to it (issue #31)
        assert "water-sharing.md — added" in result and "empty.txt — skipped" in result and "empty file" in result
        _wait_text(page, "#admin-docs", "water-sharing")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui-07-admin.png"), full_page=True)
        assert {c.doc_id for c in load_index(settings.index_dir).chunks} == {"migration", "pipeline", "water-sharing"}
        # the corpus has its own copy now: nothing of either upload is left in Gradio's temp folder
        leftovers = [p.name for p in (base / "gradio-tmp").rglob("*") if p.name in {good.name, empty.name}]
        assert leftovers == []
        assert page.locator("#admin-files", has_text=good.name).count() == 0  # the chooser is emptied too
        # the chat's article filter offers the new document (it used to keep the start-up list)
        assert "Water sharing" in _filter_options(page)
        page.get_by_role("tab", name="Admin").click()

        page.click("#admin-remove-choice input")
        page.click('#admin-remove-choice [role="option"][aria-label="Energy corridors through Afghanistan (pipeline)"]')
        page.click("#admin-remove")  # asks first, naming the title and the id; Cancel keeps the document
        page.wait_for_selector("#admin-confirm", state="visible", timeout=10_000)
        asked = page.inner_text("#admin-confirm-text")
        assert "Energy corridors through Afghanistan" in asked and "(pipeline)" in asked
        page.click("#admin-confirm-no")
        page.wait_for_selector("#admin-confirm", state="hidden", timeout=10_000)
        assert "pipeline" in {c.doc_id for c in load_index(settings.index_dir).chunks}
        page.click("#admin-remove")
        page.wait_for_selector("#admin-confirm", state="visible", timeout=10_000)
        page.click("#admin-confirm-yes")
        _wait_text(page, "#admin-result", "Removed")
        assert "(pipeline)" in _result(page) and "Energy corridors" in _result(page)
        assert {c.doc_id for c in load_index(settings.index_dir).chunks} == {"migration", "water-sharing"}
        assert "Energy corridors through Afghanistan" not in _filter_options(page)

        # the running assistant picks up the new index version on its next question, without a restart
        page.fill("#jq-question textarea", "When were the Amu Darya quotas agreed?")
        page.keyboard.press("Enter")
        _wait_text(page, "body", "Water sharing")
        assert page.outside_requests == []  # type: ignore[attr-defined]


def test_no_password_no_admin_tab(small_assistant):
    from ui.admin import AdminPasswordTooShort, admin_tabs, password_ok

    assert admin_tabs(small_assistant) == []
    assert not password_ok("", "") and not password_ok("a", "b") and password_ok("s3cret", "s3cret")
    short = type("A", (), {"settings": small_assistant.settings.replace(admin_password="eleven char")})()
    with pytest.raises(AdminPasswordTooShort, match="at least 12"):
        admin_tabs(short)


def test_admin_events_are_not_on_the_public_api(admin_server):
    from gradio_client import Client

    url = admin_server[0]
    with urllib.request.urlopen(url + "gradio_api/info", timeout=10) as response:
        info = json.load(response)
    assert set(info["named_endpoints"]) == {"/ask"} and not info["unnamed_endpoints"]
    client = Client(url, verbose=False)
    with pytest.raises(ValueError):  # the client library refuses events that are not in the API
        client.predict(PASSWORD, api_name="/unlock")


@pytest.fixture()
def guessing_server(admin_server, tmp_path):
    """A fresh server (its own failure counts) over the same index, for the password-guessing tests."""
    _, settings, base = admin_server
    env = {"JOURNALQA_ADMIN_PASSWORD": PASSWORD, "JOURNALQA_FEEDBACK_DB": str(tmp_path / "fb.sqlite3")}
    with ui_server(settings.index_dir, settings.corpus_dir, tmp_path / "server.log", env) as url:
        yield url


def test_password_guessing_is_locked_out(guessing_server):
    """Over raw HTTP, the way a guessing script reaches the event the page uses."""
    url = guessing_server
    unlock = event_index(url, "admin-unlock")
    started = time.monotonic()
    results = [queue_call(url, unlock, [f"guess-{i}", "en"]) for i in range(12)]  # (password, interface language)
    toasts = [" ".join(t.get("log", "") for t in r["toasts"]) for r in results]
    assert all("Wrong password" in t for t in toasts[:4])
    refused = [r["output"].get("error") or "" for r in results[5:]]
    assert all("try again in" in e for e in refused), refused
    assert time.monotonic() - started < 30  # refused at once: the lock, not a slow check, stops guessing
    # while locked, even the right password is refused
    right = queue_call(url, unlock, [PASSWORD, "en"])
    assert not right["success"] and "try again in" in right["output"]["error"]


def test_short_admin_password_refuses_to_start(admin_server):
    _, settings, _ = admin_server
    env = {**os.environ, "JOURNALQA_ADMIN_PASSWORD": "hunter2"}
    cmd = [sys.executable, "-m", "journalqa.cli", "serve", "--port", str(free_port())]
    cmd += ["--index-dir", str(settings.index_dir), "--corpus-dir", str(settings.corpus_dir), "--quiet"]
    # before the check, the server started and ran until the timeout
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "at least 12" in lines[0] and "hunter2" not in lines[0], done.stderr


def test_login_throttle_backs_off_and_forgets_on_success():
    from ui.admin import FIRST_LOCK_S, FREE_TRIES, LoginThrottle

    now = [1000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    assert [throttle.failed("a") for _ in range(FREE_TRIES - 1)] == [0.0] * (FREE_TRIES - 1)
    assert throttle.failed("a") == FIRST_LOCK_S and throttle.wait_s("a") == FIRST_LOCK_S
    assert throttle.wait_s("b") == 0  # per client
    now[0] += FIRST_LOCK_S
    assert throttle.wait_s("a") == 0 and throttle.failed("a") == 2 * FIRST_LOCK_S  # doubles
    throttle.succeeded("a")
    assert throttle.wait_s("a") == 0 and throttle.failed("a") == 0
