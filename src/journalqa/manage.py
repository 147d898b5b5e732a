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
from typing import TYPE_CHECKING

from journalqa.config import Settings
from journalqa.docfile import content_hash, is_doc_id, slugify
from journalqa.embed import Embedder
from journalqa.indexing import SyncReport, index_lock, sync_index
from journalqa.ingest import (
    SUFFIXES,
    IngestError,
    Skipped,
    corpus_files,
    decode_text,
    document_id,
    load_file,
    looks_like_journal_issue,
)
from journalqa.store import IndexError_, read_manifest

if TYPE_CHECKING:
    from journalqa.ingest.journal import SplitDocument

# a file name of up to 255 bytes is what Linux file systems take; leave room for a "-2" and a temp prefix
MAX_NAME_BYTES = 200


@dataclass(frozen=True)
class Renamed:
    """A file stored under another name, so that its document gets an id of its own."""

    original: str
    stored: str
    doc_id: str
    reason: str


@dataclass(frozen=True)
class RemovedDocument:
    doc_id: str
    source_file: str
    chunks: int

    def __str__(self) -> str:
        return f"{self.doc_id} ({self.source_file}, {self.chunks} chunks)"


@dataclass
class AddReport:
    accepted: list[Path] = field(default_factory=list)
    duplicates: list[Skipped] = field(default_factory=list)
    rejected: list[Skipped] = field(default_factory=list)
    renamed: list[Renamed] = field(default_factory=list)
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
    ocr_pages: list[str] = field(default_factory=list)  # printed labels of pages read by OCR
    pages_without_text: list[str] = field(default_factory=list)  # left out: no text layer, OCR unavailable


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
        raise IngestError(f"unusable file name {name[:60]!r}")
    return _shorten(base)


