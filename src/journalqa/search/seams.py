"""llama-index seams on the search side: our retrieval as a llama-index ``BaseRetriever``, and any llama-index
retriever (another vector store, a fusion retriever, ...) as ours.

Imported only when used: llama-index takes seconds to import and the core path does not need it.
"""

from __future__ import annotations

from collections.abc import Collection

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle

from journalqa.index.nodes import chunk_to_node, node_to_chunk
from journalqa.search.retrieve import Retriever
from journalqa.types import Passage


class JournalRetriever(BaseRetriever):
    """journalqa's hybrid retrieval behind llama-index's retriever interface (query engines, fusion, ...)."""

    def __init__(self, retriever: Retriever, top_k: int = 5, doc_ids: Collection[str] | None = None) -> None:
        super().__init__()
        self._inner = retriever
        self._top_k = top_k
        self._doc_ids = doc_ids

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = self._inner.retrieve(query_bundle.query_str, self._top_k, self._doc_ids)
        return [NodeWithScore(node=chunk_to_node(p.chunk), score=p.score) for p in passages]


class LlamaIndexRetriever:
    """Any llama-index retriever as a journalqa Retriever (nodes must carry chunk metadata, see chunk_to_node).

    ``doc_ids`` restriction is applied after retrieval, over ``overfetch`` x top_k candidates, because not
    every vector store supports metadata filters.
    """

    def __init__(self, retriever: BaseRetriever, overfetch: int = 4) -> None:
        self.retriever = retriever
        self.overfetch = overfetch

    def retrieve(self, query: str, top_k: int, doc_ids: Collection[str] | None = None) -> list[Passage]:
        if hasattr(self.retriever, "similarity_top_k"):
            self.retriever.similarity_top_k = top_k * (self.overfetch if doc_ids else 1)
        results = self.retriever.retrieve(query)
        passages = []
        for rank, hit in enumerate(results, start=1):
            chunk = node_to_chunk(hit.node)
            if doc_ids and chunk.doc_id not in doc_ids:
                continue
            score = float(hit.score or 0.0)
            passages.append(Passage(chunk=chunk, score=score, ranks={"llama-index": rank}, dense_score=score))
        return passages[:top_k]
