"""The one text sanitizer (issue #29, items 5 and 8): every extractor's text passes it before anything is stored.

Lone surrogates, NUL, bidi controls and zero-width characters never reach the index; private-use characters are
replaced and counted; a file whose text holds any of them is added like any other, and its batch goes on.
Real files, the real model and real index files."""

from __future__ import annotations

import json

from journalqa.index.manage import add_paths, list_documents
from journalqa.index.store import load_index
from journalqa.ingest import load_file
from journalqa.ingest.sanitize import REPLACEMENT, sanitize_document, sanitize_text
from journalqa.types import Document, PageMark, SectionMark


def test_each_kind_is_removed_or_replaced_and_counted():
    text = "a\ud800b\x00c\u202ed\u200be\u200df\ue000g\U0001f600h\x07i\u2028j"
    clean, report = sanitize_text(text)
    assert clean == f"a{REPLACEMENT}bcdef{REPLACEMENT}g\U0001f600hi\nj"
    assert report.counts() == {
        "surrogates": 1,
        "nul": 1,
        "controls": 1,
        "bidi": 1,
        "zero_width": 2,
        "private_use": 1,
        "line_separators": 1,
    }
    clean.encode("utf-8")  # storable


def test_a_split_surrogate_pair_becomes_its_character():
    clean, report = sanitize_text("smile \ud83d\ude00 done")
    assert clean == "smile \U0001f600 done" and not report


def test_clean_text_is_returned_as_it_is():
    text = "Қазақстан and Россия, tab\tand\nline; ² ½ «»"
    clean, report = sanitize_text(text)
    assert clean is text and not report and str(report) == "clean"


def test_marks_keep_pointing_at_their_characters():
    text = "\u202eIntro\u202c text.\n\nSecond\u200b part \x00here."
    second = text.index("Second")
    doc = Document(
        "d", "Report \u202egnp.exe\u202c", text, (SectionMark(second, "Part\u200b two"),), (PageMark(second, "2"),)
    )
    clean, report = sanitize_document(doc)
    assert clean.title == "Report gnp.exe"
    assert clean.text == "Intro text.\n\nSecond part here."
    assert clean.text[clean.sections[0].offset :].startswith("Second")
    assert clean.text[clean.pages[0].offset :].startswith("Second")
    assert clean.sections[0].heading == "Part two"
    assert report.bidi == 4 and report.zero_width == 1 and report.nul == 1  # headings are cleaned, not counted


def test_bidi_override_in_a_title_and_text_is_stripped_at_ingest(tmp_path):
    path = tmp_path / "report.md"
    path.write_text("# Report \u202egnp.exe\u202c\n\nThe pay\u200bment was \u2066late\u2069.\n", encoding="utf-8")
    doc = load_file(path)
    assert doc.title == "Report gnp.exe"
    assert doc.text == "The payment was late."
    assert doc.metadata["sanitized"] == {"bidi": 4, "zero_width": 1}


def test_lone_surrogates_and_nul_never_reach_the_index_and_the_batch_goes_on(workspace, tmp_path):
    settings, embedder = workspace
    # JSON front matter may spell a lone surrogate (a PDF's text layer can hold them too): it used to crash the
    # whole add when the manifest and chunks were written
    hostile = tmp_path / "hostile.md"
    hostile.write_text(
        '---\n{"title": "Lone \\ud800 surrogate", "authors": ["A\\u0000B"]}\n---\n\n'
        "Wheat exports rose in 2021.\x00 The \ue000 glyph had no Unicode map.\n",
        encoding="utf-8",
    )
    fine = tmp_path / "fine.txt"
    fine.write_text("Cotton harvests fell in 2020.\n", encoding="utf-8")
    report = add_paths(settings, [hostile, fine], embedder=embedder, show_progress=False)
    assert sorted(report.sync.added) == ["fine", "hostile"], report.skipped
    titles = {d.doc_id: d.title for d in list_documents(settings)}
    assert titles["hostile"] == f"Lone {REPLACEMENT} surrogate"
    chunks_file = next(settings.index_dir.rglob("chunks.jsonl")).read_text(encoding="utf-8")
    assert "\\u0000" not in chunks_file and "\x00" not in chunks_file
    texts = [c.text for c in load_index(settings.index_dir).chunks if c.doc_id == "hostile"]
    assert texts == [f"Wheat exports rose in 2021. The {REPLACEMENT} glyph had no Unicode map."]
    manifest = json.loads(next(settings.index_dir.rglob("manifest.json")).read_text(encoding="utf-8"))
    assert "\\ud800" not in json.dumps(manifest)
