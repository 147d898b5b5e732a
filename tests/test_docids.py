"""Document ids are unique and stable: names in any script, look-alike names and same-stem files never
replace or hide another document (issue #14, defect 3), and a front-matter id cannot leave the corpus.

Real files, the real model and real index files (the ``workspace`` fixture of test_manage)."""

from __future__ import annotations

import pytest

from journalqa.index.build import index_status
from journalqa.index.manage import add_paths, document_text, list_documents, remove_documents
from journalqa.index.store import load_index
from journalqa.ingest import load_corpus_with_skips
from journalqa.ingest.docfile import is_doc_id, slugify
from tests.conftest import FIXTURE_CORPUS
from tests.pdfs import write_text_pdf


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Afghanistan and Taliban", "afghanistan-and-taliban"),
        ("Uzbekistan’s Foreign Policy in the Post-Soviet Period", "uzbekistans-foreign-policy-in-the"),
        ("Économie café", "economie-cafe"),
        ("Отчёт", "отчёт"),
        ("Анализ за 2023 год", "анализ-за-2023-год"),
        ("Қазақстан Республикасы", "қазақстан-республикасы"),
        ("über_große Straße", "uber-große-straße"),
        ("!!!", "document"),
    ],
)
def test_slug_keeps_letters_of_every_script(name, slug):
    assert slugify(name) == slug
    assert is_doc_id(slug)


@pytest.mark.parametrize("bad", ["../../x/README", "a/b", "a b", "", ".hidden", "x" * 81, "-x", "a--b", None, 3])
def test_doc_id_check_refuses_paths_and_junk(bad):
    assert not is_doc_id(bad)


def _chunks_of(settings, doc_id):
    return [c for c in load_index(settings.index_dir).chunks if c.doc_id == doc_id]


def test_names_without_latin_letters_each_get_their_own_id(workspace, tmp_path):
    settings, embedder = workspace
    report_ru = tmp_path / "Отчёт.md"
    report_ru.write_text("# Отчёт\n\nТорговля с Афганистаном выросла в 2021 году.\n", encoding="utf-8")
    analysis = tmp_path / "Анализ.md"
    analysis.write_text("# Анализ\n\nМиграция из Афганистана усилилась после 2021 года.\n", encoding="utf-8")
    kazakh = tmp_path / "Талдау.txt"
    kazakh.write_text("Ауғанстанмен сауда 2021 жылы өсті.\n", encoding="utf-8")
    report = add_paths(settings, [report_ru, analysis, kazakh], embedder=embedder, show_progress=False)
    assert sorted(report.sync.added) == ["анализ", "отчёт", "талдау"]
    assert not report.skipped
    assert {"анализ", "отчёт", "талдау"} <= {d.doc_id for d in list_documents(settings)}
    assert document_text(settings, "отчёт").title == "Отчёт"


def test_a_look_alike_name_does_not_displace_a_document(workspace, tmp_path):
    settings, embedder = workspace
    original = _chunks_of(settings, "pipeline")
    impostor = tmp_path / "upload.tmp"
    impostor.write_text("# Pipeline\n\nThe TAPI pipeline is coordinated by an impostor company.\n")
    report = add_paths(settings, [impostor], embedder=embedder, show_progress=False, names={impostor: "Pipeline.md"})
    assert [(r.original, r.stored, r.doc_id) for r in report.renamed] == [
        ("Pipeline.md", "Pipeline-2.md", "pipeline-2")
    ]
    assert report.sync.added == ["pipeline-2"] and "pipeline" in report.sync.unchanged
    assert _chunks_of(settings, "pipeline") == original
    assert (settings.corpus_dir / "pipeline.md").read_bytes() == (FIXTURE_CORPUS / "pipeline.md").read_bytes()
    assert index_status(settings).state == "fresh"


def test_a_front_matter_id_of_another_document_is_refused(workspace, tmp_path):
    settings, embedder = workspace
    clash = tmp_path / "other.md"
    clash.write_text('---\n{"doc_id": "pipeline", "title": "Other"}\n---\n\nSomething else entirely.\n')
    report = add_paths(settings, [clash], embedder=embedder, show_progress=False)
    assert "already used by pipeline.md" in report.rejected[0].reason
    assert not (settings.corpus_dir / "other.md").exists()


