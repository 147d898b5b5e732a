"""Follow-up questions made self-contained from the conversation history."""

from __future__ import annotations

from collections.abc import Sequence


def rewrite_query(question: str, history: Sequence[tuple[str, str]]) -> str:
    if not history:
        return question
    return question
