"""Sentence splitting and word normalization shared by chunking, answering and verification.

Words are Unicode letters and digits: Latin, Cyrillic and the Kazakh letters (ә ғ қ ң ө ұ ү һ і) alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Abbreviations that end with a period but do not end a sentence.
# fmt: off
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "no", "nos", "vol", "pp", "p", "etc", "e.g", "i.e", "cf", "vs",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.n", "u.k",
    "fig", "art", "al", "ed", "eds", "approx", "km", "mln", "bln", "thous", "sq",
    # Russian and Kazakh: т.е., т.д., г. (year), гг., млн., млрд., тыс., см. (see), стр., им. (named after),
    # ж. (жыл, year), жж., б.з.д. (BC), т.б. (etc.)
    "т.е", "т.д", "т.п", "т.к", "т.н", "т.б", "г", "гг", "др", "пр", "млн", "млрд", "тыс", "см", "ср", "стр", "с",
    "им", "ул", "рис", "табл", "гл", "ж", "жж", "б.з.д", "б.з", "проф", "акад", "доц", "руб", "долл",
}
# fmt: on
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”“’˝»)\]]*(?:\s*\[\d+(?:[,;–-]\s*\d+)*(?:,?\s*\d+\s*p\.)?\])?(?=\s+|$)")
# letters and digits of any script; "U.S.", "Mazar-i-Sharif", "Қазақстан", "д'Артаньян" are one word each
_WORD = re.compile(r"[^\W_]+(?:[’'.-][^\W_]+)*")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
    now of off on once only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves tell
    according journal article articles say says said""".split()  # noqa: SIM905
)


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_CONNECTORS = frozenset({"of", "and", "for", "the", "on", "in", "de"})


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield (start, end) offsets of the sentences in ``text[start:end]``, whitespace trimmed.

    A blank line always ends a sentence: list items and paragraphs do not run into each other.
    """
    end = len(text) if end is None else end
    cursor = start
    for brk in _PARAGRAPH_BREAK.finditer(text, start, end):
        yield from _paragraph_sentences(text, cursor, brk.start())
        cursor = brk.end()
    yield from _paragraph_sentences(text, cursor, end)


def _paragraph_sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        if _is_abbreviation(text, match.start()) or _next_is_lowercase(text, stop, end):
            continue
        span = _trim(text, cursor, stop)
        if span:
            yield span
        cursor = stop
    span = _trim(text, cursor, end)
    if span:
        yield span


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > 0 and (text[word_start - 1].isalnum() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot].lower()
    # single capital initials ("A. Knyazev") and known abbreviations
    return word in _ABBREVIATIONS or (len(word) == 1 and text[word_start].isupper())


def _next_is_lowercase(text: str, stop: int, end: int) -> bool:
    i = stop
    while i < end and text[i].isspace():
        i += 1
    return i < end and (text[i].islower() or text[i] in ",;:")


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def acronyms(text: str) -> set[str]:
    """Initials of runs of capitalized words: "Asian Development Bank" gives ADB (and AD, DB).

    Writers abbreviate names the text spells out: "IOM" names the International Organization for Migration.
    """
    found: set[str] = set()
    initials = ""
    for word in re.findall(r"[^\W\d_]+", text):
        if word[0].isupper():
            initials += word[0]
        elif word.lower() in _CONNECTORS and initials:
            continue
        else:
            initials = ""
        for i in range(max(0, len(initials) - 8), len(initials) - 1):
            found.add(initials[i:])
    return found


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def normalize_space(text: str) -> str:
    return " ".join(text.split())
