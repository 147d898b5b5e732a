"""Build and update the index from the corpus folder, and tell whether an index is fresh.

``sync_index`` is incremental: documents whose content hash is unchanged keep their chunks,
vectors and BM25 tokens; only new or edited documents are chunked and embedded. Writers take
an exclusive lock; readers never need one (they load a complete version).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from journalqa.config import Settings
from journalqa.index.chunk import CHUNKER_VERSION, chunk_documents
from journalqa.index.embed import Embedder, build_fingerprint
from journalqa.index.store import (
    IndexData,
    IndexError_,
    dense_spec,
    load_index,
    make_bm25_tokenizer,
    read_manifest,
    tokenize,
    write_index,
)
from journalqa.ingest import Skipped, corpus_files, load_corpus_with_skips, page_notices
from journalqa.ingest.docfile import skeleton
from journalqa.text.language import settings_record as language_settings
from journalqa.types import Chunk, Document

LOCK_FILE = ".write.lock"


class IndexBusy(Exception):
    pass


def build_settings(settings: Settings) -> dict:
    """The settings an index depends on; any change makes it stale (a new embedder re-embeds everything)."""
    fingerprint = build_fingerprint(settings.embedder)
    return {
        "embedder": settings.embedder,
        # an exported model records what exported it: a library upgrade that re-exports re-embeds too
        **({"embedder_build": fingerprint} if fingerprint else {}),
        "chunker": {
            "version": CHUNKER_VERSION,
            "max_tokens": settings.chunk_tokens,
            "overlap_sentences": settings.chunk_overlap_sentences,
            # budgets are counted with the embedder's own tokenizer
            "budget_tokenizer": settings.embedder,
        },
        # tokenizer, stop words and stemmer per language, and the detector that picks them
        "languages": language_settings(),
    }


@dataclass(frozen=True)
class IndexStatus:
    state: str  # "fresh", "stale", "missing"
    reason: str = ""
    # a stale index built with today's settings, behind the corpus only (e.g. an add that was killed):
    # it can still answer from the documents it has
    searchable: bool = False


def index_status(settings: Settings, docs: list[Document] | None = None) -> IndexStatus:
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexError_ as exc:
        return IndexStatus("missing", str(exc))
    docs = load_corpus_with_skips(settings.corpus_dir, ocr_langs=settings.ocr_langs)[0] if docs is None else docs
    for key, value in build_settings(settings).items():
        if manifest.get(key) != value:
            return IndexStatus("stale", f"{key} changed ({manifest.get(key)} -> {value})")
    indexed = {d: info.get("hash") for d, info in manifest.get("documents", {}).items()}
    current = {doc.doc_id: doc.metadata["content_hash"] for doc in docs}
    if indexed != current:
        added = sorted(set(current) - set(indexed))
        removed = sorted(set(indexed) - set(current))
        changed = sorted(d for d in set(current) & set(indexed) if current[d] != indexed[d])
        return IndexStatus(
            "stale", f"corpus changed (added {added}, removed {removed}, changed {changed})", searchable=True
        )
    return IndexStatus("fresh", searchable=True)


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # indexed documents whose pages were OCR'd or left out (no text layer): one line each, never silent
    notices: list[Skipped] = field(default_factory=list)
    chunks: int = 0
    embedded_chunks: int = 0
    written: bool = False
    mirror: str = ""  # what an external vector store was sent, when one is configured
    timings_s: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.removed)} removed",
            f"{len(self.skipped)} skipped",
        ]
        return ", ".join(parts) + f"; {self.chunks} chunks ({self.embedded_chunks} embedded)"


@contextlib.contextmanager
def index_lock(index_dir: Path, timeout: float = 120.0) -> Iterator[None]:
    """One writer at a time; a second one waits up to ``timeout`` seconds, then fails clearly."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK_FILE, "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    raise IndexBusy(f"the index is being written by {holder}; try again later") from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _previous(settings: Settings, rebuild: bool) -> IndexData | None:
    if rebuild:
        return None
    try:
        data = load_index(settings.index_dir)
    except IndexError_:
        return None
    if any(data.manifest.get(k) != v for k, v in build_settings(settings).items()):
        return None
    return data


@dataclass
class _Corpus:
    """The corpus folder as read at one moment: its files' identities, the documents and the skip lines."""

    files: list[tuple[str, int, int, int]]  # name, size, mtime_ns, inode of each corpus file
    docs: list[Document]
    skipped: list[Skipped]


def _corpus_files_state(settings: Settings) -> list[tuple[str, int, int, int]]:
    # every write to the corpus is an atomic rename: a new inode and mtime, so any change shows here
    state = []
    for path in corpus_files(settings.corpus_dir) if settings.corpus_dir.is_dir() else []:
        st = path.stat()
        state.append((path.name, st.st_size, st.st_mtime_ns, st.st_ino))
    return state


