"""The Admin tab: upload documents, watch progress, list and remove documents.

Shown only when ``JOURNALQA_ADMIN_PASSWORD`` is set (at least ``MIN_PASSWORD_CHARS`` long), and usable
only after entering it; wrong passwords lock the client out for a while (``LoginThrottle``). Its events
are private: they are not listed on the public "Use via API" page. All work is done by
``journalqa.manage``; uploaded names are reduced to a bare file name there (``manage.safe_name``), so
nothing can be written outside the corpus folder, and Gradio's temporary copy of an upload is deleted
once the corpus holds its own.

The toast helpers (``warn``, ``inform``, ``failure``) live here because both this tab and ``ui.app`` use
them: Gradio renders a toast's message as HTML, so every message is escaped on its way in.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from journalqa.assistant import Assistant
from journalqa.config import MIN_ADMIN_PASSWORD_CHARS, SettingsError, check_admin_password
from journalqa.indexing import IndexBusy
from journalqa.ingest import IngestError
from journalqa.manage import add_paths, list_documents, remove_documents
from journalqa.render import text_html
from journalqa.types import format_authors

log = logging.getLogger("journalqa.ui.admin")
DOC_COLUMNS = ["id", "title", "authors", "pages", "chunks", "added", "source hash"]
MIN_PASSWORD_CHARS = MIN_ADMIN_PASSWORD_CHARS
FREE_TRIES = 5  # wrong passwords a client may enter before it has to wait
FIRST_LOCK_S = 30.0  # the first wait; it doubles with each further wrong password
MAX_LOCK_S = 15 * 60.0
FORGET_AFTER_S = 24 * 3600.0  # a client's failures are forgotten after a day without one


# --- toasts: Gradio renders their message as HTML, so text (titles, names, reasons) is escaped here -----


def warn(message: str, duration: float | None = 10) -> None:
    gr.Warning(text_html(message), duration=duration)


def inform(message: str, duration: float | None = 3) -> None:
    gr.Info(text_html(message), duration=duration)


def failure(message: str) -> gr.Error:
    """An error toast to ``raise`` (its message also reaches API clients, escaped the same way)."""
    return gr.Error(text_html(message), print_exception=False)


# --- the password --------------------------------------------------------------------------------------


# one rule for the CLI and the UI: the library's (journalqa serve checks it before building the index)
AdminPasswordTooShort = SettingsError
check_password_setting = check_admin_password


class LoginThrottle:
    """Per-client back-off for password guesses: ``FREE_TRIES`` wrong passwords, then a wait that doubles
    with every further wrong one (up to ``MAX_LOCK_S``); a right password clears the client's record.
    While a client waits, even the right password is refused, so guessing cannot go on in the meantime."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float, float]] = {}  # client -> (failures, locked until, last)

    def wait_s(self, client: str) -> float:
        """Seconds ``client`` must still wait before its next try (0: it may try now)."""
        with self._lock:
            _, until, _ = self._failures.get(client, (0, 0.0, 0.0))
            return max(0.0, until - self._clock())

    def failed(self, client: str) -> float:
        """Record a wrong password; returns the wait it earns (0 while free tries remain)."""
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            failures = self._failures.get(client, (0, 0.0, 0.0))[0] + 1
            wait = 0.0 if failures < FREE_TRIES else min(MAX_LOCK_S, FIRST_LOCK_S * 2 ** (failures - FREE_TRIES))
            self._failures[client] = (failures, now + wait, now)
            return wait

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def _forget_old(self, now: float) -> None:
        # bounds memory when many addresses guess once each
        stale = [c for c, (_, until, last) in self._failures.items() if now - max(until, last) > FORGET_AFTER_S]
        for client in stale:
            del self._failures[client]


def retry_message(wait_s: float) -> str:
    at = time.strftime("%H:%M:%S", time.localtime(time.time() + wait_s))
    return f"Too many wrong passwords from your address: try again in {math.ceil(wait_s)} s (after {at})."


def client_of(request: gr.Request | None) -> str:
    client = getattr(request, "client", None)
    return str(getattr(client, "host", None) or "unknown")


def document_rows(assistant: Assistant) -> list[list[Any]]:
    return [
        [d.doc_id, d.title, format_authors(d.authors), d.pages, d.chunks, d.added[:16], d.source_hash]
        for d in list_documents(assistant.settings)
    ]


