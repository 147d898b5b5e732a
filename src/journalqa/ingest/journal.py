"""Journal-issue text source format: one PDF-extracted issue split into clean per-document Markdown files.

The input is the plain text of an issue of the *Kazakhstan Journal of Foreign Studies* as a PDF
extractor left it. Everything here works from layout rules, never from line numbers or known
titles, so another issue in the same format splits the same way.

What the extractor left, and the rule used for each:

* **Running headers** ``8 Kazakhstan Journal of Foreign Studies • №1–2 (3–4) 2022`` (even pages)
  and ``39№1–2 (3–4) 2022 • Kazakhstan Journal of Foreign Studies`` (odd pages). They are the
  *top* of a page: the spaced rubric / running title that follows each one is the page head, and
  the text after them continues mid-sentence from the previous page. So the page number of a
  header is the page that starts at the header line ("exact" page marks).
* **Page starts without a header.** The extractor begins every page's first text line with one
  space while every other line starts flush left; a line that starts with exactly one space and
  follows a non-blank line is therefore a page start (this includes the `` I N T R O D U C T I O N``
  banner: an article's title/abstract page and its first text page are separate pages). Article
  title fragments start a page too. Between two headers the starts are numbered one by one when
  their count fills the gap exactly (true for most gaps here), else by linear interpolation of
  the line position (kept strictly increasing, dropped rather than invented when they do not
  fit); before the first / after the last header they are counted backwards / forwards. All
  such marks are ``approx``; only header pages are exact. ``page_start`` / ``page_end`` are the
  pages in force at a document's first and last line.
* **Spaced-letter banners** ``A B S T R A C T``: after a running header they are the rubric
  (even pages) or the article's running title (odd pages) and are dropped; elsewhere they are
  section headings.
* **Floats**: pull-quotes (ALL-CAPS or mixed case) and picture captions are emitted after the
  text of their page, i.e. just before the next page start. A float is a block separated from
  the text by a blank line that sits right before a page start and either repeats text of the
  document or is a short line without final punctuation. ALL-CAPS blocks of 3+ lines are
  pull-quotes wherever they stand.
* **Footnotes**: after a blank line, a line ``<n> <text>`` where ``n`` continues the document's
  footnote numbering, plus its continuation lines, up to a blank line or the next page start.
  Their superscript markers glued to words (``Embassy1.``, ``202010.`` = 2020 + note 10) are
  removed from the prose in numbering order.
* **Line-break hyphens** ``Turkmeni-`` + ``stan`` are joined when the joined word occurs in the
  issue (or the parts are plain lowercase and the left part is no compound prefix), and kept as
  a real hyphen otherwise (``non-`` + ``titular``, ``mid-`` + ``August``).
* **Figures and tables** (rows of numbers, column-aligned lines, ``Table 1.``, ``Source:``,
  Title-Case chart titles) are dropped with the short label blocks around them.
* **Front matter.** The article title is the ALL-CAPS fragment before the first ABSTRACT /
  INTRODUCTION banner, completed from a running-title banner that contains it (the Tajikistan
  article's part before the colon exists only there) or from a detached ALL-CAPS subtitle line
  on the title page; it is set in sentence case with proper nouns as the prose writes them.
  The abstract stays in the body under an ``Abstract`` heading and is also copied to metadata;
  keywords and author notes (a name line followed by an ``Email:`` line) go to metadata only.
  Spaced banners and ALL-CAPS lines in the body become ``##`` section headings.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from journalqa.ingest.docfile import page_comment, render_markdown, slugify

from . import footnotes
from .footnotes import strip_note_markers
from .hyphens import build_vocab, join_hyphenated, repair_inline_hyphens
from .normalize import squash_spaces

JOURNAL_HEADER = re.compile(
    r"^\s*(?P<page>\d{1,4})\s*(?:"
    r"(?P<journal_a>[^•№\d][^•№]*?)\s*•\s*(?P<issue_a>№.+?)"
    r"|(?P<issue_b>№.+?)\s*•\s*(?P<journal_b>[^•№]+?)"
    r")\s*$"
)
ISSUE_HEADER = re.compile(r"Kazakhstan Journal of Foreign Studies\s*•|•\s*Kazakhstan Journal of Foreign Studies")
SPACED_BANNER = re.compile(r"(?:\S {1,3}){3,}\S")
NUMBERED_HEADING = re.compile(r"^\d{1,2}\.\s+[A-Z]")
BULLET_START = re.compile(r"^(?:[•–—-]\s|\(?[ivx]{1,4}\)\s|[A-Za-z]\)\s|\d{1,2}\.\s)")
TERMINAL = re.compile(r"[.!?…][\"”“’»)\]]*$")
CAPTION_MARKER = re.compile(r"^(?:Table|Figure|Fig\.|Chart|Diagram|Source)\s*\d*\s*[.:]")
NUMERIC_TOKEN = re.compile(r"^[+-]?[\d.,]+%?$")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
NAME_LINE = re.compile(r"^[A-Z][a-z]+(?: [A-Z][a-z]+){1,3}$")

FUNCTION_WORDS = frozenset(
    "a an and as at by for from in into of on or the to with without under over between before after "
    "is are was were be its their his her our this that these those".split()
)
DOUBLE_ACUTE = "\u02dd"
COMBINING_DOUBLE_ACUTE = "\u030b"


@dataclass
class SplitDocument:
    doc_id: str
    title: str
    blocks: list[tuple[str, str]]
    metadata: dict = field(default_factory=dict)

    def to_markdown(self) -> str:
        return render_markdown(self.doc_id, self.title, self.blocks, self.metadata)


@dataclass
class Line:
    """One source line with what the layout analysis found out about it."""

    number: int  # 0-based index in the issue
    raw: str
    page: str | None = None  # page that starts on this line
    approx: bool = False

    @property
    def text(self) -> str:
        return self.raw.strip()


@dataclass
class Stats:
    hyphen_joined: int = 0
    hyphen_kept: int = 0
    inline_hyphens_repaired: int = 0
    pull_quotes: int = 0
    captions: int = 0
    figure_blocks: int = 0
    footnotes: int = 0
    note_markers: int = 0
    banner_headings: int = 0  # spaced banners turned into section headings
    running_banners: int = 0  # rubric / running-title banners under page headers, removed
    headers: int = 0

    def add(self, other: Stats) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


# --------------------------------------------------------------------------- line predicates


def is_blank(text: str) -> bool:
    return not text.strip()


def parse_running_header(text: str) -> tuple[int, str] | None:
    """``(page, issue label)`` if the line is a running page header."""
    match = JOURNAL_HEADER.match(text)
    if not match:
        return None
    journal = (match.group("journal_a") or match.group("journal_b")).strip()
    issue = (match.group("issue_a") or match.group("issue_b")).strip()
    if len(journal.split()) < 2:
        return None
    return int(match.group("page")), f"{journal} {issue}"


def is_spaced_banner(text: str) -> bool:
    stripped = text.strip()
    if not SPACED_BANNER.fullmatch(stripped):
        return False
    tokens = stripped.split()
    # Letter-spaced text is almost all one-character tokens; a prose line never is.
    return sum(len(t) == 1 for t in tokens) >= 0.8 * len(tokens)


def decode_banner(text: str) -> str:
    words = re.split(r"\s{2,}", text.strip())
    return " ".join("".join(word.split()) for word in words)


def is_caps_line(text: str) -> bool:
    stripped = text.strip()
    letters = [c for c in stripped if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and not is_spaced_banner(stripped)


def is_page_start(lines: list[str], i: int) -> bool:
    """A line set in by exactly one space right after a non-blank line opens a new page."""
    line = lines[i]
    if not line.startswith(" ") or line.startswith("  ") or is_blank(line):
        return False
    return i == 0 or not is_blank(lines[i - 1])


def looks_like_journal_issue(text: str) -> bool:
    """A whole issue's extracted text (running headers on several pages, an article's spaced ABSTRACT banner)."""
    return len(ISSUE_HEADER.findall(text)) >= 2 and "A B S T R A C T" in text


def extract_footnotes(lines: list[str]) -> tuple[list[int], list[tuple[int, str]]]:
    """The footnote pass on an issue's lines, whose pages start at a line set in by one space."""
    return footnotes.extract_footnotes(lines, is_page_start)


