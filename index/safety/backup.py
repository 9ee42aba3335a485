"""Rotating, verified backups of the store, and restoring one.

A backup is a copy made with SQLite's online backup API (never a file copy of
an open database: without its `-wal` file a copy can miss whole tables), turned
into one self-contained file (rollback journal), checked with
`PRAGMA integrity_check`, and only then given its final name in
`<library>/backups/`. Older backups rotate out only after the new one passed,
so the folder always holds the last KEEP verified copies. Beside each file a
small JSON sidecar says when, why, how big and what it holds.

Backups are made at each start when something changed since the newest one,
before any repair (restoring a file, rebuilding passages from the mirror),
and on demand (`gloss backup`).

The start backup runs beside the reader's first searches, and at 178,000 articles it
copies 1.5 GB: it is made with a `Pace` (the copying thread at the lowest CPU
priority, the copy in steps with a rest after each, all of it from one read snapshot so
that the reader's writes meanwhile neither restart nor tear it). It is still complete
and checked with `integrity_check` before it gets its name; `Pace.hurry()` (the library
closing) lifts the rests so that it finishes at full speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index.store.database import (
    DB_NAME,
    MIGRATIONS,
    Store,
    StoreError,
    describe_error,
    describe_os_error,
)
from index.store.images import image_folder, image_path, images_of
from index.wording import count_of

BACKUP_FOLDER = "backups"
KEEP = 10
_NAME = re.compile(r"^gloss-(\d{8}T\d{6}\.\d{6}Z)-([a-z-]+)\.sqlite3$")
SQLITE_MAGIC = b"SQLite format 3\x00"
REQUIRED_TABLES = {"articles", "annotations", "tags", "annotation_tags", "outbox"}


@dataclass(slots=True)
class Pace:
    """How a backup made beside the reader shares the machine: `step_pages` pages copied at
    a time, then a rest of `rest` times what the step took (1.0: at most half of one core);
    `hurry()` drops the rests. `steps` counts the steps taken (for the tests)."""

    step_pages: int = 4096  # 16 MB at SQLite's default 4 KB pages
    rest: float = 1.0
    steps: int = 0
    _hurry: threading.Event = field(default_factory=threading.Event)
    between_steps: Any = None  # called after each step (tests: a write meanwhile)

    def hurry(self) -> None:
        """Finish without rests (the library is closing)."""
        self._hurry.set()

    def hurried(self) -> bool:
        return self._hurry.is_set()


def lower_thread_priority() -> None:
    """Give the calling thread the lowest CPU priority (Linux: a thread's own nice value;
    elsewhere nothing). It cannot be raised again: call it on a thread of its own."""
    if not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


@dataclass(slots=True)
class BackupInfo:
    """One verified backup file and what its sidecar says about it."""

    path: Path
    created: str
    reason: str
    bytes: int
    articles: int = -1
    annotations: int = -1
    took_s: float = 0.0
    fingerprint: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "created": self.created,
            "reason": self.reason,
            "bytes": self.bytes,
            "articles": self.articles,
            "annotations": self.annotations,
            "took_s": round(self.took_s, 3),
        }

    def describe(self) -> str:
        """ "the backup of 2026-11-28 14:02 UTC (12 articles, 40 passages)"."""
        when = self.created.replace("T", " ").removesuffix("Z")[:16]
        counts = f"{count_of(self.articles, 'article')}, {count_of(self.annotations, 'passage')}"
        return f"the backup of {when} UTC ({counts})"


def backup_folder(library_folder: Path) -> Path:
    return Path(library_folder) / BACKUP_FOLDER


def list_backups(library_folder: Path) -> list[BackupInfo]:
    """Every finished backup in the library's backups folder, newest first."""
    folder = backup_folder(library_folder)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if not match or not path.is_file():
            continue
        found.append(_read_info(path, match))
    found.sort(key=lambda info: info.path.name, reverse=True)
    return found


def _read_info(path: Path, match: re.Match[str]) -> BackupInfo:
    info = BackupInfo(
        path=path,
        created=_iso(match.group(1)),
        reason=match.group(2),
        bytes=path.stat().st_size,
    )
    with contextlib.suppress(OSError, ValueError, TypeError):
        data = json.loads(_sidecar(path).read_text(encoding="utf-8"))
        info.articles = int(data.get("articles", -1))
        info.annotations = int(data.get("annotations", -1))
        info.took_s = float(data.get("took_s", 0.0))
        info.fingerprint = str(data.get("fingerprint", ""))
    return info


