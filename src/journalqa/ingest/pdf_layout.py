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
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# Lines that sit this much higher than the line's baseline and are smaller are superscripts (footnote markers).
SUPERSCRIPT_RISE = 0.25
SHORT_COLUMN_LINES = 6  # a column beside a full one may be this short and still be a column
CELL_GAP_EM = 1.5  # a horizontal gap wider than this (in font sizes) separates table cells or columns
ALIGN_TOLERANCE = 3.0  # points: cells of one table column start (or end) at the same x on neighbouring rows
TABLE_NEIGHBOURS = 4.0  # font sizes: how far above or below a row its table's next row may be
# TeX's fonts by name: cm (cmbx, cmtt), the EC/cm-super fonts (sfbx, sftt, ecbx, ectt), Latin Modern (lmmono)
BOLD_HINTS = ("bold", "cmbx", "sfbx", "sfsx", "ecbx", "ecsx", "demi", "black", "heavy", "semibold")
MATH_HINTS = ("math", "cmmi", "cmsy", "cmex", "msbm", "msam", "symbol", "stix")
MONO_HINTS = ("mono", "courier", "typewriter", "cmtt", "sftt", "ectt", "tctt", "consol", "menlo", "inconsolata", "lmmono")  # fmt: skip
# A font without a Unicode map makes PDFium report TeX's own glyph codes: below 0x20 those are ligatures, quotes
# and dashes (``modi\x1ced`` is "modified"). 0x0B-0x0F as in OT1 (Knuth's fonts), 0x10-0x1F as in T1 (EC fonts).
TEX_CODES = dict(
    zip(
        range(0x0B, 0x20),
        ["ff", "fi", "fl", "ffi", "ffl", "\u201c", "\u201d", "\u201e", "\u00ab", "\u00bb", "\u2013", "\u2014", "",
         "", "\u0131", "\u0237", "ff", "fi", "fl", "ffi", "ffl"],
        strict=True,
    )
)  # fmt: skip
# Accents TeX sets as glyphs of their own above a letter (OT1 fonts: ``Schr¨oder``): joined to that letter as
# combining marks, then composed (NFC) into one character.
ACCENTS = {
    "\u00a8": "\u0308", "\u00b4": "\u0301", "\u02c6": "\u0302", "\u02dc": "\u0303", "\u00af": "\u0304",
    "\u02d8": "\u0306", "\u02d9": "\u0307", "\u02da": "\u030a", "\u02dd": "\u030b", "\u02c7": "\u030c",
    "\u00b8": "\u0327", "\u02db": "\u0328",
}  # fmt: skip
# A font whose name says nothing (an unnamed Type 3 font, as R's Sweave vignettes embed their code font) is
# monospace when its wide letters are as wide as its narrow ones: ``m`` is ~3x ``i``, ``o`` ~1.8x ``l`` in a
# proportional font.
NARROW, WIDE = frozenset("ijlt.,:;"), frozenset("mwoabdpqnuhMWODQH")
WATERMARK_SIZE = 20.0  # light text this large (points) is a watermark, not print
LIGHT = 160  # a fill this light in every channel (0-255) is a watermark's grey
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
    font: int = 0  # the font's handle on its page


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
    # (x0, x1) of each cell: a table's cells line up with the next row's, a loose line's wide gaps do not
    cell_edges: list[tuple[float, float]] = field(default_factory=list)
    # the line's pieces between wide gaps, kept when they are not table cells (names set apart on a title page)
    spans: list[str] = field(default_factory=list)
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
    aside: str = ""  # text kept out of the reading order: watermarks, text turned sideways or on a slant

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
    # text object -> (scale, out of the flow, mono, bold, math, font): looked up once per object, not per glyph
    objects: dict[int, tuple[float, bool, bool, bool, bool, int]] = {}
    matrix = raw.FS_MATRIX()
    rgba = [ctypes.c_uint() for _ in range(4)]
    ox, oy = ctypes.c_double(), ctypes.c_double()
    address = ctypes.c_void_p.from_buffer  # a handle's address, 4x faster than ctypes.cast
    aside: list[Char | None] = []  # watermarks and turned text, out of the reading order
    widths: dict[int, dict[str, float]] = {}  # font -> widths of its narrow and wide letters, per font size
    i = -1
    while i + 1 < count:
        i += 1
        code = raw.FPDFText_GetUnicode(textpage, i)
        if code in (10, 13):
            chars.append(None)  # PDFium's line breaks are not trusted: a break is only a word gap
            continue
        if raw.FPDFText_IsGenerated(textpage, i):
            chars.append(Char(" ", 0, 0, 0, 0, False, False))  # PDFium's generated spaces mark word gaps
            continue
        if 0xD800 <= code <= 0xDBFF and i + 1 < count:
            # PDFium counts UTF-16 units: an astral character (math italic ε, U+1D700) is a pair of surrogates
            low = raw.FPDFText_GetUnicode(textpage, i + 1)
            if 0xDC00 <= low <= 0xDFFF:
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                i += 1
        textobj = raw.FPDFText_GetTextObject(textpage, i)
        obj_key = address(textobj).value or 0
        placed = objects.get(obj_key)
        if placed is None:
            placed = objects[obj_key] = _placing(raw, textpage, i, textobj, matrix, rgba, fonts, name, flags)
        scale, off_flow, mono, bold, math, key = placed
        text = "-" if code == 2 else TEX_CODES.get(code) or chr(code) if code else ""  # STX: PDFium's line-end hyphen
        if not text or 0xD800 <= code <= 0xDFFF:
            continue  # a lone surrogate stands for nothing a file can hold
        if text.isspace():
            (aside if off_flow else chars).append(Char(" ", 0, 0, 0, 0, False, False))
            continue
        # the loose box spans the glyph's advance: gaps between boxes are then real word gaps, also in
        # monospace text and inside ligatures, where tight glyph boxes leave gaps of their own
        raw.FPDFText_GetLooseCharBox(textpage, i, rect)
        raw.FPDFText_GetCharOrigin(textpage, i, ox, oy)
        size = raw.FPDFText_GetFontSize(textpage, i) * scale
        glyph = Char(text, rect.left, rect.right, height - oy.value, size, bold, mono, math, key)
        (aside if off_flow else chars).append(glyph)
        if key and (text in NARROW or text in WIDE):
            widths.setdefault(key, {}).setdefault(text, (rect.right - rect.left) / max(size, 1.0))
    textpage.close()
    fixed_pitch = {key for key, seen in widths.items() if _fixed_pitch(seen)}
    for c in chars:
        if c is not None and c.font in fixed_pitch:
            c.mono = True
    if sum(c is not None and c.size > 0 for c in aside) > sum(c is not None and c.size > 0 for c in chars):
        chars, aside = chars + [None] + aside, []  # a page set sideways as a whole is still the page's text
    image_area = 0.0
    for image in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE]):  # also the images inside form objects
        left, bottom, right, top = image.get_bounds()
        image_area += max(0.0, right - left) * max(0.0, top - bottom)
    drawn = raw.FPDFPage_CountObjects(page) > 0
    page.close()
    fragments = _fragments(_join_accents(chars))
    result = Page(index, width, height, [], chars=count)
    result.aside = "".join(c.text for c in aside if c is not None).strip()
    result.image_share = min(1.0, image_area / max(1.0, width * height))
    result.drawn = drawn
    _order(result, fragments)
    return result


