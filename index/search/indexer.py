"""The outbox → whoosh pump, and the documents it builds from the store.

The outbox holds document ids ("a:12", "n:<uuid>") written in the same
transaction as the change. Draining reads each id's current state from SQLite
(gone means delete), applies a batch to the index in one whoosh commit, then
deletes exactly the outbox rows it handled. A crash between the commit and the
delete only replays idempotent upserts. Exactly one thread drains at a time.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import shutil
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from concurrent import futures
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import Any

from index.importers import pool as workers
from index.search import merge as search_merge
from index.search.engine import INDEX_NAME, SearchIndex
from index.store.database import Store, StoreError
from index.wording import count_of

BATCH = 500  # outbox rows read and applied at a time
# A backlog this long (an import) is built by worker processes (with none, by long-lived
# writers): indexed in this process it held the GIL from the window's thread, and a
# highlight made during a 2,000-file import waited behind it.
BULK_AT = 500
FIRST_COMMIT_S = 3.0  # without workers: the first commit of a backlog; then twice as long
MAX_COMMIT_S = 60.0
FIRST_SEGMENT_DOCS = 1_000  # with workers: documents per segment in the first round...
SEGMENT_DOCS = 3_000  # ...and after (about what a worker's 128 MB of postings hold)
WAIT_S = 0.25  # with a worker free, how often the outbox is looked at again


def article_doc(store: Store, article_id: int) -> dict[str, Any] | None:
    row = store.one(
        "SELECT id, title, author, date, reading_text FROM articles WHERE id = ?", (article_id,)
    )
    if row is None:
        return None
    return _article_doc(row, _article_tag_names(store, article_id))


def _article_doc(row, tags: list[str]) -> dict[str, Any]:
    return {
        "kind": "article",
        "id": f"a:{row['id']}",
        "article_id": row["id"],
        "title": row["title"],
        "author": row["author"],
        "date": row["date"],
        "body": row["reading_text"],
        "tags": tags,
    }


def _article_tag_names(store: Store, article_id: int) -> list[str]:
    rows = store.read(
        """SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id
            WHERE at.article_id = :a
           UNION
           SELECT t.name FROM annotations n JOIN annotation_tags nt ON nt.annotation_id = n.id
             JOIN tags t ON t.id = nt.tag_id WHERE n.article_id = :a""",
        {"a": article_id},
    )
    return sorted({r["name"] for r in rows}, key=str.casefold)


_ANNOTATION_SQL = """
SELECT n.id, n.article_id, n.exact, n.note, n.color, n.orphaned,
       a.title, a.author, a.date,
       (SELECT group_concat(t.name, char(31)) FROM annotation_tags nt
         JOIN tags t ON t.id = nt.tag_id WHERE nt.annotation_id = n.id) AS tag_names
