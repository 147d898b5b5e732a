"""The index on disk: a folder of plain files, versioned and swapped atomically.

```
index/
  CURRENT            name of the live version folder (replaced atomically)
  v-<time>-<rand>/
    manifest.json    schema, package version, embedder, chunker + BM25 params, per-document hashes, counts
    chunks.jsonl     one Chunk per line, in FAISS row order
    dense.faiss      FAISS over normalized embeddings: IndexFlatIP (exact) while small, an approximate
                     IndexHNSWFlat or IndexIVFPQ above Settings.ann_threshold; type and parameters in
                     the manifest's "dense" entry
    vectors.npy      the exact float32 embeddings in row order, only beside a lossy index (IVF-PQ):
                     updates and re-ranking read them (memory-mapped), never the PQ codes
    bm25/            bm25s index, its tokenizer vocabulary, and each chunk's token ids (so an
                     update re-tokenizes only new chunks)
```
A writer builds a new version folder beside the live one and only then points CURRENT at it,
so a crash at any point leaves the previous version loadable.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from journalqa import __version__
from journalqa.config import Settings
from journalqa.text.language import TERMS_VERSION, detect, index_terms
from journalqa.text.language import settings_record as language_record
from journalqa.types import Chunk

SCHEMA_VERSION = 1
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
DENSE = "dense.faiss"
VECTORS = "vectors.npy"
IVFPQ_MIN = 1000
BM25_DIR = "bm25"
TOKEN_IDS = "token_ids.npy"
TOKEN_OFFSETS = "token_offsets.npy"


def bm25_record() -> dict[str, Any]:
    """How BM25 terms are made; an index whose manifest says otherwise cannot be searched (its terms differ)."""
    record = language_record()
    return {"terms": record["stemmers"], "terms_version": TERMS_VERSION}


class IndexError_(Exception):
    """The index folder is missing, partial, corrupt or built with other settings."""


class StaleIndex(IndexError_):
    pass


@dataclass
class IndexData:
    manifest: dict[str, Any]
    chunks: list[Chunk]
    dense: Any  # faiss.Index
    bm25: Any  # bm25s.BM25
    bm25_tokenizer: Any  # bm25s.tokenization.Tokenizer
    token_ids: Sequence[list[int]]
    version: str
    path: Path
    raw_vectors: np.ndarray | None = None  # vectors.npy (memory-mapped) when the dense index is lossy

    def vectors(self, rows: np.ndarray | list[int] | None = None) -> np.ndarray:
        """Exact embeddings of ``rows`` (all rows when None), whatever the dense index type."""
        if self.raw_vectors is not None:
            return np.asarray(self.raw_vectors if rows is None else self.raw_vectors[np.asarray(rows)], np.float32)
        if rows is None:
            return self.dense.reconstruct_n(0, self.dense.ntotal)
        return self.dense.reconstruct_batch(np.asarray(rows, dtype=np.int64))


def make_bm25_tokenizer():  # noqa: ANN201
    """bm25s's tokenizer over terms already made per language (``bm25_input``): it only maps them to ids."""
    from bm25s.tokenization import Tokenizer

    return Tokenizer(lower=False, splitter=str.split, stopwords=[], stemmer=None)


def bm25_input(texts: Sequence[str], languages: Sequence[str] | None = None) -> list[str]:
    """Each text as its space-joined BM25 terms, stemmed per its language (``journalqa.text.language.index_terms``)."""
    languages = languages if languages is not None else [detect(t) for t in texts]
    return [" ".join(index_terms(text, lang or detect(text))) for text, lang in zip(texts, languages, strict=True)]


def tokenize(tokenizer, texts: list[str], languages: Sequence[str] | None = None) -> list[list[int]]:  # noqa: ANN001
    """Token ids for new texts; the tokenizer's vocabulary grows, existing ids stay."""
    if not texts:
        return []
    return [
        list(map(int, ids))
        for ids in tokenizer.tokenize(
            bm25_input(texts, languages), update_vocab=True, return_as="ids", show_progress=False
        )
    ]


