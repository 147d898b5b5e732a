"""Check every ``[n]`` claim of a generated answer against the passage it cites.

Pure functions, no model required. A sentence is *supported* when all of these hold:

1. it carries at least one valid marker ``[n]`` with ``1 <= n <= len(passages)``, and no invalid one
   (an out-of-range index means the model cited something it was never shown);
2. every number in it (years, percentages, ``$100 million``, ``1,814 km``) occurs in the cited passage(s)
   with the same value and scale: invented figures are the most damaging error of small models;
3. every capitalized name in it occurs in the cited passage(s), compared case- and accent-insensitively (an
   acronym also matches the initials of a spelled-out name: ADB = Asian Development Bank). The first word is
   capitalized anyway, so it counts as a name only when it is an acronym or is written capitalized mid-sentence
   in one of the passages ("Kazakhstan built TAPI [1]" is checked; "Construction began ... [1]" is not);
4. its support score reaches a threshold: the lexical score is the share of the sentence's content words
   (stemmed, stop words removed) found in the cited passage(s); with ``embed`` the semantic score is the best
   cosine between the sentence and one sentence of a cited passage, and the support score is the larger of
   the two. Thresholds: ``LEXICAL_MIN`` = 0.5 (a faithful paraphrase reuses at least half of the source's content
   words; off-topic sentences citing the right passage stay around 0.25) and ``SEMANTIC_MIN`` = 0.6. Measured
   with all-MiniLM-L6-v2 on the test passages: faithful restatements 0.69-1.0; false claims on the passage's own
   topic 0.43-0.53; a loose paraphrase ("The ADB oversees the TAPI project") 0.54, so 0.6 errs on the strict side.
   An embedder whose cosines start high is rescaled by its ``cosine_floor`` first (answer.EvidenceCalibration):
   multilingual-e5-small gives a faithful restatement of a TAPI sentence 0.94-0.96, on-topic false claims
   0.86-0.89, an unrelated sentence 0.79 (MiniLM: 0.83-0.91, 0.51-0.74, 0.13); rescaled from 0.7 they land on
   MiniLM's side of 0.6 (0.80-0.85, 0.53-0.63, 0.29).

Checks 2-3 are hard vetoes; the score only decides among sentences whose figures and names all check out.
Numbers and names may come from any of the sentence's cited passages (a sentence citing ``[1][2]`` may combine
them); the highlight span is the best-matching sentence of each cited passage.

The exact abstention sentence is neither supported nor unsupported evidence: it counts as supported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from journalqa.answer.evidence import above_floor
from journalqa.text.language import KAZAKH_LETTERS
from journalqa.text.language import STOPWORDS as LANGUAGE_STOPWORDS
from journalqa.text.language import stem as language_stem
from journalqa.text.segment import acronyms as acronyms_of
from journalqa.types import Citation, Passage

ABSTAIN_SENTENCE = "The passages do not answer this question."

LEXICAL_MIN = 0.5
SEMANTIC_MIN = 0.6

Embed = Callable[[list[str]], np.ndarray]

# ``[1]``, ``[1, 2]``, ``[1;2]``, ``[1-3]``, ``[Passage 2]`` - small models drift between these spellings.
_MARKER_RE = re.compile(r"\[\s*(?:passages?\s*)?(\d+(?:\s*(?:[,;]|-|–|and)\s*(?:passage\s*)?\d+)*)\s*\]", re.IGNORECASE)
# A range ``[1-30]`` produced by a confused model must not expand into thousands of indexes.
_MAX_RANGE = 20


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_ABBREVIATIONS = _words(
    "e.g i.e etc vs cf al mr mrs ms dr prof st no nos p pp vol ed eds fig jan feb mar apr jun jul aug sep sept oct nov"
    " dec u.s u.k u.n approx ca inc ltd co corp gen col lt sr jr"
)

_SENT_END_RE = re.compile(
    r"[.!?…]+[\"'”’)\]]*"  # terminal punctuation and closing quotes/brackets
    r"((?:\s*" + _MARKER_RE.pattern + r")*)"  # markers written after the full stop belong to this sentence
    r"(?=\s+|$)",
    re.IGNORECASE,
)

_STOP_WORDS = (
    _words(
        """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
    now of off on once only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves according passage
    passages article articles text author authors states stated said says notes noted mentions mentioned
    described describes however therefore thus also which whose may might must shall one ones"""
    )
    | LANGUAGE_STOPWORDS["ru"]
    | LANGUAGE_STOPWORDS["kk"]
)

# Capitalized words that are not claims about the world: discourse words and references to the sources.
_NOT_NAMES = _words(
    """i a an the this that these those it its in on at of for to by with from as and but or if however also
    according passage passages article articles source sources section page pages yes no overall furthermore
    moreover additionally finally firstly secondly first second third while although because since when where
    there here they he she we you our their his her both each some many most several other another such
    question answer"""
)

_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "mln": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
    # Russian and Kazakh (тыс. = thousand, млн = million, млрд = billion; мың = thousand)
    "тыс": 1e3,
    "тысяч": 1e3,
    "тысячи": 1e3,
    "мың": 1e3,
    "миллион": 1e6,
    "миллиона": 1e6,
    "миллионов": 1e6,
    "млн": 1e6,
    "миллиард": 1e9,
    "миллиарда": 1e9,
    "миллиардов": 1e9,
    "млрд": 1e9,
}
_NUMBER_RE = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"  # 1,814 / 2016 / 3.5
    r"(?:\s*(%|per\s*cent|percent|процент\w*|пайыз\w*)"
    r"|\s*(thousand|million|billion|trillion|mln|mn|bn|tn|тысячи|тысяч|тыс|мың|миллиардов|миллиарда|миллиард|млрд"
    r"|миллионов|миллиона|миллион|млн)(?!\w)"
    r"|(k|m|b)\b"  # $100m, 3bn (no space, else "m" would be a stray letter)
    r"|(?:st|nd|rd|th)\b)?",
    re.IGNORECASE,
)
_NAME_RE = re.compile(r"[^\W\d_][\w'’\-.]*", re.UNICODE)
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True)
class VerifiedSentence:
    """One answer sentence; ``start``/``end`` are offsets into the answer text."""

    text: str
    start: int
    end: int
    cited: tuple[int, ...]
    invalid: tuple[int, ...]
    supported: bool
    score: float
    # (passage number n, (start, end) in passages[n-1].chunk.text) for each valid citation.
    spans: tuple[tuple[int, tuple[int, int]], ...] = ()
    reasons: tuple[str, ...] = ()
    is_abstention: bool = False


@dataclass(frozen=True)
class VerifiedAnswer:
    text: str
    sentences: tuple[VerifiedSentence, ...]
    support_rate: float
    abstained: bool

    def citations(self, passages: Sequence[Passage]) -> tuple[Citation, ...]:
        """One Citation per (sentence, valid marker), in answer order: each carries its sentence's verdict."""
        out: list[Citation] = []
        for sentence in self.sentences:
            for n, span in sentence.spans:
                out.append(
                    Citation(
                        n=n,
                        passage=passages[n - 1],
                        span=span,
                        supported=sentence.supported,
                        support_score=round(sentence.score, 4),
                    )
                )
        return tuple(out)

    def report(self) -> dict[str, object]:
        unsupported = [s for s in self.sentences if not s.supported]
        return {
            "support_rate": self.support_rate,
            "sentences": len(self.sentences),
            "unsupported": len(unsupported),
            "abstained": self.abstained,
            "invalid_citations": sorted({n for s in self.sentences for n in s.invalid}),
            "problems": [{"sentence": s.text, "reasons": list(s.reasons), "score": s.score} for s in unsupported],
        }


