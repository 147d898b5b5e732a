"""The CLI as a user runs it: a real subprocess, exit codes and one-line errors."""

import json
import subprocess
import sys

import pytest


def run(*args, env_extra=None, timeout=120):
    import os

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "journalqa.cli", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def assert_one_line_error(result):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("journalqa: error:")]
    assert len(lines) == 1, result.stderr


def small_env(settings):
    return {"JOURNALQA_INDEX_DIR": str(settings.index_dir), "JOURNALQA_CORPUS_DIR": str(settings.corpus_dir)}


def test_ask_json_has_the_documented_fields(small_index):
    result = run("ask", "--json", "Who coordinates the TAPI pipeline construction?", env_extra=small_env(small_index))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"question", "answer", "abstained", "citations", "passages", "timings_ms"} <= set(data)
    citation = data["citations"][0]
    assert {"n", "chunk_id", "doc_id", "title", "section", "page", "text", "score"} <= set(citation)
    assert citation["doc_id"] == "pipeline" and citation["page"] == "3"


@pytest.mark.parametrize("question", ["", "   ", "x" * 10_000, "\x01\x02\x03"])
def test_bad_questions_exit_nonzero_with_one_line(small_index, question):
    assert_one_line_error(run("ask", question, env_extra=small_env(small_index)))


def test_missing_index_is_one_line_error(tmp_path, small_index):
    env = {"JOURNALQA_INDEX_DIR": str(tmp_path / "none"), "JOURNALQA_CORPUS_DIR": str(small_index.corpus_dir)}
    result = run("ask", "Who coordinates TAPI?", env_extra=env)
    assert_one_line_error(result)
    assert "journalqa index" in result.stderr


def test_stale_index_is_reported(tmp_path, small_index):
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(small_index.corpus_dir, corpus)
    (corpus / "extra.md").write_text("# Extra\n\nA new article about Mongolia.\n")
    result = run(
        "ask", "Who coordinates TAPI?", env_extra={**small_env(small_index), "JOURNALQA_CORPUS_DIR": str(corpus)}
    )
    assert_one_line_error(result)
    assert "stale" in result.stderr and "extra" in result.stderr


def test_index_if_stale_does_nothing_when_fresh(small_index):
    result = run("index", "--if-stale", env_extra=small_env(small_index))
    assert result.returncode == 0 and "up to date" in result.stdout
