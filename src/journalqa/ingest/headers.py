"""Cleaning pass: running headers, footers and page numbers, found by repetition across pages.

A page's top and bottom lines are candidates. One is a running line when its text with digits blanked out
recurs at the same edge *and the same height* on at least three pages (``6 Various Versatile Variances``), when it
is a bare page number, or when it holds the page's printed label and stands where other pages' running lines stand
(R-intro's ``Chapter 1: Introduction and preliminaries 3`` changes with the chapter but not its place).
Text alone is not enough: a heading such as ``Introduction`` ends or opens a column on many pages of a journal
issue, each time at another height, and a footnote ``17 Ibid.`` recurs at the foot; neither is a running line.
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


@dataclass
class RunningLines:
    removed: set[tuple[int, int]]  # (page index, line index)
    headers: int = 0
    page_numbers: int = 0


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text.replace(SUP, "").strip().lower()))


def _edges(page: Page) -> list[tuple[str, int]]:
    """(edge, line index) for the top and bottom lines of a page, by position."""
    by_y = sorted(range(len(page.lines)), key=lambda i: page.lines[i].base)
    top = [("top", i) for i in by_y[:EDGE_LINES]]
    bottom = [("bottom", i) for i in by_y[-EDGE_LINES:] if i not in by_y[:EDGE_LINES]]
    return top + bottom


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
        label = labels[page.index] if page.index < len(labels) else str(page.index + 1)
        for edge, i in _edges(page):
            line = page.lines[i]
            text = line.text.replace(SUP, "").strip()
            tokens = text.split()
            if PAGE_NUMBER.match(text) or text == label:
                result.removed.add((page.index, i))
                result.page_numbers += 1
                continue
            if len(text) > 120 or line.text.lstrip().startswith(SUP):
                continue  # a line opened by a raised marker is a footnote, however often its text recurs
            repeated = _same_place(heights[edge, _key(text)], line.base) >= MIN_REPEATS
            place = round(line.base / 3)
            at_running_place = max(places[edge, place + d] for d in (-1, 0, 1)) >= many
            carries_label = bool(tokens) and label in (tokens[0], tokens[-1])
            if repeated or (carries_label and at_running_place):
                result.removed.add((page.index, i))
                result.headers += 1
    return result
