"""The benchmark's measurements that need a process of their own, one JSON line each.

Run by tests/benchmarks/bench.py as `python bench_children.py MODE LIBRARY [ARG]`:

- import LIBRARY FOLDER: the user's import path (Library.open as the window opens it, with
  the background indexer; import_paths; then wait until the index has drained). Readable is
  when import_paths returns (every article is in the store and openable); searchable is when
  the outbox is empty. Peak RSS is this process's high-water mark.
- open LIBRARY QUERY: a cold open of the library in a new process, then the first query.
- window LIBRARY QUERIES_FILE: the window offscreen: the first paint from process start,
  opening articles, and resident memory after browsing 50 articles and 50 searches.
- highlight LIBRARY FOLDER: the window offscreen on a small library while FOLDER (the BBC
  stories) is imported beside it, as File › Import Folder runs it: 100 highlights made with
  the H command, each timed to painted (the reader repainted with it) and to committed
  (the writer's answer on the GUI thread).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def rss_mb(kind: str = "VmRSS") -> float:
    """Resident memory now, from /proc (Linux): all of it, or one part ("RssAnon": the
    process's own memory; "RssFile": pages of mapped files, the index's among them, which
    the system takes back when it needs them)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(kind + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tree_cpu_s() -> dict[str, float]:
    """CPU seconds so far of this process ("main"), of its children waited for ("ended":
    the import's parse workers) and of those still running ("running": the index
    builders; read from /proc, Linux only)."""
    own, ended = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    running = 0.0
    me, tick = os.getpid(), os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:  # utime, stime: fields 14 and 15 of stat
            running += (int(fields[11]) + int(fields[12])) / tick
    return {
        "main": own.ru_utime + own.ru_stime,
        "ended": ended.ru_utime + ended.ru_stime,
        "running": running,
    }


def _cpu_since(before: dict[str, float]) -> dict[str, float]:
    now = tree_cpu_s()
    spent = {k: round(now[k] - before[k], 2) for k in now}
    spent["all"] = round(sum(spent.values()), 2)
    return spent


def measure_import(library: str, folder: str) -> dict:
    """Readable, searchable and tidied times, with the CPU seconds (all processes) spent
    by each point; with BENCH_IMPORT_NO_TIDY=1 the library is closed once searchable."""
    from index.library import Library

    lib = Library.open(library, background=True, create_welcome=False)
    start, cpu_start = time.perf_counter(), tree_cpu_s()
    # The copies are near-copies of each other by design (same titles, 3 % of words changed):
    # all of them are imported, as the figures in the README count them.
    report = lib.import_paths([folder], keep_near_duplicates=True)
    readable, cpu_readable = time.perf_counter() - start, _cpu_since(cpu_start)
    drained = lib.wait_indexed(timeout=3600)
    searchable, cpu_searchable = time.perf_counter() - start, _cpu_since(cpu_start)
    while os.environ.get("BENCH_IMPORT_NO_TIDY") != "1" and not lib.indexer.settled():
        time.sleep(0.1)  # the segments merged after the import ("tidy")
    tidied = time.perf_counter() - start
    segments = len(lib.index._ix._segments())
    peak = peak_rss_mb()
    lib.close()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "workers_peak_rss_mb": children.ru_maxrss / 1024,
        # CPU time of the whole run (to the tidy's end): on a shared machine a steadier
        # figure than the wall clock; the workers' share is the reading, building, merging
        "cpu_s": own.ru_utime + own.ru_stime,
        "workers_cpu_s": children.ru_utime + children.ru_stime,
        "imported": report.imported,
        "duplicates": report.duplicates,
        "failed": len(report.failed),
        "readable_s": readable,
        "searchable_s": searchable,
        "readable_cpu_s": cpu_readable,  # all processes, from the import's start
        "searchable_cpu_s": cpu_searchable,
        "tidied_s": tidied,
        "segments": segments,
        "drained": drained,
        "peak_rss_mb": peak,
    }


def measure_open(library: str, query: str) -> dict:
    from index.library import Library

    start = time.perf_counter()
    lib = Library.open(library, background=True, create_welcome=False)
    opened = time.perf_counter() - start
    result = lib.search(query, limit=20)
    first = time.perf_counter() - start - opened
    lib.close()
    return {"open_s": opened, "first_query_s": first, "hits": result.total}


