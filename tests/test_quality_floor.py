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

from journalqa.evaluate import AssistantSystem, aggregate, evaluate_system, load_items

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


# Russian and Kazakh questions over the journal (issue 13), with the default embedder (multilingual-e5-small-onnx),
# its calibration (journalqa.answer.CALIBRATIONS, fitted on the calibration split of all three languages) and the
# cross-lingual ranking (journalqa.crosslingual). Measured on the test split (2026-12-02, fifth session; 41 answerable
# Russian and 41 answerable Kazakh items): ru hit@5 0.878, answerable abstaining 0.049; kk hit@5 0.854, abstaining
# 0.146. The issue's targets (hit@5 >= 0.90, <= 10% abstaining) are not reached (Russian abstaining is, 2 of 41). Commit
# 5ee3956 with the same library versions measured ru 0.902 / 0.098 on the previous machine, 0.878 / 0.122 here, most likely
# through the int8 kernels ONNX Runtime picks for the CPU (docs/multilingual.md, "Figures across machines"). So each
# limit sits one question past today's figure, not at it; the targets stay visible.
LANGUAGE_FLOORS = {
    "ru": {"hit@5": 0.85, "support_rate": 1.0},  # issue target hit@5 0.90; 35 of 41
    "kk": {
        "hit@5": 0.82,  # issue target hit@5 0.90; 34 of 41
        "support_rate": 1.0,
        # 0.545 since a Kazakh question's opening name is checked (journalqa.lexicon; sixth session; 0.476
        # before): one unanswerable question more answered gives 0.476
        "abstention_f1": 0.47,
    },
}
LANGUAGE_CEILINGS = {
    "ru": {"answerable_abstained": 0.075},  # issue target 0.10, reached (2 of 41); 3 of 41
    "kk": {"answerable_abstained": 0.18},  # issue target 0.10 (6 of 41 today); 7 of 41
}


@pytest.fixture(scope="module")
def multilingual_measured(real_assistant):
    from journalqa.embed import E5_ONNX
    from journalqa.ingest import load_corpus

    assert real_assistant.settings.embedder == E5_ONNX  # the default measured here
    docs = {d.doc_id: d.text for d in load_corpus(real_assistant.settings.corpus_dir)}
    return {
        language: _measure(real_assistant, load_items(GOLD.parent / f"qa_{language}.jsonl", "test"), docs)
        for language in LANGUAGE_FLOORS
    }


def _measure(assistant, items, docs) -> dict:
    scores, _, _ = evaluate_system(AssistantSystem(assistant, "extractive"), items, docs)
    return aggregate(items, scores)


def _assert_within(measured: dict, language: str, floors: dict, ceilings: dict) -> None:
    print(language, {k: measured[k] for k in ("n", "hit@5", "answerable_abstained", "abstention_f1", "support_rate")})
    for metric, floor in floors[language].items():
        assert measured[metric] is not None and measured[metric] >= floor, f"{language} {metric} {measured[metric]}"
    for metric, ceiling in ceilings[language].items():
        assert measured[metric] <= ceiling, f"{language} {metric} = {measured[metric]} above {ceiling}"


@pytest.mark.slow
@pytest.mark.parametrize("language", sorted(LANGUAGE_FLOORS))
def test_multilingual_quality(multilingual_measured, language):
    _assert_within(multilingual_measured[language], language, LANGUAGE_FLOORS, LANGUAGE_CEILINGS)


# Questions about the two real non-English documents (evals/multilingual/qa_docs.jsonl: the Russian aptitude manual
# and the Kazakh Firefox pages, indexed beside the journal), by question language. Test split, 2026-12-02 (87
# items, 55 in the test split; fifth session): English questions hit@5 0.880 (22 of 25 answerable), 5 of 25
# abstaining; Kazakh 0.909 (10 of 11), 3 of 11; Russian 0.929 (13 of 14), 1 of 14. The issue's targets (hit@5 >=
# 0.90, <= 10% abstaining) are reached by the Russian questions and the Kazakh ones' hit@5; each limit sits one
# question past today's figure (see LANGUAGE_FLOORS).
DOCUMENT_FLOORS = {  # hit@5: 21 of 25, 9 of 11, 12 of 14
    "en": {"hit@5": 0.84, "support_rate": 1.0},
    "kk": {"hit@5": 0.81, "support_rate": 1.0},
    "ru": {"hit@5": 0.85, "support_rate": 1.0},
}
DOCUMENT_CEILINGS = {  # 6 of 25, 4 of 11, 2 of 14
    "en": {"answerable_abstained": 0.24},
    "kk": {"answerable_abstained": 0.37},
    "ru": {"answerable_abstained": 0.15},
}
DOCUMENTS = GOLD.parent / "multilingual"


@pytest.fixture(scope="module")
def documents_measured(tmp_path_factory, embedder):
    import shutil

    from journalqa.assistant import Assistant
    from journalqa.config import Settings
    from journalqa.indexing import build_index
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
