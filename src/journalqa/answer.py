"""Extractive answers: verbatim sentences from the retrieved passages, each ending in ``[n]``.

No LLM: every sentence of the answer is a sentence of the journal, so support is 100% by
construction; the work is choosing which sentences, and deciding when to abstain.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from journalqa.config import Settings
from journalqa.text import STOPWORDS, content_words, sentence_spans
from journalqa.types import Answer, Citation, Passage

ABSTENTION_TEXT = "The journal does not answer this question. The closest passages are listed below."

# Weight of the constraint match in a sentence's ranking score, and the evidence blend
# (cosine weight, term-coverage weight, power of the constraint match); calibrated by evals/calibrate.py.
MATCH_WEIGHT = 0.5
EVIDENCE_BLEND = (0.5, 1.0, 2.0)  # python evals/calibrate.py, calibration split (2026-11-27)


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
    match: float = 1.0

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


# Questions that ask for a figure, and for a date: a sentence without one does not answer them.
_WANTS_NUMBER = re.compile(
    r"\bhow (?:many|much|long|large|big|far|old|often)\b"
    r"|\bwhat (?:\w+ ){0,2}(?:percentage|percent|share|proportion|number|amount|value|volume|cost|size|length|budget"
    r"|population|figure|sum|rate|total|price|price tag|worth)\b|\bin (?:kilometers|km|kwh|dollars|tons|percent)\b",
    re.IGNORECASE,
)
_WANTS_DATE = re.compile(r"^\s*when\b|\b(?:what|which) year\b|\bsince when\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_NAME = re.compile(r"\b[A-Z][A-Za-z\u00c0-\u017f'’-]*[A-Za-z]|\b[A-Z]{2,}\b")


_DATE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}\b"
    r"|\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b"
)
_QUANTIFIED = re.compile(r"(?:over|about|nearly|almost|some|than|approximately|around|exceeds?|reached)\s+$", re.I)


def figures(text: str) -> set[str]:
    """Numbers that can answer "how many / how much": not years (unless quantified: "over 2000"), not days."""
    text = _DATE.sub(" ", text)
    found = set()
    for match in _NUMBER.finditer(text):
        number = match.group()
        if _YEAR.fullmatch(number) and not _QUANTIFIED.search(text[max(0, match.start() - 16) : match.start()]):
            continue
        found.add(number.replace(",", ""))
    return found


@dataclass(frozen=True)
class Constraints:
    """What a sentence must mention to answer a question: its names and years, and a figure or date if asked.

    ``names`` holds name phrases ("northern distribution network" as one phrase of three words).
    """

    names: frozenset[tuple[str, ...]]
    years: frozenset[str]
    wants_number: bool
    wants_date: bool
    question_numbers: frozenset[str]

    @property
    def empty(self) -> bool:
        return not (self.names or self.years or self.wants_number or self.wants_date)


def _name_key(token: str) -> str:
    return re.sub(r"['’]s$", "", token).lower()


def question_constraints(question: str) -> Constraints:
    phrases: list[list[str]] = []
    previous_end = -10
    first = len(question) - len(question.lstrip())
    for match in _NAME.finditer(question):
        key = _name_key(match.group())
        # the question's first word is capitalized anyway ("What", "Which"); stop words name nothing
        if (match.start() == first and not match.group().isupper()) or key in STOPWORDS or len(key) < 2:
            previous_end = -10
            continue
        if phrases and question[previous_end : match.start()] in (" ", "-", "–"):
            phrases[-1].append(key)
        else:
            phrases.append([key])
        previous_end = match.end()
    numbers = frozenset(n.replace(",", "") for n in _NUMBER.findall(question))
    return Constraints(
        names=frozenset(tuple(p) for p in phrases),
        years=frozenset(_YEAR.findall(question)),
        wants_number=bool(_WANTS_NUMBER.search(question)),
        wants_date=bool(_WANTS_DATE.search(question)),
        question_numbers=numbers,
    )


def _mentions(name: str, words: set[str]) -> bool:
    # "Kyrgyz" and "Kyrgyzstan", "Afghan" and "Afghanistan": one shares the other's first five letters or more
    if name in words:
        return True
    if len(name) < 5:
        return False
    return any(len(w) >= 5 and (w.startswith(name) or name.startswith(w)) for w in words)


def _phrase_share(phrase: tuple[str, ...], words: set[str]) -> float:
    if len(phrase) > 1 and "".join(w[0] for w in phrase) in words:  # "Northern Distribution Network" = "NDN"
        return 1.0
    return sum(_mentions(w, words) for w in phrase) / len(phrase)


def constraint_match(constraints: Constraints, sentence: str, context: str = "") -> float:
    """Share of the question's constraints the sentence meets, in [0, 1]; 1 when the question sets none.

    A name or year found only in the sentence's passage or title (``context``) counts half.
    """
    if constraints.empty:
        return 1.0
    s_words = {_name_key(w) for w in re.findall(r"[\w'’-]+", sentence)}
    s_words |= {p for w in list(s_words) for p in w.split("-") if p}
    c_words = {_name_key(w) for w in re.findall(r"[\w'’-]+", context)}
    c_words |= {p for w in list(c_words) for p in w.split("-") if p}
    parts: list[float] = []
    for phrase in constraints.names:
        parts.append(max(_phrase_share(phrase, s_words), 0.5 * _phrase_share(phrase, c_words)))
    for year in constraints.years:
        parts.append(1.0 if year in sentence else 0.5 if year in context else 0.0)
    if constraints.wants_date:
        parts.append(1.0 if set(_YEAR.findall(sentence)) - constraints.question_numbers else 0.0)
    elif constraints.wants_number:
        parts.append(1.0 if figures(sentence) - constraints.question_numbers else 0.0)
    return sum(parts) / len(parts)


def score_sentences(
    question: str, passages: Sequence[Passage], weights: TermWeights, depth: int = 5
) -> list[ScoredSentence]:
    q_stems = stems(question)
    constraints = question_constraints(question)
    scored = []
    for index, passage in enumerate(passages[:depth]):
        text = passage.chunk.text
        context = f"{passage.chunk.title} {text}"
        prior = 1.0 / (1 + index)  # earlier passages were ranked more relevant
        cosine = passage.dense_score if passage.dense_score is not None else 0.0
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            s_stems = frozenset(stems(sentence))
            if len(s_stems) < 3:  # fragments and headings carry no answer
                continue
            coverage = term_coverage(q_stems, s_stems, weights)
            match = constraint_match(constraints, sentence, context)
            score = coverage + 0.25 * prior + 0.5 * cosine + MATCH_WEIGHT * match
            scored.append(ScoredSentence(index, (start, end), sentence, score, coverage, cosine, match))
    return sorted(scored, key=lambda s: -s.score)


def sentence_evidence(sentence: ScoredSentence, blend: tuple[float, float, float] | None = None) -> float:
    cos_w, cov_w, power = blend or EVIDENCE_BLEND
    return (cos_w * sentence.cosine + cov_w * sentence.coverage) / (cos_w + cov_w) * sentence.match**power


def evidence_score(scored: Sequence[ScoredSentence], blend: tuple[float, float, float] | None = None) -> float:
    """How well the best sentence answers: its passage's cosine blended with its term coverage, scaled by its
    constraint match (does it name the question's names and years, and give a figure or date if one is asked).

    Dense cosine alone cannot tell "population of Kabul" from the many passages about Kabul;
    the IDF-weighted share of the question's terms found in one sentence can, and the constraint match tells
    "exports of Tajikistan in 2021" from a sentence about Uzbekistan in 2020. ``blend`` is
    (cosine weight, coverage weight, power of the match); it and the threshold are calibrated on answerable vs
    unanswerable questions (evals/calibrate.py).
    """
    return max((sentence_evidence(s, blend) for s in scored), default=0.0)


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
    abstain_threshold: float = Settings.abstain_threshold,
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
