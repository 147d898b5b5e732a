"""Rendering an Answer as JSON-ready dicts, plain text or Markdown: shared by CLI, UI and evals."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from journalqa.i18n import t
from journalqa.text.language import NAMES as LANGUAGE_NAMES
from journalqa.text.language import question_language
from journalqa.types import Answer, Chunk, Citation, Document, Passage, page_name


def page_label(passage: Passage) -> str:
    """The printed page (``p. 12``), else the PDF's own page (``PDF p. 3``), never a count dressed as a label."""
    chunk = passage.chunk
    return page_name(chunk.page, chunk.pdf_page, chunk.page_approximate)


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
        "language": chunk.language,
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
        "language": question_language(answer.question),
        "query": answer.query or answer.question,
        "answer": answer.answer,
        "verdict": answer.verdict,
        "abstained": answer.abstained,
        "mode": answer.mode,
        "notice": answer.notice,
        "evidence": None if answer.evidence is None else round(answer.evidence, 4),
        "citations": citations,
        "passages": [passage_dict(p) for p in answer.passages],
        "highlights": [{"passage": i + 1, "span": list(span)} for i, span in answer.highlights],
        "timings_ms": {k: round(v, 2) for k, v in answer.timings_ms.items()},
    }


def source_line(n: int, passage: Passage, asked_in: str = "") -> str:
    chunk = passage.chunk
    section = f" — {chunk.section}" if chunk.section else ""
    line = f"[{n}] {chunk.title}{section}, {page_label(passage)} (score {passage.score:.3f})"
    other = other_language(passage, asked_in)
    return line + (f" [in {other}]" if other else "")


def other_language(passage: Passage, asked_in: str) -> str:
    """The passage's language name when it differs from the question's (its quote is not translated)."""
    language = passage.chunk.language
    if not language or not asked_in or language == asked_in:
        return ""
    return LANGUAGE_NAMES.get(language, language)


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
    asked_in = question_language(answer.question)
    lines = []
    if answer.notice:
        lines += [f"Note: {answer.notice}", ""]
    on, off = ("\033[1m", "\033[0m") if color else ("»", "«")
    if answer.abstained:
        lines += [answer.answer, "", "Closest passages:"]
        spans = dict(answer.highlights)
        for i, passage in enumerate(answer.passages[:3], start=1):
            text = passage.chunk.text
            if i - 1 in spans:  # an uncertain answer: the passage's best sentence, marked
                start, end = spans[i - 1]
                shown = highlight(text, [(start, end)], on, off) if len(text) <= 600 else f"{on}{text[start:end]}{off}"
            else:
                shown = _shorten(text, 300)
            lines += [source_line(i, passage, asked_in), "    " + shown, ""]
        return "\n".join(lines).rstrip() + "\n"
    lines += [journal_references_text(answer), "", "Sources:"]
    for n, passage, cites in grouped_citations(answer):
        lines.append(source_line(n, passage, asked_in))
        lines.append("    " + highlight(passage.chunk.text, [c.span for c in cites], on, off))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# The journal's own reference numbers inside a quoted sentence: "[6]", "[6, p. 191]", "[12; 14]", "[3–5]"
JOURNAL_REFERENCE = re.compile(r"\[\d+(?:\s*[,;–-]\s*(?:p\.\s*)?\d+)*(?:,?\s*pp?\.\s*\d+(?:[–-]\d+)?)?\]")


def journal_references_text(answer: Answer) -> str:
    """The answer as text, the journal's reference numbers shown as ⟨6⟩ so they are not read as our [n] markers
    (the stored answer text and its offsets stay exact)."""
    pieces = extractive_pieces(answer)
    if pieces is None:
        return answer.answer
    return " ".join(f"{JOURNAL_REFERENCE.sub(_angled, sentence)} [{n}]" for sentence, n in pieces)


def _angled(match: re.Match[str]) -> str:
    return f"⟨{match.group(0)[1:-1]}⟩"


def answer_markdown(answer: Answer) -> str:
    if answer.abstained:
        return f"**{answer.answer}**"
    return answer.answer


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


# --- HTML for the UI: pure functions, every piece of journal text escaped, highlights from stored offsets ---

_MARKER = re.compile(r"(?<!\S)\[(\d+)\](?=\s|$)")