def ends_sentence(text: str) -> bool:
    return bool(TERMINAL.search(text.rstrip()))


def is_table_row(text: str) -> bool:
    """Chart axes, table rows and column-aligned figure text."""
    if is_blank(text):
        return False
    if re.match(r"^\s{4,}\S", text) or len(re.findall(r"\S\s{4,}(?=\S)", text)) >= 2:
        return True
    stripped = text.strip()
    if stripped.startswith("%"):
        return True
    tokens = stripped.split()
    numeric = [NUMERIC_TOKEN.match(t) is not None for t in tokens]
    if len(tokens) >= 2 and all(numeric):
        return True
    # "Aged 15 to 29 44 58 +14": a short label followed by two or more numbers.
    tail = 0
    for flag in reversed(numeric):
        if not flag:
            break
        tail += 1
    return tail >= 2 and len(stripped) <= 60 and tail < len(tokens)


def is_figure_title(text: str) -> bool:
    stripped = text.strip()
    words = [w for w in stripped.split() if len(w) > 3 and w[0].isalpha()]
    if len(stripped.split()) < 4 or ends_sentence(stripped) or len(words) < 4:
        return False
    # Chart titles capitalise every content word; prose never does for a whole line.
    return all(w[0].isupper() for w in words) and not is_caps_line(stripped)


def decode_heading(text: str) -> str:
    """Heading text of a spaced banner or an ALL-CAPS line (empty for anything else)."""
    if is_spaced_banner(text):
        return decode_banner(text)
    return text.strip() if is_caps_line(text) else ""


