"""Rendering an Answer as JSON-ready dicts, plain text or Markdown: shared by CLI, UI and evals."""

from __future__ import annotations

from typing import Any

from journalqa.types import Answer, Citation, Passage


def page_label(passage: Passage) -> str:
    chunk = passage.chunk
    if chunk.page is None:
        return "page unknown"
    return f"p. {'~' if chunk.page_approximate else ''}{chunk.page}"


def passage_dict(passage: Passage) -> dict[str, Any]:
    chunk = passage.chunk
    return {
        "chunk_id": chunk.chunk_id,
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "section": chunk.section,
        "page": chunk.page,
        "page_approximate": chunk.page_approximate,
        "text": chunk.text,
        "start": chunk.start,
        "end": chunk.end,
        "score": round(passage.score, 6),
        "dense_score": None if passage.dense_score is None else round(passage.dense_score, 6),
    }


def grouped_citations(answer: Answer) -> list[tuple[int, Passage, list[Citation]]]:
    """One entry per source number, with every sentence span it supports."""
    groups: dict[int, tuple[Passage, list[Citation]]] = {}
    for citation in answer.citations:
        groups.setdefault(citation.n, (citation.passage, []))[1].append(citation)
    return [(n, passage, cites) for n, (passage, cites) in sorted(groups.items())]


def answer_dict(answer: Answer) -> dict[str, Any]:
    citations = []
    for n, passage, cites in grouped_citations(answer):
        citations.append(
            {
                "n": n,
                **passage_dict(passage),
                "highlights": [list(c.span) for c in cites],
                "supported": all(c.supported for c in cites),
            }
        )
    return {
        "question": answer.question,
        "query": answer.query or answer.question,
        "answer": answer.answer,
        "abstained": answer.abstained,
        "mode": answer.mode,
        "notice": answer.notice,
        "evidence": None if answer.evidence is None else round(answer.evidence, 4),
        "citations": citations,
        "passages": [passage_dict(p) for p in answer.passages],
        "timings_ms": {k: round(v, 2) for k, v in answer.timings_ms.items()},
    }


def source_line(n: int, passage: Passage) -> str:
    chunk = passage.chunk
    section = f" — {chunk.section}" if chunk.section else ""
    return f"[{n}] {chunk.title}{section}, {page_label(passage)} (score {passage.score:.3f})"


def highlight(text: str, spans: list[tuple[int, int]], before: str, after: str) -> str:
    out, cursor = [], 0
    for start, end in sorted(spans):
        if start < cursor:
            continue
        out += [text[cursor:start], before, text[start:end], after]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def answer_text(answer: Answer, color: bool = False) -> str:
    lines = []
    if answer.notice:
        lines += [f"Note: {answer.notice}", ""]
    lines += [answer.answer, ""]
    if answer.abstained:
        lines.append("Closest passages:")
        for i, passage in enumerate(answer.passages[:3], start=1):
            lines += [source_line(i, passage), "    " + _shorten(passage.chunk.text, 300), ""]
        return "\n".join(lines).rstrip() + "\n"
    lines.append("Sources:")
    on, off = ("\033[1m", "\033[0m") if color else ("»", "«")
    for n, passage, cites in grouped_citations(answer):
        lines.append(source_line(n, passage))
        lines.append("    " + highlight(passage.chunk.text, [c.span for c in cites], on, off))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def answer_markdown(answer: Answer) -> str:
    if answer.abstained:
        return f"**{answer.answer}**"
    return answer.answer


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"
