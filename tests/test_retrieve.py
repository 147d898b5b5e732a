import pytest

from journalqa.index.store import load_index
from journalqa.search.retrieve import HybridSearch, reciprocal_rank_fusion


def test_rrf_matches_hand_computation():
    fused = dict(reciprocal_rank_fusion({"a": [1, 2, 3], "b": [3, 1]}, k=1))
    assert fused[1] == pytest.approx(1 / 2 + 1 / 3)
    assert fused[3] == pytest.approx(1 / 4 + 1 / 2)
    assert fused[2] == pytest.approx(1 / 3)
    assert [row for row, _ in reciprocal_rank_fusion({"a": [1, 2, 3], "b": [3, 1]}, k=1)] == [1, 3, 2]


@pytest.fixture(scope="module")
def small_search(small_index, embedder):
    return HybridSearch(load_index(small_index.index_dir), embedder.encode_query)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_modes_find_the_right_document(small_index, embedder, mode):
    search = HybridSearch(load_index(small_index.index_dir), embedder.encode_query, mode=mode)
    top = search.retrieve("Who coordinates the TAPI pipeline construction?", top_k=3)
    assert top[0].chunk.doc_id == "pipeline"
    assert top[0].ranks.get(mode if mode != "hybrid" else "bm25")


def test_restriction_to_documents(small_search):
    passages = small_search.retrieve("Who coordinates the TAPI pipeline construction?", 5, doc_ids={"migration"})
    assert passages and {p.chunk.doc_id for p in passages} == {"migration"}
    assert small_search.retrieve("pipeline", 5, doc_ids={"no-such-doc"}) == []


def test_dense_scores_are_cosines(small_search, embedder):
    query = "refugees in Iran and Pakistan"
    for passage in small_search.retrieve(query, 3):
        expected = float(
            embedder.encode_query(query) @ embedder.encode([f"{passage.chunk.title}. {passage.chunk.text}"])[0]
        )
        # e5's int8 layers quantize activations per batch, so a text embedded alone moves by up to ~0.01
        assert passage.dense_score == pytest.approx(expected, abs=1e-2)


def test_bm25_ignores_unknown_and_stopword_queries(small_search):
    assert small_search.bm25_ranking("the of and", 5, None) == ([], {})
    assert small_search.bm25_ranking("zzyzx qwertyuiop", 5, None) == ([], {})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "doc_prefix"),
    [
        ("Who coordinates the construction of the TAPI gas pipeline?", "afghanistan-and-taliban"),
        ("How many Afghan students did Kazakhstan fund in 2008?", "foreword"),
        ("What are the proposals for federalization of Afghanistan?", "problems-of-decentralization"),
        ("What does inclusive government mean for the Taliban?", "the-challenge-of-inclusive"),
        ("How did Tajikistan react to the Taliban coming to power?", "tajikistan-and-afghanistan"),
        ("When did Uzbekistan launch its new Afghan policy?", "afghanistan-as-one-of"),
        ("How many Afghans left the country after August 2021?", "intensification-of-migration"),
    ],
)
def test_real_corpus_retrieves_the_right_article(real_assistant, question, doc_prefix):
    passages = real_assistant.retriever.retrieve(question, 5)
    assert any(p.chunk.doc_id.startswith(doc_prefix) for p in passages[:3]), [p.chunk.doc_id for p in passages]


def test_weighted_rrf():
    fused = dict(reciprocal_rank_fusion({"a": [1, 2], "b": [2, 1]}, k=1, weights={"a": 2.0, "b": 1.0}))
    assert fused[1] == pytest.approx(2 / 2 + 1 / 3)
    assert fused[2] == pytest.approx(2 / 3 + 1 / 2)
