from journalqa.ingest.docfile import page_comment, parse_markdown, render_markdown, slugify


def test_round_trip_keeps_sections_pages_and_metadata():
    raw = render_markdown(
        "doc",
        "A Title",
        [
            ("paragraph", page_comment("7", approximate=True) + " First paragraph."),
            ("heading", "Introduction"),
            ("paragraph", "Second paragraph " + page_comment("8") + " continues here."),
        ],
        {"rubric": "R"},
    )
    doc = parse_markdown(raw)
    assert doc.doc_id == "doc" and doc.title == "A Title" and doc.metadata["rubric"] == "R"
    assert doc.text == "First paragraph.\n\nSecond paragraph continues here."
    assert [(s.heading, doc.text[s.offset : s.offset + 6]) for s in doc.sections] == [("Introduction", "Second")]
    assert [(p.page, p.approximate, doc.text[p.offset : p.offset + 9]) for p in doc.pages] == [
        ("7", True, "First par"),
        ("8", False, "continues"),
    ]
    assert doc.page_at(doc.text.index("continues") - 1).page == "7"
    assert doc.section_at(0) == ""


def test_plain_markdown_without_front_matter_takes_first_heading_as_title():
    doc = parse_markdown("# Trade routes\n\nSome text\nover two lines.\n", doc_id="x")
    assert doc.title == "Trade routes" and doc.doc_id == "x"
    assert doc.text == "Some text over two lines."


def test_slugify_limits_words_and_strips_accents():
    assert slugify("Afghanistan and Taliban") == "afghanistan-and-taliban"
    assert slugify("Uzbekistan’s Foreign Policy in the Post-Soviet Period") == "uzbekistans-foreign-policy-in-the"
    assert slugify("Économie café", max_words=1) == "economie"
