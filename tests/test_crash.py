"""Crash safety: a real `add` process killed with SIGKILL mid-embedding, mid-save and just before the
swap leaves the previous index loadable and intact.

The driver runs the real `journalqa add` in a subprocess; it only wraps one library function to
announce that the process has reached that point (a marker file), then keeps going. The test kills it
there with SIGKILL.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from journalqa.assistant import Assistant
from journalqa.config import Settings
from journalqa.index.build import sync_index
from journalqa.index.store import current_version, load_index
from tests.conftest import FIXTURE_CORPUS

DRIVER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    marker, point = Path(sys.argv[1]), sys.argv[2]
    import journalqa.index.embed, journalqa.index.store
    def announce(original, linger):
        def wrapper(*args, **kwargs):
            marker.write_text(point)
            time.sleep(linger)  # stay at this point long enough to be killed here
            return original(*args, **kwargs)
        return wrapper
    if point == "embed":
        journalqa.index.embed.Embedder.encode = announce(journalqa.index.embed.Embedder.encode, 30)
    elif point == "save":
        journalqa.index.store._fsync_tree = announce(journalqa.index.store._fsync_tree, 30)
    elif point == "swap":
        journalqa.index.store._write_pointer = announce(journalqa.index.store._write_pointer, 30)
    from journalqa.cli import main
    sys.exit(main(["add", "--quiet", *sys.argv[3:]]))
    """
)


def kill_add_at(settings: Settings, tmp_path, point: str) -> dict[str, str]:
    """Run `journalqa add water.md` in a subprocess and SIGKILL it at ``point``; returns its environment."""
    new = tmp_path / "water.md"
    new.write_text("# Water\n\n" + "The Amu Darya quotas were agreed in 1987 by the five republics. " * 40)
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    marker = tmp_path / "marker"
    env = {
        **os.environ,
        "JOURNALQA_INDEX_DIR": str(settings.index_dir),
        "JOURNALQA_CORPUS_DIR": str(settings.corpus_dir),
    }
    proc = subprocess.Popen([sys.executable, str(driver), str(marker), point, str(new)], env=env)
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the add process never reached the point"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    return env


@pytest.fixture
def live_index(tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
    shutil.copytree(FIXTURE_CORPUS, settings.corpus_dir)
    sync_index(settings, embedder, show_progress=False)
    return settings


@pytest.mark.slow
@pytest.mark.parametrize("point", ["embed", "save", "swap"])
def test_sigkill_during_add_leaves_previous_index_intact(live_index, tmp_path, embedder, point):
    settings = live_index
    before = load_index(settings.index_dir)
    version = current_version(settings.index_dir)
    kill_add_at(settings, tmp_path, point)

    assert current_version(settings.index_dir) == version
    after = load_index(settings.index_dir)
    assert after.chunks == before.chunks and after.dense.ntotal == before.dense.ntotal
    answer = Assistant(settings, embedder).ask("Who coordinates the TAPI pipeline construction?")
    assert answer.citations and answer.citations[0].passage.chunk.doc_id == "pipeline"

    # the next writer cleans up and completes the interrupted work
    report = sync_index(settings, embedder, show_progress=False)
    assert report.added == ["water"]
    assert not [p for p in settings.index_dir.iterdir() if p.name.startswith(".staging")]


@pytest.mark.slow
def test_killed_add_leaves_questions_answered_and_the_next_writer_finishes_it(live_index, tmp_path):
    """Issue #14, defect 6: the file reached the corpus, the index did not; `ask` must not refuse."""
    settings = live_index
    env = kill_add_at(settings, tmp_path, "embed")
    assert (settings.corpus_dir / "water.md").exists()

    cli = [sys.executable, "-m", "journalqa.cli"]
    asked = subprocess.run(
        [*cli, "ask", "--json", "Who coordinates the TAPI pipeline construction?"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    assert "answering from the last indexed version" in asked.stderr and "water" in asked.stderr
    assert '"doc_id": "pipeline"' in asked.stdout

    other = tmp_path / "aral.md"
    other.write_text("# Aral\n\nThe Aral Sea shrank after the 1960s.\n")
    added = subprocess.run([*cli, "add", "--quiet", str(other)], env=env, capture_output=True, text=True, timeout=300)
    assert added.returncode == 0, added.stderr
    assert "2 added" in added.stdout  # the interrupted water.md and the new aral.md
    assert {c.doc_id for c in load_index(settings.index_dir).chunks} == {"migration", "pipeline", "water", "aral"}
