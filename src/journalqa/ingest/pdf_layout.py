"""PDF pages as positioned lines in reading order (pypdfium2: characters with boxes, sizes and fonts).

Why pypdfium2: measured on the Debian PDFs (docs/realdocs.md), it reads characters with positions 2.4-3.6x
faster than pdfminer.six and with half the memory, under a permissive licence (PDFium: BSD-3/Apache-2.0);
pypdf stays for metadata, page labels and encryption.

Characters are grouped by geometry, never by the PDF's own line breaks (PDFium joins lines of two columns):
a *fragment* is a run on one baseline without a wide gap; a page with an empty vertical band in its middle is
two columns; fragments crossing that band are full width. Reading order: bands between full-width lines,
left column then right column inside each band. Fragments of one column on one baseline are one line;
a wide gap between them is a table cell boundary.
"""

from __future__ import annotations

import ctypes
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# Lines that sit this much higher than the line's baseline and are smaller are superscripts (footnote markers).
SUPERSCRIPT_RISE = 0.25
SHORT_COLUMN_LINES = 6  # a column beside a full one may be this short and still be a column
CELL_GAP_EM = 1.5  # a horizontal gap wider than this (in font sizes) separates table cells or columns
BOLD_HINTS = ("bold", "cmbx", "demi", "black", "heavy", "semibold")
MATH_HINTS = ("math", "cmmi", "cmsy", "cmex", "msbm", "msam", "symbol", "stix")
MONO_HINTS = ("mono", "courier", "typewriter", "cmtt", "consol", "menlo", "inconsolata", "lmmono")
# Superscript runs stay in a line's text between two SUP marks: the footnote pass removes the ones that are
# note markers and unwraps the rest (an exponent stays text).
SUP = "\x01"


@dataclass
class Char:
    text: str
    x0: float
    x1: float
    base: float  # baseline, measured from the page top (y grows downwards)
    size: float
    bold: bool
    mono: bool
    math: bool = False


@dataclass
class Line:
    """One visual line of one column; ``cells`` holds its pieces when wide gaps split it (table rows)."""

    page: int  # 0-based PDF page index
    text: str
    x0: float
    x1: float
    top: float
    base: float
    size: float  # median character size
    bold: bool
    mono: bool
    column: int = 0  # 0: full width or single column, 1: left, 2: right
    cells: list[str] = field(default_factory=list)
    superscripts: list[str] = field(default_factory=list)  # raised small runs, also in text between SUP marks
    mono_share: float = 0.0
    math_share: float = 0.0  # share of characters in math fonts: formulas are neither headings nor prose

    def __repr__(self) -> str:
        return f"Line(p{self.page} c{self.column} {self.top:.0f} {self.size:.1f}{' b' if self.bold else ''} {self.text[:50]!r})"


