"""Probe, not part of the pipeline: score the cross-lingual word mapping by CSLS instead of the raw cosine alone.

CSLS, "cross-domain similarity local scaling" (Conneau et al. 2018, *Word translation without parallel data*), is
the usual cure for hubness in bilingual lexicon induction: a few target words ("help", "aware") are the nearest
neighbour of many unrelated source words. For a question word x and a target vocabulary word y,

    csls(x, y) = 2 cos(x, y) - r_T(x) - r_S(y)

with r_T(x) the mean cosine of x to its K nearest target words and r_S(y) the mean cosine of y to its K nearest
words of a reference vocabulary in x's language (here the content words of the Debian ``.mo`` catalogs installed on
this machine: msgstr for Kazakh and Russian, msgid for English). The word with the best CSLS joins the terms the
shipped mapping found (``journalqa.crosslingual.CrossLingualTerms``) when its score reaches ``CSLS_T``;
``CSLS_REPLACE=1`` drops the shipped cosine matches instead (names by transliteration stay). Run any ``journalqa``
command through it:

    CSLS_T=0.04 python evals/multilingual/probe_csls.py eval \\
        --qa evals/qa.jsonl,evals/qa_ru.jsonl,evals/qa_kk.jsonl --configs hybrid --split calibration

Figures: docs/multilingual.md ("ninth session").
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from probe_common import catalog

from journalqa import crosslingual
from journalqa.cli import main

THRESHOLD = float(os.environ.get("CSLS_T", "0.04"))
K = int(os.environ.get("CSLS_K", "10"))
REFERENCE_WORDS = int(os.environ.get("CSLS_REF", "8000"))
if os.environ.get("CSLS_REPLACE") == "1":
    crosslingual.NEIGHBOUR_COSINE = 2.0  # no cosine reaches it: the shipped mapping keeps only names

_shipped_word_terms = crosslingual.CrossLingualTerms._word_terms.__wrapped__


def reference_words(language: str) -> list[str]:
    """The most frequent content words of ``language`` in the installed ``.mo`` catalogs."""
    counts: Counter[str] = Counter()
    folder = "ru" if language == "en" else language  # English: the msgids of the Russian catalogs
    for path in sorted(Path("/usr/share/locale", folder, "LC_MESSAGES").glob("*.mo")):
        for key, value in catalog(path).items():
            text = (key[0] if isinstance(key, tuple) else key) if language == "en" else value
            if isinstance(text, str):
                counts.update(crosslingual.content_words(text, language))
    return [w for w, _ in counts.most_common() if crosslingual.word_language(w, language) == language][:REFERENCE_WORDS]


@cache
def reference_vectors(terms: crosslingual.CrossLingualTerms, language: str) -> np.ndarray:
    words = reference_words(language)
    print(f"[csls] {len(words)} reference words in {language}", file=sys.stderr)
    return np.asarray(terms.encode_words(words), dtype=np.float32)


@cache
def hub_penalty(terms: crosslingual.CrossLingualTerms, source: str, target: str) -> np.ndarray:
    """r_S(y) for every word y of the target vocabulary."""
    cosines = terms.vocabulary(target).vectors @ reference_vectors(terms, source).T
    return np.sort(cosines, axis=1)[:, -K:].mean(axis=1)


def word_terms_with_csls(self: crosslingual.CrossLingualTerms, question: str, language: str):  # noqa: ANN201
    groups = {word: dict(found) for word, found in _shipped_word_terms(self, question, language)}
    words = list(dict.fromkeys(crosslingual.content_words(question, language)))
    names_only = crosslingual.acronyms(question)
    for word, vector in zip(words, self._encode(tuple(words)) if words else (), strict=True):
        if word in names_only:
            continue
        own = crosslingual.word_language(word, language)
        for target in sorted(self.languages - {own}):  # none when the index has no other language
            vocabulary = self.vocabulary(target)
            if not vocabulary.terms:
                continue
            cosines = vocabulary.vectors @ vector
            csls = 2 * cosines - np.sort(cosines)[-K:].mean() - hub_penalty(self, own, target)
            best = int(np.argmax(csls))
            if csls[best] >= THRESHOLD:
                groups.setdefault(word, {})[vocabulary.terms[best]] = 1.0
    return tuple((word, tuple(found.items())) for word, found in groups.items())


crosslingual.CrossLingualTerms._word_terms = lru_cache(maxsize=256)(word_terms_with_csls)

if __name__ == "__main__":
    sys.exit(main())
