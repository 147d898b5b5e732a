from pathlib import Path

import pytest

from journalqa.text.language import (
    detect,
    index_terms,
    is_stopword,
    kazakh_stem,
    question_language,
    script_language,
    settings_record,
    stem,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "evals" / "multilingual" / "docs"


def paragraphs(path: Path, limit: int = 60) -> list[str]:
    blocks = [b.strip() for b in path.read_text(encoding="utf-8").split("\n\n")]
    return [b for b in blocks if len(b.split()) >= 5 and not b.startswith(("#", "```", "Дереккөз", "Источник"))][:limit]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("How many Afghan students did Kazakhstan pay to educate?", "en"),
        ("Сколько афганских студентов Казахстан обучил в своих университетах?", "ru"),
        ("Қазақстан өз университеттерінде қанша ауған студентін оқытты?", "kk"),
        ("Когда была создана МООНСА?", "ru"),
        ("Қашан құрылды?", "kk"),
        ("2008", "en"),  # no letters: the default
    ],
)
def test_detects_questions(text, language):
    assert detect(text) == language


@pytest.mark.skipif(not DOCS.is_dir(), reason="evals/multilingual/docs not present")
def test_detects_real_paragraphs():
    kk = paragraphs(DOCS / "firefox-errors-kk.md")
    ru = paragraphs(DOCS / "aptitude-ru.md")
    en = paragraphs(next((ROOT / "corpus").glob("afghanistan-and-taliban.md")))
    assert sum(detect(p) == "kk" for p in kk) >= 0.95 * len(kk)
    assert sum(detect(p) == "ru" for p in ru) >= 0.95 * len(ru)
    assert all(detect(p) == "en" for p in en)


def test_question_in_cyrillic_is_never_english():
    # a Russian question full of Latin names still is a Russian question
    assert question_language("Что писала New York Times о TAPI?") == "ru"
    assert script_language("Ауғанстан") == "kk" and script_language("Афганистан") == "ru"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("университеттерінде", "университет"),  # plural + possessive + locative
        ("мемлекеттердің", "мемлекет"),  # plural + genitive
        ("Ауғанстанға".lower(), "ауғанстан"),  # dative
        ("елдер", "елдер"),  # a stem under three letters is left whole
    ],
)
def test_kazakh_suffix_stripper(word, expected):
    assert kazakh_stem(word) == expected


def test_inflected_forms_share_a_term_per_language():
    assert index_terms("Казахстана", "ru") == index_terms("Казахстан", "ru")
    assert index_terms("университеттерінде", "kk") == index_terms("университет", "kk")
    assert index_terms("universities", "en") == index_terms("university", "en")


def test_latin_words_are_english_in_any_text():
    # an English name quoted in a Russian or Kazakh text must meet the same word in an English one
    assert stem("pipelines", "ru") == stem("pipelines", "en") == stem("pipeline", "kk")


def test_stop_words_per_language():
    assert index_terms("и в на что это", "ru") == []
    assert index_terms("және мен бұл үшін", "kk") == []
    assert is_stopword("the", "kk") and is_stopword("который", "ru") and not is_stopword("пакет", "ru")


def test_settings_record_names_every_stemmer():
    record = settings_record()
    assert set(record["stemmers"]) == {"en", "ru", "kk"}
    assert record["stemmers"]["ru"] == "snowball-russian"


@pytest.mark.parametrize(
    ("name", "english"),
    [
        ("ресейдің", "russia"),  # Kazakh genitive of Ресей: no transliteration spells "russia"
        ("россии", "russia"),
        ("китаем", "china"),
        ("мәскеу", "moscow"),
        ("өзбекстанның", "uzbekistan"),
        ("киргизы", "kyrgyz"),  # Russian's own name for the Kyrgyz
    ],
)
def test_exonyms_reach_the_english_name(name, english):
    from journalqa.text.language import exonyms, latin_forms

    assert english in exonyms(name)
    assert english in latin_forms(name)


def test_a_transliterated_name_has_no_exonym():
    from journalqa.text.language import exonyms, latin_forms

    assert exonyms("ауғанстан") == ()
    assert "russia" not in latin_forms("рейс")  # a word that merely starts like Ресей


def test_loanword_spellings_are_for_the_answerer_only():
    from journalqa.text.language import latin_forms, loanword_forms

    assert any(f.startswith("concep") for f in loanword_forms("концепцию"))
    assert any(f.startswith("coalic") for f in loanword_forms("коалиция"))
    assert not any(f.startswith("concep") for f in latin_forms("концепцию"))  # the ranking's spellings stay strict


def test_an_arabic_names_q_is_spelled_back_from_its_k():
    from journalqa.text.language import latin_forms

    assert "haqqani" in latin_forms("хаккани")
    assert "qatar" in latin_forms("катар")
    assert "kabul" in latin_forms("кабул")  # the k is kept beside it
