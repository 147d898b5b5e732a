"""Calibrate the abstention threshold (and the evidence blend) on the gold set's calibration split only.

Usage: python evals/calibrate.py [--qa evals/qa.jsonl,evals/qa_ru.jsonl,...] [--split calibration|test] [--out FILE]
(default FILE: evals/reports/<split>-fit-<time>.json)
Prints the chosen values (blend, cosine floor, threshold); they go into the embedder's entry of
``journalqa.answer.CALIBRATIONS`` by hand, with a pointer to the run.

Several gold files (comma-separated) are fitted together, one threshold for every question language; the F1 of
each language at the chosen values is printed too. The embedder is the settings' (``JOURNALQA_EMBEDDER``): cosines
of different embedders live on different scales, so each needs its own fit.

``--gaps`` measures instead how much lower the embedder scores a translated question than its English original
against the same passages (``journalqa.answer.CROSS_LINGUAL_COSINE_GAP``), on the calibration split's translated
items (each file's ``source_id`` names the English item).

``--split test`` is a diagnostic only: fitted on the reported split itself, the F1 it prints is the most the
current evidence features can reach there (an upper bound), and its values must never go into config.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from journalqa.answer import evidence_score, score_sentences
from journalqa.assistant import Assistant, translations_of
from journalqa.config import Settings, apply_offline_env
from journalqa.evaluate import FLOOR_GRID, calibrate_abstention, load_items, precision_recall_f1

ROOT = Path(__file__).resolve().parents[1]


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
