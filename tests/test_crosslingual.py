"""Cross-lingual BM25 terms (journalqa.search.crosslingual) with the real embedder over the real fixture index."""

import numpy as np
import pytest

from journalqa.index.store import load_index
from journalqa.search.crosslingual import CrossLingualTerms, content_words, initials, same_name, word_encoder
from journalqa.search.retrieve import HybridSearch


@pytest.fixture(scope="module")
def search(small_index, embedder):
    return HybridSearch(load_index(small_index.index_dir), embedder.encode_query)


def test_names_across_scripts():
    latin = ["afghanistan", "pakistan", "kazakhstan", "trade"]
    assert [latin[i] for i in same_name("ауғанстан", latin)] == ["afghanistan"]
    assert [latin[i] for i in same_name("пәкістан", latin)] == ["pakistan"]
    assert same_name("сауда", latin) == []
    # a transliteration shorter than five letters counts only as spelled
    assert same_name("порт", ["port", "part", "post", "poor"]) == [0]
    # narrowed by first letter, the same answer
    assert same_name("ауғанстан", latin, initials(latin)) == same_name("ауғанстан", latin) == [0]


def test_content_words_drop_stop_words_and_numbers():
    assert content_words("Қазақстан 2013 жылы қандай бастама көтерді?", "kk") == [
        "қазақстан",
        "жылы",
        "бастама",
        "көтерді",
    ]
    assert content_words("What is the cost of the pipeline?", "en") == ["cost", "pipeline"]


def test_kazakh_and_russian_words_reach_english_terms(search):
    terms = search.crosslingual.terms("Түрікменстан газ құбырының бірінші кезеңі қанша тұрады?", "kk")
    assert {"gas", "turkmenistan", "first"} <= set(terms)
    terms = search.crosslingual.terms("Кто координирует строительство газопровода ТАПИ?", "ru")
    assert "tapi" in terms


def test_a_kazakh_question_gets_a_crosslingual_ranking(search):
    # BM25 alone has no term of this question in the English index
    assert search.bm25_ranking("Газ құбырының бірінші кезеңі қанша тұрады?", 5, None) == ([], {})
    rows, scores = search.crosslingual_ranking("Газ құбырының бірінші кезеңі қанша тұрады?", 5, None)
    assert rows and search.chunks[rows[0]].doc_id == "pipeline"
    passages = search.retrieve("Газ құбырының бірінші кезеңі қанша тұрады?", 3)
    assert passages[0].chunk.doc_id == "pipeline"
    assert "crosslingual" in passages[0].ranks


def test_an_english_question_over_an_english_index_is_untouched(search):
    assert search.crosslingual.terms("What is the cost of the first phase of the pipeline?", "en") == {}
    passages = search.retrieve("What is the cost of the first phase of the pipeline?", 5)
    assert all("crosslingual" not in p.ranks for p in passages)


def test_vocabulary_is_kept_in_the_index_folder_and_read_back(tmp_path, embedder):
    texts = [("Қазақстан мен Ауғанстан арасындағы сауда өсті.", "kk"), ("Trade with Afghanistan grew.", "en")]
    encode = word_encoder(embedder.encode_query)
    first = CrossLingualTerms(texts, encode, cache_dir=tmp_path, cache_key="e5/test")
    built = first.vocabulary("kk")
    assert "сауда" in built.words and all("\u0400" <= w[0] <= "\u04ff" for w in built.words)
    saved = list(tmp_path.glob("vocabulary-v*-kk.npz"))
    assert len(saved) == 1 and "/" not in saved[0].name[len("vocabulary-") :]

    def refuse(words):
        raise AssertionError("a saved vocabulary is read, not embedded again")

    again = CrossLingualTerms(texts, refuse, cache_dir=tmp_path, cache_key="e5/test").vocabulary("kk")
    assert again.terms == built.terms and again.words == built.words
    np.testing.assert_allclose(again.vectors, built.vectors)
    # another embedder's key never reads this file
    other = CrossLingualTerms(texts, encode, cache_dir=tmp_path, cache_key="minilm")
    assert other._load("kk") is None


def test_a_test_double_encoder_turns_it_off(small_index):
    search = HybridSearch(load_index(small_index.index_dir), lambda text: np.zeros(384, dtype=np.float32))
    assert search.crosslingual is None
    assert search.crosslingual_ranking("Газ құбыры", 5, None) == ([], {})


def test_warm_up_builds_every_vocabulary_once_in_the_background(tmp_path, embedder):
    texts = [("Қазақстан мен Ауғанстан арасындағы сауда өсті.", "kk"), ("Trade with Afghanistan grew.", "en")]
    calls = []

    def encode(words):
        calls.append(len(words))
        return word_encoder(embedder.encode_query)(words)

    terms = CrossLingualTerms(texts, encode, cache_dir=tmp_path, cache_key="e5")
    import threading

    # a question arriving while the warm-up runs waits for it instead of embedding the vocabulary a second time
    workers = [threading.Thread(target=terms.warm), threading.Thread(target=terms.vocabulary, args=("en",))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(terms._vocabularies) == ["en", "kk"] and len(calls) == 2
    assert {p.name.rsplit("-", 1)[1] for p in tmp_path.glob("vocabulary-*.npz")} == {"en.npz", "kk.npz"}


def test_translations_name_each_mapped_word(search):
    translations = search.translations("Түрікменстан газ құбырының бірінші кезеңі қанша тұрады?")
    assert "turkmenistan" in translations["түрікменстан"] and "gas" in translations["газ"]
    assert all(isinstance(terms, frozenset) and terms for terms in translations.values())
    assert search.translations("What is the cost of the first phase of the pipeline?") == {}
