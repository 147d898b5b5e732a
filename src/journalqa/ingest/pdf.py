"""PDF source format: a laid-out PDF becomes one Document with sections, printed page marks and clean text.

pypdf reads what it does well (encryption, metadata, page labels); the text comes from ``pdf_layout``
(characters with positions and fonts), then the cleaning passes run in order: running headers / page
numbers, footnotes, character normalisation, and paragraphs rebuilt across line, column and page breaks
with line-end hyphens joined only into words the document (or its hyphen rules) knows.
"""

from __future__ import annotations

import logging
import os
import re
import statistics
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from journalqa.ingest.docfile import content_hash
from journalqa.types import Document, PageMark, SectionMark, page_name

from .base import IngestError
from .footnotes import take_footnotes
from .headers import find_running_lines, printed_labels
from .hyphens import build_vocab, join_hyphenated
from .normalize import normalize_text
from .ocr import page_needs_ocr, usable_chars
from .pdf_layout import Line, Page, read_pages
from .structure import (
    DOT_LEADER,
    find_authors,
    is_affiliation,
    is_contents_entry,
    is_heading,
    section_kind,
    title_lines,
)

MIN_PAGE_CHARS = 20  # fewer characters than this: the page has no usable text layer
CODE_SHARE = 0.8  # share of monospace characters that makes a line code
MIN_LISTING_LINES = 3  # a listing of fewer lines stays in the text around it (a section each would cut it in pieces)
SECTION_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVX]+\.)\s")  # not "W. N. Venables"
FRONT_END = ("abstract", "introduction", "summary", "preface")  # headings that end a first page's front matter
SENTENCE_END = re.compile(r"[.!?:][\"”’)\]]*$")


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    labels: list[str]
    title: str
    author: str
    has_labels: bool = True  # the PDF sets page labels (/PageLabels): else the printed numbers are read


@dataclass
class PdfReport:
    """What the passes removed or repaired in one PDF (stored in the document's metadata)."""

    running_headers: int = 0
    page_numbers: int = 0
    footnotes: int = 0
    note_markers: int = 0
    hyphens_joined: int = 0
    hyphens_kept: int = 0
    pages_without_text: list[str] = field(default_factory=list)
    ocr_pages: list[str] = field(default_factory=list)


def read_info(path: Path) -> PdfInfo:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError

    # pypdf logs its repairs of damaged files; the one-line reason is what the user needs
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError("encrypted PDF: it needs a password; save an unencrypted copy first")
        count = len(reader.pages)
        labels = list(reader.page_labels) if count else []
        # without /PageLabels pypdf numbers the pages 1, 2, 3: a count, not what the pages print
        has_labels = "/PageLabels" in reader.trailer["/Root"]
        meta = reader.metadata
        title = str((meta.title if meta else None) or "")
        author = str((meta.author if meta else None) or "")
    except IngestError:
        raise
    except LimitReachedError as exc:
        # pypdf's guard against decompression bombs: the file is too large to read, not damaged
        raise IngestError("PDF too large: a stream in it exceeds the size pypdf will decompress") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise IngestError(f"corrupt PDF ({type(exc).__name__}: {first})") from exc
    except Exception as exc:  # pypdf raises a zoo of types on damaged files; all mean the same to a user
        raise IngestError(f"corrupt PDF ({type(exc).__name__})") from exc
    if not count:
        raise IngestError("PDF has no pages")
    return PdfInfo(count, labels, title.strip(), author.strip(), has_labels)


# ``ocr(path, pages)``: the given 0-based pages re-read from an OCR'd copy, or the one-line reason it could not run
OcrHook = Callable[[Path, list[int]], "list[Page] | str"]


