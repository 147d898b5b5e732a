"""Journal-issue PDF source format: an issue sent as a laid-out PDF split into the same per-article Markdown
documents the journal text splitter writes.

The PDF path (``pdf``) already reads, cleans and structures the pages: running headers, page numbers and footnotes
are gone, headings are sections and every page start is a printed-page mark. What makes the PDF an issue is its
contents page: an article starts at a heading that the contents list names (``Afghanistan and Taliban ... 6``).
Each article runs to the next one; its first heading is its title, a heading of personal names right under the
title is its authors, and a short capitalised line right above the title is the issue's rubric for it. Ids and
titles follow the text splitter's rules (first five words of the title before a colon), so the same issue gives the
same documents by either path.
"""

from __future__ import annotations

import re
from pathlib import Path

from journalqa.ingest.docfile import page_comment, slugify
from journalqa.types import Document, PageMark

from .journal import SplitDocument
from .pdf import pdf_document, tesseract_ocr
from .sanitize import sanitize_document
from .structure import find_authors

MIN_ARTICLES = 2
CONTENTS_PAGE = re.compile(r"\s(\d{1,4})\s*$")
CHAPTER_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.)\s")  # an article's title is never numbered


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.replace("’", "'").lower()).strip()


def split_pdf_issue(path: Path, *, ocr_langs: str, source: str | None = None) -> list[SplitDocument] | None:
    """The articles of a journal-issue PDF, or None when the PDF is not an issue (no contents naming 2+ headings)."""
    from .ocr import default_cache_dir

    doc = pdf_document(path, slugify(path.stem), ocr=tesseract_ocr(ocr_langs, default_cache_dir()))
    # the articles are written as Markdown files: their text passes the one sanitizer first, as every format's does
    return split_document(sanitize_document(doc)[0], source or path.name)


def split_document(doc: Document, source: str) -> list[SplitDocument] | None:
    # the whole contents page(s): a running line or a wrapped entry may have cut its section in pieces
    pages = {_in_force(doc, s.offset) for s in doc.sections if s.kind == "contents"}
    listed = _key(" ".join(doc.text[a:b] for a, b, label in _page_spans(doc) if label in pages))
    if not listed:
        return None
    starts: list[int] = []  # indices into doc.sections of article titles
    seen: set[str] = set()
    for i, section in enumerate(doc.sections):
        key = _key(section.heading)
        if section.kind != "body" or key in seen or key == _key(doc.title) or len(key) < 4:
            continue
        if CHAPTER_NUMBER.match(section.heading):
            continue  # "1 Введение": a manual's contents list its numbered chapters too (texlive-ru.pdf)
        page = _in_force(doc, section.offset)
        # a title opens its page, and the contents list it with that page's printed number
        first_on_page = not any(
            o.offset < section.offset and _in_force(doc, o.offset) == page and _key(o.heading) != _key(doc.title)
            for o in doc.sections
        )
        if first_on_page and f" {key} {page} " in f" {listed} ":
            starts.append(i)
            seen.add(key)
    if len(starts) < MIN_ARTICLES:
        return None
    issue = doc.metadata.get("pdf_title", doc.title)
    documents: list[SplitDocument] = []
    used: dict[str, int] = {}
    rubric_for_next = ""
    claimed: set[int] = set()  # notes already given to an article
    for n, first in enumerate(starts):
        begin = doc.sections[first].offset
        end = doc.sections[starts[n + 1]].offset if n + 1 < len(starts) else len(doc.text)
        title = doc.sections[first].heading.strip()
        blocks, authors, rubric = _blocks(doc, first, begin, end)
        base = slugify(title.split(":")[0], max_words=5)
        used[base] = used.get(base, 0) + 1
        doc_id = base if used[base] == 1 else f"{base}-{used[base]}"
        meta: dict = {"source": source, "issue": issue}
        if rubric_for_next:
            meta["rubric"] = rubric_for_next
        rubric_for_next = rubric
        meta.update(_page_range(doc, begin, end))
        if authors:
            meta["authors"] = authors
        if notes := _notes_on(doc, begin, end, claimed):
            meta["footnotes"] = notes
        documents.append(SplitDocument(doc_id, title, blocks, meta))
    return documents


