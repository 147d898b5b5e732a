"""Training pairs for the answerability reader, generated from documents: no human labels, no gold questions.

Usage: python evals/reader_data.py [--out FILE] [--seed 13]   (prints counts and a few examples)

Recipe, per sentence of a document (8-60 words, not a heading or reference):
- **positives**: a salient fact becomes a question about the clause that holds it, the fact removed:
  a figure -> "how many/how much/what percentage", a year -> "when / in what year / since when", a name ->
  "who / which country / which organisation", a because/due to clause -> "why". Paraphrase: synonyms from a small
  table, clause word order (the year or place moved), dropped words, varied openings, so templates are not the cue.
- **near misses** (label 0), the kind the answerer misses:
  - the same question with one constraint changed to one the sentence and its neighbours lack: the year, a
    country or other name, a number, the unit ("how many tons" -> "what percentage"), or the asked figure type
    ("how many" -> "in what year" / "why" / "who") when the sentence gives none of that type;
  - the question against other sentences on the same topic (the nearest by BM25 over the same document set) that
    lack the asked fact;
  - a few random sentences of the same document.
Each pair carries its document id so that whole documents can be held out.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import random
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The two journal articles and the one real PDF held out for the generalisation check (whole documents).
HELD_OUT = ("tajikistan-and-afghanistan", "the-challenge-of-inclusive-government", "sandwich-CL")
REALDOCS = ("R-intro.pdf", "apsguide4-2.pdf", "sandwich-CL.pdf")  # the bundled issue rendered as PDF is left out


REALDOC_IDS = tuple(Path(name).stem for name in REALDOCS)
KIND_WEIGHTS = {"number": 1.0, "year": 0.8, "reason": 1.0, "name": 0.6}


@dataclass(frozen=True)
class Pair:
    question: str
    sentence: str
    before: str
    after: str
    label: int
    kind: str  # positive kind (number, year, name, reason) or near-miss kind (swap-*, add-*, type-*, listed, topic, random)
    doc_id: str
    group: int = 0  # the asked fact: its positives and near misses share it


# ---------------------------------------------------------------------------------------------- documents


_MARKUP = re.compile(r"<!--.*?-->|^#+\s*", re.S | re.M)
_REFERENCE = re.compile(r"\s*\[\d[\d\s,;.–p-]*\]")
_WORD = re.compile(r"[^\W_]+(?:[’'.-][^\W_]+)*")


def load_documents(use_realdocs: bool = True) -> list[tuple[str, str]]:
    """(doc_id, text): the bundled journal articles, then the real PDFs from .cache/realdocs when present."""
    from journalqa.ingest import load_corpus, load_file

    docs = [(d.doc_id, d.text) for d in load_corpus(ROOT / "corpus")]
    folder = ROOT / ".cache" / "realdocs"
    if use_realdocs:
        for name in REALDOCS:
            if (folder / name).exists():
                docs.append((Path(name).stem, load_file(folder / name).text))
    return docs


def document_sentences(text: str) -> list[tuple[str, str, str]]:
    """(sentence, before, after) of a document, sentences as the answerer splits them (within paragraphs)."""
    from journalqa.text import sentence_spans

    out = []
    for paragraph in re.split(r"\n\s*\n", text):
        spans = list(sentence_spans(paragraph))
        sentences = [_MARKUP.sub("", paragraph[a:b]).strip() for a, b in spans]
        for j, sentence in enumerate(sentences):
            before = sentences[j - 1] if j > 0 else ""
            after = sentences[j + 1] if j + 1 < len(sentences) else ""
            out.append((sentence, before, after))
    return out


def usable(sentence: str) -> bool:
    words = _WORD.findall(sentence)
    if not 8 <= len(words) <= 60:
        return False
    letters = sum(c.isalpha() for c in sentence)
    code = re.search(r"<-|[=\\{}$#]|^\s*[>•]|\w\(|\.\.\.", sentence)  # R code, formulas, listings
    return letters > 0.7 * len(sentence) and not code and not sentence.rstrip().endswith(":")


# ---------------------------------------------------------------------------------------------- question making

STOP = frozenset(
    """a an the of in on at to for from by with and or but as is are was were be been being has have had it its this
    that these those which who whom whose what when where why how than then so such also not no into over under about
    their there they them he she his her we our us i you your will would can could may might shall should do does did
    very more most much many some any all each both other only same own just between among during after before while
    through against upon within without however therefore thus hence moreover furthermore""".split()
)
# word -> paraphrases (both ways where they read well)
SYNONYMS = {
    "country": ["state", "nation"],
    "countries": ["states", "nations"],
    "allocated": ["provided", "set aside", "gave"],
    "provided": ["gave", "supplied", "offered"],
    "significant": ["considerable", "substantial", "major"],
    "increase": ["growth", "rise"],
    "increased": ["grew", "rose"],
    "decrease": ["decline", "drop", "fall"],
    "decreased": ["declined", "dropped", "fell"],
    "amount": ["volume", "sum", "total"],
    "government": ["authorities", "administration"],
    "assistance": ["aid", "help", "support"],
    "aid": ["assistance", "help"],
    "help": ["assistance", "support"],
    "project": ["initiative", "scheme"],
    "projects": ["initiatives", "schemes"],
    "construction": ["building"],
    "build": ["construct"],
    "built": ["constructed"],
    "trade": ["commerce"],
    "goods": ["products", "commodities"],
    "export": ["sale abroad"],
    "exports": ["sales abroad", "shipments abroad"],
    "import": ["purchase from abroad"],
    "imports": ["purchases from abroad"],
    "security": ["safety", "stability"],
    "threat": ["danger", "risk"],
    "threats": ["dangers", "risks"],
    "main": ["principal", "key", "chief"],
    "important": ["key", "significant"],
    "agreement": ["deal", "accord"],
    "agreements": ["deals", "accords"],
    "signed": ["concluded", "agreed"],
    "began": ["started"],
    "started": ["began", "launched"],
    "people": ["population", "citizens"],
    "refugees": ["displaced people", "asylum seekers"],
    "said": ["stated", "noted"],
    "noted": ["said", "pointed out", "observed"],
    "believes": ["thinks", "holds"],
    "according": ["as reported"],
    "region": ["area"],
    "border": ["frontier"],
    "borders": ["frontiers"],
    "large": ["big", "major"],
    "total": ["overall", "combined"],
    "about": ["around", "roughly", "approximately"],
    "approximately": ["about", "roughly"],
    "more": ["over"],
    "million": ["mln"],
    "percent": ["per cent"],
    "leaders": ["heads", "rulers"],
    "leader": ["head", "chief"],
    "students": ["pupils", "learners"],
    "universities": ["higher education institutions", "colleges"],
    "function": ["routine", "command"],
    "functions": ["routines", "commands"],
    "model": ["fit"],
    "estimate": ["estimator"],
    "use": ["employ", "apply"],
    "used": ["employed", "applied"],
    "example": ["instance", "illustration"],
    "variable": ["column", "quantity"],
}
COUNTRIES = (
    "Afghanistan Kazakhstan Uzbekistan Tajikistan Turkmenistan Kyrgyzstan Pakistan India China Russia Iran Turkey "
    "Germany France Canada Japan Qatar Britain Oman Egypt Syria Iraq Ukraine Belarus Mongolia Azerbaijan "
    "Georgia Armenia Italy Spain Poland Norway Sweden Korea Israel Australia Brazil Mexico Indonesia Malaysia"
).split()
PERSON_CUE = re.compile(
    r"\b(?:President|Minister|minister|Prof|Dr|Mr|Ms|Mrs|author|expert|analyst|scholar|researcher|leader|head|"
    r"Secretary|Ambassador|commander|chairman|Chairman|according to|said|noted|stated|believes|wrote|argues)\b"
)
REASON_CUE = re.compile(r"\b(because of|because|due to|owing to|as a result of|in order to|so that)\b", re.I)
# capitalised words that open sentences and are not names
OPENING_WORDS = frozenset("In At On For From By With During After Before Since Although Despite Thus However".split())
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_FIGURE = re.compile(
    r"(?<![\w.])(?:(?:about|around|over|nearly|almost|more than|less than|some|approximately|up to)\s+)?"
    r"(?P<money>[$€£]\s?)?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
    r"(?P<scale>\s?(?:million|billion|thousand|mln|bln|trillion))?"
    r"(?P<unit>\s?(?:%|percent|per cent|km|kilometers|kilometres|tons|tonnes|kWh|MW|dollars|USD|tenge|euros))?"
    r"(?![\w%])"
)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[-’'][A-Za-z]+)?(?:\s+(?:of\s+|the\s+)?[A-Z][a-z]+)*|\b[A-Z]{2,}\b")
UNITS = {
    "percent": ("what percentage of", "what share of", "what proportion of"),
    "money": ("how much money", "how much", "what sum", "how many dollars"),
    "km": ("how many kilometers", "how long", "what distance"),
    "tons": ("how many tons", "what volume", "how much"),
    "count": ("how many", "what number of"),
}
OPENERS = ("",) * 12 + ("According to the journal, ", "In the article, ", "Do you know ")


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if w.lower() not in STOP]


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", _REFERENCE.sub("", text)).strip()


_LIST = re.compile(
    r"\b[A-Z][\w’'-]+(?:\s[A-Z][\w’'-]+)?(?:,\s[A-Z][\w’'-]+(?:\s[A-Z][\w’'-]+)?)+,?\s(?:and|or)\s[A-Z][\w’'-]+"
)
AUX = frozenset("is are was were has have had will would can could may might should must".split())
IRREGULAR = dict(
    pair.split(":")
    for pair in """built:build sent:send made:make gave:give took:take began:begin became:become left:leave held:hold
    paid:pay spent:spend won:win lost:lose brought:bring sold:sell bought:buy met:meet led:lead grew:grow rose:rise
    fell:fall saw:see said:say got:get went:go came:come found:find wrote:write chose:choose kept:keep ran:run
    drew:draw stood:stand thought:think sought:seek taught:teach fought:fight told:tell felt:feel""".split()
)
_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|will|can|[a-z]{3,}ed)\b")
PRESENT_VERBS = frozenset(
    "covers accounts remains plays provides supplies receives hosts holds owns controls produces exports".split()
)
PREPOSITIONS = frozenset("to in for from by with on at during since".split())
_NOT_VERB_BEFORE = frozenset("the a an of in on at to for by with and or its their his her this that these".split())


def lemma(verb: str) -> str:
    """Base form of a past (-ed, irregular) or 3rd-person (-s) verb: good enough for "did X <verb>"."""
    if verb in IRREGULAR:
        return IRREGULAR[verb]
    if verb.endswith("ied") or verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith("ed"):
        stem = verb[:-2]
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "ls":
            return stem[:-1]  # planned -> plan
        if re.search(r"(?:at|iz|is|c|g|v|ur|uc|as|os|ut|ir|ar|am)$", stem):
            return stem + "e"  # created -> create, used -> use
        return stem
    if re.search(r"(?:ch|sh|ss|x)es$", verb):
        return verb[:-2]
    return verb[:-1] if verb.endswith("s") else verb


def question_order(words: list[str]) -> str:
    """A declarative clause (the asked fact cut out) in question order: "the deal was signed" -> "was the deal
    signed", "Uzbekistan built" -> "did Uzbekistan build", "Uzbekistan covers" -> "does Uzbekistan cover"; a clause
    that opens with its verb (the asked fact was the subject) or has no verb found stays as it is."""
    for k, word in enumerate(words[:12]):
        if k == 0 or not word.islower() or words[k - 1].lower() in _NOT_VERB_BEFORE:
            continue
        subject = [words[0].lower() if words[0].lower() in STOP else words[0], *words[1:k]]
        if word in AUX:
            return " ".join([word, *subject, *words[k + 1 :]])
        if word in IRREGULAR or re.fullmatch(r"[a-z]{3,}ed", word):
            return " ".join(["did", *subject, lemma(word), *words[k + 1 :]])
        if k <= 3 and subject[-1][:1].isupper() and word in PRESENT_VERBS:
            return " ".join(["does", *subject, lemma(word), *words[k + 1 :]])
    return " ".join(words)


def clause_parts(sentence: str, start: int, end: int, max_words: int = 18) -> tuple[list[str], list[str]]:
    """The words of the clause of ``sentence`` before and after ``[start, end)``, at most ``max_words`` in all.
    A list of names ("Pashtuns, Hazaras and Uzbeks") is never cut: its commas do not end a clause."""
    lists = [m.span() for m in _LIST.finditer(sentence)]
    cuts = [m.end() for m in re.finditer(r"[,;:]\s|\s[–—-]\s|\s\(|\)\s", sentence)]
    cuts = [0] + [c for c in cuts if not any(a < c < b for a, b in lists)] + [len(sentence)]
    left = max(c for c in cuts if c <= start)
    right = min(c for c in cuts if c >= end)
    for _ in range(2):  # widen a short clause, or one without a verb, by its neighbours
        clause = sentence[left:start] + sentence[end:right]
        if len(_WORD.findall(clause)) >= 6 and (_VERB.search(clause) or IRREGULAR.keys() & set(clause.split())):
            break
        left = max([c for c in cuts if c < left] or [0])
        right = min([c for c in cuts if c > right] or [len(sentence)])
    before = [w.strip('“”"?') for w in sentence[left:start].strip(" ,;:()–—-").split()]
    after = [w.strip('“”"?') for w in sentence[end:right].strip(" ,;:.()–—-").split()]
    before = before[: max_words - 4]  # the subject opens the clause: keep it
    return [w for w in before if w], [w for w in after[: max_words - len(before)] if w]


def paraphrase(text: str, rng: random.Random) -> str:
    """Synonyms from a small table, now and then a dropped function word, a trailing "in <year/Place>" moved."""
    out = []
    for w in text.split():
        bare = w.strip(",.;:()").lower()
        if bare in SYNONYMS and rng.random() < 0.3:
            out.append(rng.choice(SYNONYMS[bare]))
        elif bare in ("the", "a", "an") and rng.random() < 0.1:
            continue
        else:
            out.append(w.strip(";:()"))
    text = " ".join(out)
    move = re.search(r"\s((?:in|since|during|by) (?:the )?[A-Z0-9][\w–-]*)$", text)
    if move and rng.random() < 0.3:
        text = f"{move.group(1)}, {text[: move.start()]}"
    return text


def finish(wh: str, body: str, rng: random.Random) -> str:
    opener = rng.choice(OPENERS)
    words = body.split()
    if words and words[0][:1].isupper() and words[0].lower() in STOP | AUX:
        body = body[0].lower() + body[1:]
    question = f"{wh} {body}".strip()
    question = question[0].upper() + question[1:] if not opener else opener + question[0].lower() + question[1:]
    question = re.sub(r"\s+(?:of|in|on|at|to|by|for|from|with|and|the|a|an|as|than)$", "", question.rstrip(" ,.;:"))
    return re.sub(r"\s+", " ", question).rstrip(" ,.;:") + "?"


@dataclass(frozen=True)
class Fact:
    kind: str  # number, year, name, reason
    answer: str  # the answer as it stands in the sentence
    question: str
    wh: str
    body: str
    unit: str = ""


def unit_of(match: re.Match) -> str:
    unit = (match.group("unit") or "").strip().lower()
    if match.group("money") or unit in ("dollars", "usd", "tenge", "euros"):
        return "money"
    if unit in ("%", "percent", "per cent"):
        return "percent"
    if unit in ("km", "kilometers", "kilometres"):
        return "km"
    if unit in ("tons", "tonnes"):
        return "tons"
    return "count"


def make_fact(
    kind: str, answer: str, wh: str, words: list[str], rng: random.Random, unit: str = "", reorder: bool = True
) -> Fact | None:
    body = paraphrase(question_order(words) if reorder else " ".join(words), rng)
    if len(content_words(f"{wh} {body}")) < 4 or answer.lower() in body.lower():
        return None
    return Fact(kind, answer, finish(wh, body, rng), wh, body, unit)


def facts(sentence: str, rng: random.Random) -> list[Fact]:
    """The facts of a sentence that a question can ask for, each with one generated question (in question word
    order, so that it reads like a person's question: "How many bridges did Uzbekistan build on ...?")."""
    text = clean(sentence)
    found: list[Fact | None] = []
    for m in _FIGURE.finditer(text):
        if _YEAR.fullmatch(m.group("num")) and not m.group("scale") and not m.group("unit"):
            continue
        unit = unit_of(m)
        left, right = clause_parts(text, m.start(), m.end())
        if unit == "count":
            if not right or right[0].lower() in STOP or not right[0][:1].isalpha():
                continue
            noun = right[: 2 if len(right) > 1 and right[1].islower() and right[1] not in STOP else 1]
            wh, right = f"{rng.choice(UNITS['count'])} {' '.join(noun)}", right[len(noun) :]
        else:
            wh = rng.choice(UNITS[unit]).removesuffix(" of")
            if right[:1] == ["of"]:  # "52% of Afghan electricity imports": the of-phrase goes with the asked figure
                of = ["of"] + list(
                    itertools.takewhile(
                        lambda w: w.lower() not in AUX | PREPOSITIONS and not w.endswith(","), right[1:7]
                    )
                )
                if len(right) - len(of) <= 2:
                    of = right
                wh, right = f"{wh} {' '.join(of)}", right[len(of) :]
        found.append(make_fact("number", m.group(), wh, [*left, *right], rng, unit))
    for m in _YEAR.finditer(text):
        if re.match(r"\s*[–-]\s*\d", text[m.end() :]) or re.search(r"\d\s*[–-]\s*$", text[: m.start()]):  # ranges
            continue
        prefix = re.search(
            r"(?:\b(?:[Ii]n|[Ss]ince|[Bb]y|[Ff]rom|[Uu]ntil|[Oo]f|[Oo]n)\s+)?(?:(?:early|late|mid|the end of)\s+)?"
            r"(?:(?:January|February|March|April|May|June|July|August|September|October|November|December)"
            r"(?:\s\d{1,2},?)?\s+)?$",
            text[: m.start()],
        )
        start = prefix.start() if prefix else m.start()
        since = "since" in text[start : m.start()].lower()
        wh = rng.choice(("when", "in what year", "in which year", "since when" if since else "when"))
        left, right = clause_parts(text, start, m.end())
        found.append(make_fact("year", m.group(), wh, [*left, *right], rng))
    for m in _NAME.finditer(text):
        name = m.group()
        if name.split()[0].lower() in STOP | AUX or len(name) < 3 or name.split()[0] in OPENING_WORDS:
            continue
        if m.start() == 0 and " " not in name and name not in COUNTRIES:  # "Armed intervention ...": not a name
            continue
        left, right = clause_parts(text, m.start(), m.end())
        according = [w.lower() for w in left[-2:]] == ["according", "to"]
        if left and not according or not right or not right[0].islower():  # asked only as a clause's subject
            continue
        if name.split()[0] in COUNTRIES:
            wh = rng.choice(("which country", "what country", "which state"))
        elif according or PERSON_CUE.search(text[max(0, m.start() - 40) : m.end() + 25]):
            wh = "according to whom" if according else rng.choice(("who", "which person"))
        else:
            wh = rng.choice(("which organization", "what", "who"))
        found.append(make_fact("name", name, wh, right, rng, reorder=False))
    m = REASON_CUE.search(text)
    if m and m.start() > 20:
        main = re.split(r"[;:]\s|,\s", text[: m.start()].rstrip(" ,"))[-1].split()[-14:]
        wh = rng.choice(("why", "for what reason", "why exactly"))
        found.append(make_fact("reason", text[m.start() :], wh, main, rng))
    return [f for f in found if f is not None]


# ---------------------------------------------------------------------------------------------- near misses


def has_type(kind: str, text: str, unit: str = "") -> bool:
    """Whether ``text`` gives a fact of this kind (and unit): a sentence without one cannot answer such a question."""
    if kind == "year":
        return bool(_YEAR.search(text))
    if kind == "reason":
        return bool(REASON_CUE.search(text))
    if kind == "name":
        return any(m.start() > 0 for m in _NAME.finditer(text))
    matches = [m for m in _FIGURE.finditer(text) if not _YEAR.fullmatch(m.group("num")) or m.group("unit")]
    return any(unit_of(m) == unit for m in matches) if unit and unit != "count" else bool(matches)


def swaps(fact: Fact, window: str, names: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """(question, kind): the question with one constraint changed or added that the sentence and its neighbours
    lack, so that its words overlap the sentence as much as the positive's do."""
    out = []
    q = fact.question
    years = [y for y in _YEAR.findall(q) if y != fact.answer]
    if years:
        old = rng.choice(years)
        new = str(int(old) + rng.choice((-3, -2, -1, 1, 2, 3, 5)))
        if new not in window:
            out.append((q.replace(old, new), "swap-year"))
    q_names = [m.group() for m in _NAME.finditer(q) if m.start() > 0 and m.group().lower() not in STOP]
    q_names = [n for n in q_names if n not in fact.wh and n.split()[0] not in OPENING_WORDS]
    if q_names:
        old = rng.choice(q_names)
        pool = COUNTRIES if old.split()[0] in COUNTRIES else names
        choices = [n for n in pool if n.lower() not in window.lower() and n != old]
        if choices:
            out.append((re.sub(rf"\b{re.escape(old)}\b", rng.choice(choices), q, count=1), "swap-name"))
    numbers = [n for n in re.findall(r"\b\d[\d,.]*\b", q) if not _YEAR.fullmatch(n)]
    if numbers:
        old = rng.choice(numbers)
        digits = old.replace(",", "")
        if digits.isdigit():
            new = str(int(digits) * rng.choice((2, 3, 10)) + rng.choice((0, 5)))
            if new not in window:
                out.append((q.replace(old, new), "swap-number"))
    # a constraint added that the window lacks: "... in 2017?", "... in Mongolia?"
    year = str(rng.randrange(1990, 2024))
    if fact.kind != "year" and year not in window and not _YEAR.search(q):
        out.append((q[:-1] + rng.choice((f" in {year}?", f" as of {year}?")), "add-year"))
    country = rng.choice(COUNTRIES)
    if fact.kind != "name" and country not in window and country not in q:
        out.append((q[:-1] + rng.choice((f" in {country}?", f" for {country}?")), "add-name"))
    # the asked figure type or unit: only to a type the sentence and its neighbours do not give
    targets = [
        ("year", "in what year"),
        ("reason", "why"),
        ("percent", "what percentage of"),
        ("money", "how much money"),
    ]
    targets += [("km", "how many kilometers"), ("tons", "how many tons"), ("name", "who"), ("count", "how many people")]
    rng.shuffle(targets)
    for target, wh in targets:
        kind = "number" if target in ("percent", "money", "km", "tons", "count") else target
        if kind == fact.kind and target == (fact.unit or target):
            continue
        if has_type(kind, window, target if kind == "number" else ""):
            continue
        out.append((finish(wh, fact.body, rng), f"type-{target}"))
        break
    rng.shuffle(out)
    return out


def listed(fact: Fact, sentence: str, window: str, names: list[str], rng: random.Random) -> list[Pair | tuple]:
    """Near misses whose asked name is only *listed* with others that share the figure ("Pashtuns, Hazaras, Uzbeks
    ... make up more than 90%": "What percentage ... are Hazaras?"), as (question, sentence, label, kind):
    - a list the sentence has: the question asks the figure for one member (label 0);
    - a list made up: a name of the question becomes "name, X and Y" in the sentence, so the figure belongs to the
      group: the question on that sentence is a near miss (0), the question asking for the group answers it (1)."""
    if fact.kind != "number":
        return []
    out: list[tuple[str, str, int, str]] = []
    match = _LIST.search(sentence)
    if match:
        members = [w.strip() for w in re.split(r",\s|\s(?:and|or)\s", match.group()) if w.strip(" ,")]
        member = rng.choice(members)
        if match.group() in fact.question:
            question = fact.question.replace(match.group(), member)
        else:
            question = fact.question[:-1] + rng.choice((f" for {member}?", f" are {member}?", f" among {member}?"))
        out.append((question, sentence, 0, "listed"))
    q_names = [m.group() for m in _NAME.finditer(fact.question) if m.start() > 0 and m.group() in sentence]
    q_names = [n for n in q_names if n.split()[0] not in OPENING_WORDS and n.lower() not in STOP]
    if q_names and not match:
        name = rng.choice(q_names)
        pool = COUNTRIES if name.split()[0] in COUNTRIES else names
        others = rng.sample([n for n in pool if n.lower() not in window.lower()], 2)
        group = rng.choice((f"{name}, {others[0]} and {others[1]}", f"{others[0]}, {name} and {others[1]}"))
        made = re.sub(rf"\b{re.escape(name)}\b", group, sentence, count=1)
        out.append((fact.question, made, 0, "listed"))
        out.append((re.sub(rf"\b{re.escape(name)}\b", group, fact.question, count=1), made, 1, "number"))
    return out


class TopicIndex:
    """BM25 over the sentences of all documents: "same topic" sentences for a question."""

    def __init__(self, sentences: list[str]) -> None:
        import bm25s
        import Stemmer

        self.stemmer = Stemmer.Stemmer("english")
        self.sentences = sentences
        self.retriever = bm25s.BM25()
        self.retriever.index(
            bm25s.tokenize(sentences, stopwords="en", stemmer=self.stemmer, show_progress=False), show_progress=False
        )

    def near(self, questions: list[str], k: int = 12) -> list[list[int]]:
        import bm25s

        tokens = bm25s.tokenize(questions, stopwords="en", stemmer=self.stemmer, show_progress=False)
        ids, _ = self.retriever.retrieve(tokens, k=min(k, len(self.sentences)), show_progress=False, n_threads=1)
        return [list(map(int, row)) for row in ids]


def generate(
    docs: list[tuple[str, str]], seed: int = 13, per_doc: int = 1500, held_out: tuple[str, ...] = HELD_OUT
) -> list[Pair]:
    """Pairs from documents: per asked fact a group (its id in ``Pair.group``) of one or two positives (two wordings)
    and its near misses: constraint swaps and additions, listed names, same-topic and random sentences."""
    rng = random.Random(seed)
    rows: list[tuple[str, str, str, str]] = []  # (doc_id, sentence, before, after)
    for doc_id, text in docs:
        rows += [(doc_id, s, b, a) for s, b, a in document_sentences(text) if usable(s)]
    names = sorted(
        {m.group() for _, s, _, _ in rows for m in _NAME.finditer(clean(s)) if m.start() > 0 and len(m.group()) > 3}
    )
    names = [n for n in names if n.lower() not in STOP and n.split()[0] not in OPENING_WORDS]
    index = TopicIndex([clean(s) for _, s, _, _ in rows])
    by_doc: dict[str, list[int]] = {}
    for i, (doc_id, *_rest) in enumerate(rows):
        by_doc.setdefault(doc_id, []).append(i)
    # every fact of a sentence, kept with its kind's weight (names are everywhere, figures are what gets asked),
    # each with a second wording; capped per document
    asked: list[tuple[int, Fact, Fact | None]] = []
    for doc_id, ids in by_doc.items():
        doc_facts = []
        for i in ids:
            second = {(f.kind, f.answer): f for f in facts(rows[i][1], rng)}
            for fact in facts(rows[i][1], rng):
                other = second.get((fact.kind, fact.answer))
                if rng.random() < KIND_WEIGHTS[fact.kind]:
                    doc_facts.append((i, fact, other if other and other.question != fact.question else None))
        rng.shuffle(doc_facts)
        asked += doc_facts[: per_doc if doc_id not in REALDOC_IDS else per_doc // 4]
    near = index.near([f.question for _, f, _ in asked])
    pairs: list[Pair] = []
    for group, ((i, fact, other), neighbours) in enumerate(zip(asked, near, strict=True)):
        doc_id, sentence, before, after = rows[i]
        window = " ".join((before, sentence, after))

        def add(question: str, text: str, label: int, kind: str, b: str = before, a: str = after) -> None:
            pairs.append(Pair(question, text, b, a, label, kind, doc_id, group))  # noqa: B023 (called in this pass)

        # a constraint of the window that the question leaves out, now and then added: questions with a year or
        # a place are not all near misses
        extra = [y for y in _YEAR.findall(window) if y not in fact.question and y != fact.answer]
        if extra and fact.kind != "year" and rng.random() < 0.3:
            fact = dataclasses.replace(fact, question=fact.question[:-1] + f" in {rng.choice(extra)}?")
        add(fact.question, sentence, 1, fact.kind)
        if other is not None:
            add(other.question, sentence, 1, other.kind)
        for question, kind in swaps(fact, window, names, rng)[:3]:
            add(question, sentence, 0, kind)
        for question, text, label, kind in listed(fact, sentence, window, names, rng):
            add(question, text, label, kind)
        answer_key = fact.answer.lower()[:40]
        # same-topic sentences, never across the held-out boundary (a held-out document's text stays unseen)
        topical = [
            j
            for j in neighbours
            if j != i
            and answer_key not in rows[j][1].lower()
            and rows[j][1] != sentence
            and (rows[j][0] in held_out) == (doc_id in held_out)
        ]
        for j in topical[:2]:
            add(fact.question, rows[j][1], 0, "topic", rows[j][2], rows[j][3])
        if rng.random() < 0.2:
            j = rng.choice(by_doc[doc_id])
            if j != i and answer_key not in rows[j][1].lower():
                add(fact.question, rows[j][1], 0, "random", rows[j][2], rows[j][3])
    return pairs


def split_by_document(pairs: list[Pair], held_out: tuple[str, ...] = HELD_OUT) -> tuple[list[Pair], list[Pair]]:
    """(train, held out): a pair is held out when its question's document is (by the positive's doc)."""
    return [p for p in pairs if p.doc_id not in held_out], [p for p in pairs if p.doc_id in held_out]


def counts(pairs: list[Pair]) -> dict[str, int]:
    return dict(sorted(Counter(f"{p.label}:{p.kind}" for p in pairs).items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-realdocs", action="store_true")
    parser.add_argument("--examples", type=int, default=12)
    args = parser.parse_args()
    docs = load_documents(not args.no_realdocs)
    pairs = generate(docs, args.seed)
    print(f"{len(docs)} documents, {len(pairs)} pairs: {counts(pairs)}")
    for p in pairs[: args.examples]:
        print(f"[{p.label} {p.kind} {p.doc_id}] Q: {p.question}\n    S: {p.sentence[:200]}")
    if args.out:
        args.out.write_text("\n".join(json.dumps(asdict(p), ensure_ascii=False) for p in pairs) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