def extractive_pieces(answer: Answer) -> list[tuple[str, int]] | None:
    """(sentence, n) when the answer is exactly its cited sentences each followed by `` [n]``; else None."""
    pieces = [(c.passage.chunk.text[c.span[0] : c.span[1]], c.n) for c in answer.citations]
    if not pieces or " ".join(f"{sentence} [{n}]" for sentence, n in pieces) != answer.answer:
        return None
    return pieces


def _journal_references_html(sentence: str, lang: str = "en") -> str:
    """A quoted sentence, escaped, its own reference numbers as muted superscripts (never links)."""
    out, cursor = [], 0
    tip = _esc(t(lang, "card.reference_tip"))
    for match in JOURNAL_REFERENCE.finditer(sentence):
        out += [_esc(sentence[cursor : match.start()]), f'<sup class="jq-ref" title="{tip}">']
        out += [_esc(match.group(0)[1:-1]), "</sup>"]
        cursor = match.end()
    out.append(_esc(sentence[cursor:]))
    return "".join(out)


def _cite_link(prefix: str, n: int) -> str:
    return f'<a class="jq-cite" href="#{source_anchor(prefix, n)}" data-n="{n}">[{n}]</a>'


def highlight_html(text: str, spans: Sequence[tuple[int, int]], css_class: str = "jq-hl") -> str:
    """``text`` escaped, with each character span wrapped in ``<mark>``; overlapping spans are skipped."""
    out, cursor = [], 0
    for start, end in sorted(spans):
        if start < cursor or end <= start:
            continue
        out += [_esc(text[cursor:start]), f'<mark class="{css_class}">', _esc(text[start:end]), "</mark>"]
        cursor = end
    out.append(_esc(text[cursor:]))
    return "".join(out)


def source_anchor(prefix: str, n: int) -> str:
    """The element id of source ``n`` of one answer; ``prefix`` keeps ids unique across answers."""
    return f"{prefix}src-{n}"


def page_html(passage: Passage, lang: str = "en") -> str:
    """The page label in ``lang``; an inferred page ("~") carries its explanation on hover."""
    chunk = passage.chunk
    if chunk.page is None and chunk.pdf_page:  # the page prints no number: where it sits in the PDF
        tip = _esc(t(lang, "page.pdf_tip"))
        return f'<span class="jq-pdf-page" title="{tip}">{_esc(t(lang, "page.pdf", page=chunk.pdf_page))}</span>'
    if chunk.page is None:
        return _esc(t(lang, "page.unknown"))
    # the printed page is shown and cited; the PDF's own page (what a PDF viewer opens) on hover
    in_pdf = f" · {t(lang, 'page.in_pdf', page=chunk.pdf_page)}" if chunk.pdf_page else ""
    if chunk.page_approximate:
        tip = _esc(t(lang, "page.approximate_tip") + in_pdf)
        return f'<span class="jq-approx" title="{tip}">{_esc(t(lang, "page.approximate", page=chunk.page))}</span>'
    label = _esc(t(lang, "page.number", page=chunk.page))
    return f'<span title="{_esc(in_pdf[3:])}">{label}</span>' if in_pdf else label


def answer_html(answer: Answer, prefix: str = "", lang: str = "en") -> str:
    """The answer for a chat bubble in interface language ``lang``: escaped text, ``[n]`` markers as links to the
    source cards. The three verdicts look different: an answer plain, ``uncertain`` a blue box with its best
    sentences to check, ``not_in_documents`` an amber box. Journal text (titles, quotes) is marked
    ``translate="no"``: it is shown as written."""
    if answer.abstained:
        closest = "".join(
            f'<li><a class="jq-cite jq-closest-link" href="#{source_anchor(prefix, i)}" data-n="{i}" translate="no">'
            f"{_esc(p.chunk.title)}</a> <span class='jq-muted'>{page_html(p, lang)}</span></li>"
            for i, p in enumerate(answer.passages[:3], start=1)
        )
        uncertain = answer.verdict == "uncertain"
        title = t(lang, "answer.uncertain" if uncertain else "answer.not_answered")
        icon = "?" if uncertain else "∅"
        kind = "jq-uncertain" if uncertain else "jq-not-found"
        closest_html = (
            f'<div class="jq-muted">{_esc(t(lang, "answer.closest"))}</div><ol class="jq-closest">{closest}</ol>'
        )
        return (
            f'<div class="jq-abstain {kind}" data-verdict="{_esc(answer.verdict)}">'
            f'<div class="jq-abstain-title"><span class="jq-verdict-icon" aria-hidden="true">{icon}</span>{_esc(title)}</div>'
            f"<p>{_esc(answer.answer)}</p>" + (closest_html if closest else "") + "</div>"
        )
    pieces = extractive_pieces(answer)
    if pieces is not None:  # exact marker positions: footnote numbers like "[6]" in the journal text stay text
        body = " ".join(f"{_journal_references_html(sentence, lang)} {_cite_link(prefix, n)}" for sentence, n in pieces)
    else:
        cited = {c.n for c in answer.citations}
        body = _MARKER.sub(
            lambda m: _cite_link(prefix, int(m.group(1))) if int(m.group(1)) in cited else m.group(0),
            _esc(answer.answer),
        )
    notice = f'<div class="jq-notice">{_esc(answer.notice)}</div>' if answer.notice else ""
    # the answer's text is the journal's sentences (or a model's words): shown as written, not interface text
    return notice + f'<div class="jq-answer" translate="no">{body}</div>'


