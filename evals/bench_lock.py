"""How long ``journalqa add`` holds the writer lock (issue #29, item 6): every hold timed, against the whole add.

Before #29 the lock was held from the first file read to the new version's swap: through parsing, OCR and
embedding. Now parsing, OCR, chunking and embedding run first and the lock covers only the placement of the files
and the merge and swap. Over a copy of the bundled corpus with the real model, this adds a 30-page text PDF and a
scanned PDF (``--scan-pages``, OCR'd by Tesseract when installed) and prints, per add, the wall time, the time
inside the lock (all holds) and the longest single hold, i.e. the most another writer had to wait.

Usage: nice python evals/bench_lock.py [--scan-pages 6]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import journalqa.index.build as indexing  # noqa: E402
import journalqa.index.manage as manage  # noqa: E402
from journalqa.config import Settings, apply_offline_env  # noqa: E402
from journalqa.index.embed import Embedder  # noqa: E402
from journalqa.ingest.ocr import ocr_available  # noqa: E402
from tests.pdfs import write_text_pdf  # noqa: E402

HOLDS: list[float] = []
_real_lock = indexing.index_lock


@contextlib.contextmanager
def timed_lock(index_dir: Path, timeout: float = 120.0) -> Iterator[None]:
    with _real_lock(index_dir, timeout):
        started = time.perf_counter()
        try:
            yield
        finally:
            HOLDS.append(time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scan-pages", type=int, default=6)
    args = parser.parse_args()
    apply_offline_env()
    indexing.index_lock = timed_lock  # type: ignore[assignment]
    manage.index_lock = timed_lock  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings(index_dir=folder / "index", corpus_dir=folder / "corpus", ocr_langs="eng")
        shutil.copytree(ROOT / "corpus", settings.corpus_dir)
        embedder = Embedder(settings.embedder)
        indexing.sync_index(settings, embedder, show_progress=False)
        files = [("30-page text PDF", write_text_pdf(folder / "thirty.pdf", pages=30, paragraphs=16))]
        if not ocr_available("eng"):
            from tests.scans import KNOWN_TEXT, scan_pdf, write_text_page_pdf

            source = write_text_page_pdf(folder / "scan-src.pdf", KNOWN_TEXT["eng"], pages=args.scan_pages)
            files.append((f"{args.scan_pages}-page scan (OCR)", scan_pdf(source, folder / "scan.pdf")))
        print("| add | wall s | lock held s (all holds) | longest hold s |\n|---|---|---|---|")
        for label, path in files:
            HOLDS.clear()
            started = time.perf_counter()
            manage.add_paths(settings, [path], embedder=embedder, show_progress=False)
            wall = time.perf_counter() - started
            print(f"| {label} | {wall:.1f} | {sum(HOLDS):.2f} | {max(HOLDS):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
