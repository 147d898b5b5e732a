"""Staff feedback on answers: thumbs up/down and a comment, kept in a local SQLite file.

One row per answer (``answer_id``), updated in place when the rating or the comment changes, with
everything needed to judge it later: question, rewritten query, answer text, citations and settings.

Sizes are bounded where text comes in: a comment over ``Settings.max_comment_chars`` is refused with
FeedbackTooLong (its message is safe to show the user); the question, query and answer, which the
assistant produced, are cut to ``MAX_STORED_TEXT_CHARS`` so a rating is never lost to their length.

The CSV export is meant to be opened in a spreadsheet, so any text cell starting with ``=``, ``+``,
``-``, ``@``, tab, CR, LF or NUL gets a leading ``'`` (the OWASP rule against formula injection), even
an innocent one such as "-5 degrees": telling a formula from text is what the spreadsheet gets wrong.
The stored rows keep the exact text; only the export is neutralised. Numbers we store (id, rating,
abstained) are written as numbers, so a thumbs-down stays ``-1``.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from journalqa.config import Settings

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
# The assistant's own text fields are far below this (questions <= max_question_chars, answers a few
# sentences); the cap only stops an unexpected giant from growing the feedback file.
MAX_STORED_TEXT_CHARS = 20_000
TRUNCATED = " … [truncated]"
MAX_ANSWER_ID_CHARS = 200  # the UI's ids are short hex strings
# Leading characters that make Excel, LibreOffice or Sheets read a cell as a formula (OWASP CSV
# injection; NUL and LF from ASVS 1.2.10 and other spreadsheet parsers).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


class FeedbackTooLong(ValueError):
    """A feedback field over its size limit; ``str(exc)`` is one line fit to show the user."""

    def __init__(self, field: str, length: int, limit: int) -> None:
        super().__init__(f"{field} is {length:,} characters, over the {limit:,} limit")
        self.field, self.length, self.limit = field, length, limit


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
    max_comment_chars: int | None = None,
) -> int:
    """Insert or update the feedback row of one answer; returns its row id.

    ``answer`` is the JSON form of the answer (``render.answer_dict``). A ``None`` rating or
    comment leaves the stored one unchanged, so a thumb and a later comment end up on one row.
    ``max_comment_chars`` defaults to ``Settings.max_comment_chars``; a longer comment raises
    FeedbackTooLong and stores nothing.
    """
    value = _rating(rating)
    limit = Settings.max_comment_chars if max_comment_chars is None else max_comment_chars
    if comment is not None and len(comment) > limit:
        raise FeedbackTooLong("comment", len(comment), limit)
    if len(answer_id) > MAX_ANSWER_ID_CHARS:
        raise FeedbackTooLong("answer id", len(answer_id), MAX_ANSWER_ID_CHARS)
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
        "question": _cut(answer.get("question", "")),
        "query": _cut(answer.get("query", "")),
        "answer": _cut(answer.get("answer", "")),
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
    """Write ``records`` as CSV with every formula-like text cell neutralised; returns the row count."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    count = 0
    for item in records:
        writer.writerow({k: spreadsheet_safe(item.get(k)) for k in COLUMNS})
        count += 1
    return count


def spreadsheet_safe(value: object) -> object:
    """``value`` with a ``'`` in front when it is text a spreadsheet would run as a formula.

    Only strings: they are what staff and askers typed. Our own numbers (a -1 rating) stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cut(text: object) -> str:
    text = "" if text is None else str(text)
    if len(text) <= MAX_STORED_TEXT_CHARS:
        return text
    return text[: MAX_STORED_TEXT_CHARS - len(TRUNCATED)] + TRUNCATED


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
