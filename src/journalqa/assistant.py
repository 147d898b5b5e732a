"""The library's front door: ``Assistant.load(...)`` then ``assistant.ask(question)``.

The CLI, the Gradio UI and the eval bench are thin shells over this class.
"""

from __future__ import annotations

import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path

from journalqa.answer.evidence import ScoredSentence, TermWeights, calibration_for
from journalqa.answer.extractive import abstention, extractive_answer, llm_verdict, worth_reading
from journalqa.answer.verdict import UNCERTAIN, model_for
from journalqa.config import Settings, apply_offline_env
from journalqa.index.embed import Embedder, build_fingerprint
from journalqa.index.sentence_vectors import load_or_build
from journalqa.index.store import current_version, load_index
from journalqa.search.question import Question, parse_question
from journalqa.search.retrieve import HybridSearch, Retriever
from journalqa.text.lexicon import lexicon
from journalqa.types import Answer, Passage

ANSWER_MODES = ("extractive", "llm")
WATCH_S = 2.0  # how often a served assistant looks for a new index version


class QuestionError(ValueError):
    """The question cannot be asked (empty, too long, no words). ``code`` and ``params`` name the message so
    that an interface can show it in its own language (``journalqa.i18n``); ``str(exc)`` stays English."""

    def __init__(self, message: str, code: str = "question.invalid", **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def clean_question(question: object, max_chars: int) -> str:
    if not isinstance(question, str):
        raise QuestionError("the question must be text", "question.not_text")
    # drop control characters and unprintable bytes that arrive with pasted or binary input
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in question)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty", "question.empty")
    if len(text) > max_chars:
        raise QuestionError(
            f"the question is {len(text)} characters long; the limit is {max_chars}",
            "question.too_long",
            length=len(text),
            limit=max_chars,
        )
    if not any(ch.isalpha() for ch in text):
        raise QuestionError("the question has no words", "question.no_words")
    return text


History = Sequence[tuple[str, str]]


def check_history(history: object, settings: Settings) -> list[tuple[str, str]]:
    """The conversation as (question, answer) pairs within the limits, or QuestionError with the reason.

    Checked before anything else runs: the previous questions become part of the search query, so an unbounded
    history let one request hold a CPU for most of a minute (issue #29). Pairs only, each a pair of text.
    """
    if history is None:
        return []
    if isinstance(history, str | bytes) or not isinstance(history, Sequence):
        raise QuestionError("the history must be a list of (question, answer) pairs", "history.invalid")
    if len(history) > settings.max_history_turns:
        raise QuestionError(
            f"the history has {len(history)} turns; the limit is {settings.max_history_turns} (send the last ones)",
            "history.too_long",
        )
    pairs = []
    for number, turn in enumerate(history, 1):
        if not isinstance(turn, Sequence) or isinstance(turn, str) or len(turn) != 2:
            raise QuestionError(f"history turn {number} is not a (question, answer) pair", "history.invalid")
        question, answer = turn
        if not isinstance(question, str) or not isinstance(answer, str):
            raise QuestionError(f"history turn {number} is not a pair of text", "history.invalid")
        for what, text, limit in (
            ("question", question, settings.max_question_chars),
            ("answer", answer, settings.max_history_answer_chars),
        ):
            if len(text) > limit:
                raise QuestionError(
                    f"history turn {number}: the {what} is {len(text)} characters long; the limit is {limit}",
                    "history.too_long",
                )
        pairs.append((question, answer))
    return pairs