def _iso(stamp: str) -> str:
    """A file-name stamp (20261128T144652.123456Z) as ISO (2026-11-28T14:46:52.123456Z)."""
    parsed = datetime.strptime(stamp, "%Y%m%dT%H%M%S.%fZ")
    return parsed.isoformat(timespec="microseconds") + "Z"


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def fingerprint(conn: sqlite3.Connection) -> str:
    """A digest that changes whenever the reader's data changes (cheap: counters, not rows).

    The outbox and version tables count up forever (AUTOINCREMENT), every
    searchable change writes one of them; the small tables are read whole.
    Reading is not a change: the "opened" mark the window sets on the article it
    shows (for Recently read) is left out, so quitting and starting again without
    editing anything makes no new backup.
    """
    parts: list[Any] = []
    rows = conn.execute("SELECT name, seq FROM sqlite_sequence ORDER BY name").fetchall()
    parts += [tuple(r) for r in rows]  # plain tuples: sqlite3.Row's repr names no values
    for sql in (
        "SELECT count(*), max(id), max(updated_at) FROM articles",
        "SELECT count(*), max(updated) FROM annotations",
        "SELECT count(*), max(id) FROM tags",
        "SELECT count(*) FROM article_tags",
        "SELECT count(*), max(deleted) FROM trash",
        "SELECT group_concat(color || '=' || name) FROM legend",
        "SELECT group_concat(name || '=' || query) FROM saved_searches",
    ):
        with contextlib.suppress(sqlite3.Error):  # older schemas lack some tables
            parts.append(tuple(conn.execute(sql).fetchone()))
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


