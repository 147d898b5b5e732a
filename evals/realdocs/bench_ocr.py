"""OCR engine choice, measured: ocrmypdf (what journalqa.ingest.ocr runs) against Tesseract called page by page (what
pytesseract does: write the page image, run the ``tesseract`` CLI, read its text), in the same run.

    python evals/realdocs/bench_ocr.py [--rounds 2]

Pages: the foreword's text in English, Russian and Kazakh, set in DejaVu Serif, scanned at 300 dpi with a tilt,
specks and JPEG (tests/scans.py). Prints seconds per page and character accuracy per language for each engine,
with the load average, since the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from journalqa.ingest.ocr import DEFAULT_LANGS, ocr_available, ocr_pdf  # noqa: E402
from tests import scans  # noqa: E402

LANGS = ("eng", "rus", "kaz")


def layer_text(pdf: Path, page: int) -> str:
    """The OCR text layer as the PDF extractor reads it: pdfplumber (positions, reading order) when installed,
    pypdf otherwise. Not pdftotext: its physical layout splits a justified line with wide gaps into columns."""
    try:
        import pdfplumber
    except ImportError:
        from pypdf import PdfReader

        return PdfReader(pdf).pages[page].extract_text()
    with pdfplumber.open(pdf) as doc:
        return doc.pages[page].extract_text() or ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="engines alternate this many times (load varies)")
    args = parser.parse_args(argv)
    reason = ocr_available(DEFAULT_LANGS)
    if reason:
        print(reason, file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="bench-ocr-"))
    originals = [scans.write_text_page_pdf(tmp / f"{lang}.pdf", scans.KNOWN_TEXT[lang]) for lang in LANGS]
    scanned = tmp / "scanned.pdf"
    pngs = []
    for n, original in enumerate(originals):
        png = tmp / f"page{n}.jpg"
        png.write_bytes(scans.degrade(scans.rasterise(original, 0), seed=n))
        pngs.append(png)
    subprocess.run(["img2pdf", "--output", str(scanned), *map(str, pngs)], check=True)

    results: dict[str, list[float]] = {}
    accuracy: dict[str, dict[str, float]] = {}
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", file=sys.stderr)
    for _ in range(args.rounds):
        # ocrmypdf: all three pages in one run, as ingest calls it (--jobs = pages, at most the cores)
        result = ocr_pdf(scanned, tmp / "ocrmypdf.pdf", DEFAULT_LANGS, pages=[0, 1, 2])
        results.setdefault("ocrmypdf (PDF text layer, --jobs 2)", []).append(result.seconds_per_page)
        accuracy["ocrmypdf (PDF text layer, --jobs 2)"] = {
            lang: scans.char_accuracy(layer_text(result.dst, n), scans.KNOWN_TEXT[lang]) for n, lang in enumerate(LANGS)
        }
        for label, env in (
            ("tesseract CLI per page (pytesseract), 1 thread", {"OMP_THREAD_LIMIT": "1"}),
            ("tesseract CLI per page (pytesseract), OpenMP default", {}),
        ):
            started = time.perf_counter()
            texts = [
                subprocess.run(
                    ["tesseract", str(png), "-", "-l", DEFAULT_LANGS],
                    capture_output=True,
                    text=True,
                    env={**os.environ, **env},
                ).stdout
                for png in pngs
            ]
            results.setdefault(label, []).append((time.perf_counter() - started) / len(pngs))
            accuracy[label] = {
                lang: scans.char_accuracy(t, scans.KNOWN_TEXT[lang]) for t, lang in zip(texts, LANGS, strict=True)
            }
    print(f"load average at end: {os.getloadavg()[0]:.1f}", file=sys.stderr)
    print("| engine | s/page (each round) | char accuracy eng / rus / kaz |")
    print("|---|---|---|")
    for label, times in results.items():
        acc = " / ".join(f"{accuracy[label][lang]:.3f}" for lang in LANGS)
        print(f"| {label} | {' / '.join(f'{t:.1f}' for t in times)} | {acc} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
