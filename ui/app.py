"""The journalqa chat UI: a Gradio Blocks shell over ``Assistant`` with an evidence panel.

``build_app(assistant)`` builds the Blocks; ``main()`` loads the assistant and launches it
(``python -m ui.app`` or ``journalqa serve``). Retrieval, follow-up rewriting and answering are
the library's; rendering is ``journalqa.answer.render``; this module only wires events to them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import queue
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from journalqa import feedback
from journalqa.answer.llm import LLMUnavailable
from journalqa.answer.render import (
    answer_dict,
    answer_html,
    article_html,
    evidence_html,
    evidence_sources,
    extractive_pieces,
    query_html,
    text_html,
)
from journalqa.assistant import Assistant, QuestionError
from journalqa.config import Settings, apply_offline_env
from journalqa.i18n import LANGUAGES, NATIVE_NAMES, catalog, from_accept_language, supported, t
from journalqa.index.manage import document_text, list_documents
from journalqa.index.store import IndexError_
from journalqa.ingest.ocr import claim_temp_dir
from journalqa.text.language import question_language
from journalqa.types import Answer
from ui.admin import AdminPasswordTooShort, admin_tabs, check_password_setting, failure, inform, warn

log = logging.getLogger("journalqa.ui")
ASSETS = Path(__file__).resolve().parent / "assets"

# Questions the journal answers (from evals/qa.jsonl), shown on the empty screen.
EXAMPLES = (
    "Who coordinates the construction of the TAPI gas pipeline?",
    "How much humanitarian assistance did Kazakhstan give the Afghan people in 2020–2021?",
    "Why did Tajikistan take in fewer Afghans than the 100,000 it had offered to shelter?",
    "When did Washington and the Taliban sign their agreement in Doha?",
)
# The examples in each interface language: questions from evals/qa_ru.jsonl and qa_kk.jsonl that today's answerer
# answers with their gold quote (tests/test_ui_i18n.py asks each one).
EXAMPLES_BY_LANGUAGE = {
    "en": EXAMPLES,
    "ru": (
        "Кто координирует строительство газопровода ТАПИ?",
        "Когда Вашингтон и талибы подписали соглашение в Дохе?",
        "Какого числа Казахстан и Афганистан установили дипломатические отношения?",
        "Через какой казахстанский порт шли грузы Северной распределительной сети?",
    ),
    "kk": (
        "Вашингтон мен Талибан Дохада келісімге қашан қол қойды?",
        "Қазақстан мен Ауғанстан дипломатиялық қатынастарды қай күні орнатты?",
        "Солтүстік тарату желісінің жүктері Қазақстанның қай порты арқылы өтті?",
        "2022 жылғы 12 қаңтарда Өзбекстан Ауғанстанға электр энергиясын жеткізуді қанша пайызға қысқартты?",
    ),
}
JOURNAL = "Kazakhstan Journal of Foreign Studies"  # the journal's own title: shown as written, like any title
LANGUAGE_KEY = "journalqa-language"  # where the browser remembers the chosen interface language


def placeholder(lang: str) -> str:
    return f"### {t(lang, 'empty.title')}\n{t(lang, 'empty.body')}"


def empty_evidence(lang: str) -> str:
    return f'<div class="jq-empty">{t(lang, "evidence.empty")}</div>'


def header_html(lang: str) -> str:
    return (
        f'<div class="jq-header"><span class="jq-logo">journalqa</span><span class="jq-journal">'
        f'<span translate="no">{JOURNAL}</span> · {text_html(t(lang, "header.issue"))}</span></div>'
    )


PLACEHOLDER = placeholder("en")
EMPTY_EVIDENCE = empty_evidence("en")
# System fonts only: a GoogleFont would make every page load reach for a CDN.
SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
STEP_DELAY_S = 0.06  # pause between streamed sentences, so an extractive answer reads as it arrives
MAX_TOP_K = 50  # passages one question may ask for; more only slows every other user down
# What a chat user is told when answering fails: a short reason, never an exception's text (it can hold
# server paths, hosts or library internals); the detail goes to the server log.
FAILURE_REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (IndexError_, "reason.index"),
    (LLMUnavailable, "reason.llm"),
)

# A tab is a callable that renders itself inside ``gr.Tabs`` (the Admin tab, ``journalqa.index.manage``, plugs in here).
Tab = Callable[[Assistant, "Interface"], None]


class BadRequest(ValueError):
    """A request the API or the chat refuses; ``str(exc)`` is one line fit to show the user."""


def checked_top_k(value: object) -> int:
    """The number of passages asked for: a whole number in 0..MAX_TOP_K (0: the default)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise BadRequest(f"passages (top_k) must be a whole number from 0 to {MAX_TOP_K}")
    if not 0 <= value <= MAX_TOP_K:
        raise BadRequest(f"passages (top_k) is {int(value)}; it must be from 0 to {MAX_TOP_K} (0: the default)")
    return int(value)


