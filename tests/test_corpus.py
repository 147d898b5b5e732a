"""The issue splitter: pinned documents, no extraction artifacts left, and the cleaning rules."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from journalqa.ingest import split_file, split_issue
from journalqa.ingest.docfile import parse_markdown, read_document
from journalqa.ingest.footnotes import strip_note_markers
from journalqa.ingest.hyphens import join_hyphenated
from journalqa.ingest.journal import (
    decode_banner,
    extract_footnotes,
    is_page_start,
    is_spaced_banner,
    parse_running_header,
)
from journalqa.types import Document

SOURCE = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "kjfs-2022-no1-2.txt"

TITLES = {
    "foreword": "Foreword",
    "afghanistan-and-taliban": "Afghanistan and Taliban",
    "between-strategic-and-material-interests": "Between strategic and material interests",
    "intensification-of-migration-processes-in": (
        "Intensification of migration processes in Afghanistan under the new Taliban regime"
    ),
    "afghanistan-and-the-central-asian": "Afghanistan and the Central Asian region",
    "problems-of-decentralization-of-power": "Problems of decentralization of power in Afghanistan",
    "the-challenge-of-inclusive-government": (
        "The challenge of inclusive government in Afghanistan and the ways of its solution"
    ),
    "tajikistan-and-afghanistan": "Tajikistan and Afghanistan: relations before and after the Taliban came to power",
    "afghanistan-as-one-of-the": (
        "Afghanistan as one of the key priorities of Uzbekistan's foreign policy in the post-Soviet period: "
        "retrospective and perspective"
    ),
    "trade-and-economic-relations-between": (
        "Trade and economic relations between Afghanistan and Central Asian countries"
    ),
}
ARTICLES = [doc_id for doc_id in TITLES if doc_id != "foreword"]

needs_source = pytest.mark.skipif(not SOURCE.is_file(), reason="journal issue text not available")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    out = tmp_path_factory.mktemp("corpus")
    return split_file(SOURCE, out), out


@pytest.fixture(scope="module")
def docs(written: tuple[list[Path], Path]) -> dict[str, Document]:
    paths, _ = written
    return {path.stem: read_document(path) for path in paths}


# --------------------------------------------------------------------------- the real issue


@needs_source
def test_ten_documents_with_pinned_ids_and_titles(written: tuple[list[Path], Path], docs: dict[str, Document]) -> None:
    paths, _ = written
    assert [p.stem for p in paths] == list(TITLES)
    assert {doc_id: doc.title for doc_id, doc in docs.items()} == TITLES
    for doc_id, doc in docs.items():
        assert doc.doc_id == doc_id
        assert doc.metadata["source"] == SOURCE.name
        assert doc.metadata["issue"] == "Kazakhstan Journal of Foreign Studies №1–2 (3–4) 2022"


@needs_source
def test_no_running_headers_or_spaced_banners_in_prose(docs: dict[str, Document]) -> None:
    for doc in docs.values():
        assert "Kazakhstan Journal of Foreign Studies" not in doc.text, doc.doc_id
        assert "№1–2 (3–4) 2022" not in doc.text, doc.doc_id
        assert not re.search(r"(?:\b[A-Z] ){4,}", doc.text), doc.doc_id
        assert "C E N T R A L" not in doc.text


@needs_source
def test_no_all_caps_pull_quotes(docs: dict[str, Document]) -> None:
    for doc in docs.values():
        assert not re.search(r"\b[A-Z]{2,}(?:[ ,–-]+[A-Z]{2,}){3,}", doc.text), doc.doc_id
    assert "TO DATE, THE TALIBAN" not in docs["the-challenge-of-inclusive-government"].text
    assert docs["the-challenge-of-inclusive-government"].text.count("To date, the Taliban have fulfilled two") == 1


@needs_source
def test_mixed_case_pull_quotes_occur_once(docs: dict[str, Document]) -> None:
    taliban = docs["afghanistan-and-taliban"].text
    assert taliban.count("communities perceive democratic elections exclusively") == 1
    assert taliban.count("Pakistan has actually become the main steward of the situation") == 1
    assert taliban.count("The presence of US troops in a Muslim country") == 1
    assert 'However, Afghan "communities' not in taliban
    assert docs["the-challenge-of-inclusive-government"].text.count("It was quite expected that the United") == 1
    assert docs["trade-and-economic-relations-between"].text.count("Uzbekistan today pays close attention") == 1
    # The page's text runs on through the removed float.
    assert "madrasah graduates received primary knowledge about Islam" in taliban


@needs_source
def test_line_break_hyphens_repaired(docs: dict[str, Document]) -> None:
    kazakh = docs["between-strategic-and-material-interests"].text
    assert "Tajikistan, Uzbekistan and Turkmenistan. The regaining" in kazakh
    for doc in docs.values():
        assert not re.search(r"Turkmeni-\s*stan|Afghani-\s*stan|with-\s*drawal", doc.text), doc.doc_id
        assert not re.search(r"[a-z]- [a-z]{3,}", doc.text.replace("bi- and", "")), doc.doc_id
    assert "in mid-August said" in docs["afghanistan-and-taliban"].text
    assert "the “non-titular“ nationalities" in docs["afghanistan-and-the-central-asian"].text
    assert "machine-building" in docs["trade-and-economic-relations-between"].text
    assert "is another idea" in kazakh  # the in-line "an-other" reflow leftover


@needs_source
def test_footnotes_moved_to_metadata(docs: dict[str, Document]) -> None:
    central = docs["afghanistan-and-the-central-asian"]
    notes = central.metadata["footnotes"]
    assert len(notes) == 26
    assert notes[25].startswith("26 A. Knyazev Long-term uncertainty")
    assert "Knyazev" not in central.text
    assert "under the control of various American structures." in central.text
    # The paragraph the footnote block cut in two is whole again.
    assert "the country’s foreign exchange reserves have been frozen" in central.text
    kazakh = docs["between-strategic-and-material-interests"]
    assert len(kazakh.metadata["footnotes"]) == 36
    assert "http" not in kazakh.text
    for doc in docs.values():
        assert not re.search(r"(?:^|\n)\d{1,2} [A-Z][^\n]{0,80}(?:URL|https?://|Ibid\.)", doc.text), doc.doc_id


@needs_source
def test_superscript_note_markers_stripped(docs: dict[str, Document]) -> None:
    kazakh = docs["between-strategic-and-material-interests"].text
    assert "to be transformed into an Embassy. Until 1996" in kazakh
    assert "increased significantly to $622.6 million in 2020." in kazakh  # was "202010."
    assert "currently around 200. Most have left" in kazakh  # was "20016."
    assert not re.search(r"Embassy1|resources8|tackled6", kazakh)
    central = docs["afghanistan-and-the-central-asian"].text
    assert "Taliban’s takeover who renamed" in central
    assert "structures26" not in central


@needs_source
def test_figures_and_captions_dropped(docs: dict[str, Document]) -> None:
    migration = docs["intensification-of-migration-processes-in"].text
    for junk in ("GALLUP", "Record-High 53%", "Aged 15 to 29", "pct.pt."):
        assert junk not in migration
    trade = docs["trade-and-economic-relations-between"].text
    for junk in ("Source: Afghanistan Statistical", "Kyrgyzstan 6.4 199.9", "TAJIKISTAN TURKMENISTAN"):
        assert junk not in trade
    assert "Afghanistan winter 2020 in Herat" not in docs["the-challenge-of-inclusive-government"].text
    assert "Tajikistan has not interrupted trade relations with Afghanistan, namely transport" in trade


@needs_source
def test_section_headings_are_marks_not_prose(docs: dict[str, Document]) -> None:
    for doc_id in ARTICLES:
        headings = [s.heading for s in docs[doc_id].sections]
        assert "Introduction" in headings, doc_id
        assert ("Abstract" in headings) == (doc_id != "tajikistan-and-afghanistan"), doc_id
    assert [s.heading for s in docs["trade-and-economic-relations-between"].sections][-6:] == [
        "Kazakhstan",
        "Kyrgyzstan",
        "Tajikistan",
        "Turkmenistan",
        "Uzbekistan",
        "Conclusions",
    ]
    decentral = docs["problems-of-decentralization-of-power"]
    assert "The purpose of the study" in [s.heading for s in decentral.sections]
    assert "The purpose of the study is to analyze the historical prerequisites" in decentral.text
    assert not docs["foreword"].sections
    assert "FOREWORD" not in docs["foreword"].text


@needs_source
def test_front_matter_metadata(docs: dict[str, Document]) -> None:
    uzbek = docs["afghanistan-as-one-of-the"].metadata
    assert uzbek["authors"] == ["Bakhtiyor Ergashev"]
    assert "foreign policy" in uzbek["keywords"]
    assert "Ergashev" not in docs["afghanistan-as-one-of-the"].text
    assert docs["afghanistan-and-taliban"].metadata["abstract"].startswith("The article discusses in detail")
    assert docs["afghanistan-and-taliban"].metadata["subtitle_missing"] is True
    for doc_id in ARTICLES:
        assert docs[doc_id].metadata["rubric"] == "Central Asia and Afghanistan"
    assert "rubric" not in docs["foreword"].metadata


@needs_source
def test_page_marks(docs: dict[str, Document]) -> None:
    ranges = {doc_id: (d.metadata["page_start"], d.metadata["page_end"]) for doc_id, d in docs.items()}
    assert ranges["foreword"] == (5, 5)
    assert ranges["afghanistan-and-taliban"] == (6, 19)
    assert ranges["trade-and-economic-relations-between"][0] < 119 < ranges["trade-and-economic-relations-between"][1]
    previous_end = 0
    for doc in docs.values():
        start, end = doc.metadata["page_start"], doc.metadata["page_end"]
        assert previous_end <= start <= end
        previous_end = end
        numbers = [int(mark.page) for mark in doc.pages]
        assert numbers == sorted(set(numbers)), doc.doc_id
        assert all(start <= n <= end for n in numbers), doc.doc_id
        assert doc.pages and doc.pages[0].offset == 0 and int(doc.pages[0].page) == start
    # Running headers give exact pages, and the header is the top of the page it names.
    taliban = docs["afghanistan-and-taliban"]
    exact = {mark.page: mark for mark in taliban.pages if not mark.approximate}
    assert set(exact) == {"8", "18"}
    assert taliban.text[exact["8"].offset :].startswith("Only then we can say that the regime")
    tajik = docs["tajikistan-and-afghanistan"]
    page_94 = next(m for m in tajik.pages if m.page == "94")
    assert not page_94.approximate
    assert tajik.text[page_94.offset :].startswith("of Foreign Affairs of the Tajikistan Sirodjiddin")


@needs_source
def test_documents_are_substantial(docs: dict[str, Document]) -> None:
    assert len(docs["foreword"].text) > 2000
    for doc_id in ARTICLES:
        assert len(docs[doc_id].text) > 15000, doc_id


# --------------------------------------------------------------------------- cleaning rules


def test_join_hyphenated_uses_the_issue_as_dictionary() -> None:
    vocab = Counter({"turkmenistan": 3, "withdrawal": 5, "state-building": 2, "machine": 1, "building": 4})
    assert join_hyphenated("Turkmeni", "stan.", vocab) == ("Turkmenistan.", True)
    assert join_hyphenated("with", "drawal", vocab) == ("withdrawal", True)
    assert join_hyphenated("state", "building", vocab) == ("state-building", False)
    assert join_hyphenated("non", "titular", vocab) == ("non-titular", False)
    assert join_hyphenated("mid", "August", vocab) == ("mid-August", False)
    assert join_hyphenated("machine", "building", vocab) == ("machine-building", False)
    assert join_hyphenated("objec", "tives", vocab) == ("objectives", True)


def test_banner_and_header_detection() -> None:
    assert is_spaced_banner("A B S T R A C T")
    assert is_spaced_banner(" I N T R O D U C T I O N")
    assert decode_banner("C E N T R A L  A S I A  A N D  A F G H A N I S T A N") == "CENTRAL ASIA AND AFGHANISTAN"
    assert decode_banner("U Z B E K I S T A N ’ S  P O S T - S O V I E T") == "UZBEKISTAN’S POST-SOVIET"
    assert not is_spaced_banner("A. B. Smith and C. D. Jones wrote")
    assert not is_spaced_banner("IN THIS CONTEXT, IT IS")
    assert parse_running_header("8 Kazakhstan Journal of Foreign Studies • №1–2 (3–4) 2022") == (
        8,
        "Kazakhstan Journal of Foreign Studies №1–2 (3–4) 2022",
    )
    assert parse_running_header("39№1–2 (3–4) 2022 • Kazakhstan Journal of Foreign Studies")[0] == 39  # type: ignore[index]
    assert parse_running_header("2022, protest rallies were held") is None
    lines = ["text ends here", " continues on the next page", "", " indented paragraph"]
    assert [is_page_start(lines, i) for i in range(4)] == [False, True, False, False]


def test_footnote_extraction_and_markers() -> None:
    lines = [
        "the Embassy1. More text here, and the count was 20016.",
        "",
        "1 Brief characteristic, //http://e-history.kz/media/upload/206 5/2014/06/27/3212f65740035",
        "62bc960599c064f94de.pdf.",
        "2 Verkhoturov Krepkoe partnerstvo, // ",
        "http://expertonline.kz/a6209/.",
        " continues after the page break",
    ]
    taken, notes = extract_footnotes(lines)
    assert taken == [2, 3, 4, 5]
    assert [n for n, _ in notes] == [1, 2]
    assert notes[0][1].endswith("3212f6574003562bc960599c064f94de.pdf.")
    assert notes[1][1] == "Verkhoturov Krepkoe partnerstvo, // http://expertonline.kz/a6209/."
    cleaned, removed = strip_note_markers([lines[0]], [1, 2])
    assert removed == 1 and cleaned == ["the Embassy. More text here, and the count was 20016."]
    cleaned, removed = strip_note_markers(["an Embassy1. Then around 20016. Done, see [6, p. 6–7]."], [1, 16])
    assert cleaned == ["an Embassy. Then around 200. Done, see [6, p. 6–7]."] and removed == 2


MINI_ISSUE = """ The opening words of the issue, a short foreword that runs over a line.

