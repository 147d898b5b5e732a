"""Extractive answers: verbatim sentences from the retrieved passages, each ending in ``[n]``.

No LLM: every sentence of the answer is a sentence of the journal, so support is 100% by
construction; the work is choosing which sentences (the fitted chooser), and the verdict: ``answered``,
``uncertain`` (with the closest sentences highlighted) or ``not_in_documents``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from journalqa.answer.evidence import (
    MINILM_CALIBRATION,
    EvidenceCalibration,
    ScoredSentence,
    TermWeights,
    above_floor,
    constraint_match,
    evidence_score,
    question_signals,
    score_sentences,
    select_sentences,
    sentence_features,
    sentence_signals,
)
from journalqa.answer.verdict import ANSWERED, NOT_IN_DOCUMENTS, UNCERTAIN, Reader
from journalqa.search.question import Question, parse_question
from journalqa.text.language import question_language
from journalqa.types import Answer, Citation, Passage

# The abstention, in the question's language (one place for the three; the UI and CLI show Answer.answer).
ABSTENTION_TEXTS = {
    "en": "The journal does not answer this question. The closest passages are listed below.",
    "ru": "В журнале нет ответа на этот вопрос. Ниже приведены самые близкие фрагменты.",
    "kk": "Журналда бұл сұраққа жауап жоқ. Ең жақын үзінділер төменде берілген.",
}
ABSTENTION_TEXT = ABSTENTION_TEXTS["en"]


def abstention_text(question: str) -> str:
    """The abstention in the question's language (English for any other)."""
    return ABSTENTION_TEXTS.get(question_language(question), ABSTENTION_TEXT)


UNCERTAIN_TEXTS = {
    "en": "The journal may address this question, but no sentence clearly answers it. The closest passages are below,"
    " with their best sentences highlighted.",
    "ru": "Возможно, журнал касается этого вопроса, но ни одно предложение не отвечает на него явно. Ниже — самые"
    " близкие фрагменты, лучшие предложения в них выделены.",
    "kk": "Журнал бұл сұраққа қатысты болуы мүмкін, бірақ оған нақты жауап беретін сөйлем жоқ. Ең жақын үзінділер"
    " төменде, олардың ең сәйкес сөйлемдері белгіленген.",
}


def abstention(question: str, passages: Sequence[Passage], verdict: str = NOT_IN_DOCUMENTS, **fields: object) -> Answer:
    """An answer without citations: ``not_in_documents``, or ``uncertain`` with the closest passages' best sentences
    as ``highlights``."""
    texts = UNCERTAIN_TEXTS if verdict == UNCERTAIN else ABSTENTION_TEXTS
    return Answer(
        question=question,
        answer=texts.get(question_language(question), texts["en"]),
        abstained=True,
        citations=(),
        passages=tuple(passages),
        verdict=verdict,
        **fields,  # type: ignore[arg-type]
    )


# A part of a two-part question counts as cited when a cited sentence meets this share of that part's constraints
# (its asked-for figure, date, name or reason, and the question's names).
PART_COVERED = 0.75
# Candidates the verdict model reads per question: the lexical ranking's best ones (the rest never won on calibration)
MODEL_CANDIDATES = 30


def model_answer(
    question: str,
    parsed: Question,
    passages: Sequence[Passage],
    scored: Sequence[ScoredSentence],
    reader: Reader,
    *,
    max_sentences: int,
    query: str,
    weights: TermWeights | None = None,
    translations: Mapping[str, frozenset[str]] | None = None,
    sentence_cosines: Callable[[Sequence[ScoredSentence]], Sequence[float | None]] | None = None,
) -> Answer:
    """The fitted reader's answer: the chooser gives each candidate sentence the probability that it holds the
    answer, the best one comes first, and the verdict model decides on it. A further sentence is cited only when the
    verdict model would answer with it alone (or when it covers a part of the question no cited sentence covers)."""
    scored = list(scored[:MODEL_CANDIDATES])
    cosines = list(sentence_cosines(scored)) if sentence_cosines and scored else [None] * len(scored)
    q_signals = question_signals(parsed, weights, translations)
    known = q_signals["known"]
    signals = [sentence_signals(s, passages[s.passage_index], c) for s, c in zip(scored, cosines, strict=True)]
    rows = [sentence_features(q_signals, sig, signals) for sig in signals]
    probs, confidence = reader.read(rows)
    order = sorted(range(len(scored)), key=lambda i: -probs[i])
    bar = reader.verdict
    # a question none of whose words the documents use is about nothing they hold, whatever the cosines say
    verdict = bar.verdict(confidence) if known > 0 else NOT_IN_DOCUMENTS
    fields: dict = {"query": query, "evidence": confidence}
    if verdict == ANSWERED:
        # One sentence, the chooser's best: on the calibration articles a second candidate held a gold quote for
        # only 0.31-0.46 of the questions at any chooser bar (docs/answers.md), so more sentences cite less precisely.
        # A further sentence joins only to cite a part of the question the first does not cover.
        chosen = [order[0]]
        for part in range(len(parsed.asks) if len(parsed.asks) > 1 else 0):
            if any(scored[j].matches[part] >= PART_COVERED for j in chosen) or len(chosen) >= max_sentences:
                continue
            extra = next(
                (
                    i
                    for i in order
                    if scored[i].matches[part] >= PART_COVERED and reader.confidence(rows, probs, i) >= bar.doubt_at
                ),
                None,
            )
            if extra is None:  # a part nobody answers: the answer would be half an answer
                verdict = UNCERTAIN
                break
            chosen.append(extra)
        if verdict == ANSWERED:
            return cited_answer(question, passages, [scored[i] for i in chosen], **fields)
    if verdict == UNCERTAIN:
        fields["highlights"] = _best_per_passage([scored[i] for i in order], limit=3)
    return abstention(question, passages, verdict, **fields)


