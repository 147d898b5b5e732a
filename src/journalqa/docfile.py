"""The corpus file format: one Markdown file per document.

A JSON front-matter block (valid YAML too) holds the metadata; ``#`` headings become
section marks; ``<!-- page 12 -->`` / ``<!-- page 12 approx -->`` comments become page
marks and may stand on their own line inside a paragraph. Paragraphs are separated by a
blank line; lines within a paragraph are joined by a space.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

from journalqa.types import Document, PageMark, SectionMark

FRONT_MATTER = "---"
PAGE_COMMENT = re.compile(r"<!--\s*page\s+(\S+?)(\s+approx)?\s*-->")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*$")


def slugify(text: str, max_words: int = 5) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words[:max_words]) or "document"


def content_hash(content: str | bytes) -> str:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()[:16]


def parse_markdown(raw: str, *, doc_id: str | None = None, fallback_title: str = "") -> Document:
    metadata: dict = {}
    body = raw
    if raw.startswith(FRONT_MATTER + "\n"):
        end = raw.find("\n" + FRONT_MATTER + "\n", len(FRONT_MATTER))
        if end != -1:
            metadata = json.loads(raw[len(FRONT_MATTER) + 1 : end] or "{}")
            body = raw[end + len(FRONT_MATTER) + 2 :]

    text = ""
    sections: list[SectionMark] = []
    pages: list[PageMark] = []
    paragraph: list[str] = []

    def next_offset() -> int:
        return len(text) + (2 if text else 0)

    def flush() -> None:
        nonlocal text
        if not paragraph:
            return
        joined = " ".join(paragraph)
        paragraph.clear()
        start = next_offset()
        prose = ""
        cursor = 0
        for match in PAGE_COMMENT.finditer(joined):
            prose += joined[cursor : match.start()]
            pages.append(PageMark(start + len(prose), match.group(1), bool(match.group(2))))
            cursor = match.end()
            if not prose or prose.endswith(" "):
                while joined[cursor : cursor + 1] == " ":
                    cursor += 1
        prose = (prose + joined[cursor:]).strip()
        if not prose:
            return
        text = text + ("\n\n" if text else "") + prose

    for line in body.splitlines():
        stripped = line.strip()
        heading = HEADING.match(stripped)
        if heading:
            flush()
            sections.append(SectionMark(next_offset(), heading.group(1)))
        elif not stripped:
            flush()
        else:
            paragraph.append(stripped)
    flush()

    title = metadata.get("title") or (sections[0].heading if sections else "") or fallback_title
    doc_id = metadata.get("doc_id") or doc_id or slugify(title)
    metadata.setdefault("content_hash", content_hash(raw))
    return Document(
        doc_id=doc_id,
        title=title,
        text=text,
        sections=tuple(sections),
        pages=tuple(_clamp(p, len(text)) for p in pages),
        metadata=metadata,
    )


def _clamp(mark: PageMark, length: int) -> PageMark:
    if mark.offset <= length:
        return mark
    return PageMark(length, mark.page, mark.approximate)


def read_document(path: Path) -> Document:
    return parse_markdown(path.read_text(encoding="utf-8"), doc_id=path.stem, fallback_title=path.stem)


def render_markdown(doc_id: str, title: str, blocks: list[tuple[str, str]], metadata: dict | None = None) -> str:
    """Serialize ordered blocks ``("heading", text)`` / ``("paragraph", text)``.

    Paragraph text may hold inline page comments (see ``page_comment``) where a page begins.
    """
    meta = {"doc_id": doc_id, "title": title, **(metadata or {})}
    lines = [FRONT_MATTER, json.dumps(meta, ensure_ascii=False, indent=1), FRONT_MATTER, ""]
    for kind, value in blocks:
        if kind == "heading":
            lines += [f"## {value}", ""]
        elif kind == "paragraph":
            lines += [value, ""]
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    return "\n".join(lines).rstrip() + "\n"


def page_comment(page: str, approximate: bool = False) -> str:
    return f"<!-- page {page}{' approx' if approximate else ''} -->"


def write_document(
    path: Path, doc_id: str, title: str, blocks: list[tuple[str, str]], metadata: dict | None = None
) -> None:
    path.write_text(render_markdown(doc_id, title, blocks, metadata), encoding="utf-8")
