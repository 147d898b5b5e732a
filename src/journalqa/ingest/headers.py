"""Cleaning pass: running headers, footers and page numbers, found by repetition across pages.

A page's top and bottom lines are candidates. One is a running line when its text with digits blanked out
recurs at the same edge *and the same height* on at least three pages (``6 Various Versatile Variances``), when it
is a bare page number, or when it holds the page's printed label and stands where other pages' running lines stand
(R-intro's ``Chapter 1: Introduction and preliminaries 3`` changes with the chapter but not its place).
Text alone is not enough: a heading such as ``Introduction`` ends or opens a column on many pages of a journal
issue, each time at another height, and a footnote ``17 Ibid.`` recurs at the foot; neither is a running line.
A draft line at the very top or foot (``preliminary draft, September 24, 2008 20:26``) goes even on a page of
its own. An edge is the top and bottom rows, each row every line on one baseline (a two-column running head is
two lines, the draft line above the middle a third).

``printed_labels`` reads the page numbers a PDF without page labels prints in those rows: a number counts when
it fits a run of pages numbered in physical order (``1001`` ... ``1010``; a page between two such pages that
prints none is numbered by them); a page outside every run has no printed label.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from .pdf_layout import SUP, Page

PAGE_NUMBER = re.compile(r"^(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:/|of)\s*\d{1,4})?$", re.IGNORECASE)
EDGE_LINES = 2  # how many lines at each edge may be running lines
MIN_REPEATS = 3
PLACE_TOLERANCE = 3.0  # points: a running line is set at the same height on every page it runs on
MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|янв|фев|мар|апр|мая|июн|июл|авг|сен|окт|ноя|дек"
DATE = re.compile(rf"\b(?:\d{{4}}-\d\d-\d\d|\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}|(?:{MONTHS})[a-zа-я]*\.?\s+\d{{1,2}},?\s+\d{{4}}"
                  rf"|\d{{1,2}}\s+(?:{MONTHS})[a-zа-я]*\.?\s+\d{{4}})", re.IGNORECASE)  # fmt: skip
DRAFT = re.compile(
    r"\b(?:draft|preprint|pre-print|manuscript|confidential|do not (?:cite|distribute|circulate)|under review"
    r"|submitted to|compiled on|typeset on|generated on|printed on|revision|черновик|препринт)\b",
    re.IGNORECASE,
)
MIN_RUN = 2  # pages whose printed numbers agree before they count as a run


@dataclass
class RunningLines:
    removed: set[tuple[int, int]]  # (page index, line index)
    headers: int = 0
    page_numbers: int = 0


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text.replace(SUP, "").strip().lower()))


def _edges(page: Page, rows: int = EDGE_LINES) -> list[tuple[str, int]]:
    """(edge, line index) for the lines of a page's top and bottom ``rows`` rows (lines on one baseline)."""
    by_y = sorted(range(len(page.lines)), key=lambda i: page.lines[i].base)
    grouped: list[list[int]] = []
    for i in by_y:
        if grouped and page.lines[i].base - page.lines[grouped[-1][0]].base <= PLACE_TOLERANCE:
            grouped[-1].append(i)
        else:
            grouped.append([i])
    top = [i for row in grouped[:rows] for i in row]
    bottom = [i for row in grouped[-rows:] for i in row if i not in top]
    return [("top", i) for i in top] + [("bottom", i) for i in bottom]


def is_draft_line(text: str) -> bool:
    """A dated draft or preprint stamp (``preliminary draft, September 24, 2008 20:26``), not a title."""
    return len(text) <= 100 and bool(DRAFT.search(text)) and bool(DATE.search(text))


def _roman(text: str) -> int | None:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    if not text or any(ch not in values for ch in text.lower()):
        return None
    total = 0
    digits = [values[ch] for ch in text.lower()]
    for k, value in enumerate(digits):
        total += -value if k + 1 < len(digits) and digits[k + 1] > value else value
    return total


def _candidates(page: Page, running: set[str]) -> tuple[dict[int, int], dict[int, int], dict[int, str]]:
    """Numbers printed in the page's edge rows, each with how much it says: a bare number (``1002``, ``- 12 -``,
    ``iv``) 3; one that closes a short line (``Chapter 1: Introduction 3``) 2; one that opens a line of the top
    rows (``12 Author and Author``) 1. A number opening a line at the foot is a footnote's (``2 Note however``),
    one opening a long line is a heading's or a list's: neither counts, unless the line is a running line (its
    text, digits aside, on other pages' edges too: ``1 Copyright © 2022 by ...``). Also how each roman number is
    spelled."""
    arabic: dict[int, int] = {}
    roman: dict[int, int] = {}
    spelled: dict[int, str] = {}
    for edge, i in _edges(page):
        text = page.lines[i].text.replace(SUP, "").strip()
        tokens = re.sub(r"^[\W_]+|[\W_]+$", "", text).split()  # ``- 12 -``, ``— 5 —``
        if not tokens or len(text) > 120:
            continue
        found: list[tuple[str, int]] = []
        recurs = _key(text) in running
        if len(tokens) == 1:
            found.append((tokens[0], 3))
        else:
            if len(text) <= 80 or recurs:
                found.append((tokens[-1], 2))
            if edge == "top" and len(text) <= 80 or recurs:
                found.append((tokens[0], 1))
        for token, weight in found:
            if re.fullmatch(r"[0-9]{1,4}", token):  # not ``¹``: a digit to str.isdigit, no number to int
                arabic[int(token)] = max(arabic.get(int(token), 0), weight)
            elif weight == 3 and (value := _roman(token)) and token in (token.lower(), token.upper()):
                roman[value] = weight
                spelled[value] = token
    return arabic, roman, spelled