def _placing(raw, textpage, i: int, textobj, matrix, rgba, fonts: dict, name, flags) -> tuple:  # noqa: ANN001
    """(scale, out of the flow, mono, bold, math, font handle) of the text object glyph ``i`` belongs to."""
    # the font size is the text state's; the text matrix may scale it (a 200 pt watermark at Tf 10), turn it
    # (a diagonal "draft") or the fill may be a light grey: those are not the page's print
    raw.FPDFText_GetMatrix(textpage, i, matrix)
    scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5 or 1.0
    turned = abs(matrix.b) + abs(matrix.c) > 0.05 * scale
    raw.FPDFText_GetFillColor(textpage, i, *rgba)
    light = rgba[3].value > 0 and min(c.value for c in rgba[:3]) >= LIGHT
    large = raw.FPDFText_GetFontSize(textpage, i) * scale >= WATERMARK_SIZE
    font = raw.FPDFTextObj_GetFont(textobj)
    key = ctypes.c_void_p.from_buffer(font).value or 0 if font else 0
    style = fonts.get(key)
    if style is None:
        # one look-up per font: its name tells monospace (code) and bold (headings)
        raw.FPDFFont_GetBaseFontName(font, name, 128) if font else None
        font_name = name.value.decode("latin-1").lower() if font else ""
        fixed = bool(raw.FPDFFont_GetFlags(font, flags) and flags.value & 1) if font else False
        # by name only: PDFium's weights of embedded Type 1 fonts are stem-width guesses (regular 744, bold 620)
        style = fonts[key] = (
            fixed or any(h in font_name for h in MONO_HINTS),
            any(h in font_name for h in BOLD_HINTS),
            any(h in font_name for h in MATH_HINTS),
        )
    # an OCR text layer (invisible text, Tesseract's GlyphLessFont) stretches every glyph of a word to the same
    # width: its widths say nothing about the type, so they must not make a scan's prose "monospace" code (key 0:
    # no font whose widths or spacing can be read)
    if raw.FPDFTextObj_GetTextRenderMode(textobj) == raw.FPDF_TEXTRENDERMODE_INVISIBLE:
        key = 0
    return (scale, turned or (light and large), *style, key)


def _fixed_pitch(widths: dict[str, float]) -> bool:
    narrow = [w for ch, w in widths.items() if ch in NARROW]
    wide = [w for ch, w in widths.items() if ch in WIDE]
    return bool(narrow and wide) and max(wide) < 1.3 * min(narrow)


