"""One test per cleaning pass on tiny inputs, plus the PDF layout on a generated two-column PDF."""

from __future__ import annotations

from collections import Counter

import pytest

from journalqa.ingest.footnotes import take_footnotes
from journalqa.ingest.headers import find_running_lines
from journalqa.ingest.hyphens import join_hyphenated
from journalqa.ingest.normalize import noise_counts, normalize_text
from journalqa.ingest.pdf_layout import SUP, Line, Page
from journalqa.ingest.structure import is_contents_entry, section_kind
from journalqa.types import Document, SectionMark


def _line(page: int, text: str, base: float, size: float = 10.0, x0: float = 72.0) -> Line:
    return Line(
        page=page,
        text=text,
        x0=x0,
        x1=x0 + 6 * len(text),
        top=base - size,
        base=base,
        size=size,
        bold=False,
        mono=False,
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("speci\ufb01ed", "specified"),  # ligature
        ("e\ufb03cient", "efficient"),
        ("x\u00b2 + \u00bd", "x\u00b2 + \u00bd"),  # superscripts and fractions keep their meaning
        ("a\x00b\ue000c", "abc"),  # NUL and private use dropped
        ("no\u00a0break", "no break"),
        ("\uff21\uff22", "AB"),  # full-width forms
        ("hy\u00adphen", "hyphen"),  # soft hyphen
    ],
)
def test_normalize_folds_compatibility_characters_only_where_meaning_stays(raw: str, clean: str) -> None:
    assert normalize_text(raw) == clean
    assert noise_counts(normalize_text(raw)) == {"ligatures": 0, "nul": 0, "private_use": 0}


def test_running_headers_found_by_repetition_with_varying_page_numbers() -> None:
    pages = []
    for k in range(5):
        lines = [
            _line(k, f"{k + 3} Various Versatile Variances" if k % 2 else f"Zeileis et al. {k + 3}", 40),
            _line(k, "Body text that is different on every page number " + "x" * k, 100),
            _line(k, ["alpha", "beta", "gamma", "delta", "epsilon"][k] + " closes the body", 112),
            _line(k, str(k + 3), 760),
        ]
        pages.append(Page(k, 600, 800, lines))
    found = find_running_lines(pages, [str(k + 3) for k in range(5)])
    assert {(p, 0) for p in range(5)} <= found.removed  # headers, text varies only by the page number
    assert {(p, 3) for p in range(5)} <= found.removed  # bare page numbers
    assert not any(i in (1, 2) for _, i in found.removed)
    assert found.page_numbers == 5


def test_a_line_repeated_at_the_edge_but_at_other_heights_is_not_a_running_line() -> None:
    # an issue's articles: "Introduction" ends the first page at another height each time, "17 Ibid." is a note
    pages = []
    for k in range(4):
        lines = [
            _line(k, "Kazakhstan Journal of Foreign Studies", 42),
            _line(k, "Body text of this page " + "x" * k, 100 + 10 * k),
            _line(k, "Introduction", 400 + 60 * k),
            _line(k, f"{SUP}{17 + k}{SUP} Ibid.", 760, size=8),
            _line(k, str(k + 6), 790),
        ]
        pages.append(Page(k, 600, 842, lines))
    found = find_running_lines(pages, [str(k + 6) for k in range(4)])
    assert {(p, 0) for p in range(4)} <= found.removed  # the journal's name, at one height on every page
    assert not any(i in (2, 3) for _, i in found.removed)  # the heading and the notes stay
    shifted = [Page(k, 600, 842, [_line(k, "Kazakhstan Journal of Foreign Studies", 42 + 20 * k)]) for k in range(4)]
    assert not find_running_lines(shifted, ["1", "2", "3", "4"]).removed


def test_footnotes_move_out_and_only_their_markers_are_stripped() -> None:
    body = [
        _line(0, f"R is an integrated suite{SUP}1{SUP} of software with x{SUP}2{SUP} terms.", 100),
        _line(0, "Second line of the body.", 112),
        _line(0, f"{SUP}1{SUP} An environment, not a collection of tools.", 740, size=8),
        _line(0, "continued on a second line.", 750, size=8),
    ]
    page = Page(0, 600, 800, body)
    notes = take_footnotes([page], 10.0, set())
    assert notes.notes == ["1 An environment, not a collection of tools. continued on a second line."]
    assert notes.lines == {(0, 2), (0, 3)}
    assert body[0].text == "R is an integrated suite of software with x2 terms."  # marker gone, exponent kept
    assert notes.markers_removed == 1


