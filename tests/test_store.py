import json

import numpy as np
import pytest

from journalqa.index.store import CURRENT, IndexError_, current_version, load_index, write_index
from journalqa.types import Chunk


def make_chunks(n):
    return [
        Chunk(f"d#{i:04d}", "d", "Doc", "", str(i), False, i, i + 1, f"text number {i} about topic {i % 3}")
        for i in range(n)
    ]


def unit_vectors(n, dim=8, seed=0):
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_round_trip_on_disk(tmp_path):
    chunks, vectors = make_chunks(20), unit_vectors(20)
    write_index(tmp_path, {"embedder": "test"}, chunks, vectors)
    data = load_index(tmp_path)
    assert data.chunks == chunks
    assert data.dense.ntotal == 20
    assert np.allclose(data.dense.reconstruct(3), vectors[3])
    assert data.manifest["embedder"] == "test" and data.manifest["counts"]["chunks"] == 20
    tokens = data.bm25_tokenizer.tokenize(["number"], update_vocab=False, return_as="ids", show_progress=False)
    assert data.bm25.get_scores(tokens[0]).shape == (20,)


def test_flat_ip_equals_brute_force_numpy(tmp_path):
    vectors = unit_vectors(500, dim=32, seed=1)
    write_index(tmp_path, {}, make_chunks(500), vectors)
    data = load_index(tmp_path)
    queries = unit_vectors(10, dim=32, seed=2)
    _, rows = data.dense.search(queries, 10)
    expected = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    assert (rows == expected).all()


def test_new_version_swaps_in_and_old_is_removed(tmp_path):
    write_index(tmp_path, {}, make_chunks(5), unit_vectors(5))
    first = current_version(tmp_path)
    write_index(tmp_path, {}, make_chunks(7), unit_vectors(7))
    second = current_version(tmp_path)
    assert first != second
    assert not (tmp_path / first).exists()
    assert load_index(tmp_path).dense.ntotal == 7


def test_failed_write_leaves_previous_version(tmp_path):
    write_index(tmp_path, {}, make_chunks(5), unit_vectors(5))
    before = current_version(tmp_path)
    with pytest.raises(ValueError):
        write_index(tmp_path, {}, make_chunks(6), unit_vectors(5))
    assert current_version(tmp_path) == before
    assert load_index(tmp_path).dense.ntotal == 5
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging")]


@pytest.mark.parametrize(
    "damage", ["missing", "no_pointer", "truncated_faiss", "bad_manifest", "missing_chunks", "old_schema"]
)
def test_damaged_index_gives_one_clear_error(tmp_path, damage):
    if damage != "missing":
        write_index(tmp_path, {}, make_chunks(5), unit_vectors(5))
    version_dir = tmp_path / (current_version(tmp_path) or "none")
    if damage == "no_pointer":
        (tmp_path / CURRENT).unlink()
    elif damage == "truncated_faiss":
        data = (version_dir / "dense.faiss").read_bytes()
        (version_dir / "dense.faiss").write_bytes(data[: len(data) // 2])
    elif damage == "bad_manifest":
        (version_dir / "manifest.json").write_text("{not json")
    elif damage == "missing_chunks":
        (version_dir / "chunks.jsonl").unlink()
    elif damage == "old_schema":
        manifest = json.loads((version_dir / "manifest.json").read_text())
        manifest["schema"] = 0
        (version_dir / "manifest.json").write_text(json.dumps(manifest))
    target = tmp_path / "nowhere" if damage == "missing" else tmp_path
    with pytest.raises(IndexError_) as info:
        load_index(target)
    assert "\n" not in str(info.value)


def test_bm25_terms_follow_each_chunks_language(tmp_path):
    from journalqa.search.retrieve import HybridSearch

    texts = [
        ("ru", "Менеджер пакетов устанавливает и удаляет пакеты системы."),
        ("kk", "Браузер сайттардың қауіпсіздік сертификаттарын тексереді."),
        ("en", "The package manager installs and removes packages."),
    ]
    chunks = [
        Chunk(f"d#{i:04d}", "d", "Doc", "", "1", False, 0, len(t), t, language=lang)
        for i, (lang, t) in enumerate(texts)
    ]
    write_index(tmp_path, {"embedder": "test"}, chunks, unit_vectors(3))
    data = load_index(tmp_path)
    assert data.manifest["bm25"]["terms"] == {
        "en": "snowball-english",
        "ru": "snowball-russian",
        "kk": "journalqa-suffix",
    }
    search = HybridSearch(data, lambda q: unit_vectors(1)[0], mode="bm25")
    # other inflections of the chunk's words: "пакетами" ~ "пакеты", "сертификаттары" ~ "сертификаттарын"
    assert search.retrieve("Какие пакетами менеджер управляет?", 3)[0].chunk.chunk_id == "d#0000"
    assert search.retrieve("Сертификаттары қалай тексеріледі?", 3)[0].chunk.chunk_id == "d#0001"
    assert search.retrieve("installed packages", 3)[0].chunk.chunk_id == "d#0002"


def test_index_with_other_bm25_terms_is_refused(tmp_path):
    from journalqa.index.store import MANIFEST, StaleIndex

    write_index(tmp_path, {"embedder": "test"}, make_chunks(3), unit_vectors(3))
    path = tmp_path / current_version(tmp_path) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["bm25"] = {"library": "bm25s", "stemmer": "english", "stopwords": "en"}  # an index from before #13
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StaleIndex, match="other BM25 terms"):
        load_index(tmp_path)
