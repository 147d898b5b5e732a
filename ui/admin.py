"""The Admin tab: upload documents, watch progress, list and remove documents.

Shown only when ``JOURNALQA_ADMIN_PASSWORD`` is set (at least ``MIN_PASSWORD_CHARS`` long), and usable
only after entering it; wrong passwords lock the client out for a while (``LoginThrottle``). Its events
are private: they are not listed on the public "Use via API" page. All work is done by
``journalqa.index.manage``; uploaded names are reduced to a bare file name there (``manage.safe_name``), so
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from journalqa.answer.render import text_html
from journalqa.assistant import Assistant
from journalqa.config import MIN_ADMIN_PASSWORD_CHARS, SettingsError, check_admin_password
from journalqa.i18n import supported, t
from journalqa.index.build import IndexBusy
from journalqa.index.manage import AddReport, DocumentInfo, add_paths, list_documents, remove_documents
from journalqa.ingest import IngestError
from journalqa.ingest.docfile import slugify
from journalqa.types import format_authors

if TYPE_CHECKING:
    from ui.app import Interface

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


def retry_message(wait_s: float, lang: str = "en") -> str:
    at = time.strftime("%H:%M:%S", time.localtime(time.time() + wait_s))
    return t(lang, "admin.retry", seconds=math.ceil(wait_s), at=at)


def client_of(request: gr.Request | None) -> str:
    client = getattr(request, "client", None)
    return str(getattr(client, "host", None) or "unknown")


def document_rows(assistant: Assistant) -> list[list[Any]]:
    return [
        [d.doc_id, d.title, format_authors(d.authors), d.pages, d.chunks, d.added[:16], d.source_hash]
        for d in list_documents(assistant.settings)
    ]


def documents_table(documents: list[DocumentInfo], lang: str = "en") -> str:
    """The library as an HTML table that fits its column (fixed layout, long values wrap); under 700 px wide
    each row becomes a card of label: value lines (app.css). Titles, ids and authors are shown as written."""
    if not documents:
        return f'<p class="jq-muted">{text_html(t(lang, "admin.empty"))}</p>'
    columns = ["document", "authors", "pages", "chunks", "added", "hash"]
    labels = {c: text_html(t(lang, f"admin.col.{c}")) for c in columns}
    head = "".join(f'<th class="jq-col-{c}">{labels[c]}</th>' for c in columns)
    rows = []
    for d in documents:
        cells = {
            "document": f'<span class="jq-doc-name" translate="no">{text_html(d.title)}</span>'
            f'<code class="jq-doc-id" translate="no">{text_html(d.doc_id)}</code>',
            "authors": f'<span translate="no">{text_html(format_authors(d.authors))}</span>' if d.authors else "",
            "pages": _pages_html(str(d.pages), lang),
            "chunks": str(d.chunks),
            "added": text_html(d.added[:16].replace("T", " ")),
            "hash": f'<code title="{text_html(d.source_hash)}">{text_html(d.source_hash[:12])}</code>',
        }
        rows.append(
            f'<tr data-doc-id="{text_html(d.doc_id)}">'
            + "".join(f'<td class="jq-col-{c}" data-label="{labels[c]}">{cells[c]}</td>' for c in columns)
            + "</tr>"
        )
    return f'<table class="jq-docs-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _pages_html(pages: str, lang: str) -> str:
    """A page range; one starting with "~" (inferred, not printed) explains itself on hover."""
    if not pages.startswith("~"):
        return text_html(pages)
    return f'<span class="jq-approx" title="{text_html(t(lang, "page.approximate_tip"))}">{text_html(pages)}</span>'


def file_outcomes(report: AddReport, names: list[str], lang: str = "en") -> list[tuple[str, str]]:
    """(file name, what happened to it) for each uploaded file, in the order given."""
    skipped = {s.path.name: s.reason for s in report.skipped}
    renamed = {r.original: r.doc_id for r in report.renamed}
    sync = report.sync
    outcomes = []
    for name in names:
        doc_id = renamed.get(name) or slugify(Path(name).stem)
        if name in skipped:
            outcome = t(lang, "admin.file_skipped", reason=skipped[name])
        elif sync and doc_id in sync.added:
            outcome = t(lang, "admin.file_added")
        elif sync and doc_id in sync.updated:
            outcome = t(lang, "admin.file_updated")
        else:
            outcome = t(lang, "admin.file_unchanged")
        outcomes.append((name, outcome))
    return outcomes


def outcomes_html(outcomes: list[tuple[str, str]], lang: str = "en", pending: str = "") -> str:
    items = "".join(f"<li><code>{text_html(name)}</code> — {text_html(what)}</li>" for name, what in outcomes)
    head = f"<p><b>{text_html(t(lang, 'admin.upload_summary', n=len(outcomes)))}</b></p>" if not pending else ""
    now = f'<p class="jq-progress">{text_html(pending)}</p>' if pending else ""
    return f'<div class="jq-upload-result">{head}{now}<ul>{items}</ul></div>'


def remove_choices(documents: list[DocumentInfo]) -> list[tuple[str, str]]:
    return [(f"{d.title} ({d.doc_id})", d.doc_id) for d in documents]


def password_ok(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class AdminHandlers:
    def __init__(self, assistant: Assistant, throttle: LoginThrottle | None = None) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self.throttle = throttle or LoginThrottle()

    def unlock(self, password: str, request: gr.Request, lang: str = "en") -> tuple:
        lang = supported(lang)
        client = client_of(request)
        wait = self.throttle.wait_s(client)
        if wait > 0:
            raise failure(retry_message(wait, lang))
        if not password_ok(password or "", self.settings.admin_password):
            wait = self.throttle.failed(client)
            log.warning("wrong admin password from %s", client)
            if wait > 0:
                raise failure(retry_message(wait, lang))
            warn(t(lang, "admin.wrong_password"))
            return False, gr.update(visible=True), gr.update(visible=False), gr.update(), gr.update()
        self.throttle.succeeded(client)
        documents = list_documents(self.settings)
        return (
            True,
            gr.update(visible=False),
            gr.update(visible=True),
            documents_table(documents, lang),
            gr.update(choices=remove_choices(documents), value=None),
        )

    def upload(self, files: list[str] | None, unlocked: bool, lang: str = "en") -> Iterator[tuple]:
        """Add the files one at a time, saying which one is being read; the table stays and is refreshed after
        each file, and the message names every file with what happened to it."""
        lang = supported(lang)
        if not unlocked:
            raise failure(t(lang, "admin.locked"))
        if not files:
            inform(t(lang, "admin.choose_files"))
            yield gr.skip(), gr.skip(), "", gr.skip()
            return
        paths = [Path(f) for f in files]
        outcomes: list[tuple[str, str]] = []
        try:
            for number, path in enumerate(paths, 1):
                pending = t(lang, "admin.progress", n=number, total=len(paths), name=path.name)
                yield gr.skip(), gr.skip(), outcomes_html(outcomes, lang, pending), gr.skip()
                try:
                    report = add_paths(self.settings, [path], show_progress=False, names={path: path.name})
                except IndexBusy as exc:
                    log.warning("upload refused: %s", exc)
                    raise failure(t(lang, "admin.busy")) from None
                finally:
                    _delete_uploads([path])
                outcomes += file_outcomes(report, [path.name], lang)
                documents = list_documents(self.settings)
                yield documents_table(documents, lang), gr.skip(), outcomes_html(outcomes, lang, pending), gr.skip()
        finally:
            _delete_uploads(paths)
        documents = list_documents(self.settings)
        # the chooser is emptied: its files are deleted, sending them again could only fail
        choices = gr.update(choices=remove_choices(documents), value=None)
        yield documents_table(documents, lang), choices, outcomes_html(outcomes, lang), None

    def confirm(self, doc_id: str | None, unlocked: bool, lang: str = "en") -> tuple:
        """Remove asks first, naming the document by its title and id."""
        lang = supported(lang)
        if not unlocked:
            raise failure(t(lang, "admin.locked"))
        if not doc_id:
            inform(t(lang, "admin.choose_remove"))
            return gr.update(visible=False), ""
        titles = {d.doc_id: d.title for d in list_documents(self.settings)}
        question = t(lang, "admin.confirm", title=titles.get(doc_id, doc_id), doc_id=doc_id)
        return gr.update(visible=True), f'<p class="jq-confirm-text">{text_html(question)}</p>'

    def remove(self, doc_id: str | None, unlocked: bool, lang: str = "en") -> tuple:
        lang = supported(lang)
        if not unlocked:
            raise failure(t(lang, "admin.locked"))
        if not doc_id:
            inform(t(lang, "admin.choose_remove"))
            return gr.skip(), gr.skip(), "", gr.update(visible=False)
        titles = {d.doc_id: d.title for d in list_documents(self.settings)}
        try:
            removed, unknown, sync = remove_documents(self.settings, [doc_id])
        except IndexBusy as exc:
            log.warning("removal refused: %s", exc)
            raise failure(t(lang, "admin.busy")) from None
        except IngestError as exc:  # one plain line ("could not remove x.md: read-only file system")
            log.warning("removal failed: %s", exc)
            raise failure(t(lang, "admin.remove_failed", doc_id=doc_id)) from None
        if removed:
            message = t(lang, "admin.removed", title=titles.get(doc_id, doc_id), doc_id=doc_id, chunks=sync.chunks)
        else:
            message = t(lang, "admin.no_document", doc_id=doc_id)
        documents = list_documents(self.settings)
        return (
            documents_table(documents, lang),
            gr.update(choices=remove_choices(documents), value=None),
            f"<p>{text_html(message)}</p>",
            gr.update(visible=False),
        )


def _delete_uploads(paths: list[Path]) -> None:
    """Gradio keeps each upload in its temp folder (``<GRADIO_TEMP_DIR>/<hash>/<name>``) until the server
    stops; once the corpus holds its own copy (or the file was refused) that copy is only a leftover."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
            path.parent.rmdir()  # the per-upload folder, when nothing else is in it


