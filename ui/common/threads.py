"""A pool of long-lived Python threads for the window's jobs (searches, writes, imports).

Why not QThreadPool: a QThreadPool thread is not a Python thread. Each time it runs a
Python job, PySide gives the job a new interpreter thread state and drops it at the end,
so everything the engine keeps per thread (`threading.local`: the SQLite connection, the
search index's searcher with its joined postings and statistics) is made again for every
job and never reused. At 178,000 articles that turned a 6 ms search into 60-120 ms, and
every job left one more SQLite connection open until the library closed. Threads made by
`threading` keep their state for their whole life, so the engine's per-thread caches work.

The jobs are objects with a `run()` method, run in the order given.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from typing import Protocol


class Runnable(Protocol):
    def run(self) -> None: ...


class Call:
    """A plain function as a pool's job."""

    def __init__(self, function: Callable[[], object]) -> None:
        self.function = function

    def run(self) -> None:
        self.function()


class PythonPool:
    """Runs jobs on up to `threads` Python threads, started when first needed. A thread
    lives until `stop()` (the window closes) or until it has been idle for `idle_exit_s`."""

    def __init__(self, name: str, threads: int = 1, *, idle_exit_s: float = 600.0) -> None:
        self.name = name
        self.most = max(1, threads)
        self.idle_exit_s = idle_exit_s
        self._queue: deque[Runnable] = deque()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._idle = 0  # threads waiting for a job
        self._running = 0  # jobs being run
        self._stopping = False

    def start(self, job: Runnable) -> None:
        """Queue `job`; it runs after the jobs queued before it (one thread: in order)."""
        with self._cond:
            self._queue.append(job)
            if self._idle == 0 and len(self._threads) < self.most:
                thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
                self._threads.append(thread)
                thread.start()
            self._cond.notify()

    def clear(self) -> None:
        """Drop the jobs not started yet (the running ones go on)."""
        with self._cond:
            self._queue.clear()
            self._cond.notify_all()

    def busy(self) -> bool:
        with self._cond:
            return bool(self._queue) or self._running > 0

    def wait_done(self, timeout_ms: int = -1) -> bool:
        """Block until no job is queued or running; False when `timeout_ms` passed first
        (a negative timeout waits as long as it takes)."""
        deadline = None if timeout_ms < 0 else time.monotonic() + timeout_ms / 1000
        with self._cond:
            while self._queue or self._running:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def stop(self, timeout_ms: int = 30000) -> bool:
        """Let the queued jobs finish, then end the threads; True when all ended in time.
        A job queued later starts a new thread."""
        done = self.wait_done(timeout_ms)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            threads = list(self._threads)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, timeout_ms / 1000) if done else 0.0)
        with self._cond:
            self._stopping = False
        return done and not any(t.is_alive() for t in threads)

    def _serve(self) -> None:
        me = threading.current_thread()
        while True:
            with self._cond:
                self._idle += 1
                idle_since = time.monotonic()
                while not self._queue and not self._stopping:
                    left = self.idle_exit_s - (time.monotonic() - idle_since)
                    if left <= 0:
                        break
                    self._cond.wait(left)
                self._idle -= 1
                if not self._queue:  # stopping, or idle too long: this thread ends
                    self._threads.remove(me)
                    self._cond.notify_all()
                    return
                job = self._queue.popleft()
                self._running += 1
            try:
                job.run()
            except Exception:  # a job's own bug: told on stderr, the thread serves on
                traceback.print_exc()
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()
