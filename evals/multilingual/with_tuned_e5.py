"""Probe harness, not part of the pipeline: run the journalqa CLI (or an evals script) with e5's encoder replaced by
a state dict from ``probe_finetune.py --save``, so the tuned model is measured by the same bench as the shipped one.

The tuned weights go into the fp32 torch model that the ONNX export starts from; the export's fingerprint gets the
file's name appended, so the tuned model has its own ONNX file and its index is never searched with the shipped
model (the manifest check holds). The evidence calibration can be replaced too, as a tuned model's cosines live on
their own scale (values from ``evals/calibrate.py`` run through this harness):

    TUNED=distil.pt python evals/multilingual/with_tuned_e5.py index --index-dir /tmp/idx-tuned
    TUNED=distil.pt JOURNALQA_INDEX_DIR=/tmp/idx-tuned python evals/multilingual/with_tuned_e5.py \\
        evals/calibrate.py --qa evals/qa.jsonl,evals/qa_ru.jsonl,evals/qa_kk.jsonl --gaps
    TUNED=distil.pt TUNED_GAPS=ru:0.003,kk:0.019,en:0.011 TUNED_CAL="0.586;0.5,0.0,2.0;0.6" \\
        python evals/multilingual/with_tuned_e5.py eval --qa ... --configs hybrid --split calibration \\
        --index-dir /tmp/idx-tuned

``TUNED_GAPS`` replaces ``journalqa.answer.CROSS_LINGUAL_COSINE_GAP``; ``TUNED_CAL`` ("threshold;blend;cosine
floor") the ONNX embedder's ``EvidenceCalibration``.

``TUNED_WORDS_ONLY=1`` leaves the shipped embedder, its index and calibration alone and gives the tuned model one job:
the cross-lingual word mapping (``journalqa.crosslingual``), at the cosine ``TUNED_WORD_COSINE`` (default the
shipped 0.9). Its vocabulary vectors are kept in memory only, never in the index folder:

    TUNED=distil.pt TUNED_WORDS_ONLY=1 TUNED_WORD_COSINE=0.94 python evals/multilingual/with_tuned_e5.py eval \\
        --qa evals/qa.jsonl,evals/qa_ru.jsonl,evals/qa_kk.jsonl --configs hybrid --split calibration
"""

from __future__ import annotations

import dataclasses
import functools
import os
import runpy
import sys
from pathlib import Path

import numpy as np
import torch

import journalqa.embed as embed
from journalqa import answer, crosslingual, retrieve
from journalqa.embed import e5_onnx
from journalqa.embed.e5_torch import E5TorchBackend

TUNED = Path(os.environ["TUNED"])
_build_model = E5TorchBackend.model.func
_fingerprint = e5_onnx.fingerprint


def _load_tuned(model: torch.nn.Module) -> torch.nn.Module:
    _, unexpected = model.load_state_dict(torch.load(TUNED), strict=False)
    if unexpected:
        raise SystemExit(f"{TUNED.name} is not an e5-small state dict")
    return model


def _tuned_model(self: E5TorchBackend):  # noqa: ANN202 - torch.nn.Module
    model = _build_model(self)
    return model if self.quantize else _load_tuned(model)  # the fp32 model is the one the ONNX export starts from


def _tuned_fingerprint() -> str:
    return f"{_fingerprint()}+{TUNED.stem}"


@functools.cache
def _tuned_word_backend() -> E5TorchBackend:
    backend = E5TorchBackend(batch_size=64, quantize=False)
    _load_tuned(backend.model)
    return backend


def _tuned_word_encoder(encode_query: object) -> crosslingual.WordEncoder:
    def encode(words: list[str]) -> np.ndarray:
        with torch.no_grad():
            vectors = _tuned_word_backend().encode(list(words), query=True, show_progress=False)
        return np.asarray(vectors, dtype=np.float32)

    return encode


def install_words_only() -> None:
    retrieve.word_encoder = _tuned_word_encoder
    crosslingual.CrossLingualTerms._cache_path = lambda self, language: None  # never the shipped vectors' file
    crosslingual.NEIGHBOUR_COSINE = float(os.environ.get("TUNED_WORD_COSINE", crosslingual.NEIGHBOUR_COSINE))


def install() -> None:
    if os.environ.get("TUNED_WORDS_ONLY") == "1":
        install_words_only()
        return
    prop = functools.cached_property(_tuned_model)
    prop.__set_name__(E5TorchBackend, "model")
    E5TorchBackend.model = prop
    e5_onnx.fingerprint = _tuned_fingerprint
    embed.onnx_fingerprint = _tuned_fingerprint
    if gaps := os.environ.get("TUNED_GAPS"):
        answer.CROSS_LINGUAL_COSINE_GAP.update({k: float(v) for k, v in (kv.split(":") for kv in gaps.split(","))})
    if calibration := os.environ.get("TUNED_CAL"):
        threshold, blend, floor = calibration.split(";")
        key = embed.E5_ONNX
        answer.CALIBRATIONS[key] = dataclasses.replace(
            answer.CALIBRATIONS[key],
            threshold=float(threshold),
            blend=tuple(float(x) for x in blend.split(",")),
            cosine_floor=float(floor),
        )


def main() -> int:
    install()
    if len(sys.argv) > 1 and sys.argv[1].endswith(".py"):
        sys.argv = sys.argv[1:]
        runpy.run_path(sys.argv[0], run_name="__main__")
        return 0
    from journalqa.cli import main as cli

    return cli()


if __name__ == "__main__":
    sys.exit(main())
