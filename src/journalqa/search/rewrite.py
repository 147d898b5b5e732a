"""Follow-up questions made self-contained from the conversation history.

Rules rather than an LLM, so they run everywhere and can be read: a short follow-up
("and Uzbekistan?", "why?", "what about after 2021?", "what did they do then?") borrows the
topic of the last self-contained question. "and X?" swaps the previous question's first named
entity (usually its subject) for X; other follow-ups carry the previous question's content words along.
Russian and Kazakh follow-ups work the same way: "А Узбекистан?", "а как насчёт 2021 года?", "почему?",
"Ал Өзбекстан ше?", "неге?".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from journalqa.text.language import STOPWORDS
from journalqa.text.segment import words as text_words

_STOP = frozenset().union(*STOPWORDS.values()) | {"потом", "затем", "сонда", "кейін"}


def content_words(text: str) -> list[str]:
    """Words that carry a topic, in any of the three languages."""
    return [w for w in text_words(text) if w not in _STOP and (len(w) > 1 or w.isdigit())]


_LEAD = re.compile(
    r"^(?:and|but|so|also|then)?\s*(?:what|how)\s+about\s+|^(?:and|but|also)\s+"
    r"|^(?:а|и|но)?\s*(?:как|что)\s+насч[её]т\s+|^(?:а|и|но|также)\s+|^(?:ал|және|ал енді)\s+",
    re.I,
)
# Kazakh asks "and X?" as "Ал X ше?": the particle is not part of X
_TRAILING_PARTICLE = re.compile(r"\s+(?:ше|ші|ма|ме)\s*\??$", re.I)
_PRONOUNS = {"it", "they", "them", "their", "this", "that", "these", "those", "he", "she", "his", "her", "its", "there"}
_PRONOUNS |= {"он", "она", "оно", "они", "их", "его", "её", "ее", "это", "этот", "эта", "эти", "там", "тогда"}
_PRONOUNS |= {"ол", "олар", "оның", "олардың", "оны", "оларды", "бұл", "осы", "сол", "онда", "оған", "соның"}
_ENTITY = re.compile(r"\b[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w’'-]+(?:\s+[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w’'-]+)*")
_WH_ONLY = re.compile(
    r"^(?:and\s+|а\s+|ал\s+)?(why|how|when|where|who|what|почему|зачем|как|когда|где|кто|что|неге|неліктен|қалай"
    r"|қашан|қайда|кім|не)\s*(?:so|not|exactly|же|именно|ше)?\s*\??$",
    re.I,
)


def is_follow_up(question: str) -> bool:
    words = re.findall(r"[\w’']+", question.lower())
    if not words:
        return False
    if _LEAD.match(question.strip()) or _WH_ONLY.match(question.strip()):
        return True
    # a short question with a pronoun ("what did they do then?") leans on the previous turn; a short
    # question with its own subject ("What is the population of Kabul?") stands alone
    return len(content_words(question)) <= 2 and bool(_PRONOUNS & set(words))


def entities(text: str) -> list[str]:
    found = []
    for match in _ENTITY.finditer(text):
        value = match.group(0)
        if match.start() == 0 or text[: match.start()].rstrip().endswith(("?", ".", "!")):
            # a capitalized first word is only a name when the next word is capitalized too
            first, *rest = value.split()
            value = " ".join(rest) if first.lower() in _QUESTION_WORDS else value
        if value:
            found.append(value)
    return found


# Russian and Kazakh question words
_QUESTION_WORDS_RU_KK = set(
    "что кто почему как когда где какой какая какие какую какое каких каким каков какова сколько ли чем зачем"
    " не кім неге неліктен қалай қашан қайда қандай қанша қай".split()
)
_QUESTION_WORDS = _QUESTION_WORDS_RU_KK | {
    "what",
    "who",
    "why",
    "how",
    "when",
    "where",
    "which",
    "does",
    "did",
    "do",
    "is",
    "are",
    "was",
    "and",
}


# The most of an earlier question a follow-up borrows: a topic is a question's subject, and the rewritten query
# is embedded and searched, so its length is the question's plus at most this (issue #29)
MAX_TOPIC_CHARS = 1000


def rewrite_query(question: str, history: Sequence[tuple[str, str]]) -> str:
    """The question as a self-contained query; unchanged when it already stands alone."""
    if not history or not is_follow_up(question):
        return question
    previous = _topic(history)
    stripped = question.strip()
    lead = _LEAD.match(stripped)
    remainder = _TRAILING_PARTICLE.sub("", stripped[lead.end() :]).strip(" ?") if lead else ""
    previous_entities = entities(previous)
    if lead and remainder and entities(remainder) and previous_entities:
        swapped = previous.replace(previous_entities[0], remainder, 1)
        if swapped != previous:
            return swapped
    if lead and remainder and _asks_its_own(remainder):
        # "And who finances it?" asks something else about the same subject: the subject replaces the pronoun (or
        # joins the question), the previous question's asked-for part is dropped
        return _about(remainder, _subject(previous))
    if lead and remainder:
        return f"{previous.rstrip(' ?')} {remainder}?"
    wh = _WH_ONLY.match(stripped)
    if wh:
        return f"{wh.group(1).capitalize()}: {previous}"  # "Почему: ..." keeps the question's language
    return f"{stripped} ({previous.rstrip(' ?')})"


def _topic(history: Sequence[tuple[str, str]]) -> str:
    """The most recent question that stood on its own, with any later follow-ups already folded in."""
    topic = _cut(history[0][0])
    for past_question, _ in history[1:]:
        topic = _cut(rewrite_query(past_question, [(topic, "")]) if is_follow_up(past_question) else past_question)
    return topic


def _cut(text: str, limit: int = MAX_TOPIC_CHARS) -> str:
    """``text`` up to ``limit`` characters, cut at a word boundary when there is one."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut.rsplit(None, 1)[0] if " " in cut.strip() else cut


