from journalqa.answer.render import (
    answer_dict,
    answer_html,
    article_html,
    evidence_html,
    highlight,
    highlight_html,
    journal_references_text,
    page_label,
    query_html,
    source_anchor,
)
from journalqa.types import Answer, Chunk, Citation, Document, PageMark, Passage, SectionMark

DOC_TEXT = "Intro text here.\n\nThe ADB coordinates <TAPI>. It costs a lot.\n\nEnd."
START = DOC_TEXT.index("The ADB")
END = DOC_TEXT.index("\n\nEnd")
CHUNK = Chunk("doc#1", "doc", "A & B", "Gas", "12", True, START, END, DOC_TEXT[START:END])
PASSAGE = Passage(CHUNK, 0.0312, {"dense": 1, "bm25": 2}, dense_score=0.6123)
SPAN = (0, CHUNK.text.index(" It costs"))
ANSWER = Answer(
    "Who coordinates TAPI?",
    "The ADB coordinates <TAPI>. [1]",
    False,
    (Citation(1, PASSAGE, SPAN),),
    (PASSAGE,),
    query="Who coordinates TAPI?",
)


def test_highlight_html_escapes_and_marks_exact_offsets():
    assert highlight_html("a<b>c d", [(0, 5)]) == '<mark class="jq-hl">a&lt;b&gt;c</mark> d'
    assert highlight_html("abcdef", [(3, 5), (0, 1), (4, 6)]) == (
        '<mark class="jq-hl">a</mark>bc<mark class="jq-hl">de</mark>f'
    )
    assert highlight_html("abc", []) == "abc"


def test_highlight_html_matches_text_highlight():
    plain = highlight(CHUNK.text, [SPAN], "«", "»")
    marked = highlight_html(CHUNK.text, [SPAN]).replace('<mark class="jq-hl">', "«").replace("</mark>", "»")
    assert marked.replace("&lt;", "<").replace("&gt;", ">") == plain


def test_answer_html_links_markers_to_cards():
    out = answer_html(ANSWER, prefix="a3-")
    assert f'href="#{source_anchor("a3-", 1)}"' in out and 'href="#a3-src-1"' in out
    assert "&lt;TAPI&gt;" in out and "<TAPI>" not in out


def test_answer_html_leaves_unknown_markers_alone():
    answer = Answer("q", "Footnote [7] stays. [1]", False, (Citation(1, PASSAGE, SPAN),), (PASSAGE,))
    out = answer_html(answer)
    assert "[7]" in out and 'href="#src-7"' not in out and 'href="#src-1"' in out


def test_abstention_looks_different_and_offers_closest():
    answer = Answer("What is the population of Kabul?", "The journal does not answer this.", True, (), (PASSAGE,))
    out = answer_html(answer)
    assert "jq-abstain" in out and "Closest passages" in out and "A &amp; B" in out
    panel = evidence_html(answer)
    assert "none of them answers" in panel and '<mark class="jq-hl">' not in panel


def test_evidence_html_card_fields():
    out = evidence_html(ANSWER, prefix="a0-")
    assert 'id="a0-src-1"' in out
    assert "A &amp; B" in out and ">Gas<" in out and "p. ~12" in out and page_label(PASSAGE) == "p. ~12"
    # relevance in words, the score on hover (issue #31); 0.61 is far under the calibrated bands
    assert ">weak match</span>" in out and 'data-score="0.61"' in out and "similarity to the question 0.61" in out
    assert "the page is inferred" in out  # the "~" explained on hover
    assert '<mark class="jq-hl">The ADB coordinates &lt;TAPI&gt;.</mark>' in out
    assert 'data-open="1"' in out


def test_the_panel_speaks_the_interface_language():
    out = evidence_html(ANSWER, prefix="a0-", lang="ru")
    assert "с. ~12" in out and "слабое совпадение" in out and "Читать в статье" in out and "1 источник" in out
    abstained = Answer("Кабул?", "В журнале нет ответа.", True, (), (PASSAGE,), verdict="not_in_documents")
    assert "В журнале нет ответа" in answer_html(abstained, lang="ru") and "jq-not-found" in answer_html(abstained)


def test_query_html_only_when_rewritten():
    assert query_html(ANSWER) == ""
    rewritten = Answer("And Germany?", "x", True, (), (), query="How many refugees did Germany take?")
    assert "interpreted as" in query_html(rewritten) and "Germany take" in query_html(rewritten)