# --------------------------------------------------------------------------------------------- text helpers


def normalize(text: str) -> str:
    """Casefold and strip accents and typographic variants so "Türkmenistan’s" matches "turkmenistan's"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-").casefold()


def parse_markers(text: str) -> list[int]:
    """Citation numbers in order of first appearance: ``[1]``, ``[1, 2]``, ``[1][3]``, ``[2-4]``."""
    found: list[int] = []
    for match in _MARKER_RE.finditer(text):
        body = re.sub(r"(?i)passage", "", match.group(1))
        for part in re.split(r"\s*(?:[,;]|and)\s*", body):
            if not part.strip():
                continue
            bounds = re.split(r"\s*[-–]\s*", part.strip())
            if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
                lo, hi = int(bounds[0]), int(bounds[1])
                numbers = range(lo, hi + 1) if 0 <= hi - lo <= _MAX_RANGE else [lo, hi]
            else:
                numbers = [int(b) for b in bounds if b.isdigit()]
            for n in numbers:
                if n not in found:
                    found.append(n)
    return found


def strip_markers(text: str) -> str:
    text = re.sub(r"[ \t]{2,}", " ", _MARKER_RE.sub("", text))
    return re.sub(r"\s+([.,;:!?])", r"\1", text).strip()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in ``text``; a marker after the full stop stays with its sentence.

    Line breaks always end a sentence, so bullet lists split per item; bullets and list numbers are trimmed.
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        body = line.group()
        bullet = re.match(r"\s*(?:[-*•]|\d+[.)])\s+", body)
        cuts = [bullet.end() if bullet else 0]
        for match in _SENT_END_RE.finditer(body, cuts[0]):
            if _is_abbreviation(body, match.start()):
                continue
            rest = body[match.end() :].lstrip()
            # "in 2015. it" is not a boundary: a new sentence starts with a capital, a digit or a quote.
            if rest and not re.match(r"[\"'“‘(\[]?[^\W_a-z]", rest):
                continue
            cuts.append(match.end())
        cuts.append(len(body))
        for s, e in zip(cuts, cuts[1:], strict=False):
            s2, e2 = _trim(body, s, e)
            if s2 == e2:
                continue
            if re.search(r"[^\W_]", strip_markers(body[s2:e2])):
                spans.append((line.start() + s2, line.start() + e2))
            elif spans and spans[-1][0] >= line.start():
                # A lone "[2]" after a split belongs to the sentence before it.
                spans[-1] = (spans[-1][0], line.start() + e2)
    return spans


def _trim(body: str, s: int, e: int) -> tuple[int, int]:
    while s < e and body[s].isspace():
        s += 1
    while e > s and body[e - 1].isspace():
        e -= 1
    return s, e


def _is_abbreviation(body: str, dot: int) -> bool:
    if body[dot] != ".":
        return False
    word = re.search(r"([\w.]+)$", body[:dot])
    if not word:
        return False
    token = word.group(1).lower().rstrip(".")
    if token in _ABBREVIATIONS:
        return True
    # An initial: "A. Smith".
    return len(token) == 1 and token.isalpha() and body[dot - 1].isupper()


# --------------------------------------------------------------------------------------------- claim checks


def extract_numbers(text: str) -> list[tuple[float, str]]:
    """Figures as (value, unit): unit is "%" or "" ; scale words are multiplied out.

    "$100 million" -> (1e8, ""), "1,814" -> (1814, ""), "5 per cent" -> (5, "%"), "20th" -> (20, "").
    Markers must be stripped first, or "[2]" would count as the figure 2.
    """
    out: list[tuple[float, str]] = []
    for match in _NUMBER_RE.finditer(text):
        whole, frac, percent, scale_word, scale_letter = match.group(1, 2, 3, 4, 5)
        value = float(whole.replace(",", "") + ("." + frac if frac else ""))
        scale = (scale_word or scale_letter or "").lower()
        value *= _SCALES.get(scale, 1.0)
        out.append((value, "%" if percent else ""))
    return out


def _number_key(value: float, unit: str) -> tuple[float, str]:
    return (round(value, 6), unit)


def extract_names(sentence: str, known: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Capitalized tokens that name things; the first word only if it is an acronym or in ``known``
    (normalized names seen capitalized mid-sentence in the passages)."""
    names: list[str] = []
    for i, match in enumerate(_NAME_RE.finditer(sentence)):
        token = match.group().strip(".-'’")
        if not token or not token[0].isupper():
            continue
        if token.endswith(("'s", "’s")):
            token = token[:-2]
        if normalize(token) in _NOT_NAMES:
            continue
        is_acronym = sum(ch.isupper() for ch in token) >= 2
        if i == 0 and not is_acronym and normalize(token) not in known:
            continue
        names.append(token)
    return names


