"""Real-PDF bench (issue #30): one commit's code against another's, document by document, in one run.

The documents come from Debian packages (``make realdocs``; evals/realdocs/fetch.py says which, with their split);
the questions from evals/realdocs/qa2.jsonl (each quote with its printed page) and, for the three #12 documents,
evals/realdocs/qa.jsonl; the running lines of each test document from evals/realdocs/running_lines.json, written by
hand before any run. For each document and each code version, in its own process (``PYTHONPATH`` = that version's
``src``, the same venv), the bench indexes the one PDF alone and reports:

* seconds per page: the wall time of ``build_index`` (parse, OCR, chunk, embed, write) over the PDF's pages;
* running lines: occurrences of the hand-written running lines in the indexed chunks (overlaps counted once,
  ``in_body`` occurrences subtracted);
* hit@5: a quote in one of the five passages; answered + cited: not abstained, and a citation holds a quote;
* printed page right: of the answered-and-cited questions, the cited chunk's page label is the quote's printed page
  (a page that prints no number: right when shown as "PDF p. N"; "p. N" there is a count dressed as a label);
  printed page shown: of the same, the cited page is a printed label, not the "PDF p. N" fallback;
* unanswerable questions: the verdicts (``Answer.verdict`` where the code has it, else abstained / answered) and
  the share not ``answered``.

Quotes match tolerantly (``quote_key``: NFKC, case folded, every non-word character dropped), so a spacing or
hyphenation difference is no miss; a misspelt word (OCR) is.

    python evals/bench_realdocs.py [--split test|calibration|all] [--docs a,b] [--baseline REF] [--current REF]
        [--out table.md] [--json results.json]

REF is a git commit (its ``src`` is exported with ``git archive`` into /tmp/jqa-src-<commit>) or ``worktree`` (this
checkout's ``src``, uncommitted edits included). ``--legacy`` runs the #12 bench (pypdf path vs layout path on the
three #12 PDFs).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
QA_DIR = ROOT / "evals" / "realdocs"
QA = QA_DIR / "qa.jsonl"  # the #12 questions (quotes as strings, no pages)
QA2 = QA_DIR / "qa2.jsonl"  # #30: quotes with printed and PDF pages, split, languages
RUNNING_LINES = QA_DIR / "running_lines.json"
CACHE = ROOT / ".cache" / "realdocs"
BASELINE = "fe50c002921daa6627d4c911911aa786b6853139"  # HEAD when the #30 bench was written (2026-12-06)
PAGE_NUMBER = r"(?:\d+|[ivxlcdm]+)"
PDF_PAGE = re.compile(r"^PDF p\. ?(\d+)")


def _fetch_module() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("realdocs_fetch", QA_DIR / "fetch.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("realdocs_fetch", module)
    spec.loader.exec_module(module)
    return module


def splits() -> dict[str, str]:
    """Document stem -> "calibration" or "test" (evals/realdocs/fetch.py)."""
    return _fetch_module().splits()


def quote_key(text: str) -> str:
    """The tolerant form quotes are matched in: NFKC, case folded, line-end hyphens joined, non-word dropped."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u00ad", "")
    return re.sub(r"\W+", "", re.sub(r"-\s*\n\s*", "", text))


def load_questions(split: str = "all") -> list[dict[str, Any]]:
    """qa2.jsonl, plus qa.jsonl's questions (quotes without pages) on documents qa2 does not cover."""
    items = [json.loads(line) for line in QA2.read_text(encoding="utf-8").splitlines() if line.strip()]
    covered = {item["doc"] for item in items}
    doc_split = splits()
    for line in QA.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        old = json.loads(line)
        if old["doc"] in covered:
            continue
        quotes = [{"text": q, "page": None, "pdf_page": None} for q in old["quotes"]]
        items.append({**old, "split": doc_split.get(old["doc"], "calibration"), "lang": "en", "quotes": quotes})
    return [item for item in items if split == "all" or item["split"] == split]


