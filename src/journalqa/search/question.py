"""A question, read once: its language, what it asks for, its names, years, figures and units.

Retrieval and answering share the parsed :class:`Question` instead of re-deriving it. What a question asks for
(a figure, a date, a name, a reason) is read in English, Russian and Kazakh; a question that asks two things
("... and when was it held?") is split into its parts, each with what it asks for, so an answer can be required to
cover every part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from journalqa.text.language import STOPWORDS as LANGUAGE_STOPWORDS
from journalqa.text.language import question_language, script_language, stem
from journalqa.text.lexicon import opening_word_is_name
from journalqa.text.segment import words

STOPWORDS = frozenset().union(*LANGUAGE_STOPWORDS.values())


def stems(text: str, language: str | None = None) -> list[str]:
    """Stems of the content words; ``language`` is the text's (a chunk's, the question's), else told by script."""
    language = language or script_language(text)
    return [stem(w, language) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


# Questions that ask for a figure, and for a date: a sentence without one does not answer them.
# Each pattern reads English, Russian and Kazakh questions (staff ask in all three).
_WANTS_NUMBER = re.compile(
    r"\bhow (?:many|much|long|large|big|far|old|often)\b"
    r"|\bwhat (?:\w+ ){0,2}(?:percentage|percent|share|proportion|number|amount|value|volume|cost|size|length|budget"
    r"|population|figure|sum|rate|total|price|price tag|worth|capacity)\b|\bin (?:kilometers|km|kwh|dollars|tons|percent)\b"
    # Russian: сколько; какова/какая/каков/какое + доля, сумма, численность ...; какой процент
    r"|\bсколько\b|\b(?:каков[аоы]?|какая|какой|какое|каким|какую|в каком)\s+(?:\w+\s+){0,2}(?:доля|долю|процент\w*"
    r"|сумм\w*|численност\w*|количеств\w*|объ[её]м\w*|мощност\w*|пропускн\w*|стоимост\w*|размер\w*|бюджет\w*|цен\w*|площад\w*|протяж[её]нност\w*"
    r"|длин\w*|населени\w*|част\w*)\b"
    # Kazakh: қанша (how many/much), неше (how many), қандай + үлес/мөлшер/сома/көлем/пайыз ...
    r"|\b(?:қанша|неше|нешеу)\w*\b|\bқандай\s+(?:\w+\s+){0,2}(?:үлес\w*|мөлшер\w*|сома\w*|көлем\w*|пайыз\w*|бөліг\w*"
    r"|құн\w*|бюджет\w*|саны\w*|халқ\w*|ұзындығ\w*)",
    re.IGNORECASE,
)
_WANTS_DATE = re.compile(
    r"^\s*when\b|\b(?:what|which) year\b|\bsince when\b"
    r"|^\s*(?:а\s+)?когда\b|\bв каком году\b|\bс какого (?:года|времени)\b|\bкакого числа\b|\bв какой день\b"
    r"|\bқашан\b|\bқай жыл\w*\b|\bнешінші жыл\w*\b|\bқай күн\w*\b",
    re.IGNORECASE,
)
# Questions that ask for someone or something by name: the answer sentence must name something the question does not.
_WANTS_NAME = re.compile(
    r"^\s*(?:who|whom|whose)\b|\b(?:which|what) (?:\w+[ -]){0,2}(?:analysts?|experts?|authors?|scholars?|persons?"
    r"|people|officials?|ministers?|leaders?|president|heads?|politicians?|commanders?|companies|company|firms?"
    r"|factory|plant|organi[sz]ations?|body|ministry|agency|countries|country|state|city|province|party|group)\b"
    r"|^\s*(?:а\s+)?(?:кто|кого|кому|кем|чей|чья|чьи)\b|\b(?:как(?:ая|ой|ое|ие|ую|их|им)|котор\w+)\s+(?:\w+\s+){0,2}"
    r"(?:аналитик\w*|эксперт\w*|автор\w*|учен\w*|лиц\w*|люд\w*|чиновник\w*|министр\w*|лидер\w*|президент\w*|глав\w*"
    r"|руковод\w*|политик\w*|командир\w*|компани\w*|фирм\w*|завод\w*|организаци\w*|орган\w*|министерств\w*|агентств\w*"
    r"|стран\w*|государств\w*|город\w*|провинци\w*|парти\w*|групп\w*)"
    r"|\bкім\w*\b|\bқай\s+(?:\w+\s+){0,1}(?:ел\w*|мемлекет\w*|ұйым\w*|компания\w*|агенттіг\w*|министр\w*|басшы\w*"
    r"|сарапшы\w*|автор\w*|қала\w*|провинция\w*|партия\w*|топ\w*|адам\w*|тұлға\w*|зауыт\w*|фабрика\w*|кәсіпорын\w*"
    r"|фирма\w*|орган\w*|саясаткер\w*|қолбасшы\w*|президент\w*|көшбасшы\w*|лидер\w*|ғалым\w*|шенеунік\w*)",
    re.IGNORECASE,
)
# Questions that ask for a reason: the answer sentence (or its neighbours) must give one.
_WANTS_REASON = re.compile(
    r"^\s*why\b|\bwhat (?:\w+ ){0,2}(?:reasons?|cause|motives?)\b"
    r"|\bпочему\b|\bзачем\b|\bпо как(?:ой|им) причин\w*\b|\bиз-за чего\b|\bчем (?:объясня|вызван)\w*\b"
    r"|\bнеге\b|\bнеліктен\b|\bне себепті\b|\bқандай себеп\w*\b|\bне үшін\b",
    re.IGNORECASE,
)


NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
UPPER = "A-ZÀ-ÖØ-ÞА-ЯЁӘҒҚҢӨҰҮҺІ"
NAME = re.compile(rf"\b[{UPPER}][^\W\d_]*(?:['’-][^\W\d_]+)*|\b[{UPPER}]{{2,}}\b")


# A question that names a unit wants a figure in that unit: a bare "2.6 billion" does not say "how many kWh".
# (question pattern, figure-with-unit pattern)
UNITS = (
    (
        re.compile(r"\b(?:percentage|percent|share|proportion|процент\w*|доля|долю|пайыз\w*|үлес\w*)\b|%", re.I),
        re.compile(r"\d\s*(?:%|percent|per cent|процент|пайыз)", re.I),
    ),
    (
        re.compile(
            r"\b(?:cost|budget|worth|price|gdp|dollars?|funding|credit|investment|value|turnover|money"
            r"|стоимост\w*|бюджет\w*|цен\w*|ввп|доллар\w*|финансир\w*|кредит\w*|инвестиц\w*|товарооборот\w*|денег|деньг\w*"
            r"|сумм\w*|құн\w*|ЖІӨ|теңге\w*|қаржы\w*|несие\w*|инвестиция\w*|тауар айналым\w*|ақша\w*|сома\w*)\b",
            re.I,
        ),
        re.compile(
            r"[$€£]\s*\d|\b(?:dollars?|USD|euros?|tenge|rubles?|somoni|доллар\w*|долл|евро|тенге|теңге|рубл\w*|руб"
            r"|сомони)\b",
            re.I,
        ),
    ),
    (
        re.compile(r"\b(?:kwh|kilowatt|megawatts?|квт\w*|киловатт\w*|мегаватт\w*)\b", re.I),
        re.compile(r"\b(?:[kmg]wh?|kilowatt|megawatt|[кмг]вт|киловатт|мегаватт)", re.I),
    ),
    (
        re.compile(r"\b(?:kilomet\w*|km|miles?|километр\w*|км|шақырым\w*)\b", re.I),  # шақырым: Kazakh's own word
        re.compile(r"\d\s*(?:km|kilomet\w*|miles?|км|километр\w*|шақырым\w*)\b", re.I),
    ),
    (
        re.compile(r"\b(?:tons|tonnes|тонн\w*|тонна\w*)\b", re.I),
        re.compile(r"\b(?:tons?|tonnes?|тонн\w*|тонна\w*)\b", re.I),
    ),
    (  # durations, as a manual or an error page gives them ("How many seconds does Firefox wait?")
        re.compile(r"\b(?:seconds|minutes|hours|секунд\w*|минут\w*|часов|сағат\w*)\b", re.I),
        # no one-letter units: "the 1990s", "в 2001 с ..." are no durations
        re.compile(r"\d\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|сек\w*|мин\w*|час\w*|сағат\w*)\b", re.I),
    ),
)


def units_asked(question: str) -> tuple[int, ...]:
    return tuple(i for i, (asked, _) in enumerate(UNITS) if asked.search(question))


@dataclass(frozen=True)
class Constraints:
    """What a sentence must mention to answer a question: its names and years, and a figure or date if asked.

    ``names`` holds name phrases ("northern distribution network" as one phrase of three words);
    ``units`` the units a figure must come in (indexes into ``UNITS``).
    """

    names: frozenset[tuple[str, ...]]
    years: frozenset[str]
    wants_number: bool
    wants_date: bool
    question_numbers: frozenset[str]
    units: tuple[int, ...] = ()
    wants_name: bool = False
    focus: str = ""  # the stem of the asked-for quantity: "population" in "What is the population of Kabul?"
    wants_reason: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.names or self.years or self.wants_number or self.wants_date or self.wants_name or self.wants_reason
        )


