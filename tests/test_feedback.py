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
