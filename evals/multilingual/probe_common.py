"""What the multilingual probes share: reading a gettext catalog, and the probes' quick test of a retrieved passage
(its text holds a gold quote's first 60 characters, case and spacing aside; it gives the bench's own hit@5 on the
calibration split without building the bench's character spans)."""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable
from pathlib import Path

QUOTE_PREFIX = 60


def catalog(path: Path) -> dict:
    """A ``.mo`` file's msgid -> msgstr table (a plural's key is a (msgid, n) tuple); empty when unreadable."""
    try:
        with path.open("rb") as handle:
            return dict(gettext.GNUTranslations(handle)._catalog)  # noqa: SLF001 - the only way to list a catalog
    except (OSError, ValueError):
        return {}


def normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower())


def quote_prefixes(quotes: Iterable[str]) -> list[str]:
    return [normal(q)[:QUOTE_PREFIX] for q in quotes]


def covers_quote(normal_text: str, prefixes: Iterable[str]) -> bool:
    """Whether a passage (its ``normal`` text) holds one of the gold quotes (their ``quote_prefixes``)."""
    return any(p in normal_text for p in prefixes)
