"""Build the index from the corpus, and tell whether an existing index is fresh."""

from __future__ import annotations

import time
from dataclasses import dataclass

from journalqa.chunk import CHUNKER_VERSION, chunk_documents
from journalqa.config import Settings
from journalqa.embed import Embedder
from journalqa.ingest import load_corpus
from journalqa.store import IndexError_, read_manifest, write_index
from journalqa.types import Document


def build_settings(settings: Settings) -> dict:
    """The settings an index depends on; any change makes it stale."""
    return {
        "embedder": settings.embedder,
        "chunker": {
            "version": CHUNKER_VERSION,
            "max_tokens": settings.chunk_tokens,
            "overlap_sentences": settings.chunk_overlap_sentences,
        },
    }


def document_hashes(docs: list[Document]) -> dict[str, str]:
    return {doc.doc_id: doc.metadata["content_hash"] for doc in docs}


@dataclass(frozen=True)
class IndexStatus:
    state: str  # "fresh", "stale", "missing"
    reason: str = ""


def index_status(settings: Settings, docs: list[Document] | None = None) -> IndexStatus:
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexError_ as exc:
        return IndexStatus("missing", str(exc))
    docs = load_corpus(settings.corpus_dir) if docs is None else docs
    expected = build_settings(settings)
    for key, value in expected.items():
        if manifest.get(key) != value:
            return IndexStatus("stale", f"{key} changed ({manifest.get(key)} -> {value})")
    indexed = {d: info.get("hash") for d, info in manifest.get("documents", {}).items()}
    current = document_hashes(docs)
    if indexed != current:
        added = sorted(set(current) - set(indexed))
        removed = sorted(set(indexed) - set(current))
        changed = sorted(d for d in set(current) & set(indexed) if current[d] != indexed[d])
        return IndexStatus("stale", f"corpus changed (added {added}, removed {removed}, changed {changed})")
    return IndexStatus("fresh")


def build_index(settings: Settings, embedder: Embedder | None = None, show_progress: bool = True) -> dict:
    """Chunk, embed and persist the whole corpus; returns the manifest written, with timings."""
    embedder = embedder or Embedder(settings.embedder)
    started = time.perf_counter()
    docs = load_corpus(settings.corpus_dir)
    chunks = chunk_documents(
        docs,
        max_tokens=settings.chunk_tokens,
        overlap_sentences=settings.chunk_overlap_sentences,
        count_tokens=embedder.count_tokens,
    )
    chunked = time.perf_counter()
    vectors = embedder.encode([embedding_text(c.title, c.section, c.text) for c in chunks], show_progress=show_progress)
    embedded = time.perf_counter()
    per_doc = {doc.doc_id: {"hash": doc.metadata["content_hash"], "title": doc.title, "chunks": 0} for doc in docs}
    for chunk in chunks:
        per_doc[chunk.doc_id]["chunks"] += 1
    manifest = {
        **build_settings(settings),
        "embedder_dimension": embedder.dimension,
        "documents": per_doc,
    }
    write_index(settings.index_dir, manifest, chunks, vectors)
    done = time.perf_counter()
    manifest["timings_s"] = {
        "chunk": chunked - started,
        "embed": embedded - chunked,
        "write": done - embedded,
        "total": done - started,
    }
    manifest["counts"] = {"documents": len(docs), "chunks": len(chunks)}
    return manifest


def embedding_text(title: str, section: str, text: str) -> str:
    # The title gives every chunk its article's topic, which short chunks otherwise lack.
    return f"{title}. {text}" if title else text
