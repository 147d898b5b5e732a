"""Evaluation metrics against hand-computed values on a 3-item example, plus the pieces they rest on."""

from __future__ import annotations

import math

import numpy as np
import pytest

from journalqa.evaluation.gold import (
    EvalItem,
    covers,
    gold_quotes,
    ideal_passages,
    load_items,
    locate,
    normalize,
    normalize_with_offsets,
    quote_covered,
)
from journalqa.evaluation.metrics import (
    aggregate,
    answer_claims,
    by_language,
    evidence_recall,
    fact_containment,
    hit_at_k,
    key_facts,
    ndcg_at_k,
    paired_bootstrap,
    precision_recall_f1,
    reciprocal_rank,
    score_item,
    span_of,
    statistic,
    supported_claims,
)
from journalqa.evaluation.runner import CONFIGS, DEFAULT_CONFIG, DEFAULT_RUN, run_eval
from journalqa.types import Answer, Chunk, Citation, Passage

# Two documents; d2's gold quote straddles the boundary between its two chunks.
DOCS = {
    "d1": "Alpha beta gamma. The TAPI pipeline costs 5 billion dollars. Delta epsilon zeta eta.",
    "d2": "Refugees went to Iran. Most went to Pakistan in 2021. Trade fell.",
}


def chunk(doc_id: str, first: str, last: str, cid: str) -> Chunk:
    text = DOCS[doc_id]
    start, end = text.index(first), text.index(last) + len(last)
    return Chunk(cid, doc_id, doc_id.upper(), "", "1", False, start, end, text[start:end])


C1A = chunk("d1", "Alpha", "dollars.", "d1#0")
C1B = chunk("d1", "Delta", "eta.", "d1#1")
C2A = chunk("d2", "Refugees", "Iran.", "d2#0")
C2B = chunk("d2", "Most", "fell.", "d2#1")
COLLECTION = [span_of(c) for c in (C1A, C1B, C2A, C2B)]

ITEMS = [
    EvalItem(
        "q1",
        "How much does TAPI cost?",
        "5 billion dollars for the TAPI pipeline",
        ("The TAPI pipeline costs 5 billion  dollars.",),  # double space: normalized away
        ("d1",),
        "numeric",
    ),
    EvalItem(
        "q2",
        "Delta and refugees?",
        "Delta, Iran and 2021",
        ("Delta epsilon zeta eta.", "Refugees went to Iran. Most went to Pakistan in 2021."),
        ("d1", "d2"),
        "multi_article",
    ),
    EvalItem("q3", "Population of Kabul?", "", (), ("d2",), "unanswerable"),
]
RANKED = [[C2A, C1A, C1B], [C2A, C1B, C2B], [C2B, C1A]]


def passage(c: Chunk, rank: int) -> Passage:
    return Passage(c, 1.0 / rank, {}, 0.5)


def answer(item: EvalItem, text: str, cited: list[Chunk], abstained: bool = False) -> Answer:
    citations = tuple(Citation(n, passage(c, n), (0, len(c.text))) for n, c in enumerate(cited, 1))
    passages = tuple(passage(c, r) for r, c in enumerate(cited, 1))
    return Answer(item.question, text, abstained, citations, passages, timings_ms={"retrieve": 2.0, "answer": 1.0})


ANSWERS = [
    answer(ITEMS[0], "The TAPI pipeline costs 5 billion dollars. [1]", [C1A]),
    answer(ITEMS[1], "Delta epsilon zeta eta. [1] Refugees went to Iran. [2]", [C1B, C2A]),
    answer(ITEMS[2], "Kabul has 4 million people. [1]", [C2B]),  # should have abstained; unsupported claim
]


def scored():
    out = []
    for item, ranked, ans in zip(ITEMS, RANKED, ANSWERS, strict=True):
        quotes = gold_quotes(item.quotes, DOCS, COLLECTION)
        ideal = ideal_passages(quotes, COLLECTION)
        out.append(score_item(item, quotes, [span_of(c) for c in ranked], ans, ideal))
    return out


def test_quotes_are_located_by_offsets_and_split_quotes_detected():
    quotes = gold_quotes(ITEMS[1].quotes, DOCS, COLLECTION)
    assert quotes[0].spans == (("d1", C1B.start, C1B.end),) and not quotes[0].split
    assert quotes[1].spans == (("d2", 0, 53),) and quotes[1].split
    assert covers(span_of(C2B), quotes[1])  # holds 30 of 53 characters
    assert not covers(span_of(C2A), quotes[1])  # holds 22
    assert quote_covered(quotes[1], [span_of(C2A), span_of(C2B)])  # adjacent chunks together
    assert not quote_covered(quotes[1], [span_of(C2B)])
    assert ideal_passages(quotes, COLLECTION) == 2