class Assistant:
    def __init__(self, settings: Settings, embedder: Embedder, retriever: Retriever | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self._lock = threading.Lock()
        self._custom_retriever = retriever
        self.version: str | None = None
        self.search: HybridSearch | None = None
        self.weights = TermWeights()
        self._warm = False
        self._preparing: str | None = None  # the index version being prepared in the background
        if retriever is None:
            self._load_index()

    @classmethod
    def load(cls, index_dir: str | Path | None = None, settings: Settings | None = None, **overrides) -> Assistant:
        apply_offline_env()
        settings = settings or Settings.from_env()
        if index_dir is not None:
            overrides["index_dir"] = Path(index_dir)
        settings = settings.replace(**overrides) if overrides else settings
        return cls(settings, Embedder(settings.embedder))

    def _load_index(self) -> None:
        search, weights, version = self._prepare_index()
        self.search, self.weights, self.version = search, weights, version
        self._start_warm()

    def _prepare_index(self) -> tuple[HybridSearch, TermWeights, str]:
        """The live index version, loaded and ready to search (not yet the one answering)."""
        external = self.settings.vector_store != "faiss"
        data = load_index(self.settings.index_dir, dense=not external)
        dense = None
        if external:  # Milvus / Qdrant search the dense half; BM25 and fusion stay local
            from journalqa.index.vectorstores import external_searcher

            dense = external_searcher(self.settings, data)
        search = HybridSearch(
            data,
            self.embedder.encode_query,
            candidates=self.settings.candidates,
            rrf_k=self.settings.rrf_k,
            mode=self.settings.retrieval_mode,
            weights={"dense": 1.0, "bm25": self.settings.bm25_weight},
            dense=dense,
        )
        if self.settings.answerer == "verdict" and model_for(self.settings.embedder) is not None:
            # the answerer's question-to-sentence cosines: built once per sentence, reused across versions
            search.sentences = load_or_build(
                self.settings.index_dir,
                data.chunks,
                self.embedder.id,
                build_fingerprint(self.embedder.name),
                self.embedder.encode,
            )
        return search, TermWeights([c.text for c in data.chunks]), data.version

    def warm_up(self) -> None:
        """From now on, prepare each index version before it answers (the served app): the first one now in a
        background thread, and each new one written by a writer in the background too, while the version
        before it goes on answering; it is swapped in only once ready (the first question after an ``add``
        took 16-21 s when it found the new version unprepared, issue #29)."""
        self._warm = True
        self._start_warm()
        threading.Thread(target=self._watch, name="journalqa-watch", daemon=True).start()

    def _start_warm(self) -> None:
        if self._warm and self.search is not None:
            threading.Thread(target=_warm, args=(self.search,), name="journalqa-warm", daemon=True).start()

    @property
    def retriever(self) -> Retriever:
        if self._custom_retriever is not None:
            return self._custom_retriever
        self._refresh()
        assert self.search is not None
        return self.search

    def _refresh(self) -> None:
        """Pick up a new index version written by another process, without a restart: at once when nothing is
        served yet or the assistant is not warmed (the CLI), else prepared in the background (``warm_up``)."""
        latest = current_version(self.settings.index_dir)
        if latest is None or latest == self.version:
            return
        if self._warm and self.search is not None:
            self._prepare_in_background(latest)
            return
        with self._lock:
            if latest != self.version:
                self._load_index()

    def _prepare_in_background(self, latest: str) -> None:
        with self._lock:
            if self._preparing == latest:
                return
            self._preparing = latest
        threading.Thread(target=self._prepare_and_swap, name="journalqa-prepare", daemon=True).start()

    def _prepare_and_swap(self) -> None:
        try:
            search, weights, version = self._prepare_index()
            _warm(search)
        except Exception as exc:  # the version before goes on answering; the next check tries again
            print(f"journalqa: new index version not loaded ({type(exc).__name__})", file=sys.stderr)
            with self._lock:
                self._preparing = None
            return
        with self._lock:
            self.search, self.weights, self.version = search, weights, version
            self._preparing = None

    def _watch(self) -> None:
        # a served assistant looks for a new version every few seconds, so it is ready before anyone asks
        while True:
            time.sleep(WATCH_S)
            try:
                self._refresh()
            except Exception:  # an index being rewritten, a folder gone: the next look decides
                continue

    def documents(self) -> list[tuple[str, str]]:
        """(doc_id, title) of the indexed documents, in corpus order."""
        seen: dict[str, str] = {}
        if self.search is not None:
            for chunk in self.search.chunks:
                seen.setdefault(chunk.doc_id, chunk.title)
        return list(seen.items())

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        doc_ids: Collection[str] | None = None,
        history: History = (),
        mode: str | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        history = check_history(history, self.settings)  # first: nothing is rewritten, embedded or searched before
        settings = self.settings
        question = clean_question(question, settings.max_question_chars)
        top_k = top_k or settings.top_k
        timings: dict[str, float] = {}
        started = time.perf_counter()
        query = question
        if history:
            from journalqa.search.rewrite import rewrite_query

            query = rewrite_query(question, history)
        parsed = parse_question(query)  # read once: the answerer and the LLM's verdict share it
        timings["rewrite"] = _ms(started)
        step = time.perf_counter()
        retriever = self.retriever  # one index version for the whole question (the property may load a new one)
        passages = retriever.retrieve(query, top_k, doc_ids)
        timings["retrieve"] = _ms(step)
        step = time.perf_counter()
        answer = extractive_answer(
            question,
            passages,
            max_sentences=settings.answer_sentences,
            calibration=calibration_for(settings.embedder, settings.abstain_threshold),
            query=query,
            weights=self.weights,
            translations=translations_of(retriever, query),
            model=model_for(settings.embedder) if settings.answerer == "verdict" else None,
            parsed=parsed,
            sentence_cosines=self._sentence_cosines(retriever, query),
        )
        if history and query != question and repeats_previous(answer, history):
            # a follow-up that asks something else ("And who finances it?") met only the sentences that answered the
            # question before it: saying them again would answer the earlier question, not this one
            answer = abstention(
                question,
                passages,
                UNCERTAIN,
                query=query,
                evidence=answer.evidence,
                highlights=tuple(
                    (i, c.span) for c in answer.citations for i, p in enumerate(passages) if p is c.passage
                ),
            )
        timings["answer"] = _ms(step)
        mode = mode or settings.answer_mode
        if mode not in ANSWER_MODES:
            raise QuestionError(f"unknown answer mode {mode!r}; use one of {', '.join(ANSWER_MODES)}", "mode.unknown")
        # An LLM is asked whenever retrieval found something to read: the extractive verdict must not stop a capable
        # model from answering what the heuristics cannot read. With nothing above the floor it would only invent.
        if mode == "llm" and worth_reading(passages, calibration_for(settings.embedder).cosine_floor):
            answer = self._generate(question, query, parsed, passages, history, answer, on_token)
        timings["total"] = _ms(started)
        return _with_timings(answer, timings)

    def _generate(
        self,
        question: str,
        query: str,
        parsed: Question,
        passages: Sequence[Passage],
        history: History,
        extractive: Answer,
        on_token: Callable[[str], None] | None,
    ) -> Answer:
        from journalqa.answer.llm import LLMUnavailable, generate_answer

        try:
            generated = generate_answer(
                question, passages, self.settings, history=history, embed=self.embedder.encode, on_token=on_token
            )
        except LLMUnavailable as exc:
            notice = f"LLM unavailable ({exc}); showing the extractive answer"
            return replace(extractive, notice=notice)
        return llm_verdict(parsed, replace(generated, query=query, evidence=extractive.evidence))

    def _sentence_cosines(
        self, retriever: Retriever, query: str
    ) -> Callable[[Sequence[ScoredSentence]], list[float | None]] | None:
        """How the answerer compares the question with candidate sentences (their vectors were built at load)."""
        sentences = getattr(retriever, "sentences", None)
        if sentences is None:
            return None

        def cosines(scored: Sequence[ScoredSentence]) -> list[float | None]:
            return sentences.cosines(self.embedder.encode_query(query), [s.text for s in scored])

        return cosines

    def closest(self, question: str, top_k: int | None = None) -> Answer:
        question = clean_question(question, self.settings.max_question_chars)
        return abstention(question, self.retriever.retrieve(question, top_k or self.settings.top_k))


def repeats_previous(answer: Answer, history: History) -> bool:
    """Whether an answer cites exactly the sentences of the previous turn's answer (its text is those sentences)."""
    if answer.abstained or not history:
        return False
    previous = history[-1][1]
    return all(c.passage.chunk.text[c.span[0] : c.span[1]] in previous for c in answer.citations)


def translations_of(retriever: Retriever, query: str) -> dict[str, frozenset[str]]:
    """The question's words in the index's other languages, when the retriever knows them (``HybridSearch``)."""
    translations = getattr(retriever, "translations", None)
    return translations(query) if callable(translations) else {}


def _warm(search: HybridSearch) -> None:
    try:
        search.warm()
        lexicon()  # the dictionaries the answerer's name check reads (0.4 s), before the first Kazakh question
    except Exception as exc:  # a warm-up is an optimisation: the first question builds what failed here
        print(f"journalqa: warm-up skipped ({type(exc).__name__})", file=sys.stderr)


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000.0


def _with_timings(answer: Answer, timings: dict[str, float]) -> Answer:
    return replace(answer, timings_ms={**answer.timings_ms, **timings})
