"""A rebuild's documents written as segments by the import's builders, then merged once.

A rebuild (the first open of an old or damaged index, `gloss reindex`) used to feed every
document through whoosh's writer in one thread: every posting a Python tuple, pooled,
sorted and handed back to the codec. Here the documents go in batches to bulk.py's
one-pass segment builder, in the worker processes when a pool is given (in this thread
otherwise), and the segments are merged into one by bulk_merge.py (in a worker too).
The result is one segment, written in the index folder but not yet listed: the caller
commits it in place of everything the index held.

A cancel, or any failure, removes the segments written so far: nothing of the rebuild
stays and the old index is untouched. A kill leaves files that no table of contents
lists (whoosh removes them at the next commit) and perhaps a merge's side folder (removed
by the next rebuild or tidy); the index's marker of an unfinished rebuild stays, so the
next open rebuilds again.
"""

from __future__ import annotations

import shutil
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage

from index.search import bulk
from index.search import merge as search_merge

SEGMENT_DOCS = 2_000  # documents per built segment (a progress report after each)
IN_FLIGHT = 3  # batches handed to the pool and not yet built (bounds the documents held)
CANCEL_EVERY = 64  # documents read between two looks at `cancel`

Progress = Callable[[int], None]
Cancel = Callable[[], bool]


def build_merged(
    folder: Path,
    indexname: str,
    docs: Iterable[dict],
    pool: Any = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> tuple[Any, int] | None:
    """Write `docs` as one new segment of the index in `folder`, not committed: returns
    (its whoosh Segment, or None when there were no documents; how many documents), or
    None when `cancel()` turned true (then nothing is left in the folder)."""
    search_merge.remove_leftovers(folder)  # side folders of merges a kill interrupted
    built: list = []
    merged = None
    result: tuple[Any, int] | None = None
    try:
        count = _build(folder, indexname, docs, pool, built, progress, cancel)
        if count is not None:
            if len(built) > 1:
                merged = _merge(folder, indexname, built, pool)
            kept = merged if merged is not None else (built[0] if built else None)
            if cancel is None or not cancel():
                result = (kept, count)
        return result
    finally:  # every segment written but the one returned (all of them on a cancel)
        storage = FileStorage(str(folder))
        for segment in [*built, *([merged] if merged is not None else [])]:
            if result is None or segment is not result[0]:
                _remove(storage, segment)


def _build(folder, indexname, docs, pool, built, progress, cancel) -> int | None:
    """Every document into segments (appended to `built` in order, their files moved into
    `folder`); the count, or None when cancelled. Each batch is built beside the index as
    the import's are (bulk.start_building); the builds under way when it stops are dropped
    with their folders."""
    pending: deque[tuple[bulk.Building, int]] = deque()
    count = 0

    def settle(wait: bool) -> None:
        nonlocal count
        while pending and (wait or pending[0][0].future.done()):
            building, size = pending.popleft()
            built.append(building.moved_into(folder))
            count += size
            if progress is not None:
                progress(count)
            wait = False

    batch: list[dict] = []
    try:
        for doc in docs:
            if cancel is not None and len(batch) % CANCEL_EVERY == 0 and cancel():
                return None
            batch.append(doc)
            if len(batch) == SEGMENT_DOCS:
                pending.append((bulk.start_building(pool, folder, indexname, batch), len(batch)))
                batch = []
                settle(wait=len(pending) >= IN_FLIGHT)
        if batch:
            pending.append((bulk.start_building(pool, folder, indexname, batch), len(batch)))
        while pending:
            if cancel is not None and cancel():
                return None
            settle(wait=True)
        return count
    finally:
        for building, _ in pending:  # cancelled or failed: nothing of them kept
            building.dropped()


def _merge(folder: Path, indexname: str, built: list, pool) -> Any:
    """The built segments merged into one (bulk_merge.py), its files moved into `folder`."""
    side = search_merge.side_folder(folder)
    try:
        if pool is not None:
            job = pool.submit(search_merge.merge, str(folder), str(side), indexname, built)
            merged, _ = job.result()
        else:
            merged, _ = search_merge.merge(str(folder), str(side), indexname, built)
        search_merge.move_in(side, folder, merged)
        return merged
    finally:
        shutil.rmtree(side, ignore_errors=True)


def _remove(storage: FileStorage, segment) -> None:
    """A segment's files (it is in no table of contents)."""
    for name in segment.list_files(storage):
        storage.delete_file(name)
