"""Load documents from files, each a Document or a one-line reason: the ingest package.

The corpus folder is the source of truth: every supported file in it is a document (a whole journal issue in
the known text format is first split into one Markdown file per article).

One module per source format: ``journal`` (a journal issue's extracted text, split into articles),
``pdf`` (laid-out PDF pages read by ``pdf_layout``; scanned pages through ``ocr``), ``plaintext``,
``markdown``. One module per cleaning pass, shared by the formats: ``headers`` (running headers and page
numbers), ``footnotes``, ``normalize`` (compatibility characters, invisible characters), ``hyphens`` (line-end
hyphens), ``structure`` (title, authors, headings, section kinds). ``base`` holds what all of them share.
"""

from __future__ import annotations

import logging
from pathlib import Path

from journalqa.config import Settings
from journalqa.types import Document

from .base import IngestError, Skipped, decode_text, document_id, plain_os_error, with_source
from .journal import looks_like_journal_issue, split_file, split_issue
from .markdown import markdown_document
from .plaintext import text_document

__all__ = [
    "SUFFIXES",
    "IngestError",
    "Skipped",
    "corpus_files",
    "decode_text",
    "document_id",
    "load_corpus",
    "load_corpus_with_skips",
    "load_file",
    "looks_like_journal_issue",
    "page_notices",
    "plain_os_error",
    "split_file",
    "split_issue",
]

SUFFIXES = (".md", ".markdown", ".txt", ".pdf")
log = logging.getLogger(__name__)
# Settings.ocr_langs' default, for callers without settings (the journalqa.config value is the one source)
DEFAULT_OCR_LANGS = Settings.__dataclass_fields__["ocr_langs"].default


def load_file(path: Path, *, ocr_langs: str = DEFAULT_OCR_LANGS, ocr_cache: Path | None = None) -> Document:
    """One file as a Document, or IngestError with the one-line reason.

    A PDF's pages without a usable text layer are OCR'd in ``ocr_langs`` (Tesseract languages, ``eng+rus``)
    when the tools are installed; otherwise the document holds its text pages only and says which pages it left
    out and what to install (``page_notices``). OCR'd copies are cached in ``ocr_cache`` (default: the user's
    cache folder) so a scan is read once.
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(f"unsupported file type {suffix or '(none)'}: use PDF, .txt or .md")
    if suffix == ".pdf":
        if path.stat().st_size == 0:
            raise IngestError("empty file")
        from .ocr import default_cache_dir
        from .pdf import pdf_document, tesseract_ocr

        hook = tesseract_ocr(ocr_langs, ocr_cache or default_cache_dir())
        doc = pdf_document(path, document_id(path), ocr=hook)
        if doc.metadata.get("ocr_pages"):
            doc.metadata["ocr_langs"] = ocr_langs
        return with_source(doc, path, title=doc.title)
    text = decode_text(path.read_bytes(), path.name)
    if suffix == ".txt":
        return text_document(text, path)
    return markdown_document(text, path)


def corpus_files(corpus_dir: Path) -> list[Path]:
    if not corpus_dir.is_dir():
        raise IngestError(f"corpus folder {corpus_dir} does not exist")
    # dot files are never documents: they are partial copies of an add in progress (or an editor's)
    return sorted(
        p for p in corpus_dir.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
    )


def load_corpus_with_skips(
    corpus_dir: Path, *, ocr_langs: str = DEFAULT_OCR_LANGS
) -> tuple[list[Document], list[Skipped]]:
    docs: list[Document] = []
    skipped: list[Skipped] = []
    seen: dict[str, Path] = {}
    for path in corpus_files(corpus_dir):
        try:
            doc = load_file(path, ocr_langs=ocr_langs)
        except IngestError as exc:
            skipped.append(Skipped(path, str(exc)))
            continue
        except OSError as exc:  # unreadable: one line without errno or path, the rest of the corpus goes on
            skipped.append(Skipped(path, f"could not be read ({plain_os_error(exc)})"))
            continue
        except Exception:  # a parser's bug on one file must not lose the others: logged, and one plain line
            log.exception("reading %s failed", path.name)
            skipped.append(Skipped(path, "could not be read (an unexpected error; details in the log)"))
            continue
        if doc.doc_id in seen:
            skipped.append(Skipped(path, f"document id {doc.doc_id!r} already used by {seen[doc.doc_id].name}"))
            continue
        seen[doc.doc_id] = path
        docs.append(doc)
    return docs, skipped


def load_corpus(corpus_dir: Path, *, ocr_langs: str = DEFAULT_OCR_LANGS) -> list[Document]:
    return load_corpus_with_skips(corpus_dir, ocr_langs=ocr_langs)[0]


def page_notices(docs: list[Document], folder: Path) -> list[Skipped]:
    """One line per document whose pages were OCR'd or left out, so that no page goes missing unsaid."""
    notices: list[Skipped] = []
    for doc in docs:
        path = folder / doc.metadata.get("source_file", doc.doc_id)
        missing = doc.metadata.get("pages_without_text") or []
        if missing:
            reason = doc.metadata.get("ocr_notice") or "OCR not run"
            notices.append(Skipped(path, f"{_pages(missing)} without a text layer left out of the index; {reason}"))
        ocred = doc.metadata.get("ocr_pages") or []
        if ocred:
            notices.append(Skipped(path, f"{_pages(ocred)} read by OCR ({doc.metadata.get('ocr_langs', '')})"))
    return notices


def _pages(labels: list[str]) -> str:
    return f"{len(labels)} page{'s' if len(labels) != 1 else ''} ({', '.join(labels)})"