def test_retrieval_metrics_by_hand():
    s1, s2, s3 = scored()
    assert (s1["hit@1"], s1["hit@3"], s1["mrr@10"]) == (0.0, 1.0, 0.5)
    assert s1["ndcg@10"] == pytest.approx(1 / math.log2(3))
    assert (s1["evidence_recall@1"], s1["evidence_recall@3"]) == (0.0, 1.0)
    assert (s2["hit@1"], s2["hit@3"], s2["mrr@10"]) == (0.0, 1.0, 0.5)
    # gains [0, 1, 1] against two ideal passages
    assert s2["ndcg@10"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))
    assert s2["evidence_recall@1"] == 0.0
    assert s2["evidence_recall@3"] == 1.0
    assert evidence_recall(gold_quotes(ITEMS[1].quotes, DOCS, COLLECTION), COLLECTION[1:3]) == 0.5
    assert s3["hit@5"] is None and s3["mrr@10"] is None  # unanswerable: no retrieval target


def test_answer_metrics_by_hand():
    s1, s2, s3 = scored()
    assert s1["fact_containment"] == 1.0  # num:5, name:tapi
    assert s1["token_f1"] == pytest.approx(5 / 6)
    assert (s1["citation_precision"], s1["citation_recall"], s1["support_rate"]) == (1.0, 1.0, 1.0)
    assert s2["fact_containment"] == pytest.approx(2 / 3)  # delta, iran; 2021 missing
    assert s2["token_f1"] == pytest.approx(2 * (2 / 8) * (2 / 4) / (2 / 8 + 2 / 4))
    assert s2["citation_precision"] == 0.5  # d2#0 holds under half of the split quote
    assert s2["citation_recall"] == 0.5
    assert s2["support_rate"] == 1.0
    assert s3["fact_containment"] is None and s3["citation_precision"] is None
    assert s3["support_rate"] == 0.0


def test_aggregate_by_hand():
    overall = aggregate(ITEMS, scored())
    assert overall["hit@1"] == 0.0 and overall["hit@3"] == 1.0 and overall["mrr@10"] == 0.5
    ndcg1 = 1 / math.log2(3)
    ndcg2 = (1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3))
    assert overall["ndcg@10"] == pytest.approx((ndcg1 + ndcg2) / 2)
    assert overall["fact_containment"] == pytest.approx((1 + 2 / 3) / 2)
    assert overall["token_f1"] == pytest.approx((5 / 6 + 1 / 3) / 2)
    assert overall["citation_precision"] == 0.75 and overall["citation_recall"] == 0.75
    assert overall["support_rate"] == 0.75  # pooled: 3 of 4 claims
    # nothing abstained: no true positive, one missed unanswerable
    assert (overall["abstention_precision"], overall["abstention_recall"], overall["abstention_f1"]) == (0, 0, 0)


def test_precision_recall_f1_by_hand():
    prf = precision_recall_f1([True, True, False, False, True], [True, False, True, False, False])
    assert (prf.tp, prf.fp, prf.fn) == (1, 1, 2)
    assert prf.precision == 0.5 and prf.recall == pytest.approx(1 / 3) and prf.f1 == pytest.approx(0.4)


def test_ir_metric_functions():
    rel = [False, False, True, True]
    assert hit_at_k(rel, 2) == 0.0 and hit_at_k(rel, 3) == 1.0
    assert reciprocal_rank(rel) == pytest.approx(1 / 3)
    assert reciprocal_rank(rel, k=2) == 0.0
    assert ndcg_at_k([1, 0], 10, 1) == 1.0
    assert ndcg_at_k([0, 0], 10, 0) == 0.0


@pytest.mark.parametrize(
    ("text", "claims"),
    [
        ("A sentence. [1]", [("A sentence.", (1,))]),
        ("Growth was 5% [3]. [2] Next one. [1][3]", [("Growth was 5% [3].", (2,)), ("Next one.", (1, 3))]),
        ("The TAPI [4] pipeline is long. [1]", [("The TAPI [4] pipeline is long.", (1,))]),
        ("Trade grew [1]. Flour went [2, 3].", [("Trade grew.", (1,)), ("Flour went.", (2, 3))]),
        ("Uncited tail", [("Uncited tail", ())]),
    ],
)
def test_answer_claims(text, claims):
    assert answer_claims(text) == claims


def test_supported_claims_are_verbatim_after_normalization():
    passage_text = "He said \u201cno\u201d  twice. Growth was 5% [3]."
    assert supported_claims('He said "no" twice. [1] Growth was 5% [3]. [1]', {1: passage_text}) == [True, True]
    assert supported_claims("Growth was 6%. [1] Cites nothing.", {1: passage_text}) == [False, False]


def test_normalize_keeps_offsets():
    text = "  \u201cA\u00adb\u201d\n\n c  "
    norm, where = normalize_with_offsets(text)
    assert norm == normalize(text) == '"Ab" c'
    assert [text[i] for i in where] == ["\u201c", "A", "b", "\u201d", "\n", "c"]
    assert locate("Ab\u201d c", {"x": text}) == (("x", 3, 11),)


