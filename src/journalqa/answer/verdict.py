"""The verdict on an answer: ``answered``, ``uncertain`` or ``not_in_documents``, from a small fitted model.

One lexical evidence score and one threshold could not tell near misses from answers (#5, #15: abstention F1 at most
0.59 on the test split). The verdict instead reads several signals of the best candidate answer — its constraint
match per asked part, the question-to-sentence and question-to-passage cosines, term coverage, where its passage
ranked in each retriever, the question's kind and language — through a logistic model fitted on the calibration
articles only (``python evals/verdict_fit.py``). The model estimates the probability that the chosen sentence holds
the answer; two thresholds cut it into the three verdicts. The fitted weights live in ``verdict_model.json`` beside
this module, one entry per embedder (cosines of different embedders live on different scales).

Pure numbers in, a verdict out: the answerer builds the features, so this module knows no passages or sentences.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

ANSWERED = "answered"
UNCERTAIN = "uncertain"
NOT_IN_DOCUMENTS = "not_in_documents"
VERDICTS = (ANSWERED, UNCERTAIN, NOT_IN_DOCUMENTS)

MODEL_FILE = Path(__file__).with_name("verdict_model.json")


@dataclass(frozen=True)
class VerdictModel:
    """Logistic regression over named features (standardised by the calibration set's mean and spread)."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    answer_at: float  # probability from which the answer is ``answered``
    doubt_at: float  # below it ``not_in_documents``; between the two ``uncertain``
    fitted_on: str = ""

    def probability(self, values: Mapping[str, float]) -> float:
        x = np.array([values.get(name, 0.0) for name in self.features], dtype=np.float64)
        z = (x - np.array(self.mean)) / np.array(self.scale)
        logit = float(z @ np.array(self.weights) + self.bias)
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, logit))))

    def verdict(self, probability: float) -> str:
        if probability >= self.answer_at:
            return ANSWERED
        return UNCERTAIN if probability >= self.doubt_at else NOT_IN_DOCUMENTS

    def to_dict(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "weights": [round(w, 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "mean": [round(m, 6) for m in self.mean],
            "scale": [round(s, 6) for s in self.scale],
            "answer_at": self.answer_at,
            "doubt_at": self.doubt_at,
            "fitted_on": self.fitted_on,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> VerdictModel:
        return cls(
            features=tuple(data["features"]),  # type: ignore[arg-type]
            weights=tuple(float(w) for w in data["weights"]),  # type: ignore[attr-defined]
            bias=float(data["bias"]),  # type: ignore[arg-type]
            mean=tuple(float(m) for m in data["mean"]),  # type: ignore[attr-defined]
            scale=tuple(float(s) for s in data["scale"]),  # type: ignore[attr-defined]
            answer_at=float(data["answer_at"]),  # type: ignore[arg-type]
            doubt_at=float(data["doubt_at"]),  # type: ignore[arg-type]
            fitted_on=str(data.get("fitted_on", "")),
        )


def fit_logistic(
    rows: Sequence[Mapping[str, float]], labels: Sequence[bool], features: Sequence[str], l2: float = 1.0
) -> VerdictModel:
    """Maximum-likelihood logistic regression with an L2 penalty (Newton's method; a few hundred rows)."""
    x = np.array([[row.get(name, 0.0) for name in features] for row in rows], dtype=np.float64)
    y = np.array(labels, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -40, 40)))
        gradient = z.T @ (p - y) + penalty * w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return VerdictModel(tuple(features), tuple(w[:-1]), float(w[-1]), tuple(mean), tuple(scale), 0.5, 0.5)


def auroc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """Area under the ROC curve (the chance that a positive outscores a negative; ties count half)."""
    pos = [s for s, p in zip(scores, positive, strict=True) if p]
    neg = [s for s, p in zip(scores, positive, strict=True) if not p]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@lru_cache(maxsize=8)
def model_for(embedder: str) -> Reader | None:
    """The fitted models of ``embedder``; None when none were fitted (the answerer then keeps its single threshold)."""
    if not MODEL_FILE.exists():
        return None
    entry = json.loads(MODEL_FILE.read_text(encoding="utf-8")).get(embedder)
    if not entry:
        return None
    return Reader(VerdictModel.from_dict(entry["chooser"]), VerdictModel.from_dict(entry["verdict"]))


# The signals the sentence chooser reads (journalqa.answer.evidence.sentence_features builds them); a change refits the model.
# Only what tells one candidate from another within a question: the question's kind and language and the
# passage-level cosine are the same for every candidate (and correlated signals made the weights unreadable).
FEATURES = (
    "sentence_cosine",  # question-to-sentence cosine; the passage's when the index stores no sentence vectors
    "sentence_cosine_gap",  # the best candidate's question-to-sentence cosine minus this one's
    "match",  # constraint match to the whole question
    "part_match_min",  # the weakest match over the question's asked parts
    "asked",  # gives what is asked for: a figure (in the unit), a date, a new name, a reason
    "coverage",  # IDF-weighted share of the question's terms in the sentence
    "translated_coverage",  # coverage counting the question's words carried over by the cross-lingual mapping
    "prior",  # 1 / (1 + the passage's rank)
    "bm25_rr",  # reciprocal rank of the passage in BM25 (0 when BM25 did not find it)
    "dense_rr",  # reciprocal rank of the passage in dense search
    "relative_score",  # the sentence's lexical ranking score over the best sentence's
    "cross_lingual",  # the sentence is not in the question's language
)

# What the verdict reads of the chosen sentence and its rivals (journalqa.answer.verdict.question_features)
QUESTION_FEATURES = (
    "chosen",  # the chooser's probability for the chosen sentence
    "margin",  # over the runner-up sentence
    "chosen_sentence_cosine",
    "chosen_match",
    "chosen_part_match_min",
    "chosen_cosine",
    "chosen_coverage",
    "chosen_evidence",
    "chosen_translated_coverage",
    "chosen_asked",
    "known",
    "unknown_words",
    "best_evidence",  # the best former evidence score over all candidates
    "top_cosine",  # the first passage's cosine
    "cross_lingual",
    "lang_ru",
    "lang_kk",
    "kind_number",
    "kind_date",
    "kind_name",
    "kind_reason",
    "kind_multi",
)


def question_features(
    rows: Sequence[Mapping[str, float]], probs: Sequence[float], pick: int | None = None
) -> dict[str, float]:
    """The verdict's features from the candidate sentences' features (``rows``) and the chooser's ``probs``, for the
    chooser's best sentence or, with ``pick``, for that one (is a further sentence good enough to cite?)."""
    if not rows:
        return dict.fromkeys(QUESTION_FEATURES, 0.0)
    pick = max(range(len(rows)), key=lambda i: probs[i]) if pick is None else pick
    rival = max((p for i, p in enumerate(probs) if i != pick), default=0.0)
    chosen = rows[pick]
    out = {
        "chosen": probs[pick],
        "margin": probs[pick] - rival,
        "best_evidence": max(r.get("evidence", 0.0) for r in rows),
        "top_cosine": max(r.get("cosine", 0.0) for r in rows),
    }
    for name in (
        "sentence_cosine",
        "match",
        "part_match_min",
        "cosine",
        "coverage",
        "evidence",
        "translated_coverage",
        "asked",
    ):
        out[f"chosen_{name}"] = chosen.get(name, 0.0)
    out["known"] = chosen.get("known", 1.0)
    out["unknown_words"] = chosen.get("unknown_words", 0.0)
    for name in ("cross_lingual", "lang_ru", "lang_kk", "kind_number", "kind_date", "kind_name", "kind_reason"):
        out[name] = chosen.get(name, 0.0)
    out["kind_multi"] = chosen.get("kind_multi", 0.0)
    return out


@dataclass(frozen=True)
class Reader:
    """The chooser (which sentence answers) and the verdict (does it), fitted together on the calibration articles."""

    chooser: VerdictModel
    verdict: VerdictModel

    def read(self, rows: Sequence[Mapping[str, float]]) -> tuple[list[float], float]:
        """Each candidate's probability of holding the answer, and the verdict model's for the best one."""
        probs = [self.chooser.probability(row) for row in rows]
        return probs, self.verdict.probability(question_features(rows, probs)) if rows else 0.0

    def confidence(self, rows: Sequence[Mapping[str, float]], probs: Sequence[float], pick: int) -> float:
        """The verdict model's probability that sentence ``pick`` answers on its own."""
        return self.verdict.probability(question_features(rows, probs, pick))
