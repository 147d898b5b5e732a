"""Scanned-page fixtures made the way a scanner makes them: real pages rasterised with ``pdftoppm``, tilted,
speckled and JPEG-compressed with Pillow, and wrapped back into a PDF with ``img2pdf`` (no text layer).

Also the known texts they start from (English, Russian, Kazakh) and the character accuracy used to grade
OCR output against them. Needs the Debian tools ``make test`` installs (poppler-utils, img2pdf,
fonts-dejavu-core); ``missing_tools()`` names the ones that are not there.
"""

from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Sequence
from pathlib import Path

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")

# The foreword of the bundled issue (corpus/foreword.md) and its Russian and Kazakh renderings: real prose
# on the journal's subject, with the letters each language adds (ё, ъ; ә, ғ, қ, ң, ө, ұ, ү, һ, і).
KNOWN_TEXT = {
    "eng": (
        "After the dramatic events of August 2021, Afghanistan entered a new era in its history. Almost "
        "semi-centennial civil war has ended, which claimed the lives of hundreds of thousands Afghans and forced "
        "millions to leave their country. Kazakhstan initially advocated the process of national reconciliation, "
        "the creation of a sustainable dialogue between the parties to the conflict under UN auspices. Guided by "
        "the principles of humanism, in 2008 the Republic of Kazakhstan allocated significant funds for the "
        "education of 1,000 Afghan students in the country's universities. Only in 2020-2021, the total amount "
        "of assistance was about $100 million. The bulk of the aid consisted of supplies of flour, other types "
        "of food and medicines."
    ),
    "rus": (
        "После драматических событий августа 2021 года Афганистан вступил в новую эпоху своей истории. "
        "Завершилась почти полувековая гражданская война, унёсшая жизни сотен тысяч афганцев и вынудившая "
        "миллионы покинуть свою страну. Казахстан изначально выступал за процесс национального примирения, "
        "создание устойчивого диалога между сторонами конфликта под эгидой ООН. Руководствуясь принципами "
        "гуманизма, в 2008 году Республика Казахстан выделила значительные средства на обучение 1000 афганских "
        "студентов в университетах страны. Только в 2020-2021 годах общий объём помощи составил около 100 "
        "миллионов долларов. Основную часть помощи составили поставки муки, других продуктов питания и лекарств."
    ),
    "kaz": (
        "2021 жылғы тамыздағы оқиғалардан кейін Ауғанстан өз тарихының жаңа кезеңіне қадам басты. Жүз мыңдаған "
        "ауғандықтардың өмірін қиған және миллиондаған адамды елінен кетуге мәжбүр еткен жарты ғасырға жуық "
        "азамат соғысы аяқталды. Қазақстан бастапқыда ұлттық татуласу үдерісін, БҰҰ қамқорлығымен қақтығыс "
        "тараптары арасында тұрақты диалог құруды қолдады. Гуманизм қағидаттарын басшылыққа ала отырып, 2008 "
        "жылы Қазақстан Республикасы елдің жоғары оқу орындарында 1000 ауған студентін оқытуға қомақты қаражат "
        "бөлді. Тек 2020-2021 жылдары көмектің жалпы көлемі шамамен 100 миллион долларды құрады. Көмектің "
        "негізгі бөлігі ұн, өзге де азық-түлік пен дәрі-дәрмек жеткізуден тұрды. Өңірдегі қауіпсіздік "
        "мәселелері һәм сауда байланыстары күн тәртібінен түскен жоқ."
    ),
}

TOOLS = {"pdftoppm": "poppler-utils", "img2pdf": "img2pdf"}


def missing_tools() -> list[str]:
    """Debian packages whose programs (or fonts) these fixtures need and this machine lacks."""
    missing = [pkg for exe, pkg in TOOLS.items() if shutil.which(exe) is None]
    if not (DEJAVU / "DejaVuSerif.ttf").exists():
        missing.append("fonts-dejavu-core")
    return missing


