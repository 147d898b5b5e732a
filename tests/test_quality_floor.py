"""Answer-quality floors: the default configuration on the gold set's test split (`journalqa eval` measures more).

Floors are the issue's minimums or the measured figures minus a margin for noise, whichever is higher;
see README "Figures → Answer quality" for the latest run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from journalqa.evaluate import AssistantSystem, aggregate, evaluate_system, load_items

GOLD = Path(__file__).resolve().parents[1] / "evals" / "qa.jsonl"

FLOORS = {
    "hit@5": 0.90,
    "abstention_f1": 0.80,
    "citation_precision": 0.85,
    "support_rate": 1.0,  # extractive: every claim is a sentence of the passage it cites
}


@pytest.fixture(scope="module")
def measured(real_assistant):
    from journalqa.ingest import load_corpus

    items = load_items(GOLD, "test")
    docs = {d.doc_id: d.text for d in load_corpus(real_assistant.settings.corpus_dir)}
    scores, _, _ = evaluate_system(AssistantSystem(real_assistant, "extractive"), items, docs)
    return aggregate(items, scores)


@pytest.mark.slow
@pytest.mark.parametrize("metric", sorted(FLOORS))
def test_quality_floor(measured, metric):
    value = measured[metric]
    assert value is not None and value >= FLOORS[metric], f"{metric} = {value} below the floor {FLOORS[metric]}"