def _shorten(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """Cut an over-long stem (by UTF-8 bytes, on a character boundary) and keep the suffix."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, suffix = Path(name).stem, Path(name).suffix
    budget = limit - len(suffix.encode("utf-8"))
    cut = stem.encode("utf-8")[: max(budget, 1)].decode("utf-8", errors="ignore").rstrip(" .-")
    return (cut or "document") + suffix


def _known_hashes(corpus_dir: Path) -> dict[str, Path]:
    known = {}
    for path in corpus_files(corpus_dir) if corpus_dir.is_dir() else []:
        known[content_hash(path.read_bytes())] = path
    return known


def _known_ids(corpus_dir: Path) -> dict[str, str]:
    """doc id -> file name for the corpus folder (the first file by name wins, as when indexing)."""
    ids: dict[str, str] = {}
    for path in corpus_files(corpus_dir) if corpus_dir.is_dir() else []:
        ids.setdefault(document_id(path), path.name)
    return ids


def _remove_partial_copies(corpus_dir: Path) -> None:
    # a writer killed mid-copy leaves a hidden .part file; the next writer clears it
    for leftover in corpus_dir.glob(".incoming-*.part"):
        leftover.unlink(missing_ok=True)


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
        _remove_partial_copies(corpus_dir)
        known = _known_hashes(corpus_dir)
        # the corpus's ids are read once per batch and kept up to date as files are written
        ids = _known_ids(corpus_dir)
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
                written = _accept(path, name, data, corpus_dir, ids, report, ocr_langs=settings.ocr_langs)
                report.accepted += written
                known[digest] = written[-1]
                for stored in written:
                    ids.setdefault(document_id(stored), stored.name)
            except IngestError as exc:
                report.rejected.append(Skipped(path, str(exc)))
            except OSError as exc:  # one unreadable or unwritable file must not abort the batch
                report.rejected.append(
                    Skipped(path, f"could not read or store it ({exc.strerror or type(exc).__name__})")
                )
    report.sync = sync_index(settings, embedder, show_progress=show_progress)
    return report


def _accept(
    path: Path, name: str, data: bytes, corpus_dir: Path, ids: dict[str, str], report: AddReport, *, ocr_langs: str
) -> list[Path]:
    """Validate by loading, then place the file (or the split issue) in the corpus folder atomically.

    A document never takes over another file's id: a file whose id is already used by a file of another
    name is stored under a new name (``lake.pdf`` beside ``lake.txt`` becomes ``lake-2.pdf``, id
    ``lake-2``); an id declared in Markdown front matter is refused instead, since renaming cannot change it.
    ``ids`` maps the corpus's doc ids to their file names.
    """
    suffix = Path(name).suffix.lower()
    if suffix == ".txt":
        text = decode_text(data, name)
        if looks_like_journal_issue(text):
            from journalqa.ingest import split_issue

            return _write_articles(split_issue(text, name), ids, corpus_dir)
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / name
        probe.write_bytes(data)
        loaded = load_file(probe, ocr_langs=ocr_langs)  # raises IngestError with the one-line reason
    if suffix == ".pdf":
        from journalqa.ingest.journal_pdf import split_document

        # a journal issue sent as a PDF: one Markdown file per article, as the issue's text would give
        if articles := split_document(loaded, name):
            return _write_articles(articles, ids, corpus_dir)
    doc_id = loaded.doc_id
    owner = ids.get(doc_id)
    if owner is not None and owner != name:
        if suffix in {".md", ".markdown"} and doc_id != slugify(Path(name).stem):
            raise IngestError(f"its front matter doc_id {doc_id!r} is already used by {owner}")
        stored = _free_name(name, ids, corpus_dir)
        report.renamed.append(Renamed(name, stored, slugify(Path(stored).stem), f"id {doc_id!r} is used by {owner}"))
        name = stored
    return [_write_atomic(corpus_dir / name, data)]


def _write_articles(docs: list[SplitDocument], ids: dict[str, str], corpus_dir: Path) -> list[Path]:
    for doc in docs:
        owner = ids.get(doc.doc_id)
        if owner is not None and owner != f"{doc.doc_id}.md":
            raise IngestError(f"its article id {doc.doc_id!r} is already used by {owner}")
    return [_write_atomic(corpus_dir / f"{doc.doc_id}.md", doc.to_markdown().encode("utf-8")) for doc in docs]


def _free_name(name: str, ids: dict[str, str], corpus_dir: Path) -> str:
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(2, 10_000):
        candidate = _shorten(f"{stem}-{n}{suffix}", MAX_NAME_BYTES + 10)
        if slugify(Path(candidate).stem) not in ids and not (corpus_dir / candidate).exists():
            return candidate
    raise IngestError(f"no free document id for {name[:60]!r}")


def _write_atomic(target: Path, data: bytes) -> Path:
    # a short hidden temp name: the target's own name may already be near the file-name length limit
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def remove_documents(
    settings: Settings, doc_ids: Iterable[str], *, embedder: Embedder | None = None
) -> tuple[list[RemovedDocument], list[str], SyncReport]:
    """Delete the documents' files from the corpus folder and their chunks from the index.

    Exactly the file whose document has the id is removed: ids are unique in the corpus, so no other
    document can take the id over afterwards.
    """
    wanted = list(dict.fromkeys(doc_ids))
    chunks = {info.doc_id: info.chunks for info in list_documents(settings)}
    removed: list[RemovedDocument] = []
    with index_lock(settings.index_dir, settings.lock_timeout):
        owners = _known_ids(settings.corpus_dir)
        for doc_id in wanted:
            if doc_id in owners:
                (settings.corpus_dir / owners[doc_id]).unlink()
                removed.append(RemovedDocument(doc_id, owners[doc_id], chunks.get(doc_id, 0)))
    sync = sync_index(settings, embedder, show_progress=False)
    unknown = [d for d in wanted if d not in owners]
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
            ocr_pages=list(info.get("ocr_pages", [])),
            pages_without_text=list(info.get("pages_without_text", [])),
        )
        for doc_id, info in manifest.get("documents", {}).items()
    ]


def document_text(settings: Settings, doc_id: str):  # noqa: ANN201 - Document
    """The full document for a reader view: the corpus file, of any type, parsed as for indexing.

    Only files inside the corpus folder are looked at, found by the same id the index uses; anything
    that is not a well-formed id (``../x``) is unknown without touching the file system.
    """
    if not is_doc_id(doc_id):
        raise KeyError(doc_id)
    owner = _known_ids(settings.corpus_dir).get(doc_id)
    if owner is None:
        raise KeyError(doc_id)
    try:
        doc = load_file(settings.corpus_dir / owner, ocr_langs=settings.ocr_langs)
    except IngestError as exc:
        raise KeyError(doc_id) from exc
    if doc.doc_id != doc_id:
        raise KeyError(doc_id)
    return doc


__all__ = [
    "AddReport",
    "DocumentInfo",
    "RemovedDocument",
    "Renamed",
    "add_paths",
    "document_text",
    "list_documents",
    "remove_documents",
    "safe_name",
]
