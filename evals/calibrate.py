"""Calibrate the abstention threshold (and the evidence blend) on the gold set's calibration split only.

Usage: python evals/calibrate.py [--qa evals/qa.jsonl] [--split calibration|test] [--out FILE]
(default FILE: evals/reports/<split>-fit-<time>.json)
Prints the chosen values; they go into ``Settings.abstain_threshold`` (config.py) and
``journalqa.answer.EVIDENCE_BLEND`` by hand, with a pointer to the run.

``--split test`` is a diagnostic only: fitted on the reported split itself, the F1 it prints is the most the
current evidence features can reach there (an upper bound), and its values must never go into config.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from journalqa.answer import score_sentences
from journalqa.assistant import Assistant
from journalqa.config import Settings, apply_offline_env
from journalqa.evaluate import calibrate_abstention, load_items

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qa", type=Path, default=ROOT / "evals" / "qa.jsonl")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--split", choices=("calibration", "test"), default="calibration")
    args = parser.parse_args()
    apply_offline_env()
    settings = Settings.from_env()
    assistant = Assistant.load(settings=settings)
    items = load_items(args.qa, args.split)
    if args.split != "calibration":
        print("diagnostic: fitting on the reported split; an upper bound, not values for config.py\n")
    features = [
        score_sentences(item.question, assistant.retriever.retrieve(item.question, settings.top_k), assistant.weights)
        for item in items
    ]
    result = calibrate_abstention(features, [not item.answerable for item in items])
    for blend, threshold, f1, gap in sorted(result.table, key=lambda row: -row[2]):
        print(f"blend {blend}  threshold {threshold:.4f}  F1 {f1:.3f}  gap {gap:.4f}")
    print(
        f"\n{len(items)} {args.split} items ({sum(not i.answerable for i in items)} unanswerable): "
        f"EVIDENCE_BLEND = {result.blend}, abstain_threshold = {result.threshold:.3f} (F1 {result.f1:.3f})"
    )
    out = args.out or ROOT / "evals" / "reports" / f"{args.split}-fit-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "qa": str(args.qa),
                "split": args.split,
                "items": len(items),
                "blend": result.blend,
                "threshold": result.threshold,
                "f1": result.f1,
                "table": [{"blend": b, "threshold": t, "f1": f, "gap": g} for b, t, f, g in result.table],
            },
            indent=1,
        )
    )
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
