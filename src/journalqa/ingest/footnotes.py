"""Cleaning pass: footnotes go to metadata and their markers leave the text, on both paths.

Laid-out pages (``take_footnotes``): smaller type at the foot of a page or column, opened by a marker; the
markers are superscripts in the text and are removed; other superscripts stay as text (``x2`` from x²).
Extracted plain text (``extract_footnotes``, ``strip_note_markers``), as the journal splitter gets it: a numbered
line after a blank line that continues the document's numbering; the markers are digits glued to words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .normalize import squash_spaces
from .pdf_layout import SUP, Page

MARKER = re.compile(r"^(?:\x01([^\x01]{1,3})\x01|([0-9]{1,3}|[*∗†‡§¶]{1,2})\s)\s*(\S.*)$")
FOOTNOTE_START = re.compile(r"^ ?(\d{1,3})\s+(\S.*)$")
SUPERSCRIPT = re.compile(r"\x01([^\x01]*)\x01")
SMALLER = 0.92  # a footnote's type is at most this share of the body size
FOOT_ZONE = 0.45  # and it sits in the bottom part of the page


@dataclass
class Footnotes:
    notes: list[str] = field(default_factory=list)  # "marker text"
    pages: list[int] = field(default_factory=list)  # the page index each note is printed on, beside ``notes``
    lines: set[tuple[int, int]] = field(default_factory=set)  # (page index, line index) taken out of the body
    markers_removed: int = 0


def take_footnotes(pages: list[Page], body_size: float, skip: set[tuple[int, int]]) -> Footnotes:
    """Find footnote blocks; afterwards every line's superscripts are resolved (markers dropped)."""
    found = Footnotes()
    for page in pages:
        markers: set[str] = set()
        for column in {ln.column for ln in page.lines}:
            idx = [i for i, ln in enumerate(page.lines) if ln.column == column and (page.index, i) not in skip]
            idx.sort(key=lambda i: page.lines[i].base)
            # walk up from the foot while the type is small and low on the page
            block: list[int] = []
            for i in reversed(idx):
                line = page.lines[i]
                if line.size > SMALLER * body_size or line.base < (1 - FOOT_ZONE) * page.height:
                    break
                block.insert(0, i)
            while block and not MARKER.match(page.lines[block[0]].text.strip()):
                block.pop(0)  # the block must open with a marker; small text above it is a caption
            current: list[str] = []
            for i in block:
                text = page.lines[i].text.strip()
                match = MARKER.match(text)
                if match:
                    if current:
                        found.notes.append(" ".join(current))
                        found.pages.append(page.index)
                    marker = (match.group(1) or match.group(2)).strip()
                    markers.add(marker)
                    current = [marker + " " + SUPERSCRIPT.sub(r"\1", match.group(3))]
                else:
                    current.append(SUPERSCRIPT.sub(r"\1", text))
                found.lines.add((page.index, i))
            if current:
                found.notes.append(" ".join(current))
                found.pages.append(page.index)
        for i, line in enumerate(page.lines):
            line.text, n = _resolve(line.text, markers)
            if (page.index, i) not in found.lines:
                found.markers_removed += n
    return found


def _resolve(text: str, markers: set[str]) -> tuple[str, int]:
    removed = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal removed
        run = match.group(1)
        if run.strip() in markers or run.strip(",") in markers:
            removed += 1
            return ""
        return run

    return SUPERSCRIPT.sub(fix, text) if SUP in text else text, removed


# ----------------------------------------------------------------------------- plain text


def join_footnote_lines(lines: list[str]) -> str:
    """Footnote lines break inside URLs; glue those pieces back without a space."""
    text = ""
    for line in (line.strip() for line in lines):
        if not text:
            text = line
            continue
        last = text.split(" ")[-1]
        # URLs (sometimes with a stray space, "upload/206 5/2014/...") break anywhere.
        in_url = "://" in last or last.startswith(("//", "www.", "http")) or last.count("/") >= 2
        in_url = in_url and not line.startswith(("http", "www.", "//"))  # a new URL, not a broken one
        if in_url and not last.endswith((")", ".pdf.")) or text.endswith("-") and in_url:
            text += line
        else:
            text += " " + line
    return squash_spaces(text)


def extract_footnotes(
    lines: list[str], opens_page: Callable[[list[str], int], bool]
) -> tuple[list[int], list[tuple[int, str]]]:
    """Find footnote blocks in plain text; returns (indices of footnote lines, [(number, text)]).

    A footnote opens after a blank line with a number continuing the document's numbering (a
    gap of one or two is tolerated) and runs to a blank line or the next page start (``opens_page``:
    the source format knows where its pages start).
    """
    expected = 1
    taken: list[int] = []
    notes: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        match = FOOTNOTE_START.match(lines[i])
        if match and (i == 0 or not lines[i - 1].strip()) and expected <= int(match.group(1)) <= expected + 2:
            current: list[str] = [match.group(2)]
            number = int(match.group(1))
            taken.append(i)
            j = i + 1
            while j < len(lines) and lines[j].strip() and not opens_page(lines, j):
                follow = FOOTNOTE_START.match(lines[j])
                if follow and int(follow.group(1)) == number + 1:
                    notes.append((number, join_footnote_lines(current)))
                    number, current = number + 1, [follow.group(2)]
                else:
                    current.append(lines[j])
                taken.append(j)
                j += 1
            notes.append((number, join_footnote_lines(current)))
            expected = number + 1
            i = j
            continue
        i += 1
    return taken, notes


def strip_note_markers(paragraphs: list[str], numbers: list[int]) -> tuple[list[str], int]:
    """Remove superscript footnote numbers glued to words, in footnote order.

    ``Embassy1.`` loses ``1``; a digit run like ``202010.`` that cannot be a plain number (five
    or more digits, no separators) loses the expected note number at its end.
    """
    if not numbers:
        return paragraphs, 0
    position = 0
    removed = 0
    glued = re.compile(
        r"(?:(?<=[^\W\d_])|(?<=[)\]”“\"’])|(?<=[^\d\s][.,]))(\d{1,2})(?=[\s.,;:”“\"’)\]]|$)"
        r"|(?<![\d.,])(\d{5,7})(?=[\s.,;:”“\"’)\]]|$)"
    )
    out: list[str] = []
    for text in paragraphs:
        pieces: list[str] = []
        cursor = 0
        for match in glued.finditer(text):
            if position >= len(numbers):
                break
            wanted = [str(n) for n in numbers[position : position + 2]]
            if match.group(1) and match.group(1) in wanted:
                step = wanted.index(match.group(1))
                pieces.append(text[cursor : match.start(1)])
                cursor = match.end(1)
            elif match.group(2) and any(match.group(2).endswith(w) for w in wanted):
                step = next(k for k, w in enumerate(wanted) if match.group(2).endswith(w))
                pieces.append(text[cursor : match.end(2) - len(wanted[step])])
                cursor = match.end(2)
            else:
                continue
            position += step + 1
            removed += 1
        pieces.append(text[cursor:])
        out.append(re.sub(r" {2,}", " ", "".join(pieces)))
    return out, removed
