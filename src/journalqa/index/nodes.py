"""llama-index's view of our index: a Chunk as a ``TextNode`` and back (what any vector store returns is the same
Chunk), and our embedder as a llama-index embedding.

Imported only when used: llama-index takes seconds to import and the core path does not need it.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import TextNode

from journalqa.index.embed import Embedder
from journalqa.types import Chunk

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
