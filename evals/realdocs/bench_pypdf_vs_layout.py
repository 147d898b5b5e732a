"""The #12 real-PDF bench: the old pypdf path against the layout-aware path on the three #12 PDFs, in one run.

For each document and path: add time per page (parse, chunk, embed) and peak memory of the parse (its own
process), noise left in stored chunks, and answers to evals/realdocs/qa.jsonl (hit@5, answered and cited,
cited page = printed page of the quote, abstentions right). Usage:

    python evals/bench_realdocs.py --legacy [--cache .cache/realdocs] [--out docs/realdocs-table.md]

(kept as it was for docs/realdocs.md's #12 table; the #30 bench is evals/bench_realdocs.py)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import re
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QA = ROOT / "evals" / "realdocs" / "qa.jsonl"
# running lines as printed on these documents' pages (what must not survive into chunks)
RUNNING = {
    "R-intro": re.compile(r"(?:Chapter \d+|Appendix [A-Z]): [A-Z][^.\n]{3,60} \d{1,3}\b"),
    "sandwich-CL": re.compile(
        r"\d{1,2} Various Versatile Variances|Achim Zeileis, Susanne Köll, Nathaniel Graham \d{1,2}"
    ),
    "apsguide4-2": re.compile(r"(?m)^\d\s"),
}
KNOWN_HYPHEN_ERRORS = re.compile(r"zerotruncated|zeroinflated|avail-able|two-way-|\w+- \w+")


def _load(path_kind: str, pdf: Path):
    # each path imports only its own modules, so the parse process's peak memory is its own
    if path_kind == "old":
        return pypdf_baseline(pdf)
    from journalqa.ingest import load_file

    return load_file(pdf)


def pypdf_baseline(pdf: Path):
    """The path before #12, kept here as the bench's baseline: pypdf's text per page, paragraphs joined, line-end
    hyphens dropped, the page's first line as title unless /Title is set. No cleaning passes, no OCR."""
    from pypdf import PdfReader

    from journalqa.ingest.docfile import content_hash
    from journalqa.types import Document, PageMark

    reader = PdfReader(pdf)
    labels = list(reader.page_labels)
    parts: list[str] = []
    marks: list[PageMark] = []
    length = 0
    for index, page in enumerate(reader.pages):
        raw = re.sub(r"(\w)-\n(\w)", r"\1\2", page.extract_text() or "")
        text = "\n\n".join(p for p in (" ".join(q.split()) for q in re.split(r"\n\s*\n", raw)) if p)
        if not text:
            continue
        length += 2 if parts else 0
        marks.append(PageMark(length, labels[index]))
        parts.append(text)
        length += len(text)
    text = "\n\n".join(parts)
    title = (reader.metadata.title if reader.metadata else None) or text.split("\n", 1)[0][:120]
    metadata = {"pdf_pages": len(reader.pages), "source_file": pdf.name, "content_hash": content_hash(pdf.read_bytes())}
    return Document(pdf.stem, title, text, (), tuple(marks), metadata)


def _parse_child(path_kind: str, pdf: str, queue) -> None:
    started = time.perf_counter()
    doc = _load(path_kind, Path(pdf))
    queue.put((time.perf_counter() - started, _peak_mb(), len(doc.text)))


def _peak_mb() -> float:
    # VmHWM starts afresh at exec; ru_maxrss keeps the forking parent's high-water mark (torch is loaded there)
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parse_in_own_process(path_kind: str, pdf: Path) -> tuple[float, float]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_parse_child, args=(path_kind, str(pdf), queue))
    proc.start()
    seconds, peak, _ = queue.get(timeout=600)
    proc.join()
    return seconds, peak