def normalise(text: str) -> str:
    """Compare text, not typography: NFKC, one kind of dash and quote, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[‐‑‒–—−]", "-", text)
    text = re.sub(r"[‘’‚‛`´]", "'", text)
    text = re.sub(r"[“”„‟«»]", '"', text)
    return re.sub(r"\s+", " ", text).strip()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, two rows (no extra dependency for ~1,500-character pages)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def char_accuracy(ocr: str, truth: str) -> float:
    """1 - edit distance / length of the truth, on normalised text (the usual OCR character accuracy)."""
    ocr, truth = normalise(ocr), normalise(truth)
    return max(0.0, 1.0 - edit_distance(ocr, truth) / max(1, len(truth)))


def write_text_page_pdf(path: Path, text: str, *, size: float = 11.0, pages: int = 1) -> Path:
    """``text`` set in DejaVu Serif on A4, one column, repeated on ``pages`` pages: a known-text original."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    if "DejaVuSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSerif", str(DEJAVU / "DejaVuSerif.ttf")))
    style = ParagraphStyle("body", fontName="DejaVuSerif", fontSize=size, leading=size * 1.35)
    story: list = []
    for page in range(pages):
        story += [Paragraph(text, style)] + ([PageBreak()] if page < pages - 1 else [])
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def rasterise(pdf: Path, page: int, dpi: int = 300) -> bytes:
    """One 0-based page as PNG bytes, grey, through ``pdftoppm`` (what a scanner would see)."""
    out = subprocess.run(
        ["pdftoppm", "-f", str(page + 1), "-l", str(page + 1), "-r", str(dpi), "-gray", "-png", str(pdf)],
        check=True,
        capture_output=True,
    )
    return out.stdout


def degrade(png: bytes, *, seed: int, tilt: float = 0.7, noise: float = 0.01, quality: int = 70) -> bytes:
    """A scanner's flaws: a slight tilt, dust specks, JPEG compression. Deterministic for a seed."""
    from PIL import Image

    rng = random.Random(seed)
    image = Image.open(io.BytesIO(png)).convert("L")
    image = image.rotate(rng.uniform(-tilt, tilt), resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    pixels = image.load()
    width, height = image.size
    for _ in range(int(width * height * noise / 50)):  # specks of a few pixels, not salt everywhere
        x, y = rng.randrange(width - 2), rng.randrange(height - 2)
        for dx in range(2):
            for dy in range(2):
                pixels[x + dx, y + dy] = rng.choice((0, 90, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, dpi=image.info.get("dpi", (300, 300)))
    return buffer.getvalue()


def scan_pdf(src: Path, dst: Path, pages: Sequence[int] | None = None, *, dpi: int = 300, seed: int = 0) -> Path:
    """An image-only PDF of ``src``'s pages (all, or the given 0-based ones): a fully scanned document."""
    from pypdf import PdfReader

    wanted = list(range(len(PdfReader(src).pages))) if pages is None else list(pages)
    tmp = dst.parent / f".{dst.stem}-pages"
    tmp.mkdir(exist_ok=True)
    files = []
    for n, page in enumerate(wanted):
        file = tmp / f"{n:04d}.jpg"
        file.write_bytes(degrade(rasterise(src, page, dpi), seed=seed + page))
        files.append(str(file))
    subprocess.run(["img2pdf", "--output", str(dst), *files], check=True, capture_output=True)
    shutil.rmtree(tmp)
    return dst


def replace_with_scans(src: Path, dst: Path, pages: Sequence[int], *, dpi: int = 300, seed: int = 0) -> Path:
    """``src`` with the given 0-based pages swapped for scans of themselves: a text PDF with scanned pages."""
    from pypdf import PdfReader, PdfWriter

    scans = PdfReader(scan_pdf(src, dst.with_suffix(".scans.pdf"), pages, dpi=dpi, seed=seed))
    reader = PdfReader(src)
    writer = PdfWriter()
    # img2pdf sizes each page from the image's dpi, so a scanned A4 page is A4 again (within a point)
    swapped = dict(zip(pages, scans.pages, strict=True))
    for index, page in enumerate(reader.pages):
        writer.add_page(swapped.get(index, page))
    with open(dst, "wb") as fh:
        writer.write(fh)
    dst.with_suffix(".scans.pdf").unlink()
    return dst