@lru_cache(maxsize=1)
def _stemmer() -> Callable[[str], str]:
    try:
        import Stemmer  # PyStemmer: a declared dependency (bm25s uses it too)

        stem = Stemmer.Stemmer("english")
        return stem.stemWord
    except ImportError:  # pragma: no cover - crude fallback keeps verify usable without it
        return lambda w: w[:6]


def _stem_any(word: str) -> str:
    """Latin words as English, Cyrillic ones as Kazakh when they have Kazakh letters, else as Russian."""
    if word.isascii():
        return _stemmer()(word)
    return language_stem(word, "kk" if any(ch in KAZAKH_LETTERS for ch in word) else "ru")


def content_words(text: str) -> list[str]:
    words = _WORD_RE.findall(normalize(strip_markers(text)))
    return [_stem_any(w) for w in words if w not in _STOP_WORDS and (len(w) > 2 or w.isdigit())]


def _word_set(text: str) -> set[str]:
    return set(_WORD_RE.findall(normalize(text)))


def _name_in(name: str, words: set[str], text_norm: str, acronyms: set[str]) -> bool:
    key = normalize(name)
    if key in words:
        return True
    parts = [p for p in re.split(r"[-.'’]", key) if p]
    if parts and all(p in words for p in parts):
        return True
    # Multi-part tokens such as "Turkmenistan-Afghanistan" or "U.S." are matched on the raw text.
    if len(key) > 3 and re.search(r"(?<!\w)" + re.escape(key) + r"(?!\w)", text_norm):
        return True
    return name.isupper() and 2 <= len(name) <= 8 and name in acronyms


