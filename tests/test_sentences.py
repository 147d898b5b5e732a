"""journalqa.index.sentence_vectors: each sentence embedded once, reused across index versions, dropped when gone."""

import stat

import numpy as np

from journalqa.index.sentence_vectors import cache_path, load_or_build, sentence_key
from journalqa.types import Chunk


class CountingEncoder:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        vectors = np.array([[len(t), t.count("a") + 1.0] for t in texts], dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def chunk(doc: str, text: str, kind: str = "body") -> Chunk:
    return Chunk(f"{doc}#0", doc, doc, "", "1", False, 0, len(text), text, kind=kind)


def test_sentences_are_embedded_once_and_reused(tmp_path):
    encode = CountingEncoder()
    first = [chunk("a", "Kabul is a city. It has many people."), chunk("b", "def f(x): return x.", kind="code")]
    vectors = load_or_build(tmp_path, first, "fake", "", encode)
    assert sorted(encode.seen) == ["It has many people.", "Kabul is a city."]  # code listings are never quoted
    assert len(vectors) == 2
    encode.seen.clear()
    again = load_or_build(tmp_path, [*first, chunk("c", "Kabul is a city. Tashkent too.")], "fake", "", encode)
    assert encode.seen == ["Tashkent too."]
    assert len(again) == 3
    assert stat.S_IMODE(cache_path(tmp_path, "fake").stat().st_mode) == 0o644


def test_cosines_are_inner_products_and_unknown_text_is_none(tmp_path):
    encode = CountingEncoder()
    vectors = load_or_build(tmp_path, [chunk("a", "Kabul is a city. It has many people.")], "fake", "", encode)
    query = encode(["Kabul is a city."])[0]
    near, unknown = vectors.cosines(query, ["Kabul is a city.", "Never indexed."])
    assert abs(near - 1.0) < 1e-3 and unknown is None


def test_a_new_embedder_fingerprint_re_embeds_and_removed_sentences_leave(tmp_path):
    encode = CountingEncoder()
    load_or_build(tmp_path, [chunk("a", "One sentence here. Two sentences here.")], "fake", "v1", encode)
    encode.seen.clear()
    vectors = load_or_build(tmp_path, [chunk("a", "One sentence here.")], "fake", "v2", encode)
    assert encode.seen == ["One sentence here."]
    assert set(vectors.rows) == {sentence_key("One sentence here.")}
