import pytest

from journalqa.assistant import QuestionError, clean_question


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("x" * 10_000, "limit"),
        ("\x00\x01\x02\x7f\x1b", "empty"),
        ("12345 !!! ???", "no words"),
        (42, "text"),
    ],
)
def test_bad_questions_get_one_line_reasons(question, message):
    with pytest.raises(QuestionError) as info:
        clean_question(question, 2000)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_control_characters_are_dropped():
    assert clean_question("Who\x00 leads\n the  TAPI\x1b project?", 2000) == "Who leads the TAPI project?"


def test_small_corpus_answer_cites_the_right_passage(small_assistant):
    answer = small_assistant.ask("Who coordinates the construction of the TAPI pipeline?")
    assert not answer.abstained
    assert answer.citations[0].passage.chunk.doc_id == "pipeline"
    assert "Asian Development Bank" in answer.answer
    assert set(answer.timings_ms) >= {"retrieve", "answer", "total"}


def test_small_corpus_restriction(small_assistant):
    answer = small_assistant.ask("Who coordinates the construction of the TAPI pipeline?", doc_ids=["migration"])
    assert all(p.chunk.doc_id == "migration" for p in answer.passages)


def test_other_language_and_garbage_abstain(small_assistant):
    for question in ["Кто координирует строительство?", "asdkjh qwpoeiru zxcmvn"]:
        assert small_assistant.ask(question).abstained


@pytest.mark.slow
def test_tapi_question_cites_the_afghanistan_and_taliban_article(real_assistant):
    answer = real_assistant.ask("Who coordinates the construction of the TAPI gas pipeline?")
    assert not answer.abstained
    assert "Asian Development Bank" in answer.answer
    assert answer.citations[0].passage.chunk.doc_id == "afghanistan-and-taliban"


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "What is the population of Kabul?",
        "What is the GDP of Mongolia?",
        "Who won the 2018 FIFA World Cup?",
        "Каков ВВП Монголии?",
    ],
)
def test_real_corpus_abstains_on_questions_it_does_not_answer(real_assistant, question):
    assert real_assistant.ask(question).abstained


@pytest.mark.slow
def test_new_index_version_is_picked_up_without_restart(tmp_path, embedder, small_index):
    import shutil

    from journalqa.assistant import Assistant
    from journalqa.index.build import build_index

    settings = small_index.replace(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
    shutil.copytree(small_index.corpus_dir, settings.corpus_dir)
    build_index(settings, embedder, show_progress=False)
    assistant = Assistant(settings, embedder)
    first = assistant.version
    (settings.corpus_dir / "migration.md").unlink()
    build_index(settings, embedder, show_progress=False)
    answer = assistant.ask("Which countries host Afghan refugees?")
    assert assistant.version != first
    assert all(p.chunk.doc_id == "pipeline" for p in answer.passages)


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_llm_mode_falls_back_to_extractive_with_notice_when_server_is_down(small_assistant):
    from journalqa.assistant import Assistant

    settings = small_assistant.settings.replace(llm_base_url=f"http://127.0.0.1:{_closed_port()}/v1", llm_timeout=2)
    assistant = Assistant(settings, small_assistant.embedder)
    answer = assistant.ask("Who coordinates the construction of the TAPI pipeline?", mode="llm")
    assert answer.mode == "extractive" and answer.notice.startswith("LLM unavailable")
    assert "Asian Development Bank" in answer.answer


def test_llm_mode_is_gated_only_on_retrieval(small_assistant):
    from journalqa.assistant import Assistant

    settings = small_assistant.settings.replace(llm_base_url=f"http://127.0.0.1:{_closed_port()}/v1", llm_timeout=2)
    # passages were found: the model is asked even where the extractive verdict would not answer (issue #28) ...
    asked = Assistant(settings, small_assistant.embedder).ask("Кто координирует строительство?", mode="llm")
    assert asked.notice.startswith("LLM unavailable")

    class NothingFound:
        def retrieve(self, query, top_k, doc_ids=None):
            return []

    # ... and with nothing retrieved it is not: the unreachable server was never called
    empty = Assistant(settings, small_assistant.embedder, retriever=NothingFound()).ask("Who?", mode="llm")
    assert empty.verdict == "not_in_documents" and empty.notice == ""


def test_unknown_mode_is_a_question_error(small_assistant):
    with pytest.raises(QuestionError, match="unknown answer mode"):
        small_assistant.ask("Who coordinates the TAPI pipeline?", mode="poetry")


@pytest.mark.slow
def test_llm_mode_through_a_real_server(small_assistant, llm_server):
    from journalqa.assistant import Assistant

    settings = small_assistant.settings.replace(llm_base_url=llm_server, llm_temperature=0.0)
    deltas: list[str] = []
    answer = Assistant(settings, small_assistant.embedder).ask(
        "Who coordinates the construction of the TAPI pipeline?", mode="llm", on_token=deltas.append
    )
    assert deltas, "tokens were streamed"
    if answer.mode == "llm":
        assert answer.notice == "" and answer.query
        for citation in answer.citations:
            assert 1 <= citation.n <= len(answer.passages)
            assert citation.passage in answer.passages
    else:  # the tiny model's reply was unusable: the fallback must say so
        assert answer.notice.startswith("LLM unavailable")


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "Кто координирует строительство газопровода ТАПИ?",
        pytest.param(
            "ТАПИ газ құбырының құрылысын кім үйлестіреді?",
            # A known regression (session 6): the cross-lingual ranking maps құбыр/құрылыс to gas/built and puts
            # the trade article's TAPI passage first (dense rank 4) above the ADB passage (dense rank 1), and the
            # answer quotes it. Kept because it lifted Kazakh test hit@5 0.684 -> 0.842; strict, so a fix shows.
            marks=pytest.mark.xfail(strict=True, reason="cross-lingual ranking puts another TAPI passage first"),
        ),
    ],
)
def test_russian_and_kazakh_questions_are_answered_from_the_english_journal(real_assistant, question):
    # the default embedder reads all three languages (before issue 13 these abstained: MiniLM reads no Cyrillic)
    answer = real_assistant.ask(question)
    assert not answer.abstained
    assert "Asian Development Bank" in answer.answer
    assert answer.citations[0].passage.chunk.doc_id == "afghanistan-and-taliban"


def test_a_question_is_embedded_once(real_assistant, monkeypatch):
    """Retrieval and the answerer's sentence cosines share the question's vector (encoding it is most of the model
    time of a question)."""
    backend = real_assistant.embedder.backend
    encode = backend.encode
    asked: list[list[str]] = []

    def counting(texts, query=False, show_progress=False):
        if query:
            asked.append(list(texts))
        return encode(texts, query=query, show_progress=show_progress)

    monkeypatch.setattr(backend, "encode", counting)
    question = "Which bank coordinates the construction of the TAPI gas pipeline?"
    answer = real_assistant.ask(question)
    assert answer.passages and real_assistant.search.sentences is not None  # both users of the vector ran
    assert asked.count([question]) == 1
    vector = real_assistant.embedder.encode_query(question)
    with pytest.raises(ValueError):  # shared, so nobody may change it in place
        vector *= 2
    real_assistant.embedder.forget_query()  # what the latency bench does before each timed step
    assert (real_assistant.embedder.encode_query(question) == vector).all() and asked.count([question]) == 2
