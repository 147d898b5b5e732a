"""Real PDF files written for the tests: text pages with running headers and printed page labels,
encrypted, truncated and image-only (scanned) variants."""

from __future__ import annotations

from pathlib import Path

TOPICS = [
    "The Salang tunnel links the northern provinces with Kabul and carries most of the freight.",
    "Water from the Amu Darya is shared under agreements that date back to the Soviet period.",
    "The railway from Hairatan to Mazar-i-Sharif was built with support from the Asian Development Bank.",
    "Electricity imports from Uzbekistan cover a large share of the demand in Kabul.",
    "Customs procedures at the Termez crossing were simplified in the year under review.",
]


def write_text_pdf(
    path: Path, pages: int = 3, first_label: int = 41, title: str = "Northern corridors", paragraphs: int = 4
) -> Path:
    """A PDF whose pages carry a running header, body paragraphs and printed labels starting at first_label."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import PageLabelStyle
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    raw = path.with_suffix(".raw.pdf")
    c = canvas.Canvas(str(raw), pagesize=A4)
    c.setTitle(title)
    for page in range(pages):
        c.setFont("Helvetica", 8)
        c.drawString(72, 810, f"{first_label + page}  Regional Review  No. 7")
        c.setFont("Helvetica", 11)
        y = 760
        for i in range(paragraphs):
            sentence = f"Page {first_label + page} paragraph {i}: " + TOPICS[(page + i) % len(TOPICS)]
            c.drawString(72, y, sentence[:95])
            y -= 16
            c.drawString(72, y, sentence[95:] + " It is discussed in detail in this report.")
            y -= 28
        c.showPage()
    c.save()
    writer = PdfWriter(clone_from=PdfReader(raw))
    writer.set_page_label(0, pages - 1, style=PageLabelStyle.DECIMAL, start=first_label)
    writer.add_metadata({"/Title": title})
    with open(path, "wb") as fh:
        writer.write(fh)
    raw.unlink()
    return path


def write_encrypted_pdf(path: Path, source: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password="secret", owner_password="owner")
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def write_truncated_pdf(path: Path, source: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def write_scanned_pdf(path: Path) -> Path:
    """Only drawings, no text layer: what a scanner without OCR produces."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(2):
        for i in range(30):
            c.rect(72, 100 + i * 20, 400, 12, fill=1)
        c.showPage()
    c.save()
    return path


def write_bomb_pdf(path: Path, inflated_mb: int = 100) -> Path:
    """A small, valid PDF whose one page stream inflates to ``inflated_mb`` MB (a decompression bomb)."""
    import zlib

    packer = zlib.compressobj(9)
    block = b" " * (1 << 20)
    stream = b"".join(packer.compress(block) for _ in range(inflated_mb)) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path
