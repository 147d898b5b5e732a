"""Gold items and where their quotes are: reading gold files and the article split, normalising text, locating
each quote in its document, and when a passage covers a quote.

No LLM judge. Everything is measured against the gold quotes (exact journal passages) by character offsets:

- a gold quote is located in its document's text (after :func:`normalize`), giving spans ``(doc_id, start, end)``;
- a passage *covers* a quote when its chunk span contains the quote span; a quote that no single chunk of the
  collection contains (it straddles a chunk boundary) is covered by a chunk holding at least half of it, and
  for recall by the union of adjacent chunks of the same document;
- a retrieved passage is *relevant* when it covers some gold quote of the item.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

Span = tuple[str, int, int]  # doc_id, start, end: character offsets into Document.text

# ------------------------------------------------------------------------------------------- gold items


@dataclass(frozen=True)
class EvalItem:
    """One gold question (the ``evals/qa.jsonl`` schema; translated items add ``language`` and ``source_id``,
    the id of the English item they translate)."""

    id: str
    question: str
    answer: str
    quotes: tuple[str, ...]
    articles: tuple[str, ...]
    type: str
    paraphrased: bool = False
    split: str = "test"
    language: str = "en"
    source_id: str = ""

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvalItem:
        article = data.get("article")
        articles = () if article is None else tuple(article) if isinstance(article, list) else (article,)
        return cls(
            id=str(data["id"]),
            question=str(data["question"]),
            answer=str(data.get("answer", "")),
            quotes=tuple(data.get("quotes", ())),
            articles=articles,
            type=str(data.get("type", "factoid")),
            paraphrased=bool(data.get("paraphrased", False)),
            split=str(data.get("split", "test")),
            language=str(data.get("language") or "en"),
            source_id=str(data.get("source_id") or ""),
        )

    def __repr__(self) -> str:
        return f"EvalItem({self.id!r}, {self.type}, {self.question[:40]!r})"


QaPaths = str | Path | Sequence[str | Path]


def qa_paths(paths: QaPaths) -> list[Path]:
    """One gold file, several, or a comma-separated list of them (``--qa evals/qa.jsonl,evals/qa_ru.jsonl``)."""
    if isinstance(paths, str | Path):
        paths = [p for p in str(paths).split(",") if p]
    return [Path(p) for p in paths]


def read_article_split(path: str | Path) -> dict[str, str]:
    """doc_id -> "calibration" or "test", from a split file (``evals/article_split.json``)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {doc: name for name in ("calibration", "test") for doc in data.get(name, ())}


def article_split_of(item: EvalItem, articles: Mapping[str, str]) -> str:
    """Calibration only when every article the item asks about is a calibration article: thresholds are never
    fitted on text that a test question asks about."""
    known = [articles.get(a, "test") for a in item.articles]
    return "calibration" if known and all(k == "calibration" for k in known) else "test"


def load_items(path: QaPaths, split: str = "all", articles: Mapping[str, str] | None = None) -> list[EvalItem]:
    """Items of one or more JSONL gold files; ``split`` is "test", "calibration" or "all". Ids must be unique.

    ``articles`` (:func:`read_article_split`) splits by article instead of by each item's own ``split`` field."""
    files = qa_paths(path)
    if len(files) != 1:
        items = [item for f in files for item in load_items(f, split, articles)]
        repeated = sorted({i.id for i in items if sum(j.id == i.id for j in items) > 1})
        if repeated:
            raise ValueError(f"gold item ids repeat across {', '.join(map(str, files))}: {repeated[:5]}")
        return items
    path = files[0]
    items = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise TypeError("expected a JSON object")
            items.append(EvalItem.from_dict(data))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{lineno}: not a gold item: {exc}") from exc
    if articles is not None:
        items = [replace(item, split=article_split_of(item, articles)) for item in items]
    return [item for item in items if split == "all" or item.split == split]


# ------------------------------------------------------------------------------------------- normalization

