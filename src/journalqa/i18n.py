"""Interface text in English, Russian and Kazakh: one catalog per language (``locales/<code>.json``).

A catalog maps a key to its text, with ``{name}`` fields filled by ``str.format``; a text that depends on a number
is a dict of CLDR plural categories (Russian: one / few / many, Kazakh and English: one / other), picked by
``plural_category``. Why JSON and not gettext's .po/.mo: the keys are stable codes the library already raises
(``QuestionError.code``) rather than English source sentences, the catalogs need no compile step (.mo files are
binary build products that drift from their .po), and the two plural rules we need are a few lines each, tested
against CLDR's examples. ``tests/test_i18n.py`` checks that every language has every key and the same fields.
Document text (quotes, titles) never goes through here: it is shown as written.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "ru", "kk")
DEFAULT = "en"
# each language's own name for itself: what the switch shows, whatever the current language
NATIVE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
LOCALES = Path(__file__).resolve().parent / "locales"


@cache
def catalog(language: str) -> dict[str, Any]:
    return json.loads((LOCALES / f"{language}.json").read_text(encoding="utf-8"))


def supported(language: str | None) -> str:
    """``language`` when the interface has it, else English."""
    return language if language in LANGUAGES else DEFAULT


def plural_category(language: str, n: int) -> str:
    """The CLDR plural category of a whole number ``n`` in ``language``."""
    if language == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return "one"
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return "few"
        return "many"
    return "one" if n == 1 else "other"


def t(language: str, key: str, /, n: int | None = None, **fields: object) -> str:
    """The text of ``key`` in ``language`` (English when a catalog lacks it), fields filled in; ``n`` picks the
    plural form and is also the ``{n}`` field."""
    entry = catalog(supported(language)).get(key)
    if entry is None:
        entry = catalog(DEFAULT)[key]
        language = DEFAULT
    if isinstance(entry, dict):
        count = 0 if n is None else n
        entry = entry.get(plural_category(supported(language), count)) or entry["other" if "other" in entry else "many"]
    if n is not None:
        fields.setdefault("n", n)
    return entry.format(**fields) if fields else entry


def from_accept_language(header: str | None) -> str:
    """The first supported language of an Accept-Language header (by its q weights), else English."""
    weighted = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        weighted.append((-q, position, tag.strip().lower().split("-")[0]))
    for _, _, code in sorted(weighted):
        if code in LANGUAGES:
            return code
    return DEFAULT