def running_lines() -> dict[str, dict[str, Any]]:
    data = json.loads(RUNNING_LINES.read_text(encoding="utf-8"))
    return {doc: spec for doc, spec in data.items() if not doc.startswith("_")}


def _line_key(text: str, case_sensitive: bool) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text if case_sensitive else text.casefold())


def count_running(text: str, spec: dict[str, Any]) -> dict[str, int]:
    """Occurrences of each running line of ``spec`` (running_lines.json) in ``text``, less its in-body count."""
    case = bool(spec.get("case_sensitive"))
    haystack = _line_key(text, case)
    out = {}
    for line in spec.get("lines", []):
        parts = [re.escape(_line_key(p, case)) for p in line.split("{page}")]
        found = len(re.findall(PAGE_NUMBER.join(parts), haystack))
        out[line] = max(0, found - int(spec.get("in_body", {}).get(line, 0)))
    return out


def indexed_text(chunks: list[Any]) -> str:
    """The indexed chunks' text with overlaps taken once (chunks hold ``doc.text[start:end]``)."""
    parts: list[str] = []
    by_doc: dict[str, list[Any]] = {}
    for chunk in chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    for doc_chunks in by_doc.values():
        reached = 0
        for chunk in sorted(doc_chunks, key=lambda c: (c.start, c.end)):
            if chunk.end <= reached:
                continue
            skip = max(0, reached - chunk.start)
            parts.append(chunk.text[skip:])
            reached = chunk.end
    return "\n".join(parts)


def page_right(label: str | None, pdf_label: str | None, quote: dict[str, Any]) -> bool:
    """Is the cited page the quote's printed page? ``label`` is the chunk's page (the printed label, or on code
    before #30 the PDF's page label), ``pdf_label`` its PDF page where the code stores one."""
    printed, pdf_page = quote.get("page"), quote.get("pdf_page")
    shown = (label or "").strip()
    fallback = not shown or bool(PDF_PAGE.match(shown))
    if printed is None:  # the page prints no number: only "PDF p. N" is honest
        return fallback and (not pdf_label or str(pdf_page) in _pages(pdf_label))
    return not fallback and printed in _pages(shown)


def _pages(label: str) -> set[str]:
    """``"84–85"`` -> {"84", "85"}; a range's pages in between are not listed (a chunk spans two at most)."""
    return {p.strip().lstrip("~") for p in re.split(r"[–-]", label)}


