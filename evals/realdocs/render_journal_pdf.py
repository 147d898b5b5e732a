"""The bundled journal issue as the PDF a publisher would send: two columns on A4, running headers, printed page
numbers, footnotes at the foot of the page with superscript markers in the text, DejaVu fonts (Unicode).

    python evals/realdocs/render_journal_pdf.py [--out .cache/realdocs/kjfs-2022-no1-2.pdf] [--no-front-matter]

Source: corpus/*.md (the cleaned articles). Each ``<!-- page N -->`` marker starts printed page N, so a page
of the PDF carries exactly the text the text path assigns to that page; its printed number and its PDF page
label are N (labels, since the issue skips a few numbers and the front matter comes first). Running headers
alternate like a printed journal: the journal's name on even pages, the article's title on odd ones; an
article's first page carries the rubric. Where the cleaned text lost a footnote's marker position, the marker
goes after the first sentence of the passage sharing most words with the note (else the next paragraph), so
note and marker always sit on the same page. ``render_issue`` returns what it put on every page, for tests.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
DEFAULT_OUT = ROOT / ".cache" / "realdocs" / "kjfs-2022-no1-2.pdf"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
# fonts-dejavu-core ships these four (no italic: that is fonts-dejavu-extra, which a clean machine lacks)
FONTS = {
    "Serif": "DejaVuSerif.ttf",
    "Serif-Bold": "DejaVuSerif-Bold.ttf",
    "Sans": "DejaVuSans.ttf",
    "Sans-Bold": "DejaVuSans-Bold.ttf",
}
PAGE_MARK = re.compile(r"<!-- page (\d+)(?: approx)? -->")
JOURNAL = "Kazakhstan Journal of Foreign Studies"

# A4 in points; margins and column gap as in a printed journal
WIDTH, HEIGHT = 595.28, 841.89
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM, GAP = 56.0, 64.0, 58.0, 18.0
BODY_SIZES = (10.5, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0)  # a page too full for one size is set in the next


@dataclass
class Article:
    doc_id: str
    title: str
    authors: list[str]
    rubric: str
    issue: str
    footnotes: list[str]
    # printed page -> blocks on it: ("h", heading) / ("p", paragraph) / ("c", a paragraph continued from before)
    pages: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


@dataclass
class RenderedPage:
    index: int  # 0-based page of the PDF
    label: str  # printed page number (also the PDF page label)
    doc_id: str | None  # None on the front matter
    header: str  # running header text
    footnotes: list[str]  # notes at the foot of this page, as printed ("1 The organization's ...")
    body_size: float  # font size the body text needed to fit


@dataclass
class RenderedIssue:
    path: Path
    pages: list[RenderedPage]

    def by_label(self, label: int | str) -> RenderedPage:
        return next(p for p in self.pages if p.label == str(label))


def read_article(path: Path) -> Article:
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    meta = json.loads(front)
    article = Article(
        doc_id=meta["doc_id"],
        title=meta["title"],
        authors=list(meta.get("authors", [])),
        rubric=meta.get("rubric", ""),
        issue=meta.get("issue", JOURNAL),
        footnotes=list(meta.get("footnotes", [])),
    )
    page = int(meta["page_start"])
    for block in re.split(r"\n\s*\n", body.strip()):
        block = block.strip()
        if block.startswith("## "):
            article.pages.setdefault(page, []).append(("h", block[3:].strip()))
            continue
        kind = "p"
        pieces = PAGE_MARK.split(block)  # text, number, text, number, text ...
        for i in range(0, len(pieces), 2):
            text = " ".join(pieces[i].split())
            if text:
                article.pages.setdefault(page, []).append((kind, text))
            if i + 1 < len(pieces):
                # a marker at the very start opens a new paragraph on the new page; mid-text it continues one
                kind = "c" if text or kind == "c" else "p"
                page = int(pieces[i + 1])
    return article


def read_issue(corpus_dir: Path = CORPUS) -> list[Article]:
    articles = [read_article(p) for p in sorted(corpus_dir.glob("*.md"))]
    return sorted(articles, key=lambda a: min(a.pages))


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]{4,}", text)}


def place_footnotes(article: Article) -> dict[tuple[int, int], list[int]]:
    """(page, block index) -> numbers of the notes whose markers go in that block, in note order."""
    blocks = [(page, i) for page in sorted(article.pages) for i, (kind, _) in enumerate(article.pages[page])]
    blocks = [b for b in blocks if article.pages[b[0]][b[1]][0] != "h"]
    anchors: dict[tuple[int, int], list[int]] = {}
    start = 0
    total = len(article.footnotes)
    for n, note in enumerate(article.footnotes, 1):
        # look ahead no further than twice an even share of what is left, so 36 notes spread over the
        # article instead of piling onto its last page
        left = total - n + 1
        window = range(start, min(len(blocks), start + max(1, 2 * (len(blocks) - start) // left)))
        wanted = _words(note)
        best = max(window, key=lambda k: (len(wanted & _words(article.pages[blocks[k][0]][blocks[k][1]][1])), -k))
        if not wanted & _words(article.pages[blocks[best][0]][blocks[best][1]][1]):
            best = start
        anchors.setdefault(blocks[best], []).append(n)
        # the next note goes after this one; it may share the block only when blocks run out
        start = best + 1 if len(blocks) - best - 1 >= left - 1 else best
    return anchors


def _with_markers(text: str, numbers: list[int]) -> str:
    """Paragraph markup with superscript note markers: the first after the first sentence, the next after the
    second, and so on (the rest after the last sentence)."""
    ends = [m.end() for m in re.finditer(r"[.!?][”\"’)]?(?=\s)", text)] + [len(text)]
    at: dict[int, list[str]] = {}
    for k, number in enumerate(numbers):
        at.setdefault(ends[min(k, len(ends) - 1)], []).append(str(number))
    out, cursor = [], 0
    for cut, marks in sorted(at.items()):  # several at one place print as "6,7", as journals do
        out.append(escape(text[cursor:cut]) + f"<super>{','.join(marks)}</super>")
        cursor = cut
    return "".join(out) + escape(text[cursor:])


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    missing = [name for name in FONTS.values() if not (DEJAVU / name).exists()]
    if missing:
        raise FileNotFoundError(f"DejaVu fonts missing ({', '.join(missing)}): apt-get install fonts-dejavu-core")
    for name, file in FONTS.items():
        if f"DejaVu{name}" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(f"DejaVu{name}", str(DEJAVU / file)))


def _styles(size: float) -> dict[str, object]:
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
    from reportlab.lib.styles import ParagraphStyle

    lead = size * 1.3
    return {
        "p": ParagraphStyle("p", fontName="DejaVuSerif", fontSize=size, leading=lead, alignment=TA_JUSTIFY,
                            firstLineIndent=size * 1.4),
        "c": ParagraphStyle("c", fontName="DejaVuSerif", fontSize=size, leading=lead, alignment=TA_JUSTIFY),
        "h": ParagraphStyle("h", fontName="DejaVuSerif-Bold", fontSize=size + 1.5, leading=(size + 1.5) * 1.25,
                            spaceBefore=size * 0.9, spaceAfter=size * 0.4, keepWithNext=1),
        "title": ParagraphStyle("title", fontName="DejaVuSerif-Bold", fontSize=17, leading=21, alignment=TA_CENTER,
                                spaceAfter=8),
        "authors": ParagraphStyle("authors", fontName="DejaVuSans-Bold", fontSize=10.5, leading=14,
                                  alignment=TA_CENTER, spaceAfter=4),
        "rubric": ParagraphStyle("rubric", fontName="DejaVuSans", fontSize=9, leading=12, alignment=TA_CENTER,
                                 spaceAfter=10),
        "note": ParagraphStyle("note", fontName="DejaVuSerif", fontSize=7.5, leading=9.2),
        "contents": ParagraphStyle("contents", fontName="DejaVuSerif", fontSize=11, leading=16),
    }  # fmt: skip


class _Page:
    """One printed page: what goes in its columns and at its foot, and the layout that makes it fit."""

    def __init__(self, article: Article, page: int, anchors: dict[tuple[int, int], list[int]], first: bool) -> None:
        self.article, self.page, self.first = article, page, first
        self.notes = [n for (p, _), numbers in anchors.items() if p == page for n in numbers]
        self.anchors = {i: numbers for (p, i), numbers in anchors.items() if p == page}

    def header(self) -> str:
        if self.first:
            return self.article.rubric or self.article.issue
        return JOURNAL if self.page % 2 == 0 else self.article.title

    def flowables(self, size: float) -> tuple[list, list]:
        """(title block across both columns, body for the columns) at body font ``size``."""
        from reportlab.platypus import Paragraph

        st = _styles(size)
        top: list = []
        if self.first:
            if self.article.rubric:
                top.append(Paragraph(escape(self.article.rubric.upper()), st["rubric"]))
            top.append(Paragraph(escape(self.article.title), st["title"]))
            if self.article.authors:
                top.append(Paragraph(escape(", ".join(self.article.authors)), st["authors"]))
        body = []
        for i, (kind, text) in enumerate(self.article.pages[self.page]):
            markup = _with_markers(text, self.anchors[i]) if i in self.anchors else escape(text)
            body.append(Paragraph(markup, st[kind]))
        return top, body

    def note_texts(self) -> list[str]:
        return [self.article.footnotes[n - 1] for n in self.notes]

    def draw(self, canv, size: float) -> bool:
        """Lay the page out on ``canv``; False (and something left over) when it does not fit at ``size``."""
        from reportlab.platypus import Frame, Paragraph

        st = _styles(size)
        bottom = MARGIN_BOTTOM
        notes = [Paragraph(_note_markup(t), st["note"]) for t in self.note_texts()]
        if notes:
            width = WIDTH - 2 * MARGIN_X
            height = sum(n.wrap(width, HEIGHT)[1] + 2 for n in notes)
            y = bottom
            for note in reversed(notes):
                note.drawOn(canv, MARGIN_X, y)
                y += note.height + 2
            canv.setLineWidth(0.5)
            canv.line(MARGIN_X, bottom + height + 3, MARGIN_X + 120, bottom + height + 3)
            bottom += height + 10
        top_y = HEIGHT - MARGIN_TOP
        title, body = self.flowables(size)
        if title:
            frame = Frame(MARGIN_X, bottom, WIDTH - 2 * MARGIN_X, top_y - bottom, showBoundary=0)
            frame.addFromList(title, canv)
            if title:
                return False
            top_y = frame._y - 10  # below the last line the title block used
        column = (WIDTH - 2 * MARGIN_X - GAP) / 2
        for x in (MARGIN_X, MARGIN_X + column + GAP):
            Frame(x, bottom, column, top_y - bottom, leftPadding=0, rightPadding=0, showBoundary=0).addFromList(
                body, canv
            )
        return not body


def _note_markup(note: str) -> str:
    number, _, text = note.partition(" ")
    return f"<super>{escape(number)}</super> {escape(text)}" if number.isdigit() else escape(note)


def _draw_furniture(canv, header: str, label: str | None) -> None:
    """Running header with its rule, and the printed page number at the foot."""
    canv.setFont("DejaVuSans", 8)
    text = header if canv.stringWidth(header, "DejaVuSans", 8) < WIDTH - 2 * MARGIN_X else header[:90] + "…"
    y = HEIGHT - MARGIN_TOP + 22
    if label is not None and int(label) % 2 == 0:
        canv.drawString(MARGIN_X, y, text)
    else:
        canv.drawRightString(WIDTH - MARGIN_X, y, text)
    canv.setLineWidth(0.4)
    canv.line(MARGIN_X, y - 4, WIDTH - MARGIN_X, y - 4)
    if label is not None:
        canv.setFont("DejaVuSans", 9)
        canv.drawCentredString(WIDTH / 2, MARGIN_BOTTOM - 28, label)


def render_issue(out: Path = DEFAULT_OUT, corpus_dir: Path = CORPUS, *, front_matter: bool = True) -> RenderedIssue:
    """Write the issue to ``out``; with ``front_matter`` a cover (label 1) and a contents page (label 3) come
    first, as in the printed issue (its foreword is on page 5)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import PageLabelStyle
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Frame, Paragraph

    _register_fonts()
    articles = read_issue(corpus_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = io.BytesIO()
    canv = canvas.Canvas(raw, pagesize=(WIDTH, HEIGHT))
    issue = articles[0].issue if articles else JOURNAL
    canv.setTitle(issue)
    canv.setAuthor("Kazakhstan Institute for Strategic Studies")
    pages: list[RenderedPage] = []
    if front_matter:
        st = _styles(10.5)
        canv.setFont("DejaVuSerif-Bold", 26)
        canv.drawCentredString(WIDTH / 2, HEIGHT * 0.62, JOURNAL)
        canv.setFont("DejaVuSerif", 16)
        canv.drawCentredString(WIDTH / 2, HEIGHT * 0.62 - 36, issue.replace(JOURNAL, "").strip())
        canv.showPage()
        pages.append(RenderedPage(0, "1", None, "", [], 0.0))
        _draw_furniture(canv, issue, "3")
        rows = [Paragraph("<b>CONTENTS</b>", st["contents"])]
        for a in articles:
            who = f"<i>{escape(', '.join(a.authors))}</i> " if a.authors else ""
            rows.append(Paragraph(f"{who}{escape(a.title)} " + "." * 12 + f" {min(a.pages)}", st["contents"]))
        Frame(MARGIN_X, MARGIN_BOTTOM, WIDTH - 2 * MARGIN_X, HEIGHT - MARGIN_TOP - MARGIN_BOTTOM).addFromList(
            rows, canv
        )
        canv.showPage()
        pages.append(RenderedPage(1, "3", None, issue, [], 0.0))
    for article in articles:
        anchors = place_footnotes(article)
        for n, page in enumerate(sorted(article.pages)):
            spec = _Page(article, page, anchors, first=n == 0)
            for size in BODY_SIZES:  # dry run on a scratch canvas; the first size that fits is drawn for real
                if spec.draw(canvas.Canvas(io.BytesIO(), pagesize=(WIDTH, HEIGHT)), size):
                    break
            else:
                raise ValueError(f"{article.doc_id} page {page} does not fit even at {BODY_SIZES[-1]} pt")
            _draw_furniture(canv, spec.header(), str(page))
            spec.draw(canv, size)
            canv.showPage()
            pages.append(RenderedPage(len(pages), str(page), article.doc_id, spec.header(), spec.note_texts(), size))
    canv.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw.getvalue())))
    for page in pages:
        writer.set_page_label(page.index, page.index, style=PageLabelStyle.DECIMAL, start=int(page.label))
    with open(out, "wb") as fh:
        writer.write(fh)
    return RenderedIssue(out, pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--no-front-matter", dest="front_matter", action="store_false")
    args = parser.parse_args(argv)
    issue = render_issue(args.out, args.corpus, front_matter=args.front_matter)
    sizes = sorted({p.body_size for p in issue.pages if p.doc_id})
    print(f"{issue.path}: {len(issue.pages)} pages, body set in {', '.join(map(str, sizes))} pt", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
