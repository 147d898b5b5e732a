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
from journalqa.text import STOPWORDS, acronyms, content_words, sentence_spans
from journalqa.types import Answer, Citation, Passage

ABSTENTION_TEXT = "The journal does not answer this question. The closest passages are listed below."

# Weight of the constraint match in a sentence's ranking score, and the evidence blend
# (cosine weight, term-coverage weight, power of the constraint match); calibrated by evals/calibrate.py.
MATCH_WEIGHT = 0.5
EVIDENCE_BLEND = (0.5, 0.0, 2.0)  # python evals/calibrate.py, calibration split (2026-11-30)
# A sentence joins the answer only when it scores within this share of the best one: on the calibration split
# 0.85 cites more precisely than 0.75 (0.773 vs 0.750 at two sentences) with the same citation recall.
SELECTION_FLOOR = 0.85


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
    cosine: float | None  # None when the passage came without a dense score (BM25-only retrieval)
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
# Questions that ask for someone or something by name: the answer sentence must name something the question does not.
_WANTS_NAME = re.compile(
    r"^\s*(?:who|whom|whose)\b|\b(?:which|what) (?:\w+[ -]){0,2}(?:analysts?|experts?|authors?|scholars?|persons?"
    r"|people|officials?|ministers?|leaders?|president|heads?|politicians?|commanders?|companies|company|firms?"
    r"|factory|plant|organi[sz]ations?|body|ministry|agency|countries|country|state|city|province|party|group)\b",
    re.IGNORECASE,
)
# Questions that ask for a reason: the answer sentence (or its neighbours) must give one.
_WANTS_REASON = re.compile(r"^\s*why\b|\bwhat (?:\w+ ){0,2}(?:reasons?|cause|motives?)\b", re.IGNORECASE)
_REASON_CUE = re.compile(
    r"\b(?:because|due to|owing to|since|as a result|reasons?|so that|in order to|therefore|thus|hence|led to"
    r"|caused|explain\w*|motivated|aim\w*|fear\w*|for the sake of)\b",
    re.IGNORECASE,
)
_MONTHS = frozenset("january february march april may june july august september october november december".split())
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_NAME = re.compile(r"\b[A-Z][A-Za-z\u00c0-\u017f'’-]*[A-Za-z]|\b[A-Z]{2,}\b")


_DATE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}\b"
    r"|\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b"
)
_QUANTIFIED = re.compile(r"(?:over|about|nearly|almost|some|than|approximately|around|exceeds?|reached)\s+$", re.I)
# "four officers", "two Hazaras", "a dozen": figures written in words ("one" is left out: "one of the ...")
_NUMBER_WORD = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"hundreds?|thousands?|millions?|billions?|dozens?|half)\b",
    re.IGNORECASE,
)
# any year the journal can give a date in: "appeared in 1747"
_ANY_YEAR = re.compile(r"\b(?:1[0-9]|20)\d\d\b")

# A question that names a unit wants a figure in that unit: a bare "2.6 billion" does not say "how many kWh".
# (question pattern, figure-with-unit pattern)
_UNITS = (
    (
        re.compile(r"\b(?:percentage|percent|share|proportion)\b|%", re.I),
        re.compile(r"\d\s*(?:%|percent|per cent)", re.I),
    ),
    (
        re.compile(
            r"\b(?:cost|budget|worth|price|gdp|dollars?|funding|credit|investment|value|turnover|money)\b", re.I
        ),
        re.compile(r"[$€£]\s*\d|\b(?:dollars?|USD|euros?|tenge|rubles?|somoni)\b", re.I),
    ),
    (re.compile(r"\b(?:kwh|kilowatt|megawatts?)\b", re.I), re.compile(r"\b(?:[kmg]wh?|kilowatt|megawatt)", re.I)),
    (re.compile(r"\b(?:kilomet\w*|km|miles?)\b", re.I), re.compile(r"\d\s*(?:km|kilomet\w*|miles?)\b", re.I)),
    (re.compile(r"\b(?:tons|tonnes)\b", re.I), re.compile(r"\b(?:tons?|tonnes?)\b", re.I)),
)


