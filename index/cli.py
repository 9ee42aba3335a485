"""The command line: the same engine as the window, one command per verb, `--json` on each.

Exit codes: 0 success, 1 when the work partly failed (a file not imported, a
check that found problems, a query that could not run), 2 for a usage error.
Errors are one line on stderr, never a traceback. No Qt is imported here.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index.annotations import AnnotationError
from index.store import StoreError

COMMANDS = (
    "import",
    "list",
    "show",
    "search",
    "reindex",
    "check",
    "annotate",
    "annotations",
    "unannotate",
    "tag",
    "export",
    "import-annotations",
)


class UsageError(Exception):
    """Bad arguments: exit 2."""


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: given before or after the command word, neither default overwrites the other.
    common.add_argument(
        "--library", metavar="DIR", default=argparse.SUPPRESS, help="library folder"
    )
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    parser = argparse.ArgumentParser(prog="gloss", parents=[common])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, parents=[common], description=help_text)

    p = add("import", "import files and folders of articles (Markdown, text, HTML)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    add("list", "list the articles")
    p = add("show", "print an article's reading text")
    p.add_argument("id", type=int)
    p = add("search", "search articles and passages")
    p.add_argument("query", nargs="?", default=None)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--sort", choices=("relevance", "newest", "oldest"), default="relevance")
    p.add_argument("--batch", metavar="FILE", help="one query a line; one result a line")
    add("reindex", "rebuild the search index from the database")
    add("check", "check the database and that the index matches it")
    p = add("annotate", "highlight the N-th occurrence of a quote in an article")
    p.add_argument("article_id", type=int)
    p.add_argument("--quote", required=True)
    p.add_argument("--occurrence", type=int, default=1)
    p.add_argument("--color", default="yellow")
    p.add_argument("--note", default="")
    p.add_argument("--tag", action="append", default=[], dest="tags")
    p = add("annotations", "list passages")
    p.add_argument("--article", type=int)
    p.add_argument("--tag")
    p = add("unannotate", "delete a passage")
    p.add_argument("id")
    p = add("tag", "rename, merge or delete tags")
    p.add_argument("action", choices=("rename", "merge", "delete"))
    p.add_argument("names", nargs="+", metavar="NAME")
    p = add("export", "export passages as Markdown, W3C JSON or CSV")
    p.add_argument("--format", choices=("markdown", "json", "csv"), default="markdown")
    p.add_argument("--article", type=int)
    p.add_argument("--tag")
    p.add_argument("--out", metavar="FILE")
    p = add("import-annotations", "read passages exported as W3C JSON back into this library")
    p.add_argument("file")
    return parser


def run_command(argv: list[str]) -> int:
    """Run one command; return the process exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse printed its message (or --help)
        return 0 if stop.code == 0 else 2
    args.json = getattr(args, "json", False)
    args.library = getattr(args, "library", None)
    try:
        return _dispatch(args)
    except UsageError as error:
        _fail(str(error))
        return 2
    except (StoreError, AnnotationError) as error:
        _fail(str(error))
        return 1
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130


def _fail(message: str) -> None:
    print(f"gloss: {message}", file=sys.stderr)


def _dispatch(args: argparse.Namespace) -> int:
    from index.library import Library

    handler = _HANDLERS[args.command]
    writes = args.command not in ("list", "show", "search", "annotations", "export", "check")
    path = Path(args.library) if args.library else None
    library = Library.open(path, progress=_index_progress() if writes else None)
    try:
        return handler(library, args)
    finally:
        library.close()


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=None))