def _read_corpus(settings: Settings, seen: _Corpus | None = None) -> _Corpus:
    """The corpus, parsed; ``seen`` (an earlier read) is reused when no file changed since."""
    files = _corpus_files_state(settings)
    if seen is not None and seen.files == files:
        return seen
    docs, skipped = load_corpus_with_skips(settings.corpus_dir, ocr_langs=settings.ocr_langs)
    return _Corpus(files, docs, skipped)


# (doc id, content hash) -> the document's chunks and their vectors, made before the writer lock was taken
Prepared = dict[tuple[str, str], tuple[list[Chunk], np.ndarray]]


def sync_index(
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    rebuild: bool = False,
    show_progress: bool = True,
) -> SyncReport:
    """Bring the index in line with the corpus folder, embedding only what changed.

    Parsing, OCR, chunking and embedding run before the writer lock is taken, so a long scan or a big file
    never holds other writers; under the lock the corpus and the index are read again, what changed meanwhile
    (a document removed, the same file added by another writer, an index written by another) is taken into
    account, and only the merge and the swap remain (issue #29).
    """
    started = time.perf_counter()
    corpus = _read_corpus(settings)
    read = time.perf_counter()
    prepared: Prepared = {}
    old = _previous(settings, rebuild)
    fresh = _fresh(corpus.docs, old)
    if fresh:
        embedder = embedder or Embedder(settings.embedder)
        chunks, vectors = _chunk_and_embed(fresh, settings, embedder, show_progress)
        for doc in fresh:
            rows = [i for i, c in enumerate(chunks) if c.doc_id == doc.doc_id]
            prepared[(doc.doc_id, doc.metadata["content_hash"])] = ([chunks[i] for i in rows], vectors[rows])
    del old  # the locked part reads the index again: another writer may have swapped in a new version
    embedded = time.perf_counter()
    with index_lock(settings.index_dir, settings.lock_timeout):
        report = _sync_locked(
            settings, embedder, rebuild=rebuild, show_progress=show_progress, corpus=corpus, prepared=prepared
        )
    for key, seconds in (("read", read - started), ("embed", embedded - read), ("total", embedded - started)):
        report.timings_s[key] = report.timings_s.get(key, 0.0) + seconds
    return report


def _fresh(docs: list[Document], old: IndexData | None) -> list[Document]:
    """The documents the index ``old`` lacks or holds in another version."""
    old_docs: dict = old.manifest.get("documents", {}) if old else {}
    return [d for d in docs if old_docs.get(d.doc_id, {}).get("hash") != d.metadata["content_hash"]]


def _chunk_and_embed(
    docs: list[Document], settings: Settings, embedder: Embedder, show_progress: bool
) -> tuple[list[Chunk], np.ndarray]:
    chunks = chunk_documents(
        docs,
        max_tokens=settings.chunk_tokens,
        overlap_sentences=settings.chunk_overlap_sentences,
        count_tokens=embedder.count_tokens,
    )
    # a chunk lies inside one section, so it takes that section's kind (contents / index / references stay
    # out of answers by default)
    by_id = {d.doc_id: d for d in docs}
    chunks = [c if (kind := by_id[c.doc_id].kind_at(c.start)) == c.kind else replace(c, kind=kind) for c in chunks]
    texts = [embedding_text(c.title, c.section, c.text) for c in chunks]
    if not chunks:
        return chunks, np.zeros((0, embedder.dimension), dtype=np.float32)
    return chunks, embedder.encode(texts, show_progress=show_progress)


def shown_titles(docs: list[Document]) -> dict[str, str]:
    """Each document's title as listed and cited: with its id when another document's title looks the same
    (the same TR39 skeleton: ``Foreword`` and ``Fоreword`` with a Cyrillic о), so no two read alike."""
    groups: dict[str, list[Document]] = {}
    for doc in docs:
        groups.setdefault(skeleton(doc.title), []).append(doc)
    return {
        doc.doc_id: f"{doc.title} ({doc.doc_id})" if len(group) > 1 else doc.title
        for group in groups.values()
        for doc in group
    }


