"""Structure of a laid-out PDF: title, authors, section headings, and the kind of each section.

Kinds: "body", or "contents" / "index" / "references", which are stored and searchable on request but kept
out of answers by default (retrieve.py). A heading is a short line set larger than the body, or bold and
numbered / capitalised; contents entries (dot leaders or a trailing page number under a Contents heading)
are never headings.
"""

from __future__ import annotations

import re

from .pdf_layout import Line

KINDS = ("body", "contents", "index", "references")
CONTENTS_HEADING = re.compile(r"^(?:table\s+of\s+)?contents$", re.IGNORECASE)
INDEX_HEADING = re.compile(r"\bindex$", re.IGNORECASE)  # "Concept index"; "Index matrices" is a topic
REFERENCES_HEADING = re.compile(
    r"^(?:[\dIVX]+\.?\s+)?(?:references|bibliography|literature(?:\s+cited)?|works\s+cited|references\s+and\s+notes)$",
    re.IGNORECASE,
)
DOT_LEADER = re.compile(r"(?:(?:\.\s?){4,}|(?:\s\.){2,})\s*[\dA-Za-z]{1,6}$")
NUMBERED = re.compile(r"^(?:(?:\d+|[A-Z])(?:\.\d+)*\.?|[IVXL]+\.(?:\d+\.)*|Appendix\s+[A-Z0-9]+)\s+\S")
TERMINAL = re.compile(r"[.!?;:,][\"”’)\]]*$")
NAME = re.compile(r"^(?:[A-Z][\w'’\-]*\.?|[A-Z]\.)(?:\s+(?:[A-Z][\w'’\-]*\.?|van|von|de|der|da|di|le|la)){1,4}$")
NOT_NAMES = frozenset(
    "university institute society department school college laboratory team center centre road street "
    "inc ltd corporation version dated abstract".split()
)


def section_kind(heading: str) -> str:
    text = re.sub(r"^(?:appendix\s+[a-z0-9]+\s+|[\divxl]+(?:\.\d+)*\.?\s+)", "", heading.strip(), flags=re.IGNORECASE)
    if CONTENTS_HEADING.match(text) or CONTENTS_HEADING.match(heading.strip()):
        return "contents"
    if REFERENCES_HEADING.match(text) or REFERENCES_HEADING.match(heading.strip()):
        return "references"
    if INDEX_HEADING.search(text) and len(text.split()) <= 5:
        return "index"
    return "body"


def is_contents_entry(text: str) -> bool:
    return bool(DOT_LEADER.search(text))


def is_heading(line: Line, body_size: float) -> bool:
    text = line.text.strip()
    if not text or len(text) > 120 or is_contents_entry(text) or line.mono_share > 0.5 or line.math_share > 0.2:
        return False
    if not any(ch.isalpha() for ch in text) or text.endswith((",", ";", "-")):
        return False
    if line.size >= 1.15 * body_size:
        return True
    if not line.bold:
        return False
    letters = [ch for ch in text if ch.isalpha()]
    # the first letter, past an opening quote or bracket: “Red lines“ in Tajikistan's foreign policy
    capitalised = bool(letters) and letters[0].isupper() or bool(NUMBERED.match(text))
    return capitalised and (bool(NUMBERED.match(text)) or all(ch.isupper() for ch in letters) or len(text) <= 60)


def title_lines(first_page: list[Line], body_size: float) -> list[int]:
    """Indices of the first page's largest text (consecutive lines of that size)."""
    candidates = [
        (i, ln)
        for i, ln in enumerate(first_page)
        if any(ch.isalpha() for ch in ln.text) and not is_contents_entry(ln.text) and len(ln.text) <= 200
    ]
    if not candidates:
        return []
    largest = max(ln.size for _, ln in candidates)
    if largest < 1.1 * body_size:
        return []
    chosen = [i for i, ln in candidates if abs(ln.size - largest) < 0.3]
    first = chosen[0]
    run = [first]
    for i in chosen[1:]:
        if i == run[-1] + 1:
            run.append(i)
    return run


AFFILIATION = re.compile(r"universit|institut|college|school|department|laborator|academy|society|centre|center", re.I)


def is_affiliation(line: Line) -> bool:
    return all(AFFILIATION.search(cell) for cell in line.cells or [line.text])


def find_authors(lines: list[Line]) -> list[str]:
    """Names on the lines between the title and the first heading / paragraph of the first page."""
    names: list[str] = []
    for line in lines:
        if len(line.text) > 100 or line.text.lower().startswith(("abstract", "contents", "table of contents")):
            break
        for cell in line.cells or [line.text]:
            names += _names(re.sub(r"[\d∗*†‡§]+$", "", cell.strip()))
    return names


def _names(text: str) -> list[str]:
    names: list[str] = []
    for part in re.split(r",\s*|\s+and\s+|\s*&\s*", text):
        part = part.strip()
        if part and NAME.match(part) and not any(w.lower().strip(".") in NOT_NAMES for w in part.split()):
            names.append(part)
    return names