def _progress_bar(label: str) -> Callable[[int, int, str], None] | None:
    """A one-line progress bar on stderr when it is a terminal, else nothing."""
    if not sys.stderr.isatty():
        return None
    last = [0.0]

    def show(done: int, total: int, _current: str) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < 0.1:
            return
        last[0] = now
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total else ""
        print(f"\r{label} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def _index_progress() -> Callable[[int, int, str], None] | None:
    return _progress_bar("rebuilding the search index")


# --- handlers -------------------------------------------------------------------


def _import(library, args) -> int:
    report = library.import_paths(args.paths, progress=_progress_bar("importing"))
    library.wait_indexed(timeout=600)
    if args.json:
        _print_json(report.to_json())
    else:
        print(
            f"imported {report.imported}, updated {report.updated}, "
            f"duplicates {report.duplicates}, failed {len(report.failed)} "
            f"({report.took_s:.1f} s)"
        )
        for failure in report.failed:
            print(f"failed: {failure.path}: {failure.error}")
        for warning in report.warnings:
            print(f"warning: {warning.path}: {warning.error}")
        for entry in report.anchoring:
            print(f"passage {entry['annotation_id']}: {entry['status']}")
    return 1 if report.failed else 0


def _list(library, args) -> int:
    rows = library.list_articles()
    if args.json:
        _print_json({"articles": [r.to_json() for r in rows]})
    else:
        for r in rows:
            print(f"{r.id:>6}  {r.date or '----------'}  {r.title}  ({r.author or 'unknown'})")
    return 0


def _show(library, args) -> int:
    try:
        article = library.get_article(args.id)
    except KeyError:
        raise UsageError(f"no article with id {args.id}") from None
    if args.json:
        _print_json(article.to_json())
    else:
        print(article.reading_text)
    return 0


def _search(library, args) -> int:
    from index.search import QueryError

    if args.batch:
        try:
            lines = Path(args.batch).read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise UsageError(f"cannot read {args.batch}: {error.strerror}") from None
        failed = 0
        for line in lines:
            if not line.strip():
                continue
            try:
                _print_json(library.search(line, limit=args.limit, sort=args.sort).to_json())
            except QueryError as error:
                failed += 1
                _print_json({"query": line, "error": str(error)})
        return 1 if failed else 0
    if args.query is None:
        raise UsageError("search needs a QUERY (or --batch FILE)")
    try:
        result = library.search(args.query, limit=args.limit, sort=args.sort)
    except QueryError as error:
        _fail(str(error))
        return 1
    if args.json:
        _print_json(result.to_json())
        return 0
    _print_result(result)
    return 0


def _print_result(result) -> None:
    print(f"{result.total} articles ({result.took_ms:.0f} ms)")
    if result.message:
        print(result.message)
    if result.suggestion:
        print(f"Did you mean: {result.suggestion}")
    for hit in result.hits:
        print(f"{hit.article_id:>6}  {hit.date or '----------'}  {hit.title}")
        snippet = "".join(f"[{f.text}]" if f.match else f.text for f in hit.snippet)
        if snippet:
            print(f"        {snippet}")
        for note in hit.annotations:
            tags = " ".join(f"#{t}" for t in note.tags)
            print(f"        > {note.quote}  ({note.color}) {note.note} {tags}".rstrip())


def _reindex(library, args) -> int:
    started = time.monotonic()
    count = library.reindex(progress=_progress_bar("indexing"))
    took = time.monotonic() - started
    if args.json:
        _print_json({"documents": count, "took_s": round(took, 3)})
    else:
        print(f"indexed {count} documents ({took:.1f} s)")
    return 0


def _check(library, args) -> int:
    problems = library.check()
    if args.json:
        _print_json({"ok": not problems, "problems": problems})
    elif problems:
        for problem in problems:
            print(f"problem: {problem}")
    else:
        print("ok: the database is intact and the index matches it")
    return 1 if problems else 0


def _annotate(library, args) -> int:
    try:
        library.get_article(args.article_id)
    except KeyError:
        raise UsageError(f"no article with id {args.article_id}") from None
    annotation = library.annotate_quote(
        args.article_id,
        args.quote,
        occurrence=args.occurrence,
        color=args.color,
        note=args.note,
        tags=args.tags,
    )
    library.wait_indexed()
    if args.json:
        from index import export

        _print_json(export.to_w3c(library, annotation))
    else:
        print(annotation.id)
    return 0


def _annotations(library, args) -> int:
    rows = library.annotations(article_id=args.article, tag=args.tag)
    if args.json:
        _print_json({"annotations": [a.to_json() for a in rows]})
    else:
        for a in rows:
            tags = " ".join(f"#{t}" for t in a.tags)
            flag = " [orphaned]" if a.orphaned else ""
            print(f"{a.id}  article {a.article_id}  {a.color}{flag}  “{a.exact}” {a.note} {tags}")
    return 0


def _unannotate(library, args) -> int:
    removed = library.delete_annotation(args.id)
    if args.json:
        _print_json({"deleted": removed.to_json()})
    else:
        print(f"deleted {removed.id}")
    return 0


def _tag(library, args) -> int:
    action, names = args.action, args.names
    wanted = 1 if action == "delete" else 2
    if len(names) != wanted:
        raise UsageError(f"tag {action} takes {wanted} name{'s' if wanted > 1 else ''}")
    if action == "rename":
        uses = library.rename_tag(names[0], names[1])
    elif action == "merge":
        uses = library.merge_tags(names[0], names[1])
    else:
        uses = library.delete_tag(names[0])
    if args.json:
        _print_json({"action": action, "tags": names, "uses": uses})
    else:
        print(f"{action}: {' → '.join(names)} ({uses} uses)")
    return 0


def _export(library, args) -> int:
    text = library.export_annotations(args.format, article_id=args.article, tag=args.tag)
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as error:
            raise StoreError(f"cannot write {args.out}: {error.strerror}") from None
        if not args.json:
            print(f"wrote {args.out}")
        else:
            _print_json({"out": args.out, "bytes": len(text.encode("utf-8"))})
    else:
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
    return 0


def _import_annotations(library, args) -> int:
    try:
        data = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {args.file}: {error}") from None
    result = library.import_annotations(data)
    library.wait_indexed()
    if args.json:
        _print_json(result)
    else:
        print(
            f"imported {result['imported']}, already there {result['existing']}, "
            f"not placed {len(result['unplaced'])}"
        )
        for item in result["unplaced"]:
            print(f"not placed: {item['id']}: {item['reason']}")
    return 1 if result["unplaced"] else 0


_HANDLERS: dict[str, Callable[[Any, argparse.Namespace], int]] = {
    "import": _import,
    "list": _list,
    "show": _show,
    "search": _search,
    "reindex": _reindex,
    "check": _check,
    "annotate": _annotate,
    "annotations": _annotations,
    "unannotate": _unannotate,
    "tag": _tag,
    "export": _export,
    "import-annotations": _import_annotations,
}
