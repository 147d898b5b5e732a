"""Scanned pages: find the pages of a PDF without a usable text layer and give them one with Tesseract.

The work is done by Debian's ``ocrmypdf`` (over ``tesseract-ocr`` with the language packs): it writes a copy of
the PDF in which the chosen pages carry an invisible, positioned text layer over their image and every other
page is left as it was. So the same layout-aware extraction and cleaning passes read OCR'd pages and born-digital
pages alike. Chosen over calling Tesseract page by page (pytesseract) by measurement: equal character accuracy,
~1 s more per page, and positions the PDF extractor can read (``python evals/realdocs/bench_ocr.py``).

Nothing here is needed to run journalqa: without the tools, ``ocr_available()`` says which Debian packages
to install and the caller indexes the text pages only.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from journalqa.config import cache_dir

DEFAULT_LANGS = "eng+rus+kaz"
# A page whose text layer has fewer usable characters than this, while images cover most of it, is a scan
# (allowing for a stamp such as "Downloaded from ... on 12 May 2020" that archives print over scans).
SCAN_MAX_CHARS = 200
SCAN_MIN_IMAGE_SHARE = 0.5
# Fewer usable characters than this and something drawn on the page: text as outlines, or a small scan.
NO_TEXT_CHARS = 20
# Below this share of usable characters the text layer is unreadable: fonts without a Unicode map give
# private-use or replacement characters, and some give ``(cid:42)`` runs.
MIN_USABLE_SHARE = 0.5
# The ocrmypdf run is allowed this long per page before it is stopped (Tesseract alone needs 2-8 s here).
SECONDS_PER_PAGE = 120


class OcrError(RuntimeError):
    """OCR could not run or failed; the message is one line meant for the user."""


@dataclass(frozen=True)
class OcrResult:
    dst: Path
    pages: tuple[int, ...]  # 0-based pages that were OCR'd (given a new text layer)
    seconds: float  # wall time of the OCR run
    langs: str

    @property
    def seconds_per_page(self) -> float:
        return self.seconds / len(self.pages) if self.pages else 0.0


def _packages(langs: str) -> list[str]:
    """Debian's name for each Tesseract language pack: ``chi_sim`` -> ``tesseract-ocr-chi-sim``."""
    return [f"tesseract-ocr-{lang.lower().replace('_', '-')}" for lang in _split_langs(langs)]


def _split_langs(langs: str) -> list[str]:
    return [lang for lang in langs.split("+") if lang.strip()]


@lru_cache(maxsize=8)
def _check(langs: str, path: str) -> str | None:
    # Keyed on PATH as well, so a changed PATH (a tool installed, or taken away) is seen at once.
    tesseract = shutil.which("tesseract", path=path)
    missing_tools = [name for name in ("tesseract", "ocrmypdf") if shutil.which(name, path=path) is None]
    wanted = _split_langs(langs)
    if not wanted:
        return "OCR off: no OCR language set (JOURNALQA_OCR_LANGS, e.g. eng+rus+kaz)"
    installed: set[str] = set()
    if tesseract:
        listing = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True, timeout=30)
        # the first line is a header ("List of available languages in ..."), then one language a line
        installed = {line.strip() for line in listing.stdout.splitlines()[1:] if line.strip()}
    missing_langs = [lang for lang in wanted if lang not in installed]
    if not missing_tools and not missing_langs:
        return None
    packages = [{"tesseract": "tesseract-ocr", "ocrmypdf": "ocrmypdf"}[tool] for tool in missing_tools]
    packages += [pkg for lang, pkg in zip(wanted, _packages(langs), strict=True) if lang in missing_langs]
    what = ", ".join(missing_tools + ([f"Tesseract languages {'+'.join(missing_langs)}"] if missing_langs else []))
    return f"OCR off (missing {what}): scanned pages are not read; apt-get install {' '.join(packages)}"


def default_cache_dir() -> Path:
    """Where OCR'd copies of scans are kept between loads: ``$XDG_CACHE_HOME/journalqa/ocr`` (~/.cache/...)."""
    return cache_dir() / "ocr"


def ocr_available(langs: str = DEFAULT_LANGS) -> str | None:
    """None when tesseract, ocrmypdf and every language in ``langs`` are installed; otherwise one line saying
    what is missing and which Debian packages to install."""
    return _check(langs, os.environ.get("PATH", ""))


# ----------------------------------------------------------------------------------------- which pages


def usable_chars(text: str) -> int:
    """Letters and digits a reader could use: not private-use, not U+FFFD, not inside ``(cid:N)`` codes."""
    text = re.sub(r"\(cid:\d+\)", "", text)
    return sum(1 for c in text if c.isalnum() and c != "\ufffd" and unicodedata.category(c) != "Co")


