import os

import pytest

from journalqa.ingest import IngestError, load_corpus_with_skips, load_file, looks_like_journal_issue, page_notices
from journalqa.ingest.ocr import ocr_available
from tests import scans
from tests.pdfs import write_encrypted_pdf, write_scanned_pdf, write_text_pdf, write_truncated_pdf

KNOWN_WORDS = ("reconciliation", "humanism", "medicines")  # in scans.KNOWN_TEXT["eng"]


def test_pdf_pages_keep_printed_labels_and_pdf_index(tmp_path):
    doc = load_file(write_text_pdf(tmp_path / "corridors.pdf", pages=3, first_label=41))
    assert doc.doc_id == "corridors" and doc.title == "Northern corridors"
    assert [p.page for p in doc.pages] == ["41", "42", "43"]
    assert doc.metadata["page_index"] == {"41": 0, "42": 1, "43": 2}
    assert not any(p.approximate for p in doc.pages)
    second = doc.pages[1]
    # the page mark sits where page 42's body begins; its running header "42  Regional Review  No. 7" is gone
    assert doc.text[second.offset :].startswith("Page 42 paragraph 0")
    assert "Regional Review" not in doc.text
    assert "Salang tunnel" in doc.text


def test_markdown_headings_become_sections(tmp_path):
    path = tmp_path / "brief.md"
    path.write_text("# Water sharing\n\nIntro text here.\n\n## Amu Darya\n\nQuotas were agreed.\n", encoding="utf-8")
    doc = load_file(path)
    assert doc.title == "Water sharing"
    assert [s.heading for s in doc.sections] == ["Water sharing", "Amu Darya"]
    assert doc.section_at(doc.text.index("Quotas")) == "Amu Darya"


def test_cp1251_text_is_detected(tmp_path):
    path = tmp_path / "note.txt"
    text = "Сотрудничество Казахстана и Афганистана в сфере торговли расширилось в 2021 году. " * 5
    path.write_bytes(text.encode("cp1251"))
    doc = load_file(path)
    assert "Казахстана" in doc.text


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: write_encrypted_pdf(d / "locked.pdf", write_text_pdf(d / "src.pdf")), "encrypted PDF"),
        (lambda d: write_truncated_pdf(d / "broken.pdf", write_text_pdf(d / "src.pdf")), "corrupt PDF"),
        (lambda d: _write(d / "empty.txt", b""), "empty file"),
        (lambda d: _write(d / "empty.pdf", b""), "empty file"),
        (lambda d: _write(d / "notes.docx", b"PK\x03\x04 not supported"), "unsupported file type .docx"),
        (lambda d: _write(d / "garbage.pdf", b"%PDF-1.7\n\x00\x01\x02 garbage"), "corrupt PDF"),
    ],
)
def test_bad_files_get_one_line_reasons(tmp_path, make, reason):
    path = make(tmp_path)
    with pytest.raises(IngestError) as info:
        load_file(path)
    assert reason in str(info.value) and "\n" not in str(info.value)


def _write(path, data):
    path.write_bytes(data)
    return path


def test_corpus_with_good_and_bad_files_lists_the_bad_ones(tmp_path, monkeypatch):
    _without_tesseract(monkeypatch, tmp_path)
    write_text_pdf(tmp_path / "good.pdf")
    (tmp_path / "notes.md").write_text("# Good\n\nFine text.\n", encoding="utf-8")
    write_scanned_pdf(tmp_path / "scan.pdf")
    (tmp_path / "empty.txt").write_bytes(b"")
    docs, skipped = load_corpus_with_skips(tmp_path)
    assert sorted(d.doc_id for d in docs) == ["good", "notes"]
    assert {s.path.name for s in skipped} == {"scan.pdf", "empty.txt"}
    scan = next(s for s in skipped if s.path.name == "scan.pdf")
    assert "no text layer" in scan.reason and "apt-get install tesseract-ocr" in scan.reason


def _without_tesseract(monkeypatch, tmp_path) -> None:
    # a machine without the OCR tools: an empty PATH, which ocr_available really looks in (not a mock)
    empty = tmp_path / "no-tools"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))


