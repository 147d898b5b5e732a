"""The #30 real-PDF bench's data: questions, quotes on their stated pages, running lines, splits.

The quote checks need the fetched PDFs (`make realdocs`, .cache/realdocs/) and poppler's pdftotext; without them
they skip, like tests/test_pdf_real.py. The rest reads only files in the repository.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import evals_module

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "realdocs"
CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
KAZAKH_ONLY = re.compile(r"[ӘәҒғҚқҢңӨөҰұҮүҺһІі]")


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bench = _load("bench_realdocs", ROOT / "evals" / "bench_realdocs.py")
fetch = _load("realdocs_fetch", ROOT / "evals" / "realdocs" / "fetch.py")
QUESTIONS = [json.loads(line) for line in bench.QA2.read_text(encoding="utf-8").splitlines() if line.strip()]
SOURCES = {src.stem: src for src in fetch.SOURCES}


def test_questions_are_well_formed() -> None:
    ids = [q["id"] for q in QUESTIONS]
    assert len(ids) == len(set(ids))
    for q in QUESTIONS:
        assert set(q) >= {"id", "doc", "split", "doc_lang", "lang", "question", "answerable", "quotes"}, q["id"]
        assert q["doc"] in SOURCES, q["id"]
        assert q["split"] == SOURCES[q["doc"]].split and q["doc_lang"] == SOURCES[q["doc"]].lang, q["id"]
        assert q["lang"] in {"en", "ru", "kk"} and q["question"].strip().endswith("?"), q["id"]
        assert q["answerable"] == bool(q["quotes"]), q["id"]
        for quote in q["quotes"]:
            assert set(quote) == {"text", "page", "pdf_page"} and len(quote["text"]) >= 8, q["id"]
            assert isinstance(quote["pdf_page"], int) and quote["pdf_page"] >= 1, q["id"]
            assert quote["page"] is None or re.fullmatch(r"\d+|[ivxlc]+", quote["page"]), q["id"]
        if not q["answerable"]:
            assert q.get("near_miss"), f"{q['id']}: say what makes the unanswerable question a near miss"


def test_enough_documents_and_questions() -> None:
    test_docs = {stem for stem, src in SOURCES.items() if src.split == "test"}
    assert len(test_docs) >= 12
    assert sum(1 for s in SOURCES.values() if s.split == "test" and s.scan_dpi) >= 3
    assert len({s.scan_dpi for s in SOURCES.values() if s.scan_dpi}) >= 3  # three resolutions
    assert len(QUESTIONS) >= 150
    per_doc = Counter(q["doc"] for q in QUESTIONS)
    assert all(per_doc[d] >= 5 for d in test_docs), per_doc
    unanswerable = sum(1 for q in QUESTIONS if not q["answerable"]) / len(QUESTIONS)
    assert 0.15 <= unanswerable <= 0.30


def test_issue_documents_are_calibration_only() -> None:
    for stem in ("apsguide4-2", "R-intro", "sandwich-CL", "texlive-ru", "tugboat-babelbib", "strucchange-intro"):
        assert fetch.splits()[stem] == "calibration"
    assert fetch.splits()["kjfs-2022-no1-2"] == "calibration"
    assert {SOURCES[s].package for s in ("texlive-ru", "tugboat-babelbib", "usrguide", "strucchange-intro")} == {
        "texlive-lang-cyrillic",
        "texlive-latex-base-doc",
        "r-cran-strucchange",
    }


def test_russian_documents_have_russian_english_and_kazakh_questions() -> None:
    russian = [q for q in QUESTIONS if q["doc_lang"] == "ru"]
    for doc in {q["doc"] for q in russian}:
        langs = Counter(q["lang"] for q in russian if q["doc"] == doc)
        assert langs["ru"] >= 3, doc
    assert {q["lang"] for q in russian} == {"ru", "en", "kk"}
    for q in QUESTIONS:
        if q["lang"] in ("ru", "kk"):
            assert CYRILLIC.search(q["question"]), q["id"]
        if q["lang"] == "kk":
            assert KAZAKH_ONLY.search(q["question"]), q["id"]
        if q["lang"] == "en":
            assert not CYRILLIC.search(q["question"]), q["id"]


def test_every_test_document_has_its_running_lines_written() -> None:
    lines = bench.running_lines()
    for stem, src in SOURCES.items():
        if src.split == "test":
            assert stem in lines, stem
            assert lines[stem]["page_numbers"] and lines[stem]["pages"], stem
            assert set(lines[stem]["in_body"]) <= set(lines[stem]["lines"]), stem


def test_running_line_count_ignores_spacing_and_subtracts_body_occurrences() -> None:
    spec = {"lines": ["MNRAS LATEX guide for authors", "{page}/5"], "in_body": {"MNRAS LATEX guide for authors": 1}}
    text = "MNRAS LATEX guide\nfor authors 3 ... Monthly text 2/5 more MNRAS LaTeX guide for authors"
    assert bench.count_running(text, spec) == {"MNRAS LATEX guide for authors": 1, "{page}/5": 1}
    upper = {"lines": ["ГЛАВА 2. СЦЕНА"], "in_body": {}, "case_sensitive": True}
    assert bench.count_running("Глава 2. Сцена\nГЛАВА 2. СЦЕНА", upper) == {"ГЛАВА 2. СЦЕНА": 1}


def test_indexed_text_takes_overlapping_chunks_once() -> None:
    class C:
        def __init__(self, start: int, end: int, text: str) -> None:
            self.doc_id, self.start, self.end, self.text = "d", start, end, text

    doc = "Header line. Body text follows here."
    chunks = [C(0, 20, doc[0:20]), C(13, 36, doc[13:36])]
    assert bench.indexed_text(chunks).replace("\n", "") == doc


def test_printed_page_rules() -> None:
    quote = {"text": "x", "page": "85", "pdf_page": 2}
    assert bench.page_right("85", "2", quote)
    assert bench.page_right("84–85", "1–2", quote)
    assert not bench.page_right("2", None, quote)  # the PDF page dressed as a printed label
    assert not bench.page_right("PDF p. 2", "2", quote)  # the page prints 85
    blank = {"text": "x", "page": None, "pdf_page": 1}
    assert bench.page_right("", "1", blank) and bench.page_right("PDF p. 1", "1", blank)
    assert not bench.page_right("1", None, blank)  # a count shown as a label on a page that prints none


def test_quote_key_is_tolerant_of_spacing_hyphens_and_case() -> None:
    assert bench.quote_key("The default unit of measure-\nment") == bench.quote_key("the default  unit of measurement")
    assert bench.quote_key("ﬁle “main”") == bench.quote_key("file main")


# --- with the fetched PDFs ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cache() -> Path:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) missing: `make system-deps`")
    names = [f"{q['doc']}.pdf" for q in QUESTIONS]
    if not all((CACHE / n).is_file() for n in names):
        # CI fetches them with the Makefile target (Debian packages, cached); offline without a cache: skip
        subprocess.run(["make", "-s", "realdocs"], cwd=ROOT, capture_output=True, timeout=900, check=False)
    missing = sorted({n for n in names if not (CACHE / n).is_file()})
    if missing:
        pytest.skip(f"real PDFs missing in {CACHE} ({', '.join(missing)}): run `make realdocs`")
    return CACHE


@functools.cache
def _page_texts(cache: Path, doc: str) -> list[str]:
    """pdftotext per PDF page; for a scan, its source pages' text (fetch.py writes it beside the scan)."""
    if SOURCES[doc].scan_dpi:
        return (cache / f"{doc}.source.txt").read_text(encoding="utf-8").split("\f")
    text = subprocess.run(["pdftotext", str(cache / f"{doc}.pdf"), "-"], capture_output=True, text=True, check=True)
    return text.stdout.split("\f")