def name_key(token: str) -> str:
    # "Kazakhstan's"; a case ending hyphenated to an acronym or a Latin name: "БҰҰ-ның", "ООН-а" (the UN's),
    # "KazAID-тің"
    return re.sub(r"['’]s$|(?<=[A-Za-zА-ЯЁӘҒҚҢӨҰҮҺІ])-[а-яёәғқңөұүһі]{1,5}$", "", token).lower()


def question_constraints(question: str) -> Constraints:
    phrases: list[list[str]] = []
    previous_end = -10
    first = len(question) - len(question.lstrip())
    for match in NAME.finditer(question):
        key = name_key(match.group())
        # the question's first word is capitalized anyway ("What", "Which"), unless a Kazakh question opens with
        # its name ("Кабулдың халқы қанша?", journalqa.text.lexicon); stop words name nothing
        opening = match.start() == first and not match.group().isupper()
        if (opening and not opening_word_is_name(key, question)) or key in STOPWORDS or len(key) < 2:
            previous_end = -10
            continue
        # "Kazakh-Uzbek exercises", "Mazar-i-Sharif": each part is a word of the phrase
        parts = [p for p in re.split(r"[-–]", key) if len(p) >= 2]
        if phrases and question[previous_end : match.start()] in (" ", "-", "–"):
            phrases[-1].extend(parts)
        else:
            phrases.append(parts)
        previous_end = match.end()
    numbers = frozenset(n.replace(",", "") for n in NUMBER.findall(question))
    wants_date = bool(_WANTS_DATE.search(question))
    wants_number = bool(_WANTS_NUMBER.search(question))
    return Constraints(
        names=frozenset(tuple(p) for p in phrases if p),
        years=frozenset(YEAR.findall(question)),
        wants_number=wants_number,
        wants_date=wants_date,
        wants_name=bool(_WANTS_NAME.search(question)) and not (wants_number or wants_date),
        focus=_focus(question) if wants_number and not wants_date else "",
        wants_reason=bool(_WANTS_REASON.search(question)),
        question_numbers=numbers,
        units=units_asked(question) if wants_number and not wants_date else (),
    )


