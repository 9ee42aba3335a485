"""Commands for moving in (issue 16): watched folders, links without text, and the
per-item lines of an import of archives and exports.

    watch add DIR       mark a folder as watched and import what it holds now
    watch list          the watched folders
    watch remove DIR    stop watching (its articles stay)
    watch run           watch in the foreground until Ctrl+C, one line per import
    links               links read-later exports listed without their text
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from typing import Any

from index import count_of

WRITES = ("watch",)
READS = ("links",)


def add_commands(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = add("watch", "folders that import themselves: watch add DIR | list | remove DIR | run")
    p.add_argument("action", choices=("add", "list", "remove", "run"))
    p.add_argument("folder", nargs="?", metavar="DIR")
    add("links", "links read-later exports (Pocket, Instapaper…) listed without their text")


def creates(args: argparse.Namespace) -> bool:
    """`watch add` imports, so like `import` it may make a new library."""
    return args.command == "watch" and args.action == "add"


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False))


def print_items(report: Any) -> None:
    """What an import did per item of an archive or export, beyond plain imports."""
    for item in report.items:
        if item["status"] in ("imported", "updated") and not item["reason"]:
            continue
        if item["status"] == "near-duplicate":  # the import's own lines say these
            continue
        where = item["item"] if item["item"] == item["source"] else f"{item['source']}: "
        where = where if item["item"] == item["source"] else where + item["item"]
        print(f"{item['status']}: {where}: {item['reason']}")
    passages = report.passages
    if passages["placed"] or passages["orphaned"] or passages["unplaced"]:
        print(
            f"highlights: {passages['placed']} placed, {passages['existing']} already there, "
            f"{passages['orphaned']} orphaned"
        )
        for entry in passages["unplaced"]:
            print(
                f"not placed: article {entry['article_id']}: “{entry['quote']}”: {entry['reason']}"
            )
    if report.links:
        print(f"{report.links} links listed without their text: see `links` (never fetched)")


def _fail(message: str) -> None:
    print(f"gloss: {message}", file=sys.stderr)


def _watch(library, args) -> int:
    from index import WatchError

    if args.action in ("add", "remove") and not args.folder:
        _fail(f"watch {args.action} needs a folder")
        return 2
    if args.action == "add":
        try:
            folder = library.watch_folder(args.folder)
        except WatchError as error:
            _fail(str(error))
            return 2
        report = library.import_paths([folder])
        library.wait_indexed(timeout=600)
        if args.json:
            _print_json({"watched": folder, "import": report.to_json()})
        else:
            print(
                f"watching {folder}: imported {report.imported}, updated {report.updated}, "
                f"failed {len(report.failed)}"
            )
            for failure in report.failed:
                print(f"failed: {failure.path}: {failure.error}")
        return 1 if report.failed else 0
    if args.action == "remove":
        removed = library.unwatch_folder(args.folder)
        if args.json:
            _print_json({"removed": removed})
        elif removed:
            print(f"no longer watching {args.folder} (its articles stay)")
        else:
            _fail(f"{args.folder} was not watched")
        return 0 if removed else 1
    if args.action == "run":
        return _watch_run(library, args)
    folders = library.watched_folders()
    if args.json:
        _print_json({"folders": folders})
    for folder in [] if args.json else folders:
        state = "" if folder["exists"] else "  (missing)"
        articles = count_of(folder["articles"], "article")
        print(f"{folder['path']}  {articles}  since {folder['added']}{state}")
    return 0


def _watch_run(library, args) -> int:
    """Watch in the foreground until interrupted (the window does this by itself)."""
    from index import FolderWatcher

    def reported(report, paths) -> None:
        if args.json:
            _print_json({"paths": paths, "import": report.to_json()})
            return
        print(
            f"imported {report.imported}, updated {report.updated}, "
            f"duplicates {report.duplicates}, failed {len(report.failed)}: {', '.join(paths)}",
            flush=True,
        )
        for entry in report.anchoring:
            print(f"passage {entry['annotation_id']}: {entry['status']}", flush=True)

    def missing(paths, marked) -> None:
        kept = count_of(marked, "article")
        print(f"gone: {', '.join(paths)} ({kept} kept, source missing)", flush=True)

    watcher = FolderWatcher(library, on_report=reported, on_missing=missing)
    watcher.start()
    print(f"watching {len(watcher.folders())} folders; Ctrl+C stops", flush=True)
    try:
        threading.Event().wait()
    finally:
        watcher.stop()
    return 0


def _links(library, args) -> int:
    links = library.unsaved_links()
    if args.json:
        _print_json({"links": links})
        return 0
    for link in links:
        tags = f"  [{', '.join(link['tags'])}]" if link["tags"] else ""
        added = (link["added"] or "")[:10] or "----------"
        print(f"{added}  {link['url']}  {link['title']}{tags}")
    return 0


HANDLERS = {"watch": _watch, "links": _links}
