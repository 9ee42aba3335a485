"""Opening the search index for a Library: beside the database check (`EarlyIndex`), or
at once; on any failure rebuilt from SQLite with progress, never lost (issue 6)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from index.store.database import Store, StoreError

if TYPE_CHECKING:
    from index.search.engine import SearchIndex
    from index.search.indexer import Indexer

INDEX_FOLDER = "search-index"
Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

REBUILT_NOTICE = "The search index was rebuilt from the library"
POOL_FROM_DOCUMENTS = 4_000  # a rebuild of this many documents builds in worker processes


class EarlyIndex:
    """The search index opened beside the database check (recovery.prepare's `meanwhile`):
    its reading is Python, the check is SQLite's C code, so on two cores they overlap. What
    the opening raised is kept for open_index, which decides as it would have."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.opened = False
        self.fresh = False
        self.index: SearchIndex | None = None
        self.error: BaseException | None = None

    def open(self) -> None:
        from index.search.engine import SearchIndex

        self.fresh = not self.index_dir.is_dir() or not any(self.index_dir.iterdir())
        self.opened = True
        try:
            self.index = SearchIndex.open(self.index_dir)
        except Exception as error:  # judged by open_index, on the opening thread
            self.error = error

    def take(self) -> SearchIndex:
        """The index opened early, or what opening it raised, raised again."""
        if self.error is not None:
            raise self.error
        assert self.index is not None
        index, self.index = self.index, None
        return index

    def close(self) -> None:
        """An index opened early and not taken (the opening failed after it)."""
        if self.index is not None:
            with contextlib.suppress(Exception):
                self.index.close()
            self.index = None


def open_index(
    folder: Path,
    store: Store,
    progress: Progress | None,
    notices: list[str],
    early: EarlyIndex | None = None,
) -> SearchIndex:
    """Open the index (or take the one opened `early`); on any failure, rebuild it from the
    store with progress (and a sentence in `notices` for the reader)."""
    from index.search.engine import IndexDamaged, IndexOutdated, SearchIndex
    from index.search.whoosh_wall import WhooshUnsupported

    index_dir = folder / INDEX_FOLDER
    opened_early = early is not None and early.opened
    if early is not None and opened_early:
        fresh = early.fresh
    else:
        fresh = not index_dir.is_dir() or not any(index_dir.iterdir())
    why = "it could not be read"
    try:
        index = early.take() if early is not None and opened_early else SearchIndex.open(index_dir)
    except WhooshUnsupported:
        raise  # a whoosh we cannot read: rebuilding would fail the same way
    except IndexOutdated:
        why = "this version of Gloss indexes text differently"
    except Exception:  # any other failure to open means: rebuild from SQLite (issue 6)
        pass
    else:
        # A new or recreated index stays marked until one rebuild finishes (even an empty one).
        if (fresh or index.needs_rebuild) and not store.read_only:
            if not fresh:
                notices.append(REBUILT_NOTICE + " (an earlier rebuild had not finished).")
            elif store.one("SELECT 1 AS known FROM articles LIMIT 1"):
                notices.append(REBUILT_NOTICE + " (it was missing).")
            rebuild(store, index, None, progress, None)
        return index
    if store.read_only:
        # Nothing may be written beside a read-only library: search from a private copy.
        import atexit
        import tempfile

        index_dir = Path(tempfile.mkdtemp(prefix="gloss-read-only-index-"))
        atexit.register(shutil.rmtree, index_dir, ignore_errors=True)
    else:
        shutil.rmtree(index_dir, ignore_errors=True)
    try:
        index = SearchIndex.open(index_dir)
        rebuild(store, index, None, progress, None)
        notices.append(REBUILT_NOTICE + f" ({why}).")
    except (OSError, IndexDamaged) as error:
        from index.store.database import describe_os_error

        cause = error if isinstance(error, OSError) else error.__cause__
        why = describe_os_error(cause) if isinstance(cause, OSError) else str(error)
        raise StoreError(f"the search index cannot be rebuilt: {why}") from error
    return index


def rebuild(
    store: Store,
    index: SearchIndex,
    indexer: Indexer | None,
    progress: Progress | None,
    cancel: Cancel | None,
) -> int:
    """Index every document of the store afresh and clear the outbox it covers."""
    total = count_documents(store)
    row = store.one("SELECT max(seq) AS seq FROM outbox")
    covered = row["seq"] if row and row["seq"] is not None else 0

    def report(done: int) -> None:
        if progress:
            progress(done, total, "indexing")

    def run() -> int:
        count = _rebuild_pooled(store, index, total, report, cancel)
        if not store.read_only and not (cancel and cancel()):
            with store.write() as conn:
                conn.execute("DELETE FROM outbox WHERE seq <= ?", (covered,))
        return count

    if indexer is None:
        return run()
    with indexer.drain_lock:
        return run()


def _rebuild_pooled(store: Store, index: SearchIndex, total: int, report, cancel) -> int:
    """index.rebuild, its segments built in worker processes when the library is big
    enough for their start (about half a second) to pay, and when the machine has cores
    to spare; in this thread otherwise, or when the workers cannot start or die."""
    from concurrent.futures.process import BrokenProcessPool

    from index.importers import pool as workers
    from index.search.indexer import all_documents

    if total >= POOL_FROM_DOCUMENTS and workers.builder_count():
        try:
            with workers.builder_pool() as pool:
                return index.rebuild(all_documents(store), report, cancel, pool=pool)
        except BrokenProcessPool:
            pass  # (nothing was committed: done again here)
    return index.rebuild(all_documents(store), progress=report, cancel=cancel)


def count_documents(store: Store) -> int:
    row = store.one(
        "SELECT (SELECT count(*) FROM articles) + (SELECT count(*) FROM annotations) AS n"
    )
    return int(row["n"]) if row else 0