def test_small_text_without_a_marker_is_no_footnote() -> None:
    page = Page(0, 600, 800, [_line(0, "Body.", 100), _line(0, "Figure 1: a caption in small type", 740, size=8)])
    assert take_footnotes([page], 10.0, set()).notes == []


@pytest.mark.parametrize(
    ("left", "right", "vocab", "word"),
    [
        ("zero", "truncated", {"zero-truncated": 2, "zero": 3, "truncated": 4}, "zero-truncated"),
        ("speci", "fied", {"specified": 1}, "specified"),
        ("avail", "able", {"available": 1}, "available"),
        ("non", "linear", {}, "non-linear"),  # compound prefix
    ],
)
def test_line_end_hyphens_join_only_into_known_words(left: str, right: str, vocab: dict, word: str) -> None:
    assert join_hyphenated(left, right, Counter(vocab))[0] == word


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Table of Contents", "contents"),
        ("CONTENTS", "contents"),
        ("References", "references"),
        ("7. References", "references"),
        ("Bibliography", "references"),
        ("Appendix E Concept index", "index"),
        ("5.3 Index matrices", "body"),
        ("1.2 Related software and documentation", "body"),
    ],
)
def test_section_kinds_from_headings(heading: str, kind: str) -> None:
    assert section_kind(heading) == kind


def test_contents_entries_by_dot_leaders() -> None:
    assert is_contents_entry("1.1 The R environment. . . . . . . . . . . 2")
    assert is_contents_entry("2 Simple manipulations; numbers and vectors . . 8")
    assert not is_contents_entry("The value is 2.5 and the mean is 3.")


def test_document_kind_at_offsets() -> None:
    doc = Document("d", "D", "a" * 30, sections=(SectionMark(0, "Intro"), SectionMark(20, "References", "references")))
    assert doc.kind_at(5) == "body" and doc.kind_at(25) == "references"


def test_a_title_block_printed_at_one_place_on_every_page_is_a_running_block() -> None:
    """A frame's title block (drawing number, sheet, sign-offs) stands on every page above the foot, beyond the two
    edge rows; a heading that recurs at one height on two pages of six stays."""
    pages = []
    for k in range(6):
        lines = [_line(k, f"Body text of page {k} " + "x" * k, 100 + 12 * j) for j in range(5)]
        if k in (1, 4):
            lines.append(_line(k, "Introduction", 200))
        lines += [
            _line(k, "Drawing 123.456 Sheet", 700, x0=300),
            _line(k, "Designed by A. N. Author", 712, x0=300),
            _line(k, "Checked", 724, x0=300),
            _line(k, "Approved", 736, x0=300),
            _line(k, str(k + 1), 760),
        ]
        pages.append(Page(k, 600, 800, lines))
    found = find_running_lines(pages, [str(k + 1) for k in range(6)])
    block = {(p.index, i) for p in pages for i, ln in enumerate(p.lines) if ln.base in (700, 712, 724, 736)}
    assert block <= found.removed
    assert not any(pages[p].lines[i].text == "Introduction" for p, i in found.removed)


def test_printed_numbers_from_a_running_footer_that_opens_with_the_number_not_from_footnotes() -> None:
    from journalqa.ingest.headers import printed_labels

    footer = [_line(k, f"{k + 7} Copyright © 2022 by the Society of Engineers, a long footer line as printed", 780)
              for k in range(3)]  # fmt: skip
    notes = [_line(k, f"{k + 2} Note {'abc'[k]}: a footnote that opens with its own number, at the foot", 760)
             for k in range(3)]  # fmt: skip
    body = [[_line(k, f"Body text {'xyz'[k]} of the page, line {'abcd'[j]}.", 100 + 14 * j) for j in range(4)]
            for k in range(3)]  # fmt: skip
    pages = [Page(k, 600, 800, [*body[k], notes[k], footer[k]]) for k in range(3)]
    assert printed_labels(pages) == ["7", "8", "9"]
    without_footer = [Page(k, 600, 800, [*body[k], notes[k]]) for k in range(3)]
    assert printed_labels(without_footer) == ["", "", ""]  # consecutive footnote numbers are no page numbers