def figures(text: str) -> set[str]:
    """Numbers that can answer "how many / how much": not years (unless quantified: "over 2000"), not days.

    Figures written in words ("four officers") count too, by their word.
    """
    text = _DATE.sub(" ", text)
    found = set()
    for match in _NUMBER.finditer(text):
        number = match.group()
        if _YEAR.fullmatch(number) and not _QUANTIFIED.search(text[max(0, match.start() - 16) : match.start()]):
            continue
        found.add(number.replace(",", ""))
    found.update(word.lower() for word in _NUMBER_WORD.findall(text))
    return found


def units_asked(question: str) -> tuple[int, ...]:
    return tuple(i for i, (asked, _) in enumerate(_UNITS) if asked.search(question))


@dataclass(frozen=True)
class Constraints:
    """What a sentence must mention to answer a question: its names and years, and a figure or date if asked.

    ``names`` holds name phrases ("northern distribution network" as one phrase of three words);
    ``units`` the units a figure must come in (indexes into ``_UNITS``).
    """

    names: frozenset[tuple[str, ...]]
    years: frozenset[str]
    wants_number: bool
    wants_date: bool
    question_numbers: frozenset[str]
    units: tuple[int, ...] = ()
    wants_name: bool = False
    focus: str = ""  # the stem of the asked-for quantity: "population" in "What is the population of Kabul?"
    wants_reason: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.names or self.years or self.wants_number or self.wants_date or self.wants_name or self.wants_reason
        )


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
        # "Kazakh-Uzbek exercises", "Mazar-i-Sharif": each part is a word of the phrase
        parts = [p for p in re.split(r"[-–]", key) if len(p) >= 2]
        if phrases and question[previous_end : match.start()] in (" ", "-", "–"):
            phrases[-1].extend(parts)
        else:
            phrases.append(parts)
        previous_end = match.end()
    numbers = frozenset(n.replace(",", "") for n in _NUMBER.findall(question))
    wants_date = bool(_WANTS_DATE.search(question))
    wants_number = bool(_WANTS_NUMBER.search(question))
    return Constraints(
        names=frozenset(tuple(p) for p in phrases if p),
        years=frozenset(_YEAR.findall(question)),
        wants_number=wants_number,
        wants_date=wants_date,
        wants_name=bool(_WANTS_NAME.search(question)) and not (wants_number or wants_date),
        focus=_focus(question) if wants_number and not wants_date else "",
        wants_reason=bool(_WANTS_REASON.search(question)),
        question_numbers=numbers,
        units=units_asked(question) if wants_number and not wants_date else (),
    )


_FOCUS = re.compile(r"\bwhat (?:is|was|are|were) (?:the )?(\w+) of\b", re.IGNORECASE)


def _focus(question: str) -> str:
    match = _FOCUS.search(question)
    return next(iter(stems(match.group(1))), "") if match else ""


def _mentions(name: str, words: set[str]) -> bool:
    # "Kyrgyz" and "Kyrgyzstan", "Afghan" and "Afghanistan": one shares the other's first five letters or more
    if name in words:
        return True
    if len(name) < 5:
        return False
    return any(len(w) >= 5 and (w.startswith(name) or name.startswith(w)) for w in words)


