"""Issue #30 on real PDFs from Debian packages (calibration documents, tests/realpdfs.py): printed page numbers,
titles and authors from the page, draft lines and watermarks, prose read as prose, listings as code sections."""

from __future__ import annotations

import inspect
import re
import shutil
from pathlib import Path

import pytest

from journalqa.index.chunk import chunk_document
from journalqa.ingest.pdf import pdf_document, tesseract_ocr
from journalqa.ingest.pdf_layout import read_pages
from journalqa.search.retrieve import HybridSearch
from journalqa.types import Document, format_authors, page_name

from .realpdfs import real_pdf

CACHED: dict[str, Document] = {}


def doc(name: str) -> Document:
    if name not in CACHED:
        CACHED[name] = pdf_document(real_pdf(name), name)
    return CACHED[name]


def squash(text: str) -> str:
    return " ".join(text.split())


# --- printed page numbers -------------------------------------------------------------------------------------


def test_a_pdf_without_page_labels_is_cited_by_the_numbers_its_pages_print() -> None:
    tug = doc("tugboat-babelbib")  # TUGboat prints 1001-1010 in its running heads and sets no /PageLabels
    assert [(m.page, m.pdf_page) for m in tug.pages] == [(str(1000 + n), n) for n in range(1, 11)]
    chunks = chunk_document(tug)
    quote = "If you use babamspl, you have to load the package with the option languagenames"
    chunk = next(c for c in chunks if quote in squash(c.text))
    assert chunk.page is not None and chunk.page.startswith("100")  # the printed label is what is cited ...
    assert chunk.pdf_page == str(int(chunk.page[:4]) - 1000)  # ... and the PDF's own page travels with it
    assert page_name(chunk.page, chunk.pdf_page) == f"p. {chunk.page}"


def test_pages_printing_no_number_are_shown_as_pdf_pages_never_as_a_guessed_label(tmp_path: Path) -> None:
    reportlab = pytest.importorskip("reportlab.pdfgen.canvas")
    path = tmp_path / "unnumbered.pdf"
    pdf = reportlab.Canvas(str(path))
    for n in range(3):
        for k in range(30):
            pdf.drawString(72, 720 - 14 * k, f"Line {k} of an unnumbered page about topic {'abc'[n]} and its details.")
        pdf.showPage()
    pdf.save()
    unnumbered = pdf_document(path, "unnumbered")
    assert [(m.page, m.pdf_page) for m in unnumbered.pages] == [("", 1), ("", 2), ("", 3)]
    chunk = chunk_document(unnumbered)[0]
    assert chunk.page is None and chunk.pdf_page == "1"
    assert page_name(chunk.page, chunk.pdf_page) == "PDF p. 1"


def test_a_scan_of_printed_pages_12_to_14_is_cited_as_12_to_14(tmp_path: Path) -> None:
    if not shutil.which("tesseract") or not shutil.which("ocrmypdf"):
        pytest.skip("Tesseract / ocrmypdf missing (make test installs them)")
    scan = pdf_document(real_pdf("scan-strucchange-12-14"), "scan", ocr=tesseract_ocr("eng", tmp_path))
    assert scan.metadata["ocr_pages"] == ["12", "13", "14"]
    assert [(m.page, m.pdf_page) for m in scan.pages] == [("12", 1), ("13", 2), ("14", 3)]
    assert (
        scan.title == "scan-strucchange-12-14"
    )  # an OCR'd page has no type sizes to find a title by: the file name, not a formula


def test_on_a_scan_the_page_numbers_win_over_numbered_footnotes(tmp_path: Path) -> None:
    if not shutil.which("tesseract") or not shutil.which("ocrmypdf"):
        pytest.skip("Tesseract / ocrmypdf missing (make test installs them)")
    # each page's foot note opens with the next number (2, 3, 4): a run as regular as the page numbers' 14-16
    scan = pdf_document(real_pdf("scan-rintro-20-22"), "scan", ocr=tesseract_ocr("eng", tmp_path))
    assert [(m.page, m.pdf_page) for m in scan.pages] == [("14", 1), ("15", 2), ("16", 3)]
    # Tesseract's text layer stretches every glyph of a word to one width, so its "m" is as wide as its "i": that
    # must not make a scan's prose a monospace listing (kind "code" is never quoted; a whole scanned article was)
    assert [m.kind for m in scan.sections if m.kind == "code"] == []
    assert "technically known as objects" in scan.text


# --- title and authors ----------------------------------------------------------------------------------------


def test_title_and_authors_come_from_the_first_page() -> None:
    tug = doc("tugboat-babelbib")  # no /Title; nothing set larger than the text: the bold lines that open the page
    assert tug.title == "Multilingual Bibliographies: Using and extending the babelbib package"
    assert tug.metadata["authors"] == ["Harald Harders"]
    struc = doc("strucchange-intro")  # four names on one line, set apart by wide gaps
    assert struc.metadata["authors"] == ["Achim Zeileis", "Friedrich Leisch", "Kurt Hornik", "Christian Kleiber"]
    assert chunk_document(struc)[0].authors == "Achim Zeileis et al."
    russian = doc("texlive-ru")  # "Редактор: Карл Берри"
    assert russian.title == "Руководство пользователя TEX Live — 2021"
    assert russian.metadata["authors"] == ["Карл Берри"]
    assert format_authors(["A. Smith", "B. Jones"]) == "A. Smith and B. Jones"