@dataclass
class Page:
    index: int
    width: float
    height: float
    lines: list[Line]
    two_columns: bool = False
    gutter: float = 0.0
    chars: int = 0
    image_share: float = 0.0  # share of the page its images cover (a scan covers all of it)
    drawn: bool = False  # anything drawn at all: text, paths or images (a blank page needs no OCR)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def read_pages(path: Path, pages: list[int] | None = None) -> list[Page]:
    """Every page's lines in reading order (or only the given 0-based pages)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        wanted = range(len(document)) if pages is None else pages
        return [_read_page(document, i) for i in wanted]
    finally:
        document.close()


def _read_page(document, index: int) -> Page:
    import pypdfium2.raw as raw

    page = document[index]
    width, height = page.get_size()
    textpage = page.get_textpage()
    count = textpage.count_chars()
    chars: list[Char | None] = []
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    rect = raw.FS_RECTF()
    fonts: dict[int, tuple[bool, bool, bool]] = {}
    for i in range(count):
        code = raw.FPDFText_GetUnicode(textpage, i)
        if raw.FPDFText_IsGenerated(textpage, i):
            # PDFium's generated spaces mark word gaps; its generated line breaks are not trusted
            chars.append(None if code in (13, 10) else Char(" ", 0, 0, 0, 0, False, False))
            continue
        # the loose box spans the glyph's advance: gaps between boxes are then real word gaps, also in
        # monospace text and inside ligatures, where tight glyph boxes leave gaps of their own
        raw.FPDFText_GetLooseCharBox(textpage, i, rect)
        ox, oy = ctypes.c_double(), ctypes.c_double()
        raw.FPDFText_GetCharOrigin(textpage, i, ox, oy)
        size = raw.FPDFText_GetFontSize(textpage, i)
        font = raw.FPDFTextObj_GetFont(raw.FPDFText_GetTextObject(textpage, i))
        key = ctypes.cast(font, ctypes.c_void_p).value or 0
        style = fonts.get(key)
        if style is None:
            # one look-up per font: its name tells monospace (code) and bold (headings)
            raw.FPDFFont_GetBaseFontName(font, name, 128) if font else None
            font_name = name.value.decode("latin-1").lower() if font else ""
            fixed = bool(raw.FPDFFont_GetFlags(font, flags) and flags.value & 1) if font else False
            # by name only: PDFium's weights of embedded Type 1 fonts are stem-width guesses (regular 744, bold 620)
            style = (
                fixed or any(h in font_name for h in MONO_HINTS),
                any(h in font_name for h in BOLD_HINTS),
                any(h in font_name for h in MATH_HINTS),
            )
            fonts[key] = style
        mono, bold, math = style
        text = "-" if code == 2 else chr(code) if code else ""  # STX: PDFium's line-end hyphen
        if code in (10, 13):
            chars.append(None)
            continue
        if text.isspace():
            chars.append(Char(" ", 0, 0, 0, 0, False, False))
            continue
        chars.append(Char(text, rect.left, rect.right, height - oy.value, size, bold, mono, math))
    textpage.close()
    image_area = 0.0
    for image in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE]):  # also the images inside form objects
        left, bottom, right, top = image.get_bounds()
        image_area += max(0.0, right - left) * max(0.0, top - bottom)
    drawn = raw.FPDFPage_CountObjects(page) > 0
    page.close()
    fragments = _fragments(chars)
    result = Page(index, width, height, [], chars=count)
    result.image_share = min(1.0, image_area / max(1.0, width * height))
    result.drawn = drawn
    _order(result, fragments)
    return result


class _Fragment:
    """A run of characters on one baseline; geometry computed once (it is read many times)."""

    __slots__ = ("chars", "space_before", "x0", "x1", "size", "base")

    def __init__(self, chars: list[Char], space_before: list[bool]) -> None:
        self.chars = chars
        self.space_before = space_before
        self.x0 = chars[0].x0
        self.x1 = max(c.x1 for c in chars)
        self.size = statistics.median(c.size for c in chars)
        # the baseline of the main text: superscripts ride higher and are smaller
        main = [c.base for c in chars if c.size >= 0.85 * self.size]
        self.base = statistics.median(main or [c.base for c in chars])


def _fragments(chars: list[Char | None]) -> list[_Fragment]:
    out: list[_Fragment] = []
    current: list[Char] = []
    spaces: list[bool] = []
    pending_space = False

    def close() -> None:
        nonlocal current, spaces
        if current:
            out.append(_Fragment(current, spaces))
        current, spaces = [], []

    for ch in chars:
        if ch is None:
            pending_space = True
            continue
        if ch.size == 0 and ch.text == " ":
            pending_space = True
            continue
        if current:
            last = current[-1]
            ref = max(last.size, ch.size, 1.0)
            rise = last.base - ch.base
            same_line = abs(rise) <= 0.55 * ref
            gap = ch.x0 - last.x1
            # a decomposed ligature repeats the previous box; only a jump left of it starts a new run
            if not same_line or ch.x0 < last.x0 - 1 or gap > CELL_GAP_EM * ref:
                close()
            elif ch.x0 != last.x0 and gap > 0.18 * min(last.size, ch.size or last.size):
                pending_space = True  # a visible gap without a space character (TeX output)
        if ch.text.isspace():
            pending_space = bool(current)
            continue
        current.append(ch)
        spaces.append(pending_space and len(current) > 1)
        pending_space = False
    close()
    return out


def _fragment_text(fragment: _Fragment) -> tuple[str, list[str], bool, bool]:
    """Text with superscripts wrapped in SUP marks, the superscript runs, bold (most characters), mono (most characters)."""
    size = fragment.size
    base = fragment.base
    text: list[str] = []
    sups: list[str] = []
    run = ""
    for ch, space in zip(fragment.chars, fragment.space_before, strict=True):
        raised = base - ch.base > SUPERSCRIPT_RISE * size and ch.size < 0.9 * size
        if raised:
            run += ch.text
            continue
        if run:
            sups.append(run)
            text.append(SUP + run + SUP)
            run = ""
        if space and text:
            text.append(" ")
        text.append(ch.text)
    if run:
        sups.append(run)
        text.append(SUP + run + SUP)
    n = len(fragment.chars)
    bold = sum(c.bold for c in fragment.chars) > n / 2
    mono = sum(c.mono for c in fragment.chars) > n / 2
    return "".join(text), sups, bold, mono


def _gutter(width: float, fragments: list[_Fragment]) -> float | None:
    """The x of an empty vertical band near the middle that splits the page into two columns, if any."""
    wide = [f for f in fragments if f.x1 - f.x0 > 0.12 * width]
    if len(wide) < 10:
        return None
    best: tuple[int, int, float] | None = None
    x = 0.35 * width
    while x <= 0.65 * width:
        crossing = sum(1 for f in wide if f.x0 < x - 2 and f.x1 > x + 2)
        balance = min(sum(1 for f in wide if f.x1 <= x + 2), sum(1 for f in wide if f.x0 >= x - 2))
        # fewest lines crossing; among those, the split with most lines on its thinner side
        if best is None or (crossing, -balance) < best[:2]:
            best = (crossing, -balance, x)
        x += 3
    assert best is not None
    crossing, balance, x = best[0], -best[1], best[2]
    if crossing > 0.2 * len(wide) or balance < min(0.25 * len(wide), SHORT_COLUMN_LINES):
        return None
    if balance < 0.25 * len(wide):
        # one column runs short (a section ends at the top of the right column): still two columns when the
        # short side's lines are a column, flush at one left edge, not a few cells or a right-aligned date
        left = [f for f in wide if f.x1 <= x + 2]
        right = [f for f in wide if f.x0 >= x - 2]
        thin = left if len(left) < len(right) else right
        edges = Counter(round(f.x0) for f in thin)
        if max(edges.values()) < 0.8 * len(thin) or statistics.median(f.x1 - f.x0 for f in thin) < 0.25 * width:
            return None
    return x


def _order(page: Page, fragments: list[_Fragment]) -> None:
    gutter = _gutter(page.width, fragments)
    page.two_columns = gutter is not None
    page.gutter = gutter or 0.0

    def column(f: _Fragment) -> int:
        if gutter is None:
            return 0
        if f.x1 <= gutter + 2:
            return 1
        if f.x0 >= gutter - 2:
            return 2
        return 0

    groups: dict[int, list[_Fragment]] = {0: [], 1: [], 2: []}
    for f in fragments:
        groups[column(f)].append(f)
    lines = {c: _merge_lines(page.index, fs, c) for c, fs in groups.items()}
    if gutter is None:
        page.lines = sorted(lines[0], key=lambda ln: (round(ln.base), ln.x0))
        return
    # bands between full-width lines: inside each, the left column is read before the right one
    full = sorted(lines[0], key=lambda ln: ln.base)
    ordered: list[Line] = []
    bounds = [float("-inf")] + [ln.base for ln in full] + [float("inf")]
    for k in range(len(bounds) - 1):
        lo, hi = bounds[k], bounds[k + 1]
        for c in (1, 2):
            ordered += sorted((ln for ln in lines[c] if lo < ln.base <= hi), key=lambda ln: ln.base)
        if k < len(full):
            ordered.append(full[k])
    page.lines = ordered


def _justified(row: list[_Fragment], cells: list[str]) -> bool:
    """Single words spread by equal gaps: a justified line of prose (a table's gaps follow its columns)."""
    if len(row) < 3 or len(cells) != len(row):
        return False
    if not any(ch.isalpha() for c in cells for ch in c):
        return False
    gaps = [b.x0 - a.x1 for a, b in zip(row, row[1:], strict=False)]
    return max(gaps) - min(gaps) <= 0.25 * row[0].size


def _merge_lines(page: int, fragments: list[_Fragment], column: int) -> list[Line]:
    """Fragments on one baseline of one column become one line; wide gaps between them become cells."""
    rows: list[list[_Fragment]] = []
    for f in sorted(fragments, key=lambda f: (f.base, f.x0)):
        if rows and abs(rows[-1][0].base - f.base) <= 0.35 * max(f.size, rows[-1][0].size):
            rows[-1].append(f)
        else:
            rows.append([f])
    out: list[Line] = []
    for row in rows:
        row.sort(key=lambda f: f.x0)
        cells: list[str] = []
        sups: list[str] = []
        bold_chars = mono_chars = math_chars = total = 0
        for f in row:
            text, s, _, _ = _fragment_text(f)
            cells.append(text)
            sups += s
            total += len(f.chars)
            bold_chars += sum(c.bold for c in f.chars)
            mono_chars += sum(c.mono for c in f.chars)
            math_chars += sum(c.math for c in f.chars)
        cells = [c for c in cells if c.strip()]
        if not cells:
            continue
        if _justified(row, cells):
            cells = [" ".join(cells)]  # a justified line's wide word gaps are spaces, not table columns
        sizes = [c.size for f in row for c in f.chars]
        out.append(
            Line(
                page=page,
                text=" ".join(cells),
                x0=row[0].x0,
                x1=max(f.x1 for f in row),
                top=min(f.base for f in row) - max(sizes),
                base=statistics.median(f.base for f in row),
                size=statistics.median(sizes),
                bold=bold_chars > total / 2,
                mono=mono_chars > total / 2,
                mono_share=mono_chars / total,
                math_share=math_chars / total,
                column=column,
                cells=cells if len(cells) > 1 else [],
                superscripts=sups,
            )
        )
    return out
