"""Cleaning pass: line-end hyphens joined only into words the document knows, for the journal splitter and the
PDF path alike.

The document is its own dictionary (``build_vocab``): a joined form it prints elsewhere wins, then a hyphenated
form it prints elsewhere; otherwise hyphen rules decide (``zero-truncated``, ``mid-August`` keep theirs).
"""

from __future__ import annotations

import re
from collections import Counter

VOCAB_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# Left halves that form real hyphenated compounds, so a hyphen at the line break stays.
COMPOUND_PREFIXES = frozenset(
    "non mid post pre self co anti inter well ex vice semi quasi neo pan half cross long short full "
    "high low all one two three four five multi ultra pro counter extra".split()
)


def build_vocab(raw: str) -> Counter[str]:
    """Lowercased word counts over a document; hyphenated compounds count as one token."""
    return Counter(token.lower() for token in VOCAB_TOKEN.findall(raw.replace("’", "'")))


def join_hyphenated(left: str, right: str, vocab: Counter[str]) -> tuple[str, bool]:
    """Join a word split at a line-end hyphen; returns ``(word, hyphen_removed)``.

    The issue itself is the dictionary: a joined form that occurs elsewhere wins, then a
    hyphenated form that occurs elsewhere; otherwise capitals, digits and compound prefixes keep
    the hyphen (``mid-August``, ``non-titular``) and plain lowercase halves are joined.
    """
    joined, hyphenated = left + right, f"{left}-{right}"
    left_core = re.sub(r"^.*[^\w]", "", left)
    joined_key = (left_core + right).lower().rstrip(".,;:")
    hyph_key = f"{left_core}-{right}".lower().rstrip(".,;:")
    right_word = re.sub(r"[^\w-].*$", "", right)
    joined_word_key = (left_core + right_word).lower()
    hyph_word_key = f"{left_core}-{right_word}".lower()
    for jkey, hkey in ((joined_key, hyph_key), (joined_word_key, hyph_word_key)):
        if vocab[jkey] and vocab[jkey] >= vocab[hkey]:
            return joined, True
        if vocab[hkey]:
            return hyphenated, False
    if not left_core or not right_word:
        return hyphenated, False
    if right_word[0].isupper() or right_word[0].isdigit() or left_core[-1].isdigit():
        return hyphenated, False
    if left_core[0].isupper() and not right_word[0].isupper():
        return joined, True
    if left_core.lower() in COMPOUND_PREFIXES or "-" in right_word:
        return hyphenated, False
    # Two words the issue also uses on their own ("machine-" + "building") make a compound.
    if min(len(left_core), len(right_word)) >= 4 and vocab[left_core.lower()] and vocab[right_word.lower()] >= 2:
        return hyphenated, False
    return joined, True


def repair_inline_hyphens(text: str, vocab: Counter[str]) -> tuple[str, int]:
    """Undo reflow leftovers such as ``prod-ucts`` / ``an-other`` that the issue spells whole elsewhere."""
    count = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal count
        left, right = match.group(1), match.group(2)
        joined, hyph = (left + right).lower(), f"{left}-{right}".lower()
        if left.lower() in COMPOUND_PREFIXES or vocab[joined] < 2 or vocab[hyph] > 1:
            return match.group(0)
        count += 1
        return left + right

    return re.sub(r"(?<![\w-])([a-z]+)-([a-z]+)(?![\w-])", fix, text), count