def _sync_locked(
    settings: Settings,
    embedder: Embedder | None,
    *,
    rebuild: bool,
    show_progress: bool,
    corpus: _Corpus | None = None,
    prepared: Prepared | None = None,
) -> SyncReport:
    started = time.perf_counter()
    report = SyncReport()
    corpus = _read_corpus(settings, corpus)  # read again only if a file changed while the lock was awaited
    docs, report.skipped = corpus.docs, list(corpus.skipped)
    report.notices = page_notices(docs, settings.corpus_dir)
    old = _previous(settings, rebuild)
    old_docs: dict = old.manifest.get("documents", {}) if old else {}
    old_rows: dict[str, list[int]] = {}
    if old:
        for row, chunk in enumerate(old.chunks):
            old_rows.setdefault(chunk.doc_id, []).append(row)

    fresh = _fresh(docs, old)
    for doc in docs:
        if doc.doc_id not in old_docs:
            report.added.append(doc.doc_id)
        elif doc in fresh:
            report.updated.append(doc.doc_id)
        else:
            report.unchanged.append(doc.doc_id)
    report.removed = sorted(set(old_docs) - {d.doc_id for d in docs})
    if old and not fresh and not report.removed:
        report.chunks = len(old.chunks)
        report.timings_s["total"] = time.perf_counter() - started
        return report

    embedder = embedder or Embedder(settings.embedder)
    # what was embedded before the lock is used as it is; what changed meanwhile is embedded now
    ready = [d for d in fresh if (d.doc_id, d.metadata["content_hash"]) in (prepared or {})]
    late = [d for d in fresh if d not in ready]
    chunked = time.perf_counter()
    late_chunks, late_vectors = _chunk_and_embed(late, settings, embedder, show_progress)
    parts = [(prepared or {})[(d.doc_id, d.metadata["content_hash"])] for d in ready] + [(late_chunks, late_vectors)]
    new_chunks = [c for chunks_of_doc, _ in parts for c in chunks_of_doc]
    new_vectors = np.concatenate([v for _, v in parts]) if new_chunks else None
    embedded = time.perf_counter()
    tokenizer = old.bm25_tokenizer if old else make_bm25_tokenizer()
    new_tokens = tokenize(tokenizer, [c.text for c in new_chunks], [c.language for c in new_chunks])

    new_by_doc: dict[str, list[int]] = {}
    for i, chunk in enumerate(new_chunks):
        new_by_doc.setdefault(chunk.doc_id, []).append(i)
    chunks: list[Chunk] = []
    vector_parts: list[np.ndarray] = []
    tokens: list[list[int]] = []
    old_vectors = old.vectors() if old and old.dense.ntotal else None
    fresh_ids = {d.doc_id for d in fresh}
    for doc in docs:
        if doc.doc_id in fresh_ids:
            rows = new_by_doc.get(doc.doc_id, [])
            chunks += [new_chunks[i] for i in rows]
            if rows and new_vectors is not None:
                vector_parts.append(new_vectors[rows])
            tokens += [new_tokens[i] for i in rows]
        else:
            rows = old_rows.get(doc.doc_id, [])
            chunks += [old.chunks[i] for i in rows]  # type: ignore[union-attr]
            if rows and old_vectors is not None:
                vector_parts.append(old_vectors[rows])
            tokens += [old.token_ids[i] for i in rows]  # type: ignore[union-attr]
    dimension = embedder.dimension
    vectors = np.concatenate(vector_parts) if vector_parts else np.zeros((0, dimension), dtype=np.float32)
    titles = shown_titles(docs)
    chunks = [c if c.title == titles[c.doc_id] else replace(c, title=titles[c.doc_id]) for c in chunks]

    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    counts = Counter(c.doc_id for c in chunks)
    per_doc = {}
    for doc in docs:
        previous = old_docs.get(doc.doc_id, {})
        per_doc[doc.doc_id] = {
            "hash": doc.metadata["content_hash"],
            "title": titles[doc.doc_id],
            "authors": list(doc.metadata.get("authors") or []),
            "source_file": doc.metadata.get("source_file", ""),
            "pages": _page_range(doc),
            "chunks": counts[doc.doc_id],
            "ocr_pages": doc.metadata.get("ocr_pages", []),
            "pages_without_text": doc.metadata.get("pages_without_text", []),
            "added": previous.get("added", now),
            "indexed": now if doc.doc_id in fresh_ids else previous.get("indexed", now),
        }
    manifest = {**build_settings(settings), "embedder_dimension": dimension, "documents": per_doc}
    write_index(settings.index_dir, manifest, chunks, vectors, tokens, tokenizer, dense_spec(settings, len(chunks)))
    done = time.perf_counter()
    report.chunks = len(chunks)
    report.embedded_chunks = len(new_chunks)
    report.written = True
    if settings.vector_store != "faiss":
        # an external store (Milvus / Qdrant) follows each new version before the writer lock is released
        from journalqa.index.vectorstores import sync_vector_store

        report.mirror = sync_vector_store(settings).summary()
    report.timings_s = {
        "chunk": chunked - started,
        "embed": embedded - chunked,
        "write": done - embedded,
        "total": done - started,
    }
    return report


def build_index(settings: Settings, embedder: Embedder | None = None, show_progress: bool = True) -> SyncReport:
    """Rebuild the whole index from the corpus folder."""
    return sync_index(settings, embedder, rebuild=True, show_progress=show_progress)


def _page_range(doc: Document) -> str:
    """The printed pages (``1001–1010``); a PDF whose pages print no number: its own pages (``PDF p. 1–5``)."""
    printed = [m for m in doc.pages if m.page]
    if not printed:
        numbered = [m.pdf_page for m in doc.pages if m.pdf_page]
        if not numbered:
            return ""
        return f"PDF p. {numbered[0]}" + (f"–{numbered[-1]}" if numbered[-1] != numbered[0] else "")
    first, last = printed[0], printed[-1]
    approx = "~" if first.approximate or last.approximate else ""
    return approx + (first.page if first.page == last.page else f"{first.page}–{last.page}")


def embedding_text(title: str, section: str, text: str) -> str:
    # The title gives every chunk its article's topic, which short chunks otherwise lack.
    return f"{title}. {text}" if title else text
