"""File › Back Up Now, Restore from Backup…, Restore Passages from Annotation Files….

Each runs on the work pool through the window's TaskRunner (a busy dialog shows
when it takes more than a moment). A restore replaces what the library holds,
so afterwards the window reloads everything it shows, forgets the undo history
(its steps name passages of the library as it was) and says what happened.

Signals:
    BackupDialog.chosen(str): the path of the backup (or other library file) to restore.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from index import count_of
from ui.common.plain import one_line, plain_label
from ui.window import file_dialogs

REASONS = {
    "start": "When Gloss started",
    "manual": "Backed up by you",
    "before-restore": "Before a restore",
    "before-mirror-restore": "Before passages were restored",
}
TASK_TITLES = {
    "backup": "Backing up the library",
    "restore": "Restoring a backup",
    "passage restore": "Restoring passages from the annotation files",
}


def human_size(size: int) -> str:
    """Bytes as '812 KB' or '3.4 MB'."""
    if size < 1024 * 1024:
        return f"{max(size, 0) / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def local_time(created: str) -> str:
    """A backup's ISO UTC time as local 'YYYY-MM-DD HH:MM'."""
    try:
        when = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return created
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def counts_text(articles: int, passages: int) -> str:
    if articles < 0:
        return ""
    return f"{count_of(articles, 'article')}, {count_of(passages, 'passage')}"


