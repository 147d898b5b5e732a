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
KIND_WEIGHTS = {"number": 1.0, "year": 0.7, "reason": 1.0, "name": 0.3}


@dataclass(frozen=True)
class Pair:
    question: str
    sentence: str
    before: str
    after: str
    label: int
    kind: str  # positive kind (number, year, name, reason) or negative kind (swap-*, type-*, topic, random)
    doc_id: str


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
    "Germany France Canada Japan Qatar Britain Saudi Arabia Egypt Syria Iraq Ukraine Belarus Mongolia Azerbaijan "
    "Georgia Armenia Italy Spain Poland Norway Sweden Korea Israel Australia Brazil Mexico Indonesia Malaysia"
).split()
PERSON_CUE = re.compile(
    r"\b(?:President|Minister|minister|Prof|Dr|Mr|Ms|Mrs|author|expert|analyst|scholar|researcher|leader|head|"
    r"Secretary|Ambassador|commander|chairman|Chairman|according to|said|noted|stated|believes|wrote|argues)\b"
)
REASON_CUE = re.compile(r"\b(because of|because|due to|owing to|as a result of|in order to|so that|since)\b", re.I)
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
OPENERS = ("", "", "", "", "According to the article, ", "Do you know ", "Tell me: ", "In the text, ", "Please say ")


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if w.lower() not in STOP]


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", _REFERENCE.sub("", text)).strip()