def checked_history(value: object) -> list[tuple[str, str]]:
    """A conversation history: a list of [question, answer] pairs of text."""
    if value is None:
        return []
    pairs = value if isinstance(value, list | tuple) else None
    if pairs is None or not all(
        isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in pairs
    ):
        raise BadRequest("history must be a list of [question, answer] pairs of text")
    return [(q, a) for q, a in pairs]


def recent_history(turns: Sequence[Turn], settings: Settings) -> list[tuple[str, str]]:
    """What the chat sends with a question: the last turns the history limit allows, each answer cut to its
    limit, so a long conversation keeps working where ``/ask`` would refuse the whole history (issue #29)."""
    recent = turns[-settings.max_history_turns :] if settings.max_history_turns else []
    return [(t.answer.question, t.answer.answer[: settings.max_history_answer_chars]) for t in recent]


class BodyLimit:
    """ASGI middleware: an HTTP request body over ``limit`` bytes is refused with 413 before any handler reads
    it (by its Content-Length, or while it streams in without one). Uploads have their own limit
    (``max_file_size``), so the upload route is left to it."""

    def __init__(self, app: Any, limit: int, exempt: tuple[str, ...] = ("/gradio_api/upload",)) -> None:
        self.app = app
        self.limit = limit
        self.exempt = exempt

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope.get("path", "").endswith(self.exempt):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(send)
            return
        seen = 0
        refused = False

        async def counted() -> dict:
            # past the cap the 413 goes out at once and the handler is told the client left: whatever it does
            # with that (FastAPI answers 400) is dropped below
            nonlocal seen, refused
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit and not refused:
                refused = True
                await self._refuse(send)
            return {"type": "http.disconnect"} if refused else message

        async def guarded_send(message: dict) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, counted, guarded_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, send: Callable) -> None:
        body = f"request body over {self.limit // 1024} KB".encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def checked_doc_ids(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(d, str) for d in value):
        raise BadRequest("doc_ids must be a list of document ids")
    return list(value)


def failure_reason(what: str, exc: BaseException, lang: str = "en") -> str:
    """Log why ``what`` failed (with a traceback only when unexpected); the short reason for the user."""
    reason = next((reason for kind, reason in FAILURE_REASONS if isinstance(exc, kind)), None)
    log.error("%s failed: %s: %s", what, type(exc).__name__, exc, exc_info=reason is None)
    return t(lang, reason or "reason.internal")


def refusal(exc: BaseException, lang: str) -> str:
    """Why a question was refused, in ``lang``: the library's message code when it has one (``QuestionError``)."""
    code = getattr(exc, "code", None)
    if code is None:
        return t(lang, "request.invalid") if lang != "en" else str(exc)
    try:
        return t(lang, code, **getattr(exc, "params", {}))
    except (KeyError, IndexError):  # a code this catalog does not know yet: the English line is better than none
        return str(exc)


@dataclasses.dataclass(frozen=True)
class Turn:
    """One answered question of a conversation, kept in the session state."""

    answer_id: str
    answer: Answer
    params: dict[str, Any]