def is_name_line(text: str) -> bool:
    return bool(NAME_LINE.match(text.strip()))


# --------------------------------------------------------------------------- text helpers


def normalize_quotes(text: str) -> str:
    """The issue prints quotation marks as a double acute accent; make them plain quotes."""
    text = text.replace(" " + COMBINING_DOUBLE_ACUTE + " ", ' "').replace(COMBINING_DOUBLE_ACUTE, '"')
    return text.replace(DOUBLE_ACUTE, '"')


def normalized_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", normalize_quotes(text).lower().replace("-", ""))


def build_casing(raw: str) -> dict[str, str]:
    """How each word is usually written mid-sentence: ``lower``, ``title`` or ``upper``.

    Only prose lines count, so ALL-CAPS titles and pull-quotes do not vote.
    """
    votes: Counter[tuple[str, str]] = Counter()
    for line in raw.splitlines():
        if is_caps_line(line) or is_spaced_banner(line):
            continue
        for match in re.finditer(r"(?<=[a-z,;] )([^\W\d_]+)", line):
            word = match.group(1)
            form = "upper" if word.isupper() and len(word) > 1 else "title" if word[0].isupper() else "lower"
            votes[word.lower(), form] += 1
    best: dict[str, tuple[int, str]] = {}
    for (word, form), n in votes.items():
        if n > best.get(word, (0, ""))[0]:
            best[word] = (n, form)
    return {word: form for word, (_, form) in best.items()}


def sentence_case(caps_text: str, casing: dict[str, str]) -> str:
    """Turn an ALL-CAPS title into sentence case, keeping proper nouns as the prose writes them."""
    text = squash_spaces(caps_text.replace("’", "'"))
    out: list[str] = []
    for index, token in enumerate(text.split(" ")):

        def fix(part: str) -> str:
            stem, _, possessive = part.partition("'")
            core = re.sub(r"^\W+|\W+$", "", stem)
            if not core:
                return part
            form = casing.get(core.lower(), "lower")
            if form == "upper" and len(core) <= 5:
                new = core.upper()
            elif form == "title":
                new = core[0].upper() + core[1:].lower()
            else:
                new = core.lower()
            fixed = stem.replace(core, new, 1)
            return fixed + ("'" + possessive.lower() if _ else "")

        word = "-".join(fix(part) for part in token.split("-"))
        if index == 0:
            word = word[:1].upper() + word[1:]
        out.append(word)
    return " ".join(out)


# --------------------------------------------------------------------------- pages


def find_headers(lines: list[str]) -> dict[int, int]:
    return {i: parsed[0] for i, line in enumerate(lines) if (parsed := parse_running_header(line))}


def assign_pages(lines: list[str], headers: dict[int, int], strong_starts: set[int]) -> dict[int, tuple[int, bool]]:
    """Map line index -> (page, approximate) for every line that starts a page."""
    candidates = [i for i in range(len(lines)) if is_page_start(lines, i) or i in strong_starts]
    anchors = sorted(headers) + sorted(strong_starts)
    kept: list[int] = []
    for i in candidates:
        # A title page's own banner right below the title is the same page.
        if i not in strong_starts and any(0 < i - a < 5 for a in anchors):
            continue
        if any(abs(i - h) <= 2 for h in headers):
            continue
        kept.append(i)
    pages: dict[int, tuple[int, bool]] = {i: (p, False) for i, p in headers.items()}
    if not headers:
        return pages
    marks = sorted(headers)
    before = [i for i in kept if i < marks[0]]
    for n, i in enumerate(reversed(before), start=1):
        if headers[marks[0]] - n >= 1:
            pages[i] = (headers[marks[0]] - n, True)
    after = [i for i in kept if i > marks[-1]]
    for n, i in enumerate(after, start=1):
        pages[i] = (headers[marks[-1]] + n, True)
    for lo, hi in zip(marks, marks[1:], strict=False):
        first, last = headers[lo], headers[hi]
        inside = [i for i in kept if lo < i < hi]
        if len(inside) == last - first - 1:
            for n, i in enumerate(inside, start=1):
                pages[i] = (first + n, True)
            continue
        previous = first
        for n, i in enumerate(inside):
            guess = round(first + (i - lo) * (last - first) / (hi - lo))
            # Leave room for the starts still to come, so a short count never runs into ``last``.
            page = max(min(guess, last - (len(inside) - n)), previous + 1)
            if page >= last:
                continue  # more starts than pages: leave this one unnumbered
            pages[i] = (page, True)
            previous = page
    return pages


# --------------------------------------------------------------------------- documents


@dataclass
class DocSpan:
    start: int
    end: int  # exclusive
    title_lines: list[int]


