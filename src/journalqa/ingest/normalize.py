"""Cleaning pass: compatibility characters normalised, NUL / control / private-use characters dropped.

NFKC is applied character by character, and only where it keeps the meaning: ligatures (``ﬁ`` -> ``fi``),
full-width and presentation forms, no-break and other spaces; superscripts, subscripts and fractions keep
their form (``x²`` is not ``x2``). Then the line is composed (NFC): ``u`` + U+0308 is ``ü``. It runs on a line
before the line joins the document's text, so every offset is computed on the cleaned text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# decomposition tags whose NFKC form changes what the text says
KEEP_TAGS = ("<super>", "<sub>", "<fraction>")
DROP = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd\ufffe\uffff\u200b\u2060\ufeff]"
)
SOFT_HYPHEN = "\u00ad"


@lru_cache(maxsize=4096)
def _compat(ch: str) -> str:
    decomposition = unicodedata.decomposition(ch)
    if not decomposition.startswith("<") or decomposition.startswith(KEEP_TAGS):
        return ch
    return unicodedata.normalize("NFKC", ch)


def normalize_text(text: str) -> str:
    """``text`` with compatibility characters folded and invisible / private-use characters removed."""
    if text.isascii() and not DROP.search(text):
        return text
    text = DROP.sub("", text.replace(SOFT_HYPHEN, ""))
    # composed (NFC): a letter and its combining mark are one character, as a search term or a quote has them
    return unicodedata.normalize("NFC", "".join(_compat(ch) if not ch.isascii() else ch for ch in text))


def squash_spaces(text: str) -> str:
    """Runs of whitespace as one space, ends trimmed."""
    return re.sub(r"\s+", " ", text).strip()


def noise_counts(text: str) -> dict[str, int]:
    """What this pass removes, counted in ``text`` (for the bench and tests)."""
    return {
        "ligatures": sum(text.count(ch) for ch in "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"),
        "nul": text.count("\x00"),
        "private_use": sum(1 for ch in text if 0xE000 <= ord(ch) <= 0xF8FF or ord(ch) >= 0xF0000),
    }
