"""Which folders import themselves, kept in the library; and files that went missing.

The list lives in the library's database (`watched_folders`), so the window and the
command line share it. A file deleted from a watched folder never takes its articles
with it: they stay, marked `source_missing`, until the file comes back.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from index.store.database import Store, now_iso


class WatchError(ValueError):
    """A folder that cannot be watched; str() is the one-line reason."""


def normal(path: str | os.PathLike[str]) -> str:
    """A folder's path as the list keeps it: absolute, resolved, no trailing separator."""
    return str(Path(os.fspath(path)).expanduser().resolve())


def add(store: Store, path: str | os.PathLike[str]) -> str:
    """Watch a folder (again: nothing changes); its normal path. WatchError if not a folder."""
    folder = normal(path)
    if not os.path.isdir(folder):
        raise WatchError(f"not a folder: {folder}")
    with store.write() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO watched_folders(path, added, checked) VALUES (?, ?, ?)",
            (folder, now_iso(), time.time()),
        )
    return folder


def remove(store: Store, path: str | os.PathLike[str]) -> bool:
    """Stop watching a folder (its articles stay); False when it was not watched."""
    folder = normal(path)
    with store.write() as conn:
        cursor = conn.execute(
            "DELETE FROM watched_folders WHERE path = ? OR path = ?", (folder, os.fspath(path))
        )
    return cursor.rowcount > 0


def _has_table(store: Store, name: str) -> bool:
    """False for a library opened read-only before its migrations ran (no such table yet)."""
    found = store.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found is not None


def listed(store: Store) -> list[dict[str, Any]]:
    """Every watched folder: {"path", "added", "exists", "articles"} in path order."""
    if not _has_table(store, "watched_folders"):
        return []
    rows = store.read("SELECT path, added, checked FROM watched_folders ORDER BY path")
    out = []
    for row in rows:
        like = row["path"].rstrip(os.sep) + os.sep + "%"
        count = store.one("SELECT count(*) AS n FROM articles WHERE source_file LIKE ?", (like,))
        out.append(
            {
                "path": row["path"],
                "added": row["added"],
                "exists": os.path.isdir(row["path"]),
                "checked": row["checked"],
                "articles": count["n"] if count else 0,
            }
        )
    return out


def set_checked(store: Store, when: float) -> None:
    """Every watched folder was looked at up to `when` (seconds since the epoch): files
    changed before it were seen; the next start looks for newer ones."""
    with store.write() as conn:
        conn.execute("UPDATE watched_folders SET checked = max(checked, ?)", (when,))


def sources_under(store: Store, folder: str) -> list[str]:
    """The files under `folder` articles came from (those not yet marked missing)."""
    like = folder.rstrip(os.sep) + os.sep + "%"
    rows = store.read(
        "SELECT DISTINCT source_file FROM articles WHERE source_file LIKE ? AND NOT source_missing",
        (like,),
    )
    return [r["source_file"] for r in rows]


def mark_missing(store: Store, paths: Iterable[str]) -> int:
    """Mark the articles that came from these files (or from files under these folders)
    as having lost their source; returns how many articles were marked."""
    marked = 0
    with store.write() as conn:
        for path in paths:
            path = os.path.abspath(path)
            like = path.rstrip(os.sep) + os.sep + "%"
            cursor = conn.execute(
                "UPDATE articles SET source_missing = 1"
                " WHERE (source_file = ? OR source_file LIKE ?) AND source_missing = 0",
                (path, like),
            )
            marked += cursor.rowcount
    return marked


def unsaved_links(store: Store) -> list[dict[str, Any]]:
    """Links read-later exports listed without their text, newest first."""
    if not _has_table(store, "unsaved_links"):
        return []
    rows = store.read(
        "SELECT url, title, tags, added, state, source, listed_at FROM unsaved_links"
        " ORDER BY added IS NULL, added DESC, id DESC"
    )
    return [
        {
            "url": r["url"],
            "title": r["title"],
            "tags": [t for t in r["tags"].split("\n") if t],
            "added": r["added"],
            "state": r["state"],
            "source": r["source"],
        }
        for r in rows
    ]
