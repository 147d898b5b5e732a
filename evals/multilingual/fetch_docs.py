"""Regenerate the two non-English test documents in ``evals/multilingual/docs/`` from Debian packages.

* ``aptitude-ru.md``: part of the Russian aptitude user manual (DocBook HTML) from the Debian package
  ``aptitude-doc-ru`` (GPL-2+): the introduction, chapter 1, the package-trust section, Minesweeper and the FAQ.
* ``firefox-errors-kk.md``: the Kazakh texts of Firefox's error pages (connection, certificate and
  HTTPS-only errors) from the Kazakh language pack in the Debian package ``firefox-esr-l10n-kk`` (MPL-2.0),
  one message of five words or more per paragraph, Fluent ids, attributes and markup dropped, the brand term written as "Firefox".

Usage (needs ``apt-get`` and ``dpkg-deb``; run ``apt-get update`` once first)::

    python evals/multilingual/fetch_docs.py            # downloads the two .deb files with apt-get download
    python evals/multilingual/fetch_docs.py --deb-dir DIR   # uses aptitude-doc-ru_*.deb, firefox-esr-l10n-kk_*.deb in DIR

The committed files were made from aptitude-doc-ru 0.8.13-5 and firefox-esr-l10n-kk 153.8.0esr-1~deb12u1
(Debian 12); another version may change the text, and so the gold quotes in ``qa_docs.jsonl``:
``tests/test_goldset_multilingual.py`` then tells which quotes no longer match.
"""

from __future__ import annotations

import argparse
import html
import re
import subprocess
import sys
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE / "docs"

RU_PACKAGE = "aptitude-doc-ru"
RU_HTML_DIR = "usr/share/doc/aptitude/html/ru"
# manual pages in reading order: introduction, chapter 1, trust, Minesweeper, FAQ
RU_PAGES = [
    "pr01.html",
    "pr01s01.html",
    "pr01s02.html",
    "pr01s03.html",
    "pr01s04.html",
    "pr01s04s01.html",
    "pr01s04s02.html",
    "pr01s04s03.html",
    "ch01.html",
    "ch01s01.html",
    "ch01s01s01.html",
    "ch01s01s02.html",
    "ch01s01s03.html",
    "ch01s01s04.html",
    "ch01s01s05.html",
    "ch01s02.html",
    "ch02s02s05.html",
    "ch02s06.html",
    "ch03.html",
]

KK_PACKAGE = "firefox-esr-l10n-kk"
KK_FILES = [
    ("Парақты жүктеу қателері", "localization/kk/toolkit/neterror/netError.ftl"),
    ("Сертификат қателері", "localization/kk/toolkit/neterror/certError.ftl"),
    ("Тек HTTPS режимі", "localization/kk/toolkit/about/aboutHttpsOnlyError.ftl"),
]
# messages shorter than this are button labels and titles, not prose
KK_MIN_WORDS = 5
# Fluent terms used in these files -> the plain product names they stand for (from the pack's brand.ftl)
KK_TERMS = {"-brand-short-name": "Firefox", "-brand-shorter-name": "Firefox", "-vendor-short-name": "Mozilla"}

BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "li", "dt", "dd", "pre", "tr", "blockquote"}
SKIP_CLASSES = {"navheader", "navfooter", "longdesc-link", "toc"}


