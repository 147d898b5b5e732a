"""The Admin tab: upload documents, watch progress, list and remove documents.

Shown only when ``JOURNALQA_ADMIN_PASSWORD`` is set, and usable only after entering it. All work is
done by ``journalqa.manage``; uploaded names are reduced to a bare file name there
(``manage.safe_name``), so nothing can be written outside the corpus folder.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

import gradio as gr

from journalqa.assistant import Assistant
from journalqa.indexing import IndexBusy
from journalqa.manage import add_paths, list_documents, remove_documents

DOC_COLUMNS = ["id", "title", "pages", "chunks", "added", "source hash"]


def document_rows(assistant: Assistant) -> list[list[Any]]:
    return [
        [d.doc_id, d.title, d.pages, d.chunks, d.added[:16], d.source_hash] for d in list_documents(assistant.settings)
    ]


def password_ok(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class AdminHandlers:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.settings = assistant.settings

    def unlock(self, password: str) -> tuple:
        if not password_ok(password or "", self.settings.admin_password):
            gr.Warning("Wrong password.")
            return False, gr.update(visible=True), gr.update(visible=False), gr.update(), gr.update()
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
            raise gr.Error("Enter the admin password first.")
        if not files:
            gr.Info("Choose one or more PDF, .txt or .md files first.")
            return gr.update(), gr.update(), ""
        paths = [Path(f) for f in files]
        progress(0, desc="Reading and indexing")
        try:
            report = add_paths(self.settings, paths, show_progress=True, names={p: p.name for p in paths})
        except IndexBusy as exc:
            raise gr.Error(str(exc)) from None
        lines = [f"**{report.summary()}**"]
        lines += [f"- skipped `{s.path.name}`: {s.reason}" for s in report.skipped]
        rows = document_rows(self.assistant)
        return gr.update(value=rows), gr.update(choices=[r[0] for r in rows], value=None), "\n".join(lines)

    def remove(self, doc_id: str | None, unlocked: bool) -> tuple:
        if not unlocked:
            raise gr.Error("Enter the admin password first.")
        if not doc_id:
            gr.Info("Choose a document to remove.")
            return gr.update(), gr.update(), ""
        try:
            removed, unknown, sync = remove_documents(self.settings, [doc_id])
        except IndexBusy as exc:
            raise gr.Error(str(exc)) from None
        message = f"Removed `{doc_id}`; {sync.chunks} chunks left." if removed else f"No document `{unknown[0]}`."
        rows = document_rows(self.assistant)
        return gr.update(value=rows), gr.update(choices=[r[0] for r in rows], value=None), message


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
            result = gr.Markdown(elem_id="admin-result")
            table = gr.Dataframe(headers=DOC_COLUMNS, interactive=False, wrap=True, elem_id="admin-docs")
            with gr.Row():
                choice = gr.Dropdown(label="Document to remove", choices=[], elem_id="admin-remove-choice")
                remove = gr.Button("Remove", variant="stop", elem_id="admin-remove")
        enter.click(handlers.unlock, [password], [unlocked, login, panel, table, choice])
        password.submit(handlers.unlock, [password], [unlocked, login, panel, table, choice])
        upload.click(handlers.upload, [files, unlocked], [table, choice, result])
        remove.click(handlers.remove, [choice, unlocked], [table, choice, result])


def admin_tabs(assistant: Assistant) -> list:
    """The Admin tab when a password is configured, otherwise none."""
    return [admin_tab] if assistant.settings.admin_password else []