def printed_labels(pages: list[Page]) -> list[str]:
    """Each page's printed number, or "" where none can be established (see the module's docstring)."""
    labels = [""] * len(pages)
    seen: Counter[str] = Counter()
    for page in pages:
        seen.update({_key(page.lines[i].text) for _, i in _edges(page)})
    running = {key for key, count in seen.items() if count >= max(MIN_RUN, min(MIN_REPEATS, len(pages)))}
    found = [_candidates(page, running) for page in pages]
    for kind in (0, 1):  # arabic runs first, then roman ones (front matter)
        support: Counter[int] = Counter()
        pages_of: Counter[int] = Counter()
        for k, cands in enumerate(found):
            for number, weight in cands[kind].items():
                support[number - k] += weight
                pages_of[number - k] += 1
        for offset, _ in support.most_common():
            if pages_of[offset] < MIN_RUN:
                continue
            confirmed = [k for k, cands in enumerate(found) if offset + k in cands[kind]]
            span = range(confirmed[0], confirmed[-1] + 1)
            if any(labels[k] for k in span):
                continue  # runs never overlap: each page has one printed number
            for k in span:
                number = offset + k
                if number < 1:
                    continue
                labels[k] = str(number) if kind == 0 else _to_roman(number, _spelling(found, k))
    return labels


def _spelling(found: list[tuple[dict[int, int], dict[int, int], dict[int, str]]], k: int) -> str:
    """How the roman run around page ``k`` is printed (``iv`` or ``IV``)."""
    near = sorted(range(len(found)), key=lambda j: abs(j - k))
    return next((next(iter(found[j][2].values())) for j in near if found[j][2]), "i")


def _to_roman(number: int, like: str) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                           (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):  # fmt: skip
        while number >= value:
            out += letters
            number -= value
    return out.upper() if like.isupper() else out


def _same_place(heights: list[float], base: float) -> int:
    return sum(abs(h - base) <= PLACE_TOLERANCE for h in heights)


def find_running_lines(pages: list[Page], labels: list[str]) -> RunningLines:
    heights: defaultdict[tuple[str, str], list[float]] = defaultdict(list)  # (edge, key) -> baselines
    places: Counter[tuple[str, int]] = Counter()
    for page in pages:
        for edge, i in _edges(page):
            line = page.lines[i]
            heights[edge, _key(line.text)].append(line.base)
            places[edge, round(line.base / 3)] += 1
    result = RunningLines(set())
    many = max(MIN_REPEATS, int(0.3 * len(pages)))
    for page in pages:
        label = labels[page.index] if page.index < len(labels) else ""
        outermost = {i for _, i in _edges(page, rows=1)}
        for edge, i in _edges(page):
            line = page.lines[i]
            text = line.text.replace(SUP, "").strip()
            tokens = text.split()
            if PAGE_NUMBER.match(text) or (label and text == label):
                result.removed.add((page.index, i))
                result.page_numbers += 1
                continue
            if len(text) > 120 or line.text.lstrip().startswith(SUP):
                continue  # a line opened by a raised marker is a footnote, however often its text recurs
            if is_draft_line(text) and i in outermost:
                result.removed.add((page.index, i))
                result.headers += 1
                continue
            repeated = _same_place(heights[edge, _key(text)], line.base) >= MIN_REPEATS
            place = round(line.base / 3)
            at_running_place = max(places[edge, place + d] for d in (-1, 0, 1)) >= many
            carries_label = bool(tokens and label) and label in (tokens[0], tokens[-1])
            if repeated or (carries_label and at_running_place):
                result.removed.add((page.index, i))
                result.headers += 1
    _framed_lines(pages, result)
    return result


def _framed_lines(pages: list[Page], result: RunningLines) -> None:
    """Lines printed at the very same place (both ends, and the baseline) on at least half of the pages, and at
    least ``MIN_REPEATS`` of them, away from the edge rows too: a frame or title block that every page carries.
    Text that recurs in the flow (a heading, a table's header row) does not stand at the same place on half the
    document's pages."""
    if len(pages) < MIN_REPEATS:
        return
    spots: defaultdict[tuple[str, int, int, int], set[int]] = defaultdict(set)
    for page in pages:
        for line in page.lines:
            spots[
                _key(line.text),
                round(line.x0 / PLACE_TOLERANCE),
                round(line.x1 / PLACE_TOLERANCE),
                round(line.base / PLACE_TOLERANCE),
            ].add(page.index)
    need = max(MIN_REPEATS, len(pages) / 2)
    for page in pages:
        for i, line in enumerate(page.lines):
            if (page.index, i) in result.removed or line.text.lstrip().startswith(SUP):
                continue
            where = (
                _key(line.text),
                round(line.x0 / PLACE_TOLERANCE),
                round(line.x1 / PLACE_TOLERANCE),
                round(line.base / PLACE_TOLERANCE),
            )
            if len(spots[where]) >= need:
                result.removed.add((page.index, i))
                result.headers += 1
