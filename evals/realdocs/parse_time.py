"""Parse time per page of two code versions on the same PDFs, in one run (CPU time of ``pdf_document``, no OCR).

    python evals/realdocs/parse_time.py --baseline fe50c00 [--current worktree] [--rounds 3] FILE.pdf ...

Each version's ``src`` is a ``git archive`` of its commit (``worktree``: this checkout's ``src``); each round runs
every version in a fresh process, alternating, and the best round counts (the machine is shared).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHILD = r"""
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from journalqa.ingest.pdf import pdf_document
for f in sys.argv[2:]:
    path = Path(f)
    start = time.process_time()
    doc = pdf_document(path, path.stem)
    print(path.stem, time.process_time() - start, doc.metadata["pdf_pages"])
"""


def source_tree(ref: str, tmp: Path) -> Path:
    if ref == "worktree":
        return ROOT / "src"
    out = tmp / ref
    out.mkdir()
    archive = subprocess.run(["git", "archive", ref, "src"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out / "src"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="+", type=Path)
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--current", default="worktree")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    best: dict[tuple[str, str], float] = {}
    pages: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {ref: source_tree(ref, Path(tmp)) for ref in (args.baseline, args.current)}
        for _ in range(args.rounds):
            for ref, tree in trees.items():
                done = subprocess.run(
                    [sys.executable, "-c", CHILD, str(tree), *map(str, args.pdfs)], capture_output=True, text=True
                )
                if done.returncode != 0:
                    print(done.stderr.strip().splitlines()[-1], file=sys.stderr)
                    return 1
                for line in done.stdout.splitlines():
                    stem, seconds, count = line.rsplit(" ", 2)
                    pages[stem] = int(count)
                    per_page = 1000 * float(seconds) / int(count)
                    best[stem, ref] = min(best.get((stem, ref), per_page), per_page)
    print(f"| PDF | pages | {args.baseline} ms/page | {args.current} ms/page | ratio |")
    print("|---|---|---|---|---|")
    for stem, count in pages.items():
        base, now = best[stem, args.baseline], best[stem, args.current]
        print(f"| {stem} | {count} | {base:.1f} | {now:.1f} | {now / base:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
