"""Cleaning pass: footnotes (smaller type at the foot of a page or column, opened by a marker) go to metadata,
and their markers (superscripts in the text) are removed; other superscripts stay as text (``x2`` from x²).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .pdf_layout import SUP, Page

MARKER = re.compile(r"^(?:\x01([^\x01]{1,3})\x01|([0-9]{1,3}|[*∗†‡§¶]{1,2})\s)\s*(\S.*)$")
SUPERSCRIPT = re.compile(r"\x01([^\x01]*)\x01")
SMALLER = 0.92  # a footnote's type is at most this share of the body size
FOOT_ZONE = 0.45  # and it sits in the bottom part of the page


@dataclass
class Footnotes:
    notes: list[str] = field(default_factory=list)  # "marker text"
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
                    marker = (match.group(1) or match.group(2)).strip()
                    markers.add(marker)
                    current = [marker + " " + SUPERSCRIPT.sub(r"\1", match.group(3))]
                else:
                    current.append(SUPERSCRIPT.sub(r"\1", text))
                found.lines.add((page.index, i))
            if current:
                found.notes.append(" ".join(current))
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
