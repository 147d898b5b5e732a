"""The opening-word name check over Debian's real Hunspell dictionaries (installed by `make test`)."""

import os
import subprocess
import sys

import pytest

from journalqa.search.question import question_constraints
from journalqa.text import lexicon as lexicon_module
from journalqa.text.lexicon import lexicon, opening_word_is_name


@pytest.fixture
def dictionaries() -> None:
    if not lexicon().knows():
        reason = "no Hunspell dictionaries: apt-get install hunspell-kk hunspell-ru"
        # In CI `make test` installs them: their absence is a failure there, a skip on a laptop.
        (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)


@pytest.mark.usefixtures("dictionaries")
@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Кабулдың халқы қанша?", ("кабулдың",)),  # Russian's dictionary writes "Кабул" capitalised
        ("Вашингтон қандай шешім қабылдады?", ("вашингтон",)),
        ("Душанбеде қандай келісімге қол қойылды?", ("душанбеде",)),
    ],
)
def test_a_kazakh_question_that_opens_with_a_name_must_mention_it(question: str, name: tuple[str, ...]) -> None:
    assert name in question_constraints(question).names


@pytest.mark.usefixtures("dictionaries")
@pytest.mark.parametrize(
    "question",
    [
        "Жаңа үкіметті кім басқарады?",  # "new": a common word
        "Режим ауысқаннан кейін не болды?",  # "regime", in both dictionaries
        "Көші-қон туралы мақала не дейді?",  # "migration": two common words joined
        "Журнал деректері бойынша халық саны қанша?",
        "Какой российский завод произвёл трубы?",  # a Russian question word
        "Сертификаттау орталықтарын кім басқарады?",  # known to neither dictionary: not taken for a name
    ],
)
def test_an_opening_common_word_is_not_a_name(question: str) -> None:
    assert question_constraints(question).names == frozenset()


def test_a_latin_word_opening_a_cyrillic_question_is_a_name() -> None:
    # no dictionary needed: a Latin word among Cyrillic ones is a name; its hyphenated case ending is dropped
    assert ("kazaid",) in question_constraints("KazAID-тің жылдық бюджеті қанша?").names
    assert ("firefox",) in question_constraints("Firefox баптауларында режимді қалай сөндіруге болады?").names


def test_english_questions_keep_the_first_word_rule() -> None:
    assert not opening_word_is_name("kabul", "Kabul has how many people?")
    assert question_constraints("What is the population of Kabul?").names == frozenset({("kabul",)})


def test_without_dictionaries_the_old_rule_holds(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(lexicon_module, "DICTIONARY_DIRS", (tmp_path,))
    lexicon.cache_clear()
    try:
        assert not lexicon().knows()
        assert question_constraints("Кабулдың халқы қанша?").names == frozenset()
        assert "name check off" in lexicon_module.status()
    finally:
        lexicon.cache_clear()


def test_the_first_folder_holding_a_dictionary_is_read(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    (tmp_path / "kk_KZ.dic").write_text("2\nжаңа/A\nкітап\n", encoding="utf-8")
    monkeypatch.setattr(lexicon_module, "DICTIONARY_DIRS", (tmp_path / "none", tmp_path))
    lexicon.cache_clear()
    try:
        words = lexicon()
        assert words.size == 2 and words.proper == frozenset()  # both entries read, as common words
        assert not opening_word_is_name("жаңа", "Жаңа үкімет?")
        assert not opening_word_is_name("кабул", "Кабул қайда?")  # no Russian dictionary, so no proper names
        assert opening_word_is_name("firefox", "Firefox қайда?")
    finally:
        lexicon.cache_clear()


def test_status_line_runs_as_a_module() -> None:
    out = subprocess.run([sys.executable, "-m", "journalqa.text.lexicon"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("Kazakh/Russian name check")
