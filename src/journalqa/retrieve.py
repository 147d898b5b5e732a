"""Hybrid retrieval: dense (FAISS inner product) + BM25 (bm25s), fused by reciprocal rank.

Everything here goes direct to faiss/bm25s/numpy for speed; `journalqa.seams` wraps it as a
llama-index ``BaseRetriever`` and adapts any llama-index retriever back to this interface.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Protocol

import numpy as np

from journalqa.store import IndexData
from journalqa.types import Chunk, Passage

QueryEncoder = Callable[[str], np.ndarray]


class Retriever(Protocol):
    def retrieve(self, query: str, top_k: int, doc_ids: Collection[str] | None = None) -> list[Passage]: ...


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


class HybridSearch:
    """Dense + BM25 over one loaded index. ``mode`` is "hybrid", "dense" or "bm25".

    ``weights`` scales each retriever's reciprocal-rank contribution (``{"dense": 1, "bm25": 1}`` by default).
    """

    def __init__(
        self,
        data: IndexData,
        encode_query: QueryEncoder,
        candidates: int = 30,
        rrf_k: int = 60,
        mode: str = "hybrid",
        weights: dict[str, float] | None = None,
    ) -> None:
        if mode not in {"hybrid", "dense", "bm25"}:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        self.data = data
        self.encode_query = encode_query
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.mode = mode
        self.weights = weights
        self._rows_by_doc: dict[str, np.ndarray] = {}
        for row, chunk in enumerate(data.chunks):
            self._rows_by_doc.setdefault(chunk.doc_id, []).append(row)  # type: ignore[arg-type]
        self._rows_by_doc = {d: np.asarray(r, dtype=np.int64) for d, r in self._rows_by_doc.items()}
        self.last_query_vector: np.ndarray | None = None

    @property
    def chunks(self) -> list[Chunk]:
        return self.data.chunks

    def allowed_rows(self, doc_ids: Collection[str] | None) -> np.ndarray | None:
        if not doc_ids:
            return None
        parts = [self._rows_by_doc[d] for d in doc_ids if d in self._rows_by_doc]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def dense_ranking(self, query_vector: np.ndarray, n: int, allowed: np.ndarray | None) -> tuple[list[int], dict]:
        import faiss

        n = min(n, self.data.dense.ntotal if allowed is None else len(allowed))
        if n <= 0:
            return [], {}
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        scores, rows = self.data.dense.search(query_vector.reshape(1, -1), n, params=params)
        pairs = [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]
        return [r for r, _ in pairs], dict(pairs)

    def bm25_ranking(self, query: str, n: int, allowed: np.ndarray | None) -> tuple[list[int], dict]:
        tokens = self.data.bm25_tokenizer.tokenize([query], update_vocab=False, return_as="ids", show_progress=False)
        if not tokens or not tokens[0]:
            return [], {}
        scores = self.data.bm25.get_scores(tokens[0])
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
        fused = reciprocal_rank_fusion(rankings, self.rrf_k, self.weights)[:top_k]
        dense_scores = dict(raw.get("dense", {}))
        if self.last_query_vector is not None and self.mode != "bm25":
            for row, _ in fused:
                if row not in dense_scores:
                    dense_scores[row] = float(self.data.dense.reconstruct(row) @ self.last_query_vector)
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
