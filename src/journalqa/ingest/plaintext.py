"""Plain-text source format: paragraphs as they are, the first short line as the title, no headings."""

from __future__ import annotations

import re
from pathlib import Path

from journalqa.ingest.docfile import parse_markdown
from journalqa.types import Document

from .base import document_id, with_source


def text_document(text: str, path: Path) -> Document:
    """Plain text: paragraphs as they are; the first short line is the title."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)
    title = first if len(first) <= 120 else path.stem
    body = re.sub(r"[ \t]+\n", "\n", text)
    doc = parse_markdown(_escape_headings(body), doc_id=document_id(path, ""), fallback_title=title)
    return with_source(doc, path, title=title)


def _escape_headings(text: str) -> str:
    # plain text has no headings: a leading '#' is prose, not Markdown
    return re.sub(r"(?m)^(\s*)#", r"\1\\#", text)
