"""Approximate dense indexes above Settings.ann_threshold: recall against exact search, manifest
parameters applied at load, document restriction, and incremental sync on top of them."""

import shutil

import numpy as np
import pytest

from journalqa.config import Settings
from journalqa.index.store import dense_spec, load_index, write_index
from journalqa.search.retrieve import EXACT_SUBSET, FaissSearcher, HybridSearch
from journalqa.types import Chunk

from .conftest import FIXTURE_CORPUS

N, DIM = 3000, 48
RECALL_FLOOR = {"hnsw": 0.95, "ivfpq": 0.85}


def make_chunks(n, per_doc=30):
    return [
        Chunk(f"d{i // per_doc}#{i:05d}", f"d{i // per_doc}", "Doc", "", "1", False, 0, 1, f"text {i} topic {i % 7}")
        for i in range(n)
    ]


def clustered(n, seed, centroids):
    rng = np.random.default_rng(seed)
    v = centroids[rng.integers(0, len(centroids), n)] + rng.normal(scale=0.9 / np.sqrt(DIM), size=(n, DIM))
    v = v.astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def data_and_queries():
    centroids = np.random.default_rng(0).normal(size=(100, DIM)).astype(np.float32)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    return clustered(N, 1, centroids), clustered(50, 2, centroids)


@pytest.fixture(scope="module", params=["hnsw", "ivfpq"])
def ann_index(request, tmp_path_factory, data_and_queries):
    vectors, _ = data_and_queries
    settings = Settings(ann_threshold=1000, ann_index=request.param)
    folder = tmp_path_factory.mktemp(f"ann-{request.param}")
    write_index(folder, {}, make_chunks(N), vectors, dense=dense_spec(settings, N))
    return request.param, load_index(folder)


def test_small_indexes_stay_exact():
    assert dense_spec(Settings(), 420) == {"type": "IndexFlatIP"}
    assert dense_spec(Settings(ann_threshold=100, ann_index="ivfpq"), 500) == {"type": "IndexFlatIP"}
    assert dense_spec(Settings(ann_threshold=100), 500)["type"] == "IndexHNSWFlat"
    with pytest.raises(ValueError):
        dense_spec(Settings(ann_threshold=0, ann_index="annoy"), 10)


def test_threshold_comes_from_the_environment():
    settings = Settings.from_env({"JOURNALQA_ANN_THRESHOLD": "1234", "JOURNALQA_ANN_INDEX": "ivfpq"})
    assert settings.ann_threshold == 1234 and settings.ann_index == "ivfpq"


def test_manifest_records_parameters_and_load_applies_them(ann_index):
    kind, data = ann_index
    spec = data.manifest["dense"]
    assert spec["dimension"] == DIM and spec["build_s"] >= 0
    if kind == "hnsw":
        assert spec["type"] == "IndexHNSWFlat" and {"M", "efConstruction", "efSearch"} <= spec.keys()
        assert data.dense.hnsw.efSearch == spec["efSearch"] == Settings().hnsw_ef_search
        assert data.raw_vectors is None  # HNSW keeps exact vectors itself
    else:
        assert spec["type"] == "IndexIVFPQ" and {"nlist", "nprobe", "pq_m", "rerank"} <= spec.keys()
        assert data.dense.nprobe == spec["nprobe"]
        assert (data.path / "vectors.npy").is_file() and data.raw_vectors is not None


def test_recall_against_exact_search(ann_index, data_and_queries):
    kind, data = ann_index
    vectors, queries = data_and_queries
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    searcher = FaissSearcher(data)
    hits = sum(len(set(searcher.search(q, 10, None)[0]) & set(e)) for q, e in zip(queries, exact, strict=True))
    assert hits / exact.size >= RECALL_FLOOR[kind]


def test_vectors_are_exact_for_updates(ann_index, data_and_queries):
    _, data = ann_index
    vectors, _ = data_and_queries
    assert np.allclose(data.vectors(), vectors, atol=1e-6)
    assert np.allclose(data.vectors([5, 2999]), vectors[[5, 2999]], atol=1e-6)


@pytest.mark.parametrize("n_docs", [1, 2, 90])
def test_document_restriction(ann_index, data_and_queries, n_docs):
    """Up to EXACT_SUBSET rows the restricted search is exact over those rows, whatever the index."""
    _, data = ann_index
    vectors, queries = data_and_queries
    allowed = np.arange(30 * n_docs, dtype=np.int64)
    assert len(allowed) <= EXACT_SUBSET
    rows, scores = FaissSearcher(data).search(queries[0], 10, allowed)
    assert len(rows) == 10 and set(rows) <= set(allowed.tolist())
    assert scores == sorted(scores, reverse=True)
    best = allowed[np.argmax(vectors[allowed] @ queries[0])]
    assert rows[0] == best


def test_filtered_search_inside_the_index(ann_index, data_and_queries, monkeypatch):
    """Above EXACT_SUBSET rows the restriction goes through SearchParametersHNSW / SearchParametersIVF."""
    import journalqa.search.retrieve as retrieve

    monkeypatch.setattr(retrieve, "EXACT_SUBSET", 10)
    _, data = ann_index
    _, queries = data_and_queries
    allowed = np.arange(0, N, 2, dtype=np.int64)
    rows, _ = FaissSearcher(data).search(queries[1], 10, allowed)
    assert len(rows) == 10 and all(r % 2 == 0 for r in rows)


@pytest.fixture
def hnsw_settings(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    return Settings(index_dir=tmp_path / "index", corpus_dir=corpus, ann_threshold=1)


def test_sync_keeps_working_on_an_approximate_index(hnsw_settings, embedder):
    from journalqa.index.build import sync_index

    sync_index(hnsw_settings, embedder, show_progress=False)
    before = load_index(hnsw_settings.index_dir)
    assert before.manifest["dense"]["type"] == "IndexHNSWFlat"
    kept = [row for row, c in enumerate(before.chunks) if c.doc_id == "pipeline"]
    (hnsw_settings.corpus_dir / "migration.md").unlink()
    report = sync_index(hnsw_settings, embedder, show_progress=False)
    assert report.removed == ["migration"] and report.embedded_chunks == 0
    after = load_index(hnsw_settings.index_dir)
    assert {c.doc_id for c in after.chunks} == {"pipeline"}
    assert after.dense.ntotal == len(after.chunks) == len(kept)
    assert np.allclose(after.vectors(), before.vectors(kept))
    search = HybridSearch(after, embedder.encode_query)
    assert search.retrieve("Who coordinates the TAPI pipeline construction?", 3)[0].chunk.doc_id == "pipeline"


def test_assistant_on_hnsw_matches_exact(small_index, small_assistant, embedder, tmp_path):
    from journalqa.assistant import Assistant
    from journalqa.index.build import build_index

    settings = small_index.replace(index_dir=tmp_path / "hnsw", ann_threshold=1)
    build_index(settings, embedder, show_progress=False)
    approx = Assistant(settings, embedder)
    assert approx.search.data.manifest["dense"]["type"] == "IndexHNSWFlat"
    for question in ["Who coordinates the TAPI pipeline construction?", "Which countries host Afghan refugees?"]:
        ours = [p.chunk.chunk_id for p in approx.ask(question).passages]
        exact = [p.chunk.chunk_id for p in small_assistant.ask(question).passages]
        assert ours == exact
