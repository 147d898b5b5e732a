"""Load the corpus folder into Documents."""

from __future__ import annotations

from pathlib import Path

from journalqa.docfile import read_document
from journalqa.types import Document

CORPUS_SUFFIXES = (".md",)


class CorpusError(Exception):
    pass


def corpus_files(corpus_dir: Path) -> list[Path]:
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist")
    return sorted(p for p in corpus_dir.iterdir() if p.is_file() and p.suffix.lower() in CORPUS_SUFFIXES)


def load_corpus(corpus_dir: Path) -> list[Document]:
    docs = [read_document(path) for path in corpus_files(corpus_dir)]
    seen: dict[str, str] = {}
    for doc in docs:
        if doc.doc_id in seen:
            raise CorpusError(f"two corpus files share the document id {doc.doc_id!r}")
        seen[doc.doc_id] = doc.title
    return docs
