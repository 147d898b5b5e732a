"""Load documents from files: Markdown, plain text and PDF, each a Document or a one-line reason.

The corpus folder is the source of truth: every supported file in it is a document (a whole
journal issue in the known text format is first split into one Markdown file per article).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from journalqa.docfile import FRONT_MATTER, content_hash, is_doc_id, parse_markdown, slugify
from journalqa.types import Document, PageMark

SUFFIXES = (".md", ".markdown", ".txt", ".pdf")
JOURNAL_HEADER = re.compile(r"Kazakhstan Journal of Foreign Studies\s*•|•\s*Kazakhstan Journal of Foreign Studies")


class IngestError(Exception):
    """A file that cannot become a document; the message is the one-line reason."""


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 first; otherwise the detected legacy encoding (e.g. cp1251 from Russian-language sources)."""
    if not data.strip():
        raise IngestError("empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    candidates = [m.encoding for m in from_bytes(data)][:3] + list(LEGACY_ENCODINGS)
    decoded = []
    for encoding in dict.fromkeys(candidates):
        try:
            decoded.append(data.decode(encoding))
        except (UnicodeDecodeError, LookupError):
            continue
    # detectors confuse the Cyrillic code pages (e.g. mac_cyrillic for cp1251); the decoding
    # that yields the most letters is the one a reader would recognise
    best = max(decoded, key=_letter_share, default=None)
    if best is None or _letter_share(best) < 0.6 or "\x00" in best:
        raise IngestError("not text (the encoding could not be detected)")
    return best


LEGACY_ENCODINGS = ("cp1251", "cp1252", "koi8_r", "latin-1")


def _letter_share(text: str) -> float:
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return 0.0
    ordinary = sum(1 for ch in visible if ch.isalnum() or ch in ".,;:!?()-\"'«»")
    return ordinary / len(visible)


def looks_like_journal_issue(text: str) -> bool:
    return len(JOURNAL_HEADER.findall(text)) >= 2 and "A B S T R A C T" in text


def document_id(path: Path, text: str | None = None) -> str:
    """The id a corpus file's document gets, without reading more than a Markdown file's front matter.

    A Markdown file may declare ``doc_id`` in its front matter; every other file is known by the slug of
    its name (Unicode letters kept, so ``Отчёт.pdf`` and ``Анализ.pdf`` are ``отчёт`` and ``анализ``).
    """
    if path.suffix.lower() in {".md", ".markdown"}:
        head = text if text is not None else _read_head(path)
        declared = _front_matter_id(head)
        if declared is not None:
            return declared
    return slugify(path.stem)


def _read_head(path: Path, limit: int = 64 * 1024) -> str:
    with open(path, "rb") as fh:
        return fh.read(limit).decode("utf-8", errors="replace")


def _front_matter_id(head: str) -> str | None:
    if not head.startswith(FRONT_MATTER + "\n"):
        return None
    match = re.search(r'"doc_id"\s*:\s*"((?:[^"\\]|\\.)*)"', head.split("\n" + FRONT_MATTER + "\n", 1)[0])
    if match is None:
        return None
    value = json.loads(f'"{match.group(1)}"')
    return value if is_doc_id(value) else None


def text_document(text: str, path: Path) -> Document:
    """Plain text: paragraphs as they are; the first short line is the title."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)
    title = first if len(first) <= 120 else path.stem
    body = re.sub(r"[ \t]+\n", "\n", text)
    doc = parse_markdown(_escape_headings(body), doc_id=document_id(path, ""), fallback_title=title)
    return _with_source(doc, path, title=title)


def markdown_document(text: str, path: Path) -> Document:
    try:
        doc = parse_markdown(text, doc_id=slugify(path.stem), fallback_title=path.stem)
    except ValueError as exc:  # malformed front matter JSON, or a doc_id that is not an id
        raise IngestError(f"bad front matter: {str(exc).splitlines()[0]}") from exc
    return _with_source(doc, path, title=doc.title)


def pdf_document(path: Path) -> Document:
    """Text per page, with the printed page label (e.g. "iv", "12") and the PDF page index."""
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError

    # pypdf logs its repairs of damaged files; the one-line reason below is what the user needs
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError("encrypted PDF: it needs a password; save an unencrypted copy first")
        pages = reader.pages
        labels = list(reader.page_labels) if len(pages) else []
        texts = [(page.extract_text() or "") for page in pages]
        for page, text in zip(pages, texts, strict=True):
            if not text.strip() and page.get_contents() is not None:
                # extract_text swallows pypdf's decompression-bomb guard and returns "": decode the
                # (usually tiny) content stream of a text-less page to tell a bomb from a scan
                page.get_contents().get_data()
        info_title = (reader.metadata.title if reader.metadata else None) or ""
    except IngestError:
        raise
    except LimitReachedError as exc:
        # pypdf's guard against decompression bombs: the file is too large to read, not damaged
        raise IngestError("PDF too large: a stream in it exceeds the size pypdf will decompress") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise IngestError(
            f"corrupt PDF ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        ) from exc
    except Exception as exc:  # pypdf raises a zoo of types on damaged files; all mean the same to a user
        raise IngestError(f"corrupt PDF ({type(exc).__name__})") from exc
    if not pages:
        raise IngestError("PDF has no pages")
    if sum(len(t.strip()) for t in texts) < 20:
        raise IngestError("PDF has no text layer (a scan?): run OCR on it first")
    parts: list[str] = []
    marks: list[PageMark] = []
    page_index: dict[str, int] = {}
    length = 0
    for index, raw in enumerate(texts):
        paragraph_text = _pdf_page_paragraphs(raw)
        if not paragraph_text:
            continue
        if parts:
            length += 2
        label = labels[index] if index < len(labels) else str(index + 1)
        marks.append(PageMark(length, label))
        page_index[label] = index
        parts.append(paragraph_text)
        length += len(paragraph_text)
    text = "\n\n".join(parts)
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)
    title = info_title.strip() or (first_line if len(first_line) <= 120 else path.stem)
    doc = Document(
        doc_id=document_id(path),
        title=title,
        text=text,
        pages=tuple(marks),
        metadata={"page_index": page_index, "pdf_pages": len(pages)},
    )
    return _with_source(doc, path, title=title)


def _pdf_page_paragraphs(raw: str) -> str:
    """Join a page's lines into paragraphs, mending hyphenated line breaks."""
    raw = re.sub(r"(\w)-\n(\w)", r"\1\2", raw)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", raw)]
    return "\n\n".join(p for p in paragraphs if p)


def _escape_headings(text: str) -> str:
    # plain text has no headings: a leading '#' is prose, not Markdown
    return re.sub(r"(?m)^(\s*)#", r"\1\\#", text)


def _with_source(doc: Document, path: Path, *, title: str) -> Document:
    # the hash of the file's bytes identifies a document: same bytes under another name is a duplicate
    metadata = {**doc.metadata, "source_file": path.name, "content_hash": content_hash(path.read_bytes())}
    return Document(doc.doc_id, title or doc.title, doc.text, doc.sections, doc.pages, metadata)


def load_file(path: Path) -> Document:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(f"unsupported file type {suffix or '(none)'}: use PDF, .txt or .md")
    if suffix == ".pdf":
        if path.stat().st_size == 0:
            raise IngestError("empty file")
        return pdf_document(path)
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
