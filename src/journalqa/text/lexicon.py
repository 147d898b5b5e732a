"""Is a Russian or Kazakh word a name? Answered by Debian's Hunspell dictionaries (``hunspell-kk``, ``hunspell-ru``).

The answerer takes a question's capitalised words as the names a sentence must mention, but skips its first word,
capitalised anyway. That rule fits English and Russian, which open with the question word ("Which", "Какой"), and
not Kazakh, which puts the question word last and often opens with a name: "Кабулдың халқы қанша?" (Kabul's
population, how many?) had no name to check, so any sentence with a figure answered it. Counting every opening
word as a name made common nouns ("Жаңа", "Режим") unmet names (docs/multilingual.md). Here an opening word is a
name only on positive evidence: a Latin word among Cyrillic ones ("Firefox", "KazAID-тің"), or a word Russian's
dictionary writes capitalised ("Кабул", "Вашингтон", "Душанбе"). A word neither dictionary knows is *not* taken for
a name: Kazakh's 2009 dictionary misses many technical and borrowed words ("Сертификаттау", "Бетбелгі"), and
counting those as names cost answers (measured, docs/multilingual.md). Kazakh's dictionary writes its own place
names in lower case ("өзбекстан"), so it only serves to keep common words common.

The dictionaries are system files, read once; without them only the Latin-word rule holds (``python -m
journalqa.text.lexicon`` says whether they were found). Word lists only: no Hunspell library is needed.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from journalqa.text.language import CYRILLIC, stem

# Debian's hunspell-* packages; myspell is the older folder some distributions still use.
DICTIONARY_DIRS = (Path("/usr/share/hunspell"), Path("/usr/share/myspell"), Path("/usr/share/myspell/dicts"))
DICTIONARY_FILES = {"kk": "kk_KZ.dic", "ru": "ru_RU.dic"}


@dataclass(frozen=True)
class Lexicon:
    # lowercased words a dictionary writes capitalised and no dictionary in lower case; the common words are only
    # needed to build this set, so they are not kept (193,000 of them: 30 MB in the served app)
    proper: frozenset[str]
    size: int  # entries read
    sources: tuple[str, ...]  # the dictionary files read

    def knows(self) -> bool:
        return bool(self.sources)


def dictionary_path(language: str) -> Path | None:
    return next((path for folder in DICTIONARY_DIRS if (path := folder / DICTIONARY_FILES[language]).is_file()), None)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    common: set[str] = set()
    proper: set[str] = set()
    sources = []
    for language in DICTIONARY_FILES:
        path = dictionary_path(language)
        if path is None:
            continue
        try:
            lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
        except OSError:
            continue
        sources.append(str(path))
        for line in lines[1:]:  # the first line is the entry count
            word = line.split("/", 1)[0].strip()
            if not word or not CYRILLIC.search(word):
                continue
            (proper if word[0].isupper() else common).add(word.lower())
    # a word one dictionary writes capitalised and another in lower case is a common word
    return Lexicon(frozenset(proper - common), len(proper | common), tuple(sources))


def _part_is_name(part: str, words: Lexicon) -> bool:
    # a case-inflected name is found by its stem: "Кабулдың" -> "кабул"
    return bool({part, stem(part, "kk"), stem(part, "ru")} & words.proper)


def opening_word_is_name(word: str, question: str) -> bool:
    """Whether a Russian/Kazakh question's capitalised first word is a name the answer must mention."""
    if not CYRILLIC.search(question):
        return False  # English questions open with their question word
    parts = [p for p in re.split(r"[-–]", word.lower()) if len(p) >= 2]
    if parts and not CYRILLIC.search(parts[0]):
        return True  # a Latin word in a Cyrillic question: a name ("Firefox", "KazAID-тің", "Gallup")
    words = lexicon()
    if not words.knows():
        return False
    # "Тәжік-ауған": either part a name; "Көші-қон" (migration): two common words
    return any(_part_is_name(p, words) for p in parts)


def status() -> str:
    words = lexicon()
    if words.knows():
        return f"Kazakh/Russian name check: {words.size} dictionary words"
    return (
        "Kazakh/Russian name check off: no Hunspell dictionaries (Debian: apt-get install hunspell-kk hunspell-ru);"
        " a Kazakh question's opening name is then not checked"
    )


if __name__ == "__main__":
    print(status())
    sys.exit(0)