def pdf_document(path: Path, doc_id: str, *, ocr: OcrHook | None = None) -> Document:
    """Read, clean and structure one PDF. Pages without a usable text layer go to ``ocr``; the ones it cannot
    read are listed in ``metadata["pages_without_text"]`` with the reason in ``metadata["ocr_notice"]``."""
    info = read_info(path)
    try:
        pages = read_pages(path)
    except Exception as exc:  # PDFium refuses some files pypdf opened; the reason is the same to a user
        raise IngestError(f"corrupt PDF ({type(exc).__name__})") from exc
    labels = [info.labels[i] if i < len(info.labels) and info.has_labels else "" for i in range(len(pages))]
    report = PdfReport()
    scanned = [p.index for p in pages if _needs_ocr(p)]
    textless = sorted({p.index for p in pages if usable_chars(p.text) < MIN_PAGE_CHARS} | set(scanned))
    if textless:
        _guard_streams(path, textless)
    notice = ""
    if scanned:
        result = ocr(path, scanned) if ocr is not None else "OCR not run"
        if isinstance(result, str):
            notice = result
        else:
            for page in result:
                pages[page.index] = page
    if not info.has_labels:
        labels = printed_labels(pages)  # OCR'd pages print their numbers too
    shown = [label or page_name("", i + 1) for i, label in enumerate(labels)]
    if scanned and not notice:
        report.ocr_pages = [shown[i] for i in scanned if not _needs_ocr(pages[i])]
    report.pages_without_text = [shown[i] for i in scanned if shown[i] not in report.ocr_pages]
    if all(not p.lines for p in pages) or sum(usable_chars(p.text) for p in pages) < MIN_PAGE_CHARS:
        if report.ocr_pages or (scanned and not notice):
            raise IngestError(f"PDF has no readable text: OCR found none on its {len(pages)} page(s)")
        raise IngestError("PDF has no text layer (a scan?)" + (f"; {notice}" if notice else ": run OCR on it first"))
    # pages OCR could not read are left out of the text, never half-read: their lines would be noise
    for index in scanned:
        if shown[index] in report.pages_without_text:
            pages[index].lines = []
    doc = build_document(pages, labels, info, doc_id, path.stem, report)
    if notice and report.pages_without_text:
        doc.metadata["ocr_notice"] = notice
    return doc


def _needs_ocr(page: Page) -> bool:
    return page_needs_ocr(page.text, page.image_share, page.drawn)


def _guard_streams(path: Path, pages: list[int]) -> None:
    """PDFium inflates any stream it is given; pypdf's decompression-bomb guard decides whether the (usually
    tiny) content streams of the pages without text are safe to hand to OCR."""
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    try:
        reader = PdfReader(path)
        for index in pages:
            contents = reader.pages[index].get_contents()
            if contents is not None:
                contents.get_data()
    except LimitReachedError as exc:
        raise IngestError("PDF too large: a stream in it exceeds the size pypdf will decompress") from exc
    except Exception:  # a damaged stream: PDFium read the page, OCR will read its rendering
        return


def tesseract_ocr(langs: str, cache_dir: Path | None = None) -> OcrHook:
    """The OCR hook over ``ocr.ocr_pdf`` (ocrmypdf + Tesseract in ``langs``). OCR'd copies are kept in ``cache_dir``
    by the source's hash, languages and pages: a corpus is loaded again on every index check, and a file is loaded
    twice when it is added (checked, then indexed), but each scan is read once."""

    def run(path: Path, pages: list[int]) -> list[Page] | str:
        from .ocr import OcrError, cache_name, ocr_available, ocr_pdf

        reason = ocr_available(langs)
        if reason:
            return reason
        # a short hash of source, languages and pages: listing the pages passed the file-name limit (#29)
        key = cache_name(content_hash(path.read_bytes()), langs, pages)
        cached = cache_dir / key if cache_dir is not None else None
        if cached is not None and cached.is_file():
            return read_pages(cached, pages)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "ocr.pdf"
            try:
                ocr_pdf(path, out, langs, pages)
            except OcrError as exc:
                return str(exc)
            if cached is not None:
                try:
                    cached.parent.mkdir(parents=True, exist_ok=True)
                    part = cached.with_name(f".{cached.name}.{os.getpid()}.part")
                    part.write_bytes(out.read_bytes())
                    os.replace(part, cached)  # atomic: a reader never sees half a file
                except OSError:
                    pass  # no cache, no harm: the next load OCRs again
            return read_pages(out, pages)

    return run


def body_font_size(pages: list[Page]) -> float:
    weights: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            weights[round(line.size, 1)] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 10.0


@dataclass
class _Block:
    kind: str  # "heading", "paragraph", "code", "formula", "table", "entries"
    text: str = ""
    page_starts: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, page index)
    last: Line | None = None
    section_kind: str = ""  # set on "entries" blocks: contents or index

    def add(self, piece: str, line: Line, sep: str) -> None:
        if self.last is None or self.last.page != line.page:
            self.page_starts.append((len(self.text) + (len(sep) if self.text else 0), line.page))
        self.text = self.text + sep + piece if self.text else piece
        self.last = line


def _columns(pages: list[Page]) -> dict[tuple[int, int], tuple[float, float]]:
    """Left edge and right edge of each column's text, for indents and short last lines."""
    out: dict[tuple[int, int], tuple[float, float]] = {}
    for page in pages:
        for column in {ln.column for ln in page.lines}:
            lines = [ln for ln in page.lines if ln.column == column]
            lefts = Counter(round(ln.x0) for ln in lines)
            out[page.index, column] = (lefts.most_common(1)[0][0], max(ln.x1 for ln in lines))
    return out