class Handlers:
    """Event handlers over one assistant; each takes component values and returns component updates."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.settings = assistant.settings

    # --- asking ---------------------------------------------------------------------------------------

    def modes(self) -> list[str]:
        return ["extractive", "llm"] if self.settings.llm_base_url else ["extractive"]

    def submit(
        self,
        question: str,
        chat: list[dict],
        turns: list[Turn],
        doc_ids: Sequence[str] | None,
        top_k: float | None,
        mode: str | None,
        lang: str = "en",
    ) -> Iterator[tuple]:
        """Stream one answer into the chat; outputs (textbox, chat, turns, selected, evidence, picker)."""
        lang = supported(lang)
        question = (question or "").strip()
        if not question:
            yield (gr.skip(),) * 6
            return
        chat = [*chat, {"role": "user", "content": text_html(question)}]
        pending = [
            *chat,
            {"role": "assistant", "content": f'<span class="jq-thinking">{t(lang, "chat.thinking")}</span>'},
        ]
        yield "", pending, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        history = recent_history(turns, self.settings)
        try:
            params = {
                "top_k": checked_top_k(top_k or 0) or self.settings.top_k,
                "doc_ids": checked_doc_ids(doc_ids),
                "mode": mode if mode in self.modes() else "extractive",
                "index_version": self.assistant.version,
            }
            if params["mode"] == "llm":
                answer = yield from self._stream_llm(question, chat, history, params)
            else:
                answer = self._ask(question, history, params)
                yield from self._stream_sentences(answer, chat, len(turns), lang)
        except (QuestionError, BadRequest) as exc:  # their messages are written for the user
            warn(t(lang, "toast.cannot_ask", reason=refusal(exc, lang)))
            yield question, chat[:-1], gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        except Exception as exc:  # a short reason for the user; the detail goes to the server log
            warn(t(lang, "toast.could_not_answer", reason=failure_reason("answering", exc, lang)))
            yield question, chat[:-1], gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        turn = Turn(uuid.uuid4().hex, answer, params)
        turns = [*turns, turn]
        index = len(turns) - 1
        chat = [*chat, {"role": "assistant", "content": _bubble(answer, index, lang)}]
        yield "", chat, turns, index, evidence_html(answer, _prefix(index), lang), _picker(turns, index)

    def _ask(self, question: str, history: list, params: dict, on_token: Callable[[str], None] | None = None) -> Answer:
        return self.assistant.ask(
            question,
            top_k=params["top_k"],
            doc_ids=params["doc_ids"] or None,
            history=history,
            mode=params["mode"],
            on_token=on_token,
        )

    def _stream_sentences(self, answer: Answer, chat: list[dict], index: int, lang: str = "en") -> Iterator[tuple]:
        """Show an extractive answer sentence by sentence (the last one arrives with the final update)."""
        pieces = None if answer.abstained else extractive_pieces(answer)
        for i in range(1, len(pieces or ())):
            text = " ".join(f"{sentence} [{n}]" for sentence, n in pieces[:i])
            partial = dataclasses.replace(answer, answer=text, citations=answer.citations[:i])
            bubble = {"role": "assistant", "content": answer_html(partial, _prefix(index), lang) + _cursor()}
            yield gr.skip(), [*chat, bubble], gr.skip(), gr.skip(), gr.skip(), gr.skip()
            time.sleep(STEP_DELAY_S)

    def _stream_llm(self, question: str, chat: list[dict], history: list, params: dict) -> Iterator[tuple]:
        """Run ``ask`` in a thread and stream its ``on_token`` deltas; returns the final Answer."""
        tokens: queue.Queue[str | None] = queue.Queue()
        result: dict[str, Any] = {}

        def run() -> None:
            try:
                result["answer"] = self._ask(question, history, params, on_token=tokens.put)
            except BaseException as exc:  # re-raised in the generator below
                result["error"] = exc
            finally:
                tokens.put(None)

        threading.Thread(target=run, daemon=True).start()
        text = ""
        while (delta := tokens.get()) is not None:
            text += delta
            bubble = {"role": "assistant", "content": f'<div class="jq-answer">{text_html(text)}</div>{_cursor()}'}
            yield gr.skip(), [*chat, bubble], gr.skip(), gr.skip(), gr.skip(), gr.skip()
        if "error" in result:
            raise result["error"]
        return result["answer"]

    def api_ask(
        self, question: str, top_k: int = 0, doc_ids: list[str] | None = None, history: list[list[str]] | None = None
    ) -> dict:
        """Answer one question; returns the JSON form of the answer (``render.answer_dict``)."""
        try:
            answer = self.assistant.ask(
                question,
                top_k=checked_top_k(top_k) or None,
                doc_ids=checked_doc_ids(doc_ids) or None,
                history=checked_history(history),
            )
        except (QuestionError, BadRequest) as exc:
            raise failure(str(exc)) from None
        except Exception as exc:
            raise failure(f"could not answer: {failure_reason('answering via the API', exc)}") from None
        return answer_dict(answer)

    # --- the evidence panel ---------------------------------------------------------------------------

    def select_message(self, turns: list[Turn], evt: gr.SelectData, lang: str = "en") -> tuple:
        """Clicking an answer (or its question) in the chat shows that answer's sources."""
        index = _turn_of(evt.index)
        if index is None or index >= len(turns):
            return gr.skip(), gr.skip(), gr.skip()
        return index, evidence_html(turns[index].answer, _prefix(index), supported(lang)), gr.update(value=index)

    def pick(self, turns: list[Turn], index: int | None, lang: str = "en") -> tuple:
        if index is None or not 0 <= index < len(turns):
            return gr.skip(), gr.skip()
        return index, evidence_html(turns[index].answer, _prefix(index), supported(lang))

    def open_source(self, turns: list[Turn], selected: int | None, evt: gr.EventData, lang: str = "en") -> tuple:
        """Show the whole article at the passage of source ``n`` of the selected answer."""
        n = getattr(evt, "open", None)
        if n is None or selected is None or not 0 <= selected < len(turns):
            return gr.skip(), gr.skip(), gr.skip()
        sources = {num: (p, spans) for num, p, spans, _ in evidence_sources(turns[selected].answer)}
        if int(n) not in sources:
            return gr.skip(), gr.skip(), gr.skip()
        passage, spans = sources[int(n)]
        chunk = passage.chunk
        try:
            # the library finds a document's text whatever its type (PDF, .txt, .md under any name) and
            # raises KeyError for an unknown or unsafe doc_id, without saying whether some file exists
            document = document_text(self.settings, chunk.doc_id)
        except KeyError:
            log.warning("reader: no text for document %r", chunk.doc_id)
            warn(t(lang, "toast.text_unavailable", title=chunk.title))
            return gr.skip(), gr.skip(), gr.skip()
        except Exception as exc:  # an unreadable file: the reason is for the server log, not the page
            log.error("reader: cannot read document %r: %s: %s", chunk.doc_id, type(exc).__name__, exc)
            warn(t(lang, "toast.text_unavailable", title=chunk.title))
            return gr.skip(), gr.skip(), gr.skip()
        if document.text[chunk.start : chunk.end] != chunk.text:
            warn(t(lang, "toast.article_changed"))
            return gr.skip(), gr.skip(), gr.skip()
        return article_html(document, chunk, spans, supported(lang)), gr.update(visible=True), gr.update(visible=False)

    # --- feedback -------------------------------------------------------------------------------------

    def like(self, turns: list[Turn], evt: gr.LikeData, lang: str = "en") -> Any:
        """Store a thumbs up/down; returns the rated answer's index, where a comment then goes (issue #31: a
        comment used to go to the answer shown in the sources panel, not the one just rated)."""
        index = _turn_of(evt.index)
        if index is None or index >= len(turns) or evt.liked in (None, ""):
            return gr.skip()
        rating = "up" if evt.liked is True or evt.liked == "Like" else "down"
        if self._record(turns[index], rating=rating, lang=lang):
            inform(t(lang, "toast.rating_saved"))
        return index

    def comment(
        self, text: str, turns: list[Turn], selected: int | None, rated: int | None = None, lang: str = "en"
    ) -> Any:
        """Store a comment on the answer last rated, else on the answer whose sources are shown."""
        text = (text or "").strip()
        if not text:
            return gr.skip()
        target = rated if rated is not None and 0 <= rated < len(turns) else selected
        if target is None or not 0 <= target < len(turns):
            warn(t(lang, "toast.ask_first"))
            return gr.skip()
        if not self._record(turns[target], comment=text, lang=lang):
            return gr.skip()  # the comment stays in the box, to be shortened
        inform(t(lang, "toast.comment_saved", n=target + 1, question=_shorten(turns[target].answer.question, 60)), 5)
        return ""

    def _record(self, turn: Turn, rating: str | None = None, comment: str | None = None, lang: str = "en") -> bool:
        """Store the feedback; a refused one (``feedback`` raises a ValueError with a user-safe one-line
        message, e.g. a comment over the size limit) becomes a warning. Returns whether it was stored."""
        try:
            feedback.record(
                self.settings.feedback_db,
                turn.answer_id,
                answer=answer_dict(turn.answer),
                rating=rating,
                comment=comment,
                settings=turn.params,
            )
        except ValueError as exc:
            # the library's reason is English; another interface language gets its own short reason
            warn(t(lang, "toast.not_saved", reason=str(exc) if lang == "en" else t(lang, "feedback.refused")))
            return False
        return True

    # --- the article filter ---------------------------------------------------------------------------

    def document_choices(self) -> Any:
        """The filter's choices from the live index (documents come and go through the Admin tab)."""
        try:
            documents = [(d.title, d.doc_id) for d in list_documents(self.settings)]
        except Exception as exc:  # keep the choices the page has; the reason is for the server log
            log.error("listing documents failed: %s: %s", type(exc).__name__, exc)
            return gr.skip()
        return gr.update(choices=documents or [(title, doc_id) for doc_id, title in self.assistant.documents()])


