"""The gold evaluation set: schema, counts and that every quote really is in the journal.

Fast and model-free. Quotes are checked against the cleaned documents in ``corpus/*.md`` when
they exist, otherwise against the raw extracted text in the sibling ``shared/corpus`` folder.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import evals_module

ROOT = Path(__file__).resolve().parents[1]
RAW_SOURCE = Path(__file__).resolve().parents[1].parent / "shared/corpus/kjfs-2022-no1-2.txt"


gs = evals_module("goldset")
ITEMS = gs.load_gold(gs.GOLD_PATH)
ARTICLES = gs.load_articles(gs.ARTICLES_PATH)


def test_articles_map():
    assert "foreword" in ARTICLES
    assert len(ARTICLES) == 10
    for doc_id, info in ARTICLES.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", doc_id), doc_id
        assert info["title"]
        first, last = info["lines"]
        assert 1 <= first < last
    ranges = sorted(info["lines"] for info in ARTICLES.values())
    for (_, last), (first, _) in zip(ranges, ranges[1:], strict=False):
        assert last < first, "article line ranges overlap"


def test_schema():
    problems = []
    for n, item in enumerate(ITEMS):
        where = item.get("id", f"item #{n}")
        for field, kind in gs.REQUIRED_FIELDS.items():
            if field not in item:
                problems.append(f"{where}: missing {field}")
            elif not isinstance(item[field], kind):
                problems.append(f"{where}: {field} has type {type(item[field]).__name__}")
        if problems and problems[-1].startswith(f"{where}:"):
            continue
        if not re.fullmatch(r"q\d{3,}", item["id"]):
            problems.append(f"{where}: bad id")
        if not item["question"].strip():
            problems.append(f"{where}: empty question")
        if item["type"] not in gs.TYPES:
            problems.append(f"{where}: type {item['type']!r}")
        if item["split"] not in gs.SPLITS:
            problems.append(f"{where}: split {item['split']!r}")
        if not all(isinstance(q, str) for q in item["quotes"]):
            problems.append(f"{where}: non-string quote")
            continue
        for quote in item["quotes"]:
            words = gs.word_count(quote)
            if not gs.MIN_QUOTE_WORDS <= words <= gs.MAX_QUOTE_WORDS:
                problems.append(f"{where}: quote of {words} words: {quote[:50]!r}")
        unanswerable = item["type"] == "unanswerable"
        if unanswerable != (item["answer"] == "" and item["quotes"] == []):
            problems.append(f"{where}: unanswerable must go with an empty answer and no quotes (and only then)")
        if not unanswerable and not item["answer"].strip():
            problems.append(f"{where}: blank answer")
        ids = gs.article_ids(item)
        unknown = [a for a in ids if a not in ARTICLES]
        if unknown:
            problems.append(f"{where}: unknown article ids {unknown}")
        if item["type"] == "multi_article":
            if not isinstance(item["article"], list) or len(set(ids)) < 2:
                problems.append(f"{where}: multi_article needs a list of two or more doc ids")
        elif isinstance(item["article"], list):
            problems.append(f"{where}: only multi_article items take a list of doc ids")
        elif item["article"] is None and not unanswerable:
            problems.append(f"{where}: answerable item without an article")
    ids = Counter(item.get("id") for item in ITEMS)
    problems += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    questions = Counter(gs.normalize(item.get("question", "")).lower() for item in ITEMS)
    problems += [f"duplicate question {q!r}" for q, n in questions.items() if n > 1]
    assert not problems, "\n".join(problems)


def test_counts_and_coverage():
    types = Counter(item["type"] for item in ITEMS)
    assert len(ITEMS) >= 80
    assert types["unanswerable"] >= 15
    assert types["multi_article"] >= 8
    assert sum(item["paraphrased"] for item in ITEMS) >= 0.4 * len(ITEMS)
    answerable_per_doc = Counter(
        doc for item in ITEMS if item["type"] != "unanswerable" for doc in gs.article_ids(item)
    )
    missing = {doc: answerable_per_doc[doc] for doc in ARTICLES if answerable_per_doc[doc] < 5}
    assert not missing, f"documents with fewer than 5 answerable items: {missing}"


def test_splits():
    splits = Counter(item["split"] for item in ITEMS)
    assert 0.2 <= splits["calibration"] / len(ITEMS) <= 0.4
    for split in gs.SPLITS:
        kinds = Counter(item["type"] for item in ITEMS if item["split"] == split)
        assert kinds["unanswerable"] >= 3, f"{split} split has too few unanswerable items"
        assert sum(n for kind, n in kinds.items() if kind != "unanswerable") >= 10


def test_normalize():
    assert gs.normalize("  ˝a\n  “b”  ’c'\t") == '"a "b" \'c\''


def _cleaned_documents() -> dict[str, str]:
    from journalqa.ingest.docfile import read_document

    docs = {}
    for path in sorted((ROOT / "corpus").glob("*.md")):
        doc = read_document(path)
        if doc.text.strip():
            docs[doc.doc_id] = gs.normalize(doc.text)
    return docs


def test_quotes_occur_in_corpus():
    docs = _cleaned_documents()
    if docs:
        texts = docs
        source = "corpus/*.md"
    elif RAW_SOURCE.exists():
        texts = {"<raw>": gs.normalize(RAW_SOURCE.read_text(encoding="utf-8"))}
        source = str(RAW_SOURCE)
    else:
        pytest.skip("no cleaned corpus/*.md and no raw source text")
    everything = "\n".join(texts.values())
    problems = []
    for item in ITEMS:
        ids = gs.article_ids(item)
        # the item's own document(s), once the splitter has produced all of them
        wanted = ids if ids and all(doc in docs for doc in ids) else []
        for quote in item["quotes"]:
            needle = gs.normalize(quote)
            if needle not in everything:
                problems.append(f"{item['id']}: not in {source}: {quote[:70]!r}")
            elif wanted and not any(needle in docs[doc] for doc in wanted):
                problems.append(f"{item['id']}: not in {wanted}: {quote[:70]!r}")
    assert not problems, "\n".join(problems)