# Typographic double quotes (including the double acute accents the PDF extraction uses as quotes) become '"',
# apostrophes and single quotes become "'", soft hyphens vanish.
_QUOTE_MAP = str.maketrans(
    {
        **{c: '"' for c in '\u201c\u201d\u201e\u201f\u00ab\u00bb\u02dd\u030b\u2033"'},
        **{c: "'" for c in "\u2018\u2019\u201a\u201b\u2032`'"},
        "\u00ad": None,
    }
)
_WHITESPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Plain quote characters, whitespace runs collapsed to one space, ends stripped."""
    return _WHITESPACE.sub(" ", text.translate(_QUOTE_MAP)).strip()


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """:func:`normalize` plus, for every output character, the offset of the input character it came from."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        mapped = ch.translate(_QUOTE_MAP)
        if not mapped:
            continue
        if _WHITESPACE.fullmatch(mapped):
            if not out or out[-1] == " ":
                continue
            mapped = " "
        out.append(mapped)
        where.append(i)
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


# ------------------------------------------------------------------------------------------- spans and coverage


def locate(quote: str, docs: Mapping[str, str]) -> tuple[Span, ...]:
    """Every occurrence of ``quote`` in the documents' texts, as raw character spans."""
    needle = normalize(quote)
    if not needle:
        return ()
    found: list[Span] = []
    for doc_id, text in docs.items():
        norm, where = normalize_with_offsets(text)
        start = norm.find(needle)
        while start >= 0:
            end = start + len(needle) - 1
            found.append((doc_id, where[start], where[end] + 1))
            start = norm.find(needle, start + 1)
    return tuple(found)


def contains(outer: Span, inner: Span) -> bool:
    return outer[0] == inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2]


def overlap(a: Span, b: Span) -> int:
    if a[0] != b[0]:
        return 0
    return max(0, min(a[2], b[2]) - max(a[1], b[1]))


def union_covers(spans: Iterable[Span], target: Span) -> bool:
    """Whether the union of ``spans`` (adjacent or overlapping chunks of one document) contains ``target``.

    Chunks touch when the gap between them is at most ``gap`` characters (the whitespace between sentences).
    """
    gap = 2
    pieces = sorted((s, e) for d, s, e in spans if d == target[0] and e > target[1] and s < target[2])
    reach = target[1]
    for s, e in pieces:
        if s > reach + (gap if reach > target[1] else 0):
            return False
        reach = max(reach, e)
        if reach >= target[2]:
            return True
    return False


@dataclass(frozen=True)
class GoldQuote:
    """A gold quote located in the corpus; ``split`` when no chunk of the collection contains it whole."""

    text: str
    spans: tuple[Span, ...]
    split: bool = False

    @property
    def located(self) -> bool:
        return bool(self.spans)


def gold_quotes(quotes: Iterable[str], docs: Mapping[str, str], collection: Sequence[Span]) -> tuple[GoldQuote, ...]:
    located = []
    for quote in quotes:
        spans = locate(quote, docs)
        split = bool(spans) and not any(contains(c, s) for s in spans for c in collection)
        located.append(GoldQuote(quote, spans, split))
    return tuple(located)


def covers(chunk: Span, quote: GoldQuote) -> bool:
    """A chunk covers a quote when it contains it whole or, for a split quote, at least half of it."""
    for span in quote.spans:
        if contains(chunk, span):
            return True
        if quote.split and 2 * overlap(chunk, span) >= span[2] - span[1]:
            return True
    return False


def relevance(retrieved: Sequence[Span], quotes: Sequence[GoldQuote]) -> list[bool]:
    """Per retrieved passage: does it cover some gold quote."""
    return [any(covers(chunk, q) for q in quotes) for chunk in retrieved]


def novel_gains(retrieved: Sequence[Span], quotes: Sequence[GoldQuote]) -> list[int]:
    """1 for a passage that covers a quote no higher-ranked passage covered, else 0 (repeats earn nothing)."""
    seen: set[int] = set()
    gains = []
    for chunk in retrieved:
        new = {i for i, q in enumerate(quotes) if i not in seen and covers(chunk, q)}
        gains.append(1 if new else 0)
        seen |= new
    return gains


def ideal_passages(quotes: Sequence[GoldQuote], collection: Sequence[Span]) -> int:
    """The fewest passages of the collection that cover every coverable quote (greedy set cover)."""
    covering = [frozenset(i for i, q in enumerate(quotes) if covers(c, q)) for c in collection]
    remaining = set().union(*covering) if covering else set()
    count = 0
    while remaining:
        best = max(covering, key=lambda s: len(s & remaining))
        remaining -= best
        count += 1
    return count


def quote_covered(quote: GoldQuote, retrieved: Sequence[Span]) -> bool:
    """Contained in one retrieved chunk, or in the union of adjacent retrieved chunks of its document."""
    return any(union_covers(retrieved, span) for span in quote.spans)