def quiet_bm25s() -> None:
    """bm25s sets its own logger to DEBUG on import: with any root handler configured (a library's basicConfig),
    ``journalqa index`` printed ``DEBUG:bm25s:Building index from IDs objects``. Its notes are for its authors."""
    logging.getLogger("bm25s").setLevel(logging.WARNING)


def build_bm25(token_ids: list[list[int]], tokenizer):  # noqa: ANN001, ANN201
    import bm25s
    from bm25s.tokenization import Tokenized

    quiet_bm25s()

    bm25 = bm25s.BM25()
    bm25.index(Tokenized(ids=token_ids, vocab=tokenizer.get_vocab_dict()), show_progress=False)
    return bm25


def dense_spec(settings: Settings, n: int) -> dict[str, Any]:
    """The dense index for ``n`` vectors: exact while small, approximate above ``settings.ann_threshold``."""
    if n <= settings.ann_threshold or settings.ann_index == "flat":
        return {"type": "IndexFlatIP"}
    if settings.ann_index == "hnsw":
        return {
            "type": "IndexHNSWFlat",
            "M": settings.hnsw_m,
            "efConstruction": settings.hnsw_ef_construction,
            "efSearch": settings.hnsw_ef_search,
        }
    if settings.ann_index == "ivfpq":
        if n < IVFPQ_MIN:  # its codebooks need a few hundred training vectors per list and code
            return {"type": "IndexFlatIP"}
        # ~4 sqrt(n) lists (power of two), 8-bit PQ codes of 96 bytes for 384-d; exact re-rank from vectors.npy
        nlist = 1 << max(4, min(round(np.log2(4 * np.sqrt(n))), int(np.log2(max(n // 39, 16)))))
        return {"type": "IndexIVFPQ", "nlist": nlist, "nprobe": settings.ivf_nprobe, "pq_m": 96, "rerank": 20}
    raise ValueError(f"unknown ann_index {settings.ann_index!r}; use hnsw, ivfpq or flat")


def build_dense(vectors: np.ndarray, spec: dict[str, Any] | None = None):  # noqa: ANN201
    """A FAISS inner-product index over ``vectors`` as ``spec`` (see dense_spec) describes; exact by default."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    kind = (spec or {}).get("type", "IndexFlatIP")
    if kind == "IndexFlatIP":
        index = faiss.IndexFlatIP(dim)
    elif kind == "IndexHNSWFlat":
        index = faiss.IndexHNSWFlat(dim, int(spec["M"]), faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = int(spec["efConstruction"])
    elif kind == "IndexIVFPQ":
        pq_m = int(spec["pq_m"]) if dim % int(spec["pq_m"]) == 0 else dim // 4
        index = faiss.IndexIVFPQ(faiss.IndexFlatIP(dim), dim, int(spec["nlist"]), pq_m, 8, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(
            len(vectors), min(len(vectors), 40 * int(spec["nlist"])), replace=False
        )
        index.train(vectors[np.sort(sample)])
    else:
        raise ValueError(f"unknown dense index type {kind!r}")
    index.add(vectors)
    apply_search_params(index, spec)
    return index


def apply_search_params(index, spec: dict[str, Any] | None) -> None:  # noqa: ANN001
    """Set the recorded search-time parameters (efSearch, nprobe) on a loaded index."""
    if not spec:
        return
    if "efSearch" in spec and hasattr(index, "hnsw"):
        index.hnsw.efSearch = int(spec["efSearch"])
    if "nprobe" in spec and hasattr(index, "nprobe"):
        index.nprobe = int(spec["nprobe"])


def lossy(spec: dict[str, Any] | None) -> bool:
    return bool(spec) and spec.get("type") == "IndexIVFPQ"


def current_version(index_dir: Path) -> str | None:
    try:
        return (index_dir / CURRENT).read_text(encoding="utf-8").strip() or None
    except (FileNotFoundError, NotADirectoryError):
        return None


def write_index(
    index_dir: Path,
    manifest: dict[str, Any],
    chunks: list[Chunk],
    vectors: np.ndarray,
    token_ids: list[list[int]] | None = None,
    tokenizer=None,  # noqa: ANN001
    dense: dict[str, Any] | None = None,
) -> Path:
    """Write a complete new version and swap it in; returns the version folder.

    ``token_ids``/``tokenizer`` carry BM25 tokens over from the previous version; without them
    every chunk is tokenized afresh. ``dense`` is the dense index spec (``dense_spec``); exact by default.
    """
    import faiss

    if len(chunks) != len(vectors):
        raise ValueError("one vector per chunk expected")
    if token_ids is None or tokenizer is None:
        tokenizer = make_bm25_tokenizer()
        token_ids = tokenize(tokenizer, [c.text for c in chunks], [c.language for c in chunks])
    if len(token_ids) != len(chunks):
        raise ValueError("one token list per chunk expected")
    index_dir.mkdir(parents=True, exist_ok=True)
    version = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
    staging = index_dir / f".staging-{version}"
    staging.mkdir()
    try:
        with open(staging / CHUNKS, "w", encoding="utf-8") as fh:
            # vars() rather than dataclasses.asdict: Chunk is flat, and asdict's deep copy dominates large saves
            fh.writelines(json.dumps(vars(chunk), ensure_ascii=False) + "\n" for chunk in chunks)
        spec = dense or {"type": "IndexFlatIP"}
        if len(vectors):
            dense_started = time.perf_counter()
            faiss.write_index(build_dense(vectors, spec), str(staging / DENSE))
            spec = {**spec, "build_s": round(time.perf_counter() - dense_started, 2)}
        else:
            faiss.write_index(build_dense(vectors), str(staging / DENSE))
        if lossy(spec):
            np.save(staging / VECTORS, np.ascontiguousarray(vectors, dtype=np.float32))
        bm25 = build_bm25(token_ids, tokenizer)
        bm25.save(str(staging / BM25_DIR), show_progress=False)
        tokenizer.save_vocab(str(staging / BM25_DIR))
        tokenizer.save_stopwords(str(staging / BM25_DIR))
        lengths = np.asarray([len(ids) for ids in token_ids], dtype=np.int64)
        np.save(staging / BM25_DIR / TOKEN_OFFSETS, np.concatenate([[0], np.cumsum(lengths)]))
        flat = [i for ids in token_ids for i in ids]
        np.save(staging / BM25_DIR / TOKEN_IDS, np.asarray(flat, dtype=np.int32))
        full_manifest = {
            "schema": SCHEMA_VERSION,
            "journalqa_version": __version__,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "counts": {"chunks": len(chunks), "documents": len({c.doc_id for c in chunks})},
            "dense": {**spec, "dimension": int(vectors.shape[1]) if len(vectors) else 0},
            "bm25": {"library": "bm25s", **bm25_record()},
            **manifest,
        }
        _write_json(staging / MANIFEST, full_manifest)
        _fsync_tree(staging)
        os.replace(staging, index_dir / version)
        _write_pointer(index_dir, version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _remove_old_versions(index_dir, keep=version)
    return index_dir / version


def read_manifest(index_dir: Path) -> dict[str, Any]:
    version = current_version(index_dir)
    if version is None:
        raise IndexError_(f"no index in {index_dir} (run `journalqa index`)")
    try:
        return json.loads((index_dir / version / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexError_(f"index manifest in {index_dir / version} is unreadable: {exc}") from exc


def load_index(index_dir: Path, dense: bool = True) -> IndexData:
    """Load the live version; ``dense=False`` skips the FAISS file (an external vector store searches)."""
    import bm25s
    import faiss

    quiet_bm25s()
    version = current_version(index_dir)
    if version is None:
        raise IndexError_(f"no index in {index_dir} (run `journalqa index`)")
    path = index_dir / version
    manifest = read_manifest(index_dir)
    if manifest.get("schema") != SCHEMA_VERSION:
        raise StaleIndex(f"index schema {manifest.get('schema')} != {SCHEMA_VERSION}; rebuild with `journalqa index`")
    bm25_terms = {k: v for k, v in manifest.get("bm25", {}).items() if k != "library"}
    if bm25_terms != bm25_record():
        # its BM25 vocabulary holds terms made another way: queries would not match them
        raise StaleIndex(f"index in {path} was built with other BM25 terms; rebuild with `journalqa index --rebuild`")
    try:
        chunks = [Chunk(**json.loads(line)) for line in (path / CHUNKS).read_text(encoding="utf-8").splitlines()]
        spec = manifest.get("dense", {})
        dense_index = faiss.read_index(str(path / DENSE)) if dense else _Count(manifest["counts"]["chunks"])
        apply_search_params(dense_index, spec)
        raw_vectors = np.load(path / VECTORS, mmap_mode="r") if lossy(spec) else None
        with contextlib.redirect_stderr(open(os.devnull, "w")):  # noqa: SIM115
            bm25 = bm25s.BM25.load(str(path / BM25_DIR), show_progress=False, verbosity=0)
        tokenizer = make_bm25_tokenizer()
        tokenizer.load_vocab(str(path / BM25_DIR))
        tokenizer.load_stopwords(str(path / BM25_DIR))
        token_ids = TokenIds(
            np.load(path / BM25_DIR / TOKEN_IDS, mmap_mode="r"), np.load(path / BM25_DIR / TOKEN_OFFSETS)
        )
    except Exception as exc:  # any unreadable file means a corrupt index, reported in one line
        raise IndexError_(f"index in {path} is corrupt or partial: {type(exc).__name__}: {exc}") from exc
    if dense_index.ntotal != len(chunks) or manifest.get("counts", {}).get("chunks") != len(chunks):
        raise IndexError_(f"index in {path} is inconsistent: {dense_index.ntotal} vectors for {len(chunks)} chunks")
    if len(token_ids) != len(chunks):
        raise IndexError_(f"index in {path} is inconsistent: {len(token_ids)} token lists for {len(chunks)} chunks")
    if raw_vectors is not None and len(raw_vectors) != len(chunks):
        raise IndexError_(f"index in {path} is inconsistent: {len(raw_vectors)} raw vectors for {len(chunks)} chunks")
    return IndexData(manifest, chunks, dense_index, bm25, tokenizer, token_ids, version, path, raw_vectors)


class TokenIds(Sequence):
    """Each chunk's BM25 token ids, read from the memory-mapped flat array only when asked for.

    As Python lists they cost 1.8 GB and 10 s to load at 10^6 chunks of ~90 terms (evals/bench_scale.py),
    in every reader, though only an index update needs them.
    """

    def __init__(self, flat: np.ndarray, offsets: np.ndarray) -> None:
        self.flat = flat
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i):  # noqa: ANN001, ANN204
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.flat[self.offsets[i] : self.offsets[i + 1]].tolist()

    def __iter__(self) -> Iterator[list[int]]:
        return (self[i] for i in range(len(self)))


@dataclass(frozen=True)
class _Count:
    """Stands in for the FAISS index when it is not loaded: only its size is known."""

    ntotal: int


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _write_pointer(index_dir: Path, version: str) -> None:
    tmp = index_dir / f".{CURRENT}.{secrets.token_hex(3)}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(version + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_old_versions(index_dir: Path, keep: str) -> None:
    for entry in index_dir.iterdir():
        if entry.is_dir() and entry.name.startswith(("v-", ".staging-")) and entry.name != keep:
            shutil.rmtree(entry, ignore_errors=True)
