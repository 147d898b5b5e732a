"""The Russian and Kazakh gold data (issue #13): schema, languages, links to the English set, quotes.

Fast and model-free. ``evals/qa_ru.jsonl`` and ``evals/qa_kk.jsonl`` are hand translations of items of
``evals/qa.jsonl`` (same split, type, article and English quotes); ``evals/multilingual/qa_docs.jsonl`` asks about
two real non-English documents in ``evals/multilingual/docs/``, whose quotes must occur in those files. Quotes are
compared after ``journalqa.evaluation.gold.normalize`` (quote characters and whitespace only; Cyrillic is kept, as
``test_normalize_keeps_cyrillic`` checks).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from journalqa.evaluation.gold import normalize
from tests.conftest import evals_module

ROOT = Path(__file__).resolve().parents[1]
EVALS = ROOT / "evals"
DOCS = EVALS / "multilingual" / "docs"


gs = evals_module("goldset")

# the gold-set schema is evals/goldset.py's, plus the question's language
TYPES = set(gs.TYPES)
SPLITS = set(gs.SPLITS)
FIELDS = {**gs.REQUIRED_FIELDS, "language": str}
# the language each document's questions may be asked in: the document's own and English
DOC_LANGUAGES = {"aptitude-ru": {"ru", "en"}, "firefox-errors-kk": {"kk", "en"}}
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-z]")


def _load(path: Path) -> list[dict]:
    items = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            item = json.loads(line)
            assert isinstance(item, dict), f"{path.name}:{lineno}: not an object"
            items.append(item)
    return items


ENGLISH = {item["id"]: item for item in _load(EVALS / "qa.jsonl")}
ENGLISH_SPLITS = Counter(item["split"] for item in ENGLISH.values())
RU = _load(EVALS / "qa_ru.jsonl")
KK = _load(EVALS / "qa_kk.jsonl")
DOC_ITEMS = _load(EVALS / "multilingual" / "qa_docs.jsonl")
TRANSLATED = RU + KK
ALL = TRANSLATED + DOC_ITEMS


def _cyrillic_share(text: str) -> float:
    cyrillic, latin = len(CYRILLIC.findall(text)), len(LATIN.findall(text))
    return cyrillic / max(cyrillic + latin, 1)


def test_normalize_keeps_cyrillic():
    assert normalize("Ауғанстан  «Талибан»\n қозғалысы") == 'Ауғанстан "Талибан" қозғалысы'
    assert normalize("Афганистан\u00a0— ТАПИ") == "Афганистан — ТАПИ"


@pytest.mark.parametrize("name,items", [("qa_ru", RU), ("qa_kk", KK), ("qa_docs", DOC_ITEMS)])
def test_schema(name, items):
    problems = []
    for n, item in enumerate(items):
        where = f"{name}: {item.get('id', f'item #{n}')}"
        for field, kind in FIELDS.items():
            if not isinstance(item.get(field), kind):
                problems.append(f"{where}: {field} missing or of type {type(item.get(field)).__name__}")
        if name != "qa_docs" and not isinstance(item.get("source_id"), str):
            problems.append(f"{where}: source_id missing")
        if problems:
            continue
        if not item["question"].strip():
            problems.append(f"{where}: empty question")
        if item["type"] not in TYPES:
            problems.append(f"{where}: unknown type {item['type']}")
        if item["split"] not in SPLITS:
            problems.append(f"{where}: unknown split {item['split']}")
        if not all(isinstance(q, str) and q.strip() for q in item["quotes"]):
            problems.append(f"{where}: a quote is not a non-empty string")
        if item["type"] == "unanswerable":
            if item["answer"] != "" or item["quotes"] != []:
                problems.append(f"{where}: unanswerable item with an answer or quotes")
        elif not item["answer"].strip() or not item["quotes"]:
            problems.append(f"{where}: answerable item without answer or quotes")
    assert not problems, "\n".join(problems)


def test_ids_unique():
    ids = [item["id"] for item in ALL]
    duplicates = [i for i, count in Counter(ids).items() if count > 1]
    assert not duplicates, duplicates
    assert not set(ids) & set(ENGLISH), "a multilingual id reuses an English id"
    for item in RU:
        assert item["id"] == f"{item['source_id']}-ru", item["id"]
    for item in KK:
        assert item["id"] == f"{item['source_id']}-kk", item["id"]
    for item in DOC_ITEMS:
        assert re.fullmatch(r"[a-z]+-(ru|kk|en)-\d{2}", item["id"]), item["id"]
        assert item["id"].split("-")[1] == item["language"], item["id"]


def test_languages():
    assert {item["language"] for item in RU} == {"ru"}
    assert {item["language"] for item in KK} == {"kk"}
    for item in DOC_ITEMS:
        assert item["article"] in DOC_LANGUAGES, item["id"]
        assert item["language"] in DOC_LANGUAGES[item["article"]], item["id"]


def test_translations_match_their_english_items():
    problems = []
    for item in TRANSLATED:
        source = ENGLISH.get(item["source_id"])
        if source is None:
            problems.append(f"{item['id']}: source_id {item['source_id']} not in evals/qa.jsonl")
            continue
        for field in ("split", "type", "article", "quotes", "paraphrased"):
            if item[field] != source[field]:
                problems.append(f"{item['id']}: {field} differs from {source['id']}")
        if (item["answer"] == "") != (source["answer"] == ""):
            problems.append(f"{item['id']}: answered/unanswerable differs from {source['id']}")
        if item["question"].strip() == source["question"].strip():
            problems.append(f"{item['id']}: question not translated")
    assert not problems, "\n".join(problems)


def test_translation_coverage():
    for items, minimum in ((RU, 60), (KK, 30)):  # the issue asks for at least 60 and 30
        assert len(items) >= minimum
        assert len({item["source_id"] for item in items}) == len(items), "an English item translated twice"
        splits = Counter(item["split"] for item in items)
        # every English calibration item is translated (the fits have as many items per language as English), and
        # the test split keeps enough answerable items per language for its figures (41 each today)
        assert splits["calibration"] == ENGLISH_SPLITS["calibration"], splits
        assert sum(item["split"] == "test" and item["type"] != "unanswerable" for item in items) >= 40, splits
        types = Counter(item["type"] for item in items)
        assert set(types) == TYPES, f"types not covered: {TYPES - set(types)}"
        # about the English set's share of unanswerable items (39 of 209)
        assert 0.12 <= types["unanswerable"] / len(items) <= 0.3, types


def test_russian_questions_are_cyrillic():
    # most letters Cyrillic; package and command names (aptitude, gimp-data, KazAID) stay Latin
    russian = RU + [item for item in DOC_ITEMS if item["language"] == "ru"]
    for item in russian:
        assert _cyrillic_share(item["question"]) > 0.6, item["id"]
        assert not KAZAKH_LETTERS & set(item["question"] + item["answer"]), f"{item['id']}: Kazakh letter"
    for item in TRANSLATED:
        # an answer with words is translated ("46%." has none)
        if re.search(r"[^\W\d_]", item["answer"]):
            assert CYRILLIC.search(item["answer"]), f"{item['id']}: answer not translated"


def test_kazakh_items_are_kazakh():
    kazakh = KK + [item for item in DOC_ITEMS if item["language"] == "kk"]
    for item in kazakh:
        assert _cyrillic_share(item["question"]) > 0.6, item["id"]
    text = "".join(item["question"] + item["answer"] for item in kazakh)
    assert KAZAKH_LETTERS & set(text), "no Kazakh-specific letter in the Kazakh items"
    with_letter = sum(bool(KAZAKH_LETTERS & set(item["question"])) for item in kazakh)
    assert with_letter >= 0.9 * len(kazakh), (
        f"only {with_letter} of {len(kazakh)} Kazakh questions use ә ғ қ ң ө ұ ү һ і"
    )


def test_english_doc_questions_are_english():
    for item in DOC_ITEMS:
        if item["language"] == "en":
            assert _cyrillic_share(item["question"]) < 0.1, item["id"]


@pytest.mark.parametrize("doc_id", sorted(DOC_LANGUAGES))
def test_documents(doc_id):
    path = DOCS / f"{doc_id}.md"
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    assert len(raw) <= 150_000
    assert len(text.split()) >= 1500
    assert _cyrillic_share(text) > 0.6
    if doc_id.endswith("-kk"):
        assert KAZAKH_LETTERS & set(text)
    readme = (DOCS / "README.md").read_text(encoding="utf-8")
    assert f"`{doc_id}.md`" in readme and "licence" in readme.lower()


def test_doc_quotes_occur_in_their_document():
    texts = {doc_id: normalize((DOCS / f"{doc_id}.md").read_text(encoding="utf-8")) for doc_id in DOC_LANGUAGES}
    problems = []
    for item in DOC_ITEMS:
        for quote in item["quotes"]:
            words = len(normalize(quote).split())
            if not 8 <= words <= 40:
                problems.append(f"{item['id']}: quote of {words} words")
            if normalize(quote) not in texts[item["article"]]:
                problems.append(f"{item['id']}: quote not in {item['article']}.md: {quote[:60]!r}")
    assert not problems, "\n".join(problems)


def test_doc_question_counts():
    counts = Counter((item["article"], item["language"], item["type"] == "unanswerable") for item in DOC_ITEMS)
    minimum_answerable = {
        ("aptitude-ru", "ru"): 12,
        ("aptitude-ru", "en"): 8,
        ("firefox-errors-kk", "kk"): 8,
        ("firefox-errors-kk", "en"): 6,
    }
    for (doc_id, language), minimum in minimum_answerable.items():
        assert counts[doc_id, language, False] >= minimum, (doc_id, language)
        assert counts[doc_id, language, True] >= 2, (doc_id, language, "unanswerable")
    for n, item in enumerate(DOC_ITEMS, 1):
        assert item["split"] == ("calibration" if n % 3 == 0 else "test"), item["id"]
