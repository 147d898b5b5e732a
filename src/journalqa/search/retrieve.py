"""Hybrid retrieval: dense (FAISS inner product) + BM25 (bm25s), fused by reciprocal rank.

Everything here goes direct to faiss/bm25s/numpy for speed; `journalqa.search.seams` wraps it as a
llama-index ``BaseRetriever`` and adapts any llama-index retriever back to this interface.
The dense half is a ``DenseSearcher``: FAISS in the index folder by default, or an external
vector store (``journalqa.index.vectorstores``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Protocol

import numpy as np

from journalqa.index.embed import build_fingerprint
from journalqa.index.sentence_vectors import SentenceVectors
from journalqa.index.store import IndexData, StaleIndex, bm25_input
from journalqa.search.crosslingual import CrossLingualTerms, WordEncoder, word_encoder
from journalqa.text.language import question_language
from journalqa.types import Chunk, Passage

QueryEncoder = Callable[[str], np.ndarray]


class Retriever(Protocol):
    def retrieve(self, query: str, top_k: int, doc_ids: Collection[str] | None = None) -> list[Passage]: ...


class DenseSearcher(Protocol):
    """Nearest rows (positions in ``IndexData.chunks``) by inner product, best first."""

    def search(self, vector: np.ndarray, n: int, allowed_rows: np.ndarray | None) -> tuple[list[int], list[float]]: ...

    def score(self, vector: np.ndarray, rows: list[int]) -> list[float | None]:
        """Exact inner products of ``vector`` with ``rows`` (for rows that only BM25 found); None if unknown."""
        ...


# Below this many allowed rows a restricted search is exact over those rows; above, the index filters.
EXACT_SUBSET = 4096


class FaissSearcher:
    """The index folder's FAISS index: exact IndexFlatIP, or HNSW / IVF-PQ with the manifest's parameters."""

    def __init__(self, data: IndexData, ef_search: int | None = None, nprobe: int | None = None) -> None:
        spec = data.manifest.get("dense", {})
        self.data = data
        self.ef_search = int(ef_search or spec.get("efSearch", 0))
        self.nprobe = int(nprobe or spec.get("nprobe", 0))
        self.rerank = int(spec.get("rerank", 0)) if data.raw_vectors is not None else 0

    def search(self, vector: np.ndarray, n: int, allowed_rows: np.ndarray | None) -> tuple[list[int], list[float]]:
        import faiss

        index = self.data.dense
        n = min(n, index.ntotal if allowed_rows is None else len(allowed_rows))
        if n <= 0:
            return [], []
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        if allowed_rows is not None and len(allowed_rows) <= EXACT_SUBSET:
            # a few documents: exact over their rows, whatever the index type (a graph or list filter
            # that rejects most of what it visits returns too few hits)
            scores = self.data.vectors(allowed_rows) @ query[0]
            top = np.argsort(-scores, kind="stable")[:n]
            return [int(allowed_rows[i]) for i in top], [float(scores[i]) for i in top]
        fetch = min(n * self.rerank if self.rerank else n, index.ntotal)
        selector = faiss.IDSelectorBatch(allowed_rows) if allowed_rows is not None else None
        if self.ef_search:
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(self.ef_search, fetch))
        elif self.nprobe:
            params = faiss.SearchParametersIVF(sel=selector, nprobe=self.nprobe)
        else:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
        scores, rows = index.search(query, fetch, params=params)
        keep = rows[0] >= 0
        found, approx = rows[0][keep], scores[0][keep]
        if self.rerank:  # PQ scores are approximate: re-rank the candidates on the exact vectors
            approx = self.data.vectors(found) @ query[0]
            order = np.argsort(-approx, kind="stable")
            found, approx = found[order], approx[order]
        return [int(r) for r in found[:n]], [float(x) for x in approx[:n]]

    def score(self, vector: np.ndarray, rows: list[int]) -> list[float]:
        if not rows:
            return []
        return [float(s) for s in self.data.vectors(rows) @ np.asarray(vector, dtype=np.float32)]


def reciprocal_rank_fusion(
    rankings: dict[str, Sequence[int]], k: int = 60, weights: dict[str, float] | None = None
) -> list[tuple[int, float]]:
    """Fuse ranked lists of row ids: score = sum weight/(k + rank), rank from 1, weight 1 unless given."""
    scores: dict[int, float] = {}
    for name, ranking in rankings.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        for rank, row in enumerate(ranking, start=1):
            scores[row] = scores.get(row, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def check_embedder(data: IndexData, encode_query: QueryEncoder) -> None:
    """Refuse to search vectors of one embedder with the queries of another: their spaces are unrelated."""
    embedder = getattr(encode_query, "__self__", None)
    used, indexed = getattr(embedder, "id", None), data.manifest.get("embedder")
    if isinstance(used, str) and indexed and used != indexed:
        raise StaleIndex(
            f"the index was built with the embedder {indexed!r}, not {used!r}: set JOURNALQA_EMBEDDER={indexed} "
            "or rebuild with `journalqa index --rebuild`"
        )
    if isinstance(used, str) and indexed == used and data.manifest.get("embedder_build", "") != build_fingerprint(used):
        raise StaleIndex(
            f"the index was built with another build of the embedder {used!r} (a library was upgraded): "
            "update it with `journalqa index --if-stale`"
        )


# The cross-lingual ranking's reciprocal-rank weight (dense weighs 1) unless ``weights`` names "crosslingual".
# Calibration split, Kazakh / Russian hit@5 over the journal (0.667 / 0.812 without it): 0.75 -> 0.778 / 0.875,
# 1 -> 0.889 / 0.812, 1.25 -> 0.778 / 0.750 (docs/multilingual.md, "Cross-lingual retrieval (session 6)")
CROSSLINGUAL_WEIGHT = 1.0


class HybridSearch:
    """Dense + BM25 over one loaded index. ``mode`` is "hybrid", "dense" or "bm25".

    ``weights`` scales each retriever's reciprocal-rank contribution (``{"dense": 1, "bm25": 1}`` by default).
    In "hybrid" and "bm25" modes a third ranking, "crosslingual", scores the BM25 terms of the index's other
    languages that the question's words map to (``journalqa.search.crosslingual``; weight 1 unless ``weights`` says);
    it is empty when the index holds only the question's language. ``encode_words`` embeds single words for it
    (by default the embedder's own, through ``encode_query``; None from a test double turns it off).
    """

    def __init__(
        self,
        data: IndexData,
        encode_query: QueryEncoder,
        candidates: int = 30,
        rrf_k: int = 60,
        mode: str = "hybrid",
        weights: dict[str, float] | None = None,
        dense: DenseSearcher | None = None,
        kinds: Collection[str] = ("body", "code"),
        encode_words: WordEncoder | None = None,
    ) -> None:
        if mode not in {"hybrid", "dense", "bm25"}:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        check_embedder(data, encode_query)
        self.data = data
        self.dense = dense if dense is not None else FaissSearcher(data)
        self.encode_query = encode_query
        self.sentences: SentenceVectors | None = None  # the answerer's sentence vectors (Assistant sets them)
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.mode = mode
        self.weights = weights
        self._rows_by_doc: dict[str, np.ndarray] = {}
        for row, chunk in enumerate(data.chunks):
            self._rows_by_doc.setdefault(chunk.doc_id, []).append(row)  # type: ignore[arg-type]
        self._rows_by_doc = {d: np.asarray(r, dtype=np.int64) for d, r in self._rows_by_doc.items()}
        # contents pages, back-of-book indexes and reference lists stay stored but out of answers unless asked for;
        # listings ("code") are searched and shown (the answerer never quotes them as an answer sentence)
        self.kinds = frozenset(kinds)
        hidden = [row for row, chunk in enumerate(data.chunks) if chunk.kind not in self.kinds]
        self._hidden_rows = np.asarray(hidden, dtype=np.int64)
        self.last_query_vector: np.ndarray | None = None
        encode_words = encode_words or word_encoder(encode_query)
        self.crosslingual = (
            CrossLingualTerms(
                [(c.text, c.language) for c in data.chunks],
                encode_words,
                cache_dir=getattr(data, "path", None),  # the index version folder
                cache_key=f"{data.manifest.get('embedder', '')}-{data.manifest.get('embedder_build', '')}",
            )
            if encode_words is not None
            else None
        )

    @property
    def chunks(self) -> list[Chunk]:
        return self.data.chunks

    def allowed_rows(self, doc_ids: Collection[str] | None) -> np.ndarray | None:
        if not doc_ids:
            if not len(self._hidden_rows):
                return None
            return np.setdiff1d(np.arange(len(self.data.chunks), dtype=np.int64), self._hidden_rows)
        parts = [self._rows_by_doc[d] for d in doc_ids if d in self._rows_by_doc]
        rows = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return np.setdiff1d(rows, self._hidden_rows) if len(self._hidden_rows) else rows

    def dense_ranking(self, query_vector: np.ndarray, n: int, allowed: np.ndarray | None) -> tuple[list[int], dict]:
        rows, scores = self.dense.search(query_vector, n, allowed)
        return rows, dict(zip(rows, scores, strict=True))

    def bm25_ranking(self, query: str, n: int, allowed: np.ndarray | None) -> tuple[list[int], dict]:
        terms = bm25_input([query], [question_language(query)])
        tokens = self.data.bm25_tokenizer.tokenize(terms, update_vocab=False, return_as="ids", show_progress=False)
        if not tokens or not tokens[0]:
            return [], {}
        return self._top(self.data.bm25.get_scores(tokens[0]), n, allowed)

    def crosslingual_ranking(self, query: str, n: int, allowed: np.ndarray | None) -> tuple[list[int], dict]:
        """BM25 over the question's words mapped into the index's other languages (``journalqa.search.crosslingual``)."""
        if self.crosslingual is None:
            return [], {}
        ids = self.data.bm25_tokenizer.get_vocab_dict()
        scores = np.zeros(len(self.data.chunks), dtype=np.float64)
        matched = False
        for group in self.crosslingual.term_groups(query, question_language(query)):
            # each term a word maps to adds its BM25 score (its spellings and translations alike; the best of them
            # alone, "max", lost a Kazakh hit on the calibration split)
            for term, weight in group.items():
                if term in ids:
                    scores += weight * self.data.bm25.get_scores([ids[term]])
                    matched = True
        return self._top(scores, n, allowed) if matched else ([], {})

    def translations(self, query: str) -> dict[str, frozenset[str]]:
        """The question's words carried into the index's other languages, as BM25 terms (stems): what the answerer
        checks a Russian/Kazakh name against in an English sentence, and an English one in a Cyrillic sentence."""
        if self.crosslingual is None:
            return {}
        groups = self.crosslingual.word_terms(query, question_language(query))
        return {word: frozenset(terms) for word, terms in groups.items()}

    def _top(self, scores: np.ndarray, n: int, allowed: np.ndarray | None) -> tuple[list[int], dict]:
        if allowed is not None:
            masked = np.full_like(scores, -1.0)
            masked[allowed] = scores[allowed]
            scores = masked
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        # rows without a single query term are not evidence of anything
        pairs = [(int(r), float(scores[r])) for r in top if scores[r] > 0]
        return [r for r, _ in pairs], dict(pairs)

    def warm(self) -> None:
        """Prepare what the first question would otherwise wait for (the cross-lingual vocabularies)."""
        if self.crosslingual is not None:
            self.crosslingual.warm()

    def retrieve(self, query: str, top_k: int, doc_ids: Collection[str] | None = None) -> list[Passage]:
        allowed = self.allowed_rows(doc_ids)
        rankings: dict[str, list[int]] = {}
        raw: dict[str, dict] = {}
        self.last_query_vector = None
        if self.mode in {"hybrid", "dense"}:
            vector = self.encode_query(query)
            self.last_query_vector = vector
            rankings["dense"], raw["dense"] = self.dense_ranking(vector, self.candidates, allowed)
        if self.mode in {"hybrid", "bm25"}:
            rankings["bm25"], raw["bm25"] = self.bm25_ranking(query, self.candidates, allowed)
            crosslingual, _ = self.crosslingual_ranking(query, self.candidates, allowed)
            if crosslingual:
                rankings["crosslingual"] = crosslingual
        weights = {"crosslingual": CROSSLINGUAL_WEIGHT, **(self.weights or {})}
        fused = reciprocal_rank_fusion(rankings, self.rrf_k, weights)[:top_k]
        dense_scores = dict(raw.get("dense", {}))
        if self.last_query_vector is not None and self.mode != "bm25":
            missing = [row for row, _ in fused if row not in dense_scores]
            scores = self.dense.score(self.last_query_vector, missing)
            dense_scores.update((r, s) for r, s in zip(missing, scores, strict=True) if s is not None)
        passages = []
        for row, score in fused:
            ranks = {name: ranking.index(row) + 1 for name, ranking in rankings.items() if row in ranking}
            passages.append(
                Passage(
                    chunk=self.data.chunks[row],
                    score=score,
                    ranks=ranks,
                    dense_score=dense_scores.get(row),
                )
            )
        return passages
