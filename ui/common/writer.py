"""The window's one writing thread: every change to the library runs here, in order.

The GUI thread never writes (DESIGN.md, "Threads"): a write may wait seconds
for the database while an import holds it, and the window must not. A caller
paints its change at once, then hands the write to `Writer.submit` as a plain
callable; the answer comes back on the GUI thread: `done(result, changes)` with
the `Changes` the engine published while the job ran, or `refused(message)`
with the one-line reason the engine gave (read-only, disk full, a passage gone),
so the caller can roll its painting back. One thread keeps the writes in the
order the user made them (an undo right after a highlight undoes that one).

Signals:
    landed(object): the Changes of every job that completed, after its callback.
    refused(str): the reason of every refused job, after its callback.
"""

from __future__ import annotations

import itertools
import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from index import AnnotationError, Changes, StoreError
from ui.common.threads import PythonPool

if TYPE_CHECKING:  # the engine's Library loads with the library, not with the window's code
    from index import Library

# What the Library raises for a change it refuses: told to the user, never a crash.
REFUSALS = (StoreError, AnnotationError, KeyError)

Done = Callable[[Any, Changes], None]
Refused = Callable[[str], None]

WRITER_THREAD_NAME = "gloss-writer"


class _Job:
    def __init__(self, writer: Writer, job_id: int, library: Library, job: Callable[[], Any]):
        self.writer, self.job_id, self.library, self.job = writer, job_id, library, job

    def run(self) -> None:
        threading.current_thread().name = WRITER_THREAD_NAME
        self.library.prefer_writes_of_this_thread()
        try:
            with self.library.collect_changes() as bucket:
                result = self.job()
        except REFUSALS as error:
            self.writer._refused_signal.emit(self.job_id, _one_line(error))
        except Exception as error:  # our bug: say so in one line, keep the trace for us
            traceback.print_exc()
            self.writer._refused_signal.emit(self.job_id, f"the change failed: {_one_line(error)}")
        else:
            self.writer._done_signal.emit(self.job_id, result, Changes.merge(bucket))


def _one_line(error: BaseException) -> str:
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


class Writer(QObject):
    """Runs write jobs on one thread, in order; answers on the GUI thread."""

    landed = Signal(object)
    refused = Signal(str)
    _done_signal = Signal(int, object, object)
    _refused_signal = Signal(int, str)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        # one Python thread with its SQLite connection, until stop() or 10 idle minutes
        self.pool = PythonPool(WRITER_THREAD_NAME)
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[Done | None, Refused | None]] = {}
        self._done_signal.connect(self._on_done)
        self._refused_signal.connect(self._on_refused)

    def submit(
        self,
        job: Callable[[], Any],
        *,
        done: Done | None = None,
        refused: Refused | None = None,
    ) -> int:
        """Queue `job()` (a call of the Library) behind the writes already queued."""
        job_id = next(self._ids)
        self._waiting[job_id] = (done, refused)
        self.pool.start(_Job(self, job_id, self.library, job))
        return job_id

    def pending(self) -> int:
        """Writes queued or running."""
        return len(self._waiting)

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Block until the queued writes have run (at quit, and in tests)."""
        return self.pool.wait_done(timeout_ms)

    def stop(self, timeout_ms: int = 30000) -> bool:
        """Run the queued writes, then end the writer's thread (the window closes)."""
        return self.pool.stop(timeout_ms)

    @Slot(int, object, object)
    def _on_done(self, job_id: int, result: Any, changes: Changes) -> None:
        done, _ = self._waiting.pop(job_id, (None, None))
        if done is not None:
            done(result, changes)
        self.landed.emit(changes)

    @Slot(int, str)
    def _on_refused(self, job_id: int, message: str) -> None:
        _, refused = self._waiting.pop(job_id, (None, None))
        if refused is not None:
            refused(message)
        self.refused.emit(message)
