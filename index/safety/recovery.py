"""Opening a library safely: one writer, a checked database, a restored backup when damaged.

`prepare` runs before the store is opened:

1. it takes the writer lock (index.safety.lock), waiting up to `writer_wait`
   seconds; when another process keeps it, the library opens read-only and
   the notice names that process;
2. it probes `library.sqlite3` through a read-only connection (which never
   checkpoints a suspicious `-wal` into the file): after an unclean shutdown
   (a non-empty `-wal` at open) with `PRAGMA integrity_check`, else with the
   cheaper `quick_check`. A window opening a cleanly closed library (`check_later`)
   only reads the schema here: the quick check (which reads every page: 0.35 s at
   44,500 articles, four times that at 178,000) runs after the window shows, on the
   start backup's low-priority thread (`check_after_start`). Damage found then is told
   at once and marked (`SUSPECT_MARK`): the next start checks before opening and puts
   the newest verified backup in its place;
3. a database that fails is kept aside in `damaged/<time>/` with its `-wal`,
   and the newest backup that passes its own check takes its place. A `-wal`
   that does not belong to its database (a restored file beside a stale
   journal) is moved aside alone when the file without it is intact.

Once the Library exists it finishes the opening (Library._finish_opening):
the mirror's catch-up after a restored backup, then the start-of-session
backup. Every step adds one plain sentence to the notices; the window shows
them in a dialog, the command line on stderr.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from index.safety import backup
from index.safety.backup import BackupInfo
from index.safety.lock import WriterLock
from index.store.database import DB_NAME, StoreError, describe_error, describe_os_error
from index.wording import count_of

DAMAGED_FOLDER = "damaged"
SUSPECT_MARK = f"{DB_NAME}.check-failed"  # a check after the start found damage


@dataclass(slots=True)
class Opening:
    """What `prepare` decided: how to open, the lock held, what to tell the reader."""

    read_only: bool
    lock: WriterLock | None = None
    notices: list[str] = field(default_factory=list)
    restored: BackupInfo | None = None
    lost: str = ""  # what the damaged database held, when it could still be counted
    check_later: bool = False  # the quick check is left to check_after_start


def prepare(
    folder: Path,
    *,
    read_only: bool,
    writer_wait: float,
    meanwhile: Callable[[], None] | None = None,
    check_later: bool = False,
) -> Opening:
    """Lock, probe and (if needed) repair the database before it is opened.

    `meanwhile()` runs on this thread while the database is checked on another (the check
    is SQLite's own C code, which lets Python run beside it), once the lock is held; it
    must not touch the database. The Library opens its search index there. With
    `check_later`, a cleanly closed database is only opened here, its quick check left to
    `check_after_start` (`Opening.check_later` says when it was).
    """
    opening = Opening(read_only=read_only)
    if read_only:
        return opening
    lock = WriterLock(folder)
    try:
        got = lock.acquire(timeout=writer_wait)
    except OSError as error:
        if not (folder / DB_NAME).exists():
            raise StoreError(
                f"the library folder {folder} cannot be written: {describe_os_error(error)}"
            ) from None
        opening.read_only = True
        opening.notices.append(
            f"The library folder cannot be written ({describe_os_error(error)}): "
            "it is open read-only, for reading and searching."
        )
        return opening
    if not got:
        message = lock.busy_message()
        if not (folder / DB_NAME).exists():
            raise StoreError(f"{message}: try again when it is closed")
        opening.read_only = True
        opening.notices.append(f"{message[0].upper()}{message[1:]}: this one is read-only.")
        return opening
    opening.lock = lock
    if check_later and _clean_and_trusted(folder):
        try:
            problem = probe(folder / DB_NAME, full=None)
        except BaseException:
            lock.release()
            raise
        if problem is None:
            opening.check_later = True
            return opening
    try:
        _check_beside(folder, opening, meanwhile)
    except BaseException:
        lock.release()
        raise
    return opening


def _clean_and_trusted(folder: Path) -> bool:
    """A database closed cleanly (no journal left) and not marked by a failed check."""
    db = folder / DB_NAME
    wal = Path(f"{db}-wal")
    unclean = wal.exists() and wal.stat().st_size > 0
    return db.exists() and not unclean and not (folder / SUSPECT_MARK).exists()


def check_after_start(folder: Path) -> str | None:
    """The quick check left from the opening (`Opening.check_later`), beside the open
    library; the sentence for the reader when it finds damage (then marked: the next start
    restores the newest verified backup), else None."""
    problem = probe(folder / DB_NAME, full=False)
    if problem is None:
        return None
    with contextlib.suppress(OSError):
        (folder / SUSPECT_MARK).write_text(problem + "\n", encoding="utf-8")
    return (
        f"The library's database is damaged ({_short(problem)}). Close Gloss: at the next "
        "start it is kept aside and the newest verified backup takes its place."
    )


def _check_beside(folder: Path, opening: Opening, meanwhile: Callable[[], None] | None) -> None:
    """_check_database, with `meanwhile()` run on this thread at the same time."""
    if meanwhile is None:
        _check_database(folder, opening)
        return
    failed: list[BaseException] = []

    def check() -> None:
        try:
            _check_database(folder, opening)
        except BaseException as error:  # raised again on the opening thread
            failed.append(error)

    checker = threading.Thread(target=check, name="gloss-database-check")
    checker.start()
    try:
        meanwhile()
    finally:
        checker.join()
    if failed:
        raise failed[0]


def probe(db: Path, *, full: bool | None) -> str | None:
    """What is wrong with the database file (None when it passes the check).

    `full`: SQLite's integrity_check, or its quick_check when False; None reads only
    the header and schema (cheap: no page beyond them).

    Only damage is answered here; an error of the environment (a full disk, a
    locked or unreadable file) raises StoreError, so that a good database is
    never set aside because the disk was full when it was opened.
    """
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            if full is not None:
                pragma = "integrity_check" if full else "quick_check"
                rows = conn.execute(f"PRAGMA {pragma}(5)").fetchall()
                verdict = "; ".join(str(r[0]) for r in rows)
                if verdict != "ok":
                    return verdict
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as error:
        if _is_damage(error):
            return str(error)
        raise StoreError(describe_error(error) or f"cannot open the database: {error}") from None
    return None


def _is_damage(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return True
    text = str(error).lower()
    return "malformed" in text or "not a database" in text


def _check_database(folder: Path, opening: Opening) -> None:
    db = folder / DB_NAME
    wal = Path(f"{db}-wal")
    suspect = folder / SUSPECT_MARK
    if not db.exists():
        if not wal.exists() and backup.list_backups(folder):
            _restore_newest(folder, opening, "The library's database was missing", moved=[])
        return
    unclean = wal.exists() and wal.stat().st_size > 0
    problem = probe(db, full=unclean or suspect.exists())
    if problem is None:
        suspect.unlink(missing_ok=True)  # checked whole, and it passed
        return
    aside = _aside_folder(folder)
    moved: list[tuple[Path, Path]] = []
    if unclean:
        # A journal left from another copy of the database damages a good file:
        # try the file without it before giving the file up.
        kept = _move(wal, aside)
        if kept is not None:
            moved.append(kept)
        Path(f"{db}-shm").unlink(missing_ok=True)
        if probe(db, full=True) is None:
            opening.notices.append(
                "A leftover journal file (library.sqlite3-wal) did not belong to the database "
                f"and was set aside in {aside}; the database itself is intact."
            )
            return
    opening.lost = _what_it_held(db)
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        kept = _move(path, aside)
        if kept is not None:
            moved.append(kept)
    reason = f"The library's database was damaged ({_short(problem)}); it was kept aside in {aside}"
    suspect.unlink(missing_ok=True)
    _restore_newest(folder, opening, reason, moved=moved)


def _restore_newest(
    folder: Path, opening: Opening, reason: str, moved: list[tuple[Path, Path]]
) -> None:
    db = folder / DB_NAME
    for info in backup.list_backups(folder):
        if backup.check_library_file(info.path) is not None:
            continue  # a damaged backup is skipped, the next older one tried
        try:
            backup.copy_database(info.path, db)
        except (sqlite3.Error, OSError, StoreError) as error:
            for original, kept in reversed(moved):  # leave everything as it was found
                with contextlib.suppress(OSError):
                    shutil.move(str(kept), str(original))
            why = describe_os_error(error) if isinstance(error, OSError) else str(error)
            if isinstance(error, sqlite3.Error):
                why = describe_error(error) or why
            raise StoreError(f"{reason}, and its backup could not be restored: {why}") from None
        opening.restored = info
        held = f" The damaged database held {opening.lost}." if opening.lost else ""
        opening.notices.append(f"{reason}. Restored {info.describe()}.{held}")
        return
    opening.notices.append(
        f"{reason}. There was no usable backup: the library starts empty. Import the articles "
        "again, then run `gloss restore --from-annotations` to put the passages back from the "
        "annotations folder."
    )


def _what_it_held(db: Path) -> str:
    """Counts read from a damaged database, when it still answers."""
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return ""
    try:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM annotations)"
        ).fetchone()
        return f"{count_of(row[0], 'article')} and {count_of(row[1], 'passage')}"
    except sqlite3.Error:
        return ""
    finally:
        conn.close()


def _aside_folder(folder: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    aside = folder / DAMAGED_FOLDER / stamp
    aside.mkdir(parents=True, exist_ok=True)
    return aside


def _move(path: Path, aside: Path) -> tuple[Path, Path] | None:
    """Move `path` into `aside`; (from, to) when there was something to move."""
    if not path.exists():
        return None
    target = aside / path.name
    shutil.move(str(path), str(target))
    return path, target


def _short(problem: str) -> str:
    return problem if len(problem) < 120 else problem[:117] + "..."


def mirror_sentence(report: dict) -> str:
    """One sentence on what the mirror put back after a restored backup."""
    changed = report["restored"] + report["updated"] + report["removed"]
    if not report["files"]:
        return "The annotations folder held nothing newer than that backup: nothing is missing."
    parts = [
        f"From the annotations folder, {count_of(changed, 'passage change')} made after the "
        f"backup {'was' if changed == 1 else 'were'} put back ({report['restored']} restored, "
        f"{report['updated']} updated, "
        f"{report['removed']} deleted again)"
    ]
    lost = sum(u["passages"] for u in report["unplaced"])
    if lost:
        articles = "; ".join(u["article"] for u in report["unplaced"][:5])
        parts.append(
            f"{count_of(lost, 'passage')} could not be: their "
            f"{count_of(len(report['unplaced']), 'article')} were "
            f"imported after the backup ({articles}). Import them again, then run "
            "`gloss restore --from-annotations annotations/not-in-library` in the library folder"
        )
    else:
        parts.append("nothing else is missing")
    return "; ".join(parts) + "."


def release(opening_lock: WriterLock | None) -> None:
    if opening_lock is not None:
        with contextlib.suppress(OSError):
            opening_lock.release()
