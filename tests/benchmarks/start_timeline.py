"""Where the window's start goes, phase by phase, from process start to the first paint.

Usage: python tests/benchmarks/start_timeline.py LIBRARY [SORT]
  LIBRARY  any library (a scratch settings file is used: the welcome article opens)
  SORT     also profile the GUI thread's part (cProfile order: tottime or cumulative)

Prints the milliseconds at which the Qt core loaded, the window's code loaded, the library
opened (ui.window.app.open_library, on its worker), MainWindow was made and first painted:
as bench_children.py's `window` counts the first paint. Beside the wall clock, the CPU time
of the whole process (the library's own threads too) and of the GUI thread alone: on a
shared machine steadier than the wall clock.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()
STARTED_CPU = time.process_time()
STARTED_GUI = time.thread_time()

import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    marks: list[tuple[str, float, float, float]] = []

    def mark(name: str) -> None:
        wall = time.perf_counter() - STARTED
        cpu = time.process_time() - STARTED_CPU
        marks.append((name, wall, cpu, time.thread_time() - STARTED_GUI))

    import PySide6.QtCore  # noqa: F401 - its load is the first phase

    mark("Qt core")
    from tests.benchmarks.bench_children import show_until_painted
    from ui.window.app import close_library, make_app, open_library
    from ui.window.main_window import MainWindow  # noqa: F401 - the window's code, timed here
    from ui.window.settings import Settings  # noqa: F401

    mark("window code")
    app = make_app()
    profile = None
    if len(argv) > 2:
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    library = open_library(argv[1])
    mark("library opened")
    window, scratch, _ = show_until_painted(
        app, library, ".timeline-settings.ini", made=lambda: mark("MainWindow made")
    )
    mark("first paint")
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile).sort_stats(argv[2]).print_stats(30)
    print("    wall      cpu  GUI cpu (ms)")
    for name, wall, cpu, gui in marks:
        print(f"{wall * 1000:8.0f} {cpu * 1000:8.0f} {gui * 1000:8.0f}  {name}")
    window.close()
    close_library(library)
    scratch.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