def build_document(
    pages: list[Page], labels: list[str], info: PdfInfo, doc_id: str, stem: str, report: PdfReport
) -> Document:
    body = body_font_size(pages)
    running = find_running_lines(pages, labels)
    report.running_headers, report.page_numbers = running.headers, running.page_numbers
    notes = take_footnotes(pages, body, running.removed)
    report.footnotes, report.note_markers = len(notes.notes), notes.markers_removed
    skip = running.removed | notes.lines
    for page in pages:
        for line in page.lines:
            line.text = normalize_text(line.text).strip()
            line.cells = [normalize_text(c).strip() for c in line.cells]

    # an OCR'd first page has no type sizes to tell a title by (Tesseract's line heights are not the print's)
    ocr_first = bool(labels) and (labels[0] or page_name("", 1)) in report.ocr_pages
    first = pages[0].lines if pages and not ocr_first else []
    title_idx = title_lines([ln for i, ln in enumerate(first) if (0, i) not in skip], body)
    kept_first = [i for i, _ in enumerate(first) if (0, i) not in skip]
    title_idx = [kept_first[i] for i in title_idx]
    page_title = " ".join(first[i].text for i in title_idx).strip()
    # the page's own title first: a /Title is often a file name, a placeholder or another document's; where the
    # /Title holds the page's title whole (the cover's large line and the smaller one under it), it is the title
    meta_title = _metadata_title(info.title, stem)
    whole = bool(page_title and meta_title) and _squashed(page_title) in _squashed(meta_title)
    title = meta_title if whole else page_title or meta_title or stem
    title_idx = _whole_title(first, title_idx, title, skip)
    skip |= {(0, i) for i in title_idx}
    authors = [a.strip() for a in re.split(r",\s*|\s+and\s+|;", info.author) if a.strip()]
    if title_idx:
        # the lines under the title that name people are front matter, not text to answer from
        found: list[str] = []
        for i, ln in enumerate(first):
            if i <= title_idx[-1] or (0, i) in skip:
                continue
            if len(ln.text) > 100 or is_contents_entry(ln.text) or SECTION_NUMBER.match(ln.text):
                break  # the body, the contents or the first numbered heading: front matter is over
            if is_heading(ln, body) and (section_kind(ln.text) != "body" or ln.text.lower() in FRONT_END):
                break
            names = find_authors([ln])
            if names or (found and is_affiliation(ln)):
                found += names
                skip.add((0, i))
        authors = authors or found

    vocab = build_vocab(_unbroken_text(pages))
    columns = _columns(pages)
    spacing = _line_spacing(pages, body)
    blocks: list[_Block] = []
    current_kind = "body"
    for page in pages:
        for i, line in enumerate(page.lines):
            if (page.index, i) in skip or not line.text:
                continue
            current_kind = _place(line, blocks, body, columns, spacing, vocab, report, current_kind)
    blocks = _inline_code(blocks)
    doc_text, sections, marks = _assemble(blocks, labels, title)
    metadata = {
        "page_index": {labels[p.index] or page_name("", p.index + 1): p.index for p in pages},
        "pdf_pages": len(pages),
        "footnotes": notes.notes,
        "footnote_pages": [labels[i] for i in notes.pages],  # printed page of each note: a split issue shares them out
        "cleaning": {k: v for k, v in vars(report).items() if not isinstance(v, list)},
        "pages_without_text": report.pages_without_text,
        "ocr_pages": report.ocr_pages,
    }
    if authors:
        metadata["authors"] = authors
    return Document(doc_id, title, doc_text, tuple(sections), tuple(marks), metadata)


def _unbroken_text(pages: list[Page]) -> str:
    """All line text without the two halves of line-end hyphenations (``avail-`` / ``able``), so that the
    vocabulary that decides a join holds only words the document prints whole."""
    out: list[str] = []
    broken = False
    for page in pages:
        for line in page.lines:
            words = line.text.split()
            if broken and words:
                words = words[1:]
            broken = line.text.endswith("-")
            if broken and words:
                words = words[:-1]
            out.append(" ".join(words))
    return "\n".join(out)


def _squashed(text: str) -> str:
    return re.sub(r"\W+", "", normalize_text(text).casefold())


