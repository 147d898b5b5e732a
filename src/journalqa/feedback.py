"""Staff feedback on answers: thumbs up/down and a comment, kept in a local SQLite file.

One row per answer (``answer_id``), updated in place when the rating or the comment changes, with
everything needed to judge it later: question, rewritten query, answer text, citations and settings.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    rating INTEGER,              -- 1 thumbs up, -1 thumbs down, NULL only a comment
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    query TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL,
    abstained INTEGER NOT NULL DEFAULT 0,
    mode TEXT NOT NULL DEFAULT '',
    citations TEXT NOT NULL DEFAULT '[]', -- JSON: [{n, chunk_id, doc_id, title, page, highlights}]
    settings TEXT NOT NULL DEFAULT '{}'   -- JSON: top_k, doc_ids, mode, index version...
)
"""

COLUMNS = (
    "id",
    "answer_id",
    "created_at",
    "updated_at",
    "rating",
    "comment",
    "question",
    "query",
    "answer",
    "abstained",
    "mode",
    "citations",
    "settings",
)
RATINGS = {"up": 1, "down": -1}


def connect(path: Path | str) -> sqlite3.Connection:
    path = Path(path)
    if path.parent != Path():
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(SCHEMA)
    return conn


def record(
    path: Path | str,
    answer_id: str,
    *,
    answer: Mapping[str, Any],
    rating: str | int | None = None,
    comment: str | None = None,
    settings: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """Insert or update the feedback row of one answer; returns its row id.

    ``answer`` is the JSON form of the answer (``render.answer_dict``). A ``None`` rating or
    comment leaves the stored one unchanged, so a thumb and a later comment end up on one row.
    """
    value = _rating(rating)
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    citations = [
        {k: c.get(k) for k in ("n", "chunk_id", "doc_id", "title", "section", "page", "highlights")}
        for c in answer.get("citations", [])
    ]
    row = {
        "answer_id": answer_id,
        "created_at": stamp,
        "updated_at": stamp,
        "rating": value,
        "comment": comment or "",
        "question": answer.get("question", ""),
        "query": answer.get("query", ""),
        "answer": answer.get("answer", ""),
        "abstained": int(bool(answer.get("abstained"))),
        "mode": answer.get("mode", ""),
        "citations": json.dumps(citations, ensure_ascii=False),
        "settings": json.dumps(dict(settings or {}), ensure_ascii=False, default=str),
    }
    names = ", ".join(row)
    marks = ", ".join(f":{k}" for k in row)
    updates = ["updated_at = excluded.updated_at"]
    if rating is not None:
        updates.append("rating = excluded.rating")
    if comment is not None:
        updates.append("comment = excluded.comment")
    with connect(path) as conn:
        conn.execute(
            f"INSERT INTO feedback ({names}) VALUES ({marks}) ON CONFLICT(answer_id) DO UPDATE SET {', '.join(updates)}",
            row,
        )
        (row_id,) = conn.execute("SELECT id FROM feedback WHERE answer_id = ?", (answer_id,)).fetchone()
    conn.close()
    return int(row_id)


def rows(path: Path | str) -> list[dict[str, Any]]:
    """Every feedback row, oldest first; missing file means no rows."""
    if not Path(path).is_file():
        return []
    conn = connect(path)
    try:
        cursor = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id")
        return [dict(zip(COLUMNS, values, strict=True)) for values in cursor]
    finally:
        conn.close()


def write_csv(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    count = 0
    for item in records:
        writer.writerow({k: item.get(k) for k in COLUMNS})
        count += 1
    return count


def _rating(rating: str | int | None) -> int | None:
    if rating is None:
        return None
    if isinstance(rating, str):
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {sorted(RATINGS)}, not {rating!r}")
        return RATINGS[rating]
    if rating not in (1, -1):
        raise ValueError(f"rating must be 1 or -1, not {rating!r}")
    return int(rating)
