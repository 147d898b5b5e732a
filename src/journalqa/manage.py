"""Adding, replacing and removing documents: the corpus folder changes, then the index syncs.

The corpus folder (``Settings.corpus_dir``) keeps a copy of every accepted file, so the index can
always be rebuilt from it. A document is identified by the hash of its bytes: the same bytes under
another name are a duplicate; a known file name with new bytes replaces the old document.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from journalqa.config import Settings
from journalqa.docfile import content_hash, read_document
from journalqa.embed import Embedder
from journalqa.indexing import SyncReport, index_lock, sync_index
from journalqa.ingest import (
    SUFFIXES,
    IngestError,
    Skipped,
    corpus_files,
    decode_text,
    load_corpus_with_skips,
    load_file,
    looks_like_journal_issue,
)
from journalqa.store import IndexError_, read_manifest


@dataclass
class AddReport:
    accepted: list[Path] = field(default_factory=list)
    duplicates: list[Skipped] = field(default_factory=list)
    rejected: list[Skipped] = field(default_factory=list)
    sync: SyncReport | None = None

    @property
    def skipped(self) -> list[Skipped]:
        return self.duplicates + self.rejected + (self.sync.skipped if self.sync else [])

    def summary(self) -> str:
        sync = self.sync or SyncReport()
        return (
            f"{len(sync.added)} added, {len(sync.updated)} updated, {len(sync.unchanged)} unchanged, "
            f"{len(self.skipped)} skipped; {sync.chunks} chunks ({sync.embedded_chunks} embedded)"
        )


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str
    title: str
    pages: str
    chunks: int
    added: str
    source_hash: str
    source_file: str


def expand(paths: Iterable[Path]) -> tuple[list[Path], list[Skipped]]:
    """Files given directly, and the files inside folders (recursively), with unreadable ones listed."""
    files: list[Path] = []
    missing: list[Skipped] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(Skipped(path, "no such file or folder"))
    return files, missing


def safe_name(name: str) -> str:
    """A bare file name that cannot leave the corpus folder (no separators, no '..', no hidden files)."""
    base = os.path.basename(name.replace("\\", "/")).strip().lstrip(".")
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    if not base or base in {".", ".."}:
        raise IngestError(f"unusable file name {name!r}")
    return base


def _known_hashes(corpus_dir: Path) -> dict[str, Path]:
    known = {}
    for path in corpus_files(corpus_dir) if corpus_dir.is_dir() else []:
        known[content_hash(path.read_bytes())] = path
    return known


def add_paths(
    settings: Settings,
    paths: Iterable[Path],
    *,
    embedder: Embedder | None = None,
    show_progress: bool = True,
    names: dict[Path, str] | None = None,
) -> AddReport:
    """Copy acceptable files into the corpus folder and sync the index; bad files are listed, not fatal.

    ``names`` maps an uploaded temporary path to the user's file name (the UI's uploads).
    """
    report = AddReport()
    files, report.rejected = expand(paths)
    corpus_dir = settings.corpus_dir
    corpus_dir.mkdir(parents=True, exist_ok=True)
    limit = settings.max_upload_mb * 1024 * 1024
    with index_lock(settings.index_dir, settings.lock_timeout):
        known = _known_hashes(corpus_dir)
        for path in files:
            try:
                name = safe_name((names or {}).get(path, path.name))
                if path.suffix.lower() not in SUFFIXES and Path(name).suffix.lower() not in SUFFIXES:
                    raise IngestError(f"unsupported file type {Path(name).suffix or '(none)'}: use PDF, .txt or .md")
                size = path.stat().st_size
                if size > limit:
                    raise IngestError(f"file is {size / 2**20:.0f} MB, over the {settings.max_upload_mb} MB limit")
                data = path.read_bytes()
                digest = content_hash(data)
                if digest in known and known[digest].name != name:
                    report.duplicates.append(Skipped(path, f"same content as {known[digest].name}; skipped"))
                    continue
                report.accepted += _accept(path, name, data, corpus_dir)
                known[digest] = corpus_dir / name
            except IngestError as exc:
                report.rejected.append(Skipped(path, str(exc)))
    report.sync = sync_index(settings, embedder, show_progress=show_progress)
    return report


def _accept(path: Path, name: str, data: bytes, corpus_dir: Path) -> list[Path]:
    """Validate by loading, then place the file (or the split issue) in the corpus folder atomically."""
    suffix = Path(name).suffix.lower()
    if suffix == ".txt":
        text = decode_text(data, name)
        if looks_like_journal_issue(text):
            from journalqa.corpus import split_issue

            written = []
            for doc in split_issue(text, name):
                written.append(_write_atomic(corpus_dir / f"{doc.doc_id}.md", doc.to_markdown().encode("utf-8")))
            return written
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / name
        probe.write_bytes(data)
        load_file(probe)  # raises IngestError with the one-line reason
    return [_write_atomic(corpus_dir / name, data)]


def _write_atomic(target: Path, data: bytes) -> Path:
    tmp = target.with_name(f".{target.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def remove_documents(
    settings: Settings, doc_ids: Iterable[str], *, embedder: Embedder | None = None
) -> tuple[list[str], list[str], SyncReport]:
    """Delete the documents' files from the corpus folder and their chunks from the index."""
    wanted = set(doc_ids)
    removed: list[str] = []
    with index_lock(settings.index_dir, settings.lock_timeout):
        docs, _ = load_corpus_with_skips(settings.corpus_dir)
        for doc in docs:
            if doc.doc_id in wanted:
                (settings.corpus_dir / doc.metadata["source_file"]).unlink()
                removed.append(doc.doc_id)
    unknown = sorted(wanted - set(removed))
    sync = sync_index(settings, embedder, show_progress=False)
    return removed, unknown, sync


def list_documents(settings: Settings) -> list[DocumentInfo]:
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexError_:
        return []
    return [
        DocumentInfo(
            doc_id=doc_id,
            title=info.get("title", ""),
            pages=info.get("pages", ""),
            chunks=int(info.get("chunks", 0)),
            added=info.get("added", ""),
            source_hash=info.get("hash", ""),
            source_file=info.get("source_file", ""),
        )
        for doc_id, info in manifest.get("documents", {}).items()
    ]


def document_text(settings: Settings, doc_id: str):  # noqa: ANN201 - Document
    """The full document for a reader view (the corpus file, parsed the same way as for indexing)."""
    for path in corpus_files(settings.corpus_dir):
        if path.stem == doc_id and path.suffix == ".md":
            return read_document(path)
    for doc in load_corpus_with_skips(settings.corpus_dir)[0]:
        if doc.doc_id == doc_id:
            return doc
    raise KeyError(doc_id)


__all__ = ["AddReport", "DocumentInfo", "add_paths", "list_documents", "remove_documents", "safe_name"]