def find_article_starts(lines: list[str]) -> list[tuple[int, list[int]]]:
    """Article openings: ALL-CAPS title fragments just before an ABSTRACT / INTRODUCTION banner.

    Walking back from the banner over ALL-CAPS lines (blank lines allowed) must reach a line
    that opens a page; that line is where the article starts.
    """
    starts: list[tuple[int, list[int]]] = []
    for i, line in enumerate(lines):
        if not is_spaced_banner(line) or decode_banner(line) not in ("ABSTRACT", "INTRODUCTION"):
            continue
        title: list[int] = []
        j = i - 1
        while j >= 0:
            text = lines[j]
            if is_blank(text):
                j -= 1
                continue
            if not is_caps_line(text) or ends_sentence(text) or parse_running_header(text):
                break
            title.insert(0, j)
            if is_page_start(lines, j):
                break
            j -= 1
        if title and is_page_start(lines, title[0]) and (not starts or starts[-1][0] != title[0]):
            starts.append((title[0], title))
    return starts


def running_banners(lines: list[str], headers: dict[int, int]) -> dict[int, tuple[str, int]]:
    """Spaced banners that stand right under a running header -> (decoded text, page)."""
    found: dict[int, tuple[str, int]] = {}
    for h, page in headers.items():
        j = h + 1
        while j < len(lines) and is_blank(lines[j]):
            j += 1
        if j < len(lines) and is_spaced_banner(lines[j]):
            found[j] = (decode_banner(lines[j]), page)
    return found


def title_key(text: str) -> str:
    return squash_spaces(text.replace("’", "'").upper()).rstrip(" :")


def complete_title(fragment: str, banners: list[str]) -> str:
    """Use the running title when it contains the fragment (it may hold the part before the colon)."""
    key = title_key(fragment)
    for banner in banners:
        full = title_key(banner)
        if full == key or full.endswith(key) or full.startswith(key):
            return full if len(full) >= len(key) else key
    return key


# --------------------------------------------------------------------------- blocks


@dataclass
class Segment:
    """Consecutive non-blank lines; a page start also opens a new segment."""

    lines: list[Line]
    after_blank: bool

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]

    @property
    def joined(self) -> str:
        return squash_spaces(" ".join(self.texts))

    @property
    def opens_page(self) -> bool:
        return self.lines[0].page is not None


def make_segments(lines: list[Line], raw_lines: list[str]) -> list[Segment]:
    segments: list[Segment] = []
    current: list[Line] = []
    after_blank = True
    pending_blank = True
    for line in lines:
        if is_blank(line.raw):
            if current:
                segments.append(Segment(current, after_blank))
                current = []
            pending_blank = True
            continue
        if current and (line.page is not None or is_page_start(raw_lines, line.number)):
            segments.append(Segment(current, after_blank))
            current = []
            pending_blank = False
        if not current:
            after_blank = pending_blank
            pending_blank = False
        current.append(line)
    if current:
        segments.append(Segment(current, after_blank))
    return segments


def is_heading_segment(seg: Segment) -> bool:
    texts = seg.texts
    return len(texts) <= 2 and all(is_caps_line(t) for t in texts)


def has_function_word(text: str) -> bool:
    return any(w.lower() in FUNCTION_WORDS for w in re.findall(r"[A-Za-z]+", text))


def is_figure_segment(seg: Segment) -> bool:
    first = seg.texts[0]
    return (
        any(is_table_row(line.raw) for line in seg.lines)
        or bool(CAPTION_MARKER.match(first))
        or (is_figure_title(first) and len(seg.lines) <= 4)
    )


def is_label_segment(seg: Segment) -> bool:
    """Short label text that surrounds a chart or table."""
    if len(seg.lines) > 4 or ends_sentence(seg.texts[-1]):
        return False
    if all(is_caps_line(t) for t in seg.texts) and has_function_word(seg.joined):
        return False  # a real section heading
    return all(len(t) <= 60 for t in seg.texts)


def drop_figures(segments: list[Segment], stats: Stats) -> list[Segment]:
    figure = [is_figure_segment(s) for s in segments]
    changed = True
    while changed:
        changed = False
        for k, seg in enumerate(segments):
            if figure[k] or not is_label_segment(seg):
                continue
            if (k > 0 and figure[k - 1]) or (k + 1 < len(segments) and figure[k + 1]):
                figure[k] = changed = True
    stats.figure_blocks += sum(figure)
    return without_segments(segments, {k for k, is_fig in enumerate(figure) if is_fig})


def without_segments(segments: list[Segment], drop: set[int]) -> list[Segment]:
    """The segments not in ``drop``; a page start on a dropped segment moves to the next kept one."""
    kept: list[Segment] = []
    carry: Line | None = None
    for k, seg in enumerate(segments):
        if k in drop:
            carry = carry or next((ln for ln in seg.lines if ln.page), None)
            continue
        if carry and seg.lines[0].page is None:
            seg.lines[0].page, seg.lines[0].approx = carry.page, carry.approx
        carry = None
        kept.append(seg)
    return kept