FOREWORD
 TRADE AND 
WATER:

A B S T R A C T
The article looks at trade and water in the region.
 I N T R O D U C T I O N
Water is scarce in the region and trade in water is growing fast every year. The rivers of
Turkmeni-
stan carry less water every year, and the states of the region received

Water is scarce in the region and trade in water is growing fast every year.
 less of it than the treaties promised. A second sentence closes the paragraph.

THE MAIN POINT
IS THAT WATER 
MATTERS MORE THAN 
OIL IN THE REGION.
 The third page starts with a new paragraph about the rivers of Central Asia and water.



10 Kazakhstan Journal of Foreign Studies • №5 (7) 2023

C E N T R A L  A S I A

Text on page ten goes on here with the end of the article about Turkmenistan.
"""


def test_split_issue_on_a_synthetic_issue() -> None:
    documents = split_issue(MINI_ISSUE, "mini.txt")
    assert [d.doc_id for d in documents] == ["foreword", "trade-and-water"]
    foreword, article = (parse_markdown(d.to_markdown()) for d in documents)
    assert "opening words" in foreword.text and "FOREWORD" not in foreword.text
    assert article.title == "Trade and water"
    assert article.metadata["issue"] == "Kazakhstan Journal of Foreign Studies №5 (7) 2023"
    assert article.metadata["rubric"] == "Central Asia"
    assert [s.heading for s in article.sections] == ["Abstract", "Introduction"]
    text = article.text
    assert "rivers of Turkmenistan carry" in text
    assert text.count("trade in water is growing fast every year") == 1  # the pull-quote is gone
    assert "the states of the region received less of it than the treaties promised" in text
    assert "MATTERS MORE" not in text and "C E N T R A L" not in text and "Kazakhstan Journal" not in text
    pages = [(m.page, m.approximate) for m in article.pages]
    assert pages[-1] == ("10", False)  # the header's number names the page that starts with it
    assert text[article.pages[-1].offset :].startswith("Text on page ten")
    assert [int(p) for p, _ in pages] == sorted({int(p) for p, _ in pages})


def test_split_file_replaces_only_its_own_stale_files(tmp_path: Path) -> None:
    source = tmp_path / "mini.txt"
    source.write_text(MINI_ISSUE, encoding="utf-8")
    out = tmp_path / "corpus"
    out.mkdir()
    (out / "stale.md").write_text('---\n{"source": "mini.txt"}\n---\n\nold\n', encoding="utf-8")
    (out / "other.md").write_text('---\n{"source": "another-issue.txt"}\n---\n\nkeep\n', encoding="utf-8")
    (out / "notes.md").write_text("no front matter\n", encoding="utf-8")
    paths = split_file(source, out)
    assert [p.name for p in paths] == ["foreword.md", "trade-and-water.md"]
    assert sorted(p.name for p in out.glob("*.md")) == ["foreword.md", "notes.md", "other.md", "trade-and-water.md"]
    assert split_file(source, out) == paths  # re-runnable
