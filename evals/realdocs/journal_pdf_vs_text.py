"""Does the journal answer as well from its PDF as from its text? The gold set on both, in one run.

    python evals/realdocs/journal_pdf_vs_text.py [--pdf .cache/realdocs/kjfs-2022-no1-2.pdf] [--split test]
                                                  [--configs hybrid] [--keep DIR]

Two corpora in temporary folders: ``text`` = corpus/*.md (the issue's text split by ``journalqa split``),
``pdf`` = the issue rendered as a two-column PDF (``make realdocs``) split by the PDF path (``split_pdf_issue``,
what ``journalqa add`` does with it). Each is indexed and evaluated by the CLI (``journalqa index``, ``journalqa
eval``) with JOURNALQA_CORPUS_DIR / JOURNALQA_INDEX_DIR pointing at its folders, back to back, so both use the same
code and settings. Prints one row per corpus (hit@5, MRR@10, abstention F1 and the gold quotes the corpus does
not contain) and the difference; issue #12's target is hit@5 and abstention F1 within 0.02.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PDF = ROOT / ".cache" / "realdocs" / "kjfs-2022-no1-2.pdf"
METRICS = ("hit@5", "mrr@10", "abstention_f1")
TARGET = 0.02


def _cli() -> list[str]:
    # the console script installed beside this interpreter (the venv's), else the module's entry point
    script = Path(sys.executable).with_name("journalqa")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from journalqa.cli import main; main()"]


def write_text_corpus(folder: Path) -> int:
    folder.mkdir(parents=True)
    files = sorted((ROOT / "corpus").glob("*.md"))
    for path in files:
        shutil.copy2(path, folder / path.name)
    return len(files)


def write_pdf_corpus(pdf: Path, folder: Path, ocr_langs: str) -> int:
    from journalqa.ingest.journal_pdf import split_pdf_issue

    folder.mkdir(parents=True)
    docs = split_pdf_issue(pdf, ocr_langs=ocr_langs)
    if not docs:
        raise SystemExit(f"{pdf} did not split into articles")
    for doc in docs:
        (folder / f"{doc.doc_id}.md").write_text(doc.to_markdown(), encoding="utf-8")
    return len(docs)


def evaluate(name: str, corpus: Path, work: Path, configs: str, split: str) -> dict:
    env = {**os.environ, "JOURNALQA_CORPUS_DIR": str(corpus), "JOURNALQA_INDEX_DIR": str(work / f"{name}-index")}
    subprocess.run([*_cli(), "index"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    out = work / f"{name}-report"
    subprocess.run(
        [*_cli(), "eval", "--configs", configs, "--split", split, "--out", str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def row(name: str, docs: int, result: dict, config: str) -> dict:
    overall = result["configs"][config]["overall"]
    from journalqa.index.store import read_manifest

    manifest = read_manifest(Path(result["settings"]["index_dir"]))
    return {
        "corpus": name,
        "documents": docs,
        "chunks": manifest["counts"]["chunks"],
        **{m: overall.get(m) for m in METRICS},
        "unlocated quotes": len(result["unlocated_quotes"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdf", type=Path, default=DEFAULT_PDF)
    parser.add_argument("--configs", default="hybrid", help="one configuration: its row is compared")
    parser.add_argument("--split", default="test")
    parser.add_argument("--ocr-langs", default="eng")
    parser.add_argument("--keep", type=Path, help="keep corpora, indexes and reports here (default: a temp folder)")
    parser.add_argument("--reuse", action="store_true", help="with --keep: print the rows of the reports kept there")
    args = parser.parse_args(argv)
    if not args.pdf.is_file():
        raise SystemExit(f"{args.pdf} missing: run `make realdocs`")
    work = args.keep or Path(tempfile.mkdtemp(prefix="journal-pdf-vs-text-"))
    started = time.time()
    try:
        if args.reuse and args.keep:
            counts = {name: len(list((work / f"{name}-corpus").glob("*.md"))) for name in ("text", "pdf")}
            results = {name: json.loads((work / f"{name}-report" / "results.json").read_text()) for name in counts}
        else:
            counts = {
                "text": write_text_corpus(work / "text-corpus"),
                "pdf": write_pdf_corpus(args.pdf, work / "pdf-corpus", args.ocr_langs),
            }
            results = {name: evaluate(name, work / f"{name}-corpus", work, args.configs, args.split) for name in counts}
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    config = args.configs.split(",")[0]
    rows = [row(name, counts[name], results[name], config) for name in counts]
    header = list(rows[0])
    print(f"| {' | '.join(header)} |")
    print(f"|{'---|' * len(header)}")
    for r in rows:
        print("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r.values()) + " |")
    diffs = {m: rows[1][m] - rows[0][m] for m in METRICS if rows[0][m] is not None and rows[1][m] is not None}
    print("pdf - text: " + ", ".join(f"{m} {d:+.3f}" for m, d in diffs.items()), end="")
    within = all(abs(diffs.get(m, 1.0)) <= TARGET for m in ("hit@5", "abstention_f1"))
    print(f"; hit@5 and abstention F1 within {TARGET}: {'yes' if within else 'no'} ({time.time() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