def _best_per_passage(ranked: Sequence[ScoredSentence], limit: int) -> tuple[tuple[int, tuple[int, int]], ...]:
    seen: dict[int, tuple[int, int]] = {}
    for sentence in ranked:
        if len(seen) >= limit:
            break
        seen.setdefault(sentence.passage_index, sentence.span)
    return tuple(seen.items())


def cited_answer(question: str, passages: Sequence[Passage], chosen: Sequence[ScoredSentence], **fields) -> Answer:
    """The chosen sentences, verbatim, each followed by ``[n]`` (one number per passage, in order of first use)."""
    numbers: dict[int, int] = {}
    citations = []
    parts = []
    for sentence in chosen:
        n = numbers.setdefault(sentence.passage_index, len(numbers) + 1)
        citations.append(Citation(n=n, passage=passages[sentence.passage_index], span=sentence.span))
        parts.append(f"{sentence.text} [{n}]")
    return Answer(
        question=question,
        answer=" ".join(parts),
        abstained=False,
        citations=tuple(citations),
        passages=tuple(passages),
        verdict=ANSWERED,
        **fields,
    )


def extractive_answer(
    question: str,
    passages: Sequence[Passage],
    *,
    max_sentences: int = 3,
    abstain_threshold: float | None = None,
    query: str = "",
    weights: TermWeights | None = None,
    calibration: EvidenceCalibration | None = None,
    translations: Mapping[str, frozenset[str]] | None = None,
    model: Reader | None = None,
    parsed: Question | None = None,
    sentence_cosines: Callable[[Sequence[ScoredSentence]], Sequence[float | None]] | None = None,
) -> Answer:
    """``calibration``: the embedder's (``calibration_for``; MiniLM's when not given); ``abstain_threshold``
    overrides its threshold. With a verdict ``model`` (journalqa.answer.verdict.model_for) the model decides and chooses;
    without one, the single evidence threshold does (an embedder nobody fitted a model for)."""
    calibration = calibration or MINILM_CALIBRATION
    parsed = parsed or parse_question(query or question)
    scored = score_sentences(parsed, passages, weights or TermWeights(), translations=translations)
    if model is not None and abstain_threshold is None:
        return model_answer(
            question,
            parsed,
            passages,
            scored,
            model,
            max_sentences=max_sentences,
            query=query,
            weights=weights,
            translations=translations,
            sentence_cosines=sentence_cosines,
        )
    threshold = calibration.threshold if abstain_threshold is None else abstain_threshold
    evidence = evidence_score(scored, calibration.blend, calibration.cosine_floor)  # the threshold path's score
    if not passages or evidence < threshold:
        return abstention(question, passages, query=query, evidence=evidence)
    chosen = select_sentences(scored, max_sentences)
    if not chosen:
        return abstention(question, passages, query=query, evidence=evidence)
    return cited_answer(question, passages, chosen, query=query, evidence=evidence)


# LLM mode reads the passages whenever the best one clears this share of the embedder's scale above its floor
# (above_floor): unrelated passages still reach e5's floor, so this only stops the truly empty-handed case.
LLM_READING_FLOOR = 0.1


def worth_reading(passages: Sequence[Passage], cosine_floor: float) -> bool:
    """Whether retrieval found anything an LLM could answer from (a BM25-only passage counts: no cosine to judge)."""
    return any(p.dense_score is None or above_floor(p.dense_score, cosine_floor) >= LLM_READING_FLOOR for p in passages)


def llm_verdict(parsed: Question, answer: Answer) -> Answer:
    """The verdict on a generated answer: the model's own "not answered" (journalqa.answer.verify.is_abstention, in any of
    the three languages) is ``not_in_documents``; fully verified sentences are ``answered``; partly verified ones
    are ``answered`` only when what the verified sentences cite meets every part of the question on its own, else
    ``uncertain`` with the verified sentences' evidence highlighted."""
    if answer.abstained:
        return replace(answer, verdict=NOT_IN_DOCUMENTS, citations=())
    supported = [c for c in answer.citations if c.supported]
    if supported and len(supported) == len(answer.citations):
        return replace(answer, verdict=ANSWERED)
    evidence = " ".join(c.passage.chunk.text[c.span[0] : c.span[1]] for c in supported)
    if supported and all(constraint_match(a.constraints, evidence) >= PART_COVERED for a in parsed.asks):
        return replace(answer, verdict=ANSWERED)
    index = {id(p): i for i, p in enumerate(answer.passages)}
    highlights = tuple((index[id(c.passage)], c.span) for c in supported if id(c.passage) in index)
    uncertain = abstention(answer.question, answer.passages, UNCERTAIN, query=answer.query, evidence=answer.evidence)
    return replace(uncertain, mode=answer.mode, highlights=highlights, timings_ms=answer.timings_ms)