class Interface:
    """What a tab needs to speak the interface language: ``lang`` (the switch, whose value is the language code,
    to pass as an event input) and ``relabel(component, texts)``, where ``texts(lang)`` returns the component's
    update in that language (applied on page load and whenever the language changes)."""

    def __init__(self, lang: gr.Radio) -> None:
        self.lang = lang
        self.items: list[tuple[Any, Callable[[str], Any]]] = []

    def relabel(self, component: Any, texts: Callable[[str], Any]) -> None:
        self.items.append((component, texts))


def build_app(assistant: Assistant, tabs: Sequence[Tab] = ()) -> gr.Blocks:
    """The chat + evidence app over ``assistant``; ``tabs`` render further tabs (e.g. Admin) after "Ask"."""
    h = Handlers(assistant)
    documents = assistant.documents()
    default_k = assistant.settings.top_k
    llm = bool(assistant.settings.llm_base_url)
    with gr.Blocks(title="journalqa", fill_width=True) as app:
        turns = gr.State([])
        selected = gr.State(None)
        rated = gr.State(None)  # the answer last rated: a comment goes to it
        offered = gr.State("")  # the language a question came in, when the interface offered to switch to it
        stored_lang = gr.BrowserState("", storage_key=LANGUAGE_KEY)
        with gr.Row(elem_id="jq-top", equal_height=True):
            header = gr.HTML(header_html("en"), elem_id="jq-header-html")
            lang = gr.Radio(
                [(NATIVE_NAMES[code], code) for code in LANGUAGES],
                value=None,  # set on load, so that its change event labels the page in every language, English too
                label=t("en", "lang.label"),
                show_label=False,
                container=False,
                elem_id="jq-lang-switch",
                scale=0,
                min_width=260,
            )
        ui = Interface(lang)
        ui.relabel(header, lambda lg: header_html(lg))
        ui.relabel(lang, lambda lg: gr.update(label=t(lg, "lang.label")))
        with gr.Row(visible=False, elem_id="jq-lang-offer") as offer_row:
            offer_text = gr.HTML("", elem_id="jq-lang-offer-text")
            offer = gr.Button("", size="sm", scale=0, min_width=160, elem_id="jq-lang-offer-button")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask") as ask_tab, gr.Row(equal_height=False):
                with gr.Column(scale=5, min_width=320):
                    chat = gr.Chatbot(
                        elem_id="jq-chat",
                        show_label=False,
                        height="62vh",
                        placeholder=PLACEHOLDER,
                        examples=[{"text": q} for q in EXAMPLES],
                        feedback_options=("Like", "Dislike"),
                        buttons=["copy"],
                        layout="bubble",
                        # Bubbles are HTML the app builds from escaped text. Markdown would turn text from a
                        # model, a document or a question back into images, links and headings (a blank line
                        # ends an HTML block), and LaTeX into markup: both are off.
                        render_markdown=False,
                        latex_delimiters=[],
                        sanitize_html=True,
                        allow_tags=False,
                    )
                    with gr.Row(equal_height=True, elem_id="jq-ask-row"):
                        box = gr.Textbox(
                            placeholder=t("en", "box.placeholder"),
                            label=t("en", "box.label"),
                            show_label=False,
                            lines=1,
                            max_lines=4,
                            scale=6,
                            elem_id="jq-question",
                            autofocus=True,
                        )
                        send = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="jq-send")
                        new = gr.Button("New conversation", scale=1, min_width=190, elem_id="jq-new")
                    with gr.Accordion("Search options", open=False, elem_id="jq-options") as options, gr.Row():
                        docs = gr.Dropdown(
                            choices=[(title, doc_id) for doc_id, title in documents],
                            value=[],
                            multiselect=True,
                            label="Only these articles",
                            info="Empty: the whole issue",
                            scale=3,
                            elem_id="jq-docs",
                        )
                        top_k = gr.Slider(
                            1,
                            10,
                            value=default_k,
                            step=1,
                            label=t("en", "options.passages"),
                            info=t("en", "options.passages_info", n=default_k),
                            scale=1,
                            min_width=220,
                            elem_id="jq-top-k",
                        )
                        mode = gr.Radio(
                            [(t("en", f"mode.{m}"), m) for m in h.modes()],
                            value="extractive",
                            label="Answer mode",
                            info=t("en", "options.mode_info" if llm else "options.mode_info_off"),
                            interactive=len(h.modes()) > 1,
                            scale=1,
                            min_width=220,
                            elem_id="jq-mode",
                        )
                with gr.Column(scale=4, min_width=320, elem_id="jq-side"):
                    with gr.Column(elem_id="jq-evidence-col") as evidence_col:
                        picker = gr.Dropdown(
                            choices=[], label="Showing the sources of", interactive=True, elem_id="jq-picker"
                        )
                        evidence = gr.HTML(
                            EMPTY_EVIDENCE,
                            elem_id="jq-evidence",
                            js_on_load=_read_file("evidence.js"),
                            max_height=760,
                        )
                        with gr.Row(equal_height=True):
                            note = gr.Textbox(
                                label=t("en", "comment.label"),
                                placeholder=t("en", "comment.placeholder"),
                                show_label=False,
                                scale=5,
                                elem_id="jq-comment",
                            )
                            note_send = gr.Button("Send", scale=1, min_width=90, size="sm", elem_id="jq-comment-send")
                    with gr.Column(visible=False, elem_id="jq-reader-col") as reader_col:
                        back = gr.Button("‹ Back to the sources", size="sm", elem_id="jq-back")
                        reader = gr.HTML("", elem_id="jq-reader", js_on_load=_read_file("reader.js"), max_height=820)
            ui.relabel(ask_tab, lambda lg: gr.update(label=t(lg, "tab.ask")))
            ui.relabel(box, lambda lg: gr.update(placeholder=t(lg, "box.placeholder"), label=t(lg, "box.label")))
            ui.relabel(send, lambda lg: gr.update(value=t(lg, "button.ask")))
            ui.relabel(new, lambda lg: gr.update(value=t(lg, "button.new")))
            ui.relabel(options, lambda lg: gr.update(label=t(lg, "options.title")))
            ui.relabel(docs, lambda lg: gr.update(label=t(lg, "options.docs"), info=t(lg, "options.docs_info")))
            ui.relabel(
                top_k,
                lambda lg: gr.update(label=t(lg, "options.passages"), info=t(lg, "options.passages_info", n=default_k)),
            )
            ui.relabel(
                mode,
                lambda lg: gr.update(
                    label=t(lg, "options.mode"),
                    info=t(lg, "options.mode_info" if llm else "options.mode_info_off"),
                    choices=[(t(lg, f"mode.{m}"), m) for m in h.modes()],
                ),
            )
            ui.relabel(picker, lambda lg: gr.update(label=t(lg, "picker.label")))
            ui.relabel(
                note, lambda lg: gr.update(placeholder=t(lg, "comment.placeholder"), label=t(lg, "comment.label"))
            )
            ui.relabel(note_send, lambda lg: gr.update(value=t(lg, "comment.send")))
            ui.relabel(back, lambda lg: gr.update(value=t(lg, "reader.back")))
            for render_tab in tabs:
                render_tab(assistant, ui)

        answer_outputs = [box, chat, turns, selected, evidence, picker]
        ask_inputs = [box, chat, turns, docs, top_k, mode, lang]
        for trigger in (box.submit, send.click):
            trigger(
                h.submit,
                ask_inputs,
                answer_outputs,
                show_progress="hidden",
                api_visibility="private",
                concurrency_id="answer",
            ).then(_show_evidence, None, [evidence_col, reader_col], api_visibility="private").then(
                _offer_language, [turns, lang], [offer_row, offer_text, offer, offered], api_visibility="private"
            ).then(None, None, None, js=SCROLL_TO_QUESTION)
        chat.example_select(_example_text, None, box, api_visibility="private").then(
            h.submit, ask_inputs, answer_outputs, show_progress="hidden", api_visibility="private"
        ).then(None, None, None, js=SCROLL_TO_QUESTION)
        chat.select(h.select_message, [turns, lang], [selected, evidence, picker], api_visibility="private").then(
            _show_evidence, None, [evidence_col, reader_col], api_visibility="private"
        )
        picker.input(h.pick, [turns, picker, lang], [selected, evidence], api_visibility="private").then(
            _show_evidence, None, [evidence_col, reader_col], api_visibility="private"
        )
        # no status overlay: Gradio's shows its untranslated key "common.complete" on a slow machine (issue #31)
        evidence.click(
            h.open_source,
            [turns, selected, lang],
            [reader, reader_col, evidence_col],
            api_visibility="private",
            show_progress="hidden",
        )
        back.click(_show_evidence, None, [evidence_col, reader_col], api_visibility="private")
        chat.like(h.like, [turns, lang], rated, api_visibility="private")
        for trigger in (note.submit, note_send.click):
            trigger(h.comment, [note, turns, selected, rated, lang], note, api_visibility="private")
        new_outputs = [box, chat, turns, selected, evidence, picker, rated]
        new.click(_new_conversation, lang, new_outputs, api_visibility="private")
        new.click(_show_evidence, None, [evidence_col, reader_col], api_visibility="private")
        chat.clear(_new_conversation, lang, new_outputs, api_visibility="private")
        gr.api(h.api_ask, api_name="ask", concurrency_id="answer")

        # the interface language: the one remembered in this browser, else the browser's own (Accept-Language);
        # every label follows the switch, the chat's answers are re-rendered in it, the browser remembers it
        relabelled = [component for component, _ in ui.items]

        def relabel(language: str, turns_now: list[Turn], shown: int | None) -> tuple:
            language = supported(language)
            chat_now = _chat_of(turns_now, language)
            panel = (
                evidence_html(turns_now[shown].answer, _prefix(shown), language)
                if shown is not None and 0 <= shown < len(turns_now)
                else empty_evidence(language)
            )
            examples = [{"text": q} for q in EXAMPLES_BY_LANGUAGE[language]]
            chat_update = gr.update(value=chat_now, placeholder=placeholder(language), examples=examples)
            return (*(texts(language) for _, texts in ui.items), chat_update, panel, language)

        lang.change(
            relabel,
            [lang, turns, selected],
            [*relabelled, chat, evidence, stored_lang],
            api_visibility="private",
            show_progress="hidden",  # a spinner over every relabelled component would flash the whole page
        )
        lang.change(None, lang, None, js="(l) => { document.documentElement.lang = l; }")
        offer.click(lambda code: (code, gr.update(visible=False)), offered, [lang, offer_row], api_visibility="private")
        app.load(_initial_language, stored_lang, lang, api_visibility="private", show_progress="hidden")
        # the filter lists the documents indexed now: on each page load, and on coming back to the Ask tab
        # (after adding or removing documents in the Admin tab)
        app.load(h.document_choices, None, docs, api_visibility="private")
        ask_tab.select(h.document_choices, None, docs, api_visibility="private")
    return app


