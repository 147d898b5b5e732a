"""Structure of a laid-out PDF: title, authors, section headings, and the kind of each section.

Kinds: "body"; "code" (listings in monospace type: searchable, shown in passages, never an answer sentence);
or "contents" / "index" / "references", which are stored and searchable on request but kept out of answers by
default (retrieve.py). A heading is a short line set larger than the body, or bold and
numbered / capitalised; contents entries (dot leaders or a trailing page number under a Contents heading)
are never headings.
"""

from __future__ import annotations

import re

from .pdf_layout import Line

KINDS = ("body", "code", "contents", "index", "references")
CONTENTS_HEADING = re.compile(r"^(?:table\s+of\s+)?contents$", re.IGNORECASE)
INDEX_HEADING = re.compile(r"\bindex$", re.IGNORECASE)  # "Concept index"; "Index matrices" is a topic
REFERENCES_HEADING = re.compile(
    r"^(?:[\dIVX]+\.?\s+)?(?:references|bibliography|literature(?:\s+cited)?|works\s+cited|references\s+and\s+notes)$",
    re.IGNORECASE,
)
DOT_LEADER = re.compile(r"(?:(?:\.\s?){4,}|(?:\s\.){2,})\s*[\dA-Za-z]{1,6}$")
NUMBERED = re.compile(r"^(?:(?:\d+|[A-Z])(?:\.\d+)*\.?|[IVXL]+\.(?:\d+\.)*|Appendix\s+[A-Z0-9]+)\s+\S")
TERMINAL = re.compile(r"[.!?;:,][\"”’)\]]*$")
UPPER = "A-ZÀ-ÖØ-ÞА-ЯЁӘҒҚҢӨҰҮҺІ"  # capitals of the Latin and Cyrillic (Russian, Kazakh) names on title pages
NAME = re.compile(
    rf"^(?:[{UPPER}][\w'’\-]*\.?|[{UPPER}]\.)(?:\s+(?:[{UPPER}][\w'’\-]*\.?|van|von|de|der|da|di|le|la)){{1,4}}$"
)
# a role set before the names: ``Редактор: Карл Берри``, ``Edited by``
ROLE = re.compile(r"^(?:(?:edited\s+)?by|editors?|eds?\.|редактор[ыа]?|под\s+редакцией|автор[ыа]?)\s*:?\s+", re.I)
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


DOI = re.compile(r"\bdoi\b|\b10\.\d{4,9}/|https?://", re.IGNORECASE)
TITLE_BLOCK_LINES = 6  # the title is among the first page's first lines when it is set bold, not large


def _title_candidate(line: Line) -> bool:
    text = line.text
    return (
        any(ch.isalpha() for ch in text)
        and not is_contents_entry(text)
        and len(text) <= 200
        and not DOI.search(text)  # ``doi:10.1016/j.patcog...`` prints large on a first page, and is no title
        and line.mono_share < 0.5
        and line.math_share < 0.3
        # mostly letters: a formula or a row of figures is set large too
        and sum(ch.isalpha() for ch in text) >= 0.5 * sum(not ch.isspace() for ch in text)
    )


def title_lines(first_page: list[Line], body_size: float) -> list[int]:
    """Indices of the first page's title: its largest text (consecutive lines of that size), or, where nothing is
    set larger than the body (a TUGboat preprint), the bold lines that open the page before any numbered heading."""
    candidates = [(i, ln) for i, ln in enumerate(first_page) if _title_candidate(ln)]
    if not candidates:
        return []
    largest = max(ln.size for _, ln in candidates)
    if largest < 1.1 * body_size:
        return _bold_opening(first_page)
    chosen = [i for i, ln in candidates if abs(ln.size - largest) < 0.3]
    first = chosen[0]
    run = [first]
    for i in chosen[1:]:
        if i == run[-1] + 1:
            run.append(i)
    return run


def _bold_opening(first_page: list[Line]) -> list[int]:
    run: list[int] = []
    for i, line in enumerate(first_page[:TITLE_BLOCK_LINES]):
        heading_like = NUMBERED.match(line.text) or section_kind(line.text) != "body"
        if line.bold and _title_candidate(line) and not heading_like and (not run or run[-1] == i - 1):
            run.append(i)
        elif run or heading_like:
            break
    # a lone bold word is a label ("Abstract"), not a title; the title needs the page's text to follow it
    return run if run and len(" ".join(first_page[i].text for i in run).split()) >= 3 else []


AFFILIATION = re.compile(r"universit|institut|college|school|department|laborator|academy|society|centre|center", re.I)


def is_affiliation(line: Line) -> bool:
    return all(AFFILIATION.search(cell) for cell in line.cells or [line.text])


def find_authors(lines: list[Line]) -> list[str]:
    """Names on the lines between the title and the first heading / paragraph of the first page."""
    names: list[str] = []
    for line in lines:
        if len(line.text) > 100 or line.text.lower().startswith(("abstract", "contents", "table of contents")):
            break
        # names set apart by wide gaps (``Achim Zeileis   Friedrich Leisch``) are read one piece at a time
        for cell in line.cells or line.spans or [line.text]:
            names += _names(re.sub(r"[\d∗*†‡§]+$", "", cell.strip()))
    return names


def _names(text: str) -> list[str]:
    names: list[str] = []
    text = ROLE.sub("", text)
    for part in re.split(r",\s*|\s+and\s+|\s*&\s*", text):
        part = part.strip()
        if part and NAME.match(part) and not any(w.lower().strip(".") in NOT_NAMES for w in part.split()):
            names.append(part)
    return names
