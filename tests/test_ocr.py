"""OCR of scanned pages with the real tools (Debian tesseract-ocr + eng/rus/kaz, ocrmypdf; ``make test`` installs
them): scans made from real pages with pdftoppm + img2pdf, read back and graded by character accuracy.

Measured 2026-12-01 on the shared 2-core machine (evals/realdocs/bench_ocr.py): character accuracy 0.980 (eng),
0.991 (rus), 0.991 (kaz); the floors below leave a margin for Tesseract versions and load.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from journalqa.config import Settings
from journalqa.ingest.ocr import OcrError, ocr_available, ocr_pdf, page_needs_ocr, pages_needing_ocr, usable_chars
from tests import scans

ROOT = Path(__file__).resolve().parents[1]
REALDOCS = ROOT / ".cache" / "realdocs"
ACCURACY_FLOOR = {"eng": 0.95, "rus": 0.95, "kaz": 0.95}
KNOWN_WORDS = {
    "eng": ["Afghanistan", "reconciliation", "humanism", "medicines"],
    "rus": ["Афганистан", "примирения", "гуманизма", "лекарств"],
    "kaz": ["Қазақстан", "ұлттық", "көмектің", "дәрі-дәрмек"],
}
LANGS = tuple(KNOWN_WORDS)


def _require(reason: str | None) -> None:
    # In CI the tools are installed by `make test`: their absence is a failure there, a skip on a laptop.
    if reason:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)


def _page_text(pdf: Path, page: int) -> str:
    return PdfReader(pdf).pages[page].extract_text() or ""


def _words(text: str) -> set[str]:
    return {w.lower() for w in scans.normalise(text).replace("-", " ").split() if len(w) >= 4 and w.isalpha()}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> dict[str, object]:
    """One fully scanned PDF, OCR'd once for the tests below: the known eng / rus / kaz pages, then a page of the
    rendered journal issue (two columns) and, when fetched, the first page of sandwich-CL.pdf (a real paper)."""
    _require(ocr_available() or (f"scan tools missing: {scans.missing_tools()}" if scans.missing_tools() else None))
    from evals.realdocs.render_journal_pdf import render_issue

    tmp = tmp_path_factory.mktemp("scans")
    sources: list[tuple[Path, int, str | None]] = []  # (pdf, page, known text or None = its own text layer)
    for lang in LANGS:
        sources.append(
            (scans.write_text_page_pdf(tmp / f"{lang}.pdf", scans.KNOWN_TEXT[lang]), 0, scans.KNOWN_TEXT[lang])
        )
    issue = render_issue(tmp / "issue.pdf")
    sources.append((issue.path, issue.by_label(22).index, None))
    sandwich = REALDOCS / "sandwich-CL.pdf"
    if sandwich.exists():
        sources.append((sandwich, 0, None))
    pages = []
    for n, (pdf, page, _) in enumerate(sources):
        pages.append(tmp / f"page{n}.jpg")
        pages[-1].write_bytes(scans.degrade(scans.rasterise(pdf, page), seed=n))
    full = tmp / "scanned.pdf"
    subprocess.run(["img2pdf", "--output", str(full), *map(str, pages)], check=True)
    result = ocr_pdf(full, tmp / "ocred.pdf")
    truths = [text if text is not None else _page_text(pdf, page) for pdf, page, text in sources]
    return {"src": full, "result": result, "truths": truths, "count": len(sources)}


@pytest.mark.slow  # real OCR runs: ~1.5 min of the two shared cores in all
def test_a_fully_scanned_pdf_has_every_page_found_and_ocred(scanned) -> None:
    src, result = scanned["src"], scanned["result"]
    assert pages_needing_ocr(src) == list(range(scanned["count"]))
    assert result.pages == tuple(range(scanned["count"]))
    assert pages_needing_ocr(result.dst) == []  # the copy now has a usable text layer everywhere
    # the target of the issue: at least a page per 10 s on two shared cores
    assert result.seconds_per_page < 10, f"{result.seconds_per_page:.1f} s per page"


@pytest.mark.slow
@pytest.mark.parametrize("n, lang", list(enumerate(LANGS)))
def test_ocr_reads_english_russian_and_kazakh(scanned, n: int, lang: str) -> None:
    text = _page_text(scanned["result"].dst, n)
    accuracy = scans.char_accuracy(text, scans.KNOWN_TEXT[lang])
    assert accuracy >= ACCURACY_FLOOR[lang], f"{lang}: character accuracy {accuracy:.3f}"
    for word in KNOWN_WORDS[lang]:
        assert word in scans.normalise(text), f"{lang}: {word!r} not read"


@pytest.mark.slow
def test_ocr_reads_real_pages_two_columns_and_a_paper(scanned) -> None:
    dst = scanned["result"].dst
    for n in range(len(LANGS), scanned["count"]):
        truth = _words(scanned["truths"][n])
        read = _words(_page_text(dst, n))
        recall = len(truth & read) / len(truth)
        assert len(truth) > 100 and recall >= 0.9, f"page {n}: {recall:.3f} of {len(truth)} words read"


@pytest.mark.slow
def test_ocr_text_layer_has_positions_where_the_words_are_printed(scanned) -> None:
    # The first line of the known English page is printed near the top of the page: a text layer laid over
    # the image at the words' places, not a blob at the origin, so the layout extractor can read it.
    page = PdfReader(scanned["result"].dst).pages[0]
    heights: dict[str, float] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        for word in text.split():
            heights.setdefault(word, cm[5] + tm[5] * cm[3])

    page.extract_text(visitor_text=visit)
    top, bottom = heights.get("After"), heights.get("medicines.") or heights.get("medicines")
    assert top is not None and bottom is not None, sorted(heights)[:20]
    assert top > float(page.mediabox.height) * 0.75 > bottom > float(page.mediabox.height) * 0.4


@pytest.mark.slow
def test_text_pdf_with_two_scanned_pages_gets_exactly_those_ocred(tmp_path) -> None:
    _require(ocr_available() or (f"scan tools missing: {scans.missing_tools()}" if scans.missing_tools() else None))
    text_pdf = scans.write_text_page_pdf(tmp_path / "text.pdf", scans.KNOWN_TEXT["eng"], pages=5)
    mixed = scans.replace_with_scans(text_pdf, tmp_path / "mixed.pdf", [1, 3], seed=7)
    assert [bool(_page_text(mixed, p).strip()) for p in range(5)] == [True, False, True, False, True]
    assert pages_needing_ocr(mixed) == [1, 3]

    result = ocr_pdf(mixed, tmp_path / "ocred.pdf")
    assert result.pages == (1, 3)
    before, after = PdfReader(mixed), PdfReader(result.dst)
    assert len(after.pages) == 5
    for p in (0, 2, 4):  # text pages untouched: same drawing instructions, same text
        assert after.pages[p].get_contents().get_data() == before.pages[p].get_contents().get_data()
    for p in (1, 3):
        accuracy = scans.char_accuracy(_page_text(result.dst, p), scans.KNOWN_TEXT["eng"])
        assert accuracy >= ACCURACY_FLOOR["eng"], f"page {p}: {accuracy:.3f}"


@pytest.mark.slow
def test_born_digital_pdfs_need_no_ocr() -> None:
    pdfs = sorted(REALDOCS.glob("*.pdf"))
    if not pdfs:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("no real PDFs: run `make realdocs`")
    # the bench's own scans (made with pdftoppm + img2pdf, SOURCES.json records the recipe) are meant to need OCR
    sources = json.loads((REALDOCS / "SOURCES.json").read_text(encoding="utf-8"))
    scans = {name for name, source in sources.items() if source.get("recipe", "").startswith("pdftoppm")}
    assert scans, "the bench's scans are missing from SOURCES.json"
    for scan in scans:  # and each of them is recognised as one
        assert pages_needing_ocr(REALDOCS / scan), scan
    pdfs = [pdf for pdf in pdfs if pdf.name not in scans]
    for pdf in pdfs:  # contents pages with dot leaders, indexes, figures: none of them is a scan
        assert pages_needing_ocr(pdf) == [], pdf.name


@pytest.mark.parametrize(
    "text, image_share, has_content, expected",
    [
        ("", 1.0, True, True),  # a scan
        ("Downloaded from archive.example.org on 12 May 2020 by a reader of this journal", 0.98, True, True),
        ("", 0.0, True, True),  # drawn but no text: text as outlines
        ("", 0.0, False, False),  # a blank page
        ("Figure 3. Trade between Kazakhstan and Afghanistan, 2015-2021, million US dollars. " * 4, 0.6, True, False),
        ("Introduction . . . . . . . . . . . . . . . . . . 3\nPreliminaries . . . . . . . . . 5" * 3, 0.0, True, False),
        ("\ue001\ue002\ue003 \ue004\ue005" * 40 + " ok", 0.0, True, True),  # fonts without a Unicode map
        ("(cid:12)(cid:7)(cid:44) " * 60, 0.0, True, True),
        ("A page of ordinary born-digital text. " * 20, 0.0, True, False),
    ],
)
def test_page_needs_ocr(text: str, image_share: float, has_content: bool, expected: bool) -> None:
    assert page_needs_ocr(text, image_share, has_content) is expected


def test_usable_chars_ignores_codes_nobody_can_read() -> None:
    assert usable_chars("Kazakhstan 2022 (cid:12) \ufffd\ue000 ...") == len("Kazakhstan2022")


def test_ocr_available_names_the_debian_packages_when_tools_are_missing(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", "")  # the binaries are really not reachable, as on a machine without them
    message = ocr_available("eng+rus+kaz")
    assert message is not None and "\n" not in message
    for package in ("tesseract-ocr", "ocrmypdf", "tesseract-ocr-rus", "tesseract-ocr-kaz"):
        assert package in message.split("apt-get install", 1)[1].split()
    with pytest.raises(OcrError, match="apt-get install"):
        ocr_pdf(tmp_path / "any.pdf", tmp_path / "out.pdf")


def test_ocr_available_names_a_missing_language_pack() -> None:
    _require(ocr_available())
    message = ocr_available("eng+chi_sim")  # simplified Chinese: a real pack this machine does not have
    assert message is not None and message.endswith("apt-get install tesseract-ocr-chi-sim")


def test_ocr_languages_come_from_the_setting() -> None:
    assert Settings().ocr_langs == "eng+rus+kaz"
    assert Settings.from_env({"JOURNALQA_OCR_LANGS": "eng+rus"}).ocr_langs == "eng+rus"
