"""``journalqa`` command line: each command parses, calls one library function, renders."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from journalqa.config import Settings, SettingsError, apply_offline_env, check_admin_password
from journalqa.types import format_authors

DEFAULT_SOURCE = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "kjfs-2022-no1-2.txt"


class CLIError(Exception):
    pass


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        "index_dir": getattr(args, "index_dir", None),
        "corpus_dir": getattr(args, "corpus_dir", None),
        "top_k": getattr(args, "top_k", None),
        "vector_store": getattr(args, "vector_store", None),
    }
    return Settings.from_env(**overrides)


def cmd_split(args: argparse.Namespace) -> int:
    from journalqa.ingest import split_file

    source = Path(args.source)
    if not source.is_file():
        raise CLIError(f"no such file: {source}")
    paths = split_file(source, Path(args.out))
    for path in paths:
        print(path)
    print(f"{len(paths)} documents written to {args.out}")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from journalqa.index.build import index_status, sync_index

    settings = _settings(args)
    if args.if_stale:
        status = index_status(settings)
        if status.state == "fresh":
            print(f"index in {settings.index_dir} is up to date")
            return 0
        print(f"index {status.state}: {status.reason}; updating", file=sys.stderr)
    report = sync_index(settings, rebuild=args.rebuild, show_progress=not args.quiet)
    print_skipped(report.skipped)
    print_notices(report.notices)
    print(f"{settings.index_dir}: {report.summary()} in {report.timings_s.get('total', 0):.1f} s")
    print(dense_line(settings))
    if settings.vector_store != "faiss":
        from journalqa.index.vectorstores import sync_vector_store

        print(report.mirror or sync_vector_store(settings).summary())
    return 0


def dense_line(settings: Settings) -> str:
    """The dense index in one line: type and parameters (from the manifest) and where it is searched."""
    from journalqa.index.store import IndexError_, read_manifest

    try:
        spec = dict(read_manifest(settings.index_dir).get("dense", {}))
    except IndexError_:
        return "dense: no index"
    kind = spec.pop("type", "?")
    params = " ".join(f"{k}={v}" for k, v in sorted(spec.items()) if k not in {"dimension", "build_s"})
    where = "embedded FAISS" if settings.vector_store == "faiss" else f"searched in {settings.vector_store}"
    return f"dense: {kind} {params}".rstrip() + f" ({spec.get('dimension', '?')}-d, {where})"


def print_skipped(skipped) -> None:  # noqa: ANN001
    for item in skipped:
        print(f"skipped {item.path}: {item.reason}", file=sys.stderr)


def print_notices(notices) -> None:  # noqa: ANN001
    # pages OCR'd or left out of an indexed document: never dropped without a line saying so
    for item in notices:
        print(f"note {item.path}: {item.reason}", file=sys.stderr)


def cmd_ask(args: argparse.Namespace) -> int:
    from journalqa.answer.render import answer_dict, answer_text
    from journalqa.assistant import Assistant
    from journalqa.index.build import index_status

    settings = _settings(args)
    if settings.corpus_dir.is_dir():
        status = index_status(settings)
        if not status.searchable:
            raise CLIError(f"index is {status.state} ({status.reason}); run `journalqa index`")
        if status.state != "fresh":
            # e.g. an add killed before its index was written: answer from the last good version
            print(
                f"note: answering from the last indexed version; newer documents wait ({status.reason}): "
                "run `journalqa index`",
                file=sys.stderr,
            )
    assistant = Assistant.load(settings=settings)
    doc_ids = args.doc or None

    def ask_once(question: str) -> None:
        streamed: list[str] = []

        def on_token(delta: str) -> None:
            streamed.append(delta)
            print(delta, end="", flush=True)

        stream = args.stream and not args.json
        answer = assistant.ask(
            question, top_k=settings.top_k, doc_ids=doc_ids, mode=args.mode, on_token=on_token if stream else None
        )
        if args.json:
            print(json.dumps(answer_dict(answer), ensure_ascii=False, indent=1))
            return
        if streamed:
            print("\n")  # the streamed draft; the verified answer with its sources follows
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


def cmd_add(args: argparse.Namespace) -> int:
    from journalqa.index.manage import add_paths

    settings = _settings(args)
    report = add_paths(settings, [Path(p) for p in args.paths], show_progress=not args.quiet)
    print_skipped(report.skipped)
    print_notices(report.sync.notices if report.sync else [])
    for item in report.renamed:
        print(f"stored {item.original} as {item.stored} (document id {item.doc_id}: {item.reason})", file=sys.stderr)
    print(report.summary())
    return 0 if report.accepted or not report.skipped else 1


def cmd_remove(args: argparse.Namespace) -> int:
    from journalqa.index.manage import remove_documents

    removed, unknown, sync = remove_documents(_settings(args), args.doc_ids)
    for doc_id in unknown:
        print(f"no document {doc_id!r}", file=sys.stderr)
    for doc in removed:
        print(f"removed {doc}")
    print(f"{len(removed)} document(s) removed; {sync.chunks} chunks left")
    return 1 if unknown else 0


def cmd_docs(args: argparse.Namespace) -> int:
    from journalqa.index.manage import list_documents

    docs = list_documents(_settings(args))
    if args.json:
        import dataclasses

        print(json.dumps([dataclasses.asdict(d) for d in docs], ensure_ascii=False, indent=1))
        return 0
    if not docs:
        raise CLIError("no index yet (run `journalqa index`)")
    rows = [("id", "title", "authors", "pages", "chunks", "OCR", "added", "source hash")]
    rows += [
        (d.doc_id, _cut(d.title, 48), _cut(format_authors(d.authors), 32) or "-", d.pages, str(d.chunks))
        + (_ocr_cell(d), d.added[:16], d.source_hash)
        for d in docs
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print(dense_line(_settings(args)))
    return 0


def _ocr_cell(doc) -> str:  # noqa: ANN001 - manage.DocumentInfo
    """``2 pages: 3, 7`` read by OCR; pages left out without OCR follow as ``(not read: 9)``."""
    cell = f"{len(doc.ocr_pages)} page{'s' if len(doc.ocr_pages) != 1 else ''}: {', '.join(doc.ocr_pages)}"
    cell = cell if doc.ocr_pages else "-"
    if doc.pages_without_text:
        cell += f" (not read: {', '.join(doc.pages_without_text)})"
    return cell


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cmd_serve(args: argparse.Namespace) -> int:
    """Bring the index up to date, then run the chat UI (``ui/app.py``) in this process's place.

    The UI is a program over the library (ui imports journalqa, never the reverse), so it is exec'd
    rather than imported; it prints the URL once the server is up.
    """
    import os

    from journalqa.index.build import index_status, sync_index

    settings = Settings.from_env(
        host=args.host,
        port=args.port,
        index_dir=args.index_dir,
        corpus_dir=args.corpus_dir,
        vector_store=args.vector_store,
    )
    check_admin_password(settings.admin_password)  # before the index build, not after it
    root = Path(__file__).resolve().parents[2]
    if not (root / "ui" / "app.py").is_file():
        raise CLIError(f"the UI is not next to the library (no {root / 'ui' / 'app.py'}); run from a source checkout")
    if settings.corpus_dir.is_dir():
        status = index_status(settings)
        if status.state != "fresh":
            print(f"index {status.state}: {status.reason}; building it first", file=sys.stderr)
            report = sync_index(settings, show_progress=not args.quiet)
            print(f"{settings.index_dir}: {report.summary()}", file=sys.stderr)
    argv = [sys.executable, "-m", "ui.app", "--host", settings.host, "--port", str(settings.port)]
    argv += ["--index-dir", str(settings.index_dir), "--corpus-dir", str(settings.corpus_dir)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    env["JOURNALQA_VECTOR_STORE"] = settings.vector_store
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, argv, env)
    return 0  # not reached


def cmd_feedback_export(args: argparse.Namespace) -> int:
    from journalqa import feedback

    db = Settings.from_env(feedback_db=args.db).feedback_db
    rows = feedback.rows(db)
    if args.out is None:
        feedback.write_csv(rows, sys.stdout)
        return 0
    with open(args.out, "w", newline="", encoding="utf-8") as out:
        count = feedback.write_csv(rows, out)
    print(f"{count} feedback rows from {db} written to {args.out}", file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from journalqa.evaluation.gold import read_article_split
    from journalqa.evaluation.report import evaluate_to_dir, headline_table, language_table
    from journalqa.evaluation.runner import DEFAULT_RUN

    configs = [c.strip() for c in args.configs.split(",") if c.strip()] if args.configs else list(DEFAULT_RUN)
    command = "journalqa eval " + " ".join(sys.argv[2:])
    articles = read_article_split(args.articles) if args.articles else None
    run, out = evaluate_to_dir(
        args.qa,
        configs,
        _settings(args),
        args.out,
        split=args.split,
        resamples=args.resamples,
        command=command,
        articles=articles,
    )
    print(headline_table(run))
    if len({item.language for item in run.items}) > 1:
        print(language_table(run))
    print(f"report: {out / 'report.md'}")
    return 0


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
    add_vector_store_flag(index)
    index.set_defaults(func=cmd_index)

    ask = sub.add_parser("ask", help="ask a question (interactive when none is given)")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--top-k", type=int)
    ask.add_argument("--doc", action="append", help="restrict to this document id (repeatable)")
    ask.add_argument("--mode", choices=["extractive", "llm"], help="answer mode (default: JOURNALQA_ANSWER_MODE)")
    ask.add_argument("--stream", action="store_true", help="print an LLM answer's tokens as they arrive")
    ask.add_argument("--index-dir", type=Path)
    ask.add_argument("--corpus-dir", type=Path)
    add_vector_store_flag(ask)
    ask.set_defaults(func=cmd_ask)

    add = sub.add_parser("add", help="add or update PDF / .txt / .md files (or folders) and index them")
    add.add_argument("paths", nargs="+")
    add.add_argument("--quiet", action="store_true")
    add.set_defaults(func=cmd_add)

    remove = sub.add_parser("remove", help="remove documents from the corpus and the index")
    remove.add_argument("doc_ids", nargs="+")
    remove.set_defaults(func=cmd_remove)

    docs = sub.add_parser("docs", help="list the indexed documents")
    docs.add_argument("--json", action="store_true")
    docs.set_defaults(func=cmd_docs)
    serve = sub.add_parser("serve", help="start the chat UI (builds the index first when missing or stale)")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1, env JOURNALQA_HOST)")
    serve.add_argument("--port", type=int, help="port (default 7860, env JOURNALQA_PORT)")
    serve.add_argument("--index-dir", type=Path)
    serve.add_argument("--corpus-dir", type=Path)
    serve.add_argument("--quiet", action="store_true")
    add_vector_store_flag(serve)
    serve.set_defaults(func=cmd_serve)

    fb = sub.add_parser("feedback", help="staff feedback collected by the UI")
    fb_sub = fb.add_subparsers(dest="feedback_command", required=True)
    export = fb_sub.add_parser("export", help="write every feedback row as CSV")
    export.add_argument("--csv", action="store_true", help="CSV output (the only format, the default)")
    export.add_argument("--out", type=Path, help="file to write (default: stdout)")
    export.add_argument(
        "--db", type=Path, help="feedback SQLite file (default feedback.sqlite3, env JOURNALQA_FEEDBACK_DB)"
    )
    export.set_defaults(func=cmd_feedback_export)

    ev = sub.add_parser("eval", help="run the gold question set through configurations; tables and charts")
    ev.add_argument("--qa", type=Path, default=Path("evals/qa.jsonl"), help="gold set (JSONL)")
    ev.add_argument("--configs", help="comma-separated configurations; the first is the baseline")
    ev.add_argument("--out", type=Path, help="report folder (default evals/reports/<timestamp>)")
    ev.add_argument("--split", choices=("test", "calibration", "all"), default="test")
    ev.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples")
    ev.add_argument(
        "--articles", type=Path, help="split by article with this file (evals/article_split.json) instead of per item"
    )
    ev.add_argument("--index-dir", type=Path)
    ev.add_argument("--corpus-dir", type=Path)
    ev.set_defaults(func=cmd_eval)
    return parser


def add_vector_store_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--vector-store",
        choices=["faiss", "milvus", "qdrant"],
        help="where dense vectors are searched (default faiss; env JOURNALQA_VECTOR_STORE, URI in "
        "JOURNALQA_VECTOR_STORE_URI)",
    )


def main(argv: list[str] | None = None) -> int:
    apply_offline_env()
    args = build_parser().parse_args(argv)
    try:
        # The JOURNALQA_* variables are checked once here, before any command starts work (serve would
        # build the index, then hand them to the UI process), so a bad one is a line naming it, exit 1.
        # Bad flag values raise the same SettingsError inside the command and end in the handler below.
        Settings.from_env()
    except SettingsError as exc:
        print(f"journalqa: error: {exc}", file=sys.stderr)
        return 1
    if args.command in WRITERS:
        from journalqa.ingest.ocr import claim_temp_dir

        # a temporary folder of this run's own; a killed run's leftovers (upload copies, page images) go now
        claim_temp_dir()
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, in the handler below, not as a message at exit
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (``journalqa ask … | head``): nothing left to say, and nowhere to say it
        _silence_stdout()
        return 0
    except Exception as exc:  # the one place failures become a one-line message instead of a traceback
        print(f"journalqa: error: {_one_line(exc)}", file=sys.stderr)
        return 1


# commands that parse documents (and may OCR them): they get a temporary folder of their own
WRITERS = {"add", "index", "remove"}


def _silence_stdout() -> None:
    # Python flushes stdout once more at exit and would report the broken pipe again
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        from journalqa.ingest import plain_os_error

        # "[Errno 30] Read-only file system: '/srv/…/foreword.md'" names the server's paths: the words only
        return plain_os_error(exc)
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
