"""Extractive answers: verbatim sentences from the retrieved passages, each ending in ``[n]``.

No LLM: every sentence of the answer is a sentence of the journal, so support is 100% by
construction; the work is choosing which sentences, and deciding when to abstain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from journalqa.text import content_words, sentence_spans
from journalqa.types import Answer, Citation, Passage

ABSTENTION_TEXT = "The journal does not answer this question. The closest passages are listed below."


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202
    import Stemmer

    return Stemmer.Stemmer("english")


def stems(text: str) -> list[str]:
    return _stemmer().stemWords(content_words(text))


@dataclass(frozen=True)
class ScoredSentence:
    passage_index: int
    span: tuple[int, int]
    text: str
    score: float
    coverage: float
    cosine: float

    @property
    def stems(self) -> frozenset[str]:
        return frozenset(stems(self.text))


class TermWeights:
    """Inverse document frequency of stems over the indexed chunks: rare terms weigh more."""

    def __init__(self, texts: Sequence[str] = ()) -> None:
        df: dict[str, int] = {}
        for text in texts:
            for stem in set(stems(text)):
                df[stem] = df.get(stem, 0) + 1
        self.n = max(1, len(texts))
        self.df = df

    def weight(self, stem: str) -> float:
        # unseen terms get the highest weight: the corpus cannot support them
        return math.log((self.n + 1) / (self.df.get(stem, 0) + 0.5))


def term_coverage(question_stems: Sequence[str], text_stems: set[str] | frozenset[str], weights: TermWeights) -> float:
    unique = set(question_stems)
    total = sum(weights.weight(s) for s in unique)
    if total <= 0:
        return 0.0
    return sum(weights.weight(s) for s in unique if s in text_stems) / total


def score_sentences(
    question: str, passages: Sequence[Passage], weights: TermWeights, depth: int = 5
) -> list[ScoredSentence]:
    q_stems = stems(question)
    scored = []
    for index, passage in enumerate(passages[:depth]):
        text = passage.chunk.text
        prior = 1.0 / (1 + index)  # earlier passages were ranked more relevant
        cosine = passage.dense_score if passage.dense_score is not None else 0.0
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            s_stems = frozenset(stems(sentence))
            if len(s_stems) < 3:  # fragments and headings carry no answer
                continue
            coverage = term_coverage(q_stems, s_stems, weights)
            score = coverage + 0.25 * prior + 0.5 * cosine
            scored.append(ScoredSentence(index, (start, end), sentence, score, coverage, cosine))
    return sorted(scored, key=lambda s: -s.score)


def evidence_score(scored: Sequence[ScoredSentence]) -> float:
    """How well the best sentence answers: its passage's cosine blended with its term coverage.

    Dense cosine alone cannot tell "population of Kabul" from the many passages about Kabul;
    the IDF-weighted share of the question's terms found in one sentence can. The blend and the
    threshold are calibrated on answerable vs unanswerable questions (evals/calibrate.py).
    """
    return max((0.5 * s.cosine + 0.5 * s.coverage for s in scored), default=0.0)


def select_sentences(scored: list[ScoredSentence], limit: int, redundancy: float = 0.6) -> list[ScoredSentence]:
    """Greedy selection with a redundancy penalty (maximal marginal relevance on stem sets)."""
    chosen: list[ScoredSentence] = []
    if not scored:
        return chosen
    floor = scored[0].score * 0.75
    for candidate in scored:
        if len(chosen) >= limit or candidate.score < floor:
            break
        similar = max((_jaccard(candidate.stems, c.stems) for c in chosen), default=0.0)
        if similar < redundancy:
            chosen.append(candidate)
    return chosen


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def abstention(question: str, passages: Sequence[Passage], **fields) -> Answer:
    return Answer(
        question=question, answer=ABSTENTION_TEXT, abstained=True, citations=(), passages=tuple(passages), **fields
    )


def extractive_answer(
    question: str,
    passages: Sequence[Passage],
    *,
    max_sentences: int = 3,
    abstain_threshold: float = 0.35,
    query: str = "",
    weights: TermWeights | None = None,
) -> Answer:
    scored = score_sentences(query or question, passages, weights or TermWeights())
    evidence = evidence_score(scored)
    if not passages or evidence < abstain_threshold:
        return abstention(question, passages, query=query, evidence=evidence)
    chosen = select_sentences(scored, max_sentences)
    if not chosen:
        return abstention(question, passages, query=query, evidence=evidence)
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
        query=query,
        evidence=evidence,
    )
