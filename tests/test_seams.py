"""The llama-index seams, with real llama-index objects (no LLM: Settings.llm is set to None)."""

import pytest

pytest.importorskip("llama_index.core")

from llama_index.core import Settings as LlamaSettings  # noqa: E402
from llama_index.core.retrievers import QueryFusionRetriever  # noqa: E402

from journalqa.index.nodes import chunk_to_node, node_to_chunk  # noqa: E402
from journalqa.search.seams import JournalRetriever, LlamaIndexRetriever


@pytest.fixture(autouse=True)
def no_llm():
    LlamaSettings.llm = None  # never fall back to OpenAI


def test_node_round_trip(small_assistant):
    chunk = small_assistant.search.chunks[0]
    assert node_to_chunk(chunk_to_node(chunk)) == chunk


def test_journal_retriever_inside_a_llama_index_fusion_retriever(small_assistant):
    ours = JournalRetriever(small_assistant.retriever, top_k=3)
    fusion = QueryFusionRetriever([ours], num_queries=1, mode="reciprocal_rerank", similarity_top_k=3, use_async=False)
    nodes = fusion.retrieve("Who coordinates the TAPI pipeline construction?")
    assert nodes and node_to_chunk(nodes[0].node).doc_id == "pipeline"


def test_llama_index_vector_store_as_our_retriever(small_assistant, embedder):
    from llama_index.core import VectorStoreIndex

    from journalqa.index.nodes import JournalEmbedding

    model = JournalEmbedding(embedder)
    nodes = [chunk_to_node(c) for c in small_assistant.search.chunks]
    index = VectorStoreIndex(nodes, embed_model=model)
    adapter = LlamaIndexRetriever(index.as_retriever(similarity_top_k=3))
    passages = adapter.retrieve("Which countries host Afghan refugees?", 2)
    assert len(passages) == 2 and passages[0].chunk.doc_id == "migration"
    assert passages[0].chunk == next(
        c for c in small_assistant.search.chunks if c.chunk_id == passages[0].chunk.chunk_id
    )
    restricted = adapter.retrieve("Which countries host Afghan refugees?", 2, doc_ids={"pipeline"})
    assert restricted and {p.chunk.doc_id for p in restricted} == {"pipeline"}
