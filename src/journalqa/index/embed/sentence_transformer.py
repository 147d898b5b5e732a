"""A sentence-transformers model folder (all-MiniLM-L6-v2 from its wheel); symmetric: no query/passage roles."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np

from journalqa.config import apply_offline_env

from .backend import Backend


class SentenceTransformerBackend(Backend):
    def __init__(self, path: Path, batch_size: int = 32) -> None:
        self.path = path
        self.batch_size = batch_size
        self.tokenizer_id = f"sentence-transformers:{path.name}"

    @cached_property
    def model(self):  # noqa: ANN201 - SentenceTransformer, imported lazily
        apply_offline_env()
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)

    @property
    def dimension(self) -> int:  # type: ignore[override]
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:  # type: ignore[override]
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def encode(self, texts: list[str], query: bool, show_progress: bool) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)