def clause_around(sentence: str, start: int, end: int, rng: random.Random, max_words: int = 16) -> str:
    """The clause of ``sentence`` holding ``[start, end)``, the span itself cut out, at most ``max_words`` words."""
    cuts = [0] + [m.end() for m in re.finditer(r"[,;:]\s|\s[–—-]\s|\s\(|\)\s", sentence)] + [len(sentence)]
    left = max(c for c in cuts if c <= start)
    right = min(c for c in cuts if c >= end)
    if len(_WORD.findall(sentence[left:right])) < 6:  # widen a short clause by its neighbours
        left = max([c for c in cuts if c < left] or [0])
        right = min([c for c in cuts if c > right] or [len(sentence)])
    before = sentence[left:start].split()
    after = sentence[end:right].split()
    words = before[-max_words // 2 :] + after[: max_words - min(len(before), max_words // 2)]
    text = " ".join(words)
    return text.strip(" ,;:.()–—-")


def paraphrase(text: str, rng: random.Random) -> str:
    words = text.split()
    out = []
    for w in words:
        bare = w.strip(",.;:()").lower()
        if bare in SYNONYMS and rng.random() < 0.35:
            out.append(rng.choice(SYNONYMS[bare]))
        elif bare in STOP and bare not in ("not", "no") and rng.random() < 0.15:
            continue  # dropped function words: questions are often telegraphic
        elif bare not in STOP and len(words) > 7 and rng.random() < 0.08:
            continue
        else:
            out.append(w.strip(",;:()"))
    # move a trailing "in/since <year>" or "in <Place>" phrase to the front, or the reverse
    text = " ".join(out)
    move = re.search(r"\s((?:in|since|during|by) (?:the )?[A-Z0-9][\w–-]*)$", text)
    if move and rng.random() < 0.4:
        text = f"{move.group(1)}, {text[: move.start()]}"
    return text


def finish(wh: str, body: str, rng: random.Random) -> str:
    opener = rng.choice(OPENERS)
    if body and body[0].isupper() and body.split()[0].lower() in STOP:
        body = body[0].lower() + body[1:]
    question = f"{wh} {body}".strip()
    question = question[0].upper() + question[1:] if not opener else opener + question[0].lower() + question[1:]
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


def facts(sentence: str, rng: random.Random) -> list[Fact]:
    """The facts of a sentence that a question can ask for, each with one generated question."""
    text = clean(sentence)
    found: list[Fact] = []
    for m in _FIGURE.finditer(text):
        if _YEAR.fullmatch(m.group("num")) and not m.group("scale") and not m.group("unit"):
            continue
        unit = unit_of(m)
        if unit == "count":
            noun = re.match(r"\s*((?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*)", text[m.end() :])
            if not noun or noun.group(1).split()[0] in STOP:
                continue
            wh = f"{rng.choice(UNITS['count'])} {noun.group(1)}"
            end = m.end() + noun.end()
        else:
            wh, end = rng.choice(UNITS[unit]), m.end()
        body = paraphrase(clause_around(text, m.start(), end, rng), rng)
        if len(content_words(body)) >= 3:
            found.append(Fact("number", m.group(), finish(wh, body, rng), wh, body, unit))
    for m in _YEAR.finditer(text):
        start = m.start()
        prefix = re.search(
            r"(?:\b(?:in|since|by|from|until|of|on)\s+)?(?:(?:early|late|mid|the end of)\s+)?$", text[:start]
        )
        start = prefix.start() if prefix else start
        if re.match(r"\s*[–-]\s*\d", text[m.end() :]):  # a range "2020–2021": ask about the range start only
            continue
        wh = rng.choice(
            (
                "when",
                "in what year",
                "in which year",
                "what year",
                "since when" if "since" in text[start : m.start()] else "when",
            )
        )
        body = paraphrase(clause_around(text, start, m.end(), rng), rng)
        if len(content_words(body)) >= 3:
            found.append(Fact("year", m.group(), finish(wh, body, rng), wh, body))
    for m in _NAME.finditer(text):
        name = m.group()
        if m.start() == 0 or name.lower() in STOP or len(name) < 3:
            continue
        first = name.split()[0]
        if first in COUNTRIES:
            wh = rng.choice(("which country", "what country", "which state"))
        elif PERSON_CUE.search(text[max(0, m.start() - 40) : m.end() + 25]):
            wh = rng.choice(("who", "which person", "who exactly"))
        else:
            wh = rng.choice(("which", "what", "which organization or place"))
        body = paraphrase(clause_around(text, m.start(), m.end(), rng), rng)
        if len(content_words(body)) >= 3 and name.lower() not in body.lower():
            found.append(Fact("name", name, finish(wh, body, rng), wh, body))
    m = REASON_CUE.search(text)
    if m and m.start() > 20:
        main = text[: m.start()].rstrip(" ,")
        main = re.split(r"[;:]\s", main)[-1]
        main_words = main.split()[-14:]
        body = paraphrase(" ".join(main_words), rng)
        wh = rng.choice(("why", "for what reason", "what is the reason that", "why exactly"))
        if len(content_words(body)) >= 3:
            found.append(Fact("reason", text[m.start() :], finish(wh, body, rng), wh, body))
    return found


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
    """(question, kind): the question with one constraint changed to what the sentence and neighbours lack."""
    out = []
    q = fact.question
    years = [y for y in _YEAR.findall(q) if y != fact.answer]
    if years:
        old = rng.choice(years)
        new = str(int(old) + rng.choice((-3, -2, -1, 1, 2, 3, 5)))
        if new not in window:
            out.append((q.replace(old, new), "swap-year"))
    q_names = [m.group() for m in _NAME.finditer(q) if m.start() > 0 and m.group().lower() not in STOP]
    q_names = [n for n in q_names if n not in fact.wh]
    if q_names:
        old = rng.choice(q_names)
        pool = COUNTRIES if old.split()[0] in COUNTRIES else names
        choices = [n for n in pool if n.lower() not in window.lower() and n != old]
        if choices:
            out.append((q.replace(old, rng.choice(choices)), "swap-name"))
    numbers = [n for n in re.findall(r"\b\d[\d,.]*\b", q) if not _YEAR.fullmatch(n)]
    if numbers:
        old = rng.choice(numbers)
        digits = old.replace(",", "")
        if digits.isdigit():
            new = str(int(digits) * rng.choice((2, 3, 10)) + rng.choice((0, 5)))
            if new not in window:
                out.append((q.replace(old, new), "swap-number"))
    # the asked figure type or unit: only to a type the sentence and its neighbours do not give
    targets = [
        ("year", "in what year"),
        ("reason", "why"),
        ("percent", "what percentage of"),
        ("money", "how much money"),
    ]
    targets += [("km", "how many kilometers"), ("tons", "how many tons"), ("name", "who")]
    rng.shuffle(targets)
    for target, wh in targets:
        kind = "number" if target in ("percent", "money", "km", "tons") else target
        if kind == fact.kind and target == (fact.unit or target):
            continue
        if has_type(kind, window, target if kind == "number" else ""):
            continue
        out.append((finish(wh, fact.body, rng), f"type-{target}"))
        break
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
        ids, _ = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [list(map(int, row)) for row in ids]


def generate(
    docs: list[tuple[str, str]], seed: int = 13, per_doc: int = 900, held_out: tuple[str, ...] = HELD_OUT
) -> list[Pair]:
    rng = random.Random(seed)
    rows: list[tuple[str, str, str, str]] = []  # (doc_id, sentence, before, after)
    for doc_id, text in docs:
        rows += [(doc_id, s, b, a) for s, b, a in document_sentences(text) if usable(s)]
    names = sorted(
        {m.group() for _, s, _, _ in rows for m in _NAME.finditer(clean(s)) if m.start() > 0 and len(m.group()) > 3}
    )
    names = [n for n in names if n.lower() not in STOP]
    index = TopicIndex([clean(s) for _, s, _, _ in rows])
    by_doc: dict[str, list[int]] = {}
    for i, (doc_id, *_rest) in enumerate(rows):
        by_doc.setdefault(doc_id, []).append(i)
    # questions per sentence, at most one fact of each kind per sentence, capped per document
    asked: list[tuple[int, Fact]] = []
    for doc_id, ids in by_doc.items():
        doc_facts = []
        for i in ids:
            kinds: dict[str, Fact] = {}
            for fact in facts(rows[i][1], rng):
                kinds.setdefault(fact.kind, fact)
            # names are everywhere; figures, years and reasons are what gets asked: each kept with its weight,
            # figures and reasons twice (a second wording)
            for kind, fact in kinds.items():
                if rng.random() < KIND_WEIGHTS[kind]:
                    doc_facts.append((i, fact))
            for fact in facts(rows[i][1], rng):
                if fact.kind in ("number", "reason") and fact.question != kinds[fact.kind].question:
                    doc_facts.append((i, fact))
                    break
        rng.shuffle(doc_facts)
        asked += doc_facts[: per_doc if doc_id not in REALDOC_IDS else per_doc // 3]
    near = index.near([f.question for _, f in asked])
    pairs: list[Pair] = []
    for (i, fact), neighbours in zip(asked, near, strict=True):
        doc_id, sentence, before, after = rows[i]
        window = " ".join((before, sentence, after))
        pairs.append(Pair(fact.question, sentence, before, after, 1, fact.kind, doc_id))
        for question, kind in swaps(fact, window, names, rng)[:2]:
            pairs.append(Pair(question, sentence, before, after, 0, kind, doc_id))
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
            pairs.append(Pair(fact.question, rows[j][1], rows[j][2], rows[j][3], 0, "topic", doc_id))
        if rng.random() < 0.3:
            j = rng.choice(by_doc[doc_id])
            if j != i and answer_key not in rows[j][1].lower():
                pairs.append(Pair(fact.question, rows[j][1], rows[j][2], rows[j][3], 0, "random", doc_id))
    rng.shuffle(pairs)
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
