"""The ``policy-assistant`` command: ingest, ask, show, docs, serve, feedback, eval, bench.

Errors a user can act on print as one sentence (exit 2); ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from common import offline  # noqa: F401
from common.settings import Settings, SettingsError

log = logging.getLogger("policy_assistant")
EXIT_USER_ERROR = 2


def _user_errors() -> tuple[type[BaseException], ...]:
    from assistant.types import QuestionError
    from ingest.documents import LoadError
    from ingest.embedding import EmbedderError
    from ingest.store import IndexUnavailable

    return (QuestionError, IndexUnavailable, EmbedderError, SettingsError, LoadError, FileNotFoundError, PermissionError)


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.load(index_dir=getattr(args, "index_dir", None), corpus_dir=getattr(args, "corpus_dir", None))


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False))


# -- ingest ---------------------------------------------------------------------
progress_log = logging.getLogger("policy_assistant.ingest")
PROGRESS_STEP = 10  # per cent between two progress lines when stderr is not a terminal


@contextmanager
def ingest_progress(what: str) -> Iterator[Callable[[int, int, str], None]]:
    """Progress of an ingest for ``run_ingest(progress=...)``: a rich bar when stderr is a terminal, otherwise a
    log line every ``PROGRESS_STEP`` per cent (a CI log or ``make run > log`` still shows that it is working)."""
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(what, total=None)
            yield lambda done, total, _: bar.update(task, completed=done, total=total)
        return
    progress_log.setLevel(logging.INFO)
    reported = [-PROGRESS_STEP]

    def line(done: int, total: int, _: str) -> None:
        percent = 100 * done // total if total else 100
        if percent >= reported[0] + PROGRESS_STEP or (done >= total and reported[0] < 100):
            reported[0] = percent
            progress_log.info("%s: %d%% (%s of %s characters embedded)", what, percent, f"{done:,}", f"{total:,}")
    yield line


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.pipeline import run_ingest

    settings = _settings(args)
    paths = [Path(p) for p in args.paths] or None
    with ingest_progress("Embedding clauses") as progress:
        report = run_ingest(settings, paths, prune=args.prune, progress=progress)
    if args.json:
        _print_json(report.to_dict())
    else:
        print(f"{report.documents} documents, {report.clauses} clauses, {report.chunks} chunks "
              f"({report.embedded} embedded, {report.unchanged} unchanged, {report.removed} removed)")
        for dup in report.duplicates:
            print(f"duplicate: {dup['path']} has the same content as {dup['duplicate_of']}; not indexed")
        for err in report.errors:
            print(f"skipped {err['path']}: {err['error']}", file=sys.stderr)
    return 0 if report.ok else 1


def ensure_index(settings: Settings) -> None:
    """Build the index when it is missing or the corpus changed; a no-op (milliseconds) otherwise.

    A file removed from the corpus folder is a change too: its document is dropped, so a deleted file is never
    cited (documents ingested from other paths stay; ``ingest --prune`` removes those)."""
    from ingest.pipeline import run_ingest

    with ingest_progress(f"Indexing {settings.corpus_dir.name}/ (first start: about a minute)") as progress:
        report = run_ingest(settings, prune_removed=True, progress=progress)
    if report.embedded or report.removed:
        print(f"policy-assistant: indexed {report.embedded} new or changed chunks, removed {report.removed} "
              f"deleted document(s); {report.documents} documents in the index", file=sys.stderr, flush=True)
    for err in report.errors:
        log.warning("skipped %s: %s", err["path"], err["error"])


# -- ask ------------------------------------------------------------------------
def _format_answer(answer) -> str:
    lines = ([f"({answer.notice})"] if getattr(answer, "notice", "") else []) + [answer.answer, ""]
    if answer.searched_as:
        lines += [f"(searched as: {answer.searched_as})", ""]
    for c in answer.citations:
        page = f", page {c.page}" if c.page else ""
        lines.append(f"[{c.n}] {c.label}{page}  ({c.clause_id})")
        lines.append(f"    “{c.quote}”")
    if answer.related:
        lines.append("Related:" if answer.answered else "Closest clauses:")
        for c in answer.related:
            lines.append(f"  - {c.label}  ({c.clause_id})")
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.core import Assistant
    from assistant.types import QuestionError

    assistant = Assistant.open(settings=_settings(args).replace(llm=args.llm))  # --llm: generated answers
    filters = {"doc_id": args.doc} if args.doc else None
    if args.question == "-" or args.question is None:
        status = 0
        for line in sys.stdin:
            question = line.rstrip("\n")
            try:
                answer = assistant.ask(question, top_k=args.k, filters=filters)
                out = answer.to_dict()
            except QuestionError as exc:
                shown = question if len(question) <= 200 else question[:200] + "…"
                out, status = {"question": shown, "error": str(exc)}, EXIT_USER_ERROR
            if args.json:
                _print_json(out)
            else:
                print(out.get("error") or _format_answer(answer), end="\n\n")
            sys.stdout.flush()
        return status
    answer = assistant.ask(args.question, top_k=args.k, filters=filters, history=args.history)
    print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else _format_answer(answer))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from assistant.core import Assistant

    assistant = Assistant.open(settings=_settings(args))
    citation = assistant.show(args.clause_id)
    if citation is None:
        found = assistant.lookup(args.clause_id)
        if not found:
            doc_id = args.clause_id.split("#", 1)[0].strip()
            known = {r["doc_id"] for r in assistant.documents()}
            where = (f"`policy-assistant docs --clauses {doc_id}` lists its clause IDs" if doc_id in known else
                     "`policy-assistant docs` lists the documents and `policy-assistant docs --clauses DOC` "
                     "a document's clause IDs")
            print(f"No clause {args.clause_id!r} in the index; {where}.", file=sys.stderr)
            return 1
        citation = found[0]
    data = {k: v for k, v in citation.to_dict().items() if k in
            {"clause_id", "label", "doc_id", "doc_title", "text", "page", "source", "refs", "cited_by"}}
    if args.json:
        _print_json(data)
    else:
        page = f" (page {data['page']})" if data.get("page") else ""
        print(f"{data['label']}{page}\n{data['clause_id']} — {data['source']}\n\n{data['text']}")
        for heading, ids in (("Cites", data["refs"]), ("Cited by", data["cited_by"])):
            if ids:  # cross-references: a penalty article and the duty it enforces, one step apart
                print(f"\n{heading}: {', '.join(ids)}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from assistant.core import Assistant

    assistant = Assistant.open(settings=_settings(args))
    if args.clauses:
        return _print_clauses(assistant, args.clauses, args.json)
    rows = assistant.documents()
    if args.json:
        _print_json(rows)
        return 0
    from rich.console import Console
    from rich.table import Table

    # doc_ids are what people copy into `show` and `--doc`: never cut them; the title wraps instead.
    table = Table(expand=False, pad_edge=False)
    table.add_column("doc_id", no_wrap=True, min_width=max((len(r["doc_id"]) for r in rows), default=6))
    table.add_column("title", ratio=1, overflow="fold")
    table.add_column("date", no_wrap=True)
    table.add_column("clauses", justify="right", no_wrap=True)
    for r in rows:
        table.add_row(r["doc_id"], r["short_title"] or r["title"], r["date"], str(r["clauses"]))
    Console().print(table)
    return 0


def _print_clauses(assistant, doc_id: str, as_json: bool) -> int:
    """``docs --clauses DOC``: every clause ID of one document with its label, in document order."""
    rows = assistant.clauses(doc_id)
    if not rows:
        print(f"No document {doc_id!r} in the index; `policy-assistant docs` lists the doc_ids.", file=sys.stderr)
        return 1
    if as_json:
        _print_json(rows)
        return 0
    width = max(len(r["clause_id"]) for r in rows)
    for r in rows:
        print(f"{r['clause_id']:<{width}}  {r['label']}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from assistant.app import serve

    settings = _settings(args).replace(host=args.host, port=args.port)
    if not settings.chroma_url:
        ensure_index(settings)
    serve(settings)
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from assistant.feedback import FeedbackLog

    entries = FeedbackLog(_settings(args).feedback_path).read()
    if args.json:
        for entry in entries:
            _print_json(entry)
    else:
        for e in entries:
            print(f"{e.get('time', '')}  {e.get('rating', '')}  {e.get('question', '')!r}  {e.get('comment', '')}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from evals.harness import main as eval_main

    return eval_main(args, _settings(args))


def cmd_bench(args: argparse.Namespace) -> int:
    from benchmarks.run import main as bench_main

    return bench_main(args, _settings(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policy-assistant", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--index-dir", type=Path, help="index folder (default .index, or POLICY_ASSISTANT_INDEX_DIR)")
        p.add_argument("--corpus-dir", type=Path, help="corpus folder (default corpus/)")
        return p

    p = common(sub.add_parser("ingest", help="index the corpus (only new and changed documents are embedded)"))
    p.add_argument("paths", nargs="*", help="files or folders (default: the whole corpus folder)")
    p.add_argument("--prune", action="store_true", help="remove documents that are no longer in the corpus")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ingest)

    p = common(sub.add_parser("ask", help="ask a question; '-' reads one question per line from stdin"))
    p.add_argument("question", nargs="?", default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--k", type=int, default=5, help="clauses to retrieve")
    p.add_argument("--doc", action="append", help="only this document (repeatable)")
    p.add_argument("--history", action="append", metavar="EARLIER_QUESTION",
                   help="an earlier question of the conversation, oldest first (repeatable): asks the question as a "
                        "follow-up of them")
    p.add_argument("--llm", choices=["none", "openai", "gguf"],
                   help="extractive (none) or verified generated answers from a model (default: the llm setting)")
    p.set_defaults(func=cmd_ask)

    p = common(sub.add_parser("show", help="print one clause verbatim"))
    p.add_argument("clause_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = common(sub.add_parser("docs", help="list the indexed documents (or one document's clause IDs)"))
    p.add_argument("--clauses", metavar="DOC", help="list the clause IDs and labels of the document DOC (a doc_id)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs)

    p = common(sub.add_parser("serve", help="start the chat app"))
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=cmd_serve)

    p = common(sub.add_parser("feedback", help="print the feedback log"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_feedback)

    p = common(sub.add_parser("eval", help="score systems on gold questions"))
    p.add_argument("--questions", type=Path, action="append", help="JSONL gold file(s) (default evals/gold.jsonl)")
    p.add_argument("--systems", default="", help="comma-separated (default: all)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--report", type=Path, help="write report.md, report.json and chart.png here")
    p.add_argument("--write-baseline", action="store_true", help="record the product's scores in evals/baseline.json")
    p.set_defaults(func=cmd_eval)

    p = common(sub.add_parser("bench", help="latency, scaling, ingest and serving benchmarks"))
    p.add_argument("--quick", action="store_true", help="small sizes only")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.debug:
        for noisy in ("bm25s", "chromadb", "httpx", "urllib3"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0
    except _user_errors() as exc:
        if args.debug:
            raise
        message = str(exc) or exc.__class__.__name__
        print(f"policy-assistant: {message[0].upper() + message[1:]}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
