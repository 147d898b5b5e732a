"""Answer-quality floors: the default configuration on the gold set's test split (`journalqa eval` measures more).

Two kinds of floor. ``ISSUE_FLOORS`` are the evaluation issue's targets that the pipeline reaches and must
keep. ``REGRESSION_FLOORS`` guard the two targets it does not reach yet (abstention F1 >= 0.80 and citation
precision >= 0.85): they sit just below the measured figures so that a change that makes answers worse fails
CI, while the gap to the issue's targets stays visible here and in the README rather than hidden by a lowered
target. Measured on the test split (140 items, 23 unanswerable; 2026-12-01, multilingual-e5-small through ONNX
Runtime with its calibration): hit@5 0.991, abstention F1 0.491, citation precision 0.740, support 1.0
(all-MiniLM-L6-v2, the default before issue 13: 0.957, 0.513, 0.767, 1.0; the F1 difference, -0.022, has the
paired-bootstrap interval [-0.141, +0.122]).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from journalqa.evaluation.gold import load_items
from journalqa.evaluation.metrics import aggregate
from journalqa.evaluation.runner import AssistantSystem, evaluate_system

GOLD = Path(__file__).resolve().parents[1] / "evals" / "qa.jsonl"

ISSUE_FLOORS = {
    "hit@5": 0.90,
    "support_rate": 1.0,  # extractive: every claim is a sentence of the passage it cites
}
REGRESSION_FLOORS = {
    "abstention_f1": 0.47,  # issue target 0.80, not reached
    "citation_precision": 0.72,  # issue target 0.85, not reached
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


# The verdicts (issue #28) by question language, on the questions about the test articles (evals/article_split.json:
# the fitted reader never saw them; all four gold files, 370 questions). Measured 2026-12-06 with the reader fitted on
# the calibration articles and the real-document bench's calibration documents (journalqa eval --qa
# evals/qa.jsonl,evals/qa_ru.jsonl,evals/qa_kk.jsonl,evals/qa_v2.jsonl --configs threshold,hybrid --split test
# --articles evals/article_split.json; docs/answers.md):
#   en: answered 0.775, precision by cited sentence 0.663, answerable not_in_documents 0.063, unanswerable answered 0.162
#   ru: 0.776, 0.746, 0.066, 0.091;  kk: 0.762, 0.656, 0.100, 0.303;  hit@5 en 0.991, ru 0.947, kk 0.875.
# The issue's targets (>= 0.75, >= 0.90, <= 0.03, <= 0.10) are reached only by the answered shares and Russian
# unanswerable answered; each floor or ceiling sits about two questions past today's figure (ONNX Runtime's int8
# kernels move a question or two between machines, docs/multilingual.md), so a change for the worse fails while the
# targets stay visible.
VERDICT_FLOORS = {
    "en": {"hit@5": 0.97, "answered_share": 0.74, "answered_precision": 0.63, "support_rate": 1.0},
    "ru": {"hit@5": 0.90, "answered_share": 0.74, "answered_precision": 0.70, "support_rate": 1.0},
    "kk": {"hit@5": 0.83, "answered_share": 0.73, "answered_precision": 0.63, "support_rate": 1.0},
}
VERDICT_CEILINGS = {
    "en": {"answerable_none": 0.10, "unanswerable_answered": 0.20},
    "ru": {"answerable_none": 0.10, "unanswerable_answered": 0.15},
    "kk": {"answerable_none": 0.12, "unanswerable_answered": 0.37},
}
ALL_GOLD = ",".join(str(GOLD.parent / name) for name in ("qa.jsonl", "qa_ru.jsonl", "qa_kk.jsonl", "qa_v2.jsonl"))


@pytest.fixture(scope="module")
def verdicts_measured(real_assistant):
    from journalqa.evaluation.gold import read_article_split
    from journalqa.index.embed import E5_ONNX
    from journalqa.ingest import load_corpus

    assert real_assistant.settings.embedder == E5_ONNX  # the default measured here
    docs = {d.doc_id: d.text for d in load_corpus(real_assistant.settings.corpus_dir)}
    items = load_items(ALL_GOLD, "test", read_article_split(GOLD.parent / "article_split.json"))
    return {lang: _measure(real_assistant, [i for i in items if i.language == lang], docs) for lang in VERDICT_FLOORS}


@pytest.mark.slow
@pytest.mark.parametrize("language", sorted(VERDICT_FLOORS))
def test_verdicts_on_the_test_articles(verdicts_measured, language):
    _assert_within(verdicts_measured[language], language, VERDICT_FLOORS, VERDICT_CEILINGS)


def _measure(assistant, items, docs) -> dict:
    scores, _, _ = evaluate_system(AssistantSystem(assistant, "extractive"), items, docs)
    return aggregate(items, scores)


def _assert_within(measured: dict, language: str, floors: dict, ceilings: dict) -> None:
    shown = ("n", "hit@5", "answered_share", "answered_precision", "answerable_none", "unanswerable_answered")
    print(language, {k: measured[k] for k in shown})
    for metric, floor in floors[language].items():
        assert measured[metric] is not None and measured[metric] >= floor, f"{language} {metric} {measured[metric]}"
    for metric, ceiling in ceilings[language].items():
        assert measured[metric] <= ceiling, f"{language} {metric} = {measured[metric]} above {ceiling}"


# Questions about the two real non-English documents (evals/multilingual/qa_docs.jsonl: the Russian aptitude manual
# and the Kazakh Firefox pages, indexed beside the journal), by question language. Test split, 2026-12-02 (87
# items, 55 in the test split; fifth session): English questions hit@5 0.880 (22 of 25 answerable), 5 of 25
# abstaining; Kazakh 0.909 (10 of 11), 3 of 11; Russian 0.929 (13 of 14), 1 of 14. The issue's targets (hit@5 >=
# 0.90, <= 10% abstaining) are reached by the Russian questions and the Kazakh ones' hit@5; each limit sits one
# question past today's figure. Since issue #28 the ceilings hold the answerable questions said `not_in_documents`;
# an `uncertain` answer shows the closest passages with their best sentences and is not counted as a refusal (the
# fitted reader answered 5 of these 11 Kazakh questions `uncertain` or worse on 2026-12-06, against 4 abstentions).
DOCUMENT_FLOORS = {  # hit@5: 21 of 25, 9 of 11, 12 of 14
    "en": {"hit@5": 0.84, "support_rate": 1.0},
    "kk": {"hit@5": 0.81, "support_rate": 1.0},
    "ru": {"hit@5": 0.85, "support_rate": 1.0},
}
DOCUMENT_CEILINGS = {  # 6 of 25, 4 of 11, 2 of 14
    "en": {"answerable_none": 0.24},
    "kk": {"answerable_none": 0.37},
    "ru": {"answerable_none": 0.15},
}
DOCUMENTS = GOLD.parent / "multilingual"


@pytest.fixture(scope="module")
def documents_measured(tmp_path_factory, embedder):
    import shutil

    from journalqa.assistant import Assistant
    from journalqa.config import Settings
    from journalqa.index.build import build_index
    from journalqa.ingest import load_corpus

    corpus = tmp_path_factory.mktemp("journal-and-documents")
    for source in [*sorted((GOLD.parents[1] / "corpus").glob("*.md")), *sorted((DOCUMENTS / "docs").glob("*-*.md"))]:
        shutil.copy(source, corpus / source.name)
    settings = Settings(index_dir=tmp_path_factory.mktemp("documents-index"), corpus_dir=corpus)
    build_index(settings, embedder, show_progress=False)
    assistant = Assistant(settings, embedder)
    docs = {d.doc_id: d.text for d in load_corpus(corpus)}
    items = load_items(DOCUMENTS / "qa_docs.jsonl", "test")
    return {lang: _measure(assistant, [i for i in items if i.language == lang], docs) for lang in DOCUMENT_FLOORS}


@pytest.mark.slow
@pytest.mark.parametrize("language", sorted(DOCUMENT_FLOORS))
def test_questions_about_the_russian_and_kazakh_documents(documents_measured, language):
    _assert_within(documents_measured[language], language, DOCUMENT_FLOORS, DOCUMENT_CEILINGS)
