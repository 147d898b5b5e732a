"""External vector stores end to end: milvus-lite and qdrant local mode through llama-index's
integrations, with the real embedder; the same answers as the embedded FAISS index."""

import shutil
import sys

import pytest

from journalqa.config import Settings

from .conftest import FIXTURE_CORPUS, ROOT

STORES = ["milvus", "qdrant"]
pytest.importorskip("llama_index.vector_stores.qdrant")
pytest.importorskip("llama_index.vector_stores.milvus")

QUESTIONS = [
    "Who coordinates the TAPI pipeline construction?",
    "Which countries host Afghan refugees?",
    "How long is the pipeline?",
]


@pytest.fixture(autouse=True, scope="module")
def release_stores():
    yield
    from journalqa.index.vectorstores import close_stores

    close_stores()


@pytest.fixture
def store_settings(request, tmp_path, small_index) -> Settings:
    """A private copy of the small index (and its corpus) mirrored into ``request.param``'s local mode."""
    shutil.copytree(small_index.index_dir, tmp_path / "index", ignore=shutil.ignore_patterns(".*lock"))
    shutil.copytree(FIXTURE_CORPUS, tmp_path / "corpus")
    return small_index.replace(
        index_dir=tmp_path / "index",
        corpus_dir=tmp_path / "corpus",
        vector_store=request.param,
        vector_store_uri=str(tmp_path / ("milvus.db" if request.param == "milvus" else "qdrant")),
    )


@pytest.mark.parametrize("store_settings", STORES, indirect=True)
def test_same_answers_as_faiss(store_settings, small_assistant, embedder):
    from journalqa.assistant import Assistant

    external = Assistant(store_settings, embedder)
    assert external.search.data.dense.ntotal == len(external.search.chunks)  # FAISS file not loaded
    for question in QUESTIONS:
        ours, ref = external.ask(question), small_assistant.ask(question)
        assert [p.chunk for p in ours.passages] == [p.chunk for p in ref.passages]
        assert [p.dense_score for p in ours.passages] == pytest.approx([p.dense_score for p in ref.passages], abs=1e-4)
        assert ours.answer == ref.answer


@pytest.mark.parametrize("store_settings", STORES, indirect=True)
def test_document_restriction(store_settings, embedder):
    from journalqa.assistant import Assistant

    assistant = Assistant(store_settings, embedder)
    passages = assistant.ask(QUESTIONS[0], doc_ids={"migration"}).passages
    assert passages and {p.chunk.doc_id for p in passages} == {"migration"}
    rows, _ = assistant.search.dense.search(
        embedder.encode_query(QUESTIONS[0]), 30, assistant.search.allowed_rows({"migration"})
    )
    assert rows and {assistant.search.chunks[r].doc_id for r in rows} == {"migration"}


@pytest.mark.parametrize("store_settings", STORES, indirect=True)
def test_updates_are_mirrored_document_by_document(store_settings, embedder):
    from journalqa.assistant import Assistant
    from journalqa.index.build import sync_index
    from journalqa.index.vectorstores import sync_vector_store

    first = sync_vector_store(store_settings)
    assert first.full and sorted(first.added_docs) == ["migration", "pipeline"]
    assert not sync_vector_store(store_settings).added_docs  # up to date: nothing written
    assistant = Assistant(store_settings, embedder)
    (store_settings.corpus_dir / "migration.md").unlink()
    sync = sync_index(store_settings, embedder, show_progress=False)  # a writer mirrors its new version itself
    assert "0 documents written (0 chunks), 1 deleted" in sync.mirror
    report = sync_vector_store(store_settings)
    assert not report.deleted_docs and not report.added_docs and not report.full  # already up to date
    vector = embedder.encode_query(QUESTIONS[1])
    assistant._refresh()  # a running assistant picks up the new version
    rows, _ = assistant.search.dense.search(vector, 50, None)
    assert rows and {assistant.search.chunks[r].doc_id for r in rows} == {"pipeline"}
    raw = assistant.search.dense.store.query(_query(vector, 50))
    assert {n.metadata["doc_id"] for n in raw.nodes} == {"pipeline"}  # deleted in the store, not just hidden


def _query(vector, k):
    from llama_index.core.vector_stores.types import VectorStoreQuery

    return VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=k)


@pytest.mark.parametrize("store_settings", STORES, indirect=True)
def test_llama_index_retriever_through_the_seam(store_settings, small_assistant, embedder):
    from journalqa.index.vectorstores import llama_retriever
    from journalqa.search.seams import LlamaIndexRetriever

    adapter = LlamaIndexRetriever(llama_retriever(store_settings, embedder.encode_query))
    dense = small_assistant.search.dense
    for question in QUESTIONS:
        passages = adapter.retrieve(question, 3)
        rows, scores = dense.search(embedder.encode_query(question), 3, None)
        assert [p.chunk for p in passages] == [small_assistant.search.chunks[r] for r in rows]
        assert [p.score for p in passages] == pytest.approx(scores, abs=1e-4)
    restricted = adapter.retrieve(QUESTIONS[0], 2, doc_ids={"migration"})
    assert restricted and {p.chunk.doc_id for p in restricted} == {"migration"}


def test_unknown_store_is_refused():
    from journalqa.index.vectorstores import check_store

    with pytest.raises(ValueError, match="unknown vector store"):
        check_store("pgvector")


@pytest.mark.slow
@pytest.mark.parametrize("kind", STORES)
def test_top5_overlap_with_faiss_on_the_gold_questions(kind, real_index, real_assistant, embedder, tmp_path):
    """Same corpus, same questions: the external store's top-5 overlaps FAISS's by >= 0.9 on average."""
    from journalqa.assistant import Assistant

    sys.path.insert(0, str(ROOT / "evals"))
    from goldset import load_gold

    shutil.copytree(
        real_index.index_dir, tmp_path / "index", ignore=shutil.ignore_patterns(".*lock", "milvus.db", "qdrant")
    )
    settings = real_index.replace(
        index_dir=tmp_path / "index",
        vector_store=kind,
        vector_store_uri=str(tmp_path / ("milvus.db" if kind == "milvus" else "qdrant")),
    )
    external = Assistant(settings, embedder)
    overlaps = []
    for item in load_gold():
        ours = {p.chunk.chunk_id for p in external.ask(item["question"], top_k=5).passages}
        ref = {p.chunk.chunk_id for p in real_assistant.ask(item["question"], top_k=5).passages}
        overlaps.append(len(ours & ref) / max(len(ref), 1))
    mean = sum(overlaps) / len(overlaps)
    print(f"{kind}: top-5 overlap with FAISS {mean:.3f} over {len(overlaps)} gold questions")
    assert mean >= 0.9