def lexical_recall(sentence: str, passage_text: str) -> float:
    words = content_words(sentence)
    if not words:
        return 0.0
    have = set(content_words(passage_text))
    return sum(w in have for w in words) / len(words)


# --------------------------------------------------------------------------------------------- verification


# Small models drift on the exact wording ("The passage does not answer the question"), and answer a Russian or
# Kazakh question in its language ("В предоставленных фрагментах нет ответа на этот вопрос", "Үзінділерде бұл
# сұраққа жауап жоқ"): each is still the abstention (matched whole, after normalize(), which reads й as и).
_ABSTAIN_RE = re.compile(
    r"(?:the )?(?:provided |given )?(?:passages?|journal|texts?|documents?|articles?) (?:provided )?"
    r"(?:do|does) not (?:answer|contain (?:an |the )?answer to) (?:this|the) question"
    r"|(?:в )?(?:предоставленн\w+ |приведенн\w+ |данн\w+ )?(?:фрагмент\w*|отрывк\w*|текст\w*|журнал\w*|стать\w*) "
    r"(?:не (?:отвечают|отвечает|содержат|содержит)(?: ответа)? на (?:этот|данный) вопрос|нет ответа на (?:этот|данный) вопрос)"
    r"|(?:берілген )?(?:үзінділер\w*|мәтін\w*|журнал\w*|мақала\w*) бұл сұраққа (?:жауап (?:жоқ|бермеиді)"
    r"|жауап бере алмаиды)"
)


def is_abstention(text: str) -> bool:
    key = " ".join(re.sub(r"[^\w ]+", " ", normalize(strip_markers(text))).split())
    return key == " ".join(re.sub(r"[^\w ]+", " ", normalize(ABSTAIN_SENTENCE)).split()) or bool(
        _ABSTAIN_RE.fullmatch(key)
    )


