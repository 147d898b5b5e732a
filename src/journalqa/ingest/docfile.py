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
from collections.abc import Iterable
from pathlib import Path

from journalqa.types import Document, PageMark, SectionMark

FRONT_MATTER = "---"
PAGE_COMMENT = re.compile(r"<!--\s*page\s+(\S+?)(\s+approx)?\s*-->")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*$")


DOC_ID_MAX_CHARS = 80
# a doc id is lowercase letters (any script), digits and single hyphens: safe in a file name, a URL and JSON
DOC_ID = re.compile(r"^[^\W_]+(?:-[^\W_]+)*$")


def slugify(text: str, max_words: int = 5) -> str:
    """Lowercase words joined by hyphens; Latin accents are dropped, other scripts kept as they are.

    ``Économie`` -> ``economie``, ``Отчёт за 2023`` -> ``отчёт-за-2023``, ``Қазақстан`` -> ``қазақстан``.
    """
    words = re.findall(r"[^\W_]+", _fold_latin(re.sub(r"['’ʼ]", "", unicodedata.normalize("NFC", text))).lower())
    slug = "-".join(words[:max_words])[:DOC_ID_MAX_CHARS].strip("-")
    return slug or "document"


def _fold_latin(text: str) -> str:
    # NFKD and dropping the marks turns é into e, but would also turn й into и and ё into е:
    # only characters whose base letter is ASCII are folded
    out = []
    for ch in text:
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base.isascii() and base.isalnum() else ch)
    return "".join(out)


def is_doc_id(value: object) -> bool:
    """A usable document id: what ``slugify`` makes (no separators, dots or spaces), at most 80 characters."""
    return isinstance(value, str) and len(value) <= DOC_ID_MAX_CHARS and bool(DOC_ID.match(value))


def skeleton(text: str) -> str:
    """The Unicode TR39 skeleton of ``text``: strings that look alike get the same one (``fоreword`` with a
    Cyrillic о and ``foreword``; ``1ake`` and ``lake``). disarm's key, case-folded, with TR39's digit classes;
    it keeps ``m`` and ``rn`` apart, which TR39 joins, so that fold is added here."""
    from disarm import skeleton_key

    return skeleton_key(text, digit_policy="tr39").replace("rn", "m")


def look_alike(name: str, others: Iterable[str]) -> str | None:
    """The first of ``others`` that is not ``name`` but reads like it (same skeleton), else None."""
    key = skeleton(name)
    return next((other for other in others if other != name and skeleton(other) == key), None)


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
    declared = metadata.get("doc_id")
    if declared is not None and not is_doc_id(declared):
        # a front-matter id becomes a file name and a URL parameter: "../../x" must never get that far
        raise ValueError(f"front matter doc_id {str(declared)[:40]!r} is not an id (letters, digits and hyphens)")
    doc_id = declared or doc_id or slugify(title)
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