def _require_ocr() -> None:
    reason = ocr_available() or (f"scan tools missing: {scans.missing_tools()}" if scans.missing_tools() else None)
    if reason:  # make test installs them: a failure in CI, a skip on a laptop without them
        (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """A fully scanned one-page PDF and a three-page text PDF whose second page is a scan, of known English text."""
    _require_ocr()
    folder = tmp_path_factory.mktemp("scanned")
    one = scans.write_text_page_pdf(folder / "one.pdf", scans.KNOWN_TEXT["eng"])
    three = scans.write_text_page_pdf(folder / "three.pdf", scans.KNOWN_TEXT["eng"], pages=3)
    return {
        "full": scans.scan_pdf(one, folder / "full-scan.pdf", seed=3),
        "mixed": scans.replace_with_scans(three, folder / "mixed.pdf", [1], seed=5),
    }


def test_without_tesseract_a_scan_is_refused_with_the_install_line(scanned, tmp_path, monkeypatch):
    _without_tesseract(monkeypatch, tmp_path)
    with pytest.raises(IngestError) as info:
        load_file(scanned["full"], ocr_cache=tmp_path / "cache")
    reason = str(info.value)
    assert "no text layer" in reason and "\n" not in reason
    assert {"tesseract-ocr", "ocrmypdf"} <= set(reason.split("apt-get install", 1)[1].split())


def test_without_tesseract_scanned_pages_are_left_out_with_a_line_saying_so(scanned, tmp_path, monkeypatch):
    _without_tesseract(monkeypatch, tmp_path)
    doc = load_file(scanned["mixed"], ocr_cache=tmp_path / "cache")
    # the pages print no number: they are named by their place in the PDF (#30), never by a guessed label
    assert doc.metadata["pages_without_text"] == ["PDF p. 2"] and doc.metadata["ocr_pages"] == []
    assert [(p.page, p.pdf_page) for p in doc.pages] == [("", 1), ("", 3)]  # the text pages are indexed
    (notice,) = page_notices([doc], scanned["mixed"].parent)
    assert notice.path == scanned["mixed"]
    assert "1 page (PDF p. 2) without a text layer left out" in notice.reason and "apt-get install" in notice.reason


@pytest.mark.slow  # Tesseract on two pages, ~15 s on the shared cores
def test_a_scanned_pdf_is_ocred_and_cached(scanned, tmp_path):
    doc = load_file(scanned["full"], ocr_langs="eng", ocr_cache=tmp_path / "cache")
    assert doc.metadata["ocr_pages"] == ["PDF p. 1"] and doc.metadata["pages_without_text"] == []
    assert all(word in doc.text for word in KNOWN_WORDS), doc.text[:300]
    assert len(list((tmp_path / "cache").glob("*.pdf"))) == 1
    again = load_file(scanned["full"], ocr_langs="eng", ocr_cache=tmp_path / "cache")  # read from the cache
    assert again.text == doc.text
    (notice,) = page_notices([doc], scanned["full"].parent)
    assert notice.reason == "1 page (PDF p. 1) read by OCR (eng)"


@pytest.mark.slow
def test_scanned_pages_inside_a_text_pdf_are_ocred_in_place(scanned, tmp_path):
    doc = load_file(scanned["mixed"], ocr_cache=tmp_path / "cache")  # Settings' default languages eng+rus+kaz
    assert doc.metadata["ocr_pages"] == ["PDF p. 2"] and doc.metadata["pages_without_text"] == []
    assert [p.pdf_page for p in doc.pages] == [1, 2, 3]
    second = doc.text[doc.pages[1].offset : doc.pages[2].offset]
    assert all(word in second for word in KNOWN_WORDS), second[:300]


def test_journal_issue_detection():
    sample = (
        "8 Kazakhstan Journal of Foreign Studies • №1\nA B S T R A C T\n39№1 • Kazakhstan Journal of Foreign Studies"
    )
    assert looks_like_journal_issue(sample)
    assert not looks_like_journal_issue("An ordinary report about trade.")
