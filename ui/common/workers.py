"""Long jobs off the GUI thread: a QRunnable per job, progress and results as signals.

The engine's long calls are plain callables taking `progress(done, total, text)`
and `cancel()`; a `Job` runs one in a thread pool and turns progress into
signals, at most ~10 a second (the last one, done == total, always goes out).
The signals object is created on the GUI thread and owned by the `JobRunner`,
so it outlives the runnable and its slots run on the GUI thread.

Signals (JobSignals):
    progress(int, int, str): done, total, current item.
    finished(object): the callable's return value.
    failed(str): a one-line reason when the callable raised.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from ui.common.threads import PythonPool

PROGRESS_INTERVAL_S = 0.1

JobFunction = Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any]


class JobSignals(QObject):
    """The voice of one job; lives on the GUI thread."""

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)


class Job:
    """Runs `function(progress, cancel)` on a pool thread and reports through `signals`."""

    def __init__(self, name: str, function: JobFunction, signals: JobSignals) -> None:
        self.name = name
        self.function = function
        self.signals = signals
        self._cancel = threading.Event()
        self._last_report = 0.0
        self.done = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop at its next check; what it finished stays done."""
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _progress(self, done: int, total: int, text: str) -> None:
        now = time.monotonic()
        if done >= total or now - self._last_report >= PROGRESS_INTERVAL_S:
            self._last_report = now
            self.signals.progress.emit(done, total, text)

    def run(self) -> None:
        threading.current_thread().name = f"gloss-{self.name}"
        try:
            result = self.function(self._progress, self.cancelled)
        except Exception as error:  # reported to the user; the traceback goes to stderr
            traceback.print_exc()
            self.signals.failed.emit(one_line_error(error))
        else:
            self.signals.finished.emit(result)
        finally:
            self.done.set()


def one_line_error(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


class JobRunner(QObject):
    """Starts jobs on two pools (one for searches, one for imports and reindexing), keeps
    their signals alive until they finish, and stops them all at quit. Each pool is one
    Python thread (ui/common/threads.py says why not QThreadPool)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.search_pool = PythonPool("gloss-search")
        self.work_pool = PythonPool("gloss-work")
        self.jobs: list[Job] = []

    def start(
        self,
        name: str,
        function: JobFunction,
        *,
        search: bool = False,
        on_progress: Callable[[int, int, str], None] | None = None,
        on_finished: Callable[[object], None] | None = None,
        on_failed: Callable[[str], None] | None = None,
    ) -> Job:
        """Queue a job. The callbacks (slots of GUI-thread objects) are connected before it
        starts, so no report can be missed however fast the job is."""
        signals = JobSignals(self)
        job = Job(name, function, signals)
        if on_progress is not None:
            signals.progress.connect(on_progress)
        if on_finished is not None:
            signals.finished.connect(on_finished)
        if on_failed is not None:
            signals.failed.connect(on_failed)
        signals.finished.connect(self._on_finished)
        signals.failed.connect(self._on_failed)
        self.jobs.append(job)
        (self.search_pool if search else self.work_pool).start(job)
        return job

    @Slot(object)
    def _on_finished(self, _result: object) -> None:
        self._forget()

    @Slot(str)
    def _on_failed(self, _message: str) -> None:
        self._forget()

    def _forget(self) -> None:
        """Drop the job whose signals just reported its end (its other slots still run)."""
        signals = self.sender()
        for job in list(self.jobs):
            if job.signals is signals:
                self.jobs.remove(job)
                signals.deleteLater()

    def busy(self) -> bool:
        return any(not job.done.is_set() for job in self.jobs)

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel every job and wait for the pools; True when all stopped in time."""
        for job in self.jobs:
            job.cancel()
        self.search_pool.clear()
        self.work_pool.clear()
        ok = self.search_pool.stop(timeout_ms)
        return self.work_pool.stop(timeout_ms) and ok
