"""The one text sanitizer: every extractor's text passes it before anything is stored.

Extractors hand over whatever their source held: a PDF's text layer can carry lone UTF-16 surrogates (which
no file or JSON writer accepts, so one such file used to take its whole ``add`` batch down), NUL and other
control bytes, bidi overrides that make ``Report \\u202egnp.exe`` read as "Report exe.png", zero-width spaces
and joiners that split or hide words, and private-use characters (fonts without a Unicode map).

``sanitize_text`` removes what is invisible or unusable, replaces what stood for a glyph (private use, a
lone surrogate) by U+FFFD so the reader still sees that something was there, and counts every kind. A valid
surrogate pair (an astral character split in two by a UTF-16 source) is joined into its character.
``sanitize_document`` applies it to a Document's text, title, headings and metadata, and keeps the section and
page offsets pointing at the same characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any

from journalqa.types import Document, PageMark

REPLACEMENT = "\ufffd"

# bidi embeddings, overrides and isolates, and the implicit marks: they reorder how text is displayed
BIDI = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
# zero-width space, non-joiner, joiner, word joiner, invisible operators, BOM, Mongolian vowel separator,
# soft hyphen: invisible, and a word holding one no longer matches its search term
ZERO_WIDTH = "\u200b-\u200d\u2060-\u2064\ufeff\u180e\u00ad"
# C0 controls but tab, line feed, carriage return; DEL; C1 controls; non-characters; Unicode tag characters
# (invisible ASCII look-alikes used to smuggle instructions)
CONTROLS = "\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\U000e0000-\U000e007f"
PRIVATE_USE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
SURROGATES = "\ud800-\udfff"

_KINDS = (
    ("surrogates", f"[{SURROGATES}]"),
    ("nul", "\x00"),
    ("controls", f"[{CONTROLS}]"),
    ("bidi", f"[{BIDI}]"),
    ("zero_width", f"[{ZERO_WIDTH}]"),
    ("private_use", f"[{PRIVATE_USE}]"),
    ("line_separators", "[\u2028\u2029]"),
)
_ANY = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _KINDS))
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
# what each kind becomes: glyph stand-ins stay visible, line separators become line breaks, the rest goes
_SUBSTITUTE = {"surrogates": REPLACEMENT, "private_use": REPLACEMENT, "line_separators": "\n"}


@dataclass
class SanitizeReport:
    """How many characters of each kind were removed (or, for glyph stand-ins, replaced by U+FFFD)."""

    surrogates: int = 0
    nul: int = 0
    controls: int = 0
    bidi: int = 0
    zero_width: int = 0
    private_use: int = 0
    line_separators: int = 0

    def __bool__(self) -> bool:
        return any(self.counts().values())

    def counts(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def add(self, other: SanitizeReport) -> None:
        for name, value in other.counts().items():
            setattr(self, name, getattr(self, name) + value)

    def __str__(self) -> str:
        labels = {
            "surrogates": "lone surrogates replaced",
            "nul": "NUL characters removed",
            "controls": "control characters removed",
            "bidi": "bidi controls removed",
            "zero_width": "zero-width characters removed",
            "private_use": "private-use characters replaced",
            "line_separators": "line separators made line breaks",
        }
        return "; ".join(f"{n} {labels[k]}" for k, n in self.counts().items() if n) or "clean"


def sanitize_text(text: str) -> tuple[str, SanitizeReport]:
    """``text`` without invisible or unstorable characters, and what was changed (see the module doc)."""
    report = SanitizeReport()
    if not _ANY.search(text):
        return text, report
    if _PAIR.search(text):
        # surrogatepass lets the pairs through the UTF-16 round trip, which joins them; lone ones stay lone
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")

    def swap(match: re.Match[str]) -> str:
        kind = match.lastgroup or ""
        setattr(report, kind, getattr(report, kind) + 1)
        return _SUBSTITUTE.get(kind, "")

    return _ANY.sub(swap, text), report


def clean(text: str) -> str:
    """``sanitize_text`` without the report, for short strings (names, headings)."""
    return sanitize_text(text)[0]


def sanitize_value(value: Any, report: SanitizeReport | None = None) -> Any:
    """Strings inside JSON-like metadata (dicts, lists) sanitized; other values as they are."""
    if isinstance(value, str):
        cleaned, found = sanitize_text(value)
        if report is not None:
            report.add(found)
        return cleaned
    if isinstance(value, dict):
        return {sanitize_value(k, report): sanitize_value(v, report) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(sanitize_value(v, report) for v in value)
    return value


def sanitize_document(doc: Document) -> tuple[Document, SanitizeReport]:
    """``doc`` with its text, title, headings and metadata sanitized; section and page marks moved with their
    characters. The report counts the text and title (metadata is cleaned, not counted twice)."""
    report = SanitizeReport()
    cuts = sorted({0, len(doc.text), *(m.offset for m in doc.sections), *(m.offset for m in doc.pages)})
    new_offset: dict[int, int] = {0: 0}
    pieces: list[str] = []
    length = 0
    # each stretch between two marks is cleaned on its own, so every mark keeps its place exactly
    for start, end in zip(cuts, cuts[1:], strict=False):
        piece, found = sanitize_text(doc.text[start:end])
        report.add(found)
        pieces.append(piece)
        length += len(piece)
        new_offset[end] = length
    title, found = sanitize_text(doc.title)
    report.add(found)
    metadata = sanitize_value(doc.metadata)
    sections = tuple(
        replace(m, offset=new_offset.get(m.offset, length), heading=clean(m.heading)) for m in doc.sections
    )
    pages: tuple[PageMark, ...] = tuple(replace(m, offset=new_offset.get(m.offset, length)) for m in doc.pages)
    if report:
        metadata["sanitized"] = {k: v for k, v in report.counts().items() if v}
    return Document(doc.doc_id, " ".join(title.split()), "".join(pieces), sections, pages, metadata), report


__all__ = ["REPLACEMENT", "SanitizeReport", "clean", "sanitize_document", "sanitize_text", "sanitize_value"]
