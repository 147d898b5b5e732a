"""The CLI as a user runs it: a real subprocess, exit codes and one-line errors."""

import json
import subprocess
import sys

import pytest


def run(*args, env_extra=None, timeout=120, cwd=None):
    import os

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "journalqa.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=cwd,
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
    assert {"question", "answer", "verdict", "abstained", "citations", "passages", "highlights", "timings_ms"} <= set(
        data
    )
    assert data["verdict"] == "answered" and data["abstained"] is False
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


def test_an_index_behind_the_corpus_still_answers_with_a_notice(tmp_path, small_index):
    """A document waiting to be indexed (e.g. after a killed add) must not stop questions (#14, defect 6)."""
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(small_index.corpus_dir, corpus)
    (corpus / "extra.md").write_text("# Extra\n\nA new article about Mongolia.\n")
    result = run(
        "ask", "Who coordinates TAPI?", env_extra={**small_env(small_index), "JOURNALQA_CORPUS_DIR": str(corpus)}
    )
    assert result.returncode == 0, result.stderr
    assert "last indexed version" in result.stderr and "extra" in result.stderr
    assert "Asian Development Bank" in result.stdout


def test_an_index_built_with_other_settings_is_refused(small_index):
    result = run("ask", "Who coordinates TAPI?", env_extra={**small_env(small_index), "JOURNALQA_CHUNK_TOKENS": "120"})
    assert_one_line_error(result)
    assert "stale" in result.stderr and "chunker" in result.stderr


def test_index_if_stale_does_nothing_when_fresh(small_index):
    result = run("index", "--if-stale", env_extra=small_env(small_index))
    assert result.returncode == 0 and "up to date" in result.stdout


# Every command, including serve, with a bad JOURNALQA_* value: one line naming the variable, exit 1,
# before any work (serve would otherwise build an index, ask load a model).
COMMANDS = [
    ["ask", "Who coordinates TAPI?"],
    ["index"],
    ["docs"],
    ["add", "missing.pdf"],
    ["remove", "some-doc"],
    ["eval"],
    ["serve"],
    ["feedback", "export", "--csv"],
    ["split", "missing.txt"],
]
BAD_ENV = [
    pytest.param("JOURNALQA_PORT", "abc", "JOURNALQA_PORT must be a whole number, got 'abc'", id="port"),
    pytest.param(
        "JOURNALQA_RETRIEVAL_MODE",
        "semantic",
        "JOURNALQA_RETRIEVAL_MODE must be one of hybrid, dense, bm25, got 'semantic'",
        id="retrieval_mode",
    ),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:2]) if c[0] == "feedback" else c[0])
@pytest.mark.parametrize(("variable", "raw", "message"), BAD_ENV)
def test_bad_setting_is_one_line_naming_the_variable(tmp_path, command, variable, raw, message):
    result = run(*command, env_extra={variable: raw, "JOURNALQA_INDEX_DIR": str(tmp_path / "index")}, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == f"journalqa: error: {message}"  # one line, no traceback, nothing else
    assert not (tmp_path / "index").exists()  # failed before doing anything


def test_bad_flag_value_is_one_line_naming_the_field(tmp_path):
    result = run("serve", "--port", "70000", env_extra={"JOURNALQA_CORPUS_DIR": str(tmp_path / "none")}, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == "journalqa: error: port must be between 0 and 65,535, got 70000"


@pytest.mark.parametrize("how", ["env", "flag"])
def test_tilde_in_feedback_db_is_the_home_folder(tmp_path, how):
    from journalqa import feedback

    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    feedback.record(home / "fb.sqlite3", "a1", answer={"question": "q", "answer": "a"}, rating="up")
    env = {"HOME": str(home)}
    args = ["feedback", "export", "--csv", "--out", str(work / "out.csv")]
    if how == "env":
        env["JOURNALQA_FEEDBACK_DB"] = "~/fb.sqlite3"
    else:
        args += ["--db", "~/fb.sqlite3"]  # as a shell passes it after `--db=` or in quotes: unexpanded
    result = run(*args, env_extra=env, timeout=60, cwd=work)
    assert result.returncode == 0, result.stderr
    assert f"1 feedback rows from {home / 'fb.sqlite3'}" in result.stderr
    assert not (work / "~").exists()