def admin_tab(assistant: Assistant, ui: Interface) -> None:
    """Render the Admin tab inside ``gr.Tabs`` (see ``ui.app.build_app(tabs=...)``)."""
    handlers = AdminHandlers(assistant)
    limit = assistant.settings.max_upload_mb
    lang = ui.lang
    with gr.Tab("Admin", id="admin", elem_id="admin-tab") as tab:
        unlocked = gr.State(False)
        with gr.Column(visible=True) as login:
            password = gr.Textbox(label="Admin password", type="password", elem_id="admin-password")
            enter = gr.Button("Unlock", elem_id="admin-unlock")
        with gr.Column(visible=False, elem_id="admin-panel") as panel:
            intro = gr.Markdown("")
            files = gr.File(
                label="Documents", file_count="multiple", file_types=[".pdf", ".txt", ".md"], elem_id="admin-files"
            )
            upload = gr.Button("Add to the library", variant="primary", elem_id="admin-upload")
            result = gr.HTML(elem_id="admin-result")  # built from escaped text: file names stay text
            table = gr.HTML("", elem_id="admin-docs")
            with gr.Row(equal_height=True, elem_id="admin-remove-row"):
                choice = gr.Dropdown(label="Document to remove", choices=[], elem_id="admin-remove-choice", scale=4)
                remove = gr.Button("Remove…", variant="stop", elem_id="admin-remove", scale=1, min_width=140)
            with gr.Column(visible=False, elem_id="admin-confirm") as confirm_box:
                confirm_text = gr.HTML("", elem_id="admin-confirm-text")
                with gr.Row():
                    yes = gr.Button("Yes, remove", variant="stop", elem_id="admin-confirm-yes", min_width=140)
                    no = gr.Button("Cancel", elem_id="admin-confirm-no", min_width=140)
    ui.relabel(tab, lambda lg: gr.update(label=t(lg, "tab.admin")))
    ui.relabel(password, lambda lg: gr.update(label=t(lg, "admin.password")))
    ui.relabel(enter, lambda lg: gr.update(value=t(lg, "admin.unlock")))
    ui.relabel(intro, lambda lg: gr.update(value=t(lg, "admin.intro", limit=limit)))
    ui.relabel(files, lambda lg: gr.update(label=t(lg, "admin.files")))
    ui.relabel(upload, lambda lg: gr.update(value=t(lg, "admin.upload")))
    ui.relabel(choice, lambda lg: gr.update(label=t(lg, "admin.remove_choice")))
    ui.relabel(remove, lambda lg: gr.update(value=t(lg, "admin.remove")))
    ui.relabel(yes, lambda lg: gr.update(value=t(lg, "admin.confirm_yes")))
    ui.relabel(no, lambda lg: gr.update(value=t(lg, "admin.confirm_no")))
    # private: off the public API page, and not callable through the Gradio client libraries
    for trigger in (enter.click, password.submit):
        trigger(handlers.unlock, [password, lang], [unlocked, login, panel, table, choice], api_visibility="private")
    upload.click(
        handlers.upload,
        [files, unlocked, lang],
        [table, choice, result, files],
        api_visibility="private",
        show_progress="hidden",  # the progress is the message naming each file; the table stays in place
    )
    remove.click(handlers.confirm, [choice, unlocked, lang], [confirm_box, confirm_text], api_visibility="private")
    yes.click(handlers.remove, [choice, unlocked, lang], [table, choice, result, confirm_box], api_visibility="private")
    no.click(lambda: gr.update(visible=False), None, confirm_box, api_visibility="private")
    choice.change(lambda: gr.update(visible=False), None, confirm_box, api_visibility="private")


def admin_tabs(assistant: Assistant) -> list:
    """The Admin tab when a password is configured, otherwise none; raises AdminPasswordTooShort."""
    check_password_setting(assistant.settings.admin_password)
    return [admin_tab] if assistant.settings.admin_password else []