# After an answer the chat scrolls so that the question and the start of its answer are in view (Gradio keeps a
# long answer scrolled to its end, which on a phone hides both).
SCROLL_TO_QUESTION = """() => {
  setTimeout(() => {
    const rows = document.querySelectorAll('#jq-chat .message-row.user-row, #jq-chat .user-row');
    const last = rows[rows.length - 1];
    if (last) last.scrollIntoView({ block: 'start', behavior: 'instant' });
  }, 150);
}"""


def _initial_language(stored: str | None, request: gr.Request) -> str:
    if stored in LANGUAGES:
        return stored
    headers = getattr(request, "headers", None) or {}
    return from_accept_language(headers.get("accept-language"))


def _offer_language(turns: list[Turn], lang: str) -> tuple:
    """When the last question is in another interface language than the one shown, offer to switch to it."""
    asked = question_language(turns[-1].answer.question) if turns else ""
    if asked not in LANGUAGES or asked == lang:
        return gr.update(visible=False), gr.skip(), gr.skip(), ""
    text = f'<span class="jq-offer">{text_html(t(asked, "lang.offer", language=NATIVE_NAMES[asked]))}</span>'
    button = gr.update(value=t(asked, "lang.offer_button", language=NATIVE_NAMES[asked]))
    return gr.update(visible=True), text, button, asked


