"""journalqa.answer.verdict: the fitted reader's pieces on tiny inputs, and the shipped model's shape."""

import math

import numpy as np
import pytest

from journalqa.answer.verdict import (
    ANSWERED,
    FEATURES,
    NOT_IN_DOCUMENTS,
    QUESTION_FEATURES,
    UNCERTAIN,
    VerdictModel,
    auroc,
    fit_logistic,
    model_for,
    question_features,
)


def test_auroc_matches_a_hand_count():
    # positives 0.9, 0.4; negatives 0.5, 0.4: pairs (0.9>0.5) (0.9>0.4) (0.4<0.5) (0.4=0.4 half) -> 2.5 / 4
    assert auroc([0.9, 0.4, 0.5, 0.4], [True, True, False, False]) == pytest.approx(0.625)
    assert math.isnan(auroc([0.1, 0.2], [True, True]))


def test_logistic_fit_learns_the_separating_feature_and_ignores_noise():
    rng = np.random.default_rng(0)
    rows = [
        {"signal": float(x), "noise": float(n)} for x, n in zip(rng.normal(size=400), rng.normal(size=400), strict=True)
    ]
    labels = [r["signal"] + 0.3 * rng.normal() > 0 for r in rows]
    model = fit_logistic(rows, labels, ("signal", "noise"), l2=1.0)
    assert model.weights[0] > 2.0 and abs(model.weights[1]) < 0.5
    assert model.probability({"signal": 2.0, "noise": 0.0}) > 0.9 > 0.1 > model.probability({"signal": -2.0})


def test_thresholds_cut_three_verdicts_and_round_trip():
    model = VerdictModel(("x",), (1.0,), 0.0, (0.0,), (1.0,), answer_at=0.7, doubt_at=0.3)
    assert [model.verdict(p) for p in (0.9, 0.5, 0.1)] == [ANSWERED, UNCERTAIN, NOT_IN_DOCUMENTS]
    assert VerdictModel.from_dict(model.to_dict()) == model


def test_question_features_for_the_best_or_a_picked_sentence():
    rows = [dict.fromkeys(FEATURES, 0.0) | {"evidence": e, "cosine": 0.8, "match": m} for e, m in ((0.2, 1), (0.6, 0))]
    best = question_features(rows, [0.3, 0.7])
    assert best["chosen"] == 0.7 and best["margin"] == pytest.approx(0.4) and best["chosen_match"] == 0
    picked = question_features(rows, [0.3, 0.7], pick=0)
    assert picked["chosen"] == 0.3 and picked["margin"] == pytest.approx(-0.4) and picked["chosen_match"] == 1
    assert set(best) == set(QUESTION_FEATURES)


def test_the_default_embedder_ships_a_fitted_reader():
    from journalqa.config import Settings

    reader = model_for(Settings().embedder)
    assert reader is not None
    assert reader.chooser.features == FEATURES and reader.verdict.features == QUESTION_FEATURES
    assert 0.0 < reader.verdict.doubt_at <= reader.verdict.answer_at < 1.0
    assert "questions" in reader.verdict.fitted_on
