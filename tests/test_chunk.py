from journalqa.index.chunk import approximate_tokens, chunk_document
from journalqa.ingest.docfile import page_comment, parse_markdown, render_markdown


def make_doc(paragraphs=12):
    blocks = [("paragraph", page_comment("5") + " " + " ".join(f"Sentence {i} is about trade." for i in range(20)))]
    blocks.append(("heading", "Results"))
    for p in range(paragraphs):
        marker = page_comment(str(6 + p // 4), approximate=True) + " " if p % 4 == 0 else ""
        blocks.append(("paragraph", marker + " ".join(f"Para {p} sentence {i} on security." for i in range(8))))
    return parse_markdown(render_markdown("doc", "Doc", blocks))


def test_chunks_point_at_their_text_and_stay_in_budget():
    doc = make_doc()
    chunks = chunk_document(doc, max_tokens=60, overlap_sentences=1)
    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert approximate_tokens(chunk.text) <= 60
    assert [c.chunk_id for c in chunks] == [f"doc#{i:04d}" for i in range(len(chunks))]


def test_chunks_overlap_by_one_sentence_and_never_cross_sections():
    doc = make_doc()
    chunks = chunk_document(doc, max_tokens=60, overlap_sentences=1)
    results_start = doc.sections[0].offset
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert not (a.start < results_start < a.end)
        if a.section == b.section:
            assert b.start < a.end  # the last sentence repeats
    assert {c.section for c in chunks} == {"", "Results"}


def test_pages_exact_and_approximate():
    doc = make_doc()
    chunks = chunk_document(doc, max_tokens=60)
    assert chunks[0].page == "5" and not chunks[0].page_approximate
    later = [c for c in chunks if c.section == "Results"]
    assert all(c.page_approximate for c in later)
    assert any("–" in (c.page or "") for c in chunks)  # a chunk over a page break names both pages


def test_no_pages_means_no_page():
    doc = parse_markdown("# T\n\nOne sentence here. Another one there.\n")
    (chunk,) = chunk_document(doc)
    assert chunk.page is None and chunk.section == "T"


def test_overlong_sentence_is_cut_at_words():
    doc = parse_markdown("# T\n\n" + " ".join(["word"] * 500) + ".\n")
    chunks = chunk_document(doc, max_tokens=100)
    assert len(chunks) >= 4
    assert all(approximate_tokens(c.text) <= 100 for c in chunks)


def test_real_tokenizer_budget(embedder):
    doc = make_doc()
    for chunk in chunk_document(doc, max_tokens=200, count_tokens=embedder.count_tokens):
        assert embedder.count_tokens(chunk.text) <= 200


def test_chunks_record_their_language_mixed_documents_per_chunk():
    from journalqa.types import Document

    english = " ".join(f"Kazakhstan sent {i} tons of flour to Afghanistan in the spring." for i in range(12))
    russian = " ".join(f"Казахстан отправил в Афганистан {i} тонн муки весной этого года." for i in range(12))
    kazakh = " ".join(f"Қазақстан Ауғанстанға биыл көктемде {i} тонна ұн жіберді." for i in range(12))
    doc = Document("mixed", "Mixed", f"{english}\n\n{russian}\n\n{kazakh}")
    chunks = chunk_document(doc, max_tokens=60, overlap_sentences=0)
    languages = [c.language for c in chunks]
    assert languages[0] == "en" and languages[-1] == "kk" and "ru" in languages
    assert languages.index("ru") < languages.index("kk")


def test_short_chunks_take_the_document_language():
    from journalqa.types import Document

    body = " ".join("Пакет содержит программу для установки и удаления других пакетов системы." for _ in range(6))
    doc = Document("ru", "Руководство", f"{body}\n\nOK.")
    chunks = chunk_document(doc, max_tokens=40, overlap_sentences=0)
    assert chunks[-1].text == "OK." and chunks[-1].language == "ru"


def test_old_chunk_records_load_without_a_language():
    from journalqa.types import Chunk

    old = {"chunk_id": "d#0000", "doc_id": "d", "title": "T", "section": "", "page": None,
           "page_approximate": False, "start": 0, "end": 1, "text": "x"}  # fmt: skip
    assert Chunk(**old).language == ""


def test_a_giant_word_is_cut_to_the_window(embedder):
    # issue #29: a 100,000-character "word" (no space to cut at) became one chunk, far over 200 word-pieces
    giant = "".join("abcdefghij"[i % 10] for i in range(100_000))
    doc = parse_markdown(f"# Giant\n\nBefore the run. {giant} after the run.\n")
    for count in (approximate_tokens, embedder.count_tokens):
        chunks = chunk_document(doc, max_tokens=200, count_tokens=count)
        # nothing is lost: the chunks cover the text end to end (each starts where the one before ends, or before)
        assert chunks[0].start == 0 and chunks[-1].end == len(doc.text)
        assert all(b.start <= a.end + 1 for a, b in zip(chunks, chunks[1:], strict=False))
        assert max(len(c.text) for c in chunks) <= 200 * 8
        assert all(count(c.text) <= 200 for c in chunks)
        assert all(c.text == doc.text[c.start : c.end] for c in chunks)
