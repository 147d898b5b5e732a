"""Generative answers through any OpenAI-compatible server, every ``[n]`` checked by :mod:`journalqa.answer.verify`.

The seam is a llama-index ``LLM``: :func:`generate_answer` accepts any of them through ``llm=``; without one it
builds an ``OpenAILike`` from :class:`~journalqa.config.Settings`. Nothing here touches
``llama_index.core.Settings.llm``: the LLM object is always passed explicitly.

Every failure of the LLM call (refused connection, timeout, HTTP error, empty or unusable reply) becomes
:class:`LLMUnavailable` with a short one-line reason, so the caller can fall back to the extractive answer.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from journalqa.answer.evidence import calibration_for
from journalqa.answer.verify import (
    ABSTAIN_SENTENCE,
    Embed,
    VerifiedAnswer,
    split_sentences,
    strip_markers,
    verify_answer,
)
from journalqa.config import Settings
from journalqa.types import Answer, Passage

if TYPE_CHECKING:
    from llama_index.core.base.llms.types import ChatMessage
    from llama_index.core.llms import LLM

# Settings has no context-window field; 4096 is what the test server runs with and what small local models offer.
# A couple of retries would multiply the wait before the extractive fallback; one is enough for a dropped socket.
MAX_RETRIES = 0
MAX_HISTORY_TURNS = 3
MAX_HISTORY_ANSWER_CHARS = 800
PROMPT_FILE = "answer.txt"
DUMMY_API_KEY = "not-needed"  # local servers ignore it, but the openai client refuses an empty key


class LLMUnavailable(RuntimeError):
    """The LLM could not produce a usable answer; ``str(e)`` is a short one-line reason for the UI notice."""


# --------------------------------------------------------------------------------------------- building the LLM


def build_llm(settings: Settings, *, context_window: int | None = None) -> LLM:
    """An ``OpenAILike`` chat LLM for ``settings.llm_base_url``; raises LLMUnavailable when none is configured."""
    if not settings.llm_base_url.strip():
        raise LLMUnavailable("no LLM configured (JOURNALQA_LLM_BASE_URL is empty)")
    return _cached_llm(
        api_base(settings.llm_base_url),
        settings.llm_model or "local",
        settings.llm_api_key or DUMMY_API_KEY,
        float(settings.llm_timeout),
        int(settings.llm_max_tokens),
        float(settings.llm_temperature),
        context_window or settings.llm_context_window,
    )


@lru_cache(maxsize=4)
def _cached_llm(
    base: str, model: str, key: str, timeout: float, max_tokens: int, temperature: float, context_window: int
) -> LLM:
    # Imported here: llama-index's OpenAI stack costs seconds to import and extractive-only runs never need it.
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=model,
        api_base=base,
        api_key=key,
        is_chat_model=True,
        is_function_calling_model=False,
        context_window=context_window,
        max_tokens=max_tokens,
        temperature=temperature,
        timeout=timeout,
        max_retries=MAX_RETRIES,
    )


def api_base(url: str) -> str:
    """``http://host:8000`` -> ``http://host:8000/v1``: servers document their root, the client needs ``/v1``.

    A URL that already has a path (``/v1``, ``/openai/v1``, a proxy prefix) is used as given.
    """
    url = url.strip().rstrip("/")
    return url + "/v1" if urlsplit(url).path in ("", "/") else url


# --------------------------------------------------------------------------------------------- prompt


_SECTION_ROLES = {"system": "system", "example user": "user", "example assistant": "assistant", "user": "user"}


@lru_cache(maxsize=1)
def load_prompt() -> tuple[tuple[str, str], ...]:
    """(section, template) pairs from ``prompts/answer.txt``, split on its ``=== name ===`` lines.

    Sections: one ``system`` first, optional alternating ``example user`` / ``example assistant`` turns, one
    ``user`` last. Worked examples go in as real chat turns because small models copy a demonstrated format far
    more reliably than they follow a described one (SmolLM2-135M cites only with the example turn).
    """
    raw = files("journalqa.answer").joinpath("prompts", PROMPT_FILE).read_text(encoding="utf-8")
    parts = re.split(r"^=== ([a-z ]+) ===[ \t]*$\n?", raw, flags=re.MULTILINE)
    sections = tuple((name, text.strip()) for name, text in zip(parts[1::2], parts[2::2], strict=True))
    names = [name for name, _ in sections]
    examples = names[1:-1]
    if (
        len(names) < 2
        or names[0] != "system"
        or names[-1] != "user"
        or examples != ["example user", "example assistant"] * (len(examples) // 2)
    ):
        raise ValueError(f"{PROMPT_FILE}: expected system, example user/assistant pairs, user; got {names}")
    return sections


def fill(template: str, values: dict[str, str]) -> str:
    """Substitute ``{name}`` in one pass, so a passage that contains "{question}" is never expanded itself."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def passage_header(n: int, passage: Passage) -> str:
    chunk = passage.chunk
    parts = [chunk.title.strip() or chunk.doc_id]
    if chunk.section.strip():
        parts.append(chunk.section.strip())
    if chunk.page:
        parts.append(f"p. {chunk.page}" + (" (approx.)" if chunk.page_approximate else ""))
    return f"[{n}] " + ", ".join(parts)


