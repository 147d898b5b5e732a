"""The nouns passed between pipeline stages.

Offsets are character offsets into ``Document.text``; a chunk's ``text`` is exactly
``document.text[start:end]`` so highlights come from stored offsets, never re-matching.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PageMark:
    """The page that starts at ``offset`` in a document's text: ``page`` is its printed label ("" where the
    page prints none that could be read), ``pdf_page`` its 1-based place in the PDF (None outside PDFs)."""

    offset: int
    page: str
    approximate: bool = False
    pdf_page: int | None = None


def page_name(page: str | None, pdf_page: int | str | None = None, approximate: bool = False) -> str:
    """How a page is shown and cited: the printed label (``p. 1003``), else the PDF's own page number
    (``PDF p. 3``), never a count dressed as a printed label."""
    if page:
        return f"p. {'~' if approximate else ''}{page}"
    if pdf_page:
        return f"PDF p. {pdf_page}"
    return "page unknown"


def format_authors(authors: list[str] | tuple[str, ...] | str | None, most: int = 3) -> str:
    """``A``, ``A and B``, ``A, B and C``; more than ``most`` names: ``A et al.``."""
    names = [authors] if isinstance(authors, str) else list(authors or [])
    names = [n.strip() for n in names if n and n.strip()]
    if len(names) > most:
        return f"{names[0]} et al."
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}" if names else ""


@dataclass(frozen=True)
class SectionMark:
    """The section heading in force from ``offset`` on; ``kind`` is "body", "contents", "index" or "references"."""

    offset: int
    heading: str
    kind: str = "body"


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    text: str
    sections: tuple[SectionMark, ...] = ()
    pages: tuple[PageMark, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __repr__(self) -> str:
        return f"Document({self.doc_id!r}, {self.title!r}, {len(self.text)} chars)"

    def section_at(self, offset: int) -> str:
        heading = ""
        for mark in self.sections:
            if mark.offset > offset:
                break
            heading = mark.heading
        return heading

    def kind_at(self, offset: int) -> str:
        """The kind of the section in force at ``offset`` (contents, index and references stay out of answers)."""
        kind = "body"
        for mark in self.sections:
            if mark.offset > offset:
                break
            kind = mark.kind
        return kind

    def page_at(self, offset: int) -> PageMark | None:
        found: PageMark | None = None
        for mark in self.pages:
            if mark.offset > offset:
                break
            found = mark
        return found


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    title: str
    section: str
    page: str | None
    page_approximate: bool
    start: int
    end: int
    text: str
    # "en", "ru" or "kk" (journalqa.text.language); "" in indexes built before languages were detected
    language: str = ""
    # the section's kind: "body", "code" (listings: searchable, never quoted as an answer sentence), or
    # "contents" / "index" / "references" (kept out of answers)
    kind: str = "body"
    pdf_page: str | None = None  # the PDF's own page number(s), "3" or "3–4"; ``page`` is the printed label
    authors: str = ""  # the document's authors as shown (``format_authors``)

    def __repr__(self) -> str:
        return f"Chunk({self.chunk_id!r}, p.{self.page}, {self.text[:40]!r}...)"


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused score, per-retriever ranks and its cosine to the query."""

    chunk: Chunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict, hash=False, compare=False)
    dense_score: float | None = None

    def __repr__(self) -> str:
        return f"Passage({self.chunk.chunk_id!r}, score={self.score:.3f})"


@dataclass(frozen=True)
class Citation:
    """Marker ``[n]`` in an answer; ``span`` is the supporting sentence's offsets within ``passage.chunk.text``."""

    n: int
    passage: Passage
    span: tuple[int, int]
    supported: bool = True
    support_score: float = 1.0

    def __repr__(self) -> str:
        return f"Citation([{self.n}] {self.passage.chunk.chunk_id!r})"


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    timings_ms: dict[str, float] = field(default_factory=dict, hash=False, compare=False)
    query: str = ""
    mode: str = "extractive"
    notice: str = ""
    evidence: float | None = None
    # "answered", "uncertain" or "not_in_documents" (journalqa.answer.verdict); "" is filled from ``abstained``
    verdict: str = ""
    # for an ``uncertain`` answer: the best sentence of each closest passage, (passage index, span in its text)
    highlights: tuple[tuple[int, tuple[int, int]], ...] = ()

    def __post_init__(self) -> None:
        if not self.verdict:
            object.__setattr__(self, "verdict", "not_in_documents" if self.abstained else "answered")

    def __repr__(self) -> str:
        state = self.verdict if self.abstained else f"{len(self.citations)} citations"
        return f"Answer({self.question[:40]!r}, {state})"