# --- running lines, draft lines and watermarks ----------------------------------------------------------------


def test_draft_lines_running_heads_and_the_watermark_are_gone() -> None:
    tug = doc("tugboat-babelbib")
    assert "preliminary draft" not in tug.text  # on every page, top and foot, and above the title
    assert "TUGboat, Volume 0" not in tug.text
    assert not tug.title.startswith("preliminary")
    # the grey, slanted "draft" across every page is kept out of the reading order ...
    assert all("draft" in page.aside for page in read_pages(real_pdf("tugboat-babelbib")))
    # ... so its letters no longer cut the columns into bands read across each other
    assert "The restriction to one bibliography language is avoided by the packages bibgerm and babelbib." in squash(
        tug.text
    )
    assert not re.search(r"\n[drafts]\n", tug.text)


# --- prose is prose --------------------------------------------------------------------------------------------


def test_wide_gaps_of_justified_lines_are_not_table_cells() -> None:
    sandwich = doc("sandwich-CL")  # a justified reference line was three cells: "versity, | New York. | URL ..."
    assert "New York. | URL" not in sandwich.text
    tug = doc("tugboat-babelbib")
    assert "E 1–E 120. | Springer" not in tug.text
    assert "Seiten E 1–E 120. Springer-Verlag" in squash(tug.text)


def test_glyph_codes_of_tex_fonts_and_their_accents_are_letters() -> None:
    struc = doc("strucchange-intro")  # fonts without a Unicode map: ligatures came out as control codes
    assert "modified version of Zeileis" in squash(struc.text)
    assert "generalized fluctuation test" in squash(struc.text)
    assert "modi ed" not in struc.text and " uctuation" not in struc.text
    lamport = doc("lamport-manual")  # OT1 fonts set the umlaut as a glyph of its own before the letter
    assert "Martin Schröder" in lamport.text
    assert "Schr¨oder" not in lamport.text and "o\u0308" not in lamport.text


def test_an_astral_character_is_one_character_not_two_surrogates() -> None:
    russian = doc("texlive-ru")  # the guide writes ε-TEX with U+1D700, which PDFium hands over as two halves
    assert not re.search("[\ud800-\udfff]", russian.text)
    russian.text.encode("utf-8")  # the crash of `journalqa add`: "surrogates not allowed"
    assert "ε-TEX" in russian.text


# --- code ------------------------------------------------------------------------------------------------------


def test_listings_are_code_sections_searched_but_apart_from_prose() -> None:
    tug = doc("tugboat-babelbib")
    listing = tug.text.index("\\def\\btxlanguagenamefrenchb{%")
    assert tug.kind_at(listing) == "code"
    assert tug.kind_at(tug.text.index("The package babelbib provides solutions for both problems")) == "body"
    # a path in typewriter type that ends a sentence is part of that sentence
    assert tug.kind_at(tug.text.index("contrib/babelbib/.")) == "body"
    struc = doc("strucchange-intro")  # R code in an unnamed font: monospace by its glyph widths
    assert struc.kind_at(struc.text.index("> plot(ocus, boundary = FALSE)\n> lines(bound.ocus")) == "code"
    assert "code" in inspect.signature(HybridSearch).parameters["kinds"].default


def test_words_are_joined_by_the_fonts_own_spacing_not_a_fixed_gap(tmp_path: Path) -> None:
    """Letter-spaced type (0.1-0.3 em between letters) read as words, not letters ("b e taken"). No calibration PDF
    shows the defect, so the PDF is made here; the calibration PDFs read word for word as before (docs/realdocs.md)."""
    reportlab = pytest.importorskip("reportlab.pdfgen.canvas")
    path = tmp_path / "spaced.pdf"
    pdf = reportlab.Canvas(str(path))
    sentence = "the operating system depends on it to be taken seriously"
    for k, spacing in enumerate([0.0, 1.0, 2.0, 3.0]):
        text = pdf.beginText(72, 700 - 30 * k)
        text.setFont("Times-Roman", 10)
        text.setCharSpace(spacing)
        text.textLine(sentence)
        pdf.drawText(text)
    pdf.save()
    assert [line.text for line in read_pages(path)[0].lines] == [sentence] * 4


def test_a_pdf_chunk_keeps_its_pages_and_authors_through_a_llama_index_node() -> None:
    pytest.importorskip("llama_index.core")
    from journalqa.index.nodes import chunk_to_node, node_to_chunk

    chunk = chunk_document(doc("tugboat-babelbib"))[3]
    assert chunk.pdf_page and chunk.authors == "Harald Harders"
    assert node_to_chunk(chunk_to_node(chunk)) == chunk  # what Milvus / Qdrant give back is the same chunk