def trigrams(words: list[str]) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[k : k + 3]) for k in range(len(words) - 2))


def repeats_text(words: list[str], everything: str, all_grams: Counter[tuple[str, ...]]) -> bool:
    """Does a block's text occur elsewhere in the document (``everything`` includes the block)?"""
    if len(words) < 4:
        return False
    if everything.count(" ".join(words)) >= 2:
        return True
    own = trigrams(words)
    elsewhere = sum(1 for gram, n in own.items() if all_grams[gram] > n)
    return elsewhere >= 0.6 * len(own)


def drop_floats(segments: list[Segment], stats: Stats) -> list[Segment]:
    """Drop pull-quotes and captions (see module docstring)."""
    drop: set[int] = set()
    words = [normalized_words(s.joined) for s in segments]
    everything = " | ".join(" ".join(w) for w in words)
    all_grams: Counter[tuple[str, ...]] = Counter()
    for w in words:
        all_grams.update(trigrams(w))
    last_kept: Segment | None = None
    for k, seg in enumerate(segments):
        texts = seg.texts
        if len(texts) >= 3 and all(is_caps_line(t) for t in texts):
            drop.add(k)
            stats.pull_quotes += 1
            continue
        following = segments[k + 1] if k + 1 < len(segments) else None
        is_float_slot = seg.after_blank and (following is None or following.opens_page) and not seg.opens_page
        if is_float_slot and not is_heading_segment(seg):
            if repeats_text(words[k], everything, all_grams):
                drop.add(k)
                stats.pull_quotes += 1
                continue
            if is_caption(seg, last_kept, following):
                drop.add(k)
                stats.captions += 1
                continue
        elif seg.opens_page and len(texts) == 1 and is_short_caption(texts[0]):
            drop.add(k)
            stats.captions += 1
            continue
        last_kept = seg
    return without_segments(segments, drop)


def is_caption(seg: Segment, previous: Segment | None, following: Segment | None) -> bool:
    """A short unfinished line in a float slot that the running text does not continue through.

    The text around a caption is either already cut mid-sentence before it (the page's text
    goes on after the caption) or the next page opens a new sentence.
    """
    texts = seg.texts
    if len(texts) > 2 or ends_sentence(texts[-1]) or BULLET_START.match(texts[0]):
        return False
    if texts[-1].rstrip().endswith((",", ";", ":", "-")):
        return False
    text_cut_before = previous is not None and not ends_sentence(previous.texts[-1])
    # A one-line label between two complete sentences; prose cut by the page ends mid-phrase.
    last_word = texts[-1].split()[-1].lower()
    next_is_new_sentence = (following is None or following.texts[0][:1].isupper()) and len(texts) == 1
    return text_cut_before or (next_is_new_sentence and last_word not in FUNCTION_WORDS)


def is_short_caption(text: str) -> bool:
    return len(text) <= 40 and not ends_sentence(text) and not is_caps_line(text) and len(text.split()) <= 5


def with_page(line: Line, text: str) -> str:
    if line.page is None:
        return text
    return f"{page_comment(line.page, line.approx)} {text}"


def join_lines(parts: list[tuple[Line, str]], vocab: Counter[str], stats: Stats) -> str:
    """Join lines of one paragraph, undoing line-break hyphens."""
    text = ""
    for line, part in parts:
        part = part.strip()
        if not text:
            text = with_page(line, part)
            continue
        tail_start = max(0, len(text) - 80)  # only the end matters; keeps long paragraphs linear
        hyphen = re.search(r"(\S*[^\W\d_])-$", text[tail_start:])
        dash = re.search(r"[^\W\d_]–$", text[tail_start:])
        if hyphen and part[:1].isalpha():
            first, _, rest = part.partition(" ")
            word, removed = join_hyphenated(hyphen.group(1), first, vocab)
            if removed:
                stats.hyphen_joined += 1
            else:
                stats.hyphen_kept += 1
            head = text[: tail_start + hyphen.start(1)]
            word = with_page(line, word) if line.page else word
            text = head + word + (" " + rest if rest else "")
        elif dash:
            text += with_page(line, part) if not line.page else " " + with_page(line, part)
        else:
            text += " " + with_page(line, part)
    return squash_spaces(text)


def should_join(previous: str, following: str) -> bool:
    """Does a paragraph cut by a blank line, float or page break go on in ``following``?"""
    prev = re.sub(r"<!--.*?-->", "", previous).rstrip()
    nxt = re.sub(r"<!--.*?-->", "", following).lstrip()
    if not prev or not nxt or ends_sentence(prev) or BULLET_START.match(nxt):
        return False
    if nxt[0].islower() or nxt[0].isdigit() or prev[-1] in ",;:–-(" or nxt[0] in "([":
        return True
    last_word = prev.split()[-1]
    return last_word[:1].islower() or last_word[:1] in "“\"'" or len(prev.splitlines()[-1]) >= 55


