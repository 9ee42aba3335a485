"""Commands that keep what the user made: passage history, the trash, restores and backups.

history ID              a passage's versions, newest last
trash [empty]           deleted passages, or forget them for good
restore ID|FILE         a passage from the trash (or one version), or the library
                        from a backup file; --from-annotations DIR from the mirror
backup [--list]         a verified copy of the database now, or the copies there are
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index import count_of
from index.cli.output import UsageError, print_json

READS = ("history",)


def _history(library, args) -> int:
    versions = library.history(args.id)
    if args.json:
        print_json({"id": args.id, "versions": [v.to_json() for v in versions]})
    else:
        for v in versions:
            a = v.annotation
            tags = " ".join(f"#{t}" for t in a.tags)
            print(f"{v.seq:>6}  {v.at}  {v.action:<22} {a.color:<9} “{a.exact}” {a.note} {tags}")
    return 0


def _trash(library, args) -> int:
    if args.action == "empty":
        count = library.empty_trash()
        if args.json:
            print_json({"emptied": count})
        else:
            print(f"emptied the trash: {count} passage{'' if count == 1 else 's'} forgotten")
        return 0
    items = library.trash()
    if args.json:
        print_json({"annotations": [t.to_json() for t in items]})
    else:
        for t in items:
            a = t.annotation
            print(f"{a.id}  deleted {t.deleted}  {t.article_title}  “{a.exact}”")
    return 0


def _restore(library, args) -> int:
    import uuid

    if args.from_annotations is not None:
        return _restore_mirror(library, args)
    if args.target is None:
        raise UsageError("restore takes a passage ID, a backup FILE, or --from-annotations")
    try:
        uuid.UUID(args.target)
    except ValueError:
        if Path(args.target).exists():
            return _restore_file(library, args)
        raise UsageError(
            f"restore takes a passage id (see `trash`) or a backup file: {args.target!r} is neither"
        ) from None
    if args.version is not None:
        restored = library.restore_version(args.target, args.version)
    else:
        restored = library.restore_from_trash(args.target)
    library.wait_indexed()
    if args.json:
        print_json({"restored": restored.to_json()})
    else:
        flag = " (orphaned: its words are gone)" if restored.orphaned else ""
        print(f"restored {restored.id} in article {restored.article_id}{flag}")
    return 0


def _backup(library, args) -> int:
    if args.list:
        found = library.backups()
        if args.json:
            print_json({"backups": [b.to_json() for b in found]})
        elif not found:
            print("no backups yet")
        for info in found if not args.json else ():
            size = info.bytes / 1024 / 1024
            print(f"{info.created[:19]}  {info.reason:<20} {size:7.1f} MB  {info.path}")
        return 0
    info = library.backup()
    if args.json:
        print_json(info.to_json())
    else:
        print(f"backed up to {info.path} ({info.bytes / 1024 / 1024:.1f} MB, {info.took_s:.2f} s)")
    return 0


def _restore_file(library, args) -> int:
    result = library.restore_database(args.target)
    if args.json:
        print_json(result)
    else:
        print(
            f"restored {count_of(result['articles'], 'article')} and "
            f"{count_of(result['annotations'], 'passage')} "
            f"from {result['restored_from']}; the library as it was is in {result['backup_before']}"
        )
    return 0


def _restore_mirror(library, args) -> int:
    folder = args.from_annotations or None
    if folder is not None and not Path(folder).is_dir():
        raise UsageError(f"{folder} is not a folder")
    result = library.restore_from_annotations(folder)
    library.wait_indexed(timeout=600)
    if args.json:
        print_json(result)
    else:
        print(
            f"passages in the annotations folder: {result['total']}; restored "
            f"{result['restored']}, updated {result['updated']}, already there "
            f"{result['unchanged']}, orphaned {result['orphaned']}"
        )
        for item in result["unplaced"]:
            print(
                f"not placed: {count_of(item['passages'], 'passage')} of {item['article']}"
                " (not in the library)"
            )
        for item in result["problems"]:
            print(f"skipped {item['file']}: {item['problem']}")
    return 1 if result["unplaced"] or result["problems"] else 0


HANDLERS: dict[str, Callable[[Any, argparse.Namespace], int]] = {
    "history": _history,
    "trash": _trash,
    "restore": _restore,
    "backup": _backup,
}
