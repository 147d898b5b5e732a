"""Answer-quality floors: the default configuration on the gold set's test split (`journalqa eval` measures more).

Two kinds of floor. ``ISSUE_FLOORS`` are the evaluation issue's targets that the pipeline reaches and must
keep. ``REGRESSION_FLOORS`` guard the two targets it does not reach yet (abstention F1 >= 0.80 and citation
precision >= 0.85): they sit just below the measured figures so that a change that makes answers worse fails
CI, while the gap to the issue's targets stays visible here and in the README rather than hidden by a lowered
target. Measured on the test split (140 items, 23 unanswerable; 2026-11-30, rrf_k 10): hit@5 0.957, abstention
F1 0.513, citation precision 0.767, support 1.0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from journalqa.evaluate import AssistantSystem, aggregate, evaluate_system, load_items

GOLD = Path(__file__).resolve().parents[1] / "evals" / "qa.jsonl"

ISSUE_FLOORS = {
    "hit@5": 0.90,
    "support_rate": 1.0,  # extractive: every claim is a sentence of the passage it cites
}
REGRESSION_FLOORS = {
    "abstention_f1": 0.50,  # issue target 0.80, not reached
    "citation_precision": 0.75,  # issue target 0.85, not reached
}
ISSUE_TARGETS = {"abstention_f1": 0.80, "citation_precision": 0.85}


@pytest.fixture(scope="module")
def measured(real_assistant):
    from journalqa.ingest import load_corpus

    items = load_items(GOLD, "test")
    docs = {d.doc_id: d.text for d in load_corpus(real_assistant.settings.corpus_dir)}
    scores, _, _ = evaluate_system(AssistantSystem(real_assistant, "extractive"), items, docs)
    return aggregate(items, scores)


@pytest.mark.slow
@pytest.mark.parametrize("metric", sorted(ISSUE_FLOORS | REGRESSION_FLOORS))
def test_quality_floor(measured, metric):
    floor = {**ISSUE_FLOORS, **REGRESSION_FLOORS}[metric]
    value = measured[metric]
    print(f"{metric} = {value} (floor {floor}, issue target {ISSUE_TARGETS.get(metric, floor)})")
    assert value is not None and value >= floor, f"{metric} = {value} below the floor {floor}"