def test_article_html_marks_chunk_and_sentence_with_pages_and_sections():
    doc = Document(
        "doc",
        "A & B",
        DOC_TEXT,
        sections=(SectionMark(0, "Intro"), SectionMark(START, "Gas")),
        pages=(PageMark(0, "11"), PageMark(START, "12", True)),
    )
    out = article_html(doc, CHUNK, [SPAN])
    assert out.count('id="jq-passage"') == 1
    assert '<h3 class="jq-doc-section">Gas</h3><span class="jq-page-mark" translate="yes" title="~ : the page is' in out
    assert ">p. ~12</span>" in out and ">с. ~12</span>" in article_html(doc, CHUNK, lang="ru")
    chunk_part = out.split('<mark class="jq-chunk" id="jq-passage">', 1)[1]
    assert chunk_part.startswith('<mark class="jq-hl">The ADB coordinates &lt;TAPI&gt;.</mark> It costs a lot.</mark>')
    # removing the markup gives back the escaped document text
    import re

    stripped = re.sub(
        r"<h3[^>]*>.*?</h3>|<span class=\"jq-page-mark\"[^>]*>.*?</span>|<[^>]+>", "", out.split('"jq-doc-text">')[1]
    )
    assert stripped == DOC_TEXT.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_answer_dict_unchanged_shape():
    data = answer_dict(ANSWER)
    assert data["citations"][0]["highlights"] == [list(SPAN)] and data["citations"][0]["n"] == 1


def test_footnote_numbers_in_journal_text_are_not_citation_links():
    text = "Costs reach 6 billion dollars [1]. More text follows here."
    chunk = Chunk("d#0", "d", "T", "", "3", False, 0, len(text), text)
    passage = Passage(chunk, 0.1)
    span = (0, text.index(" More"))
    answer = Answer("q", f"{text[: span[1]]} [1]", False, (Citation(1, passage, span),), (passage,))
    out = answer_html(answer, "a0-")
    assert out.count('class="jq-cite"') == 1
    # the article's own reference number is a muted superscript, never a bracketed [n] beside ours (issue #28)
    assert 'dollars <sup class="jq-ref"' in out and "dollars [1]" not in out
    assert answer.answer.startswith("Costs reach 6 billion dollars [1].")  # the stored text stays exact
    assert "⟨1⟩" in journal_references_text(answer) and journal_references_text(answer).endswith("[1]")


def test_a_passage_in_another_language_than_the_question_says_so():
    from dataclasses import replace

    from journalqa.answer.render import answer_text

    english = replace(CHUNK, language="en")
    passage = Passage(english, 0.03, dense_score=0.6)
    asked_in_russian = replace(
        ANSWER,
        question="Кто координирует строительство ТАПИ?",
        citations=(Citation(1, passage, SPAN),),
        passages=(passage,),
    )
    data = answer_dict(asked_in_russian)
    assert data["language"] == "ru" and data["citations"][0]["language"] == "en"
    assert '<span class="jq-lang"' in evidence_html(asked_in_russian) and "in English" in evidence_html(
        asked_in_russian
    )
    assert "[in English]" in answer_text(asked_in_russian)
    same = replace(ANSWER, citations=(Citation(1, passage, SPAN),), passages=(passage,))
    assert answer_dict(same)["language"] == "en"
    assert "jq-lang" not in evidence_html(same) and "[in " not in answer_text(same)


def test_printed_and_pdf_pages_and_authors_on_a_card():
    # #30: the printed label is shown and cited, the PDF's own page on hover; a page that prints no number is
    # "PDF p. N", never a count dressed as a printed label; the document's authors on the card
    from journalqa.answer.render import page_label, source_card_html

    printed = Chunk("t#0", "t", "TUGboat", "", "1003", False, 0, 4, "Text", pdf_page="3", authors="A. Author")
    unnumbered = Chunk("s#0", "s", "Scan", "", None, False, 0, 4, "Text", pdf_page="2")
    assert page_label(Passage(printed, 0.1)) == "p. 1003" and page_label(Passage(unnumbered, 0.1)) == "PDF p. 2"
    card = source_card_html(1, Passage(printed, 0.1, dense_score=0.9), [])
    assert 'title="PDF p. 3"' in card and "p. 1003" in card and "by A. Author" in card
    assert "PDF p. 2" in source_card_html(1, Passage(unnumbered, 0.1, dense_score=0.9), [])
    assert "PDF с. 2" in source_card_html(1, Passage(unnumbered, 0.1, dense_score=0.9), [], lang="ru")
