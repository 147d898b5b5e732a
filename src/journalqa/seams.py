"""llama-index seams: our retrieval as a llama-index ``BaseRetriever``, any llama-index
retriever (another vector store, a fusion retriever, ...) as ours, and our embedder as a llama-index embedding.

Imported only when used: llama-index takes seconds to import and the core path does not need it.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from journalqa.embed import Embedder
from journalqa.retrieve import Retriever
from journalqa.types import Chunk, Passage

# every Chunk field but its id and text, so that a node read back from any vector store is the same Chunk
CHUNK_FIELDS = (
    "doc_id", "title", "section", "page", "page_approximate", "start", "end", "kind", "language", "pdf_page", "authors",
)  # fmt: skip


def chunk_to_node(chunk: Chunk) -> TextNode:
    """A llama-index node that round-trips to the same Chunk (metadata kept out of the embedding text)."""
    metadata = {name: getattr(chunk, name) for name in CHUNK_FIELDS}
    return TextNode(
        id_=chunk.chunk_id,
        text=chunk.text,
        metadata=metadata,
        excluded_embed_metadata_keys=list(CHUNK_FIELDS),
        excluded_llm_metadata_keys=["start", "end", "page_approximate", "kind", "language", "pdf_page"],
    )


def node_to_chunk(node: Any) -> Chunk:
    meta = node.metadata or {}
    return Chunk(
        chunk_id=node.node_id,
        doc_id=meta.get("doc_id", ""),
        title=meta.get("title", ""),
        section=meta.get("section", ""),
        page=meta.get("page"),
        page_approximate=bool(meta.get("page_approximate", False)),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        text=node.get_content(),
        kind=meta.get("kind", "body"),
        language=meta.get("language", ""),
        pdf_page=meta.get("pdf_page"),
        authors=meta.get("authors", ""),
    )


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


class JournalEmbedding(BaseEmbedding):
    """A journalqa ``Embedder`` (any backend, e5 with its query/passage roles) as a llama-index embedding, so a
    llama-index index is built with the same model as ours, whether or not it is a sentence-transformers folder."""

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.id, embed_batch_size=embedder.batch_size, **kwargs)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.encode_query(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.encode([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.encode(list(texts)).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)
