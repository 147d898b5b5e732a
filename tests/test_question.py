"""journalqa.search.question: a question read once into what it asks for, in English, Russian and Kazakh."""

import pytest

from journalqa.search.question import parse_question, split_parts


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("How many Afghan students did Kazakhstan pay to educate?", ["number"]),
        ("When was the Northern Distribution Network opened?", ["date"]),
        ("Who coordinates the construction of the TAPI gas pipeline?", ["name"]),
        ("Why did Tajikistan take in fewer Afghans than the 100,000 it had offered to shelter?", ["reason"]),
        ("How does Kazakhstan support Afghan students?", ["manner"]),
        ("Which three countries border Afghanistan in Central Asia?", ["list"]),
        ("Какова годовая пропускная способность газопровода ТАПИ?", ["number"]),
        ("Почему Пакистан закрыл границу?", ["reason"]),
        ("ТАПИ газ құбырының құрылысын кім үйлестіреді?", ["name"]),
        ("Ауғанстанда футбол қашан пайда болды?", ["date"]),
        ("Кабул қаласының халқы қанша?", ["number"]),
    ],
)
def test_what_a_question_asks_for(question, kinds):
    assert [a.kind for a in parse_question(question).asks] == kinds


def test_a_two_part_question_has_two_asks_sharing_its_names():
    parsed = parse_question(
        "What was the official title of the July 2021 Tashkent connectivity conference and when was it held?"
    )
    assert parsed.kind == "multi"
    assert [a.kind for a in parsed.asks][-1] == "date"
    # the second part ("when was it held") keeps the first part's names and year
    assert parsed.asks[1].constraints.names == parsed.constraints.names
    assert "2021" in parsed.asks[1].constraints.years
    assert len(split_parts("Кто координирует строительство и сколько оно стоит?")) == 2
    assert len(split_parts("ТАПИ құбырын кім үйлестіреді және қашан салынады?")) == 2


def test_and_inside_a_name_does_not_split():
    assert len(parse_question("What did Kazakhstan and Uzbekistan agree on in 2021?").asks) == 1


def test_language_and_stems_are_read_once():
    parsed = parse_question("Какова годовая пропускная способность газопровода ТАПИ?")
    assert parsed.language == "ru"
    assert parsed.stems and all(isinstance(s, str) for s in parsed.stems)
    assert ("тапи",) in parsed.constraints.names
