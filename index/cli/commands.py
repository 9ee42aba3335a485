"""The command line: the same engine as the window, one command per verb, `--json` on each.

Exit codes and error output follow index/cli/output.py (0 success, 1 refused or
partly done, 2 usage error or not found); a closed pipe ends quietly. Read
commands never create a library: only `import` does. No Qt is imported here.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import index.cli.keeping as keeping
import index.cli.movein as movein
from index import (
    AnnotationError,
    NoLibrary,
    NotFound,
    QueryError,
    StoreError,
    count_of,
    select_occurrence,
)
from index.cli.output import (
    Refused,
    UsageError,
    fail,
    print_json,
    progress_bar,
    quiet_pipe,
)
from index.cli.parser import build_parser

WRITER_WAIT = 10.0  # seconds a command that writes waits for another Gloss to finish


def run_command(argv: list[str]) -> int:
    """Run one command; return the process exit code (see index/cli/output.py)."""
    as_json = "--json" in argv
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help printed its text
        return 0 if stop.code in (0, None) else 2
    except UsageError as error:
        fail(str(error), as_json=as_json)
        return 2
    args.json = getattr(args, "json", False)
    args.library = getattr(args, "library", None)
    try:
        code = _dispatch(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler below
        return code
    except BrokenPipeError:
        return quiet_pipe()
    except (UsageError, NotFound, NoLibrary) as error:
        message = str(error)
        if isinstance(error, NoLibrary):
            message += " (`gloss import PATH` makes one; check --library)"
        return _end(message, 2, args.json)
    except (Refused, StoreError, AnnotationError) as error:
        return _end(str(error), 1, args.json)
    except KeyboardInterrupt:
        return _end("interrupted", 130, args.json)


def _end(message: str, code: int, as_json: bool) -> int:
    try:
        fail(message, as_json=as_json)
    except BrokenPipeError:
        return quiet_pipe()
    return code


def _dispatch(args: argparse.Namespace) -> int:
    from index import Library

    handler = _HANDLERS[args.command]
    reads: tuple[str, ...] = ("list", "show", "search", "annotations", "export", "check")
    reads += ("anchoring", *keeping.READS, *movein.READS)
    writes = args.command not in (*reads, "digest", "explain")
    path = Path(args.library) if args.library else None
    library = Library.open(
        path,
        progress=_index_progress() if writes else None,
        writer_wait=float(os.environ.get("GLOSS_WRITER_WAIT", WRITER_WAIT)) if writes else 0.0,
        create=args.command == "import" or movein.creates(args),
    )
    try:
        if writes and library.read_only:  # one line: why (another Gloss writing, a read-only disk)
            reason = library.notices[-1] if library.notices else "the library is read-only"
            reason = reason.removesuffix(".").removesuffix(": this one is read-only")
            raise Refused(f"{reason}: nothing was changed")
        for notice in library.notices:
            print(f"gloss: {notice}", file=sys.stderr)
        return handler(library, args)
    finally:
        library.close()


def _index_progress() -> Callable[[int, int, str], None] | None:
    """Progress of what opening a library may do: rebuild the index, read articles again."""
    indexing = progress_bar("rebuilding the search index")
    reading = progress_bar("reading articles again")
    if indexing is None or reading is None:
        return None

    def show(done: int, total: int, current: str) -> None:
        (indexing if current == "indexing" else reading)(done, total, current)

    return show


# --- handlers -------------------------------------------------------------------


def _article(library, article_id: int):
    """The article, or NotFound (exit 2) naming the id."""
    try:
        return library.get_article(article_id)
    except KeyError:
        raise NotFound(f"no article with id {article_id}") from None


def _known_filters(library, args) -> None:
    """`--article N` and `--tag NAME` must name something that exists (else exit 2)."""
    if getattr(args, "article", None) is not None:
        _article(library, args.article)
    tag = getattr(args, "tag", None)
    key = " ".join(str(tag).split()).lstrip("#").casefold() if tag is not None else None
    if key is not None and key not in {name.casefold() for name, _ in library.tags()}:
        raise NotFound(f"no tag named {tag!r}")


def _import(library, args) -> int:
    report = library.import_paths(
        args.paths,
        progress=progress_bar("importing"),
        keep_near_duplicates=args.keep_near_duplicates,
    )
    library.wait_indexed(timeout=600)
    if args.json:
        print_json(report.to_json())
    else:
        print(
            f"imported {report.imported}, updated {report.updated}, "
            f"duplicates {report.duplicates}, near-duplicates {len(report.near_duplicates)}, "
            f"failed {len(report.failed)} ({report.took_s:.1f} s)"
        )
        for near in report.near_duplicates:
            print(
                f"near-duplicate, not imported: {near['path']} is "
                f"{100 * near['similarity']:.1f} % the same as article {near['kept_id']} "
                f"({near['kept_path']}); --keep-near-duplicates imports both"
            )
        for failure in report.failed:
            print(f"failed: {failure.path}: {failure.error}")
        for warning in report.warnings:
            print(f"warning: {warning.path}: {warning.error}")
        for entry in report.anchoring:
            print(f"passage {entry['annotation_id']}: {entry['status']}")
        movein.print_items(report)
    return 1 if report.failed else 0


def _list(library, args) -> int:
    rows = library.list_articles()
    if args.json:
        print_json({"articles": [r.to_json() for r in rows]})
    else:
        for r in rows:
            print(f"{r.id:>6}  {r.date or '----------'}  {r.title}  ({r.author or 'unknown'})")
    return 0


def _show(library, args) -> int:
    article = _article(library, args.id)
    if args.json:
        print_json(article.to_json())
    else:
        print(article.reading_text)
    return 0


def _search(library, args) -> int:

    if args.batch:
        try:
            lines = Path(args.batch).read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise UsageError(f"cannot read {args.batch}: {error.strerror}") from None
        failed = 0
        for line in lines:  # one answer a line, blank lines too, so answers line up
            try:
                print_json(library.search(line, limit=args.limit, sort=args.sort).to_json())
            except QueryError as error:
                failed += 1
                print_json({"query": line, "error": str(error)})
        return 1 if failed else 0
    if args.query is None:
        raise UsageError("search needs a QUERY (or --batch FILE)")
    try:
        result = library.search(args.query, limit=args.limit, sort=args.sort)
    except QueryError as error:
        raise Refused(str(error)) from None
    if args.json:
        print_json(result.to_json())
        return 0
    _print_result(result)
    return 0


def _print_result(result) -> None:
    print(f"{count_of(result.total, 'article')} ({result.took_ms:.0f} ms)")
    if result.message:
        print(result.message)
    if result.pending:
        print(result.pending_note())
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
    count = library.reindex(progress=progress_bar("indexing"))
    took = time.monotonic() - started
    if args.json:
        print_json({"documents": count, "took_s": round(took, 3)})
    else:
        print(f"indexed {count} documents ({took:.1f} s)")
    return 0


def _check(library, args) -> int:
    problems = library.check()
    if args.json:
        print_json({"ok": not problems, "problems": problems})
    elif problems:
        for problem in problems:
            print(f"problem: {problem}")
    else:
        print("ok: the database is intact and the index matches it")
    return 1 if problems else 0


def _annotate(library, args) -> int:
    _article(library, args.article_id)
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
        print_json(library.passage_as_w3c(annotation))
    else:
        print(annotation.id)
    return 0


def _annotations(library, args) -> int:
    _known_filters(library, args)
    rows = library.annotations(article_id=args.article, tag=args.tag)
    if args.json:
        print_json({"annotations": [a.to_json() for a in rows]})
    else:
        for a in rows:
            tags = " ".join(f"#{t}" for t in a.tags)
            flag = " [orphaned]" if a.orphaned else ""
            print(f"{a.id}  article {a.article_id}  {a.color}{flag}  “{a.exact}” {a.note} {tags}")
    return 0


def _unannotate(library, args) -> int:
    removed = library.delete_annotation(args.id)
    if args.json:
        print_json({"deleted": removed.to_json()})
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
        print_json({"action": action, "tags": names, "uses": uses})
    else:
        print(f"{action}: {' → '.join(names)} ({uses} uses)")
    return 0


def _export(library, args) -> int:
    _known_filters(library, args)
    fmt = args.format or ("json" if args.json else "markdown")
    text = library.export_annotations(fmt, article_id=args.article, tag=args.tag)
    if args.out:
        try:
            library.write_export(text, args.out)  # with the images a Markdown export shows
        except OSError as error:
            raise StoreError(f"cannot write {args.out}: {error.strerror}") from None
        if not args.json:
            print(f"wrote {args.out}")
        else:
            print_json({"out": args.out, "bytes": len(text.encode("utf-8"))})
    else:
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
    return 0


def _import_annotations(library, args) -> int:
    report = library.import_annotations_file(args.file, take_legend=args.legend)
    library.wait_indexed()
    if args.json:
        print_json(report.to_json())
        return 1 if report.unplaced else 0
    print(report.summary())
    for item in report.unplaced:
        print(f"not placed: {item.id}: {item.reason}")
    for item in report.placed:
        if item.status == "orphaned":
            print(
                f"orphaned: {item.source_id}: its words are not in article {item.article_id} "
                f"(“{item.article_title}”); kept there without a place"
            )
    if report.legend_offered and not report.legend_taken:
        names = ", ".join(f"{c} “{n}”" for c, n in report.legend_offered.items())
        print(f"the file names colours: {names} (`--legend` takes these names)")
    elif report.legend_taken:
        print("took the file's colour names")
        for problem in report.legend_problems:
            print(f"colour name not taken: {problem}")
    return 1 if report.unplaced else 0


# --- issue 7: legend, anchoring, digests, explanations (history and trash: keeping.py) ---


def _legend(library, args) -> int:
    if args.action == "set":
        if not args.color or not args.name:
            raise UsageError("legend set takes a COLOR and a NAME")
        legend = library.set_legend(args.color, " ".join(args.name))
    elif args.action == "reset":
        colors = [args.color] if args.color else list(library.PALETTE)
        for color in colors:
            legend = library.set_legend(color, None)
        legend = library.legend()
    else:
        legend = library.legend()
    if args.json:
        print_json({"legend": legend})
    else:
        for color, name in legend.items():
            print(f"{color:<10} {name}")
    return 0


def _anchoring(library, args) -> int:
    _article(library, args.article_id)
    reports = library.anchoring_reports(args.article_id)
    if not args.all:
        reports = reports[:1]
    if args.json:
        print_json({"article_id": args.article_id, "reports": [r.to_json() for r in reports]})
        return 0
    if not reports:
        print("no re-import has moved any passage of this article")
    for report in reports:
        counts = ", ".join(f"{k} {v}" for k, v in report.counts().items())
        print(f"re-import of {report.at}: {counts}")
        for e in report.entries:
            new = "—" if e.get("new_start") is None else f"{e['new_start']}-{e['new_end']}"
            old = f"{e['old_start']}-{e['old_end']}"
            line = f"  {e['status']:<8} {e['annotation_id']}  {old} → {new}"
            if e["status"] in ("fuzzy", "orphaned"):
                line += f"  similarity {e['similarity']:.2f} (threshold {e['threshold']:.2f})"
            if e.get("resolution"):
                line += f"  [{e['resolution']}]"
            print(f"{line}  “{e['quote']}”")
    return 0


def _accept_fuzzy(library, args) -> int:
    passage = library.accept_fuzzy(args.id)
    if args.json:
        print_json({"accepted": passage.to_json()})
    else:
        print(f"accepted the new place of {passage.id}: “{passage.exact}”")
    return 0


def _reattach(library, args) -> int:
    passage = library.get_annotation(args.id)
    if args.quote:
        text = library.get_article(passage.article_id).reading_text
        selector = select_occurrence(text, args.quote, max(1, args.occurrence))
        if selector is None:
            raise UsageError(f"the quote is not in article {passage.article_id}")
        start, end = selector.start, selector.end
    elif args.start is not None and args.end is not None:
        start, end = args.start, args.end
    else:
        raise UsageError("reattach needs --quote TEXT, or --start N --end M")
    passage = library.reattach(args.id, start, end)
    library.wait_indexed()
    if args.json:
        print_json({"reattached": passage.to_json()})
    else:
        print(f"reattached {passage.id} to “{passage.exact}”")
    return 0


def _digest(library, args) -> int:

    try:
        digest = library.digest(args.query, group_by=args.group_by)
    except QueryError as error:
        raise Refused(str(error)) from None
    fmt = "json" if args.json and not args.out else args.format
    text = digest.render(fmt)
    if args.out:
        try:
            library.write_export(text, args.out)  # with the images a Markdown export shows
        except OSError as error:
            raise StoreError(f"cannot write {args.out}: {error.strerror}") from None
        if args.json:
            print_json({"out": args.out, "total": digest.total, "articles": digest.articles})
        else:
            counts = (
                f"{count_of(digest.total, 'passage')} from {count_of(digest.articles, 'article')}"
            )
            print(f"wrote {args.out}: {counts}")
    else:
        sys.stdout.write(text)
    return 0


def _explain(library, args) -> int:

    try:
        why = library.explain(args.query, args.article_id)
    except QueryError as error:
        raise Refused(str(error)) from None
    if args.json:
        print_json(why)
        return 0
    print(f"{why['title']}: {'matches' if why['matched'] else 'does not match'} “{why['query']}”")
    if why["message"]:
        print(why["message"])
    for item in why["expansions"]:
        more = " …" if item["capped"] else ""
        print(f"  {item['input']} → {', '.join(item['words'])}{more}")
    for item in why["words"]:
        print(f"  {item['input']} → {', '.join(item['terms']) or '(a stop word)'}")
    _print_fields("article", why["article"])
    for passage in why["passages"]:
        _print_fields(f"passage “{passage['quote']}”", passage)
    return 0


def _print_fields(label: str, part: dict[str, Any]) -> None:
    def joined(found: dict[str, list[str]]) -> str:
        return "; ".join(f"{name}: {', '.join(terms)}" for name, terms in found.items())

    if part["fields"]:
        print(f"  {label}: {joined(part['fields'])}")
        for term, words in part.get("words", {}).items():
            print(f"      {term} ← {', '.join(words)}")
    if part.get("excluded_by"):
        print(f"  {label} is kept out by NOT {joined(part['excluded_by'])}")


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
    "legend": _legend,
    "anchoring": _anchoring,
    "accept-fuzzy": _accept_fuzzy,
    "reattach": _reattach,
    "digest": _digest,
    "explain": _explain,
    **keeping.HANDLERS,
    **movein.HANDLERS,
}
