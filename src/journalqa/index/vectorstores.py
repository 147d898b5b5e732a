"""External vector stores (Milvus, Qdrant) through llama-index's vector-store integrations.

The index folder stays the source of truth (chunks, BM25, manifest, exact vectors); an external store
is a mirror of its dense half, kept in step document by document (by content hash) and searched in
place of FAISS. BM25 stays local, and fusion is HybridSearch's, so answers match the embedded store.

```
index_dir/
  vectorstore.json   what each (store, uri, collection) mirrors: index version and per-document hashes
  milvus.db          milvus-lite file (default Milvus URI when none is given)
  qdrant/            qdrant local-mode folder (default Qdrant URI when none is given)
```
Nodes are written with ``seams.chunk_to_node`` plus the stored embedding (nothing is re-embedded),
``ref_doc_id`` = the chunk's document (so a document is deleted in one call) and the chunk id in the
metadata; node ids are UUIDs derived from chunk ids (Qdrant accepts only UUIDs or integers).

Local modes (a milvus-lite file, a qdrant folder) allow one process at a time; run a Milvus or
Qdrant server when the UI and the CLI should share the store.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from journalqa.config import Settings
from journalqa.index.store import DENSE, IndexData, load_index

STORES = ("faiss", "milvus", "qdrant")
STATE_FILE = "vectorstore.json"
LOCK_FILE = ".vectorstore.lock"
BATCH = 512
# process-wide: a qdrant folder (and a milvus-lite file) can be opened once per process
_OPEN: dict[tuple[str, str, str], Any] = {}


def check_store(kind: str) -> str:
    if kind not in STORES:
        raise ValueError(f"unknown vector store {kind!r}; use one of {', '.join(STORES)}")
    return kind


def store_uri(settings: Settings) -> str:
    """The configured URI, or a local store inside the index folder."""
    if settings.vector_store_uri:
        return settings.vector_store_uri
    return str(settings.index_dir / ("milvus.db" if settings.vector_store == "milvus" else "qdrant"))


def _remote(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "tcp://", "grpc://"))


def open_store(settings: Settings, dimension: int, fresh: bool = False) -> Any:
    """The llama-index vector store for ``settings`` (cached per process); ``fresh`` empties it."""
    kind = check_store(settings.vector_store)
    if kind == "faiss":
        raise ValueError("the embedded FAISS index is not an external vector store")
    uri = store_uri(settings)
    key = (kind, uri, settings.vector_store_collection)
    store = _OPEN.get(key)
    if kind == "milvus":
        if store is None or fresh:
            from llama_index.vector_stores.milvus import MilvusVectorStore

            # milvus-lite indexes FLAT; a server gets HNSW with the FAISS build parameters
            index_config = (
                {"index_type": "HNSW", "M": settings.hnsw_m, "efConstruction": settings.hnsw_ef_construction}
                if _remote(uri)
                else {}
            )
            store = MilvusVectorStore(
                uri=uri,
                collection_name=settings.vector_store_collection,
                dim=dimension,
                overwrite=fresh,
                upsert_mode=True,
                similarity_metric="IP",
                index_config=index_config,
                search_config={"ef": settings.hnsw_ef_search} if _remote(uri) else {},
                consistency_level="Strong",
                use_async_client=False,
                batch_size=BATCH,
            )
    else:
        if store is None:
            from llama_index.vector_stores.qdrant import QdrantVectorStore
            from qdrant_client import QdrantClient

            client = QdrantClient(url=uri) if _remote(uri) else QdrantClient(path=uri)
            store = QdrantVectorStore(collection_name=settings.vector_store_collection, client=client, batch_size=BATCH)
        if fresh and store.client.collection_exists(settings.vector_store_collection):
            store.clear()
    if not _OPEN:
        atexit.register(close_stores)  # a qdrant client closed by the garbage collector at exit complains
    _OPEN[key] = store
    return store


def close_stores() -> None:
    """Release every store this process opened (local modes lock their files while open)."""
    for store in _OPEN.values():
        with contextlib.suppress(Exception):
            store.client.close()
    _OPEN.clear()


def node_id(chunk_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"journalqa:{chunk_id}"))


def chunk_nodes(chunks: list, vectors: np.ndarray) -> list:
    """llama-index nodes for ``chunks`` carrying the given embeddings (no re-embedding)."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo

    from journalqa.index.nodes import chunk_to_node

    nodes = []
    for chunk, vector in zip(chunks, vectors, strict=True):
        node = chunk_to_node(chunk)
        node.id_ = node_id(chunk.chunk_id)
        node.metadata["chunk_id"] = chunk.chunk_id
        node.excluded_embed_metadata_keys.append("chunk_id")
        node.excluded_llm_metadata_keys.append("chunk_id")
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=chunk.doc_id)
        node.embedding = [float(x) for x in vector]
        nodes.append(node)
    return nodes


