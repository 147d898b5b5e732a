"""Adding, updating and removing documents on real files, with the real model and real index files."""

from __future__ import annotations

import pytest

from journalqa.index.build import IndexBusy, index_lock, index_status, sync_index
from journalqa.index.manage import add_paths, list_documents, remove_documents, safe_name
from journalqa.index.store import load_index
from tests.conftest import FIXTURE_CORPUS
from tests.pdfs import write_encrypted_pdf, write_scanned_pdf, write_text_pdf


def test_unchanged_files_are_not_re_embedded(workspace, tmp_path):
    settings, embedder = workspace
    before = load_index(settings.index_dir)
    report = add_paths(settings, [FIXTURE_CORPUS / "pipeline.md"], embedder=embedder, show_progress=False)
    assert embedder.texts == 0
    assert report.sync.unchanged == ["migration", "pipeline"] and not report.sync.written
    new = tmp_path / "water.md"
    new.write_text("# Water sharing\n\nThe Amu Darya quotas were agreed in 1987 by the five republics.\n")
    report = add_paths(settings, [new], embedder=embedder, show_progress=False)
    after = load_index(settings.index_dir)
    assert report.sync.added == ["water"]
    assert embedder.texts == report.sync.embedded_chunks == 1
    old_ids = [c.chunk_id for c in before.chunks]
    assert [c.chunk_id for c in after.chunks if c.doc_id != "water"] == old_ids
    assert (after.dense.reconstruct_n(0, len(old_ids)) == before.dense.reconstruct_n(0, len(old_ids))).all()


def test_edited_file_replaces_its_chunks(workspace, tmp_path):
    settings, embedder = workspace
    edited = tmp_path / "pipeline.md"
    edited.write_text((FIXTURE_CORPUS / "pipeline.md").read_text().replace("Asian Development Bank", "World Bank"))
    report = add_paths(settings, [edited], embedder=embedder, show_progress=False)
    assert report.sync.updated == ["pipeline"] and report.sync.unchanged == ["migration"]
    texts = " ".join(c.text for c in load_index(settings.index_dir).chunks)
    assert "World Bank" in texts and "Asian Development Bank" not in texts
    assert embedder.texts == sum(1 for c in load_index(settings.index_dir).chunks if c.doc_id == "pipeline")


def test_same_content_under_another_name_is_a_duplicate(workspace, tmp_path):
    settings, embedder = workspace
    copy = tmp_path / "copy-of-pipeline.md"
    copy.write_bytes((FIXTURE_CORPUS / "pipeline.md").read_bytes())
    report = add_paths(settings, [copy], embedder=embedder, show_progress=False)
    assert [s.path.name for s in report.duplicates] == ["copy-of-pipeline.md"]
    assert "same content as pipeline.md" in report.duplicates[0].reason
    assert not (settings.corpus_dir / "copy-of-pipeline.md").exists()


def test_remove_deletes_chunks_from_dense_bm25_and_store(workspace):
    settings, embedder = workspace
    removed, unknown, sync = remove_documents(settings, ["pipeline", "nope"], embedder=embedder)
    assert [r.doc_id for r in removed] == ["pipeline"] and unknown == ["nope"] and embedder.texts == 0
    data = load_index(settings.index_dir)
    assert {c.doc_id for c in data.chunks} == {"migration"}
    assert data.dense.ntotal == len(data.chunks) == data.bm25.scores["num_docs"]
    tokens = data.bm25_tokenizer.tokenize(["TAPI pipeline"], update_vocab=False, return_as="ids", show_progress=False)
    assert not tokens[0] or data.bm25.get_scores(tokens[0]).max() == 0
    assert [d.doc_id for d in list_documents(settings)] == ["migration"]
    assert index_status(settings).state == "fresh"