def query_html(answer: Answer, lang: str = "en") -> str:
    """A collapsed "interpreted as" detail when a follow-up was rewritten; empty otherwise."""
    if not answer.query or answer.query == answer.question:
        return ""
    summary = _esc(t(lang, "answer.interpreted"))
    return f'<details class="jq-query"><summary>{summary}</summary>{_esc(answer.query)}</details>'


def relevance(passage: Passage) -> str:
    """Cosine to the query when known (0–1, readable), else the fused rank score."""
    value = passage.dense_score if passage.dense_score is not None else passage.score
    return f"{value:.2f}"


# Relevance bands on the cosine of passage and question (multilingual-e5-small): the top passage's score over the
# calibration articles' questions of evals/qa.jsonl plus every unanswerable one (145 questions, 2026-12-06):
# answered questions' median 0.896 and 20th percentile 0.872; questions left unanswered median 0.872, 80th
# percentile 0.901. Scores overlap a lot, so a band is a hint to read the passage, never a verdict.
STRONG_MATCH = 0.90
WEAK_MATCH = 0.87


def relevance_band(passage: Passage) -> str:
    """ "strong", "partial" or "weak" by the passage's cosine to the question ("partial" when unknown)."""
    if passage.dense_score is None:
        return "partial"
    if passage.dense_score >= STRONG_MATCH:
        return "strong"
    return "weak" if passage.dense_score < WEAK_MATCH else "partial"


def source_card_html(
    n: int,
    passage: Passage,
    spans: Sequence[tuple[int, int]],
    prefix: str = "",
    supported: bool = True,
    asked_in: str = "",
    lang: str = "en",
) -> str:
    chunk = passage.chunk
    other = passage.chunk.language if other_language(passage, asked_in) else ""
    badge = (
        f'<span class="jq-lang" title="{_esc(t(lang, "card.lang_tip"))}">'
        f"{_esc(t(lang, 'card.in_language', language=t(lang, f'language.{other}')))}</span>"
        if other in ("en", "ru", "kk")
        else ""
    )
    section = f'<span class="jq-section" translate="no">{_esc(chunk.section)}</span>' if chunk.section else ""
    ranks = ", ".join(f"{k} #{v}" for k, v in sorted(passage.ranks.items()))
    tip = t(lang, "relevance.tip", score=relevance(passage), fused=f"{passage.score:.4f}") + (
        f"; {ranks}" if ranks else ""
    )
    band = relevance_band(passage)
    authors = (
        f'<span class="jq-authors" translate="no">{_esc(t(lang, "card.by", authors=chunk.authors))}</span>'
        if chunk.authors
        else ""
    )
    warning = "" if supported else f'<span class="jq-unsupported">{_esc(t(lang, "card.weak_support"))}</span>'
    return (
        f'<article class="jq-card" id="{source_anchor(prefix, n)}" data-n="{n}">'
        f'<header><span class="jq-n">{n}</span><span class="jq-title" translate="no">{_esc(chunk.title)}</span>'
        f"{authors}</header>"
        f'<div class="jq-meta">{section}<span class="jq-page">{page_html(passage, lang)}</span>'
        f'<span class="jq-score jq-band-{band}" title="{_esc(tip)}" data-score="{relevance(passage)}">'
        f"{_esc(t(lang, f'relevance.{band}'))}</span>{badge}{warning}</div>"
        f'<blockquote class="jq-passage" translate="no">{highlight_html(chunk.text, spans)}</blockquote>'
        f'<button type="button" class="jq-open" data-open="{n}">{_esc(t(lang, "card.read"))}</button>'
        "</article>"
    )