def _whole_title(first: list[Line], run: list[int], title: str, skip: set[tuple[int, int]]) -> list[int]:
    """The title run grown by the neighbouring first-page lines that print the rest of the /Title: a cover sets
    ``Kazakhstan Journal of Foreign Studies`` large and ``No1-2 (3-4) 2022`` smaller under it, and the smaller
    line would otherwise read as a heading."""
    if not run:
        return run
    whole = _squashed(title)
    grown = list(run)
    for step, edge in ((-1, run[0]), (1, run[-1])):
        i = edge + step
        while 0 <= i < len(first) and (0, i) not in skip:
            piece = _squashed(first[i].text)
            if len(piece) < 3 or piece not in whole:
                break
            grown.append(i)
            i += step
    return sorted(grown)


def _metadata_title(title: str, stem: str) -> str:
    """The /Title entry unless it is empty or a placeholder (a file name, "untitled", a word processor's name)."""
    clean = title.strip()
    if not clean or clean.lower() in {"untitled", "title", stem.lower()} or re.search(r"\.(?:docx?|tex|dvi)$", clean):
        return ""
    return clean.removeprefix("Microsoft Word - ").strip()


def _line_spacing(pages: list[Page], body: float) -> float:
    gaps = [
        b.base - a.base
        for p in pages
        for a, b in zip(p.lines, p.lines[1:], strict=False)
        if a.column == b.column and abs(a.size - body) < 0.3 and 0 < b.base - a.base < 3 * body
    ]
    return statistics.median(gaps) if gaps else 1.2 * body


def _kind_of(line: Line, body: float, section: str) -> str:
    if section in ("contents", "index") and not is_heading(line, body) or is_contents_entry(line.text):
        return "entries"
    if is_heading(line, body):
        return "heading"
    # code keeps its lines, in a section of its own (kind "code"); a figure's small labels are no listing
    if line.mono_share >= CODE_SHARE and line.size >= 0.75 * body:
        return "code"
    if line.math_share >= 0.3:  # so do display formulas, inside the text around them
        return "formula"
    if len(line.cells) >= 3:
        return "table"
    return "paragraph"


def _place(
    line: Line,
    blocks: list[_Block],
    body: float,
    columns: dict[tuple[int, int], tuple[float, float]],
    spacing: float,
    vocab: Counter[str],
    report: PdfReport,
    section: str,
) -> str:
    """Add ``line`` to the last block or open a new one; returns the kind of the section in force."""
    kind = _kind_of(line, body, section)
    last = blocks[-1] if blocks else None
    if (
        kind == "paragraph"
        and last
        and last.kind == "heading"
        and last.last is not None
        and line.bold
        and (last.last.page, last.last.column) == (line.page, line.column)
        and _same_style(last.last, line)
    ):
        kind = "heading"  # a heading's second line, which may start in lower case
    if kind == "heading":
        if (
            last
            and last.kind == "heading"
            and last.last
            and _same_style(last.last, line)
            and line.page == last.last.page
        ):
            last.add(line.text, line, " ")
        else:
            blocks.append(_Block("heading"))
            blocks[-1].add(line.text, line, "")
        return _heading_kind(blocks[-1].text, section)
    if kind == "entries":
        entry = DOT_LEADER.sub(lambda m: " " + m.group(0).replace(".", "").strip(), line.text).strip()
        if last and last.kind == "entries":
            last.add(entry, line, "\n")
        else:
            blocks.append(_Block("entries", section_kind=section if section in ("contents", "index") else "contents"))
            blocks[-1].add(entry, line, "")
        return section
    if kind in ("code", "formula", "table"):
        row = " | ".join(line.cells) if kind == "table" and line.cells else line.text
        if last and last.kind == kind:
            last.add(row, line, "\n")
        else:
            blocks.append(_Block(kind))
            blocks[-1].add(row, line, "")
        return section
    if last and last.kind == "paragraph" and last.last is not None and _continues(last, line, columns, spacing):
        _append_text(last, line, vocab, report)
    elif (
        last
        and last.kind in ("code", "formula", "table")
        and len(blocks) >= 2
        and blocks[-2].kind == "paragraph"
        and last.last is not None
        and last.last.page != line.page
        and not SENTENCE_END.search(blocks[-2].text)
    ):
        # a paragraph interrupted by a float at a page break goes on after it
        _append_text(blocks[-2], line, vocab, report)
    else:
        blocks.append(_Block("paragraph"))
        blocks[-1].add(line.text, line, "")
    return section