def verify_answer(
    text: str, passages: Sequence[Passage], embed: Embed | None = None, cosine_floor: float = 0.0
) -> VerifiedAnswer:
    """Split ``text`` into sentences and verify each one's markers against ``passages`` (1-based)."""
    spans = split_sentences(text)
    passage_texts = [p.chunk.text for p in passages]
    passage_sents = [[(s, e) for s, e in split_sentences(t)] or [(0, len(t))] for t in passage_texts]
    cosines = _cosines(text, spans, passage_texts, passage_sents, embed, cosine_floor)
    known_names = {
        normalize(name)
        for t, sents in zip(passage_texts, passage_sents, strict=True)
        for s, e in sents
        for name in extract_names(t[s:e])
    }

    verified: list[VerifiedSentence] = []
    for i, (start, end) in enumerate(spans):
        raw = text[start:end]
        if is_abstention(raw):
            verified.append(VerifiedSentence(raw, start, end, (), (), True, 1.0, is_abstention=True))
            continue
        markers = parse_markers(raw)
        cited = tuple(n for n in markers if 1 <= n <= len(passages))
        invalid = tuple(n for n in markers if not 1 <= n <= len(passages))
        claim = strip_markers(raw)
        reasons: list[str] = []
        if invalid:
            reasons.append("invalid citation " + ", ".join(f"[{n}]" for n in invalid))
        if not cited:
            if not invalid:
                reasons.append("no citation")
            verified.append(VerifiedSentence(raw, start, end, (), invalid, False, 0.0, (), tuple(reasons)))
            continue

        evidence = " \n ".join(passage_texts[n - 1] for n in cited)
        evidence_numbers = {_number_key(*x) for x in extract_numbers(evidence)}
        missing_numbers = [v for v in extract_numbers(claim) if _number_key(*v) not in evidence_numbers]
        if missing_numbers:
            reasons.append("figure not in cited passage: " + ", ".join(_fmt_number(v, u) for v, u in missing_numbers))
        words, evidence_norm = _word_set(evidence), normalize(evidence)
        acronyms = acronyms_of(evidence)
        missing_names = [
            n for n in extract_names(claim, known_names) if not _name_in(n, words, evidence_norm, acronyms)
        ]
        if missing_names:
            reasons.append("name not in cited passage: " + ", ".join(missing_names))

        lexical = lexical_recall(claim, evidence)
        semantic = max((cosines[i][n - 1][0] for n in cited), default=0.0) if cosines else 0.0
        score = max(lexical, semantic)
        if lexical < LEXICAL_MIN and (not cosines or semantic < SEMANTIC_MIN):
            reasons.append(f"weak support (lexical {lexical:.2f}" + (f", semantic {semantic:.2f})" if cosines else ")"))

        highlight = tuple(
            (n, _best_span(claim, passage_texts[n - 1], passage_sents[n - 1], cosines[i][n - 1] if cosines else None))
            for n in cited
        )
        verified.append(
            VerifiedSentence(raw, start, end, cited, invalid, not reasons, round(score, 4), highlight, tuple(reasons))
        )

    claims = [s for s in verified if not s.is_abstention]
    abstained = bool(verified) and not claims
    rate = 1.0 if not claims else sum(s.supported for s in claims) / len(claims)
    return VerifiedAnswer(text=text, sentences=tuple(verified), support_rate=round(rate, 4), abstained=abstained)


def _fmt_number(value: float, unit: str) -> str:
    return (f"{value:,.0f}" if value == int(value) else f"{value:g}") + unit


def _best_span(
    claim: str, passage_text: str, sentences: list[tuple[int, int]], cosines: tuple[float, int] | None
) -> tuple[int, int]:
    """The passage sentence that best supports ``claim``: by cosine when embeddings exist, else by word overlap."""
    if cosines is not None:
        return sentences[cosines[1]]
    claim_numbers = {_number_key(*x) for x in extract_numbers(claim)}

    def overlap(span: tuple[int, int]) -> float:
        piece = passage_text[span[0] : span[1]]
        shared_numbers = len(claim_numbers & {_number_key(*x) for x in extract_numbers(piece)})
        return lexical_recall(claim, piece) + 0.25 * shared_numbers

    return max(sentences, key=overlap)


def _cosines(
    text: str,
    spans: list[tuple[int, int]],
    passage_texts: list[str],
    passage_sents: list[list[tuple[int, int]]],
    embed: Embed | None,
    cosine_floor: float = 0.0,
) -> list[list[tuple[float, int]]] | None:
    """cos[i][p] = (best cosine of answer sentence i against a sentence of passage p, index of that sentence),
    the cosine rescaled from the embedder's ``cosine_floor``."""
    if embed is None or not spans or not passage_texts:
        return None
    claims = [strip_markers(text[s:e]) for s, e in spans]
    pieces = [t[s:e] for t, sents in zip(passage_texts, passage_sents, strict=True) for s, e in sents]
    vectors = np.asarray(embed(claims + pieces), dtype=np.float32)
    claim_vecs, piece_vecs = vectors[: len(claims)], vectors[len(claims) :]
    sims = above_floor(claim_vecs @ piece_vecs.T, cosine_floor)
    out: list[list[tuple[float, int]]] = []
    for row in sims:
        per_passage: list[tuple[float, int]] = []
        offset = 0
        for sents in passage_sents:
            block = row[offset : offset + len(sents)]
            j = int(np.argmax(block))
            per_passage.append((float(block[j]), j))
            offset += len(sents)
        out.append(per_passage)
    return out
