"""Real PDFs for the layout tests, made from Debian packages the way the bench makes its own (evals/realdocs/fetch.py:
``apt-get download`` + ``dpkg-deb``, never installed; a scan through ``pdftoppm`` + ``img2pdf``), cached in
.cache/realdocs-tests/. Only calibration documents: the bench's test documents are never tuned on.

``real_pdf(name)`` gives the file's path, or skips the test with the reason when the package or a tool is missing
(offline, no apt lists, no poppler).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from evals.realdocs.fetch import RLIB, SOURCES, TEX, FetchError, Source, download, extract, make

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "realdocs-tests"
BENCH = ROOT / ".cache" / "realdocs"  # `make realdocs` puts the bench's copies here

EXTRA = [
    # OT1 accents set as glyphs of their own (``Schr¨oder``)
    Source("lamport-manual.pdf", "texlive-latex-base-doc", f"{TEX}/latex/base/lamport-manual.pdf"),
    # a three-page scan of printed pages 12-14 (PDF pages 12-14 of the strucchange vignette), 200 dpi grey
    Source(
        "scan-strucchange-12-14.pdf",
        "r-cran-strucchange",
        f"{RLIB}/strucchange/doc/strucchange-intro.pdf",
        pages=(12, 14),
        scan_dpi=200,
    ),
    # a scan of R-intro's printed pages 14-16 (PDF pages 20-22), whose foot notes are numbered 2, 3, 4 too
    Source("scan-rintro-20-22.pdf", "r-doc-pdf", "/usr/share/R/doc/manual/R-intro.pdf", pages=(20, 22), scan_dpi=200),
]
KNOWN = {src.stem: src for src in [*(s for s in SOURCES if s.split == "calibration"), *EXTRA]}


def real_pdf(name: str) -> Path:
    """The calibration PDF ``name`` (a file stem), fetched once per machine."""
    src = KNOWN[name]
    target = CACHE / src.file
    if target.is_file():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    bench = BENCH / src.file
    if src in SOURCES and bench.is_file():
        shutil.copyfile(bench, target)  # the same recipe on the same package: the bench's copy is this file
        return target
    try:
        with tempfile.TemporaryDirectory() as tmp:
            deb = download(src.package, Path(tmp))
            shipped = Path(tmp) / Path(src.path).name
            extract(deb, src.path, shipped)
            made = Path(tmp) / "made.pdf"
            make(src, shipped, made)
            part = target.with_name(f".{target.name}.part")
            shutil.move(str(made), part)
            part.replace(target)  # whole or not at all: a test run killed midway leaves no half file
    except (FetchError, OSError) as exc:
        pytest.skip(f"{src.file} from Debian package {src.package} not available: {exc}")
    return target
