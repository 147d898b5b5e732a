import pytest

from journalqa.search.rewrite import entities, is_follow_up, rewrite_query

HISTORY = [("What humanitarian aid did Kazakhstan provide to Afghanistan?", "Flour and medicines [1]")]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("and Uzbekistan?", "What humanitarian aid did Uzbekistan provide to Afghanistan?"),
        ("why?", "Why: What humanitarian aid did Kazakhstan provide to Afghanistan?"),
        ("what about after 2021?", "What humanitarian aid did Kazakhstan provide to Afghanistan after 2021?"),
        ("Who coordinates the TAPI gas pipeline?", "Who coordinates the TAPI gas pipeline?"),
    ],
)
def test_follow_ups_are_rewritten(question, expected):
    assert rewrite_query(question, HISTORY) == expected


def test_entity_swap_replaces_the_subject():
    history = [("How did Tajikistan react to the Taliban?", "...")]
    assert rewrite_query("what about Uzbekistan?", history) == "How did Uzbekistan react to the Taliban?"


def test_pronoun_follow_up_carries_the_topic():
    query = rewrite_query("What did they do then?", HISTORY)
    assert "Kazakhstan" in query and "What did they do then?" in query


def test_chained_follow_ups_keep_the_original_topic():
    history = [*HISTORY, ("and Uzbekistan?", "...")]
    assert "Uzbekistan" in rewrite_query("why?", history)


def test_no_history_no_change():
    assert rewrite_query("and Uzbekistan?", []) == "and Uzbekistan?"


def test_detection_and_entities():
    assert is_follow_up("and Uzbekistan?") and is_follow_up("Why?") and not is_follow_up(HISTORY[0][0])
    assert entities("What did Kazakhstan give the Asian Development Bank?") == ["Kazakhstan", "Asian Development Bank"]


def test_short_self_contained_questions_are_not_follow_ups():
    assert not is_follow_up("What is the population of Kabul?")
    assert rewrite_query("What is the population of Kabul?", HISTORY) == "What is the population of Kabul?"


@pytest.mark.parametrize(
    ("previous", "follow_up", "expected"),
    [
        (
            "Who coordinates the construction of the TAPI gas pipeline?",
            "And who finances it?",
            "who finances the construction of the TAPI gas pipeline?",
        ),
        (
            "Кто координирует строительство газопровода ТАПИ?",
            "А кто его финансирует?",
            "кто строительство газопровода ТАПИ финансирует?",
        ),
        (
            "ТАПИ газ құбырының құрылысын кім үйлестіреді?",
            "Ал оны кім қаржыландырады?",
            "ТАПИ газ құбырының құрылысын кім қаржыландырады?",
        ),
    ],
)
def test_a_follow_up_with_its_own_question_replaces_the_asked_part(previous, follow_up, expected):
    # issue #28: "Who coordinates ... who finances it?" concatenated both questions and returned the first answer
    rewritten = rewrite_query(follow_up, [(previous, "")])
    assert rewritten == expected
    assert "coordinat" not in rewritten and "координир" not in rewritten and "үйлестір" not in rewritten