def page_of_quote(pdf: Path, quote: str) -> str | None:
    """The printed page label of the page whose text (pypdf, squeezed) holds the quote: independent of both paths."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    labels = list(reader.page_labels)
    key = re.sub(r"\W+", "", quote.lower())[:40]
    for i, page in enumerate(reader.pages):
        text = re.sub(r"\W+", "", (page.extract_text() or "").lower().replace("ﬁ", "fi").replace("ﬂ", "fl"))
        if key in text:
            return labels[i]
    return None


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def page_matches(chunk_page: str | None, page: str | None) -> bool:
    if page is None or chunk_page is None:
        return False
    parts = chunk_page.split("–")
    return page in parts or page == chunk_page


def evaluate(path_kind: str, pdf: Path, items: list[dict], embedder) -> dict:
    import journalqa.ingest as ingest
    from journalqa.assistant import Assistant
    from journalqa.config import Settings
    from journalqa.index.build import build_index
    from journalqa.index.chunk import chunk_documents
    from journalqa.ingest.normalize import noise_counts

    seconds, peak = parse_in_own_process(path_kind, pdf)
    doc = _load(path_kind, pdf)
    pages = doc.metadata.get("pdf_pages", 1)
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        shutil.copy(pdf, corpus / pdf.name)
        settings = Settings(index_dir=index, corpus_dir=corpus)
        original = ingest.load_file
        if path_kind == "old":
            ingest.load_file = lambda p, **_: pypdf_baseline(p)  # type: ignore[assignment]
        try:
            report = build_index(settings, embedder, show_progress=False)
            assistant = Assistant(settings, embedder)
            chunks = [
                replace(c, kind=doc.kind_at(c.start))
                for c in chunk_documents([doc], max_tokens=settings.chunk_tokens, count_tokens=embedder.count_tokens)
            ]
            rows = []
            for item in items:
                answer = assistant.ask(item["question"], top_k=5)
                quotes = [squeeze(q) for q in item["quotes"]]
                top = [p.chunk for p in answer.passages[:5]]
                hit = any(q in squeeze(c.text) for c in top for q in quotes)
                cited = [c.passage.chunk for c in answer.citations]
                good = [c for c in cited if any(q in squeeze(c.text) for q in quotes)]
                page = page_of_quote(pdf, item["quotes"][0]) if quotes else None
                rows.append(
                    {
                        "answerable": item["answerable"],
                        "hit": hit,
                        "answered_cited": (not answer.abstained) and bool(good),
                        "page_right": bool(good) and page_matches(good[0].page, page),
                        "abstained": answer.abstained,
                    }
                )
        finally:
            ingest.load_file = original
    embed_s = report.timings_s.get("embed", 0.0)
    text = "\n".join(c.text for c in chunks)
    noise = noise_counts(text)
    running = sum(len(RUNNING[pdf.stem].findall(c.text)) for c in chunks) if pdf.stem in RUNNING else 0
    kinds = [getattr(c, "kind", "body") for c in chunks]
    by_kind = {k: sum(1 for x in kinds if x == k) for k in ("contents", "index", "references")}
    dots = sum(1 for c in chunks if len(re.findall(r"(?:\. ){4,}", c.text)) >= 2)
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    return {
        "pages": pages,
        "parse_s": seconds,
        "parse_ms_per_page": 1000 * seconds / pages,
        "peak_mb": peak,
        "chunks": len(chunks),
        "embed_s": embed_s,
        "add_over_embed": (seconds + report.timings_s.get("chunk", 0.0) + embed_s) / embed_s if embed_s else 0.0,
        "running_lines": running,
        "ligatures": noise["ligatures"],
        "nul_pua": noise["nul"] + noise["private_use"],
        "hyphen_errors": len(KNOWN_HYPHEN_ERRORS.findall(text)),
        "dot_leader_chunks": dots,
        "nonbody_chunks": by_kind,
        "hit5": sum(r["hit"] for r in answerable) / len(answerable),
        "answered_cited": sum(r["answered_cited"] for r in answerable) / len(answerable),
        "page_right": sum(r["page_right"] for r in answerable) / len(answerable),
        "abstain_right": sum(r["abstained"] for r in unanswerable) / max(1, len(unanswerable)),
        "false_abstain": sum(r["abstained"] for r in answerable) / len(answerable),
    }


COLUMNS = [
    ("pages", "{:d}"),
    ("parse_ms_per_page", "{:.0f}"),
    ("peak_mb", "{:.0f}"),
    ("chunks", "{:d}"),
    ("add_over_embed", "{:.2f}"),
    ("running_lines", "{:d}"),
    ("ligatures", "{:d}"),
    ("nul_pua", "{:d}"),
    ("hyphen_errors", "{:d}"),
    ("dot_leader_chunks", "{:d}"),
    ("hit5", "{:.2f}"),
    ("answered_cited", "{:.2f}"),
    ("page_right", "{:.2f}"),
    ("abstain_right", "{:.2f}"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "realdocs")
    parser.add_argument("--out", type=Path, default=None, help="also write the table (Markdown) here")
    args = parser.parse_args(argv)
    from journalqa.config import apply_offline_env
    from journalqa.index.embed import Embedder

    apply_offline_env()
    items = [json.loads(line) for line in QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    embedder = Embedder()
    lines = [
        "| document | path | " + " | ".join(name for name, _ in COLUMNS) + " | contents/index/references chunks |",
        "|---" * (len(COLUMNS) + 3) + "|",
    ]
    for name in dict.fromkeys(item["doc"] for item in items):
        pdf = args.cache / f"{name}.pdf"
        if not pdf.is_file():
            print(f"skipped {name}: {pdf} missing (run `make realdocs`)", file=sys.stderr)
            continue
        for kind in ("old", "new"):
            result = evaluate(kind, pdf, [i for i in items if i["doc"] == name], embedder)
            cells = [fmt.format(result[key]) for key, fmt in COLUMNS]
            nb = result["nonbody_chunks"]
            label = "pypdf (before)" if kind == "old" else "layout (after)"
            lines.append(
                f"| {name} | {label} | " + " | ".join(cells) + f" | {nb['contents']}/{nb['index']}/{nb['references']} |"
            )
            print(lines[-1], flush=True)
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