@dataclass
class MirrorReport:
    store: str
    uri: str
    collection: str
    version: str = ""
    added_docs: list[str] = field(default_factory=list)
    deleted_docs: list[str] = field(default_factory=list)
    written_chunks: int = 0
    full: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        if not self.added_docs and not self.deleted_docs and not self.full:
            return f"{self.store} {self.uri} [{self.collection}]: up to date"
        how = "rewritten" if self.full else "updated"
        return (
            f"{self.store} {self.uri} [{self.collection}]: {how}, {len(self.added_docs)} documents written "
            f"({self.written_chunks} chunks), {len(self.deleted_docs)} deleted in {self.seconds:.1f} s"
        )


@contextlib.contextmanager
def _mirror_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK_FILE, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read_state(index_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((index_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_state(index_dir: Path, state: dict[str, Any]) -> None:
    tmp = index_dir / f".{STATE_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, index_dir / STATE_FILE)


def _exact_vectors(data: IndexData, rows: list[int]) -> np.ndarray:
    if data.raw_vectors is not None or hasattr(data.dense, "reconstruct_batch"):
        return data.vectors(rows)
    import faiss  # the FAISS file was not loaded (load_index(dense=False)): read it for this update only

    return faiss.read_index(str(data.path / DENSE)).reconstruct_batch(np.asarray(rows, dtype=np.int64))


def sync_vector_store(settings: Settings, data: IndexData | None = None) -> MirrorReport:
    """Bring the external store in line with the index version ``data`` (the live one by default).

    Only documents whose content hash changed are deleted and rewritten; a store that mirrors nothing
    known (new URI, new collection, lost state file) is emptied and written in full.
    """
    started = time.perf_counter()
    data = data if data is not None else load_index(settings.index_dir)
    uri = store_uri(settings)
    report = MirrorReport(settings.vector_store, uri, settings.vector_store_collection, data.version)
    key = f"{settings.vector_store}|{uri}|{settings.vector_store_collection}"
    dimension = int(data.manifest.get("dense", {}).get("dimension") or data.manifest.get("embedder_dimension") or 0)
    with _mirror_lock(settings.index_dir):
        state = _read_state(settings.index_dir)
        mirrored = state.get(key)
        if mirrored and mirrored.get("version") == data.version:
            open_store(settings, dimension)
            return report
        current = {doc: info.get("hash") for doc, info in data.manifest.get("documents", {}).items()}
        report.full = not mirrored
        store = open_store(settings, dimension, fresh=report.full)
        before = {} if report.full else mirrored.get("documents", {})
        report.deleted_docs = sorted(d for d in before if current.get(d) != before[d])
        report.added_docs = sorted(d for d in current if before.get(d) != current[d])
        if report.deleted_docs:
            if settings.vector_store == "milvus":
                store.delete(report.deleted_docs)  # one query + delete for all documents
            else:
                for doc in report.deleted_docs:
                    store.delete(doc)
        wanted = set(report.added_docs)
        rows = [row for row, chunk in enumerate(data.chunks) if chunk.doc_id in wanted]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Payload indexes have no effect in the local Qdrant")
            for start in range(0, len(rows), 8 * BATCH):
                part = rows[start : start + 8 * BATCH]
                store.add(chunk_nodes([data.chunks[r] for r in part], _exact_vectors(data, part)))
        report.written_chunks = len(rows)
        state[key] = {"version": data.version, "documents": current, "chunks": len(data.chunks)}
        _write_state(settings.index_dir, state)
    report.seconds = time.perf_counter() - started
    return report


class ExternalDense:
    """A ``retrieve.DenseSearcher`` over an external store; rows are positions in ``data.chunks``."""

    def __init__(self, store: Any, data: IndexData) -> None:
        self.store = store
        self.chunks = data.chunks
        self.rows = {chunk.chunk_id: row for row, chunk in enumerate(data.chunks)}

    def _query(self, vector: np.ndarray, n: int, **filters: Any) -> tuple[list[int], list[float]]:
        from llama_index.core.vector_stores.types import VectorStoreQuery

        query = VectorStoreQuery(query_embedding=[float(x) for x in vector], similarity_top_k=n, **filters)
        result = self.store.query(query)
        rows, scores = [], []
        for node, score in zip(result.nodes or [], result.similarities or [], strict=True):
            row = self.rows.get((node.metadata or {}).get("chunk_id"))
            if row is not None:  # a chunk this index version does not know (store mid-update) is skipped
                rows.append(row)
                scores.append(float(score))
        return rows, scores

    def search(self, vector: np.ndarray, n: int, allowed_rows: np.ndarray | None) -> tuple[list[int], list[float]]:
        n = min(n, len(self.chunks) if allowed_rows is None else len(allowed_rows))
        if n <= 0:
            return [], []
        if allowed_rows is None:
            return self._query(vector, n)
        doc_ids = sorted({self.chunks[int(r)].doc_id for r in allowed_rows})
        allowed = set(map(int, allowed_rows))
        rows, scores = self._query(vector, n, doc_ids=doc_ids)
        pairs = [(r, s) for r, s in zip(rows, scores, strict=True) if r in allowed]
        return [r for r, _ in pairs], [s for _, s in pairs]

    def score(self, vector: np.ndarray, rows: list[int]) -> list[float | None]:
        if not rows:
            return []
        ids = [node_id(self.chunks[r].chunk_id) for r in rows]
        found = dict(zip(*self._query(vector, len(rows), node_ids=ids), strict=True))
        return [found.get(r) for r in rows]


def external_searcher(settings: Settings, data: IndexData) -> ExternalDense:
    """Mirror ``data`` into the configured store when it is behind, then search it."""
    sync_vector_store(settings, data)
    dimension = int(data.manifest.get("dense", {}).get("dimension") or 0)
    return ExternalDense(open_store(settings, dimension), data)


def llama_retriever(settings: Settings, encode_query: Callable[[str], np.ndarray], top_k: int = 5) -> Any:
    """A llama-index ``BaseRetriever`` over the configured store (dense only), queries embedded with
    ``encode_query``; returned nodes carry chunk ids, so ``seams.LlamaIndexRetriever`` adapts it."""
    from llama_index.core.base.base_retriever import BaseRetriever
    from llama_index.core.schema import NodeWithScore, QueryBundle
    from llama_index.core.vector_stores.types import VectorStoreQuery

    data = load_index(settings.index_dir, dense=False)
    store = external_searcher(settings, data).store

    class StoreRetriever(BaseRetriever):
        def __init__(self) -> None:
            super().__init__()
            self.similarity_top_k = top_k

        def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
            vector = query_bundle.embedding or encode_query(query_bundle.query_str).tolist()
            result = store.query(VectorStoreQuery(query_embedding=list(vector), similarity_top_k=self.similarity_top_k))
            hits = []
            for node, score in zip(result.nodes or [], result.similarities or [], strict=True):
                node.id_ = node.metadata.get("chunk_id", node.id_)
                hits.append(NodeWithScore(node=node, score=float(score)))
            return hits

    return StoreRetriever()
