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

from journalqa.answer import TermWeights, abstention, calibration_for, extractive_answer
from journalqa.config import Settings, apply_offline_env
from journalqa.embed import Embedder
from journalqa.lexicon import lexicon
from journalqa.retrieve import HybridSearch, Retriever
from journalqa.store import current_version, load_index
from journalqa.types import Answer, Passage

ANSWER_MODES = ("extractive", "llm")


class QuestionError(ValueError):
    """The question cannot be asked (empty, too long, no words)."""


def clean_question(question: object, max_chars: int) -> str:
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    # drop control characters and unprintable bytes that arrive with pasted or binary input
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in question)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty")
    if len(text) > max_chars:
        raise QuestionError(f"the question is {len(text)} characters long; the limit is {max_chars}")
    if not any(ch.isalpha() for ch in text):
        raise QuestionError("the question has no words")
    return text


History = Sequence[tuple[str, str]]


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
        external = self.settings.vector_store != "faiss"
        data = load_index(self.settings.index_dir, dense=not external)
        dense = None
        if external:  # Milvus / Qdrant search the dense half; BM25 and fusion stay local
            from journalqa.vectorstores import external_searcher

            dense = external_searcher(self.settings, data)
        self.search = HybridSearch(
            data,
            self.embedder.encode_query,
            candidates=self.settings.candidates,
            rrf_k=self.settings.rrf_k,
            mode=self.settings.retrieval_mode,
            weights={"dense": 1.0, "bm25": self.settings.bm25_weight},
            dense=dense,
        )
        self.weights = TermWeights([c.text for c in data.chunks])
        self.version = data.version
        self._start_warm()

    def warm_up(self) -> None:
        """From now on, prepare each loaded index version in a background thread (the served app: the first
        question in another language than the documents then finds its vocabulary ready)."""
        self._warm = True
        self._start_warm()

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
        """Pick up a new index version written by another process, without a restart."""
        latest = current_version(self.settings.index_dir)
        if latest is not None and latest != self.version:
            with self._lock:
                if latest != self.version:
                    self._load_index()

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
        settings = self.settings
        question = clean_question(question, settings.max_question_chars)
        top_k = top_k or settings.top_k
        timings: dict[str, float] = {}
        started = time.perf_counter()
        query = question
        if history:
            from journalqa.rewrite import rewrite_query

            query = rewrite_query(question, history)
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
        )
        timings["answer"] = _ms(step)
        mode = mode or settings.answer_mode
        if mode not in ANSWER_MODES:
            raise QuestionError(f"unknown answer mode {mode!r}; use one of {', '.join(ANSWER_MODES)}")
        # Weak evidence abstains before any LLM call: a model given poor passages invents an answer.
        if mode == "llm" and not answer.abstained:
            answer = self._generate(question, query, passages, history, answer, on_token)
        timings["total"] = _ms(started)
        return _with_timings(answer, timings)

    def _generate(
        self,
        question: str,
        query: str,
        passages: Sequence[Passage],
        history: History,
        extractive: Answer,
        on_token: Callable[[str], None] | None,
    ) -> Answer:
        from journalqa.llm import LLMUnavailable, generate_answer

        try:
            generated = generate_answer(
                question, passages, self.settings, history=history, embed=self.embedder.encode, on_token=on_token
            )
        except LLMUnavailable as exc:
            notice = f"LLM unavailable ({exc}); showing the extractive answer"
            return replace(extractive, notice=notice)
        return replace(generated, query=query, evidence=extractive.evidence)

    def closest(self, question: str, top_k: int | None = None) -> Answer:
        question = clean_question(question, self.settings.max_question_chars)
        return abstention(question, self.retriever.retrieve(question, top_k or self.settings.top_k))


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