def test_same_stem_different_types_coexist_and_remove_says_what_it_removed(workspace, tmp_path):
    settings, embedder = workspace
    lake_txt = tmp_path / "lake.txt"
    lake_txt.write_text("Lake Balkhash is half fresh and half saline water, a rare case among lakes.\n")
    lake_pdf = write_text_pdf(tmp_path / "lake.pdf", pages=1, title="Lake notes")
    report = add_paths(settings, [lake_txt, lake_pdf], embedder=embedder, show_progress=False)
    assert sorted(report.sync.added) == ["lake", "lake-2"] and not report.skipped
    assert {d.doc_id: d.source_file for d in list_documents(settings)}["lake-2"] == "lake-2.pdf"
    pdf_chunks = _chunks_of(settings, "lake-2")

    removed, unknown, sync = remove_documents(settings, ["lake"], embedder=embedder)
    assert [(r.doc_id, r.source_file) for r in removed] == [("lake", "lake.txt")] and not unknown
    assert removed[0].chunks == 1 and str(removed[0]) == "lake (lake.txt, 1 chunks)"
    assert sync.removed == ["lake"]
    assert _chunks_of(settings, "lake-2") == pdf_chunks and not _chunks_of(settings, "lake")
    assert (settings.corpus_dir / "lake-2.pdf").exists()


def test_a_traversing_front_matter_id_is_refused_and_never_opened(workspace, tmp_path):
    settings, _ = workspace
    (settings.corpus_dir / "evil.md").write_text('---\n{"doc_id": "../../x/README"}\n---\n\nText.\n')
    docs, skipped = load_corpus_with_skips(settings.corpus_dir)
    assert "evil" not in {d.doc_id for d in docs}
    assert [s.path.name for s in skipped] == ["evil.md"] and "bad front matter" in skipped[0].reason
    for doc_id in ["../../x/README", "../pipeline", "evil"]:
        with pytest.raises(KeyError):
            document_text(settings, doc_id)


def test_document_text_finds_pdf_and_txt_documents(workspace, tmp_path):
    settings, embedder = workspace
    notes = tmp_path / "Field Notes.txt"
    notes.write_text("Field notes\n\nThe Termez crossing opened in 2021.\n")
    pdf = write_text_pdf(tmp_path / "corridors.pdf", pages=2)
    add_paths(settings, [notes, pdf], embedder=embedder, show_progress=False)
    assert "Termez crossing" in document_text(settings, "field-notes").text
    assert "Salang tunnel" in document_text(settings, "corridors").text


def test_an_over_long_file_name_is_shortened_and_the_batch_goes_on(workspace, tmp_path):
    settings, embedder = workspace
    first = tmp_path / "aral.md"
    first.write_text("# Aral\n\nThe Aral Sea shrank after the 1960s.\n")
    long_name = tmp_path / ("я" * 125 + ".md")  # 250 bytes of UTF-8
    long_name.write_text("# Долгое имя\n\nФайл с очень длинным именем тоже принимается.\n", encoding="utf-8")
    last = tmp_path / "zhetysu.md"
    last.write_text("# Zhetysu\n\nZhetysu lies south-east of Lake Balkhash.\n")
    report = add_paths(settings, [first, long_name, last], embedder=embedder, show_progress=False)
    assert not report.rejected
    stored = [p.name for p in report.accepted]
    assert stored[0] == "aral.md" and stored[2] == "zhetysu.md"
    assert len(stored[1].encode()) <= 200 and stored[1].endswith(".md")
    assert {"aral", "zhetysu", slugify("я" * 125)} <= set(report.sync.added)
    assert not list(settings.corpus_dir.glob(".*"))
    assert index_status(settings).state == "fresh"


def test_a_pdf_bomb_is_reported_as_too_large(tmp_path):
    from journalqa.ingest import IngestError, load_file
    from tests.pdfs import write_bomb_pdf

    bomb = write_bomb_pdf(tmp_path / "bomb.pdf", inflated_mb=100)
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(IngestError, match="too large"):
        load_file(bomb)