def evidence_sources(answer: Answer) -> list[tuple[int, Passage, list[tuple[int, int]], bool]]:
    """(n, passage, highlight spans, supported) shown for an answer: its citations, or the closest passages."""
    if answer.abstained or not answer.citations:
        spans = dict(answer.highlights)
        return [(i, p, [spans[i - 1]] if i - 1 in spans else [], True) for i, p in enumerate(answer.passages, start=1)]
    return [
        (n, passage, [c.span for c in cites], all(c.supported for c in cites))
        for n, passage, cites in grouped_citations(answer)
    ]


def evidence_html(answer: Answer, prefix: str = "", lang: str = "en") -> str:
    """The evidence panel for one answer: a header, then one card per cited (or closest) passage."""
    sources = evidence_sources(answer)
    if answer.verdict == "uncertain":
        heading = t(lang, "evidence.uncertain_head")
    elif answer.abstained:
        heading = t(lang, "evidence.abstain_head")
    else:
        heading = t(lang, "evidence.sources", n=len(sources))
    asked_in = question_language(answer.question)
    cards = "".join(source_card_html(n, p, spans, prefix, ok, asked_in, lang) for n, p, spans, ok in sources)
    kind = {"uncertain": " jq-evidence-uncertain", "not_in_documents": " jq-evidence-abstain"}.get(answer.verdict, "")
    if answer.abstained and not kind:
        kind = " jq-evidence-abstain"
    return (
        f'<div class="jq-evidence{kind}">'
        f'<div class="jq-evidence-head"><div class="jq-q" translate="no">{_esc(answer.question)}</div>{query_html(answer, lang)}'
        f'<div class="jq-muted">{_esc(heading)}</div></div>{cards}</div>'
    )


def article_html(document: Document, chunk: Chunk, spans: Sequence[tuple[int, int]] = (), lang: str = "en") -> str:
    """The whole document text with its sections and pages, the chunk marked and its ``spans`` (offsets
    within the chunk) marked strongly; the chunk's mark carries ``id="jq-passage"`` to scroll to."""
    text = document.text
    events: list[tuple[int, int, str]] = []  # (offset, order at that offset, html)
    for mark in document.sections:
        events.append((mark.offset, 2, f'<h3 class="jq-doc-section">{_esc(mark.heading)}</h3>'))
    tip = _esc(t(lang, "page.approximate_tip"))
    for mark in document.pages:
        if mark.page:
            label = _esc(t(lang, "page.approximate" if mark.approximate else "page.number", page=mark.page))
        else:  # a page that prints no number is named by its place in the PDF
            label = _esc(t(lang, "page.pdf", page=mark.pdf_page)) if mark.pdf_page else ""
        # the page marks are the interface's words inside the document's text, which is shown as written
        extra = f' title="{tip}"' if mark.approximate else ""
        events.append((mark.offset, 3, f'<span class="jq-page-mark" translate="yes"{extra}>{label}</span>'))
    events += [(chunk.start, 4, '<mark class="jq-chunk" id="jq-passage">'), (chunk.end, 1, "</mark>")]
    for start, end in sorted(spans):
        if 0 <= start < end <= chunk.end - chunk.start:
            events += [(chunk.start + start, 5, '<mark class="jq-hl">'), (chunk.start + end, 0, "</mark>")]
    out, cursor = [], 0
    for offset, _, piece in sorted(events, key=lambda e: (e[0], e[1])):
        offset = min(max(offset, cursor), len(text))
        out += [_esc(text[cursor:offset]), piece]
        cursor = offset
    out.append(_esc(text[cursor:]))
    return f'<div class="jq-doc" translate="no"><h2 class="jq-doc-title">{_esc(document.title)}</h2><div class="jq-doc-text">{"".join(out)}</div></div>'


def text_html(text: str) -> str:
    """Any text (a title, a file name, a reason, a question) as inert HTML: markup characters escaped.

    The chat shows these strings without Markdown processing (``render_markdown=False`` in ``ui.app``), so
    escaping is all it takes for them to stay text; the same goes for toasts and ``gr.HTML``."""
    return html.escape(text, quote=True)


_esc = text_html