_FOCUS = re.compile(r"\bwhat (?:is|was|are|were) (?:the )?(\w+) of\b", re.IGNORECASE)


def _focus(question: str) -> str:
    match = _FOCUS.search(question)
    return next(iter(stems(match.group(1))), "") if match else ""


# A second question joined to the first by "and" + a question word: "What was the conference's title and when was
# it held?", "Кто координирует строительство и сколько оно стоит?", "Кім үйлестіреді және қашан басталды?".
_SECOND_PART = re.compile(
    r"\s*,?\s+(?:and|as well as)\s+(?=(?:when|who|whom|whose|why|how|what|which|where|in which|in what)\b)"
    r"|\s*,?\s+(?:и|а также)\s+(?=(?:когда|кто|кого|кому|почему|зачем|как|сколько|как(?:ой|ая|ое|ие|ую|ов|ова|ово)"
    r"|где|чем|что|в каком|с какого)\b)"
    r"|\s*,?\s+(?:және|әрі|сондай-ақ)\s+(?=(?:қашан|кім|неге|неліктен|қалай|қанша|неше|қандай|қай|не)\w*\b)",
    re.IGNORECASE,
)
# "how" asking for a manner or a means, not for a quantity ("how many", "how much", "how long" ask for figures)
_WANTS_MANNER = re.compile(
    r"^\s*(?:and\s+)?how\b(?!\s+(?:many|much|long|large|big|far|old|often)\b)|\bin what way\b|\bby what means\b"
    r"|^\s*(?:а\s+)?как\b(?!\w)|\bкаким образом\b|\bкакими (?:путями|способами|средствами)\b"
    r"|\bқалай\b|\bқандай жолмен\b|\bқандай тәсіл\w*",
    re.IGNORECASE,
)
# a question that asks for several things at once: "Which three countries ...", "List ...", "Какие страны ..."
_WANTS_LIST = re.compile(
    r"\b(?:which|what|name|list) (?:the )?(?:two|three|four|five|six|several|main|key)\b|^\s*(?:list|name)\b"
    r"|\bкакие (?:(?:две|два|три|четыре|пять|основные|главные)\s+)?\w+|\bперечисл\w+|\bназовите\b"
    r"|\bқандай (?:екі|үш|төрт|бес|негізгі)\b|\bатаңыз\b|\bтізіп\b",
    re.IGNORECASE,
)
ASK_KINDS = ("number", "date", "name", "reason", "manner", "list", "other")


