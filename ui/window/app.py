"""Starting the window: the QApplication, opening the library off the GUI thread, the window,
and `--screenshot` (the window rendered offscreen at 1280×800 and saved as a PNG).

main.py calls `run_window(library_path, args)` and `screenshot(...)`; nothing else here is
needed from outside ui/.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the engine's Library loads with the library, not with the window's code
    from index import Library


SCREENSHOT_SIZE = (1280, 800)
WAIT_MS = 15000


def make_app() -> Any:
    """The QApplication (made once): Fusion style, names used by QSettings, the icon."""
    from PySide6.QtWidgets import QApplication

    from ui.window.icon import app_icon

    # The GUI thread waits for the GIL at most 1 ms behind an import's or the indexer's
    # Python threads (the default 5 ms made a highlight paint late during an import).
    sys.setswitchinterval(0.001)
    keep_mmap_threshold()
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "gloss"])
    app.setApplicationName("Gloss")
    app.setOrganizationName("Gloss")
    app.setApplicationDisplayName("Gloss")
    app.setStyle("Fusion")
    app.setWindowIcon(app_icon())
    return app


MMAP_THRESHOLD = 128 * 1024  # glibc's own first value, kept (M_MMAP_THRESHOLD is -3)


def keep_mmap_threshold() -> None:
    """Have glibc give every freed block over 128 KB back to the system at once.

    Searches make NumPy arrays of a few hundred KB to tens of MB and free them. glibc raises
    its mmap threshold to the largest block freed so far (up to 32 MB), after which such
    arrays come from heaps that keep the memory once freed: at 178,000 articles the window
    held 380-414 MB after 50 searches, 356-357 MB with the threshold kept (3 runs each).
    Elsewhere (not glibc) nothing is done."""
    if not sys.platform.startswith("linux"):
        return
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # a C library without mallopt
        ctypes.CDLL(None).mallopt(-3, MMAP_THRESHOLD)


def open_library(library_path: str | None) -> Any:
    """Open the library on a worker thread (opening may rebuild the search index), showing
    progress if it takes a while; raises StoreError with a one-line reason."""
    from PySide6.QtCore import QEventLoop

    from index import Library
    from ui.common.workers import JobRunner
    from ui.window.importing import TaskRunner

    runner = JobRunner()
    tasks = TaskRunner(runner, None)
    loop = QEventLoop()
    outcome: dict[str, Any] = {}

    def work(progress, _cancel):
        # The search index opens after the window's first paint (MainWindow asks for it):
        # its cost grows with the library, the window's does not.
        return Library.open(library_path, background=True, progress=progress, defer_index=True)

    def finished(_name: str, library: Library) -> None:
        outcome["library"] = library
        loop.quit()

    def failed(_name: str, message: str) -> None:
        outcome["error"] = message
        loop.quit()

    tasks.finished.connect(finished)
    tasks.failed.connect(failed)
    tasks.start("open", "Opening the library", work)
    loop.exec()
    runner.shutdown()
    if "error" in outcome:
        from index import StoreError

        raise StoreError(outcome["error"])
    return outcome["library"]


def close_library(library: Library) -> None:
    """Close on a worker: closing finishes indexing what is queued (whoosh writes)."""
    import threading

    done = threading.Thread(target=library.close, name="gloss-close")
    done.start()
    done.join()


def run_window(library_path: str | None, args: Any = None) -> int:
    """Open the window on the library and run until it closes; the exit code (1, with one
    line on stderr, when Qt could not open a window here)."""
    from ui.window.platform_check import platform_problem

    problem = platform_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    app = make_app()
    from PySide6.QtWidgets import QMessageBox

    from ui.window.main_window import MainWindow
    from ui.window.settings import Settings

    try:
        library = open_library(library_path)
    except Exception as error:
        box = QMessageBox(QMessageBox.Icon.Critical, "Gloss", "")
        from PySide6.QtCore import Qt

        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(f"The library cannot be opened: {error}")
        box.exec()
        return 1
    settings = Settings(None, str(Path(library.path).resolve()))
    window = MainWindow(library, settings, app.windowIcon())
    from ui.window.notices import install_refusal_hook

    install_refusal_hook(window)
    _apply_args(window, args)
    window.show()
    code = app.exec()
    close_library(library)
    return code


def _apply_args(window: Any, args: Any) -> None:
    if args is None:
        return
    if getattr(args, "theme", None):
        window.apply_theme(args.theme)
    if getattr(args, "open", None):
        window.open_article(int(args.open))
    if getattr(args, "search", None):
        window.search_box.set_text(args.search)
        window.search.run_now()


def _settle(app, runner, timeout_s: float = WAIT_MS / 1000) -> None:
    """Let the jobs started by what was shown (the search's marks) finish and paint."""
    deadline = time.monotonic() + timeout_s
    while runner.busy() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()


def screenshot(
    path: str,
    library_path: str | None = None,
    open_id: int | None = None,
    search: str | None = None,
    theme: str | None = None,
) -> int:
    """Render the window at 1280×800 offscreen and save it as a PNG; the exit code."""
    from PySide6.QtCore import QCoreApplication

    if QCoreApplication.instance() is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = make_app()
    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    from ui.window.main_window import MainWindow
    from ui.window.settings import Settings

    try:
        library = open_library(library_path)
    except Exception as error:
        print(f"gloss: the library cannot be opened: {error}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="gloss-shot-") as scratch:
        store = QSettings(str(Path(scratch) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(library, Settings(store, str(library.path)), app.windowIcon())
        try:
            window.resize(*SCREENSHOT_SIZE)
            if theme:
                window.apply_theme(theme)
            window.show()
            if open_id is not None and not window.open_article(int(open_id)):
                print(f"gloss: no article with id {open_id}", file=sys.stderr)
            if search:
                loop = QEventLoop()
                window.search.results_ready.connect(loop.quit)
                window.search.failed.connect(loop.quit)
                QTimer.singleShot(WAIT_MS, loop.quit)
                window.search_box.set_text(search)
                window.search.run_now()
                loop.exec()
                _settle(app, window.runner)  # the reader's marks come from the search pool
            window.resize(*SCREENSHOT_SIZE)
            app.processEvents()
            saved = window.grab().save(str(path), "PNG")
        finally:
            window.close()
            window.deleteLater()
            app.processEvents()
            close_library(library)
    if not saved:
        print(f"gloss: could not write {path}", file=sys.stderr)
        return 1
    return 0