def test_every_quote_is_on_its_stated_pdf_page(cache: Path) -> None:
    missing: list[str] = []
    for q in QUESTIONS:
        for quote in q["quotes"]:
            page = bench.quote_key(_page_texts(cache, q["doc"])[quote["pdf_page"] - 1])
            if bench.quote_key(quote["text"]) not in page:
                missing.append(f"{q['id']} p{quote['pdf_page']}: {quote['text'][:50]}")
    assert not missing, missing


def test_printed_page_numbers_are_printed_on_their_pages(cache: Path) -> None:
    wrong: list[str] = []
    for q in QUESTIONS:
        texts = _page_texts(cache, q["doc"])
        for quote in q["quotes"]:
            if quote["page"] is None:
                continue
            lines = [ln.strip() for ln in texts[quote["pdf_page"] - 1].splitlines() if ln.strip()]
            edges = " ".join(lines[:3] + lines[-3:])  # a running line holding the number, or the number alone
            alone = any(re.fullmatch(rf"{quote['page']}(?:/\d+)?", ln) for ln in lines)
            if not alone and not re.search(rf"(?<![\w.,]){quote['page']}(?![\w.,])", edges):
                wrong.append(f"{q['id']}: {quote['page']}")
    assert not wrong, wrong


def test_scans_have_no_text_layer(cache: Path) -> None:
    for stem, src in SOURCES.items():
        if src.scan_dpi and (cache / src.file).is_file():
            text = subprocess.run(["pdftotext", str(cache / src.file), "-"], capture_output=True, text=True).stdout
            assert not text.strip(), stem


def test_manifest_records_package_version_and_hashes(cache: Path) -> None:
    manifest: dict[str, Any] = json.loads((cache / "SOURCES.json").read_text())
    for src in fetch.SOURCES:
        entry = manifest[src.file]
        assert entry["package"] == src.package and entry["version"] and entry["split"] == src.split
        assert re.fullmatch(r"[0-9a-f]{64}", entry["deb_sha256"]) and re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
        assert entry["recipe"] == src.recipe()


@pytest.mark.slow
def test_verdict_rows_of_a_real_document_label_the_sentences_that_hold_a_quote(cache: Path, tmp_path: Path) -> None:
    """The rows the verdict is fitted on (evals/verdict_data.py --realdocs): a real PDF indexed alone, every question
    with its candidate sentences, and a sentence labelled gold only when it holds one of the question's quotes."""
    verdict_data = evals_module("verdict_data")
    out = tmp_path / "rows.jsonl"
    assert verdict_data.realdocs_rows("calibration", out, docs={"tugboat-babelbib"}) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    questions = {q["id"]: q for q in QUESTIONS if q["doc"] == "tugboat-babelbib"}
    assert {r["id"] for r in records} == set(questions)
    for record in records:
        assert record["answerable"] == questions[record["id"]]["answerable"]
        assert record["sentences"] and {"gold", "cosine", "match"} <= set(record["sentences"][0])
        if not record["answerable"]:
            assert not any(s["gold"] for s in record["sentences"])
    # the document answers its answerable questions: most of them have a candidate holding the quote
    answerable = [r for r in records if r["answerable"]]
    assert sum(any(s["gold"] for s in r["sentences"]) for r in answerable) >= len(answerable) - 1
