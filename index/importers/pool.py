"""Worker processes for the CPU-bound parts of a big import: parsing files, analysing text.

whoosh and our importers are pure Python, so threads share one core (the GIL). A large
import runs its files through a small process pool instead, while the importing thread
only writes finished articles to SQLite and the indexer thread has the main process to
itself. Results come back in the order the files were listed, so article ids follow
the folder order as they do without the pool.

The indexer does the same with an import's backlog (index/indexer.py): each worker
builds a segment of the index from a few thousand documents, and one commit adds them.

The pool is made for one import and shut down at its end ("spawn": no fork of a process
that runs Qt or whoosh threads). Small imports, and machines with one core, parse in the
calling thread: starting processes costs about half a second.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from index.importers import ImportProblem
from index.importers.items import Item
from index.importers.sources import read_source
from index.model import Article, Stored, stored_forms


@dataclass(slots=True)
class Ready:
    """A parsed article with its Stored forms (None when a figure names an image, whose
    block the import still completes: index/store/images.py)."""

    article: Article
    stored: Stored | None


def ready(article: Article) -> Ready:
    """`article` with its stored forms worked out (see Ready)."""
    figures = any(b.kind == "figure" and b.src for b in article.blocks)
    return Ready(article, None if figures else stored_forms(article))


Parsed = Ready | list[Item] | str  # a file's article, an export's items, or why not

POOL_FROM_FILES = 400  # fewer files than this are parsed in the calling thread
CHUNK = 32  # files per task: large enough that pickling is not the cost
BUILDER_NICENESS = 10
IN_FLIGHT = 3  # chunks queued per worker: bounds the parsed articles held in memory


def worker_count() -> int:
    """Processes for parsing: one per core (the main process only stores what they
    parse), none on one core, or GLOSS_WORKERS when set (0 turns the pool off)."""
    cores = os.cpu_count() or 1
    return _wanted(0 if cores < 2 else min(4, cores))


def parse_chunk(paths: list[str]) -> list[Parsed]:
    """In a worker: each file's article ready to store (Ready), an export's Items, or the
    one-line reason it cannot be imported."""
    out: list[Parsed] = []
    for path in paths:
        try:
            source = read_source(path)
            out.append(ready(source) if isinstance(source, Article) else source)
        except ImportProblem as error:
            out.append(str(error) or "unreadable")
    return out


def parse_all(paths: list[str], cancel: Callable[[], bool] | None) -> Generator[Parsed, None, None]:
    """Each path's Article or reason, in order; in worker processes when it pays.

    Stops early (without the rest) once `cancel()` turns true.
    """
    workers = worker_count() if len(paths) >= POOL_FROM_FILES else 0
    if workers == 0:
        yield from _in_thread(paths)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_follow_parent,
        initargs=(os.getpid(),),
    ) as pool:
        chunks = deque(paths[i : i + CHUNK] for i in range(0, len(paths), CHUNK))
        pending: deque[Future] = deque()
        try:
            while chunks or pending:
                while chunks and len(pending) < IN_FLIGHT * workers:
                    chunk = chunks.popleft()
                    future = pool.submit(parse_chunk, chunk)
                    future.chunk = chunk  # type: ignore[attr-defined]
                    pending.append(future)
                chunk_future = pending.popleft()
                try:
                    parsed = chunk_future.result()
                except BrokenProcessPool:
                    # a worker died (killed, or a parser crashed): the rest is read here
                    rest = [p for f in pending for p in f.chunk]  # type: ignore[attr-defined]
                    rest += [p for c in chunks for p in c]
                    pending.clear()
                    chunks.clear()
                    yield from _in_thread(chunk_future.chunk + rest)  # type: ignore[attr-defined]
                    return
                yield from parsed
                if cancel is not None and cancel():
                    return
        finally:
            for future in pending:
                future.cancel()


def builder_count() -> int:
    """Processes that build index segments: one per core (the main process waits for
    them), or GLOSS_WORKERS when set (0: the indexer thread writes alone)."""
    return _wanted(max(1, min(4, os.cpu_count() or 1)))


def _wanted(default: int) -> int:
    """GLOSS_WORKERS when it is a number, else `default`."""
    wanted = os.environ.get("GLOSS_WORKERS", "").strip()
    return int(wanted) if wanted.isdigit() else default


@contextlib.contextmanager
def builder_pool() -> Iterator[ProcessPoolExecutor]:
    """Worker processes for SearchIndex.add_segments, for one drain of a backlog."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=builder_count(),
        mp_context=context,
        initializer=_yield_to_import,
        initargs=(os.getpid(),),
    ) as pool:
        yield pool


def _yield_to_import(parent: int) -> None:
    """Builders run at a lower priority: while files are still being read, the reading
    (what makes articles openable) goes first and the index follows with what is left."""
    _follow_parent(parent)
    with contextlib.suppress(OSError, AttributeError):
        os.nice(BUILDER_NICENESS)


def _follow_parent(parent: int) -> None:
    """A worker ends when the program that started it is gone (killed, crashed): it would
    otherwise wait forever on a queue whose writing end it holds itself."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="gloss-worker-watch", daemon=True).start()


def _in_thread(paths: list[str]) -> Iterator[Parsed]:
    for path in paths:
        yield from parse_chunk([path])