def _chat_of(turns: list[Turn], lang: str) -> list[dict]:
    chat = []
    for index, turn in enumerate(turns):
        chat.append({"role": "user", "content": text_html(turn.answer.question)})
        chat.append({"role": "assistant", "content": _bubble(turn.answer, index, lang)})
    return chat


def _example_text(evt: gr.SelectData) -> str:
    return evt.value["text"]


def _show_evidence() -> tuple:
    return gr.update(visible=True), gr.update(visible=False)


def _new_conversation(lang: str = "en") -> tuple:
    return "", [], [], None, empty_evidence(supported(lang)), gr.update(choices=[], value=None), None


def _bubble(answer: Answer, index: int, lang: str = "en") -> str:
    return answer_html(answer, _prefix(index), lang) + query_html(answer, lang)


def _picker(turns: list[Turn], index: int) -> Any:
    choices = [(f"{i + 1}. {_shorten(t.answer.question, 70)}", i) for i, t in enumerate(turns)]
    return gr.update(choices=choices, value=index)


def _turn_of(message_index: int | tuple | list) -> int | None:
    """Chat messages alternate question, answer: message 2t or 2t+1 belongs to turn t."""
    if isinstance(message_index, tuple | list):
        message_index = message_index[0]
    return None if message_index is None else int(message_index) // 2


