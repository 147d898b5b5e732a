"""The answerability reader's training data generator (evals/reader_data.py, #15): questions in question order,
near misses that overlap the sentence, names only listed, whole documents held out, never the gold set's text."""

from __future__ import annotations

import json
import random
import re
import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "evals"))  # a dataclass module: imported by name (conftest's evals_module loads nameless)
import reader_data as rd  # noqa: E402

# Made-up documents (not the journal's, not the gold set's).
DOC_A = """Bridges and trade

In 2015, Uzbekistan built 11 bridges on the Termez – Mazar section.
Kazakhstan supplied 45 thousand tons of wheat flour to Afghanistan in 2019.
Pashtuns, Hazaras, Uzbeks and Tajiks make up more than 90% of the population of the region.
The railway project was suspended because of the lack of funding from international donors."""
DOC_B = """Energy

In 2020, electricity exports to Afghanistan amounted to 2.6 billion kWh from the northern grid.
Turkmenistan signed the gas pipeline agreement with Pakistan and India in December 2010.
The construction of the power line was delayed due to security problems along the planned route."""


@pytest.mark.parametrize(
    ("clause", "question"),
    [
        ("the agreement was signed in Almaty", "was the agreement signed in Almaty"),
        ("Uzbekistan built bridges on the section", "did Uzbekistan build bridges on the section"),
        ("the parties signed the agreement", "did the parties sign the agreement"),
        ("Uzbekistan covers of Afghan imports", "does Uzbekistan cover of Afghan imports"),
        ("remains the main partner", "remains the main partner"),  # the asked name was the subject
    ],
)
def test_question_order(clause: str, question: str) -> None:
    assert rd.question_order(clause.split()) == question


@pytest.mark.parametrize(
    ("verb", "base"), [("built", "build"), ("signed", "sign"), ("created", "create"), ("planned", "plan")]
)
def test_lemma(verb: str, base: str) -> None:
    assert rd.lemma(verb) == base


def test_facts_read_like_questions() -> None:
    questions = [
        f.question
        for f in rd.facts("In 2015, Uzbekistan built 11 bridges on the Termez – Mazar section.", random.Random(1))
    ]
    assert any(re.match(r"(How many|What number of) bridges did Uzbekistan build on the Termez", q) for q in questions)
    assert any(q.startswith(("When did Uzbekistan build", "In what year did", "In which year did")) for q in questions)
    for fact in rd.facts("In 2015, Uzbekistan built 11 bridges on the Termez – Mazar section.", random.Random(1)):
        assert fact.question.endswith("?") and fact.answer not in fact.question  # the asked fact is cut out


def test_listed_names_make_near_misses() -> None:
    sentence = "Pashtuns, Hazaras, Uzbeks and Tajiks make up more than 90% of the population of the region."
    fact = next(f for f in rd.facts(sentence, random.Random(3)) if f.kind == "number")
    assert "Hazaras" in fact.question  # the list stays whole in the positive's clause
    rows = rd.listed(fact, sentence, sentence, ["Kabul"], random.Random(3))
    assert rows and all(label == 0 and kind == "listed" for _, _, label, kind in rows)
    question = rows[0][0]
    assert sum(m in question for m in ("Pashtuns", "Hazaras", "Uzbeks", "Tajiks")) == 1  # one member asked


def test_made_up_list_puts_the_name_in_a_group() -> None:
    sentence = "Kazakhstan supplied 45 thousand tons of wheat flour to Afghanistan in 2019."
    fact = next(f for f in rd.facts(sentence, random.Random(0)) if f.kind == "number" and "Kazakhstan" in f.question)
    rows = rd.listed(fact, sentence, sentence, [], random.Random(0))
    (near_q, near_s, near_label, _), (group_q, group_s, group_label, _) = rows
    group = rd._LIST.search(near_s).group()  # a name of the question now shares the figure with two others
    assert any(name in group for name in ("Kazakhstan", "Afghanistan")) and not rd._LIST.search(sentence)
    assert near_label == 0 and near_q == fact.question
    assert group_label == 1 and group_s == near_s and group in group_q


def test_near_misses_overlap_and_lack_the_constraint() -> None:
    pairs = rd.generate([("doc-a", DOC_A), ("doc-b", DOC_B)], seed=5, held_out=("doc-b",))
    by_group: dict[int, list] = {}
    for p in pairs:
        by_group.setdefault(p.group, []).append(p)
    kinds = {p.kind for p in pairs if p.label == 0}
    assert {"add-year", "add-name", "listed"} <= kinds
    for group in by_group.values():
        positive = next(p for p in group if p.label == 1)
        for p in group:
            if p.label == 0 and p.kind.startswith(("swap-", "add-")):
                assert p.sentence == positive.sentence and p.question != positive.question
                window = " ".join((p.before, p.sentence, p.after))
                added = set(re.findall(r"\b(?:19|20)\d\d\b", p.question)) - set(
                    re.findall(r"\b(?:19|20)\d\d\b", positive.question)
                )
                assert not added & set(re.findall(r"\b(?:19|20)\d\d\b", window))


def test_whole_documents_held_out_and_seeded() -> None:
    docs = [("doc-a", DOC_A), ("doc-b", DOC_B)]
    pairs = rd.generate(docs, seed=5, held_out=("doc-b",))
    assert pairs == rd.generate(docs, seed=5, held_out=("doc-b",))
    train, held = rd.split_by_document(pairs, ("doc-b",))
    assert train and held and {p.doc_id for p in held} == {"doc-b"}
    train_text = {p.sentence for p in train}
    doc_b_sentences = {s for s, _, _ in rd.document_sentences(DOC_B)}
    assert not train_text & doc_b_sentences  # a held-out document's text never reaches training


def test_journal_pairs_never_use_the_gold_set() -> None:
    pairs = rd.generate(rd.load_documents(use_realdocs=False), seed=13)
    assert len(pairs) > 2000 and 0.2 < sum(p.label for p in pairs) / len(pairs) < 0.45
    questions = {p.question.lower().rstrip("?") for p in pairs}
    for name in ("qa.jsonl", "qa_ru.jsonl", "qa_kk.jsonl"):
        path = ROOT / "evals" / name
        if path.exists():
            gold = [
                json.loads(line)["question"].lower().rstrip("?")
                for line in path.read_text().splitlines()
                if line.strip()
            ]
            assert not questions & set(gold)
