"""Folders that import themselves, seen from the window: the watcher's life and its dialog.

The engine's FolderWatcher runs on threads of its own (watchdog's observer and a settling
thread) and imports there; `FolderWatching` only turns its reports into signals for the
window. Adding or removing a folder writes to the library, so it runs on the work pool;
the dialog reads the list there too. Nothing here writes from the GUI thread.

Signals:
    FolderWatching.imported(object): an ImportReport from a watched folder.
    FolderWatching.missing(int): articles whose file was deleted (they stay).
    FolderWatching.folders_changed(object): the watched folders, as the library lists them.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.common.plain import one_line, plain_label


class FolderWatching(QObject):
    """Owns the window's FolderWatcher; reports come back as signals."""

    imported = Signal(object)
    missing = Signal(int)
    folders_changed = Signal(object)
    refused = Signal(str)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.library = window.library
        self._watcher: Any = None
        self._making = threading.Lock()

    @property
    def watcher(self) -> Any:
        """The engine's FolderWatcher, made on first use (any thread): watchdog and its
        observer load only for a library that watches a folder, not before the first paint."""
        with self._making:
            if self._watcher is None:
                from index import FolderWatcher

                self._watcher = FolderWatcher(
                    self.library, on_report=self._reported, on_missing=self._missing
                )
            return self._watcher

    def start(self) -> None:
        """Start watching the listed folders, on a thread of its own (it reads the library;
        the work pool stays free for what the user asks)."""
        if self.library.read_only:
            return
        library = self.library

        def begin() -> None:
            if library.watched_folders():
                self.watcher.start()

        self._starting = threading.Thread(target=begin, name="gloss-watch-start", daemon=True)
        self._starting.start()

    def stop(self) -> None:
        """Stop the watcher (it may still be starting: that ends first)."""
        starting = getattr(self, "_starting", None)
        if starting is not None:
            starting.join(timeout=10)
        if self._watcher is not None:
            self._watcher.stop()

    # called on the watcher's settling thread: signals cross to the GUI thread
    def _reported(self, report: Any, _paths: list[str]) -> None:
        self.imported.emit(report)

    def _missing(self, _paths: list[str], marked: int) -> None:
        self.missing.emit(marked)

    def refresh(self) -> None:
        """Read the list on the work pool; `folders_changed` carries it."""
        library = self.library

        def work(_progress, _cancel):
            return library.watched_folders()

        self.window.runner.start("watch-list", work, on_finished=self._listed)

    def add(self, folder: str) -> None:
        """Watch a folder: listed in the library, watched now, its files imported."""
        from index import WatchError

        library = self.library

        def work(_progress, _cancel):
            watcher = self.watcher
            try:
                path = library.watch_folder(folder)
            except WatchError as error:
                return ("refused", str(error))
            watcher.watch(path)
            return ("added", path)

        self.window.runner.start("watch-add", work, on_finished=self._changed)

    def remove(self, folder: str) -> None:
        library = self.library

        def work(_progress, _cancel):
            library.unwatch_folder(folder)
            if self._watcher is not None:
                self._watcher.unwatch(folder)
            return ("removed", folder)

        self.window.runner.start("watch-remove", work, on_finished=self._changed)

    @Slot(object)
    def _changed(self, result: object) -> None:
        what, detail = result  # type: ignore[misc]
        if what == "refused":
            self.refused.emit(detail)
        elif what == "added":
            self.window.import_paths([detail])
        self.refresh()

    @Slot(object)
    def _listed(self, folders: object) -> None:
        self.folders_changed.emit(folders)


class WatchedFoldersDialog(QDialog):
    """The watched folders, with Add… and Remove."""

    def __init__(self, parent: QWidget, watching: FolderWatching) -> None:
        super().__init__(parent)
        self.setObjectName("watchedFoldersDialog")
        self.setWindowTitle("Watched Folders")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.watching = watching
        layout = QVBoxLayout(self)
        intro = plain_label(
            "New and changed files in these folders are imported while Gloss runs. "
            "A deleted file leaves its articles in the library.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget(self)
        self.list.setObjectName("watchedFolders")
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.add_button = QPushButton("&Add Folder…", self)
        self.remove_button = QPushButton("&Remove", self)
        self.remove_button.setEnabled(False)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.add_button.clicked.connect(self.ask_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.currentRowChanged.connect(lambda row: self.remove_button.setEnabled(row >= 0))
        watching.folders_changed.connect(self.show_folders)
        self.resize(560, 320)
        watching.refresh()

    @Slot(object)
    def show_folders(self, folders: object) -> None:
        self.list.clear()
        for folder in folders:  # type: ignore[attr-defined]
            state = "" if folder["exists"] else " — missing"
            text = f"{folder['path']}  ({folder['articles']} articles){state}"
            item = QListWidgetItem(one_line(text, 300))
            item.setData(Qt.ItemDataRole.UserRole, folder["path"])
            self.list.addItem(item)
        self.remove_button.setEnabled(self.list.currentRow() >= 0)

    def ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Watch a Folder")
        if folder:
            self.watching.add(folder)

    def remove_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.watching.remove(item.data(Qt.ItemDataRole.UserRole))