class _DocBookText(HTMLParser):
    """Paragraphs of a DocBook XHTML page: headings as Markdown headings, <pre> as fenced code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._buf: list[str] = []
        self._kind: str | None = None
        self._skip_depth = 0
        self._stack: list[tuple[str, bool]] = []

    def _flush(self) -> None:
        text = "".join(self._buf)
        self._buf = []
        kind, self._kind = self._kind, None
        if kind == "pre":
            text = text.strip("\n")
            if text.strip():
                self.blocks.append("```\n" + text + "\n```")
            return
        text = re.sub(r"\s+", " ", text).strip()
        if not text:
            return
        if kind and kind[0] == "h" and kind[1:].isdigit():
            text = "#" * min(int(kind[1:]), 4) + " " + text
        elif kind == "li":
            text = "- " + text
        self.blocks.append(text)

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        skipping = bool(classes & SKIP_CLASSES)
        if tag in {"br", "img", "hr", "meta", "link"}:
            return
        self._stack.append((tag, skipping))
        if skipping:
            self._skip_depth += 1
        if tag == "title" or tag in {"script", "style"}:
            self._skip_depth += 1
            self._stack[-1] = (tag, True)
        if self._skip_depth:
            return
        if tag in BLOCK_TAGS:
            self._flush()
            self._kind = tag

    def handle_endtag(self, tag):
        if tag in {"br", "img", "hr", "meta", "link"}:
            return
        while self._stack:
            open_tag, skipping = self._stack.pop()
            if skipping:
                self._skip_depth -= 1
            if open_tag == tag:
                break
        if not self._skip_depth and tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data):
        if not self._skip_depth:
            self._buf.append(data)

    def close(self):
        super().close()
        self._flush()


def docbook_to_markdown(page: str) -> str:
    parser = _DocBookText()
    parser.feed(page)
    parser.close()
    return "\n\n".join(parser.blocks)


def fluent_messages(ftl: str) -> list[str]:
    """The values of a Fluent file's messages (not terms, not attributes), multi-line values joined."""
    values: list[str] = []
    current: list[str] | None = None

    def finish() -> None:
        nonlocal current
        if current:
            values.append(" ".join(current))
        current = None

    for line in ftl.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        message = re.match(r"^([A-Za-z][\w-]*)\s*=\s?(.*)$", line)
        if message:
            finish()
            current = [message.group(2).strip()] if message.group(2).strip() else []
        elif line.startswith((" ", "\t")) and current is not None:
            stripped = line.strip()
            if re.match(r"^\.[\w-]+\s*=", stripped):
                finish()  # an attribute (.label, .accesskey): the message value is complete
            else:
                current.append(stripped)
        else:
            finish()  # a term (-brand-name = ...) or anything else
    finish()
    return values


def plain_fluent(value: str) -> str:
    for term, name in KK_TERMS.items():
        value = re.sub(r"\{\s*" + re.escape(term) + r"\s*\}", name, value)
    value = re.sub(r"\{\s*DATETIME\(\$([\w-]+)[^}]*\}", r"<\1>", value)  # formatted dates as <date>
    value = re.sub(r"\{\s*\$([\w-]+)\s*\}", r"<\1>", value)  # variables stay visible as <hostname>
    value = re.sub(r"</?(?:a|b|strong|em|span|code|label)\b[^>]*>", "", value)
    return re.sub(r"\s+", " ", html.unescape(value)).strip()


def download(package: str, deb_dir: Path | None, work: Path) -> Path:
    if deb_dir is not None:
        found = sorted(deb_dir.glob(f"{package}_*.deb"))
        if not found:
            sys.exit(f"no {package}_*.deb in {deb_dir}")
        return found[-1]
    subprocess.run(["apt-get", "download", package], cwd=work, check=True)
    return sorted(work.glob(f"{package}_*.deb"))[-1]


def extract(deb: Path, target: Path) -> Path:
    subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True)
    return target


def deb_version(deb: Path) -> str:
    out = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def build_ru(root: Path, version: str) -> str:
    html_dir = root / RU_HTML_DIR
    parts = [
        "# Руководство пользователя aptitude (фрагменты)",
        f"Источник: пакет Debian {RU_PACKAGE} {version}, /{RU_HTML_DIR}/. Лицензия: GPL-2+.",
    ]
    for name in RU_PAGES:
        parts.append(docbook_to_markdown((html_dir / name).read_text(encoding="utf-8")))
    return "\n\n".join(p for p in parts if p.strip()) + "\n"


def build_kk(root: Path, version: str) -> str:
    xpi = next((root / "usr/lib/firefox-esr/browser/extensions").glob("langpack-kk@*.xpi"))
    parts = [
        "# Firefox қате беттерінің мәтіндері",
        f"Дереккөз: Debian {KK_PACKAGE} {version} бумасы, {xpi.relative_to(root)}. Лицензия: MPL-2.0.",
    ]
    with zipfile.ZipFile(xpi) as pack:
        for heading, member in KK_FILES:
            parts.append("## " + heading)
            seen: set[str] = set()
            for value in fluent_messages(pack.read(member).decode("utf-8")):
                text = plain_fluent(value)
                if len(text.split()) >= KK_MIN_WORDS and text not in seen:
                    seen.add(text)
                    parts.append(text)
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deb-dir", type=Path, help="use the .deb files in this folder instead of apt-get download")
    parser.add_argument("--out", type=Path, default=DOCS, help="output folder (default: %(default)s)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for package, stem, build in (
            (RU_PACKAGE, "aptitude-ru", build_ru),
            (KK_PACKAGE, "firefox-errors-kk", build_kk),
        ):
            deb = download(package, args.deb_dir, work)
            root = extract(deb, work / package)
            text = build(root, deb_version(deb))
            path = args.out / f"{stem}.md"
            path.write_text(text, encoding="utf-8")
            print(f"{path}: {len(text.encode('utf-8'))} bytes, {len(text.split())} words from {deb.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
