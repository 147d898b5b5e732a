import pytest

from journalqa.text.segment import content_words, sentence_spans


def sentences(text):
    return [text[s:e] for s, e in sentence_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One here. Two there.", ["One here.", "Two there."]),
        ("A. Knyazev wrote it. Next.", ["A. Knyazev wrote it.", "Next."]),
        ("In the U.S. and e.g. Iran. Done", ["In the U.S. and e.g. Iran.", "Done"]),
        ("He said so˝ [1]. Then more [2, 764 p.]. End", ["He said so˝ [1].", "Then more [2, 764 p.].", "End"]),
        ("Is it? yes it is. Fine!", ["Is it? yes it is.", "Fine!"]),
    ],
)
def test_sentence_spans(text, expected):
    assert sentences(text) == expected


def test_sentence_spans_respect_bounds():
    text = "Skip this. Take this one. And this. Not this."
    start = text.index("Take")
    end = text.index("Not")
    assert sentences(text[:0]) == []
    assert [text[s:e] for s, e in sentence_spans(text, start, end)] == ["Take this one.", "And this."]


def test_content_words_drop_stopwords():
    assert content_words("What is the population of Kabul in 2021?") == ["population", "kabul", "2021"]


def test_sentences_end_at_blank_lines_and_at_closing_low_quotes():
    text = "He said “the regime.“ [11] Then it ended.\n\n– August 15, 2021, Kabul fell;\n\n– The new name"
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == [
        "He said “the regime.“ [11]",
        "Then it ended.",
        "– August 15, 2021, Kabul fell;",
        "– The new name",
    ]


def test_words_are_unicode_letters():
    from journalqa.text.segment import words

    assert words("Қазақстан және Ауғанстан, 2008 ж.") == ["қазақстан", "және", "ауғанстан", "2008", "ж"]
    assert words("Казахстан выделил средства на обучение 1000 студентов") == [
        "казахстан",
        "выделил",
        "средства",
        "на",
        "обучение",
        "1000",
        "студентов",
    ]


def test_russian_abbreviations_do_not_end_sentences():
    from journalqa.text.segment import sentence_spans

    text = "В 2008 г. Казахстан выделил 1 млн. долл., т.е. много. Затем помощь выросла."
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == ["В 2008 г. Казахстан выделил 1 млн. долл., т.е. много.", "Затем помощь выросла."]


def test_kazakh_sentences_and_initials():
    from journalqa.text.segment import sentence_spans

    text = "Мақаланы А. Князев жазды. Ол 2021 ж. жарияланды! Неге?"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Мақаланы А. Князев жазды.",
        "Ол 2021 ж. жарияланды!",
        "Неге?",
    ]
