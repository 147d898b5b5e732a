"""Cross-lingual BM25 terms: a question's words carried into the vocabulary of the index's other languages.

BM25 matches a Kazakh question's terms against English chunks only through figures and Latin names, so for a
question in one language over text in another the hybrid ranking was the dense ranking alone (issue #13). Here each
content word of the question is mapped to words of every *other* language present in the index:

- its nearest word by the embedder's own word vectors, when their cosine reaches ``NEIGHBOUR_COSINE``
  ("сауда" -> "trade", "газ" -> "gas", "refugees" -> "беженцы"); e5 puts unrelated single words near 0.88 and
  translations above 0.9;
- for a Cyrillic word, the Latin words its transliteration spells alike (``journalqa.text.language.spelled_alike``, the answerer's measure of
  a name across scripts): "Ауғанстан" -> "afghanistan", "Пәкістан" -> "pakistan", which e5 misses as words.

The mapped terms make a ranking of their own, fused with dense and BM25 by ``journalqa.search.retrieve.HybridSearch``.
The vocabulary of a language is the chunks' distinct content words, one surface form per BM25 term, embedded with
the query role the first time a question needs it (a few seconds for the bundled journal's 3,000 English terms) and
kept beside the index version (``vocabulary-*.npz``, named by ``VERSION`` and the embedder, so another method or
embedder never reads it). Measured on the calibration split in docs/multilingual.md ("Cross-lingual retrieval
(session 6)").
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from journalqa.text.language import (
    CROSSLINGUAL_VERSION,
    CYRILLIC,
    _bm25_english_stopwords,
    is_stopword,
    latin_forms,
    spelled_alike,
    stem,
)

# the method's version: recorded in the index manifest (journalqa.text.language.settings_record) and in the cache's name
VERSION = CROSSLINGUAL_VERSION
# a word's nearest word in another language counts at or above this cosine (e5, query role). Calibration split,
# hit@5 of Kazakh over the journal / Russian over the journal / English over the Russian and Kazakh documents:
# 0.88 -> 0.889 / 0.812 / 1.0 (Russian questions about the documents: MRR 0.875 -> 0.625), 0.90 -> 0.889 / 0.812 /
# 1.0, 0.92 -> 0.889 / 0.875 / 0.8; without this half (names only) 0.778 / 0.875 / 0.6
NEIGHBOUR_COSINE = 0.9
# the nearest word only: three gave 0.889 / 0.875 / 0.8 and more answerable Russian questions abstaining (2 of 16)
NEIGHBOURS = 1
# a transliterated name against a Latin word: journalqa.text.language.spelled_alike, as the answerer compares names
# across scripts. Without names: 0.667 / 0.812 / 1.0 (figures as for NEIGHBOUR_COSINE)
# the vocabulary of one language: its most frequent terms (a bound on the embedding cost for a large corpus)
MAX_TERMS = 30_000
MIN_WORD_CHARS = 3

WordEncoder = Callable[[list[str]], np.ndarray]
_WORD = re.compile(r"[^\W_]+")
_LETTER = re.compile(r"[^\W\d_]")


def word_encoder(encode_query: Callable[[str], np.ndarray]) -> WordEncoder | None:
    """Single words embedded with the query role, batched (``Embedder.encode_queries``).

    ``encode_query`` is the embedder's bound method (as ``HybridSearch`` gets it); None for anything else (a test
    double), which turns cross-lingual terms off.
    """
    embedder = getattr(encode_query, "__self__", None)
    encode_queries = getattr(embedder, "encode_queries", None)
    if encode_queries is None:
        return None

    def encode(words: list[str]) -> np.ndarray:
        return np.asarray(encode_queries(list(words)), dtype=np.float32)

    return encode


def word_language(word: str, text_language: str) -> str:
    """A word's language: its text's for a Cyrillic word, English for a Latin one (as BM25 stems them)."""
    return text_language if CYRILLIC.search(word) else "en"


def content_words(text: str, language: str) -> list[str]:
    """Lowercase words of three letters or more that are not stop words of English or ``language``, nor numbers."""
    bm25_english = _bm25_english_stopwords()  # words BM25 has no term for
    return [
        w
        for w in _WORD.findall(text.lower())
        if len(w) >= MIN_WORD_CHARS and _LETTER.search(w) and w not in bm25_english and not is_stopword(w, language)
    ]


@dataclass(frozen=True)
class Vocabulary:
    """One language's BM25 terms (stems), the most frequent surface word of each, and the words' unit vectors."""

    terms: list[str]
    words: list[str]
    vectors: np.ndarray


def collect_words(texts: Iterable[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """(term, surface word) per language of the words of (text, language) pairs, most frequent terms first."""
    forms: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    frequency: dict[str, Counter] = defaultdict(Counter)
    for text, language in texts:
        for word in content_words(text, language):
            lang = word_language(word, language)
            term = stem(word, lang)
            forms[lang][term][word] += 1
            frequency[lang][term] += 1
    return {
        lang: [(term, forms[lang][term].most_common(1)[0][0]) for term, _ in frequency[lang].most_common(MAX_TERMS)]
        for lang in forms
    }


def same_name(word: str, latin_words: Sequence[str], by_initial: dict[str, list[int]] | None = None) -> list[int]:
    """Positions of the Latin words that spell the Cyrillic ``word``'s transliteration alike.

    ``by_initial`` (``initials(latin_words)``) narrows the comparison to the words with a form's first letter."""
    found = []
    forms = latin_forms(word)
    if by_initial is None:
        positions: Iterable[int] = range(len(latin_words))
    else:
        positions = sorted({i for form in forms for i in by_initial.get(form[:1], ())})
    for i in positions:
        candidate = latin_words[i]
        for form in forms:
            if candidate[:1] != form[:1] or abs(len(candidate) - len(form)) > 4:
                continue
            if (
                candidate == form
                or (
                    len(form) >= 5  # a short one only as spelled: "порт" is "port", not "part", "post" or "poor"
                    and (candidate.startswith(form[:5]) or spelled_alike(form, candidate))
                )
            ):
                found.append(i)
                break
    return found


