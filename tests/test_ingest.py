import pytest

from journalqa.ingest import IngestError, load_corpus_with_skips, load_file, looks_like_journal_issue
from tests.pdfs import write_encrypted_pdf, write_scanned_pdf, write_text_pdf, write_truncated_pdf


def test_pdf_pages_keep_printed_labels_and_pdf_index(tmp_path):
    doc = load_file(write_text_pdf(tmp_path / "corridors.pdf", pages=3, first_label=41))
    assert doc.doc_id == "corridors" and doc.title == "Northern corridors"
    assert [p.page for p in doc.pages] == ["41", "42", "43"]
    assert doc.metadata["page_index"] == {"41": 0, "42": 1, "43": 2}
    assert not any(p.approximate for p in doc.pages)
    second = doc.pages[1]
    assert doc.text[second.offset :].startswith("42")
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
        (lambda d: write_scanned_pdf(d / "scan.pdf"), "OCR"),
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


def test_corpus_with_good_and_bad_files_lists_the_bad_ones(tmp_path):
    write_text_pdf(tmp_path / "good.pdf")
    (tmp_path / "notes.md").write_text("# Good\n\nFine text.\n", encoding="utf-8")
    write_scanned_pdf(tmp_path / "scan.pdf")
    (tmp_path / "empty.txt").write_bytes(b"")
    docs, skipped = load_corpus_with_skips(tmp_path)
    assert sorted(d.doc_id for d in docs) == ["good", "notes"]
    assert {s.path.name for s in skipped} == {"scan.pdf", "empty.txt"}


def test_journal_issue_detection():
    sample = (
        "8 Kazakhstan Journal of Foreign Studies • №1\nA B S T R A C T\n39№1 • Kazakhstan Journal of Foreign Studies"
    )
    assert looks_like_journal_issue(sample)
    assert not looks_like_journal_issue("An ordinary report about trade.")
