"""Markdown source format (also the corpus folder's own format, see docfile): front matter, ``#`` headings as
sections, ``<!-- page N -->`` comments as page marks."""

from __future__ import annotations

from pathlib import Path

from journalqa.ingest.docfile import parse_markdown, slugify
from journalqa.types import Document

from .base import IngestError, with_source


def markdown_document(text: str, path: Path) -> Document:
    try:
        doc = parse_markdown(text, doc_id=slugify(path.stem), fallback_title=path.stem)
    except ValueError as exc:  # malformed front matter JSON, or a doc_id that is not an id
        raise IngestError(f"bad front matter: {str(exc).splitlines()[0]}") from exc
    return with_source(doc, path, title=doc.title)