def initials(words: Sequence[str]) -> dict[str, list[int]]:
    """Positions of the words by their first letter."""
    out: dict[str, list[int]] = defaultdict(list)
    for i, word in enumerate(words):
        out[word[:1]].append(i)
    return dict(out)


def acronyms(question: str) -> set[str]:
    """The question's acronyms, lowercased. An acronym (ТАПИ, ШЫҰ) is a name: matched by its spelling only, as e5's
    vector of a bare acronym lands next to unrelated short words ("ТАПИ" -> "take")."""
    return {w.lower() for w in _WORD.findall(question) if len(w) > 1 and w.isupper()}


class CrossLingualTerms:
    """Maps a question's words to BM25 terms of the other languages of one index (see the module's note)."""

    def __init__(
        self,
        texts: Sequence[tuple[str, str]],
        encode_words: WordEncoder,
        cache_dir: Path | None = None,
        cache_key: str = "",
    ) -> None:
        self._texts = texts
        self.encode_words = encode_words
        self.cache_dir = cache_dir
        self.cache_key = cache_key
        # the chunks' languages (a Russian or Kazakh text's Latin words join the English vocabulary)
        self.languages = frozenset(lang for _, lang in texts)
        self._vocabularies: dict[str, Vocabulary] = {}
        # a question and the warm-up thread may ask for the same vocabulary: one of them builds it
        self._building = threading.Lock()
        self._collected: dict[str, list[tuple[str, str]]] | None = None
        self._initials: dict[str, dict[str, list[int]]] = {}

    def vocabulary(self, language: str) -> Vocabulary:
        if language not in self._vocabularies:
            with self._building:
                if language not in self._vocabularies:
                    self._vocabularies[language] = self._load(language) or self._build(language)
        return self._vocabularies[language]

    def warm(self) -> None:
        """Every language's vocabulary, loaded or built now (the served app does this in the background at start,
        so that the first question in another language does not wait several seconds for it)."""
        for language in sorted(self.languages):
            self.vocabulary(language)

    def _cache_path(self, language: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.cache_key)
        return self.cache_dir / f"vocabulary-v{VERSION}-{key}-{language}.npz"

    def _load(self, language: str) -> Vocabulary | None:
        path = self._cache_path(language)
        if path is None or not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as saved:
                terms, words, vectors = saved["terms"].tolist(), saved["words"].tolist(), saved["vectors"]
        except (OSError, ValueError, KeyError):
            return None  # unreadable: built again
        if len(terms) != len(words) or len(terms) != len(vectors):
            return None
        return Vocabulary(terms, words, np.asarray(vectors, dtype=np.float32))

    def _build(self, language: str) -> Vocabulary:
        if self._collected is None:
            self._collected = collect_words(self._texts)
        pairs = self._collected.get(language, [])
        terms = [t for t, _ in pairs]
        words = [w for _, w in pairs]
        vectors = self.encode_words(words) if words else np.zeros((0, 1), dtype=np.float32)
        vocabulary = Vocabulary(terms, words, np.ascontiguousarray(vectors, dtype=np.float32))
        self._save(language, vocabulary)
        return vocabulary

    def _save(self, language: str, vocabulary: Vocabulary) -> None:
        path = self._cache_path(language)
        if path is None or not vocabulary.terms:
            return
        staging = path.with_name(f".{path.stem}-{secrets.token_hex(3)}.npz")
        try:  # unicode arrays (numpy "<U"), no pickles; written whole, then renamed into place
            np.savez(staging, terms=np.asarray(vocabulary.terms), words=np.asarray(vocabulary.words),
                     vectors=vocabulary.vectors)  # fmt: skip
            os.replace(staging, path)
        except OSError:  # a read-only index folder: the vocabulary lives in memory only
            with contextlib.suppress(OSError):
                staging.unlink()

    def terms(self, question: str, language: str) -> dict[str, float]:
        """BM25 terms of the index's other languages for the question's words, each with its weight (1)."""
        return {term: weight for group in self.term_groups(question, language) for term, weight in group.items()}

    def term_groups(self, question: str, language: str) -> list[dict[str, float]]:
        """Per content word of the question, the other languages' terms it maps to (words with none left out)."""
        return list(self.word_terms(question, language).values())

    def word_terms(self, question: str, language: str) -> dict[str, dict[str, float]]:
        """The question's content words (lowercase) that map to terms of the index's other languages, with them."""
        return {word: dict(terms) for word, terms in self._word_terms(question, language)}

    # the retriever's ranking and the answerer's name check ask for the same question: mapped once
    @lru_cache(maxsize=256)  # noqa: B019 - one object per loaded index
    def _word_terms(self, question: str, language: str) -> tuple[tuple[str, tuple[tuple[str, float], ...]], ...]:
        words = list(dict.fromkeys(content_words(question, language)))
        if not words or not (self.languages - {word_language(w, language) for w in words}):
            return ()
        vectors = self._encode(tuple(words))
        names_only = acronyms(question)
        groups: dict[str, dict[str, float]] = {}
        for word, vector in zip(words, vectors, strict=True):
            own = word_language(word, language)
            found: dict[str, float] = {}
            for target in sorted(self.languages - {own}):
                vocabulary = self.vocabulary(target)
                if not vocabulary.terms:
                    continue
                if word not in names_only:
                    cosines = vocabulary.vectors @ vector
                    by_vector = [
                        i for i in np.argsort(-cosines, kind="stable")[:NEIGHBOURS] if cosines[i] >= NEIGHBOUR_COSINE
                    ]
                    found.update((vocabulary.terms[i], 1.0) for i in by_vector)
                if own != "en" and target == "en":
                    if target not in self._initials:
                        self._initials[target] = initials(vocabulary.words)
                    for i in same_name(word, vocabulary.words, self._initials[target]):
                        found[vocabulary.terms[i]] = 1.0
            if found:
                groups[word] = found
        return tuple((word, tuple(terms.items())) for word, terms in groups.items())

    @lru_cache(maxsize=1024)  # noqa: B019 - one object per loaded index; a question is retrieved more than once
    def _encode(self, words: tuple[str, ...]) -> np.ndarray:
        return np.asarray(self.encode_words(list(words)), dtype=np.float32)