def render_passages(passages: Sequence[Passage]) -> str:
    """``[n] title, section, p. page: text`` per passage, one per line; delimiter tags inside the text are
    defused so a passage cannot close the data block and smuggle text into the instructions."""
    lines = []
    for n, passage in enumerate(passages, 1):
        text = " ".join(passage.chunk.text.split())
        text = re.sub(r"<\s*(/?)\s*passages\s*>", r"(\1passages)", text, flags=re.IGNORECASE)
        lines.append(f"{passage_header(n, passage)}: {text}")
    return "\n\n".join(lines)


def build_messages(
    question: str, passages: Sequence[Passage], history: Sequence[tuple[str, str]] = ()
) -> list[ChatMessage]:
    """System rules, worked example turns, the last few (question, answer) turns, then passages + question."""
    from llama_index.core.base.llms.types import ChatMessage, MessageRole

    sections = load_prompt()
    values = {"abstain": ABSTAIN_SENTENCE, "question": question.strip(), "passages": render_passages(passages)}
    messages = [
        ChatMessage(role=MessageRole(_SECTION_ROLES[name]), content=fill(text, values)) for name, text in sections[:-1]
    ]
    for past_question, past_answer in list(history)[-MAX_HISTORY_TURNS:]:
        # Old markers point at old passages; left in, the model would copy them as if they cited the new ones.
        past = strip_markers(past_answer)[:MAX_HISTORY_ANSWER_CHARS]
        messages.append(ChatMessage(role=MessageRole.USER, content=past_question.strip()))
        messages.append(ChatMessage(role=MessageRole.ASSISTANT, content=past))
    messages.append(ChatMessage(role=MessageRole.USER, content=fill(sections[-1][1], values)))
    return messages


# --------------------------------------------------------------------------------------------- generation


def generate_answer(
    question: str,
    passages: Sequence[Passage],
    settings: Settings,
    *,
    history: Sequence[tuple[str, str]] = (),
    llm: LLM | None = None,
    embed: Embed | None = None,
    on_token: Callable[[str], None] | None = None,
) -> Answer:
    """Ask the LLM, stream deltas to ``on_token``, verify every citation; mode "llm".

    ``citations`` holds one Citation per (sentence, valid marker) in answer order, each with its sentence's
    ``supported`` flag and score; :func:`support_report` gives the per-sentence report and ``support_rate``.
    Raises LLMUnavailable on any failure of the model call.
    """
    passages = tuple(passages)
    if not passages:
        # Nothing to cite: the prompt would force an abstention anyway, so spare the round trip.
        return _answer(question, ABSTAIN_SENTENCE, passages, verify_answer(ABSTAIN_SENTENCE, passages), {})
    model = llm if llm is not None else build_llm(settings)
    messages = build_messages(question, passages, history)

    started = time.perf_counter()
    text, truncated = _stream(model, messages, settings, on_token)
    llm_ms = (time.perf_counter() - started) * 1000

    text = _clean(text, truncated)
    started = time.perf_counter()
    verified = verify_answer(text, passages, embed, calibration_for(settings.embedder).cosine_floor)
    verify_ms = (time.perf_counter() - started) * 1000
    return _answer(question, text, passages, verified, {"llm": round(llm_ms, 1), "verify": round(verify_ms, 1)})


