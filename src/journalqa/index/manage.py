"""Adding, replacing and removing documents: the corpus folder changes, then the index syncs.

The corpus folder (``Settings.corpus_dir``) keeps a copy of every accepted file, so the index can
always be rebuilt from it. A document is identified by the hash of its bytes: the same bytes under
another name are a duplicate; a known file name with new bytes replaces the old document.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from journalqa.config import Settings
from journalqa.index.build import SyncReport, index_lock, sync_index
from journalqa.index.embed import Embedder
from journalqa.index.store import IndexError_, read_manifest
from journalqa.ingest import (
    SUFFIXES,
    IngestError,
    Skipped,
    corpus_files,
    decode_text,
    document_id,
    load_file,
    looks_like_journal_issue,
    plain_os_error,
)
from journalqa.ingest.docfile import content_hash, is_doc_id, look_alike, slugify
from journalqa.types import Document

if TYPE_CHECKING:
    from journalqa.ingest.journal import SplitDocument

# a file name of up to 255 bytes is what Linux file systems take; leave room for a "-2" and a temp prefix
MAX_NAME_BYTES = 200
CORPUS_FILE_MODE = 0o644
log = logging.getLogger(__name__)


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
    authors: list[str] = field(default_factory=list)  # as the document names them (its first page, its metadata)


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


@dataclass
class _Candidate:
    """A file read, parsed (and OCR'd) outside the writer lock, waiting to be placed in the corpus under it."""

    path: Path
    name: str
    digest: str  # of the bytes parsed; the file is read again to be written (a batch is not held in memory)
    loaded: Document | None = None  # None: a journal issue in the text format, placed as its articles
    articles: list[SplitDocument] = field(default_factory=list)


def add_paths(
    settings: Settings,
    paths: Iterable[Path],
    *,
    embedder: Embedder | None = None,
    show_progress: bool = True,
    names: dict[Path, str] | None = None,
) -> AddReport:
    """Copy acceptable files into the corpus folder and sync the index; bad files are listed, not fatal.

    ``names`` maps an uploaded temporary path to the user's file name (the UI's uploads). The slow part, reading,
    parsing and OCR, runs before the writer lock is taken; under it every file is checked again against what
    the corpus holds by then (a duplicate, a taken or look-alike id) and written. Embedding runs outside the
    lock too (``sync_index``).
    """
    report = AddReport()
    files, report.rejected = expand(paths)
    corpus_dir = settings.corpus_dir
    corpus_dir.mkdir(parents=True, exist_ok=True)
    candidates: list[_Candidate] = []
    for path in files:
        with _one_file(path, report):
            candidates.append(_prepare(path, (names or {}).get(path, path.name), settings))
    with index_lock(settings.index_dir, settings.lock_timeout):
        _remove_partial_copies(corpus_dir)
        known = _known_hashes(corpus_dir)
        # the corpus's ids are read once per batch, under the lock, and kept up to date as files are written
        ids = _known_ids(corpus_dir)
        for candidate in candidates:
            with _one_file(candidate.path, report):
                if candidate.digest in known and known[candidate.digest].name != candidate.name:
                    same = known[candidate.digest].name
                    report.duplicates.append(Skipped(candidate.path, f"same content as {same}; skipped"))
                    continue
                written = _place(candidate, corpus_dir, ids, report)
                report.accepted += written
                known[candidate.digest] = written[-1]
                for stored in written:
                    ids.setdefault(document_id(stored), stored.name)
    report.sync = sync_index(settings, embedder, show_progress=show_progress)
    return report


@contextlib.contextmanager
def _one_file(path: Path, report: AddReport) -> Iterator[None]:
    """One file's failure, whatever it is, is a skip line for that file: the rest of the batch goes on."""
    try:
        yield
    except IngestError as exc:
        report.rejected.append(Skipped(path, str(exc)))
    except OSError as exc:  # an unreadable or unwritable file
        report.rejected.append(Skipped(path, f"could not read or store it ({plain_os_error(exc)})"))
    except Exception:  # a parser's bug on a hostile file: logged for the operator, one plain line for the user
        log.exception("adding %s failed", path.name)
        report.rejected.append(Skipped(path, "could not be read (an unexpected error; details in the log)"))


def _prepare(path: Path, given_name: str, settings: Settings) -> _Candidate:
    """Read, check and parse one file (OCR included) without the lock; IngestError with the one-line reason."""
    name = safe_name(given_name)
    suffix = Path(name).suffix.lower()
    if path.suffix.lower() not in SUFFIXES and suffix not in SUFFIXES:
        raise IngestError(f"unsupported file type {Path(name).suffix or '(none)'}: use PDF, .txt or .md")
    size = path.stat().st_size
    limit = settings.max_upload_mb * 1024 * 1024
    if size > limit:
        raise IngestError(f"file is {size / 2**20:.0f} MB, over the {settings.max_upload_mb} MB limit")
    data = path.read_bytes()
    candidate = _Candidate(path, name, content_hash(data))
    if suffix == ".txt":
        text = decode_text(data, name)
        _check_text_size(len(text), settings)
        if looks_like_journal_issue(text):
            from journalqa.ingest import split_issue

            candidate.articles = split_issue(text, name)
            return candidate
    with tempfile.TemporaryDirectory(prefix="journalqa-probe-") as tmp:
        probe = Path(tmp) / name
        probe.write_bytes(data)
        if suffix == ".pdf":
            _check_pages(probe, settings)
        # raises IngestError with the one-line reason; the OCR'd copy is cached for the indexing that follows
        candidate.loaded = load_file(probe, ocr_langs=settings.ocr_langs)
    _check_text_size(len(candidate.loaded.text), settings)
    if suffix == ".pdf":
        from journalqa.ingest.journal_pdf import split_document

        # a journal issue sent as a PDF: one Markdown file per article, as the issue's text would give
        candidate.articles = split_document(candidate.loaded, name) or []
    return candidate


def _check_pages(pdf: Path, settings: Settings) -> None:
    from journalqa.ingest.ocr import page_count

    pages = page_count(pdf)
    if pages is not None and pages > settings.max_pages:
        raise IngestError(f"PDF has {pages:,} pages, over the {settings.max_pages:,}-page limit (JOURNALQA_MAX_PAGES)")


def _check_text_size(chars: int, settings: Settings) -> None:
    if chars > settings.max_text_chars:
        raise IngestError(
            f"its text is {chars:,} characters, over the {settings.max_text_chars:,} limit (JOURNALQA_MAX_TEXT_CHARS)"
        )


def _place(candidate: _Candidate, corpus_dir: Path, ids: dict[str, str], report: AddReport) -> list[Path]:
    """Place the file (or its articles) in the corpus folder atomically, its id checked against the corpus now.

    A document never takes over another file's id: a file whose id is already used by a file of another
    name is stored under a new name (``lake.pdf`` beside ``lake.txt`` becomes ``lake-2.pdf``, id
    ``lake-2``); an id declared in Markdown front matter is refused instead, since renaming cannot change it;
    an id that only looks like another (``fоreword`` with a Cyrillic о) is refused. ``ids`` maps the corpus's
    doc ids to their file names.
    """
    if candidate.articles:
        return _write_articles(candidate.articles, ids, corpus_dir)
    assert candidate.loaded is not None
    name, suffix = candidate.name, Path(candidate.name).suffix.lower()
    doc_id = candidate.loaded.doc_id
    _refuse_look_alike(doc_id, name, ids)
    owner = ids.get(doc_id)
    if owner is not None and owner != name:
        if suffix in {".md", ".markdown"} and doc_id != slugify(Path(name).stem):
            raise IngestError(f"its front matter doc_id {doc_id!r} is already used by {owner}")
        stored = _free_name(name, ids, corpus_dir)
        report.renamed.append(Renamed(name, stored, slugify(Path(stored).stem), f"id {doc_id!r} is used by {owner}"))
        name = stored
    data = candidate.path.read_bytes()
    if content_hash(data) != candidate.digest:
        raise IngestError("the file changed while it was being read; add it again")
    return [_write_atomic(corpus_dir / name, data)]


def _refuse_look_alike(doc_id: str, name: str, ids: dict[str, str]) -> None:
    """IngestError when ``doc_id`` reads like another document's id without being it (TR39 skeletons)."""
    twin = look_alike(doc_id, ids)
    if twin is not None and ids[twin] != name:
        raise IngestError(f"its id {doc_id!r} looks the same as the id of {twin!r} ({ids[twin]}); rename the file")


def _write_articles(docs: list[SplitDocument], ids: dict[str, str], corpus_dir: Path) -> list[Path]:
    for doc in docs:
        _refuse_look_alike(doc.doc_id, f"{doc.doc_id}.md", ids)
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
        # mkstemp makes the file owner-only; a corpus file is readable like the originals beside it
        os.fchmod(fd, CORPUS_FILE_MODE)
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
                try:
                    (settings.corpus_dir / owners[doc_id]).unlink()
                except OSError as exc:  # one line without errno or server path ("read-only file system")
                    raise IngestError(f"could not remove {owners[doc_id]}: {plain_os_error(exc)}") from None
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
            authors=list(info.get("authors", [])),
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
