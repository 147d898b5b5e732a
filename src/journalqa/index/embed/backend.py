"""What every embedder backend provides: normalized vectors for passages or queries, and its own token count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


class Backend:
    path: Path
    dimension: int
    max_tokens: int
    tokenizer_id: str
    model: Any

    def count_tokens(self, text: str) -> int:
        raise NotImplementedError

    def encode(self, texts: list[str], query: bool, show_progress: bool) -> np.ndarray:
        raise NotImplementedError


def progress_bar(total: int):  # noqa: ANN201 - tqdm
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding", unit="batch")