def _notes_on(doc: Document, begin: int, end: int, claimed: set[int]) -> list[str]:
    """The PDF's footnotes printed on the article's pages, as the text splitter keeps them in front matter
    ("n text"). A page two articles share gives its notes to the first: articles here open on a new page."""
    pages = {_in_force(doc, begin)} | {m.page for m in doc.pages if begin <= m.offset < end}
    notes = doc.metadata.get("footnotes") or []
    where = doc.metadata.get("footnote_pages") or []
    mine = [i for i, page in enumerate(where) if page in pages and i not in claimed and i < len(notes)]
    claimed.update(mine)
    return [notes[i] for i in mine]


def _section_end(doc: Document, index: int) -> int:
    return doc.sections[index + 1].offset if index + 1 < len(doc.sections) else len(doc.text)


def _blocks(doc: Document, first: int, begin: int, end: int) -> tuple[list[tuple[str, str]], list[str], str]:
    """(``heading`` / ``paragraph`` blocks with page comments, authors, the rubric line that closes the span)."""
    headings = [s for s in doc.sections[first + 1 :] if begin <= s.offset < end]
    authors: list[str] = []
    if headings and headings[0].offset == begin and (names := find_authors_in(headings[0].heading)):
        authors, headings = names, headings[1:]
    marks = [m for m in doc.pages if begin <= m.offset < end]
    if not marks or marks[0].offset > begin:
        # the page the article opens on began above its title (the running line, the rubric): carry it over
        marks.insert(0, PageMark(begin, _in_force(doc, begin) or ""))
    blocks: list[tuple[str, str]] = []
    cursor = begin
    pending = list(headings)
    for paragraph in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", doc.text[begin:end]):
        start, stop = begin + paragraph.start(), begin + paragraph.end()
        while pending and pending[0].offset <= start:
            blocks.append(("heading", pending.pop(0).heading.strip()))
        text = _with_marks(doc.text, start, stop, [m for m in marks if cursor <= m.offset < stop])
        blocks.append(("paragraph", " ".join(text.split())))
        cursor = stop
    blocks += [("heading", h.heading.strip()) for h in pending]
    rubric = ""
    if blocks and blocks[-1][0] == "paragraph":
        last = re.sub(r"<!--.*?-->", "", blocks[-1][1]).strip()
        if last.isupper() and len(last) <= 80:  # the next article's rubric, set above its title
            rubric = last.capitalize()
            blocks.pop()
    return blocks, authors, rubric


def find_authors_in(heading: str) -> list[str]:
    names = find_authors_line(heading)
    return names if names and len(" ".join(names)) >= 0.6 * len(heading.replace(",", "")) else []


def find_authors_line(text: str) -> list[str]:
    from .pdf_layout import Line

    return find_authors([Line(page=0, text=text, x0=0, x1=0, top=0, base=0, size=0, bold=False, mono=False)])


def _with_marks(text: str, start: int, stop: int, marks: list) -> str:
    out: list[str] = []
    cursor = start
    for mark in marks:
        at = max(mark.offset, start)
        out.append(text[cursor:at])
        out.append(page_comment(mark.page) + " ")
        cursor = at
    out.append(text[cursor:stop])
    return "".join(out)


def _in_force(doc: Document, offset: int) -> str | None:
    page = None
    for mark in doc.pages:
        if mark.offset > offset:
            break
        page = mark.page
    return page


def _page_spans(doc: Document) -> list[tuple[int, int, str]]:
    ends = [m.offset for m in doc.pages[1:]] + [len(doc.text)]
    return [(m.offset, end, m.page) for m, end in zip(doc.pages, ends, strict=True)]


def _page_range(doc: Document, begin: int, end: int) -> dict:
    first, last = _in_force(doc, begin), _in_force(doc, max(begin, end - 1))
    return {
        "page_start": int(first) if first and first.isdigit() else first,
        "page_end": int(last) if last and last.isdigit() else last,
    }
