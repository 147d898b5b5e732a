"""Calibrate the abstention threshold (and the evidence blend) on the gold set's calibration split only.

Usage: python evals/calibrate.py [--qa evals/qa.jsonl,evals/qa_ru.jsonl,...] [--split calibration|test] [--out FILE]
(default FILE: evals/reports/<split>-fit-<time>.json)
Prints the chosen values (blend, cosine floor, threshold); they go into the embedder's entry of
``journalqa.answer.evidence.CALIBRATIONS`` by hand, with a pointer to the run.

Several gold files (comma-separated) are fitted together, one threshold for every question language; the F1 of
each language at the chosen values is printed too. The embedder is the settings' (``JOURNALQA_EMBEDDER``): cosines
of different embedders live on different scales, so each needs its own fit.

``--gaps`` measures instead how much lower the embedder scores a translated question than its English original
against the same passages (``journalqa.answer.evidence.CROSS_LINGUAL_COSINE_GAP``), on the calibration split's translated
items (each file's ``source_id`` names the English item).

``--split test`` is a diagnostic only: fitted on the reported split itself, the F1 it prints is the most the
current evidence features can reach there (an upper bound), and its values must never go into config.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journalqa.answer.evidence import evidence_score, score_sentences
from journalqa.assistant import Assistant, translations_of
from journalqa.config import Settings, apply_offline_env
from journalqa.evaluation.gold import load_items
from journalqa.evaluation.metrics import precision_recall_f1

ROOT = Path(__file__).resolve().parents[1]


# Candidate evidence blends: (cosine weight, term-coverage weight, power of the constraint match).
BLEND_GRID = tuple(
    (cos_w, cov_w, power) for cos_w in (0.5, 1.0) for cov_w in (0.0, 0.5, 1.0) for power in (0.0, 1.0, 2.0)
)
# Candidate cosine floors (answer.EvidenceCalibration): 0 for an embedder whose unrelated texts score about 0.
FLOOR_GRID = (0.0, 0.5, 0.6, 0.7, 0.75, 0.8)


@dataclass(frozen=True)
class Calibration:
    blend: tuple[float, float, float]
    threshold: float
    f1: float
    margin: float
    # (blend, cosine floor, threshold, f1, margin)
    table: tuple[tuple[tuple[float, float, float], float, float, float, float], ...]
    cosine_floor: float = 0.0


def best_threshold(evidence: Sequence[float], unanswerable: Sequence[bool]) -> tuple[float, float, float]:
    """The abstention threshold (abstain when evidence < threshold) with the best F1 for "unanswerable".

    Candidates are midpoints between consecutive distinct evidence values; ties go to the widest gap.
    Returns (threshold, f1, gap).
    """
    values = sorted(set(evidence))
    cuts = [(values[0] - 0.01, 0.02)] + [((a + b) / 2, b - a) for a, b in zip(values, values[1:], strict=False)]
    cuts.append((values[-1] + 0.01, 0.02))
    best = (0.0, -1.0, 0.0)
    for threshold, gap in cuts:
        prf = precision_recall_f1(list(unanswerable), [e < threshold for e in evidence])
        if (prf.f1, gap) > (best[1], best[2]):
            best = (threshold, prf.f1, gap)
    return best


def calibrate_abstention(
    features: Sequence[Sequence[Any]],
    unanswerable: Sequence[bool],
    blends: Sequence[tuple[float, float, float]] = BLEND_GRID,
    floors: Sequence[float] = (0.0,),
) -> Calibration:
    """Choose the evidence blend, cosine floor and threshold with the best abstention F1 over items' scored
    sentences (ties: the widest margin, then the first in grid order)."""
    from journalqa.answer.evidence import evidence_score

    table = []
    for floor in floors:
        for blend in blends:
            evidence = [evidence_score(sentences, blend, floor) for sentences in features]
            threshold, f1, gap = best_threshold(evidence, unanswerable)
            table.append((blend, floor, round(threshold, 4), f1, gap))
    blend, floor, threshold, f1, gap = max(table, key=lambda row: (round(row[3], 6), row[4]))
    return Calibration(blend, threshold, f1, gap, tuple(table), floor)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qa", default=str(ROOT / "evals" / "qa.jsonl"), help="gold file(s), comma-separated")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--split", choices=("calibration", "test"), default="calibration")
    parser.add_argument("--gaps", action="store_true", help="measure the cross-lingual cosine gap per language")
    args = parser.parse_args()
    apply_offline_env()
    settings = Settings.from_env()
    assistant = Assistant.load(settings=settings)
    items = load_items(args.qa, args.split)
    if args.gaps:
        return print_gaps(assistant, items)
    if args.split != "calibration":
        print("diagnostic: fitting on the reported split; an upper bound, not values for config.py\n")
    retriever = assistant.retriever
    features = [
        score_sentences(
            item.question,
            retriever.retrieve(item.question, settings.top_k),
            assistant.weights,
            translations=translations_of(retriever, item.question),
        )
        for item in items
    ]
    result = calibrate_abstention(features, [not item.answerable for item in items], floors=FLOOR_GRID)
    for blend, floor, threshold, f1, gap in sorted(result.table, key=lambda row: -row[3])[:20]:
        print(f"blend {blend}  cosine floor {floor}  threshold {threshold:.4f}  F1 {f1:.3f}  gap {gap:.4f}")
    print(
        f"\n{len(items)} {args.split} items ({sum(not i.answerable for i in items)} unanswerable), embedder "
        f"{settings.embedder}: EvidenceCalibration(threshold={result.threshold:.3f}, blend={result.blend}, "
        f"cosine_floor={result.cosine_floor}) (F1 {result.f1:.3f})"
    )
    per_language = {}
    for language in sorted({item.language for item in items}):
        rows = [(item, f) for item, f in zip(items, features, strict=True) if item.language == language]
        unanswerable = [not item.answerable for item, _ in rows]
        abstains = [evidence_score(f, result.blend, result.cosine_floor) < result.threshold for _, f in rows]
        prf = precision_recall_f1(unanswerable, abstains)
        answerable_abstaining = sum(a for a, u in zip(abstains, unanswerable, strict=True) if not u)
        per_language[language] = {"items": len(rows), "f1": prf.f1, "answerable_abstaining": answerable_abstaining}
        print(
            f"  {language}: {len(rows)} items, abstention F1 {prf.f1:.3f}, answerable abstaining "
            f"{answerable_abstaining}/{sum(not u for u in unanswerable)}"
        )
    out = args.out or ROOT / "evals" / "reports" / f"{args.split}-fit-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "qa": str(args.qa),
                "embedder": settings.embedder,
                "per_language": per_language,
                "split": args.split,
                "items": len(items),
                "blend": result.blend,
                "threshold": result.threshold,
                "cosine_floor": result.cosine_floor,
                "f1": result.f1,
                "table": [
                    {"blend": b, "cosine_floor": c, "threshold": t, "f1": f, "gap": g} for b, c, t, f, g in result.table
                ],
            },
            indent=1,
        )
    )
    print(f"written to {out}")
    return 0


def print_gaps(assistant: Assistant, items: list) -> int:
    """Mean (English question's best cosine - translation's best cosine) over the English question's top 5."""
    import numpy as np

    english = {item.id: item for item in items if item.language == "en"}
    gaps: dict[str, list[float]] = {}
    search = assistant.search
    assert search is not None
    for item in items:
        source = english.get(item.source_id)
        if item.language == "en" or source is None:
            continue
        rows = [search.chunks.index(p.chunk) for p in search.retrieve(source.question, 5)]
        vectors = search.data.vectors(rows)
        original = float((vectors @ assistant.embedder.encode_query(source.question)).max())
        translated = float((vectors @ assistant.embedder.encode_query(item.question)).max())
        gaps.setdefault(item.language, []).append(original - translated)
    for language, values in sorted(gaps.items()):
        print(f"{language}: {len(values)} items, mean gap {np.mean(values):.4f}, median {np.median(values):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
