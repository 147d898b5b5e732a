"""``journalqa`` command line: each command parses, calls one library function, renders."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from journalqa.config import Settings, apply_offline_env

DEFAULT_SOURCE = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "kjfs-2022-no1-2.txt"


class CLIError(Exception):
    pass


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        "index_dir": getattr(args, "index_dir", None),
        "corpus_dir": getattr(args, "corpus_dir", None),
        "top_k": getattr(args, "top_k", None),
    }
    return Settings.from_env(**overrides)


def cmd_split(args: argparse.Namespace) -> int:
    from journalqa.corpus import split_file

    source = Path(args.source)
    if not source.is_file():
        raise CLIError(f"no such file: {source}")
    paths = split_file(source, Path(args.out))
    for path in paths:
        print(path)
    print(f"{len(paths)} documents written to {args.out}")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from journalqa.indexing import index_status, sync_index

    settings = _settings(args)
    if args.if_stale:
        status = index_status(settings)
        if status.state == "fresh":
            print(f"index in {settings.index_dir} is up to date")
            return 0
        print(f"index {status.state}: {status.reason}; updating", file=sys.stderr)
    report = sync_index(settings, rebuild=args.rebuild, show_progress=not args.quiet)
    print_skipped(report.skipped)
    print(f"{settings.index_dir}: {report.summary()} in {report.timings_s.get('total', 0):.1f} s")
    return 0


def print_skipped(skipped) -> None:  # noqa: ANN001
    for item in skipped:
        print(f"skipped {item.path}: {item.reason}", file=sys.stderr)


def cmd_ask(args: argparse.Namespace) -> int:
    from journalqa.assistant import Assistant
    from journalqa.indexing import index_status
    from journalqa.render import answer_dict, answer_text

    settings = _settings(args)
    if settings.corpus_dir.is_dir():
        status = index_status(settings)
        if status.state != "fresh":
            raise CLIError(f"index is {status.state} ({status.reason}); run `journalqa index`")
    assistant = Assistant.load(settings=settings)
    doc_ids = args.doc or None

    def ask_once(question: str) -> None:
        answer = assistant.ask(question, top_k=settings.top_k, doc_ids=doc_ids)
        if args.json:
            print(json.dumps(answer_dict(answer), ensure_ascii=False, indent=1))
        else:
            print(answer_text(answer, color=sys.stdout.isatty()))

    if args.question is not None:
        ask_once(args.question)
        return 0
    print("Ask the journal (empty line or Ctrl-D to quit).")
    while True:
        try:
            question = input("? ")
        except EOFError:
            return 0
        if not question.strip():
            return 0
        try:
            ask_once(question)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="journalqa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    split = sub.add_parser("split", help="split a journal issue text into one file per document")
    split.add_argument("source", nargs="?", default=str(DEFAULT_SOURCE))
    split.add_argument("--out", default="corpus")
    split.set_defaults(func=cmd_split)

    index = sub.add_parser("index", help="build the index from the corpus folder")
    index.add_argument("--index-dir", type=Path)
    index.add_argument("--corpus-dir", type=Path)
    index.add_argument("--if-stale", action="store_true", help="only when missing or stale")
    index.add_argument("--rebuild", action="store_true", help="re-embed everything instead of only what changed")
    index.add_argument("--quiet", action="store_true")
    index.set_defaults(func=cmd_index)

    ask = sub.add_parser("ask", help="ask a question (interactive when none is given)")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--top-k", type=int)
    ask.add_argument("--doc", action="append", help="restrict to this document id (repeatable)")
    ask.add_argument("--index-dir", type=Path)
    ask.add_argument("--corpus-dir", type=Path)
    ask.set_defaults(func=cmd_ask)
    return parser


def main(argv: list[str] | None = None) -> int:
    apply_offline_env()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the one place failures become a one-line message instead of a traceback
        print(f"journalqa: error: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
