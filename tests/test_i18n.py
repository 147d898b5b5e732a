"""The interface catalogs (issue #31): every language has every key, with the same fields and its plural forms."""

import re
import string

import pytest

from journalqa.i18n import LANGUAGES, catalog, from_accept_language, plural_category, t

PLURALS = {"en": {"one", "other"}, "ru": {"one", "few", "many"}, "kk": {"one", "other"}}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _texts(entry: object) -> list[str]:
    return list(entry.values()) if isinstance(entry, dict) else [entry]


def test_no_key_is_missing_in_any_language():
    english = catalog("en")
    for language in LANGUAGES:
        keys = set(catalog(language))
        assert keys == set(english), (language, sorted(set(english) ^ keys))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_has_the_english_fields_and_its_plural_forms(language):
    for key, entry in catalog(language).items():
        english = {f for text in _texts(catalog("en")[key]) for f in _fields(text)}
        for text in _texts(entry):
            assert text.strip(), (language, key)
            assert _fields(text) <= english | {"n"}, (language, key, text)
        if isinstance(entry, dict):
            assert set(entry) == PLURALS[language], (language, key)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_no_interface_text_is_left_in_english(language):
    """A text that reads the same as its English one is a forgotten translation (numbers and symbols aside)."""
    for key, entry in catalog(language).items():
        english = catalog("en")[key]
        if re.search(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}|PDF|\.txt|\.md|<b>|</b>", "", str(english))):
            assert entry != english, (language, key)


def test_russian_and_kazakh_plural_forms():
    assert [plural_category("ru", n) for n in (1, 2, 5, 11, 21, 22, 25, 112)] == [
        "one", "few", "many", "many", "one", "few", "many", "many"
    ]  # fmt: skip
    assert t("ru", "evidence.sources", n=3) == "3 источника"
    assert t("ru", "evidence.sources", n=5) == "5 источников"
    assert t("kk", "evidence.sources", n=1) == "1 дереккөз"
    assert t("en", "evidence.sources", n=1) == "1 source"


def test_the_browser_language_picks_the_interface_language():
    assert from_accept_language("kk-KZ,kk;q=0.9,ru;q=0.8") == "kk"
    assert from_accept_language("de-DE,ru;q=0.5,en;q=0.7") == "en"
    assert from_accept_language("fr") == "en"
    assert from_accept_language(None) == "en"


def test_library_error_codes_are_in_the_catalog():
    from journalqa.assistant import QuestionError, clean_question

    for bad in ("", "1234", "x" * 50):
        with pytest.raises(QuestionError) as caught:
            clean_question(bad, 20)
        assert caught.value.code in catalog("kk")
        assert t("kk", caught.value.code, **caught.value.params)
