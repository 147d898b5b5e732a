"""Adding documents under attack, round 3 (issue #29, items 4, 6, 7, 9): look-alike ids and titles, the writer
lock held only to merge and swap, skip reasons without internals, corpus file modes.

Real files, the real model, real index files and the real lock."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile

from journalqa.assistant import Assistant
from journalqa.config import Settings
from journalqa.index.build import index_lock, index_status
from journalqa.index.manage import add_paths, list_documents, remove_documents
from journalqa.index.store import load_index
from journalqa.ingest import load_file
from journalqa.ingest.docfile import skeleton
from tests.conftest import FIXTURE_CORPUS, ROOT


def _doc(path, title, body):  # noqa: ANN001, ANN202
    path.write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------- 4: look-alikes


def test_skeletons_join_look_alikes_and_keep_other_words_apart():
    assert skeleton("fоreword") == skeleton("foreword")  # Cyrillic о
    assert skeleton("afghаnistаn-аnd-tаlibаn") == skeleton("afghanistan-and-taliban")  # Cyrillic а
    assert skeleton("1ake") == skeleton("lake") and skeleton("rnodern") == skeleton("modern")
    assert skeleton("отчёт") != skeleton("анализ") and skeleton("lake") != skeleton("lake-2")


def test_a_look_alike_id_is_refused_naming_the_document_it_imitates(workspace, tmp_path):
    settings, embedder = workspace
    fake = _doc(tmp_path / "Pipelinе.md", "Pipeline", "The TAPI pipeline is coordinated by Mickey Mouse.")  # Cyrillic е
    report = add_paths(settings, [fake], embedder=embedder, show_progress=False)
    assert [s.reason for s in report.rejected] == [
        "its id 'pipelinе' looks the same as the id of 'pipeline' (pipeline.md); rename the file"
    ]
    assert not report.accepted and not (settings.corpus_dir / "Pipelinе.md").exists()
    assert "pipelinе" not in {d.doc_id for d in list_documents(settings)}


def test_look_alike_titles_are_shown_with_their_ids(workspace, tmp_path):
    settings, embedder = workspace
    original = {d.doc_id: d.title for d in list_documents(settings)}["pipeline"]
    twin_title = original.replace("e", "е", 1)  # one Cyrillic е: reads the same
    assert twin_title != original
    twin = _doc(tmp_path / "notes.md", twin_title, "The TAPI pipeline is coordinated by Mickey Mouse.")
    add_paths(settings, [twin], embedder=embedder, show_progress=False)
    titles = {d.doc_id: d.title for d in list_documents(settings)}
    assert titles["pipeline"] == f"{original} (pipeline)" and titles["notes"] == f"{twin_title} (notes)"
    chunk_titles = {(c.doc_id, c.title) for c in load_index(settings.index_dir).chunks}
    assert ("notes", f"{twin_title} (notes)") in chunk_titles and ("pipeline", f"{original} (pipeline)") in chunk_titles
    assistant = Assistant(settings, embedder)
    assert dict(assistant.documents())["pipeline"] == f"{original} (pipeline)"
    cited = assistant.ask("Who coordinates the TAPI pipeline?", top_k=5)
    twins = [p.chunk for p in cited.passages if p.chunk.doc_id in {"pipeline", "notes"}]
    assert twins and all(c.title.endswith(f"({c.doc_id})") for c in twins)
    # the twin gone, the original's title is plain again
    remove_documents(settings, ["notes"], embedder=embedder)
    assert {d.doc_id: d.title for d in list_documents(settings)}["pipeline"] == original


# ----------------------------------------------------------------------------------------- 6: the writer lock


class LockProbingEmbedder:
    """The real embedder; while it embeds, it checks that another writer could take the lock right now."""

    def __init__(self, inner, settings, during=None) -> None:  # noqa: ANN001
        self.inner, self.settings, self.during = inner, settings, during
        self.free_while_embedding: list[bool] = []

    def encode(self, texts, show_progress=False):  # noqa: ANN001, ANN201
        try:
            with index_lock(self.settings.index_dir, timeout=0.5):
                self.free_while_embedding.append(True)
        except Exception:
            self.free_while_embedding.append(False)
        if self.during is not None:
            during, self.during = self.during, None
            during()
        return self.inner.encode(texts)

    def __getattr__(self, name):  # noqa: ANN001, ANN204
        return getattr(self.inner, name)


def test_parsing_and_embedding_run_without_the_writer_lock(workspace, tmp_path, monkeypatch):
    settings, embedder = workspace
    import journalqa.index.manage as manage

    parsed_free: list[bool] = []
    real_load = manage.load_file

    def probing_load(path, **kwargs):  # noqa: ANN001, ANN202
        try:
            with index_lock(settings.index_dir, timeout=0.5):
                parsed_free.append(True)
        except Exception:
            parsed_free.append(False)
        return real_load(path, **kwargs)

    monkeypatch.setattr(manage, "load_file", probing_load)
    probe = LockProbingEmbedder(embedder, settings)
    doc = _doc(tmp_path / "steppe.md", "Steppe", "Grain from the northern steppe reached Termez by rail in 2021.")
    report = add_paths(settings, [doc], embedder=probe, show_progress=False)
    assert report.sync.added == ["steppe"]
    assert parsed_free == [True] and probe.free_while_embedding == [True]


def test_a_document_removed_while_its_update_embeds_stays_removed(workspace, tmp_path):
    settings, embedder = workspace
    doc = _doc(tmp_path / "aral.md", "Aral", "The Aral Sea shrank after the 1960s.")
    add_paths(settings, [doc], embedder=embedder, show_progress=False)
    _doc(doc, "Aral", "The Aral Sea shrank after the 1960s; the northern part recovers.")

    def remove_meanwhile() -> None:
        remove_documents(settings, ["aral"], embedder=embedder)

    report = add_paths(
        settings, [doc], embedder=LockProbingEmbedder(embedder, settings, remove_meanwhile), show_progress=False
    )
    assert "aral" not in {c.doc_id for c in load_index(settings.index_dir).chunks}
    assert report.sync.removed == [] and "aral" not in report.sync.added + report.sync.updated
    assert index_status(settings).state == "fresh"


def test_the_same_file_added_twice_at_once_is_indexed_once(workspace, tmp_path):
    settings, embedder = workspace
    doc = _doc(tmp_path / "balkhash.md", "Balkhash", "Lake Balkhash is half fresh and half saline water.")

    def add_again() -> None:
        add_paths(settings, [doc], embedder=embedder, show_progress=False)

    add_paths(settings, [doc], embedder=LockProbingEmbedder(embedder, settings, add_again), show_progress=False)
    chunks = [c.chunk_id for c in load_index(settings.index_dir).chunks if c.doc_id == "balkhash"]
    assert chunks == ["balkhash#0000"]
    assert index_status(settings).state == "fresh"


def test_per_file_limits_are_one_line_each(workspace, tmp_path):
    settings, embedder = workspace
    from tests.pdfs import write_text_pdf

    small = Settings(
        index_dir=settings.index_dir, corpus_dir=settings.corpus_dir, lock_timeout=2, max_pages=2, max_text_chars=500
    )
    long_pdf = write_text_pdf(tmp_path / "long.pdf", pages=3)
    one_line = tmp_path / "one-line.txt"
    one_line.write_text("word" * 1000 + "\n")
    fine = _doc(tmp_path / "fine.md", "Fine", "Short and fine.")
    report = add_paths(small, [long_pdf, one_line, fine], embedder=embedder, show_progress=False)
    reasons = {s.path.name: s.reason for s in report.rejected}
    assert reasons == {
        "long.pdf": "PDF has 3 pages, over the 2-page limit (JOURNALQA_MAX_PAGES)",
        "one-line.txt": "its text is 4,001 characters, over the 500 limit (JOURNALQA_MAX_TEXT_CHARS)",
    }
    assert report.sync.added == ["fine"]


def test_the_ocr_time_and_page_limits_fit_a_200_page_scan():
    from journalqa.ingest.ocr import SECONDS_PER_PAGE

    settings = Settings()
    assert settings.max_pages >= 500
    assert 60 + settings.ocr_seconds_per_page * 200 >= 200 * 8 and SECONDS_PER_PAGE >= 8


# ----------------------------------------------------------------------------------------- 7: plain reasons


def test_an_unexpected_parser_error_is_a_skip_line_and_the_batch_goes_on(workspace, tmp_path, monkeypatch):
    settings, embedder = workspace
    import journalqa.index.manage as manage

    real_load = manage.load_file

    def failing_load(path, **kwargs):  # noqa: ANN001, ANN202
        if path.name == "bad.md":
            raise AttributeError("'NoneType' object has no attribute 'MediaBox'")
        return real_load(path, **kwargs)

    monkeypatch.setattr(manage, "load_file", failing_load)
    bad = _doc(tmp_path / "bad.md", "Bad", "Parsed by a buggy parser.")
    good = _doc(tmp_path / "good.md", "Good", "Parsed fine.")
    report = add_paths(settings, [bad, good], embedder=embedder, show_progress=False)
    assert [(s.path.name, s.reason) for s in report.rejected] == [
        ("bad.md", "could not be read (an unexpected error; details in the log)")
    ]
    assert report.sync.added == ["good"]


def test_remove_on_a_read_only_corpus_is_one_plain_line(workspace, monkeypatch, capsys):
    settings, _ = workspace
    from pathlib import Path

    from journalqa.cli import main

    real_unlink = Path.unlink

    def read_only(path, missing_ok=False):  # noqa: ANN001, ANN202
        # what a read-only mount answers (root ignores permission bits, so a chmod cannot stand in for it)
        if path.parent == settings.corpus_dir:
            raise OSError(30, "Read-only file system", str(path))
        return real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", read_only)
    # the CLI gives itself a temporary folder (tempfile.tempdir, TMPDIR): undone after this in-process run
    monkeypatch.setattr(tempfile, "tempdir", tempfile.gettempdir())
    monkeypatch.setenv("TMPDIR", tempfile.gettempdir())
    monkeypatch.setenv("JOURNALQA_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("JOURNALQA_CORPUS_DIR", str(settings.corpus_dir))
    assert main(["remove", "pipeline"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "journalqa: error: could not remove pipeline.md: read-only file system"
    assert (settings.corpus_dir / "pipeline.md").exists()


def test_an_os_error_is_printed_without_errno_or_path():
    from journalqa.cli import _one_line

    exc = OSError(30, "Read-only file system", "/srv/journalqa/corpus/foreword.md")
    assert _one_line(exc) == "read-only file system"


# ----------------------------------------------------------------------------------------- 9: smaller ones


def test_corpus_files_are_written_readable_like_the_originals(workspace, tmp_path):
    settings, embedder = workspace
    doc = _doc(tmp_path / "modes.md", "Modes", "Corpus files are readable by the server's other users.")
    add_paths(settings, [doc], embedder=embedder, show_progress=False)
    assert stat.S_IMODE((settings.corpus_dir / "modes.md").stat().st_mode) == 0o644


def test_index_prints_no_bm25s_debug_lines(tmp_path):
    # The first run exports the e5 model to ONNX, and the exporter configures the root logger (basicConfig):
    # bm25s, whose own logger is at DEBUG, then printed "DEBUG:bm25s:Building index from IDs objects". The
    # export takes ~30 s and a fresh model cache, so the root logger is configured here the same way instead.
    code = (
        "import logging, sys; logging.basicConfig(); from journalqa.cli import main; "
        f"sys.exit(main(['index', '--quiet', '--index-dir', {str(tmp_path / 'index')!r}, "
        f"'--corpus-dir', {str(FIXTURE_CORPUS)!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "DEBUG" not in result.stderr + result.stdout


def test_ask_into_a_closed_pipe_prints_no_error(small_index):
    env = {
        **os.environ,
        "JOURNALQA_INDEX_DIR": str(small_index.index_dir),
        "JOURNALQA_CORPUS_DIR": str(small_index.corpus_dir),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "journalqa.cli", "ask", "--json", "What does the pipeline carry?"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    proc.stdout.close()  # the reader is gone before the first line is written, as `| head` is after its lines
    _, err = proc.communicate(timeout=300)
    assert "Broken pipe" not in err.decode() and "Errno" not in err.decode(), err.decode()
    assert proc.returncode == 0


def test_a_sanitized_file_loads_without_its_hidden_characters(tmp_path):
    doc = load_file(_doc(tmp_path / "hidden.md", "Hidden\u200b title", "Text\x00 with a NUL."))
    assert doc.title == "Hidden title" and "\x00" not in doc.text