def test_folder_with_good_and_bad_files(workspace, tmp_path, monkeypatch):
    settings, embedder = workspace
    # no OCR tools on PATH (a real condition): the drawings-only scan is refused with what to install
    (tmp_path / "no-tools").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    folder = tmp_path / "incoming"
    folder.mkdir()
    write_text_pdf(folder / "corridors.pdf", pages=2)
    write_encrypted_pdf(folder / "locked.pdf", folder / "corridors.pdf")
    write_scanned_pdf(folder / "scan.pdf")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "slides.pptx").write_bytes(b"PK")
    (folder / "report.txt").write_bytes("Отчёт о торговле с Афганистаном за 2021 год. ".encode("cp1251") * 4)
    before = load_index(settings.index_dir).chunks
    report = add_paths(settings, [folder], embedder=embedder, show_progress=False)
    reasons = {s.path.name: s.reason for s in report.skipped}
    assert set(reasons) == {"locked.pdf", "scan.pdf", "empty.txt", "slides.pptx"}
    assert "encrypted" in reasons["locked.pdf"] and "apt-get install tesseract-ocr" in reasons["scan.pdf"]
    assert "empty" in reasons["empty.txt"] and "unsupported" in reasons["slides.pptx"]
    assert sorted(report.sync.added) == ["corridors", "report"]
    after = load_index(settings.index_dir).chunks
    assert [c for c in after if c.doc_id in {"migration", "pipeline"}] == before
    corridors = [c for c in after if c.doc_id == "corridors"]
    assert corridors[0].page in {"41", "41–42"} and not corridors[0].page_approximate


def test_size_limit_and_unsafe_names(workspace, tmp_path):
    settings, embedder = workspace
    big = tmp_path / "big.txt"
    big.write_text("word " * 300_000)
    report = add_paths(settings.replace(max_upload_mb=1), [big], embedder=embedder, show_progress=False)
    assert "over the 1 MB limit" in report.rejected[0].reason
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\..\\evil.md") == "evil.md"
    assert safe_name(".hidden.md") == "hidden.md"
    upload = tmp_path / "upload.tmp"
    upload.write_text("# Escape\n\nTrying to leave the corpus folder.\n")
    report = add_paths(settings, [upload], embedder=embedder, show_progress=False, names={upload: "../../escape.md"})
    assert (settings.corpus_dir / "escape.md").exists() and not (tmp_path / "escape.md").exists()


def test_second_writer_fails_clearly_while_the_lock_is_held(workspace):
    settings, embedder = workspace
    with index_lock(settings.index_dir), pytest.raises(IndexBusy) as info:
        sync_index(settings.replace(lock_timeout=0.3), embedder, show_progress=False)
    assert "being written" in str(info.value)


@pytest.mark.slow  # Tesseract on one page
def test_a_scanned_pdf_is_added_through_ocr_and_listed(workspace, tmp_path, monkeypatch):
    from journalqa.ingest.ocr import ocr_available
    from tests import scans

    if ocr_available() or scans.missing_tools():
        pytest.skip(ocr_available() or f"scan tools missing: {scans.missing_tools()}")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the OCR'd copy goes here, not to ~/.cache
    settings, embedder = workspace
    text = scans.write_text_page_pdf(tmp_path / "foreword.pdf", scans.KNOWN_TEXT["eng"])
    scan = scans.scan_pdf(text, tmp_path / "scanned-foreword.pdf", seed=11)
    report = add_paths(settings, [scan], embedder=embedder, show_progress=False)
    assert not report.skipped and report.sync.added == ["scanned-foreword"]
    assert [n.reason for n in report.sync.notices] == ["1 page (PDF p. 1) read by OCR (eng+rus+kaz)"]
    chunks = [c for c in load_index(settings.index_dir).chunks if c.doc_id == "scanned-foreword"]
    assert "reconciliation" in " ".join(c.text for c in chunks)
    info = next(d for d in list_documents(settings) if d.doc_id == "scanned-foreword")
    assert info.ocr_pages == ["PDF p. 1"] and info.pages_without_text == []  # it prints no page number