FROM annotations n JOIN articles a ON a.id = n.article_id
"""


def _annotation_doc(row) -> dict[str, Any]:
    return {
        "kind": "annotation",
        "id": f"n:{row['id']}",
        "annotation_id": row["id"],
        "article_id": row["article_id"],
        "title": row["title"],
        "author": row["author"],
        "date": row["date"],
        "quote": row["exact"],
        "note": row["note"],
        "tags": row["tag_names"].split("\x1f") if row["tag_names"] else [],
        "color": row["color"],
        "orphaned": bool(row["orphaned"]),
    }


def annotation_doc(store: Store, annotation_id: str) -> dict[str, Any] | None:
    row = store.one(f"{_ANNOTATION_SQL} WHERE n.id = ?", (annotation_id,))
    return None if row is None else _annotation_doc(row)


def document(store: Store, doc_id: str) -> dict[str, Any] | None:
    """The search document for an outbox id as the store holds it now, None if gone."""
    kind, _, key = doc_id.partition(":")
    if kind == "a":
        return article_doc(store, int(key))
    if kind == "n":
        return annotation_doc(store, key)
    return None


def documents(store: Store, doc_ids: list[str]) -> dict[str, dict[str, Any] | None]:
    """Several outbox ids' documents at once (None for the gone ones): one query for the
    articles among them instead of one each."""
    out: dict[str, dict[str, Any] | None] = {}
    article_ids = [int(d[2:]) for d in doc_ids if d.startswith("a:")]
    for start in range(0, len(article_ids), 500):
        chunk = article_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        tags: dict[int, set[str]] = {}
        for row in store.read(
            f"""SELECT at.article_id AS a, t.name FROM article_tags at
                  JOIN tags t ON t.id = at.tag_id WHERE at.article_id IN ({marks})
                UNION SELECT n.article_id, t.name FROM annotations n
                  JOIN annotation_tags nt ON nt.annotation_id = n.id
                  JOIN tags t ON t.id = nt.tag_id WHERE n.article_id IN ({marks})""",
            (*chunk, *chunk),
        ):
            tags.setdefault(row["a"], set()).add(row["name"])
        for row in store.read(
            f"SELECT id, title, author, date, reading_text FROM articles WHERE id IN ({marks})",
            tuple(chunk),
        ):
            names = sorted(tags.get(row["id"], ()), key=str.casefold)
            out[f"a:{row['id']}"] = _article_doc(row, names)
    for doc_id in doc_ids:
        if doc_id not in out:
            out[doc_id] = None if doc_id.startswith("a:") else document(store, doc_id)
    return out


@dataclass(slots=True)
class _Batch:
    """Outbox rows read for a writer, and their documents."""

    last_seq: int
    rows: int
    upserts: list[dict[str, Any]]
    deletes: list[str]
    cut: bool  # stopped before an id the writer already has: the writer ends after it


def all_documents(store: Store) -> Iterator[dict[str, Any]]:
    """Every document the index should hold, for a rebuild (streamed, not held whole)."""
    tags_by_article: dict[int, set[str]] = {}
    for row in store.read(
        """SELECT at.article_id AS a, t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id
           UNION SELECT n.article_id, t.name FROM annotations n
             JOIN annotation_tags nt ON nt.annotation_id = n.id JOIN tags t ON t.id = nt.tag_id"""
    ):
        tags_by_article.setdefault(row["a"], set()).add(row["name"])
    conn = store.connection()
    cursor = conn.execute("SELECT id, title, author, date, reading_text FROM articles ORDER BY id")
    while rows := cursor.fetchmany(200):
        for row in rows:
            tags = sorted(tags_by_article.get(row["id"], ()), key=str.casefold)
            yield _article_doc(row, tags)
    for row in store.read(f"{_ANNOTATION_SQL} ORDER BY n.article_id"):
        yield _annotation_doc(row)


_ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


def _environment_failure(error: BaseException) -> str | None:
    """The user's words when a whoosh write failed because of the disk, else None.

    Also lets the failed writer go: whoosh releases its write lock only when
    the writer object is collected, and the frames of the failed commit (held
    by the tracebacks) keep it alive; dropping them and collecting frees it.
    """
    from index.store.database import describe_os_error

    chain: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    cause = next((e for e in chain if isinstance(e, OSError)), None)
    if cause is None or cause.errno not in _ENVIRONMENT_ERRNOS:
        return None
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None  # its files fail to flush on a full disk
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)  # the writer's half-written files
            for link in chain:
                link.__traceback__ = None
            gc.collect()
    finally:
        sys.unraisablehook = hook
    return describe_os_error(cause)


class Indexer:
    """Drains the outbox into the search index, on demand or in a background thread."""

    def __init__(self, store: Store, index: SearchIndex) -> None:
        self.store = store
        self.index = index
        # Held while draining; others (a rebuild, a restore) hold it to keep the index still.
        self.drain_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self.error: str | None = None
        self.on_error: Callable[[str], None] | None = None
        self.after_drain: Callable[[], None] | None = None  # the Library's mirror sync
        self.listeners: list[Callable[[], None]] = []  # told after each commit (see committed)
        self.no_builders = False  # set when worker processes failed: index in this thread
        self._import_step = 0  # an import's written articles, in BULK_AT steps (import_wrote)

    def pending(self) -> int:
        row = self.store.one("SELECT count(*) AS n FROM outbox")
        return int(row["n"]) if row else 0

    def pending_documents(self) -> tuple[int, int]:
        """(articles, passages) changed in the store and not yet searchable as they are now."""
        row = self.store.one(
            "SELECT count(DISTINCT CASE WHEN doc_id LIKE 'a:%' THEN doc_id END) AS a,"
            " count(DISTINCT CASE WHEN doc_id LIKE 'n:%' THEN doc_id END) AS n FROM outbox"
        )
        return (int(row["a"]), int(row["n"])) if row else (0, 0)

    def import_wrote(self, written: int) -> None:
        """An import has written `written` articles so far (called after each of its
        batches): wake the drain at each BULK_AT more, a backlog worth the workers,
        rather than at its next look (up to 5 s later, the workers idle meanwhile)."""
        step = written // BULK_AT
        if step != self._import_step:
            self._import_step = step
            if step:
                self.notify()

    def committed(self) -> None:
        """Tell every listener that the index changed (the outbox rows it covered are gone).

        Called on the thread that committed; a listener that fails is left out of the way
        of indexing (the window's listener only posts a signal).
        """
        for listener in list(self.listeners):
            with contextlib.suppress(Exception):
                listener()

    def drain(self, *, limit: int | None = None) -> int:
        """Apply queued changes to the index now, in batches; return how many ids were handled.

        A long backlog (an import) is indexed in rounds: worker processes each build a
        segment of a few thousand documents in parallel, and one commit adds them all
        (index/workers.py). The first round is small, so the first articles are
        searchable within seconds. Without workers, one writer takes batches until a
        commit interval passes, the interval doubling each time.
        """
        handled = 0
        with self.drain_lock, contextlib.ExitStack() as stack:
            interval, pool = FIRST_COMMIT_S, None
            while limit is None or handled < limit:
                bulk = limit is None and not self.store.read_only and self.pending() >= BULK_AT
                if bulk and pool is None and workers.builder_count() and not self.no_builders:
                    pool = stack.enter_context(workers.builder_pool())
                if bulk and pool is not None:
                    try:
                        done = self._pipeline(pool)
                    except BrokenProcessPool:
                        # workers that cannot start or died: this thread writes alone from now
                        self.no_builders, pool = True, None
                        continue
                else:
                    until = time.monotonic() + interval if bulk else None
                    done = self._guarded(partial(self._write_batches, until))
                    interval = min(2 * interval, MAX_COMMIT_S) if bulk else interval
                if not done:
                    break
                handled += done
                if self.store.read_only:
                    break
            if pool is not None and not self._stop.is_set():
                try:
                    handled += self._tidy(pool)
                except BrokenProcessPool:
                    self.no_builders = True
        if self.after_drain is not None:
            self.after_drain()
        return handled

    def _tidy(self, pool) -> int:
        """After an import's backlog: merge its many segments into a few in the workers,
        committing passages made meanwhile; returns the outbox rows handled meanwhile."""
        plan = self.index.tidy_plan(workers.builder_count())
        if not plan:
            return 0
        folder = self.index.folder
        search_merge.remove_leftovers(folder)
        jobs = []
        for group in plan:
            side = search_merge.side_folder(folder)
            job = pool.submit(search_merge.merge, str(folder), str(side), INDEX_NAME, group)
            jobs.append((side, job))
        handled, waiting = 0, {job for _, job in jobs}
        while waiting and not self._stop.is_set():
            _, waiting = futures.wait(waiting, timeout=0.25)
            handled += self._guarded(lambda: self._write_batches(None))
        if self._stop.is_set():  # closing: the merges are dropped, not waited for
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
        for side, job in jobs:
            try:
                merged, live = job.result() if not self._stop.is_set() else (None, None)
            except (BrokenProcessPool, OSError):
                merged = None
            if merged is None or live is None:
                shutil.rmtree(side, ignore_errors=True)
                continue
            self._told(partial(self.index.adopt, side, merged, live))
        return handled

    def _finish_tidy(self) -> None:
        """A tidy that a quit interrupted is done again at the next start, in the background."""
        if self.store.read_only or not workers.builder_count() or self.no_builders:
            return
        if not self.index.tidy_plan(workers.builder_count()):
            return
        with self.drain_lock, workers.builder_pool() as pool:
            self._tidy(pool)

    def settled(self) -> bool:
        """Nothing queued and no drain or tidy running (the benchmark waits for this)."""
        return not self.drain_lock.locked() and self.pending() == 0

    def _guarded(self, write: Callable[[], tuple[int, int]]) -> int:
        """Run one commit's `write`, then forget the outbox rows it handled."""
        last_seq, handled = self._told(write)
        if handled and not self.store.read_only:
            with self.store.write() as conn:
                conn.execute("DELETE FROM outbox WHERE seq <= ?", (last_seq,))
        if handled:
            self.committed()
        return handled

    def _told(self, action: Callable[[], Any]) -> Any:
        """Run an index write; a full or read-only disk becomes a StoreError in the user's
        words."""
        try:
            return action()
        except Exception as error:
            why = _environment_failure(error)
            if why is None:
                raise
            left = self.pending()
            raise StoreError(
                f"the search index cannot be updated ({why}): {count_of(left, 'change')} "
                f"{'waits' if left == 1 else 'wait'}, indexed once there is room"
            ) from None

    def _pipeline(self, pool) -> int:
        """Build the backlog as segments in the worker processes and commit each as it is
        done, in order; returns the outbox rows handled.

        One segment more than there are workers waits in the pool's queue, so a worker that
        finishes takes the next at once: the workers never wait for the slowest of them,
        for a commit or for the reading of the next documents. The first segments are
        small (the first articles are searchable within seconds); while every worker is
        busy, only a full segment is queued, so a backlog still being filled by an
        import is not cut into small ones. Commits follow the outbox's order: the rows a
        commit forgets are all in it or in those before it.
        """
        search_merge.remove_leftovers(self.index.folder)  # builds a kill stopped
        builders, handled, made, read_seq = workers.builder_count(), 0, 0, 0
        flight: deque[tuple[Any, _Batch]] = deque()
        try:
            while True:
                while len(flight) <= builders and not self._stop.is_set():
                    size = FIRST_SEGMENT_DOCS if made < builders else SEGMENT_DOCS
                    # a full segment to queue; a backlog's worth for a worker that is free
                    least = size if len(flight) >= builders else BULK_AT if flight else 1
                    batch = self._read_segment(read_seq, size, least)
                    if batch is None:
                        break
                    building = (
                        self.index.start_segment(pool, batch.upserts) if batch.upserts else None
                    )
                    flight.append((building, batch))
                    read_seq, made = batch.last_seq, made + 1
                if not flight:
                    return handled
                oldest = flight[0][0]
                free = len(flight) <= builders and not self._stop.is_set()
                if free and oldest is not None and not oldest.future.done():
                    # a worker may be free: look at the outbox again soon
                    futures.wait([oldest.future], timeout=WAIT_S)
                    continue
                handled += self._guarded(partial(self._commit_built, *flight.popleft()))
        finally:
            for building, _ in flight:  # a worker failed: the rows stay queued
                if building is not None:
                    building.future.cancel()
                    shutil.rmtree(building.side, ignore_errors=True)

    def _commit_built(self, building, batch: _Batch) -> tuple[int, int]:
        """Commit a built segment (None: deletions only); (last seq, rows) for _guarded."""
        replaced = [*batch.deletes, *(d["id"] for d in batch.upserts)]
        self.index.add_built(building, replaced)
        return batch.last_seq, batch.rows

    def _read_segment(self, after_seq: int, size: int, least: int) -> _Batch | None:
        """Up to `size` documents of the outbox after `after_seq`; None when there are
        fewer than `least` rows there."""
        if least > 1:
            row = self.store.one("SELECT count(*) AS n FROM outbox WHERE seq > ?", (after_seq,))
            if row is None or row["n"] < least:
                return None
        taken: set[str] = set()
        found = _Batch(after_seq, 0, [], [], False)
        while len(found.upserts) < size:
            batch = self._next_batch(found.last_seq, taken)
            if batch is None:
                break
            found.upserts += batch.upserts
            found.deletes += batch.deletes
            found.last_seq, found.rows = batch.last_seq, found.rows + batch.rows
            if batch.cut:
                break
        return found if found.rows else None

    def _write_batches(self, until: float | None) -> tuple[int, int]:
        """Feed outbox batches to one index writer and commit; (last seq, rows handled).

        An id already taken by this writer ends it: the next writer takes it.
        """
        last_seq, handled = 0, 0
        if not self.store.one("SELECT 1 AS queued FROM outbox LIMIT 1"):
            return last_seq, handled  # nothing queued: no writer, no empty commit
        with self.index.batch() as add:
            taken: set[str] = set()
            while True:
                batch = self._next_batch(last_seq, taken)
                if batch is None:
                    break
                add(batch.upserts, batch.deletes)
                last_seq, handled = batch.last_seq, handled + batch.rows
                if until is None or batch.cut or self._stop.is_set():
                    break
                if time.monotonic() >= until:
                    break
        return last_seq, handled

    def _next_batch(self, after_seq: int, taken: set[str]) -> _Batch | None:
        """The outbox rows after `after_seq`, up to BATCH, stopping before an id in `taken`."""
        rows = self.store.read(
            "SELECT seq, doc_id FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
            (after_seq, BATCH),
        )
        again = next((i for i, r in enumerate(rows) if r["doc_id"] in taken), None)
        if again is not None:
            rows = rows[:again]
        if not rows:
            return None
        ids = list(dict.fromkeys(r["doc_id"] for r in rows))
        taken.update(ids)
        found = documents(self.store, ids)
        upserts = [doc for i in ids if (doc := found.get(i)) is not None]
        deletes = [i for i in ids if found.get(i) is None]
        return _Batch(rows[-1]["seq"], len(rows), upserts, deletes, again is not None)

    # -- background thread ------------------------------------------------------

    def start(self) -> None:
        """Run drains in a daemon thread, woken by `notify()` after each write."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="gloss-indexer", daemon=True)
            self._thread.start()

    def notify(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        if not self.store.read_only:  # segments a kill stopped half built, beside the index
            with self.drain_lock:
                search_merge.remove_leftovers(self.index.folder)
        try:
            self._finish_tidy()
        except Exception as error:  # the index stays as it is: searchable, just less tidy
            self.error = f"tidying the index failed: {error}"
        while not self._stop.is_set():
            self._wake.wait(timeout=5.0)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.drain()
                self.error = None
            except Exception as error:  # shown in the status bar; the rows stay queued
                self.error = f"indexing failed: {error}"
                if self.on_error:
                    self.on_error(self.error)
            with self._idle:
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until the outbox is empty (or the timeout passes); True when drained."""
        if self._thread is None:
            self.drain()
            return self.pending() == 0
        end = time.monotonic() + timeout
        with self._idle:
            while self.pending():
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.notify()
                self._idle.wait(min(left, 0.2))
        return True

    def stop(self) -> None:
        """Stop the background thread after its current batch."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