def _inline_code(blocks: list[_Block]) -> list[_Block]:
    """A single monospace word inside an unfinished sentence (a path or URL wrapped onto a line of its own,
    ``CTAN:biblio/bibtex/`` + ``contrib/babelbib/.``) is part of that sentence, not a listing; the sentence's
    rest after it joins too. A command (``> coplot(a ~ b | c)`` after "then the command") stays a listing."""
    out: list[_Block] = []
    inline = False  # the last block took a code line in
    for block in blocks:
        prev = out[-1] if out else None
        if prev is not None and prev.kind == "paragraph" and not SENTENCE_END.search(prev.text):
            if block.kind == "code" and not re.search(r"\s", block.text):
                _join_block(prev, block)
                inline = True
                continue
            if block.kind == "paragraph" and inline:
                _join_block(prev, block)
                inline = False
                continue
        inline = False
        out.append(block)
    return out


def _join_block(into: _Block, block: _Block) -> None:
    base = len(into.text) + 1
    for offset, page in block.page_starts:
        if into.last is None or page != into.last.page or offset > 0:
            into.page_starts.append((base + offset, page))
    into.text = f"{into.text} {block.text}"
    into.last = block.last


def _heading_kind(heading: str, previous: str) -> str:
    # an index's letter headings (A, B, ...) stay inside the index
    if previous == "index" and len(heading.strip()) <= 2:
        return "index"
    return section_kind(heading)


def _same_style(a: Line, b: Line) -> bool:
    return abs(a.size - b.size) < 0.3 and a.bold == b.bold and 0 < b.base - a.base < 2.2 * a.size


def _continues(block: _Block, line: Line, columns: dict, spacing: float) -> bool:
    prev = block.last
    assert prev is not None
    ended = bool(SENTENCE_END.search(block.text))
    left, right = columns.get((line.page, line.column), (line.x0, line.x1))
    indented = line.x0 - left > 0.6 * line.size
    if (prev.page, prev.column) != (line.page, line.column):
        # a page or column break never ends a sentence; a new indented line after a full stop starts a paragraph
        return not ended or not indented
    if abs(prev.size - line.size) > 0.6 or line.base - prev.base > 1.6 * spacing or line.base <= prev.base:
        return False
    # after a full stop, an indent or a short last line ends the paragraph
    return not (ended and (indented or prev.x1 < right - 3 * prev.size))


def _append_text(block: _Block, line: Line, vocab: Counter[str], report: PdfReport) -> None:
    text = line.text
    hyphen = re.search(r"(\S*[^\W\d_])-$", block.text)
    if hyphen and text[:1].isalpha():
        first, _, rest = text.partition(" ")
        word, removed = join_hyphenated(hyphen.group(1), first, vocab)
        report.hyphens_joined += removed
        report.hyphens_kept += not removed
        block.text = block.text[: hyphen.start(1)]
        block.add(word + (" " + rest if rest else ""), line, "")
        return
    # a URL broken at a line end goes on without a space (``https://CRAN.`` + ``R-project.org/package=boot)``):
    # a space would cut the address and make a sentence end inside it
    url_end = re.search(r"(?:https?://|www\.)\S*[./\-_?=&#]$", block.text)
    first = text.split(" ", 1)[0]
    if url_end and re.search(r"[./=]\w", first):
        block.add(text, line, "")
        return
    block.add(text, line, " ")


def _assemble(blocks: list[_Block], labels: list[str], title: str) -> tuple[str, list[SectionMark], list[PageMark]]:
    parts: list[str] = []
    sections: list[SectionMark] = []
    marks: list[PageMark] = []
    length = 0
    heading = ""
    kind = "body"
    seen_pages: set[int] = set()
    for block in blocks:
        if block.kind == "heading":
            heading = block.text
            kind = _heading_kind(heading, kind)
            sections.append(SectionMark(length + (2 if parts else 0), heading, kind))
            continue
        text = block.text.strip()
        if not text:
            continue
        start = length + (2 if parts else 0)
        own = kind
        if block.kind == "entries":
            own = block.section_kind
        elif block.kind == "code" and kind == "body" and block.text.count("\n") + 1 >= MIN_LISTING_LINES:
            own = "code"
        if own != kind:
            # contents or index lines outside their own section, or a listing: a section of that kind, then back
            sections.append(SectionMark(start, heading or title, own))
        for offset, page in block.page_starts:
            if page not in seen_pages:
                seen_pages.add(page)
                marks.append(PageMark(start + offset, labels[page], pdf_page=page + 1))
        parts.append(text)
        length = start + len(text)
        if own != kind:
            sections.append(SectionMark(length + 2, heading or title, kind))
    text = "\n\n".join(parts)
    sections = [s for s in sections if s.offset <= len(text)]
    return text, sections, marks
