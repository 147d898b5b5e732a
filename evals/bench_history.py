"""The /ask history attack of issue #29, timed: what a long history costs before and after the limits.

Three measurements over the fixture corpus with the real model, in one process:

* ``refused``: ``Assistant.ask`` with a history whose one question is ``--mb`` MB: refused by the history check
  (the time from the call to the QuestionError);
* ``allowed max``: the longest history the limits let through (10 turns, 2,000-character questions,
  4,000-character answers): answered;
* ``ordinary``: a question with a one-turn history;
* ``unbounded`` (before the fix): the same ``--mb`` MB question through what ``ask`` did with it before, the
  follow-up rewrite and a hybrid search over the rewritten query (``--unbounded-mb``, default 1 MB: the cost grows
  with the size, the issue's 5 MB took 49 s of CPU).

Usage: nice python evals/bench_history.py [--mb 5] [--unbounded-mb 1] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from journalqa.assistant import Assistant, QuestionError  # noqa: E402
from journalqa.config import Settings, apply_offline_env  # noqa: E402
from journalqa.index.build import sync_index  # noqa: E402
from journalqa.index.embed import Embedder  # noqa: E402
from journalqa.search.rewrite import is_follow_up, rewrite_query  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "corpus"


def _timed(call, rounds: int) -> float:  # noqa: ANN001
    """Median milliseconds of ``rounds`` calls."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="size of the attacking history question")
    parser.add_argument("--unbounded-mb", type=float, default=1.0, help="size replayed through the old path")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    apply_offline_env()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", corpus_dir=FIXTURES)
        embedder = Embedder(settings.embedder)
        sync_index(settings, embedder, show_progress=False)
        assistant = Assistant(settings, embedder)
        question = "And Germany?"
        attack = [("What about " + "Kabul pipeline " * int(args.mb * 2**20 / 15), "no")]

        def refused() -> None:
            try:
                assistant.ask(question, history=attack)
            except QuestionError:
                return
            raise AssertionError("the attack was not refused")

        longest = [("q" * (settings.max_question_chars - 1) + "?", "a" * settings.max_history_answer_chars)]
        longest = longest * settings.max_history_turns
        ordinary = [("What does the TAPI pipeline carry?", "Gas.")]
        small = [("What about " + "Kabul pipeline " * int(args.unbounded_mb * 2**20 / 15), "no")]
        assert is_follow_up(question) and len(rewrite_query(question, small)) < 2 * settings.max_question_chars

        def unbounded() -> None:
            # what ask did before the check: the history's question folded into the query, embedded and searched
            # (the rewrite now cuts the borrowed topic, so the old query is rebuilt here: the topic plus the new name)
            assistant.retriever.retrieve(small[0][0] + " Germany", 5, None)

        rows = [
            (f"refused ({args.mb:g} MB history question)", _timed(refused, args.rounds)),
            (
                "allowed max (10 turns, 2,000 + 4,000 characters each)",
                _timed(lambda: assistant.ask(question, history=longest), args.rounds),
            ),
            ("ordinary (one-turn history)", _timed(lambda: assistant.ask(question, history=ordinary), args.rounds)),
            (f"unbounded, before the fix ({args.unbounded_mb:g} MB query searched)", _timed(unbounded, 1)),
        ]
    print("| request | median ms |\n|---|---|")
    for name, ms in rows:
        print(f"| {name} | {ms:,.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