def _join_accents(chars: list[Char | None]) -> list[Char | None]:
    """An accent glyph set over a neighbouring letter (``¨`` + ``o`` in OT1 fonts) joined to that letter as a
    combining mark and composed: ``Schr¨oder`` -> ``Schröder``. The letter is the neighbour whose box holds the
    accent's middle; an accent over nothing (a spacing ``¨`` in prose) stays as it is."""
    out: list[Char | None] = []
    skip = False
    for k, ch in enumerate(chars):
        if skip:
            skip = False
            continue
        mark = ACCENTS.get(ch.text) if ch is not None else None
        if mark is None or ch is None:
            out.append(ch)
            continue
        middle = (ch.x0 + ch.x1) / 2
        after = chars[k + 1] if k + 1 < len(chars) else None
        before = out[-1] if out else None
        if after is not None and after.text.isalpha() and after.x0 <= middle <= after.x1:
            out.append(_with_mark(after, mark))
            skip = True
        elif before is not None and before.text.isalpha() and before.x0 <= middle <= before.x1:
            out[-1] = _with_mark(before, mark)
        else:
            out.append(ch)
    return out


def _with_mark(ch: Char, mark: str) -> Char:
    return Char(unicodedata.normalize("NFC", ch.text + mark), ch.x0, ch.x1, ch.base, ch.size, ch.bold, ch.mono, ch.math)


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


WORD_GAP_EM = 0.18  # a gap this much wider than the font's own gap after that glyph, without a space, is a word gap
MIN_GLYPH_GAPS = 3  # occurrences of a glyph (in one font, on one page) before its own gap is trusted


def _glyph_gaps(chars: list[Char | None]) -> dict[tuple[int, str], float]:
    """The font's own spacing: for each glyph of each font on the page, the median gap to the glyph after it when
    no space lies between. Letter-spaced type, or a font whose boxes are narrower than its advances (``dep ends``,
    ``op erating``), leaves a gap inside every word; measured against the glyph's usual gap, only word gaps
    remain."""
    seen: dict[tuple[int, str], list[float]] = {}
    last: Char | None = None
    for ch in chars:
        if ch is None or ch.text.isspace():
            last = None  # a space between: not the glyph's own spacing
            continue
        if last is not None and abs(last.base - ch.base) <= 0.55 * max(last.size, 1.0) and ch.x0 > last.x0:
            gap = ch.x0 - last.x1
            if gap < CELL_GAP_EM * max(last.size, 1.0):
                seen.setdefault((last.font, last.text), []).append(gap)
        last = ch
    return {key: max(0.0, statistics.median(gaps)) for key, gaps in seen.items() if len(gaps) >= MIN_GLYPH_GAPS}


def _fragments(chars: list[Char | None]) -> list[_Fragment]:
    out: list[_Fragment] = []
    current: list[Char] = []
    spaces: list[bool] = []
    pending_space = False
    own_gap = _glyph_gaps(chars)

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
            elif ch.x0 != last.x0 and gap - own_gap.get((last.font, last.text), 0.0) > WORD_GAP_EM * min(
                last.size, ch.size or last.size
            ):
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
    lines = {c: _table_rows(_merge_lines(page.index, fs, c)) for c, fs in groups.items()}
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


def _table_rows(lines: list[Line]) -> list[Line]:
    """Cells only where a table has columns: a row keeps its cells when one of its cell edges lines up with a
    cell edge of a neighbouring row (within ``TABLE_NEIGHBOURS`` font sizes). A loose line of justified prose has
    wide gaps too, but nowhere the next line has one; its cells become one line of text again."""
    rows = [ln for ln in lines if ln.cells]
    for ln in rows:
        starts = {round(x0) for x0, _ in ln.cell_edges[1:]}
        ends = {round(x1) for _, x1 in ln.cell_edges[:-1]}
        aligned = False
        for other in rows:
            if other is ln or abs(other.base - ln.base) > TABLE_NEIGHBOURS * ln.size:
                continue
            if any(abs(x0 - s) <= ALIGN_TOLERANCE for x0, _ in other.cell_edges[1:] for s in starts) or any(
                abs(x1 - e) <= ALIGN_TOLERANCE for _, x1 in other.cell_edges[:-1] for e in ends
            ):
                aligned = True
                break
        if not aligned:
            ln.cells, ln.cell_edges = [], []
    return lines


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
        edges: list[tuple[float, float]] = []
        sups: list[str] = []
        bold_chars = mono_chars = math_chars = total = 0
        for f in row:
            text, s, _, _ = _fragment_text(f)
            if text.strip():
                cells.append(text)
                edges.append((f.x0, f.x1))
            sups += s
            total += len(f.chars)
            bold_chars += sum(c.bold for c in f.chars)
            mono_chars += sum(c.mono for c in f.chars)
            math_chars += sum(c.math for c in f.chars)
        if not cells:
            continue
        spans = cells if len(cells) > 1 else []
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
                cell_edges=edges if len(cells) > 1 else [],
                spans=spans,
                superscripts=sups,
            )
        )
    return out