def page_needs_ocr(text: str, image_share: float, has_content: bool = True) -> bool:
    """Whether a page's text must come from OCR.

    ``text``: its extracted text layer; ``image_share``: the share of the page area its images cover (0-1);
    ``has_content``: anything is drawn on it at all (a blank page needs nothing).

    Yes for a scan (images over at least half the page and under 200 usable characters, a stamp allowed),
    for a page with something drawn but next to no text (text turned into outlines, a small scan), and for a
    text layer that is mostly unreadable codes. No for a figure with a caption, or a blank page.
    """
    usable = usable_chars(text)
    if image_share >= SCAN_MIN_IMAGE_SHARE and usable < SCAN_MAX_CHARS:
        return True
    if usable < NO_TEXT_CHARS:
        return has_content or image_share > 0
    # punctuation is neutral (contents pages are mostly dot leaders); only codes nobody can read count against
    unreadable = len(re.findall(r"\(cid:\d+\)", text)) + sum(
        1 for c in text if c == "\ufffd" or unicodedata.category(c) == "Co"
    )
    return usable / (usable + unreadable) < MIN_USABLE_SHARE


def _image_names(resources: object, into: set[str]) -> None:
    """Names of image XObjects in ``resources`` and in the forms it contains (a scan is often wrapped in one)."""
    try:
        xobjects = resources.get("/XObject")  # type: ignore[attr-defined]
        xobjects = xobjects.get_object() if xobjects is not None else {}
    except AttributeError:
        return
    for name, ref in xobjects.items():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            into.add(name)
        elif obj.get("/Subtype") == "/Form" and "/Resources" in obj:
            _image_names(obj["/Resources"].get_object(), into)


def page_signals(page: object) -> tuple[str, float, bool]:
    """(text, image share, has content) of a pypdf page, for ``page_needs_ocr``."""
    images: set[str] = set()
    _image_names(page.get("/Resources", {}), images)  # type: ignore[attr-defined]
    drawn: list[float] = []

    def visit(op: bytes, args: list, cm: list[float], tm: list[float]) -> None:
        # an image is drawn into the unit square mapped by the current matrix: its area is |det(cm)|
        if op == b"Do" and args and args[0] in images:
            drawn.append(abs(cm[0] * cm[3] - cm[1] * cm[2]))

    try:
        text = page.extract_text(visitor_operand_before=visit)  # type: ignore[attr-defined]
    except Exception:  # a broken content stream: no usable text; OCR may still read the rendering
        text = ""
    box = page.mediabox  # type: ignore[attr-defined]
    area = max(1.0, float(box.width) * float(box.height))
    contents = page.get_contents()  # type: ignore[attr-defined]
    has_content = contents is not None and len(contents.get_data().strip()) > 0
    return text, min(1.0, sum(drawn) / area), has_content


def pages_needing_ocr(pdf: Path) -> list[int]:
    """0-based pages of ``pdf`` without a usable text layer."""
    from pypdf import PdfReader

    # pypdf logs font-parsing notes (e.g. "fontTools is required") per page; they say nothing about scans
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(pdf)
    return [i for i, page in enumerate(reader.pages) if page_needs_ocr(*page_signals(page))]


# ----------------------------------------------------------------------------------------- OCR


def ocr_pdf(src: Path, dst: Path, langs: str = DEFAULT_LANGS, pages: Sequence[int] | None = None) -> OcrResult:
    """Write to ``dst`` a copy of ``src`` whose given 0-based ``pages`` (default: those ``pages_needing_ocr``
    finds) carry a Tesseract text layer; the other pages are copied untouched. Raises OcrError (one line)
    when the tools are missing or ocrmypdf fails.

    A chosen page is treated as an image (``--force-ocr``): whatever text layer it had was unusable, so it is
    replaced, never doubled.
    """
    src, dst = Path(src), Path(dst)
    reason = ocr_available(langs)
    if reason:
        raise OcrError(reason)
    chosen = sorted(set(pages_needing_ocr(src) if pages is None else pages))
    started = time.perf_counter()
    if not chosen:
        shutil.copyfile(src, dst)
        return OcrResult(dst, (), 0.0, langs)
    cmd = [
        "ocrmypdf",
        "--quiet",
        "--language",
        langs,
        "--pages",
        ",".join(str(p + 1) for p in chosen),  # ocrmypdf counts from 1
        "--force-ocr",
        "--output-type",
        "pdf",  # not PDF/A: no Ghostscript rewrite of the whole file, the other pages stay byte-for-byte
        "--optimize",
        "0",
        "--jobs",
        str(min(len(chosen), os.cpu_count() or 1)),
        str(src),
        str(dst),
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60 + SECONDS_PER_PAGE * len(chosen))
    except subprocess.TimeoutExpired:
        raise OcrError(f"OCR of {len(chosen)} page(s) took over {SECONDS_PER_PAGE} s a page; stopped") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        raise OcrError(f"ocrmypdf failed (exit {done.returncode}): {lines[-1] if lines else 'no message'}")
    return OcrResult(dst, tuple(chosen), time.perf_counter() - started, langs)


def main() -> int:
    """``python -m journalqa.ingest.ocr``: one line on whether scanned pages can be read here (``make run`` prints it)."""
    from journalqa.config import Settings

    langs = Settings.from_env().ocr_langs
    reason = ocr_available(langs)
    print(reason or f"OCR ready: tesseract + ocrmypdf, languages {langs}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
