"""Metric functions over plain values (booleans, spans, strings), tested against hand-computed numbers: retrieval
(hit@k, MRR, nDCG, evidence recall), answers (key facts, citations, support, abstention, verdicts), one item's
scores, their aggregates, bootstrap intervals and the paired bootstrap."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from journalqa.evaluation.gold import (
    EvalItem,
    GoldQuote,
    Span,
    normalize,
    novel_gains,
    overlap,
    quote_covered,
    relevance,
)
from journalqa.types import Answer, Chunk

K_VALUES = (1, 3, 5, 10)


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
# retrieval and citation quality at the README's cut-offs: the headline columns and the bootstrapped metrics share them
HEADLINE_METRICS = (
    "hit@5",
    "mrr@10",
    "evidence_recall@5",
    "fact_containment",
    "citation_precision",
    "citation_recall",
)
BOOTSTRAP_METRICS = (*VERDICT_METRICS, *HEADLINE_METRICS, "abstention_f1")


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


def by_language(items: Sequence[EvalItem], scores: Sequence[Mapping[str, float | None]]) -> dict[str, dict]:
    """The aggregate metrics of each question language's items."""
    out = {}
    for language in sorted({item.language for item in items}):
        pairs = [(i, s) for i, s in zip(items, scores, strict=True) if i.language == language]
        out[language] = aggregate([p[0] for p in pairs], [p[1] for p in pairs])
    return out
