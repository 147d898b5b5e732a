"""Settings: env values are converted and checked with errors naming the variable; ``~`` is expanded."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from journalqa.config import CHOICES, Settings, SettingsError

NUMBER_FIELDS = [f.name for f in fields(Settings) if f.type in ("int", "float")]
PATH_FIELDS = [f.name for f in fields(Settings) if f.type == "Path"]


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        ("JOURNALQA_PORT", "abc", "JOURNALQA_PORT must be a whole number, got 'abc'"),
        ("JOURNALQA_PORT", "80.5", "JOURNALQA_PORT must be a whole number, got '80.5'"),
        ("JOURNALQA_PORT", "70000", "JOURNALQA_PORT must be between 0 and 65,535, got 70000"),
        ("JOURNALQA_PORT", "-1", "JOURNALQA_PORT must be between 0 and 65,535, got -1"),
        ("JOURNALQA_TOP_K", "five", "JOURNALQA_TOP_K must be a whole number, got 'five'"),
        ("JOURNALQA_MAX_COMMENT_CHARS", "0", "JOURNALQA_MAX_COMMENT_CHARS must be between 1 and 1,000,000,000, got 0"),
        ("JOURNALQA_ABSTAIN_THRESHOLD", "high", "JOURNALQA_ABSTAIN_THRESHOLD must be a number, got 'high'"),
        ("JOURNALQA_LLM_TIMEOUT", "nan", "JOURNALQA_LLM_TIMEOUT must be a finite number, got 'nan'"),
        ("JOURNALQA_BM25_WEIGHT", "inf", "JOURNALQA_BM25_WEIGHT must be a finite number, got 'inf'"),
        ("JOURNALQA_RETRIEVAL_MODE", "semantic", "JOURNALQA_RETRIEVAL_MODE must be one of hybrid, dense, bm25"),
        ("JOURNALQA_ANSWER_MODE", "LLM", "JOURNALQA_ANSWER_MODE must be one of extractive, llm, got 'LLM'"),
        ("JOURNALQA_VECTOR_STORE", "chroma", "JOURNALQA_VECTOR_STORE must be one of faiss, milvus, qdrant"),
        ("JOURNALQA_ANN_INDEX", "annoy", "JOURNALQA_ANN_INDEX must be one of hnsw, ivfpq, flat"),
    ],
)
def test_bad_env_value_names_the_variable(variable, raw, message):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({variable: raw})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)  # the CLI prints it as one line
    assert isinstance(caught.value, ValueError)  # callers catching ValueError keep working


@pytest.mark.parametrize("name", NUMBER_FIELDS)
def test_every_number_field_rejects_text_by_name(name):
    variable = f"JOURNALQA_{name.upper()}"
    with pytest.raises(SettingsError, match=f"^{variable} must be a (whole )?number, got 'x1'$"):
        Settings.from_env({variable: "x1"})


@pytest.mark.parametrize(("field", "choices"), sorted(CHOICES.items()))
def test_every_choice_is_accepted_from_env(field, choices):
    for choice in choices:
        assert getattr(Settings.from_env({f"JOURNALQA_{field.upper()}": choice}), field) == choice


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"retrieval_mode": "semantic"}, "retrieval_mode must be one of hybrid, dense, bm25, got 'semantic'"),
        ({"vector_store": "chroma"}, "vector_store must be one of faiss, milvus, qdrant, got 'chroma'"),
        ({"port": 99999}, "port must be between 0 and 65,535, got 99999"),
    ],
)
def test_bad_override_names_the_field(overrides, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({}, **overrides)


def test_good_values_convert():
    settings = Settings.from_env(
        {"JOURNALQA_PORT": "8080", "JOURNALQA_ABSTAIN_THRESHOLD": "0.5", "JOURNALQA_RETRIEVAL_MODE": "bm25"}
    )
    assert (settings.port, settings.abstain_threshold, settings.retrieval_mode) == (8080, 0.5, "bm25")
    assert Settings.from_env({"JOURNALQA_PORT": "8080"}, port=9000).port == 9000  # the flag wins
    assert Settings.from_env({"JOURNALQA_PORT": ""}).port == Settings().port  # empty = unset


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("name", PATH_FIELDS)
def test_tilde_is_expanded_in_every_path_field(home, name):
    from_env = Settings.from_env({f"JOURNALQA_{name.upper()}": "~/from-env"})
    assert getattr(from_env, name) == home / "from-env"
    from_flag = Settings.from_env({}, **{name: Path("~/from-flag")})
    assert getattr(from_flag, name) == home / "from-flag"
    from_text = Settings.from_env({}, **{name: "~/as-text"})  # a flag parsed without type=Path
    assert getattr(from_text, name) == home / "as-text"
    assert getattr(Settings().replace(**{name: Path("~/replaced")}), name) == home / "replaced"


def test_path_fields_include_the_dirs_and_the_feedback_db():
    assert {"index_dir", "corpus_dir", "feedback_db"} <= set(PATH_FIELDS)


def test_an_unset_abstention_threshold_is_the_embedders_own():
    from journalqa.answer.evidence import calibration_for

    settings = Settings.from_env({})
    assert settings.abstain_threshold is None and settings.embedder == "multilingual-e5-small-onnx"
    assert calibration_for(settings.embedder, settings.abstain_threshold).cosine_floor > 0
    with pytest.raises(SettingsError, match="JOURNALQA_ABSTAIN_THRESHOLD"):
        Settings.from_env({"JOURNALQA_ABSTAIN_THRESHOLD": "high"})