def password_ok(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class AdminHandlers:
    def __init__(self, assistant: Assistant, throttle: LoginThrottle | None = None) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self.throttle = throttle or LoginThrottle()

    def unlock(self, password: str, request: gr.Request) -> tuple:
        client = client_of(request)
        wait = self.throttle.wait_s(client)
        if wait > 0:
            raise failure(retry_message(wait))
        if not password_ok(password or "", self.settings.admin_password):
            wait = self.throttle.failed(client)
            log.warning("wrong admin password from %s", client)
            if wait > 0:
                raise failure(retry_message(wait))
            warn("Wrong password.")
            return False, gr.update(visible=True), gr.update(visible=False), gr.update(), gr.update()
        self.throttle.succeeded(client)
        rows = document_rows(self.assistant)
        return (
            True,
            gr.update(visible=False),
            gr.update(visible=True),
            gr.update(value=rows),
            gr.update(choices=[r[0] for r in rows], value=None),
        )

    def upload(self, files: list[str] | None, unlocked: bool, progress=gr.Progress(track_tqdm=True)) -> tuple:  # noqa: B008
        if not unlocked:
            raise failure("Enter the admin password first.")
        if not files:
            inform("Choose one or more PDF, .txt or .md files first.")
            return gr.update(), gr.update(), "", gr.update()
        paths = [Path(f) for f in files]
        progress(0, desc="Reading and indexing")
        try:
            report = add_paths(self.settings, paths, show_progress=True, names={p: p.name for p in paths})
        except IndexBusy as exc:
            log.warning("upload refused: %s", exc)
            raise failure("The index is busy with another change; try again in a minute.") from None
        finally:
            _delete_uploads(paths)
        skipped = "".join(
            f"<li>skipped <code>{text_html(s.path.name)}</code>: {text_html(s.reason)}</li>" for s in report.skipped
        )
        result = f"<p><b>{text_html(report.summary())}</b></p>" + (f"<ul>{skipped}</ul>" if skipped else "")
        rows = document_rows(self.assistant)
        # the chooser is emptied: its files are deleted, sending them again could only fail
        return gr.update(value=rows), gr.update(choices=[r[0] for r in rows], value=None), result, None

    def remove(self, doc_id: str | None, unlocked: bool) -> tuple:
        if not unlocked:
            raise failure("Enter the admin password first.")
        if not doc_id:
            inform("Choose a document to remove.")
            return gr.update(), gr.update(), ""
        try:
            removed, unknown, sync = remove_documents(self.settings, [doc_id])
        except IndexBusy as exc:
            log.warning("removal refused: %s", exc)
            raise failure("The index is busy with another change; try again in a minute.") from None
        except IngestError as exc:  # one plain line ("could not remove x.md: read-only file system")
            raise failure(f"{exc}.") from None
        name = f"<code>{text_html(doc_id)}</code>"
        message = f"Removed {name}; {sync.chunks} chunks left." if removed else f"No document {name}."
        rows = document_rows(self.assistant)
        return gr.update(value=rows), gr.update(choices=[r[0] for r in rows], value=None), message


def _delete_uploads(paths: list[Path]) -> None:
    """Gradio keeps each upload in its temp folder (``<GRADIO_TEMP_DIR>/<hash>/<name>``) until the server
    stops; once the corpus holds its own copy (or the file was refused) that copy is only a leftover."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
            path.parent.rmdir()  # the per-upload folder, when nothing else is in it


def admin_tab(assistant: Assistant) -> None:
    """Render the Admin tab inside ``gr.Tabs`` (see ``ui.app.build_app(tabs=...)``)."""
    handlers = AdminHandlers(assistant)
    limit = assistant.settings.max_upload_mb
    with gr.Tab("Admin", id="admin"):
        unlocked = gr.State(False)
        with gr.Column(visible=True) as login:
            password = gr.Textbox(label="Admin password", type="password", elem_id="admin-password")
            enter = gr.Button("Unlock", elem_id="admin-unlock")
        with gr.Column(visible=False) as panel:
            gr.Markdown(
                f"Add PDF, .txt or .md files (up to {limit} MB each). Same content under another name is skipped."
            )
            files = gr.File(
                label="Documents", file_count="multiple", file_types=[".pdf", ".txt", ".md"], elem_id="admin-files"
            )
            upload = gr.Button("Add to the library", variant="primary", elem_id="admin-upload")
            result = gr.HTML(elem_id="admin-result")  # built from escaped text: file names stay text
            table = gr.Dataframe(headers=DOC_COLUMNS, interactive=False, wrap=True, elem_id="admin-docs")
            with gr.Row():
                choice = gr.Dropdown(label="Document to remove", choices=[], elem_id="admin-remove-choice")
                remove = gr.Button("Remove", variant="stop", elem_id="admin-remove")
        # private: off the public API page, and not callable through the Gradio client libraries
        for trigger in (enter.click, password.submit):
            trigger(handlers.unlock, [password], [unlocked, login, panel, table, choice], api_visibility="private")
        upload.click(handlers.upload, [files, unlocked], [table, choice, result, files], api_visibility="private")
        remove.click(handlers.remove, [choice, unlocked], [table, choice, result], api_visibility="private")


def admin_tabs(assistant: Assistant) -> list:
    """The Admin tab when a password is configured, otherwise none; raises AdminPasswordTooShort."""
    check_password_setting(assistant.settings.admin_password)
    return [admin_tab] if assistant.settings.admin_password else []
