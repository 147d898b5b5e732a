"""The shipped answerability reader (journalqa/reader_model): its weights load and it reads a few known pairs.

Latency is measured by evals/eval_reader.py, not here.
"""

from __future__ import annotations

import numpy as np
import pytest

from journalqa.reader import MODEL_DIR, WEIGHTS, Reader, dequantize_state, pair_text, quantize_state

# Issue #15's reader did not pass its keep-it rule, so no weights are shipped (evals/reader_runs/ has its figures);
# `python evals/train_reader.py` writes them to MODEL_DIR, and these tests then check them.
needs_weights = pytest.mark.skipif(
    not (MODEL_DIR / WEIGHTS).is_file(),
    reason="reader weights not shipped (#15 reader failed its keep-it rule); python evals/train_reader.py makes them",
)

# Made-up sentences (not the journal's, not the gold set's): one that answers, and near misses of the same question.
ANSWERS = "In 2015 the city administration of Almaty opened 12 new public schools in its southern districts."
CASES = [
    # (question, the sentence that answers, a near miss of the question on the same sentence)
    (
        "How many new schools did Almaty open in 2015?",
        ANSWERS,
        "The city administration of Almaty plans to renovate its public schools in the southern districts.",
    ),
    (
        "In what year did Almaty open new public schools in its southern districts?",
        ANSWERS,
        "Almaty opened new public schools in its southern districts, the city administration said.",
    ),
]


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader.load()


@needs_weights
def test_manifest_says_what_it_is(reader: Reader) -> None:
    manifest = reader.manifest
    assert manifest["seed"] is not None and manifest["data"]["recipe"].startswith("evals/reader_data.py")
    assert "held_out_metrics" in manifest and manifest["held_out_metrics"]["auroc"] > 0.5


@needs_weights
def test_probabilities_per_candidate(reader: Reader) -> None:
    question, good, bad = CASES[0]
    probs = reader.score(question, [good, bad, pair_text(good, "Before.", "After.")])
    assert probs.shape == (3,) and np.all((probs >= 0) & (probs <= 1))
    assert reader.score(question, []).shape == (0,)


@needs_weights
@pytest.mark.parametrize(("question", "good", "bad"), CASES)
def test_answering_sentence_beats_sentence_without_the_fact(reader: Reader, question: str, good: str, bad: str) -> None:
    good_p, bad_p = reader.score(question, [good, bad])
    assert good_p > bad_p


def test_int8_round_trip_is_close() -> None:
    import torch

    torch.manual_seed(0)
    state = {"w": torch.randn(8, 16), "b": torch.randn(16)}
    back = dequantize_state(quantize_state(state))
    assert torch.equal(back["b"], state["b"])
    assert torch.max(torch.abs(back["w"] - state["w"])) <= state["w"].abs().max() / 127
