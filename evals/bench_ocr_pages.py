"""A long scanned book through ``load_file`` (the path ``journalqa add`` takes): issue #29 item 2.

A scanned PDF of ``--pages`` pages (default 200) is made from one real scanned page (rasterised, tilted, speckled,
JPEG'd by ``tests/scans.py``) repeated, then read with OCR into a fresh cache. Prints the pages read, wall time,
seconds per page and the OCR cache file name (a short hash: the old name listed every page and passed the
255-byte limit at 78 pages). The time limit it runs under: 60 s + JOURNALQA_OCR_SECONDS_PER_PAGE per page.

Usage: nice python evals/bench_ocr_pages.py [--pages 200] [--dpi 300] [--langs eng]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from journalqa.config import Settings, apply_offline_env  # noqa: E402
from journalqa.ingest import load_file  # noqa: E402
from tests.scans import KNOWN_TEXT, scan_pdf, write_text_page_pdf  # noqa: E402


def long_scan(folder: Path, pages: int, dpi: int) -> Path:
    from pypdf import PdfReader, PdfWriter

    one = scan_pdf(write_text_page_pdf(folder / "page.pdf", KNOWN_TEXT["eng"]), folder / "one.pdf", dpi=dpi)
    page = PdfReader(one).pages[0]
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_page(page)
    out = folder / f"book-{pages}.pdf"
    with open(out, "wb") as fh:
        writer.write(fh)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--langs", default="eng")
    args = parser.parse_args()
    apply_offline_env()
    settings = Settings.from_env()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        book = long_scan(folder, args.pages, args.dpi)
        started = time.perf_counter()
        doc = load_file(book, ocr_langs=args.langs, ocr_cache=folder / "cache")
        seconds = time.perf_counter() - started
        cached = [p.name for p in (folder / "cache").iterdir()]
    read = len(doc.metadata.get("ocr_pages", []))
    print(f"pages {args.pages}, read by OCR {read}, {seconds:.0f} s ({seconds / max(read, 1):.2f} s a page)")
    print(f"limit {60 + settings.ocr_seconds_per_page * args.pages} s, page limit {settings.max_pages}")
    print(f"cache file {cached} ({max(map(len, cached), default=0)} characters)")
    return 0 if read == args.pages else 1


if __name__ == "__main__":
    sys.exit(main())