_KAZAKH_QUESTION_WORDS = frozenset("кім неге неліктен қалай қашан қайда қандай қанша қай неше".split())


def _asks_its_own(remainder: str) -> bool:
    """A follow-up with its own question word: "who finances it", "кто его финансирует", "оны кім қаржыландырады"."""
    found = [w.lower() for w in re.findall(r"[\w’']+", remainder)]
    return bool(found) and (found[0] in _QUESTION_WORDS or any(w in _KAZAKH_QUESTION_WORDS for w in found))


def _subject(question: str) -> str:
    """What an earlier question is about: without its question words and the verb that follows an opening question
    word ("Who coordinates the construction of TAPI?" -> "the construction of TAPI"), or for Kazakh, which asks at
    the end, the closing verb ("ТАПИ құрылысын кім үйлестіреді?" -> "ТАПИ құрылысын")."""
    tokens = question.strip().rstrip(" ?").split()
    if tokens and tokens[0].lower() in _QUESTION_WORDS:
        tokens = tokens[1:]
        while tokens and tokens[0].lower() in _QUESTION_WORDS:  # "how many", "what is the", "какова"
            tokens = tokens[1:]
        if tokens and tokens[0].lower() not in _STOP and len(tokens) > 2:
            tokens = tokens[1:]  # the verb: "coordinates", "координирует"
    elif (
        tokens
        and tokens[-1].lower() not in _KAZAKH_QUESTION_WORDS
        and any(t.lower() in _KAZAKH_QUESTION_WORDS for t in tokens)
    ):
        tokens = [t for t in tokens[:-1] if t.lower() not in _KAZAKH_QUESTION_WORDS]
    return " ".join(tokens) or question.rstrip(" ?")


def _about(remainder: str, subject: str) -> str:
    words = remainder.split()
    for i, word in enumerate(words):
        if word.lower().strip("?,.") in _PRONOUNS:
            return " ".join([*words[:i], subject, *words[i + 1 :]]).rstrip(" ?") + "?"
    return f"{remainder.rstrip(' ?')} ({subject})?"
