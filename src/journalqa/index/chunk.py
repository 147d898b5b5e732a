"""Sentence-aware chunking with overlap, inside section boundaries.

Chunks are sized in the embedder's own tokens (``Embedder.count_tokens``: all-MiniLM-L6-v2 truncates at 256
word-pieces) so no chunk is silently cut; the overlap repeats the last sentence(s) of the previous chunk.
Each chunk records its language: the document's, unless the chunk itself reads as another (mixed documents).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from journalqa.text.language import detect
from journalqa.text.segment import sentence_spans
from journalqa.types import Chunk, Document, format_authors

CHUNKER_VERSION = "6"  # 4: languages; 5: PDF pages (printed and physical), authors, code; 6: a scan's prose is not code

TokenCounter = Callable[[str], int]


def approximate_tokens(text: str) -> int:
    # English prose averages ~1.3 word-pieces per word for MiniLM's vocabulary; a long run without spaces is
    # still many pieces (at least one per 8 characters; prose, at ~6 characters a word, stays on the word count)
    return max(int(len(text.split()) * 1.3) + 1, len(text) // 8)


def section_ranges(doc: Document) -> list[tuple[int, int, str]]:
    bounds = sorted({0, *(m.offset for m in doc.sections if 0 < m.offset < len(doc.text))})
    ranges = []
    for i, start in enumerate(bounds):
        end = bounds[i + 1] if i + 1 < len(bounds) else len(doc.text)
        if doc.text[start:end].strip():
            ranges.append((start, end, doc.section_at(start)))
    return ranges


def chunk_document(
    doc: Document,
    max_tokens: int = 200,
    overlap_sentences: int = 1,
    count_tokens: TokenCounter = approximate_tokens,
) -> list[Chunk]:
    chunks: list[Chunk] = []
    doc_language = document_language(doc)
    for start, end, section in section_ranges(doc):
        spans = list(_bounded_spans(doc.text, start, end, max_tokens, count_tokens))
        for first, last in _windows(spans, doc.text, max_tokens, overlap_sentences, count_tokens):
            chunk_start, chunk_end = spans[first][0], spans[last][1]
            language = chunk_language(doc.text[chunk_start:chunk_end], doc_language)
            chunks.append(_make_chunk(doc, len(chunks), chunk_start, chunk_end, section, language))
    return chunks


# below this many letters a chunk (a heading, a code line) takes its document's language
MIN_LETTERS_TO_DETECT = 40


def document_language(doc: Document) -> str:
    """The language ingest recorded in the metadata, else detected from the text."""
    return str(doc.metadata.get("language") or detect(doc.text[:20_000]))


def chunk_language(text: str, doc_language: str) -> str:
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS_TO_DETECT:
        return doc_language
    return detect(text)


def chunk_documents(docs: Iterable[Document], **kwargs) -> list[Chunk]:
    return [chunk for doc in docs for chunk in chunk_document(doc, **kwargs)]


def _bounded_spans(
    text: str, start: int, end: int, max_tokens: int, count_tokens: TokenCounter
) -> Iterable[tuple[int, int]]:
    """Sentence spans; a sentence longer than the window is cut at word boundaries."""
    for s, e in sentence_spans(text, start, end):
        # a span of over 20 characters per allowed token is over the window whatever it says: not tokenized
        # (a 10 MB one-line file would otherwise be tokenized whole)
        if e - s <= 20 * max_tokens and count_tokens(text[s:e]) <= max_tokens:
            yield s, e
        else:
            yield from _cut_long(text, s, e, max_tokens)


_WORD_RUN = re.compile(r"\S+")


def _cut_long(text: str, start: int, end: int, max_tokens: int) -> Iterable[tuple[int, int]]:
    """Pieces of ``max_tokens / 1.5`` words; a "word" longer than ``max_tokens`` characters (a pasted hash, an
    attack's 100,000-letter run) is cut into pieces of its own of that many characters, since a word-piece is
    at least one character and such a run would otherwise be one chunk far over the window."""
    words_limit = max(8, int(max_tokens / 1.5))
    piece: list[int] = []  # [start, end] of the piece being filled
    words_in_piece = 0
    for match in _WORD_RUN.finditer(text, start, end):
        if match.end() - match.start() > max_tokens:
            if piece:
                yield piece[0], piece[1]
                piece, words_in_piece = [], 0
            for s in range(match.start(), match.end(), max_tokens):
                yield s, min(s + max_tokens, match.end())
            continue
        if words_in_piece >= words_limit:
            yield piece[0], piece[1]
            piece, words_in_piece = [], 0
        piece = [piece[0] if piece else match.start(), match.end()]
        words_in_piece += 1
    if piece:
        yield piece[0], piece[1]


def _windows(
    spans: list[tuple[int, int]], text: str, max_tokens: int, overlap: int, count_tokens: TokenCounter
) -> Iterable[tuple[int, int]]:
    first = 0
    while first < len(spans):
        last = first
        while last + 1 < len(spans) and count_tokens(text[spans[first][0] : spans[last + 1][1]]) <= max_tokens:
            last += 1
        yield first, last
        if last + 1 >= len(spans):
            return
        # step back for overlap, but always advance
        first = max(first + 1, last + 1 - overlap)


def _make_chunk(doc: Document, ordinal: int, start: int, end: int, section: str, language: str = "") -> Chunk:
    first_page = doc.page_at(start)
    last_page = doc.page_at(max(start, end - 1))
    page: str | None = None
    pdf_page: str | None = None
    approximate = False
    if first_page is not None:
        last = last_page if last_page is not None else first_page
        # a printed label only where both ends print one ("" is a page without one): never half a guess
        if first_page.page and last.page:
            page = first_page.page if last.page == first_page.page else f"{first_page.page}–{last.page}"
            approximate = first_page.approximate or last.approximate
        if first_page.pdf_page is not None and last.pdf_page is not None:
            same = first_page.pdf_page == last.pdf_page
            pdf_page = str(first_page.pdf_page) if same else f"{first_page.pdf_page}–{last.pdf_page}"
    return Chunk(
        chunk_id=f"{doc.doc_id}#{ordinal:04d}",
        doc_id=doc.doc_id,
        title=doc.title,
        section=section,
        page=page,
        page_approximate=approximate,
        start=start,
        end=end,
        text=doc.text[start:end],
        language=language,
        pdf_page=pdf_page,
        authors=format_authors(doc.metadata.get("authors")),
    )
