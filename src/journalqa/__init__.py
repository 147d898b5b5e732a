"""journalqa: grounded question answering over a journal's own articles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Answer", "Assistant", "Settings", "__version__"]

if TYPE_CHECKING:
    from journalqa.assistant import Assistant
    from journalqa.config import Settings
    from journalqa.types import Answer


def __getattr__(name: str) -> Any:
    # Lazy so that `import journalqa` stays cheap; the model loads only in Assistant.load.
    if name == "Assistant":
        from journalqa.assistant import Assistant

        return Assistant
    if name == "Settings":
        from journalqa.config import Settings

        return Settings
    if name == "Answer":
        from journalqa.types import Answer

        return Answer
    raise AttributeError(name)