# --------------------------------------------------------------------------- one document


@dataclass
class Front:
    """What the title page holds besides the body text."""

    keywords: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    author_notes: list[str] = field(default_factory=list)
    subtitle: str = ""


def take_front_matter(segments: list[Segment], title_has_colon: bool) -> tuple[list[Segment], Front]:
    """Pull keywords, author notes and a detached subtitle out of the segment list."""
    front = Front()
    dropped: set[int] = set()
    kept_any = False
    in_keywords = False
    seen_body_heading = False
    for k, seg in enumerate(segments):
        texts = seg.texts
        drop = False
        if is_spaced_banner(texts[0]) and decode_banner(texts[0]) == "KEYWORDS":
            in_keywords, drop = True, True
            rest = texts[1:]
            if rest:
                front.keywords.append(" ".join(rest))
                in_keywords = rest[-1].rstrip().endswith(",")
        elif in_keywords:
            front.keywords.append(" ".join(texts))
            in_keywords = texts[-1].rstrip().endswith(",")
            drop = True
        elif is_name_line(texts[0]) and any("email" in t.lower() or "@" in t for t in texts):
            front.authors.append(texts[0].strip())
            front.author_notes.append(squash_spaces(" ".join(texts)))
            drop = True
        elif (
            title_has_colon
            and not seen_body_heading
            and not front.subtitle
            and is_heading_segment(seg)
            and decode_heading(texts[0]) != "INTRODUCTION"
            and kept_any
        ):
            front.subtitle, drop = seg.joined, True
        if decode_heading(texts[0]) == "INTRODUCTION":
            seen_body_heading = True
        if drop:
            dropped.add(k)
        else:
            kept_any = True
    keywords = ", ".join(squash_spaces(k) for k in front.keywords).rstrip(". ")
    front.keywords = [k.strip() for k in keywords.split(",") if k.strip()]
    return without_segments(segments, dropped), front


def build_blocks(
    segments: list[Segment], casing: dict[str, str], vocab: Counter[str], stats: Stats
) -> list[tuple[str, str]]:
    """Turn segments into ``("heading", ...)`` / ``("paragraph", ...)`` blocks."""
    blocks: list[tuple[str, str]] = []
    pending_page: Line | None = None

    def add_paragraph(parts: list[tuple[Line, str]]) -> None:
        nonlocal pending_page
        if pending_page is not None and parts[0][0].page is None:
            first_line, first_text = parts[0]
            parts[0] = (Line(first_line.number, first_line.raw, pending_page.page, pending_page.approx), first_text)
        pending_page = None
        text = join_lines(parts, vocab, stats)
        if blocks and blocks[-1][0] == "paragraph" and should_join(blocks[-1][1], text):
            previous = blocks[-1][1]
            hyphen = re.search(r"(\S*[^\W\d_])-$", previous)
            bare = re.sub(r"^(?:<!--.*?-->\s*)+", "", text)
            comments = text[: len(text) - len(bare)].strip()
            if hyphen and bare[:1].isalpha():
                first, _, rest = bare.partition(" ")
                word, removed = join_hyphenated(hyphen.group(1), first, vocab)
                stats.hyphen_joined += removed
                stats.hyphen_kept += not removed
                merged = previous[: hyphen.start(1)] + (comments + " " if comments else "") + word
                blocks[-1] = ("paragraph", squash_spaces(merged + " " + rest))
            else:
                blocks[-1] = ("paragraph", squash_spaces(previous + " " + text))
        else:
            blocks.append(("paragraph", text))

    def add_heading(text: str, line: Line) -> None:
        nonlocal pending_page
        if line.page is not None and pending_page is None:
            pending_page = line
        blocks.append(("heading", text))

    for seg in segments:
        texts = seg.texts
        first = seg.lines[0]
        if is_spaced_banner(texts[0]):
            stats.banner_headings += 1
            heading = sentence_case(decode_banner(texts[0]), casing)
            rest = list(zip(seg.lines[1:], texts[1:], strict=True))
            add_heading(heading, first)
            if rest and rest[0][1][:1].islower():
                # "T H E  P U R P O S E ... / is to analyze": the banner opens the sentence.
                rest[0] = (rest[0][0], heading + " " + rest[0][1])
            if rest:
                add_paragraph(rest)
            continue
        if is_heading_segment(seg) or (
            NUMBERED_HEADING.match(texts[0]) and len(texts) <= 2 and not ends_sentence(texts[-1])
        ):
            heading = seg.joined if NUMBERED_HEADING.match(texts[0]) else sentence_case(seg.joined, casing)
            if NUMBERED_HEADING.match(texts[0]) and blocks and should_join(blocks[-1][1], seg.joined):
                add_paragraph(list(zip(seg.lines, texts, strict=True)))
                continue
            add_heading(heading, first)
            continue
        if is_caps_line(texts[0]) and len(texts) > 1 and not is_caps_line(texts[1]):
            # Run-in heading: "CONCLUSIONS" directly over its first paragraph.
            add_heading(sentence_case(texts[0], casing), first)
            add_paragraph(list(zip(seg.lines[1:], texts[1:], strict=True)))
            continue
        add_paragraph(list(zip(seg.lines, texts, strict=True)))
    return fix_numbered_headings(blocks)