def show_until_painted(app, library, scratch_name: str, made=None):
    """A MainWindow on the open `library` (a scratch settings file beside it), shown at
    1280×800 and run until its first Paint event: (window, scratch file, the paint's
    perf_counter time); `made()` is called once the window is made. The window child and
    start_timeline.py count the paint alike."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QTimer

    from ui.window.main_window import MainWindow
    from ui.window.settings import Settings

    scratch = Path(library.path) / scratch_name
    settings = Settings(QSettings(str(scratch), QSettings.Format.IniFormat), str(library.path))
    window = MainWindow(library, settings, app.windowIcon())
    if made is not None:
        made()
    painted: dict[str, float] = {}
    loop = QEventLoop()

    class FirstPaint(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint and "at" not in painted:
                painted["at"] = time.perf_counter()
                QTimer.singleShot(0, loop.quit)
            return False

    watcher = FirstPaint()
    window.installEventFilter(watcher)
    window.resize(1280, 800)
    window.show()
    loop.exec()
    window.removeEventFilter(watcher)
    return window, scratch, painted["at"]


def measure_window(library: str, queries_file: str) -> dict:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QEventLoop

    from ui.window.app import close_library, make_app, open_library

    app = make_app()
    library = open_library(library)
    window, scratch, painted_at = show_until_painted(app, library, ".bench-settings.ini")
    first_paint = painted_at - STARTED
    app.processEvents()

    every = list(library.article_columns().ids)  # the ids only: the harness's own memory
    ids = every[:: max(1, len(every) // 50)][:50]
    opens, opened_at = [], []
    for article_id in ids:
        start = time.perf_counter()
        window.open_article(article_id)
        app.processEvents()
        opens.append(time.perf_counter() - start)
        opened_at.append(start - painted_at)  # when, after the paint (the list arrives)

    queries = Path(queries_file).read_text(encoding="utf-8").splitlines()[:50]
    shown = []  # a query given (its debounce over) → its results laid out and drawn
    for query in queries:
        done = QEventLoop()
        window.search.results_ready.connect(done.quit)
        window.search.failed.connect(done.quit)
        start = time.perf_counter()
        window.search_box.set_text(query)
        window.search.run_now()
        done.exec()
        app.processEvents()
        window.search_panel.view.viewport().repaint()
        shown.append(time.perf_counter() - start)
        window.search.results_ready.disconnect(done.quit)
        window.search.failed.disconnect(done.quit)
    app.processEvents()
    browsing = rss_mb()
    window.close()
    close_library(library)
    scratch.unlink(missing_ok=True)
    return {
        "first_paint_s": first_paint,
        "article_open_s": opens,
        "article_open_at_s": opened_at,
        "search_shown_s": shown,
        "browsing_rss_mb": browsing,
        "browsing_anon_mb": rss_mb("RssAnon"),
        "browsing_file_mb": rss_mb("RssFile"),
        "peak_rss_mb": peak_rss_mb(),
    }


def measure_highlight(library: str, folder: str, times: int = 100) -> dict:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import random

    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    from ui.window.app import close_library, make_app, open_library
    from ui.window.main_window import MainWindow
    from ui.window.settings import Settings

    app = make_app()
    seed = Path(library).with_name("highlight-seed")
    seed.mkdir(parents=True, exist_ok=True)
    stories = sorted(Path(folder).rglob("*.txt"))[:3]
    for n, story in enumerate(stories):
        (seed / f"story-{n}.txt").write_bytes(story.read_bytes())
    lib = open_library(library)
    lib.import_paths([seed])
    scratch = Path(lib.path) / ".bench-settings.ini"
    settings = Settings(QSettings(str(scratch), QSettings.Format.IniFormat), str(lib.path))
    window = MainWindow(lib, settings, app.windowIcon())
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    article = lib.list_articles()[0].id
    window.open_article(article)
    app.processEvents()
    importing = {"done": False}
    window.tasks.finished.connect(lambda _name, _result: importing.update(done=True))
    assert window.import_paths([folder])  # as File › Import Folder runs it
    rng = random.Random(7)
    text = window.reader.text
    words = [i for i in range(1, len(text) - 40) if text[i - 1] == " "]
    painted, committed, during = [], [], 0
    store_s: list[float] = []  # trigger → stored (the rest of committed is the answer's trip)
    stored_at: list[float] = []  # when each write was stored, on the writer thread
    lib.on_changes(lambda _changes: stored_at.append(time.perf_counter()))
    for _ in range(times):
        start = rng.choice(words)
        window.reader.select_range(start, start + rng.randint(8, 30))
        landed = QEventLoop()
        window.writer.landed.connect(landed.quit)
        window.writer.refused.connect(landed.quit)
        began = time.perf_counter()
        window.registry["highlight"].trigger()
        window.reader.viewport().repaint()
        painted.append(time.perf_counter() - began)
        if window.writer.pending():
            landed.exec()
        committed.append(time.perf_counter() - began)
        writes = [t for t in stored_at if t >= began]
        if writes:
            store_s.append(writes[0] - began)
        window.writer.landed.disconnect(landed.quit)
        window.writer.refused.disconnect(landed.quit)
        during += not importing["done"]
        pause = QEventLoop()
        QTimer.singleShot(rng.randint(10, 40), pause.quit)
        pause.exec()
    stored = len(lib.annotations(article_id=article))
    while not importing["done"]:
        app.processEvents()
        time.sleep(0.05)
    window.close()
    close_library(lib)
    scratch.unlink(missing_ok=True)
    return {
        "painted_s": painted,
        "committed_s": committed,
        "stored_s": store_s,
        "during_import": during,
        "stored": stored,
    }


def measure_search(library: str, plan_file: str) -> dict:
    """The bench's search classes again in a fresh process, as a window that has just opened
    the library would run them, beside an FTS5 built here of the same files and passages
    (the plan: corpus files, passages, queries, written by bench.py)."""

    from index.library import Library
    from tests.benchmarks.bench import search_classes, start_backup_done
    from tests.benchmarks.bench_corpus import Query
    from tests.benchmarks.bench_reference import Fts5

    plan = json.loads(Path(plan_file).read_text(encoding="utf-8"))
    fts = Fts5()
    fts.build(sorted(Path(plan["corpus"]).rglob("*.txt")))
    fts.add_passages([tuple(p) for p in plan["passages"]])
    queries = [
        Query(**{**q, "date_range": tuple(q["date_range"]) if q["date_range"] else None})
        for q in plan["queries"]
    ]
    lib = Library.open(library, background=True, create_welcome=False)
    try:
        start_backup_done(lib)
        lib.wait_indexed(timeout=600)
        return search_classes(lib, fts, queries)
    finally:
        lib.close()


def main(argv: list[str]) -> int:
    mode, library, arg = argv[1], argv[2], argv[3]
    measures = {
        "import": measure_import,
        "open": measure_open,
        "window": measure_window,
        "highlight": measure_highlight,
        "search": measure_search,
    }
    print(json.dumps(measures[mode](library, arg)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
