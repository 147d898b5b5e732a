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

from pathlib import Path

from journalqa.types import Document

from .base import IngestError, Skipped, decode_text, document_id
from .journal import looks_like_journal_issue, split_file, split_issue
from .markdown import markdown_document
from .plaintext import text_document
from .pypdf_text import pypdf_document

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
    "split_file",
    "split_issue",
]

SUFFIXES = (".md", ".markdown", ".txt", ".pdf")


def load_file(path: Path) -> Document:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(f"unsupported file type {suffix or '(none)'}: use PDF, .txt or .md")
    if suffix == ".pdf":
        if path.stat().st_size == 0:
            raise IngestError("empty file")
        return pypdf_document(path)
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


def load_corpus_with_skips(corpus_dir: Path) -> tuple[list[Document], list[Skipped]]:
    docs: list[Document] = []
    skipped: list[Skipped] = []
    seen: dict[str, Path] = {}
    for path in corpus_files(corpus_dir):
        try:
            doc = load_file(path)
        except IngestError as exc:
            skipped.append(Skipped(path, str(exc)))
            continue
        if doc.doc_id in seen:
            skipped.append(Skipped(path, f"document id {doc.doc_id!r} already used by {seen[doc.doc_id].name}"))
            continue
        seen[doc.doc_id] = path
        docs.append(doc)
    return docs, skipped


def load_corpus(corpus_dir: Path) -> list[Document]:
    return load_corpus_with_skips(corpus_dir)[0]