class BackupDialog(QDialog):
    """The backups kept in the library folder, newest first; Restore replaces the library."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget, backups: list[Any]) -> None:
        super().__init__(parent)
        self.setObjectName("backupDialog")
        self.setWindowTitle("Restore from Backup")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.backups = list(backups)
        intro = plain_label(
            "Choose a backup to put back in place of the library as it is now. The library "
            "is backed up first, so you can go back by restoring that backup.",
            self,
        )
        intro.setWordWrap(True)
        self.empty = plain_label(
            "There are no backups yet. File › Back Up Now makes one; Gloss also makes one "
            "at each start when something changed.",
            self,
        )
        self.empty.setWordWrap(True)
        self.empty.setObjectName("panelHint")
        self.table = QTableWidget(len(self.backups), 4, self)
        self.table.setObjectName("backupTable")
        self.table.setHorizontalHeaderLabels(["Made", "Why", "Holds", "Size"])
        for row, info in enumerate(self.backups):
            values = (
                local_time(info.created),
                REASONS.get(info.reason, info.reason.replace("-", " ").capitalize()),
                counts_text(info.articles, info.annotations),
                human_size(info.bytes),
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                if column == 3:
                    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    item.setTextAlignment(right)
                self.table.setItem(row, column, item)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self.accept())
        self.buttons = QDialogButtonBox(self)
        self.restore_button = QPushButton("Restore", self)
        self.restore_button.setObjectName("restoreButton")
        self.buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.other_button = QPushButton("Other File…", self)
        self.other_button.setToolTip("Restore a Gloss library file kept somewhere else")
        self.buttons.addButton(self.other_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.other_button.clicked.connect(self._other_file)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        has = bool(self.backups)
        self.empty.setVisible(not has)
        self.table.setVisible(has)
        self.restore_button.setEnabled(has)
        if has:
            self.table.selectRow(0)
        self.resize(620, 360 if has else 160)

    def selected(self) -> Any:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def accept(self) -> None:
        info = self.selected()
        if info is None:
            return
        super().accept()
        self.chosen.emit(str(info.path))

    def _other_file(self) -> None:
        path = file_dialogs.open_file(
            self, "Restore a Library File", "Gloss library (*.sqlite3);;All files (*)"
        )
        if path:
            super().accept()
            self.chosen.emit(path)


class BackupActions(QObject):
    """The three File-menu commands of issue 6, on one window."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.last_result: Any = None
        r = window.registry
        r["backup_now"].triggered.connect(self.back_up_now)
        r["restore_backup"].triggered.connect(self.ask_restore)
        r["restore_annotations"].triggered.connect(self.ask_restore_annotations)
        window.tasks.finished.connect(self.on_finished)

    def _start(self, name: str, function: Any) -> bool:
        def work(progress, _cancel):
            progress(0, 0, TASK_TITLES[name] + "…")  # no steps to count: a busy indicator
            return function()

        if self.window.tasks.start(name, TASK_TITLES[name], work, cancellable=False) is None:
            self.window.show_message("Wait for the running task to finish first.")
            return False
        self.window.update_status()
        return True

    @Slot()
    def back_up_now(self) -> bool:
        library = self.window.library
        return self._start("backup", library.backup)

    @Slot()
    def ask_restore(self) -> BackupDialog:
        dialog = BackupDialog(self.window, self.window.library.backups())
        dialog.chosen.connect(self.restore_file)
        dialog.open()
        return dialog

    @Slot(str)
    def restore_file(self, path: str) -> bool:
        library = self.window.library
        self.window.search.timer.stop()
        self.window.runner.search_pool.wait_done(5000)  # the restore runs with nothing else
        return self._start("restore", lambda: library.restore_database(path))

    @Slot()
    def ask_restore_annotations(self) -> QMessageBox:
        box = QMessageBox(self.window)
        box.setObjectName("restoreAnnotationsBox")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Restore Passages")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(
            "Put back passages from the annotation files?\n\n"
            "Gloss keeps a copy of every passage in the library folder's annotations/ "
            "files. Each passage those files hold that is missing here, or older here, comes "
            "back with its note, tags and colour. Nothing is deleted, and the library is "
            "backed up first."
        )
        restore = box.addButton("Restore Passages", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(restore)

        def answered(_result: int) -> None:
            if box.clickedButton() is restore:
                library = self.window.library
                self._start("passage restore", library.restore_from_annotations)

        box.finished.connect(answered)
        box.open()
        return box

    @Slot(str, object)
    def on_finished(self, name: str, result: Any) -> None:
        if name not in TASK_TITLES:
            return
        self.last_result = result
        window = self.window
        if name == "backup":
            where = Path(result.path)
            window.show_message(
                f"Backed up to {where} ({human_size(result.bytes)}, "
                f"{counts_text(result.articles, result.annotations)}).",
                15000,
            )
            return
        reload_library(window)
        if name == "restore":
            window.notices.tell(
                "The backup is restored.",
                f"The library now holds {counts_text(result['articles'], result['annotations'])}"
                f", from {Path(result['restored_from']).name}. The library as it was before "
                f"is kept as the backup {Path(result['backup_before']).name}: restore it to go "
                "back.",
            )
        else:
            headline = "Passages restored from the annotation files."
            window.notices.tell(headline, mirror_summary(result))


def mirror_summary(report: dict) -> str:
    """What `restore_from_annotations` did, in two or three sentences."""
    text = (
        f"{count_of(report['restored'], 'passage')} put back, {report['updated']} brought up "
        f"to date, {report['unchanged']} already here (from {count_of(report['files'], 'file')})."
    )
    unplaced = report.get("unplaced") or []
    if unplaced:
        lost = sum(u["passages"] for u in unplaced)
        titles = "; ".join(one_line(str(u["article"]), 60) for u in unplaced[:3])
        whose = "its article is" if len(unplaced) == 1 else f"their {len(unplaced)} articles are"
        text += (
            f" {count_of(lost, 'passage')} could not be placed: {whose} not in the library "
            f"({titles}). Import {'it' if len(unplaced) == 1 else 'those articles'}, then "
            "restore again."
        )
    if report.get("orphaned"):
        text += f" {report['orphaned']} came back orphaned: their words are no longer in the text."
    if report.get("problems"):
        failed = len(report["problems"])
        text += f" {count_of(failed, 'file')} could not be read."
    return text


def reload_library(window: Any) -> None:
    """After the store was replaced: show the library as it is now, from scratch."""
    window.controller.undo_stack.clear()
    window.refresh_sidebar()
    window.refresh_list()
    if window.middle.currentWidget() is window.browser:
        window.refresh_browser()
    current = window.article
    if current is not None:
        offset = window.reader.first_visible_offset()
        try:
            window.library.get_article(current.id)
        except KeyError:
            window.article = None
            window.reader.set_article(None)
            window.controller.set_article(None)
            window.load_passages()
            window.setWindowTitle("Gloss")
        else:
            window.open_article(current.id, offset=offset)
    if window.search_box.text().strip():
        window.search.run_now()
    window.update_status()
    window.update_actions()