def support_report(answer: Answer, embed: Embed | None = None, cosine_floor: float = 0.0) -> dict[str, object]:
    """Per-sentence verdicts and ``support_rate`` for an answer, recomputed from its text and passages.

    Verification is deterministic, so this reproduces the ``supported`` flags on ``answer.citations`` when given
    the same ``embed`` (and its embedder's ``cosine_floor``) that ``generate_answer`` used (lexical-only otherwise).
    """
    if answer.mode != "llm":
        raise ValueError("support_report applies to generated (mode 'llm') answers")
    return verify_answer(answer.answer, answer.passages, embed, cosine_floor).report()


def _answer(
    question: str, text: str, passages: tuple[Passage, ...], verified: VerifiedAnswer, timings: dict[str, float]
) -> Answer:
    return Answer(
        question=question,
        answer=text,
        abstained=verified.abstained,
        citations=() if verified.abstained else verified.citations(passages),
        passages=passages,
        timings_ms=timings,
        query=question,
        mode="llm",
        notice="",
    )


def _stream(
    model: LLM, messages: list[ChatMessage], settings: Settings, on_token: Callable[[str], None] | None
) -> tuple[str, bool]:
    """Collect the streamed reply; returns (text, stopped at max_tokens). Callback errors are not LLM errors."""
    deadline = time.monotonic() + max(float(settings.llm_timeout), 1.0)
    pieces: list[str] = []
    finish: str | None = None
    try:
        stream = model.stream_chat(messages)
    except Exception as exc:
        raise LLMUnavailable(_reason(exc, settings)) from exc
    try:
        while True:
            try:
                chunk = next(stream)
            except StopIteration:
                break
            except Exception as exc:
                raise LLMUnavailable(_reason(exc, settings)) from exc
            finish = _finish_reason(chunk.raw) or finish
            delta = chunk.delta or ""
            if delta:
                pieces.append(delta)
                if on_token is not None:
                    on_token(delta)
            # The client's timeout bounds each read; this bounds the whole reply from a slow-but-alive server.
            if time.monotonic() > deadline:
                raise LLMUnavailable(f"no complete reply within {settings.llm_timeout:g}s")
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            # A half-dead connection may fail to close; that must not mask the reason we are leaving.
            with contextlib.suppress(Exception):
                close()
    return "".join(pieces), finish == "length"


def _finish_reason(raw: Any) -> str | None:
    choices = getattr(raw, "choices", None)
    if not choices:
        return None
    return getattr(choices[0], "finish_reason", None)


def _clean(text: str, truncated: bool) -> str:
    text = text.strip()
    if not text:
        raise LLMUnavailable("the model returned an empty reply")
    spans = split_sentences(text)
    if truncated and len(spans) > 1:
        # Cut off by max_tokens: the last fragment is an unfinished claim that could never verify.
        last = text[spans[-1][0] : spans[-1][1]]
        if not re.search(r"[.!?…][\"'”’)]*(\s*\[[^\]]*\])*\s*$", last):
            text = text[: spans[-1][0]].rstrip()
            spans = spans[:-1]
    usable = [s for s, e in spans if len(re.findall(r"[^\W\d_]{2,}", strip_markers(text[s:e]))) >= 2]
    if not usable:
        raise LLMUnavailable("the model returned no usable sentence")
    return text


def _reason(exc: BaseException, settings: Settings) -> str:
    """A one-line, user-presentable reason; the full exception stays chained for the logs."""
    where = api_base(settings.llm_base_url) if settings.llm_base_url else "the LLM server"
    name = type(exc).__name__
    try:
        import httpx
        import openai
    except ImportError:  # pragma: no cover - both come with llama-index-llms-openai
        return f"{name}: {_one_line(exc)}"
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return f"no reply from {where} within {settings.llm_timeout:g}s"
    if isinstance(exc, openai.APIConnectionError | httpx.ConnectError | ConnectionError):
        return f"cannot connect to {where}"
    if isinstance(exc, openai.APIStatusError):
        return f"{where} answered HTTP {exc.status_code}: {_one_line(exc.message)}"
    if isinstance(exc, openai.APIError | httpx.HTTPError):
        return f"{name} from {where}: {_one_line(exc)}"
    return f"{name}: {_one_line(exc)}"


def _one_line(exc: object, limit: int = 160) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