def fix_numbered_headings(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A numbered line is a heading only when a capitalised paragraph follows it."""
    out: list[tuple[str, str]] = []
    for k, (kind, text) in enumerate(blocks):
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        if (
            kind == "heading"
            and NUMBERED_HEADING.match(text)
            and nxt
            and nxt[0] == "paragraph"
            and re.sub(r"<!--.*?-->\s*", "", nxt[1])[:1].islower()
        ):
            out.append(("paragraph", text))
            continue
        out.append((kind, text))
    merged: list[tuple[str, str]] = []
    for kind, text in out:
        if kind == "paragraph" and merged and merged[-1][0] == "paragraph" and should_join(merged[-1][1], text):
            merged[-1] = ("paragraph", squash_spaces(merged[-1][1] + " " + text))
        else:
            merged.append((kind, text))
    return merged


def clean_document(
    span_lines: list[Line],
    raw_lines: list[str],
    *,
    casing: dict[str, str],
    vocab: Counter[str],
    drop_lines: set[int],
    title_has_colon: bool,
) -> tuple[list[tuple[str, str]], dict, Stats]:
    stats = Stats()
    texts = [ln.raw for ln in span_lines]
    footnote_idx, notes = extract_footnotes(texts)
    stats.footnotes = len(notes)
    drop = {span_lines[i].number for i in footnote_idx} | drop_lines
    kept: list[Line] = []
    carry: Line | None = None
    for ln in span_lines:
        if ln.number in drop:
            if ln.page is not None and carry is None:
                carry = ln
            kept.append(Line(ln.number, ""))  # keep paragraph breaks where lines went away
            continue
        if carry is not None and ln.page is None and not is_blank(ln.raw):
            ln = Line(ln.number, ln.raw, carry.page, carry.approx)
            carry = None
        elif not is_blank(ln.raw):
            carry = None
        kept.append(ln)
    segments = make_segments(kept, raw_lines)
    segments = drop_figures(segments, stats)
    segments = drop_floats(segments, stats)
    segments, front = take_front_matter(segments, title_has_colon)
    blocks = build_blocks(segments, casing, vocab, stats)
    numbers = [n for n, _ in notes]
    paragraphs = [text for kind, text in blocks if kind == "paragraph"]
    paragraphs, stats.note_markers = strip_note_markers(paragraphs, numbers)
    repaired: list[str] = []
    for text in paragraphs:
        text, n = repair_inline_hyphens(text, vocab)
        stats.inline_hyphens_repaired += n
        repaired.append(text)
    it = iter(repaired)
    blocks = [(kind, next(it) if kind == "paragraph" else text) for kind, text in blocks]
    metadata: dict = {}
    if front.authors:
        metadata["authors"] = front.authors
        metadata["author_notes"] = front.author_notes
    if front.keywords:
        metadata["keywords"] = front.keywords
    abstract = section_text(blocks, "Abstract")
    if abstract:
        metadata["abstract"] = abstract
    metadata["footnotes"] = [f"{n} {text}" for n, text in notes]
    metadata["_subtitle"] = front.subtitle
    return blocks, metadata, stats


def section_text(blocks: list[tuple[str, str]], heading: str) -> str:
    out: list[str] = []
    inside = False
    for kind, text in blocks:
        if kind == "heading":
            if inside:
                break
            inside = text == heading
        elif inside:
            out.append(re.sub(r"\s*<!--.*?-->\s*", " ", text).strip())
    return "\n\n".join(out)


# --------------------------------------------------------------------------- public API


def split_issue(raw: str, source: str) -> list[SplitDocument]:
    """Split the raw text of one issue into its documents (foreword first, then the articles)."""
    return split_issue_with_stats(raw, source)[0]


def split_issue_with_stats(raw: str, source: str) -> tuple[list[SplitDocument], dict[str, int]]:
    """``split_issue`` plus counts of what was removed or repaired, for reports."""
    raw = normalize_quotes(raw.replace("\r\n", "\n"))
    raw_lines = raw.split("\n")
    vocab = build_vocab(raw)
    casing = build_casing(raw)
    headers = find_headers(raw_lines)
    issue = next((parsed[1] for i in sorted(headers) if (parsed := parse_running_header(raw_lines[i]))), "")
    starts = find_article_starts(raw_lines)
    title_line_set = {i for _, title in starts for i in title}
    pages = assign_pages(raw_lines, headers, {s for s, _ in starts} | {0})
    banners = running_banners(raw_lines, headers)
    all_lines = [Line(i, text) for i, text in enumerate(raw_lines)]
    for i, (page, approx) in pages.items():
        all_lines[i].page, all_lines[i].approx = str(page), approx
    header_drop = set(headers) | set(banners)
    move_marks_off(all_lines, header_drop)

    spans: list[DocSpan] = []
    first = starts[0][0] if starts else len(raw_lines)
    if any(not is_blank(t) for t in raw_lines[:first]):
        spans.append(DocSpan(0, first, []))
    for k, (start, title) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(raw_lines)
        spans.append(DocSpan(start, end, title))

    # Even pages carry the rubric, odd pages the article's running title.
    rubrics = sorted((i, text) for i, (text, page) in banners.items() if page % 2 == 0)
    running_titles = [text for _, (text, page) in sorted(banners.items()) if page % 2 == 1]

    documents: list[SplitDocument] = []
    used_ids: Counter[str] = Counter()
    total = Stats(headers=len(headers), running_banners=len(banners))
    for span in spans:
        span_range = set(range(span.start, span.end))
        drop_lines = (header_drop | title_line_set) & span_range
        if span.title_lines:
            fragment = " ".join(raw_lines[i].strip() for i in span.title_lines)
            own = [text for i, (text, _) in banners.items() if i in span_range]
            title_caps = complete_title(fragment, own + running_titles)
            has_colon = fragment.rstrip().endswith(":") and ":" not in title_caps
        else:
            title_caps, label_line = front_title(raw_lines, span)
            if label_line is not None:
                drop_lines.add(label_line)
            has_colon = False
        span_lines = all_lines[span.start : span.end]
        blocks, metadata, stats = clean_document(
            span_lines, raw_lines, casing=casing, vocab=vocab, drop_lines=drop_lines, title_has_colon=has_colon
        )
        total.add(stats)
        subtitle = metadata.pop("_subtitle")
        title = sentence_case(f"{title_caps}: {subtitle}" if subtitle else title_caps, casing)
        base = "foreword" if not span.title_lines else slugify(title.split(":")[0], max_words=5)
        used_ids[base] += 1
        doc_id = base if used_ids[base] == 1 else f"{base}-{used_ids[base]}"
        meta: dict = {"source": source, "issue": issue}
        rubric = next((text for i, text in reversed(rubrics) if i < span.end), None)
        if rubric and span.title_lines:
            meta["rubric"] = sentence_case(rubric, casing)
        meta.update(page_metadata(all_lines, span))
        if has_colon and not subtitle:
            meta["subtitle_missing"] = True
        meta.update(metadata)
        meta["source_lines"] = [span.start + 1, span.end]
        documents.append(SplitDocument(doc_id, title, blocks, meta))
    return documents, vars(total)


def move_marks_off(lines: list[Line], removed: set[int]) -> None:
    """Header and banner lines carry no text: hand their page mark to the next text line."""
    for i in sorted(removed):
        if lines[i].page is None:
            continue
        j = i + 1
        while j < len(lines) and (is_blank(lines[j].raw) or j in removed):
            j += 1
        if j < len(lines) and lines[j].page is None:
            lines[j].page, lines[j].approx = lines[i].page, lines[i].approx
        lines[i].page = None


def front_title(raw_lines: list[str], span: DocSpan) -> tuple[str, int | None]:
    """The opening text before the first article ends with its label (``FOREWORD``)."""
    for i in range(span.end - 1, span.start - 1, -1):
        label = raw_lines[i].strip()
        if label:
            if is_caps_line(label) and len(label.split()) <= 3:
                return label, i
            break
    return "Foreword", None


def page_metadata(lines: list[Line], span: DocSpan) -> dict:
    """Printed page range of a span: the page in force at its first and at its last text line."""
    in_force: tuple[str, bool] | None = None
    first: tuple[str, bool] | None = None
    for line in lines[: span.end]:
        if line.page is not None:
            in_force = (line.page, line.approx)
        if line.number >= span.start and first is None and not is_blank(line.raw):
            first = in_force
    return {
        "page_start": int(first[0]) if first else None,
        "page_end": int(in_force[0]) if in_force else None,
        "pages_approximate": bool((first and first[1]) or (in_force and in_force[1])),
    }


def split_file(path: Path, out_dir: Path) -> list[Path]:
    """Split ``path`` into ``out_dir/<doc_id>.md``; stale files from the same source are removed."""
    raw = path.read_text(encoding="utf-8")
    documents = split_issue(raw, path.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.md"):
        if _front_matter_source(old) == path.name:
            old.unlink()
    written: list[Path] = []
    for doc in documents:
        target = out_dir / f"{doc.doc_id}.md"
        target.write_text(doc.to_markdown(), encoding="utf-8")
        written.append(target)
    return written


def _front_matter_source(path: Path) -> str | None:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 4)
    if end == -1:
        return None
    try:
        return json.loads(text[4:end]).get("source")
    except (json.JSONDecodeError, AttributeError):
        return None