def ask_all(assistant: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        answer = assistant.ask(item["question"], top_k=5)
        keys = [quote_key(q["text"]) for q in item["quotes"]]
        top = [p.chunk for p in answer.passages[:5]]
        hit = any(k and k in quote_key(c.text) for c in top for k in keys)
        verdict = getattr(answer, "verdict", None) or ("not_in_documents" if answer.abstained else "answered")
        good = None
        for citation in answer.citations:
            chunk = citation.passage.chunk
            held = [q for q, k in zip(item["quotes"], keys, strict=True) if k and k in quote_key(chunk.text)]
            if held:
                good = (chunk, held[0])
                break
        row: dict[str, Any] = {
            "id": item["id"],
            "answerable": item["answerable"],
            "hit": hit,
            "verdict": verdict,
            "abstained": bool(answer.abstained),
            "answered_cited": (not answer.abstained) and good is not None,
        }
        if good is not None and not answer.abstained:
            chunk, quote = good
            label, pdf_label = chunk.page, getattr(chunk, "pdf_page", None)
            row.update(
                label=label,
                pdf_label=pdf_label,
                page_truth=quote.get("page"),
                page_judged=quote.get("pdf_page") is not None,
                page_right=page_right(label, pdf_label, quote),
                page_shown=bool((label or "").strip()) and not PDF_PAGE.match(label or ""),
            )
        rows.append(row)
    return rows


def worker(pdf: Path, items: list[dict[str, Any]], spec: dict[str, Any] | None, src: str) -> dict[str, Any]:
    """Index one PDF alone with the journalqa found on PYTHONPATH and answer its questions."""
    import shutil

    import journalqa
    from journalqa.assistant import Assistant
    from journalqa.config import Settings, apply_offline_env
    from journalqa.index.build import build_index
    from journalqa.index.embed import Embedder
    from journalqa.index.store import load_index

    where = str(Path(journalqa.__file__).resolve())
    if src and not where.startswith(str(Path(src).resolve())):
        raise SystemExit(f"journalqa came from {where}, not {src}")
    apply_offline_env()
    embedder = Embedder()
    embedder.encode(["warm up"])  # model load outside the timed add
    from pypdf import PdfReader

    pages = len(PdfReader(pdf).pages)
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        shutil.copy(pdf, corpus / pdf.name)
        settings = Settings(index_dir=index, corpus_dir=corpus)
        started = time.perf_counter()
        report = build_index(settings, embedder, show_progress=False)
        add_s = time.perf_counter() - started
        chunks = load_index(index, dense=False).chunks
        rows = ask_all(Assistant(settings, embedder), items)
    text = indexed_text(chunks)
    running = count_running(text, spec) if spec else {}
    return {
        "journalqa": where,
        "pages": pages,
        "add_s": add_s,
        "s_per_page": add_s / pages,
        "timings_s": getattr(report, "timings_s", {}),
        "chunks": len(chunks),
        "documents": len({c.doc_id for c in chunks}),
        "running": running,
        "running_total": sum(running.values()) if spec else None,
        "rows": rows,
    }


def source_dir(ref: str) -> tuple[str, str]:
    """(src folder, commit) for a git ref, exported once with ``git archive``; ``worktree``: this checkout's src."""
    if ref == "worktree":
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True)
        return str(ROOT / "src"), head[:12] + ("+uncommitted" if dirty.stdout.strip() else "")
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    dest = Path(tempfile.gettempdir()) / f"jqa-src-{commit[:12]}"
    if not (dest / "src" / "journalqa" / "__init__.py").is_file():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.Popen(["git", "archive", commit, "src"], cwd=ROOT, stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout, check=True)
        archive.wait()
    return str(dest / "src"), commit[:12]


