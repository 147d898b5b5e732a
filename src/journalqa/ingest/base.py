"""What every source format shares: the one-line refusal, the document id, text decoding, the source record."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from journalqa.ingest.docfile import FRONT_MATTER, content_hash, is_doc_id, slugify
from journalqa.types import Document

from .sanitize import sanitize_document


class IngestError(Exception):
    """A file that cannot become a document; the message is the one-line reason."""


def plain_os_error(exc: OSError) -> str:
    """An OS error as words without its errno or path ("read-only file system", "permission denied"): a reason
    shown to users must not name the server's folders."""
    return (exc.strerror or "input/output error").lower()


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 first; otherwise the detected legacy encoding (e.g. cp1251 from Russian-language sources)."""
    if not data.strip():
        raise IngestError("empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    candidates = [m.encoding for m in from_bytes(data)][:3] + list(LEGACY_ENCODINGS)
    decoded = []
    for encoding in dict.fromkeys(candidates):
        try:
            decoded.append(data.decode(encoding))
        except (UnicodeDecodeError, LookupError):
            continue
    # detectors confuse the Cyrillic code pages (e.g. mac_cyrillic for cp1251); the decoding
    # that yields the most letters is the one a reader would recognise
    best = max(decoded, key=_letter_share, default=None)
    if best is None or _letter_share(best) < 0.6 or "\x00" in best:
        raise IngestError("not text (the encoding could not be detected)")
    return best


LEGACY_ENCODINGS = ("cp1251", "cp1252", "koi8_r", "latin-1")


def _letter_share(text: str) -> float:
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return 0.0
    ordinary = sum(1 for ch in visible if ch.isalnum() or ch in ".,;:!?()-\"'«»")
    return ordinary / len(visible)


def document_id(path: Path, text: str | None = None) -> str:
    """The id a corpus file's document gets, without reading more than a Markdown file's front matter.

    A Markdown file may declare ``doc_id`` in its front matter; every other file is known by the slug of
    its name (Unicode letters kept, so ``Отчёт.pdf`` and ``Анализ.pdf`` are ``отчёт`` and ``анализ``).
    """
    if path.suffix.lower() in {".md", ".markdown"}:
        head = text if text is not None else _read_head(path)
        declared = _front_matter_id(head)
        if declared is not None:
            return declared
    return slugify(path.stem)


def _read_head(path: Path, limit: int = 64 * 1024) -> str:
    with open(path, "rb") as fh:
        return fh.read(limit).decode("utf-8", errors="replace")


def _front_matter_id(head: str) -> str | None:
    if not head.startswith(FRONT_MATTER + "\n"):
        return None
    match = re.search(r'"doc_id"\s*:\s*"((?:[^"\\]|\\.)*)"', head.split("\n" + FRONT_MATTER + "\n", 1)[0])
    if match is None:
        return None
    value = json.loads(f'"{match.group(1)}"')
    return value if is_doc_id(value) else None


def with_source(doc: Document, path: Path, *, title: str) -> Document:
    """Every format's last step: the source record added, and the text sanitized (``sanitize``) before anything
    is stored, whichever extractor made it."""
    # the hash of the file's bytes identifies a document: same bytes under another name is a duplicate
    metadata = {**doc.metadata, "source_file": path.name, "content_hash": content_hash(path.read_bytes())}
    return sanitize_document(Document(doc.doc_id, title or doc.title, doc.text, doc.sections, doc.pages, metadata))[0]
