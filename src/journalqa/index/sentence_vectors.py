"""Sentence vectors: every sentence of the indexed passages embedded once, so the answerer can compare the question
with each candidate sentence in microseconds instead of embedding sentences while the user waits.

The question-to-sentence cosine is the strongest single signal for choosing the sentence that answers (calibration
articles, 485 questions in three languages: the sentence that holds the answer is the first choice for 0.59 of the
answerable questions by this cosine alone against 0.53 by the lexical ranking; docs/answers.md).

The vectors live in one cache file per embedder in the index folder (``sentences-<embedder>.npz``), keyed by a hash
of the sentence text and the embedder's build fingerprint: a new index version re-embeds only the sentences it has
not seen (an added document's), and sentences no longer indexed are dropped when the cache is written. The cache
records the sentence splitter's version; a change re-embeds everything.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from journalqa.text.segment import sentence_spans
from journalqa.types import Chunk

# bump when journalqa.text.segment.sentence_spans or the cached text changes
SENTENCES_VERSION = "1"


def sentence_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).digest()


def chunk_sentences(chunk: Chunk) -> list[str]:
    return [chunk.text[start:end] for start, end in sentence_spans(chunk.text)]


class SentenceVectors:
    """Unit vectors of sentences by text; :meth:`cosines` compares a question vector with some of them."""

    def __init__(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        self.rows = {key: row for row, key in enumerate(keys)}
        self.vectors = vectors

    def __len__(self) -> int:
        return len(self.rows)

    def cosines(self, query_vector: np.ndarray, texts: Sequence[str]) -> list[float | None]:
        """The cosine of each text to the query; None for a text never embedded (a sentence split another way)."""
        rows = [self.rows.get(sentence_key(t)) for t in texts]
        known = [r for r in rows if r is not None]
        values = iter((self.vectors[known].astype(np.float32) @ query_vector).tolist()) if known else iter(())
        return [None if r is None else next(values) for r in rows]


def cache_path(index_dir: Path, embedder_id: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in embedder_id)
    return Path(index_dir) / f"sentences-{safe}.npz"


def load_or_build(
    index_dir: Path,
    chunks: Sequence[Chunk],
    embedder_id: str,
    fingerprint: str,
    encode: Callable[[list[str]], np.ndarray],
    write: bool = True,
) -> SentenceVectors:
    """The vectors of every sentence of ``chunks`` (code listings and contents pages left out: never quoted),
    embedding only what the cache lacks; the cache is rewritten (atomically) when anything was added or dropped."""
    path = cache_path(index_dir, embedder_id)
    stamp = f"{SENTENCES_VERSION}:{embedder_id}:{fingerprint}"
    cached_keys: list[bytes] = []
    cached = np.zeros((0, 0), dtype=np.float16)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["stamp"]) == stamp:
                    cached_keys = [bytes(k) for k in data["keys"]]
                    cached = data["vectors"]
        except (OSError, ValueError, KeyError):
            cached_keys = []  # an unreadable cache is rebuilt
    have = {key: row for row, key in enumerate(cached_keys)}
    wanted: dict[bytes, str] = {}
    for chunk in chunks:
        if chunk.kind != "body":
            continue
        for text in chunk_sentences(chunk):
            wanted.setdefault(sentence_key(text), text)
    missing = [key for key in wanted if key not in have]
    new = encode([wanted[key] for key in missing]) if missing else None
    keys = list(wanted)
    parts = []
    if have and len(cached):
        parts.append(cached[[have[k] for k in keys if k in have]])
    if new is not None:
        parts.append(np.asarray(new, dtype=np.float16))
    order = [k for k in keys if k in have] + missing
    vectors = np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float16)
    if write and (missing or len(order) != len(cached_keys)):
        _save(path, stamp, order, vectors)
    return SentenceVectors(order, vectors)


def _save(path: Path, stamp: str, keys: Sequence[bytes], vectors: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".sentences-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, stamp=np.array(stamp), keys=np.array(keys, dtype="S12"), vectors=vectors)
        os.chmod(tmp, 0o644)  # like the index's other files (mkstemp makes 0600)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)  # a read-only index folder: the vectors serve from memory
