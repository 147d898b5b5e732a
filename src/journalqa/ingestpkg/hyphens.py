"""Cleaning pass: line-end hyphens joined only into words the document knows (shared with the journal splitter)."""

from __future__ import annotations

from journalqa.corpus import build_vocab, join_hyphenated

__all__ = ["build_vocab", "join_hyphenated"]