def _prefix(index: int) -> str:
    return f"a{index}-"


def _cursor() -> str:
    return '<span class="jq-cursor">▍</span>'


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _read_file(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def gradio_texts() -> dict[str, list[tuple[str, str]]]:
    """For each interface language, (Gradio's text, ours) pairs that page.js swaps in: from English into Russian
    and Kazakh, and from either back into English when the switch goes back to it."""
    keys = [key for key in catalog("en") if key.startswith("gradio.")]
    pairs = {lg: [(catalog("en")[k], t(lg, k)) for k in keys] for lg in LANGUAGES if lg != "en"}
    pairs["en"] = [(t(lg, k), catalog("en")[k]) for lg in LANGUAGES if lg != "en" for k in keys]
    return pairs


def launch_options() -> dict[str, Any]:
    """Styling and page scripts: Gradio 6 takes them at launch, not in ``gr.Blocks``."""
    return {
        "css_paths": [ASSETS / "app.css"],
        "head": f"<script>window.jqGradioText = {json.dumps(gradio_texts(), ensure_ascii=False)};</script>"
        f"<script>{_read_file('page.js')}</script>",
        "theme": gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=SYSTEM_FONTS),
        "footer_links": ["api"],
        # Gradio's status tracker announces "common.complete", a key its own catalogs lack: the raw key showed
        "i18n": gr.I18n(**{lg: {"common.complete": t(lg, "gradio.complete")} for lg in LANGUAGES}),
    }