@lru_cache(maxsize=256)
def _vocabulary(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The text's words (hyphenated ones also by part) and its acronyms; a passage is asked once per sentence."""
    words = {_name_key(w) for w in re.findall(r"[\w'’-]+", text)}
    words |= {p for w in list(words) for p in re.split(r"[-–]", w) if p}
    return frozenset(words), frozenset(acronyms(text))


# A people's name and its country's: "Americans" are named by "the US" as well as by "America".
_DEMONYMS = {  # singular: "Americans" is looked up as "american"
    "american": ("us", "usa", "america", "washington"),
    "british": ("britain", "uk", "london"),
    "russian": ("russia", "moscow"),
    "chinese": ("china", "beijing"),
    "iranian": ("iran", "tehran"),
    "pakistani": ("pakistan", "islamabad"),
    "turkish": ("turkey", "ankara"),
}


def _phrase_share(phrase: tuple[str, ...], words: frozenset[str], initials: frozenset[str] = frozenset()) -> float:
    if len(phrase) > 1 and "".join(w[0] for w in phrase) in words:  # "Northern Distribution Network" = "NDN"
        return 1.0
    if len(phrase) == 1 and phrase[0].upper() in initials:  # "IOM" = "International Organization for Migration"
        return 1.0
    if len(phrase) == 1 and any(w in words for w in _DEMONYMS.get(phrase[0].removesuffix("s"), ())):
        return 1.0
    # "Sirajuddin Haqqani" written "S. Haqqani": the surname, and the initial of each given name
    if len(phrase) > 1 and _mentions(phrase[-1], words) and all(w[0] in words for w in phrase[:-1]):
        return 1.0
    return sum(_mentions(w, words) for w in phrase) / len(phrase)


def constraint_match(constraints: Constraints, sentence: str, context: str = "", window: str = "") -> float:
    """Share of the question's constraints the sentence meets, in [0, 1]; 1 when the question sets none.

    A name or year found only in the neighbouring sentences (``window``) counts 0.75, only in the passage or
    title (``context``) half. An asked-for figure must be in the sentence itself, in the asked-for unit if the
    question names one (a figure in another unit counts half).
    """
    if constraints.empty:
        return 1.0
    levels = [(1.0, sentence), (0.75, window), (0.5, context)]
    found = [(credit, *_vocabulary(text)) for credit, text in levels if text]
    parts: list[float] = []
    for phrase in constraints.names:
        parts.append(max(credit * _phrase_share(phrase, words, initials) for credit, words, initials in found))
    for year in constraints.years:
        parts.append(max((credit for credit, text in levels if text and year in text), default=0.0))
    if constraints.focus:
        levels_with_focus = [credit for credit, text in levels[:2] if text and constraints.focus in stems(text)]
        parts.append(max(levels_with_focus, default=0.0))
    if constraints.wants_name:
        parts.append(1.0 if _new_names(sentence, constraints) else 0.0)
    if constraints.wants_reason:
        parts.append(1.0 if _REASON_CUE.search(sentence) else 0.75 if _REASON_CUE.search(window) else 0.0)
    if constraints.wants_date:
        years = set(_ANY_YEAR.findall(sentence)) - constraints.question_numbers
        parts.append(1.0 if years or _DATE.search(sentence) and set(_YEAR.findall(window)) else 0.0)
    elif constraints.wants_number:
        if not figures(sentence) - constraints.question_numbers:
            parts.append(0.0)
        else:
            parts.append(1.0 if all(_UNITS[u][1].search(sentence) for u in constraints.units) else 0.5)
    return sum(parts) / len(parts)


def _new_names(sentence: str, constraints: Constraints) -> list[str]:
    """Capitalized words of the sentence (not its first word) that the question does not name, nor months."""
    asked = {w for phrase in constraints.names for w in phrase}
    found = []
    for match in _NAME.finditer(sentence):
        key = _name_key(match.group())
        if match.start() == 0 or key in STOPWORDS or key in _MONTHS or len(key) < 2:
            continue
        if not any(_mentions(part, asked) for part in re.split(r"[-–]", key) if len(part) >= 2):
            found.append(key)
    return found


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
        cosine = passage.dense_score
        spans = list(sentence_spans(text))
        for j, (start, end) in enumerate(spans):
            sentence = text[start:end]
            s_stems = frozenset(stems(sentence))
            if len(s_stems) < 3:  # fragments and headings carry no answer
                continue
            window = text[spans[max(0, j - 1)][0] : spans[min(len(spans) - 1, j + 1)][1]]
            coverage = term_coverage(q_stems, s_stems, weights)
            match = constraint_match(constraints, sentence, context, window)
            score = coverage + 0.25 * prior + 0.5 * (cosine or 0.0) + MATCH_WEIGHT * match
            scored.append(ScoredSentence(index, (start, end), sentence, score, coverage, cosine, match))
    return sorted(scored, key=lambda s: -s.score)


def sentence_evidence(sentence: ScoredSentence, blend: tuple[float, float, float] | None = None) -> float:
    cos_w, cov_w, power = blend or EVIDENCE_BLEND
    if sentence.cosine is None:  # no dense score to blend: term coverage stands in for it
        return sentence.coverage * sentence.match**power
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
    floor = scored[0].score * SELECTION_FLOOR
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