def test_key_facts():
    assert key_facts("About $100 million, mostly from Kazakhstan's 1,000 students in 2020–2021.") == {
        "num:100",
        "num:1000",
        "num:2020",
        "num:2021",
        "name:kazakhstan",
    }
    assert fact_containment("The UN World Food Program.", "the un world food program [1]") == 1.0
    assert fact_containment("because of drought", "anything") is None


def test_paired_bootstrap():
    rng = np.random.default_rng(1)
    a = rng.random(100)
    b = a + 0.1

    def mean(v):
        return lambda idx: float(v[idx].mean())

    same = paired_bootstrap(mean(a), mean(a), 100, resamples=200)
    assert same.diff == 0 and same.low == 0 and same.high == 0 and not same.significant
    shifted = paired_bootstrap(mean(a), mean(b), 100, resamples=200)
    assert shifted.diff == pytest.approx(0.1) and shifted.low == pytest.approx(0.1) and shifted.significant
    noisy = paired_bootstrap(mean(a), mean(rng.random(100)), 100, resamples=500)
    assert noisy.low < noisy.diff < noisy.high


def test_abstention_f1_statistic_resamples_items():
    stat = statistic("abstention_f1", ITEMS, [{"abstained": 0.0}, {"abstained": 1.0}, {"abstained": 1.0}])
    assert stat(np.array([0, 1, 2])) == pytest.approx(2 / 3)  # tp 1, fp 1, fn 0
    assert stat(np.array([2, 2, 2])) == 1.0


def test_registry_builds_configs_from_settings():
    from journalqa.config import Settings

    base = Settings()
    assert CONFIGS["bm25"].settings(base).retrieval_mode == "bm25"
    assert CONFIGS["hybrid"].settings(base) == base
    assert CONFIGS["llm"].needs_llm and not CONFIGS["hybrid"].needs_llm
    assert set(DEFAULT_RUN) <= set(CONFIGS) and DEFAULT_RUN[0] == DEFAULT_CONFIG
    with pytest.raises(ValueError, match="unknown configuration"):
        run_eval("evals/qa.jsonl", ["nope"], base, show_progress=False)


def test_load_items_filters_split(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text(
        '{"id": "q1", "question": "Q?", "answer": "", "quotes": [], "article": null, "type": "unanswerable",'
        ' "paraphrased": false, "split": "calibration"}\n\n'
        '{"id": "q2", "question": "R?", "answer": "a", "quotes": ["x"], "article": ["a", "b"],'
        ' "type": "multi_article", "paraphrased": true, "split": "test"}\n'
    )
    assert [i.id for i in load_items(path)] == ["q1", "q2"]
    (test,) = load_items(path, "test")
    assert test.articles == ("a", "b") and test.answerable
    path.write_text("[1]\n")
    with pytest.raises(ValueError, match="qa.jsonl:1"):
        load_items(path)


def test_items_carry_their_language_and_several_files_load_together(tmp_path):
    en, ru = tmp_path / "qa.jsonl", tmp_path / "qa_ru.jsonl"
    en.write_text('{"id": "q1", "question": "Q?", "answer": "a", "quotes": ["x"], "type": "factoid"}\n')
    ru.write_text(
        '{"id": "q1-ru", "question": "В?", "answer": "а", "quotes": ["x"], "type": "factoid", "language": "ru",'
        ' "source_id": "q1"}\n'
    )
    items = load_items(f"{en},{ru}")
    assert [(i.id, i.language, i.source_id) for i in items] == [("q1", "en", ""), ("q1-ru", "ru", "q1")]
    assert load_items([en, ru], "test") == items
    with pytest.raises(ValueError, match="ids repeat"):
        load_items([en, en])


def test_aggregate_by_language_by_hand():
    items = [
        EvalItem("a", "Q?", "x", ("x",), (), "factoid", language="en"),
        EvalItem("b", "В?", "x", ("x",), (), "factoid", language="ru"),
        EvalItem("c", "В?", "", (), (), "unanswerable", language="ru"),
        EvalItem("d", "Б?", "x", ("x",), (), "factoid", language="ru"),
    ]
    scores = [
        {"abstained": 0.0, "hit@5": 1.0},
        {"abstained": 1.0, "hit@5": 1.0},
        {"abstained": 1.0},
        {"abstained": 0.0, "hit@5": 0.0},
    ]
    per = by_language(items, scores)
    assert set(per) == {"en", "ru"} and per["ru"]["n"] == 3.0
    assert per["ru"]["hit@5"] == 0.5
    assert per["ru"]["answerable_abstained"] == 0.5  # b abstained, d answered
    assert per["ru"]["abstention_f1"] == pytest.approx(2 / 3)  # tp c, fp b
    assert per["en"]["answerable_abstained"] == 0.0 and per["en"]["abstention_f1"] is None