def main(argv: list[str] | None = None) -> int:
    apply_offline_env()
    parser = argparse.ArgumentParser(prog="journalqa-ui", description="Start the journalqa chat UI.")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--corpus-dir", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env(host=args.host, port=args.port, index_dir=args.index_dir, corpus_dir=args.corpus_dir)
    try:
        check_password_setting(settings.admin_password)  # before the slow model load: fail fast
    except AdminPasswordTooShort as exc:
        print(f"journalqa-ui: {exc}", file=sys.stderr)
        return 2
    claim_temp_dir()  # uploads and OCR work in a folder of this server's own; a killed server's is swept now
    assistant = Assistant.load(settings=settings)
    assistant.closest("warm up")  # loads the embedder now rather than on the first question
    assistant.warm_up()  # and the cross-lingual vocabularies, in the background
    app = build_app(assistant, tabs=admin_tabs(assistant))
    app.queue(default_concurrency_limit=4)
    app.launch(
        server_name=settings.host,
        server_port=settings.port,
        show_error=False,
        quiet=True,
        prevent_thread_lock=True,
        max_file_size=f"{settings.max_upload_mb}mb",
        # every other request body is capped before it is read (a 5 MB /ask history stalled the server)
        app_kwargs={"middleware": [Middleware(BodyLimit, limit=settings.max_request_kb * 1024)]},
        **launch_options(),
    )
    print(f"journalqa UI running on {app.local_url or f'http://{settings.host}:{settings.port}/'}  (Ctrl-C to stop)")
    print(f"feedback is stored in {settings.feedback_db.resolve()}", flush=True)
    app.block_thread()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