@dataclass(frozen=True)
class Ask:
    """One thing a question asks for; a two-part question has two."""

    text: str
    kind: str  # one of ASK_KINDS
    constraints: Constraints  # the question's names and years with this part's asked-for figure, date, name, reason


@dataclass(frozen=True)
class Question:
    """A question read once (:func:`parse_question`); retrieval and answering share it."""

    text: str
    language: str
    constraints: Constraints  # the whole question's (names and years of every part)
    asks: tuple[Ask, ...]
    stems: tuple[str, ...]
    terms: tuple[tuple[str, str], ...] = ()  # (word, stem) of each content word, in order

    def __repr__(self) -> str:
        return f"Question({self.text[:40]!r}, {self.language}, {'+'.join(a.kind for a in self.asks)})"

    @property
    def kind(self) -> str:
        """What the question asks for first; "multi" when it asks for two things."""
        return self.asks[0].kind if len(self.asks) == 1 else "multi"


def ask_kind(text: str, constraints: Constraints) -> str:
    if constraints.wants_date:
        return "date"
    if constraints.wants_number:
        return "number"
    if constraints.wants_reason:
        return "reason"
    if _WANTS_LIST.search(text):
        return "list"
    if constraints.wants_name:
        return "name"
    if _WANTS_MANNER.search(text):
        return "manner"
    return "other"


def split_parts(text: str) -> list[str]:
    """The question's parts: one, or two when a second question is joined by "and" + a question word."""
    parts = [p.strip(" ,?") for p in _SECOND_PART.split(text)]
    return [p for p in parts if len(words(p)) >= 1] or [text]


def parse_question(text: str) -> Question:
    whole = question_constraints(text)
    asks = []
    parts = split_parts(text)
    for part in parts:
        own = whole if len(parts) == 1 else question_constraints(part)
        # every part keeps the whole question's names and years: "... and when was it held?" is about the same thing
        constraints = own if len(parts) == 1 else _with_subject(own, whole)
        asks.append(Ask(part, ask_kind(part, own), constraints))
    language = question_language(text)
    terms = tuple((w, stem(w, language)) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit()))
    return Question(text, language, whole, tuple(asks), tuple(s for _, s in terms), terms)


def _with_subject(part: Constraints, whole: Constraints) -> Constraints:
    return replace(part, names=whole.names, years=whole.years, question_numbers=whole.question_numbers)
