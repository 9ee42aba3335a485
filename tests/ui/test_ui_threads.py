"""The window's jobs run on long-lived Python threads (ui/common/threads.py).

On QThreadPool's threads every Python job started with a fresh interpreter thread state,
so the engine's per-thread SQLite connection and searcher were made again for each search
and each write, and each one left a connection (three open files) behind until the
library closed. These tests hold the pool's threads to what the engine relies on, and a
long run of searches and writes to a flat count of database connections.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest

from conftest import article_id, written
from index.store.database import DB_NAME
from ui.common.threads import PythonPool


class _Call:
    def __init__(self, function) -> None:
        self.function = function

    def run(self) -> None:
        self.function()


def _database_handles(library) -> int:
    """How many open files of this process are the library's database (one per connection)."""
    database = str(library.path / DB_NAME)
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # closed meanwhile
            count += os.readlink(f"/proc/self/fd/{fd}") == database
    return count


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir(), reason="counting open files needs /proc (Linux)"
)


def test_a_pool_thread_keeps_what_a_job_left_on_it_for_the_next_job():
    pool = PythonPool("test-pool")
    local = threading.local()
    seen: list[object] = []

    def job() -> None:
        seen.append(getattr(local, "mark", None))
        local.mark = len(seen)

    for _ in range(3):
        pool.start(_Call(job))
    assert pool.wait_done(5000)
    assert seen == [None, 1, 2]  # one thread, its state kept, the jobs in order
    assert pool.stop(5000)


def test_a_failing_job_does_not_stop_the_pool_and_a_stopped_pool_starts_again(capsys):
    pool = PythonPool("test-pool")
    ran: list[str] = []

    def boom() -> None:
        raise ValueError("a job's bug")

    pool.start(_Call(boom))
    pool.start(_Call(lambda: ran.append("after")))
    assert pool.wait_done(5000)
    assert ran == ["after"]
    assert "a job's bug" in capsys.readouterr().err
    assert pool.stop(5000)
    assert not [t for t in threading.enumerate() if t.name == "test-pool"]
    pool.start(_Call(lambda: ran.append("again")))
    assert pool.wait_done(5000)
    assert ran == ["after", "again"]
    assert pool.stop(5000)


def test_waiting_for_a_busy_pool_gives_up_at_its_timeout():
    pool = PythonPool("test-pool")
    release = threading.Event()
    pool.start(_Call(lambda: release.wait(10)))
    assert not pool.wait_done(50)
    assert pool.busy()
    release.set()
    assert pool.wait_done(5000)
    assert not pool.busy()
    assert pool.stop(5000)


@needs_proc
def test_many_searches_and_writes_in_the_window_open_no_more_connections(qtbot, window, library):
    controller = window.search
    answers: list[str] = []
    controller.results_ready.connect(lambda result: answers.append(result.query))

    def search(query: str) -> None:
        controller.set_query(query)
        controller.run_now()
        qtbot.waitUntil(lambda: answers[-1:] == [query] and not window.runner.busy())

    search("tidal")  # the search thread and its connection exist from here on
    window.open_article(article_id(library, "Notes on tidal"))
    written(qtbot, window)

    def highlight(words: str) -> None:
        start = window.reader.text.index(words)
        window.reader.select_range(start, start + len(words))
        window.registry["highlight"].trigger()
        written(qtbot, window)

    highlight("sluice gate")  # the writer's thread and connection exist from here on
    before = _database_handles(library)
    for query in ["wind", "tidal", "mill", "pump", "water", "tide"] * 3:
        search(query)
    for words in ["Tidal mills", "sea twice", "pond filled", "high tide", "wheel", "miller"]:
        highlight(words)
    assert answers[-1] == "tide"
    assert len(library.annotations(article_id=window.article.id)) == 7
    assert _database_handles(library) == before  # was one more connection per job
