"""Scale benchmark: FAISS index types and BM25 at 10^4-10^6 chunks on synthetic corpora.

Dense: random unit vectors in 384-d (all-MiniLM-L6-v2's dimension), in two distributions:
  uniform    directions uniform on the sphere - no cluster structure, the worst case for ANN;
  clustered  vectors scattered around a few thousand centroids, closer to real text embeddings.
Embedding 10^6 real chunks would take ~10-12 hours on this machine (22-30 chunks/s), so the vectors are
synthetic; the index code is the library's (``store.build_dense`` / ``retrieve.FaissSearcher``).
BM25: filler "text" as token ids drawn from a Zipf vocabulary (~90 indexed terms per chunk, as the
journal's chunks after stop words), indexed with ``store.build_bm25`` exactly as an update re-indexes.

Per size and index type: build time, memory (serialized index size and RSS growth), single-query
latency p50/p95 through the library's searcher, recall@10 against exact search.

    nice -n 10 .venv/bin/python evals/bench_scale.py                    # 10^4, 10^5, 10^6
    .venv/bin/python evals/bench_scale.py --sizes 10000 --queries 50     # quick

Writes evals/reports/scale/results.json, table.md and scale.png.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from journalqa.config import Settings  # noqa: E402
from journalqa.index.store import IndexData, build_bm25, build_dense, dense_spec  # noqa: E402
from journalqa.search.retrieve import FaissSearcher  # noqa: E402

OUT = ROOT / "evals" / "reports" / "scale"
DIM = 384
K = 10
# search-time settings swept without rebuilding (the first of each is the library default)
SWEEP = {"IndexHNSWFlat": ("efSearch", [96, 48, 192, 384]), "IndexIVFPQ": ("nprobe", [32, 64, 128, 256])}


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def unit(x: np.ndarray) -> np.ndarray:
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def vectors(n: int, dist: str, seed: int, centroids: np.ndarray | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, DIM), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        if dist == "uniform":
            part = rng.standard_normal((m, DIM), dtype=np.float32)
        else:  # around a centroid: cosine to it ~0.75, to a neighbour in the same cluster ~0.55
            part = centroids[rng.integers(0, len(centroids), m)] + 0.9 * rng.standard_normal(
                (m, DIM), dtype=np.float32
            ) / np.sqrt(DIM)
        out[start : start + m] = unit(part)
    return out


def exact_top(base: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    tops = []
    for start in range(0, len(queries), 50):
        scores = queries[start : start + 50] @ base.T
        part = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.take_along_axis(scores, part, axis=1).argsort(axis=1)[:, ::-1]
        tops.append(np.take_along_axis(part, order, axis=1))
    return np.concatenate(tops)


def index_bytes(index) -> int:  # noqa: ANN001
    import faiss

    return int(faiss.serialize_index(index).nbytes)


def bench_dense(n: int, dist: str, kinds: list[str], n_queries: int, results: list[dict]) -> None:
    rng = np.random.default_rng(1)
    centroids = unit(rng.standard_normal((2000, DIM), dtype=np.float32)) if dist == "clustered" else None
    started = time.perf_counter()
    base = vectors(n, dist, seed=n, centroids=centroids)
    queries = vectors(n_queries, dist, seed=7, centroids=centroids)
    truth = exact_top(base, queries, K)
    print(f"  {dist} {n:,}: data + exact top-{K} in {time.perf_counter() - started:.1f} s", flush=True)
    for kind in kinds:
        spec = dense_spec(Settings(ann_threshold=0, ann_index=kind), n)
        gc.collect()
        before = rss_mb()
        started = time.perf_counter()
        index = build_dense(base, spec)
        build_s = time.perf_counter() - started
        grown = rss_mb() - before
        size = index_bytes(index)
        raw = base if kind == "ivfpq" else None  # IVF-PQ re-ranks on the exact vectors (vectors.npy)
        data = IndexData({"dense": spec}, [], index, None, None, [], "bench", Path("."), raw)
        param, values = SWEEP.get(spec["type"], ("", [0]))
        for value in values:
            searcher = FaissSearcher(data, **({"ef_search": value} if param == "efSearch" else {}))
            if param == "nprobe":
                searcher.nprobe = value
            searcher.search(queries[0], K, None)  # warm
            times, hits = [], 0
            for qi, query in enumerate(queries):
                t = time.perf_counter()
                rows, _ = searcher.search(query, K, None)
                times.append((time.perf_counter() - t) * 1000)
                hits += len(set(rows) & set(truth[qi].tolist()))
            row = {
                "dist": dist,
                "n": n,
                "index": spec["type"],
                "params": {k: v for k, v in spec.items() if k != "type"} | ({param: value} if param else {}),
                "build_s": round(build_s, 2),
                "index_mb": round(size / 2**20, 1),
                "rss_growth_mb": round(grown, 1),
                "p50_ms": round(float(np.percentile(times, 50)), 3),
                "p95_ms": round(float(np.percentile(times, 95)), 3),
                "recall_at_10": round(hits / (K * len(queries)), 4),
                "loadavg": [round(x, 2) for x in os.getloadavg()],
            }
            results.append(row)
            print("   ", fmt_row(row), flush=True)
        del index, data
    del base


def bench_bm25(n: int, results: list[dict], terms_per_chunk: int = 90, vocab: int = 60_000) -> None:
    from bm25s.tokenization import Tokenizer

    rng = np.random.default_rng(n)
    ranks = np.arange(1, vocab + 1)
    p = 1.0 / ranks**1.05
    p /= p.sum()
    lengths = rng.integers(terms_per_chunk // 2, terms_per_chunk * 3 // 2, n)
    flat = rng.choice(vocab, size=int(lengths.sum()), p=p).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    token_ids = [flat[offsets[i] : offsets[i + 1]].tolist() for i in range(n)]  # as load_index holds them
    as_lists_s = time.perf_counter() - started
    lists_mb = rss_mb() - before
    tokenizer = Tokenizer(stopwords=None, stemmer=None)
    tokenizer.word_to_id = {f"w{i}": i for i in range(vocab)}
    started = time.perf_counter()
    bm25 = build_bm25(token_ids, tokenizer)
    build_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        bm25.save(tmp, show_progress=False)
        save_s = time.perf_counter() - started
        disk = sum(f.stat().st_size for f in Path(tmp).iterdir())
    index_mb = sum(a.nbytes for a in bm25.scores.values() if isinstance(a, np.ndarray)) / 2**20
    times = []
    for _ in range(50):
        query = rng.choice(vocab, size=6, p=p).tolist()
        t = time.perf_counter()
        scores = bm25.get_scores(query)
        np.argpartition(-scores, 30)[:30]
        times.append((time.perf_counter() - t) * 1000)
    row = {
        "dist": "bm25",
        "n": n,
        "index": "bm25s",
        "params": {"terms_per_chunk": terms_per_chunk, "vocab": vocab, "tokens": int(len(flat))},
        "build_s": round(build_s + save_s, 2),
        "index_mb": round(index_mb, 1),
        "disk_mb": round(disk / 2**20, 1),
        "token_lists_s": round(as_lists_s, 2),
        "token_lists_mb": round(lists_mb, 1),
        "rss_growth_mb": round(rss_mb() - before, 1),
        "p50_ms": round(float(np.percentile(times, 50)), 3),
        "p95_ms": round(float(np.percentile(times, 95)), 3),
        "recall_at_10": None,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    results.append(row)
    print("   ", fmt_row(row), flush=True)


def fmt_params(row: dict) -> str:
    keep = ("M", "efConstruction", "efSearch", "nlist", "nprobe", "pq_m", "rerank")
    return " ".join(f"{k}={v}" for k, v in row["params"].items() if k in keep) or "-"


def fmt_row(row: dict) -> str:
    recall = "-" if row["recall_at_10"] is None else f"{row['recall_at_10']:.3f}"
    return (
        f"{row['dist']:<9} {row['n']:>9,} {row['index']:<13} {fmt_params(row):<38} build {row['build_s']:>7.1f} s  "
        f"index {row['index_mb']:>7.1f} MB  rss+ {row['rss_growth_mb']:>7.1f} MB  p50 {row['p50_ms']:>7.2f} ms  "
        f"p95 {row['p95_ms']:>7.2f} ms  recall@10 {recall}"
    )


def table(results: list[dict]) -> str:
    lines = [
        "| data | chunks | index | parameters | build s | index MB | RSS growth MB | p50 ms | p95 ms | recall@10 | load avg |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        recall = "–" if r["recall_at_10"] is None else f"{r['recall_at_10']:.3f}"
        lines.append(
            f"| {r['dist']} | {r['n']:,} | {r['index']} | {fmt_params(r)} | {r['build_s']:.1f} | {r['index_mb']:.0f} | "
            f"{r['rss_growth_mb']:.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {recall} | "
            f"{' '.join(map(str, r['loadavg']))} |"
        )
    return "\n".join(lines)


def chart(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (lat, rec) = plt.subplots(1, 2, figsize=(12, 4.5))
    series: dict[str, list[dict]] = {}
    for r in results:
        if r["dist"] == "bm25":
            series.setdefault("BM25 (bm25s)", []).append(r)
            continue
        default = not any(k in r["params"] for k in ("efSearch", "nprobe")) or (
            r["params"].get("efSearch", 96) == 96 and r["params"].get("nprobe", 32) == 32
        )
        if default:
            search = " ".join(f"{k}={r['params'][k]}" for k in ("M", "efSearch", "nprobe") if k in r["params"])
            series.setdefault(f"{r['index']} {search} [{r['dist']}]".replace("  ", " "), []).append(r)
    for name, rows in series.items():
        rows = sorted(rows, key=lambda r: r["n"])
        style = "--" if "uniform" in name else "-"
        lat.plot([r["n"] for r in rows], [r["p50_ms"] for r in rows], style, marker="o", label=name)
        if rows[0]["recall_at_10"] is not None:
            rec.plot([r["n"] for r in rows], [r["recall_at_10"] for r in rows], style, marker="o", label=name)
    lat.axhline(20, color="grey", lw=0.8)
    rec.axhline(0.95, color="grey", lw=0.8)
    lat.set(xscale="log", yscale="log", xlabel="chunks", ylabel="query p50 (ms)", title="latency (target ≤ 20 ms)")
    rec.set(xscale="log", xlabel="chunks", ylabel="recall@10 vs exact", title="recall (target ≥ 0.95)", ylim=(0, 1.02))
    lat.legend(fontsize=6)
    rec.legend(fontsize=6)
    fig.suptitle(f"journalqa scale benchmark, synthetic 384-d vectors, {os.cpu_count()} cores, load avg noted in table")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--kinds", nargs="+", default=["flat", "hnsw", "ivfpq"])
    parser.add_argument("--dists", nargs="+", default=["clustered", "uniform"])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-bm25", action="store_true")
    parser.add_argument("--threads", type=int, default=1, help="FAISS/OpenMP threads (default 1, see below)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--append", action="store_true", help="add to the results already in --out")
    parser.add_argument("--report-only", action="store_true", help="redo table and chart from results.json")
    args = parser.parse_args(argv)
    import faiss

    # On a shared 2-core machine OpenMP's spinning threads fight other processes: measured here, one
    # flat single-query search took 2.2 ms with 1 thread and 24 ms with 2; HNSW builds gained nothing.
    faiss.omp_set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    print(
        "Synthetic vectors: embedding 10^6 real chunks would take ~10-12 h here (22-30 chunks/s), so dense rows\n"
        "are random unit vectors (uniform = worst case for ANN; clustered = closer to text embeddings).\n"
        f"cores {os.cpu_count()}, FAISS threads {args.threads}, load average at start {os.getloadavg()}",
        flush=True,
    )
    previous = args.out / "results.json"
    if args.report_only:
        results = json.loads(previous.read_text())["results"]
        (args.out / "table.md").write_text(table(results) + "\n")
        chart(results, args.out / "scale.png")
        print(table(results))
        return 0
    results: list[dict] = json.loads(previous.read_text())["results"] if args.append and previous.exists() else []
    meta = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "cores": os.cpu_count(), "threads": args.threads}
    meta["platform"] = platform.platform()
    meta["loadavg_start"] = os.getloadavg()
    for n in args.sizes:
        for dist in args.dists:
            bench_dense(n, dist, args.kinds, args.queries, results)
            gc.collect()
        if not args.no_bm25:
            bench_bm25(n, results)
            gc.collect()
        meta["loadavg_end"] = os.getloadavg()
        (args.out / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n")
    (args.out / "table.md").write_text(table(results) + "\n")
    chart(results, args.out / "scale.png")
    print()
    print(table(results))
    print(f"\nload average at end {os.getloadavg()}; results, table and chart in {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
