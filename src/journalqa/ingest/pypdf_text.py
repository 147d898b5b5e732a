"""The pypdf text path (pre-#12), kept only until load_file switches to the layout-aware path."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from journalqa.types import Document, PageMark

from .base import IngestError, document_id, with_source


def pypdf_document(path: Path) -> Document:
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
    return with_source(doc, path, title=title)


def _pdf_page_paragraphs(raw: str) -> str:
    """Join a page's lines into paragraphs, mending hyphenated line breaks."""
    raw = re.sub(r"(\w)-\n(\w)", r"\1\2", raw)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", raw)]
    return "\n\n".join(p for p in paragraphs if p)


def _pdf_page_paragraphs(raw: str) -> str:
    """Join a page's lines into paragraphs, mending hyphenated line breaks."""
    raw = re.sub(r"(\w)-\n(\w)", r"\1\2", raw)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", raw)]
    return "\n\n".join(p for p in paragraphs if p)
