"""The gold evaluation set ``evals/qa.jsonl``: loading and text normalization.

One JSON object per line::

    {"id": "q001", "question": ..., "answer": ..., "quotes": [...], "article": ...,
     "type": ..., "paraphrased": bool, "split": "calibration" | "test"}

``quotes`` are exact passages of the journal (8-40 words each) that support ``answer``;
they match the corpus after ``normalize`` is applied to both sides. ``article`` is a doc id,
a list of doc ids (``multi_article``) or, for ``unanswerable`` items, the most related doc id
or ``None``; unanswerable items have ``answer == ""`` and ``quotes == []``.
``evals/articles.json`` maps every doc id to its title and line range in the source text.
"""

from __future__ import annotations

import json
from pathlib import Path

# quotes match the corpus after the same normalization the evaluation metrics use
from journalqa.evaluation.gold import normalize

GOLD_PATH = Path(__file__).resolve().parent / "qa.jsonl"
ARTICLES_PATH = Path(__file__).resolve().parent / "articles.json"

TYPES = frozenset({"factoid", "entity", "numeric", "date", "why", "comparison", "multi_article", "unanswerable"})
SPLITS = frozenset({"calibration", "test"})
REQUIRED_FIELDS = {
    "id": str,
    "question": str,
    "answer": str,
    "quotes": list,
    "article": (str, list, type(None)),
    "type": str,
    "paraphrased": bool,
    "split": str,
}
MIN_QUOTE_WORDS = 8
MAX_QUOTE_WORDS = 40


def word_count(text: str) -> int:
    return len(normalize(text).split())


def load_gold(path: str | Path = GOLD_PATH) -> list[dict]:
    """Read the JSONL gold set; blank lines are skipped, a malformed line raises ValueError."""
    items: list[dict] = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{lineno}: invalid JSON: {exc}") from exc
        if not isinstance(item, dict):
            raise ValueError(f"{path}:{lineno}: expected a JSON object")
        items.append(item)
    return items


def article_ids(item: dict) -> list[str]:
    """The doc ids an item points at (empty for an unanswerable item without one)."""
    article = item.get("article")
    if article is None:
        return []
    return list(article) if isinstance(article, list) else [article]


def load_articles(path: str | Path = ARTICLES_PATH) -> dict[str, dict]:
    """doc id -> {"title", "lines": [first, last], "evidence"}."""
    return json.loads(Path(path).read_text(encoding="utf-8"))["documents"]
