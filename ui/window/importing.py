"""Long library jobs with a progress dialog: importing files and rebuilding the index.

The job runs on the work pool; a progress dialog appears only if the job is
still running after ~0.6 s (short imports stay quiet), and its Cancel button
asks the job to stop between files. What was imported before stays.

Signals:
    TaskRunner.progressed(int): percent done (0–100) of the running task.
    TaskRunner.finished(str, object): the task's name and result.
    TaskRunner.failed(str, str): the task's name and a one-line reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from ui.common.plain import one_line, plain_label
from ui.common.workers import Job, JobRunner

SHOW_AFTER_MS = 600


class TaskRunner(QObject):
    """One long task at a time, with a delayed progress dialog that can cancel it."""

    progressed = Signal(int)
    finished = Signal(str, object)
    failed = Signal(str, str)

    def __init__(self, runner: JobRunner, window: QWidget) -> None:
        super().__init__(window)
        self.runner = runner
        self.window = window
        self.job: Job | None = None
        self.name = ""
        self.dialog: QProgressDialog | None = None
        self.label = None
        self.show_timer = QTimer(self)
        self.show_timer.setSingleShot(True)
        self.show_timer.setInterval(SHOW_AFTER_MS)
        self.show_timer.timeout.connect(self._show_dialog)
        self.last_percent = -1
        self.dialog_shown = False  # whether the running (or last) task showed its dialog

    def busy(self) -> bool:
        return self.job is not None

    def start(
        self, name: str, title: str, function: Callable[..., Any], *, cancellable: bool = True
    ) -> Job | None:
        """Run `function(progress, cancel)`; None when another task is still running.
        A task that cannot stop halfway (a backup, a restore) shows no Cancel button."""
        if self.job is not None:
            return None
        self.name = name
        self.last_percent = -1
        self.dialog_shown = False
        dialog = QProgressDialog(self.window)
        dialog.setObjectName("progressDialog")
        dialog.setWindowTitle(title)
        self.label = plain_label(title + "…")
        dialog.setLabel(self.label)
        dialog.setRange(0, 100)
        dialog.setValue(0)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(1 << 30)  # shown by our own timer, not by Qt's
        dialog.setMinimumWidth(420)
        if cancellable:
            dialog.canceled.connect(self.cancel)
        else:
            dialog.setCancelButton(None)
        dialog.hide()
        self.dialog = dialog
        self.job = self.runner.start(
            name,
            function,
            on_progress=self._on_progress,
            on_finished=self._on_finished,
            on_failed=self._on_failed,
        )
        self.show_timer.start()
        return self.job

    @Slot()
    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            if self.label is not None:
                self.label.setText("Stopping after the current file…")

    @Slot()
    def _show_dialog(self) -> None:
        if self.job is not None and self.dialog is not None:
            self.dialog.show()
            self.dialog_shown = True

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, current: str) -> None:
        percent = int(done * 100 / total) if total else 0
        if self.dialog is not None:
            # Nothing to count (a backup, a restore): a busy bar instead of a stuck 0 %.
            self.dialog.setRange(0, 100 if total else 0)
            self.dialog.setValue(percent)
            if self.label is not None and current and not self.job.cancelled():
                self.label.setText(one_line(current, 90))
        if percent != self.last_percent:
            self.last_percent = percent
            self.progressed.emit(percent)

    def _end(self) -> str:
        self.show_timer.stop()
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
        self.dialog = None
        self.label = None
        self.job = None
        return self.name

    @Slot(object)
    def _on_finished(self, result: Any) -> None:
        name = self._end()
        self.finished.emit(name, result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        name = self._end()
        self.failed.emit(name, message)