def fresh_ocr_cache(home: Path) -> str:
    """A cache home like the user's (the exported ONNX model and the rest linked in) without journalqa's OCR'd
    copies, so that a scan is OCR'd in every timed add, not read back from the previous run's cache."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    (home / "journalqa").mkdir(parents=True)
    for entry in base.glob("*") if base.is_dir() else ():
        if entry.name != "journalqa":
            (home / entry.name).symlink_to(entry)
    for entry in (base / "journalqa").glob("*"):
        if entry.name != "ocr":
            (home / "journalqa" / entry.name).symlink_to(entry)
    return str(home)


def run_worker(src: str, pdf: Path, items: list[dict[str, Any]], spec: dict[str, Any] | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        job, result = Path(tmp) / "job.json", Path(tmp) / "result.json"
        job.write_text(json.dumps({"pdf": str(pdf), "items": items, "spec": spec, "src": src}), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": src, "XDG_CACHE_HOME": fresh_ocr_cache(Path(tmp) / "cache")}
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(job), str(result)],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not result.is_file():
            tail = (done.stderr or done.stdout).strip().splitlines()[-12:]
            return {"error": tail[-1].strip() if tail else f"exit {done.returncode}", "error_tail": tail}
        return json.loads(result.read_text(encoding="utf-8"))


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    rows = result.get("rows", [])
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    cited = [r for r in answerable if r["answered_cited"] and r.get("page_judged")]
    verdicts = Counter(r["verdict"] for r in unanswerable)
    answerable_verdicts = Counter(r["verdict"] for r in answerable)

    def share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    return {
        "n": len(rows),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "hit5": share(sum(r["hit"] for r in answerable), len(answerable)),
        "answered_cited": share(sum(r["answered_cited"] for r in answerable), len(answerable)),
        "n_page_judged": len(cited),
        "page_right": share(sum(r["page_right"] for r in cited), len(cited)),
        "page_shown": share(sum(r["page_shown"] for r in cited), len(cited)),
        "not_answered": share(sum(r["verdict"] != "answered" for r in unanswerable), len(unanswerable)),
        "verdicts": dict(verdicts),
        "answerable_verdicts": dict(answerable_verdicts),
    }


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


HEADER = (
    "| document | split | lang | pages | code | s/page | running lines left | hit@5 | answered + cited "
    "| answerable verdicts a/u/n "
    "| printed page right (n) | printed page shown | unanswerable not answered (n) | unanswerable verdicts a/u/n |"
)


def _verdicts(counts: dict[str, int]) -> str:
    return f"{counts.get('answered', 0)}/{counts.get('uncertain', 0)}/{counts.get('not_in_documents', 0)}"


def table_row(doc: str, meta: dict[str, Any], code: str, result: dict[str, Any], base_spp: float | None) -> str:
    if "error" in result:
        return f"| {doc} | {meta['split']} | {meta['lang']} | | {code} | error: {result['error'][:120]} |" + " |" * 8
    s = summarize(result)
    spp = f"{result['s_per_page']:.2f}"
    if base_spp:
        spp += f" ({result['s_per_page'] / base_spp:.2f}x)"
    running = "–" if result["running_total"] is None else str(result["running_total"])
    verdicts, answerable_verdicts = _verdicts(s["verdicts"]), _verdicts(s["answerable_verdicts"])
    return (
        f"| {doc} | {meta['split']} | {meta['lang']} | {result['pages']} | {code} | {spp} | {running} "
        f"| {_fmt(s['hit5'])} | {_fmt(s['answered_cited'])} | {answerable_verdicts} "
        f"| {_fmt(s['page_right'])} ({s['n_page_judged']}) "
        f"| {_fmt(s['page_shown'])} | {_fmt(s['not_answered'])} ({s['n_unanswerable']}) | {verdicts} |"
    )


def pooled(results: list[dict[str, Any]]) -> dict[str, Any]:
    """All questions of several documents as one document (micro averages), seconds per page over all pages."""
    ok = [r for r in results if "error" not in r]
    if not ok:
        return {"error": "no document ran"}
    pages = sum(r["pages"] for r in ok)
    running = [r["running_total"] for r in ok if r["running_total"] is not None]
    return {
        "pages": pages,
        "s_per_page": sum(r["add_s"] for r in ok) / pages if pages else 0.0,
        "running_total": sum(running) if running else None,
        "rows": [row for r in ok for row in r["rows"]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--split", choices=("test", "calibration", "all"), default="test")
    parser.add_argument("--docs", default="", help="comma-separated document stems (default: all of the split)")
    parser.add_argument("--baseline", default=BASELINE, help="git ref of the code compared against (or 'none')")
    parser.add_argument("--current", default="worktree", help="git ref, or 'worktree' (this checkout's src)")
    parser.add_argument("--out", type=Path, default=None, help="also write the table (Markdown) here")
    parser.add_argument("--json", type=Path, default=None, help="also write every answer's record here")
    parser.add_argument("--worker", nargs=2, metavar=("JOB", "RESULT"), help=argparse.SUPPRESS)
    parser.add_argument("--legacy", action="store_true", help="the #12 bench: pypdf path vs layout path")
    parser.add_argument("--from-json", type=Path, default=None, help="only print the table of a --json record")
    args, rest = parser.parse_known_args(argv)
    if rest and not args.legacy:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.worker:
        job = json.loads(Path(args.worker[0]).read_text(encoding="utf-8"))
        out = worker(Path(job["pdf"]), job["items"], job["spec"], job["src"])
        Path(args.worker[1]).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
        return 0
    if args.legacy:
        # its own main script: its parse processes are spawned and re-import it by path
        passed = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--legacy"]
        return subprocess.run([sys.executable, str(QA_DIR / "bench_pypdf_vs_layout.py"), *passed]).returncode

    if args.from_json:
        return rerender(args.from_json, args.out)
    items = load_questions(args.split)
    wanted = [d for d in args.docs.split(",") if d]
    fetch = _fetch_module()
    doc_split, langs = fetch.splits(), fetch.languages()
    docs = [d for d in dict.fromkeys(i["doc"] for i in items) if not wanted or d in wanted]
    specs = running_lines()
    codes = [("baseline", args.baseline)] if args.baseline != "none" else []
    codes.append(("current", args.current))
    sources = {name: source_dir(ref) for name, ref in codes}
    started = time.time()
    code = {name: commit for name, (_, commit) in sources.items()}
    print("\n".join(render({}, code, doc_split, langs)[:-1]), flush=True)
    everything: dict[str, dict[str, Any]] = {}
    for doc in docs:
        pdf = args.cache / f"{doc}.pdf"
        if not pdf.is_file():
            print(f"skipped {doc}: {pdf} missing (run `make realdocs`)", file=sys.stderr)
            continue
        doc_items = [i for i in items if i["doc"] == doc]
        everything[doc] = {name: run_worker(src, pdf, doc_items, specs.get(doc)) for name, (src, _) in sources.items()}
        print("\n".join(render({doc: everything[doc]}, code, doc_split, langs, summary=False)), flush=True)
    record = {
        "code": code,
        "seconds": round(time.time() - started),
        "questions": sum(i["doc"] in everything for i in items),
        "documents": everything,
    }
    table = "\n".join(render(everything, code, doc_split, langs)) + f"\n\n{len(items)} questions, {record['seconds']} s"
    print(table)
    if args.out:
        args.out.write_text(table + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


def render(
    everything: dict[str, dict[str, Any]],
    code: dict[str, str],
    doc_split: dict[str, str],
    langs: dict[str, str],
    summary: bool = True,
) -> list[str]:
    """The Markdown table: a row per document and code, then (``summary``) the header above and per split all its
    questions pooled, over the documents every code indexed without an error (the crashes counted in the row's
    name)."""
    lines = ["code: " + ", ".join(f"{name} = {commit}" for name, commit in code.items()), "", HEADER, "|---" * 14 + "|"]
    lines = lines if summary else []
    for doc, results in everything.items():
        meta = {"split": doc_split.get(doc, "?"), "lang": langs.get(doc, "?")}
        base = results.get("baseline", {})
        base_spp = None if "error" in base else base.get("s_per_page")
        for name, result in results.items():
            lines.append(table_row(doc, meta, name, result, base_spp if name != "baseline" else None))
    for split in ("calibration", "test") if summary else ():
        in_split = [d for d in everything if doc_split.get(d) == split]
        ran = [d for d in in_split if not any("error" in r for r in everything[d].values())]
        if not in_split:
            continue
        crashes = ", ".join(
            f"{sum('error' in everything[d].get(name, {}) for d in in_split)} {name} crash(es)" for name in code
        )
        label = f"**all {split}: {len(ran)} of {len(in_split)} documents ({crashes})**"
        base_all = pooled([everything[d]["baseline"] for d in ran]) if "baseline" in code else None
        for name in code:
            result = pooled([everything[d][name] for d in ran])
            spp = base_all.get("s_per_page") if base_all and name != "baseline" else None
            lines.append(table_row(label, {"split": split, "lang": "all"}, name, result, spp))
    return lines + [""] if summary else lines


def rerender(path: Path, out: Path | None) -> int:
    """The table again from a ``--json`` record."""
    record = json.loads(path.read_text(encoding="utf-8"))
    fetch = _fetch_module()
    lines = render(record["documents"], record["code"], fetch.splits(), fetch.languages())
    table = "\n".join(lines) + f"\n\n{record['questions']} questions, {record['seconds']} s"
    print(table)
    if out:
        out.write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