def make_backup(
    source: sqlite3.Connection | Path,
    library_folder: Path,
    *,
    reason: str = "manual",
    keep: int = KEEP,
    pace: Pace | None = None,
) -> BackupInfo:
    """Copy the store into a new verified backup, then rotate the oldest out.

    `source` is an open connection to the store or the path of a database file.
    With a `pace`, the copy is made in steps with rests, from one read snapshot.
    Raises StoreError with a one-line reason (disk full, ...); older backups
    are left as they were when anything fails.
    """
    started = time.monotonic()
    folder = backup_folder(library_folder)
    reason = re.sub(r"[^a-z-]+", "-", reason.lower()).strip("-") or "manual"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    final = folder / f"gloss-{stamp}-{reason}.sqlite3"
    temp = folder / f".{final.name}.part"
    own = not isinstance(source, sqlite3.Connection)
    src = source if isinstance(source, sqlite3.Connection) else _open_ro(Path(source))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        dest = sqlite3.connect(temp, isolation_level=None)
        try:
            if pace is None:
                src.backup(dest)
            else:
                _paced_copy(src, dest, pace)
            dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            verdict = dest.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise StoreError(f"the new backup failed its integrity check ({verdict})")
            counts = dest.execute(
                "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM annotations)"
            ).fetchone()
            mark = fingerprint(dest)
        finally:
            dest.close()
        carried = carry_images(library_folder, folder, temp)
        _fsync(temp)
        os.replace(temp, final)
        _fsync_dir(folder)
        info = BackupInfo(
            path=final,
            created=_iso(stamp),
            reason=reason,
            bytes=final.stat().st_size,
            articles=counts[0],
            annotations=counts[1],
            took_s=time.monotonic() - started,
            fingerprint=mark,
        )
        sidecar = info.to_json() | {
            "fingerprint": mark,
            "integrity_check": "ok",
            "images": carried,
        }
        _sidecar(final).write_text(json.dumps(sidecar, indent=1) + "\n", encoding="utf-8")
    except (sqlite3.Error, OSError) as error:
        for leftover in (temp, Path(f"{temp}-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink()
        raise StoreError(f"the backup could not be made: {_why(error)}") from error
    finally:
        if own:
            src.close()
    rotate(library_folder, keep=keep)
    return info


def _paced_copy(src: sqlite3.Connection, dest: sqlite3.Connection, pace: Pace) -> None:
    """`src` into `dest` in steps of `pace.step_pages`, resting between them. The source's
    read transaction is held from the first step to the last: each step then reads the same
    snapshot (a write by another connection would otherwise restart the copy from page 1,
    and one made at every rest would keep it from ever finishing)."""
    pinned = src.in_transaction is False
    if pinned:
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot
    last = time.monotonic()

    def rested(_status: int, _remaining: int, _total: int) -> None:
        nonlocal last
        pace.steps += 1
        if pace.between_steps is not None:
            pace.between_steps()
        took = time.monotonic() - last
        if not pace.hurried() and pace.rest > 0:
            pace._hurry.wait(took * pace.rest)
        last = time.monotonic()

    try:
        src.backup(dest, pages=max(1, pace.step_pages), progress=rested)
    finally:
        if pinned:
            src.execute("COMMIT")


def rotate(library_folder: Path, *, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest `keep` backups; return what was deleted."""
    removed = []
    for info in list_backups(library_folder)[max(1, keep) :]:
        for path in (info.path, _sidecar(info.path)):
            with contextlib.suppress(OSError):
                path.unlink()
        removed.append(info.path)
    if removed:
        _prune_images(library_folder)
    return removed


def _prune_images(library_folder: Path) -> None:
    """Drop from `backups/images/` what no kept backup shows any more."""
    folder = backup_folder(library_folder)
    kept_images = image_folder(folder)
    if not kept_images.is_dir():
        return
    wanted: set[str] = set()
    for info in list_backups(library_folder):
        try:
            conn = _open_ro(info.path)
        except sqlite3.Error:
            return  # unsure what it shows: keep everything
        try:
            wanted.update(images_of(conn))
        finally:
            conn.close()
    for path in kept_images.glob("*/*"):
        if path.name not in wanted:
            with contextlib.suppress(OSError):
                path.unlink()


def backup_if_changed(
    store: Store, library_folder: Path, *, reason: str = "start", pace: Pace | None = None
) -> BackupInfo | None:
    """A backup when the store differs from the newest backup (the backup made at start),
    made at `pace` when one is given."""
    conn = store.connection()
    if not conn.execute("SELECT 1 FROM articles LIMIT 1").fetchone():
        return None  # nothing of the reader's yet
    newest = next(iter(list_backups(library_folder)), None)
    if newest is not None and newest.fingerprint == fingerprint(conn):
        return None
    return make_backup(conn, library_folder, reason=reason, pace=pace)


def check_library_file(path: Path) -> str | None:
    """Why `path` is not a usable Gloss library (None when it is one)."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        return f"cannot read it ({error.strerror})"
    if head != SQLITE_MAGIC:
        return "it is not an SQLite database"
    try:
        conn = _open_ro(path)
    except sqlite3.Error as error:
        return f"it cannot be opened ({error})"
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if not tables >= REQUIRED_TABLES or version < 1:
            return "it is an SQLite database but not a Gloss library"
        if version > len(MIGRATIONS):
            return f"it was made by a newer Gloss (schema {version})"
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            return f"it is damaged ({verdict})"
    except sqlite3.Error as error:
        return f"it is damaged ({error})"
    finally:
        conn.close()
    return None


def copy_database(source: Path, dest: Path) -> None:
    """Write the database `source` as a fresh file `dest` (backup API), then check it."""
    temp = dest.with_name(f".{dest.name}.part")
    with contextlib.suppress(OSError):
        temp.unlink()
    src = _open_ro(source)
    try:
        out = sqlite3.connect(temp, isolation_level=None)
        try:
            src.backup(out)
            out.execute("PRAGMA journal_mode = WAL")
            verdict = out.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            out.close()
    finally:
        src.close()
    if verdict != "ok":
        temp.unlink(missing_ok=True)
        raise StoreError(f"the copy of {source.name} failed its integrity check")
    _fsync(temp)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{dest}{suffix}")
    os.replace(temp, dest)
    _fsync_dir(dest.parent)


def restore_into(
    store: Store, library_folder: Path, file: Path, index_lock: AbstractContextManager
) -> dict[str, Any]:
    """Replace the store with the Gloss library `file` (the current one backed up first).

    Refuses (StoreError) a file that is not a Gloss library. The copy goes
    through the backup API into the open database, in one step, while
    `index_lock` keeps the indexer still; then the schema is brought up to
    date and the outbox and mirror queue emptied. The caller rebuilds the
    search index and the mirror from what was restored.
    """
    file = Path(file).expanduser()
    if file.resolve() == (library_folder / DB_NAME).resolve():
        raise StoreError("that is the library's own database")
    problem = check_library_file(file)
    if problem:
        raise StoreError(f"{file} is not restored: {problem}")
    before = make_backup(store.connection(), library_folder, reason="before-restore")
    src = _open_ro(file)
    try:
        with index_lock:
            conn = store.connection()
            src.backup(conn)
            conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as error:
        raise StoreError(f"the restore failed, nothing was changed: {_why(error)}") from error
    finally:
        src.close()
    store.migrate()
    with store.write() as conn:
        conn.execute("DELETE FROM outbox")
        conn.execute("DELETE FROM mirror_dirty")
    missing = bring_images_back(store.connection(), library_folder, file.parent)
    result: dict[str, Any] = {"restored_from": str(file), "backup_before": str(before.path)}
    if missing:
        result["images_missing"] = missing
    return result


def carry_images(library_folder: Path, folder: Path, database: Path) -> int:
    """Put every image the backup `database` shows into `backups/images/` (once: the names
    are the images' SHA-256, so ten backups share one copy; a hard link where the disk
    allows, else a copy). How many images the backup shows."""
    conn = sqlite3.connect(database)
    try:
        names = images_of(conn)
    finally:
        conn.close()
    for name in names:
        source = image_path(library_folder, name)
        kept = image_path(folder, name)
        if source is None or kept is None or kept.is_file() or not source.is_file():
            continue
        kept.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, kept)
        except OSError:
            shutil.copyfile(source, kept)
    return len(names)


def bring_images_back(conn: sqlite3.Connection, library_folder: Path, backups: Path) -> int:
    """After a restore: each image the restored library shows and its images folder lacks,
    copied back from the backups' images (beside the restored file, or the library's own
    backups folder). How many are still missing."""
    missing = 0
    for name in images_of(conn):
        target = image_path(library_folder, name)
        if target is None or target.is_file():
            continue
        sources = [image_path(folder, name) for folder in (backups, backup_folder(library_folder))]
        found = next((p for p in sources if p is not None and p.is_file()), None)
        if found is None:
            missing += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.part")
        shutil.copyfile(found, temp)
        os.replace(temp, target)
    return missing


def _open_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def _why(error: BaseException) -> str:
    if isinstance(error, sqlite3.Error):
        return describe_error(error) or str(error)
    if isinstance(error, OSError):
        return describe_os_error(error)
    return str(error)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        _fsync(folder)
