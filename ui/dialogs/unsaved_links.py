"""Library › Unsaved Links…: the links a read-later export listed without their text.

A Pocket or Instapaper export holds addresses, titles and tags, not the articles; the
library keeps them as links (`gloss links` on the command line). Here they are listed
with their title, address, tags, when they were saved and the export they came from,
and an address can be copied to open it in a browser. Nothing is fetched. The list is
read on the work pool; every cell is plain text.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from index import count_of
from ui.common.plain import one_line, plain_label

COLUMNS = ("Title", "Address", "Tags", "Saved", "From")
EMPTY = (
    "No unsaved links. A Pocket or Instapaper export (File › Import Files…) lists its links"
    " here: addresses without their text, never fetched."
)


class UnsavedLinksDialog(QDialog):
    """The unsaved links, with Copy Address."""

    def __init__(self, parent: QWidget, library: Any, runner: Any) -> None:
        super().__init__(parent)
        self.setObjectName("unsavedLinksDialog")
        self.setWindowTitle("Unsaved Links")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        self.intro = plain_label("Reading the links…", self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("unsavedLinks")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("&Copy Address", self)
        self.copy_button.setEnabled(False)
        self.copy_button.setToolTip("Copy the chosen links' addresses (nothing is opened)")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.copy_button.clicked.connect(self.copy_addresses)
        QShortcut(QKeySequence.StandardKey.Copy, self.table, self.copy_addresses)
        self.table.itemSelectionChanged.connect(
            lambda: self.copy_button.setEnabled(bool(self.selected_addresses()))
        )
        self.table.itemDoubleClicked.connect(lambda _item: self.copy_addresses())
        self.resize(820, 420)

        def work(_progress, _cancel):
            return library.unsaved_links()

        runner.start("unsaved-links", work, on_finished=self.show_links)

    @Slot(object)
    def show_links(self, links: object) -> None:
        rows: list[dict[str, Any]] = list(links)  # type: ignore[call-overload]
        self.table.setRowCount(len(rows))
        for row, link in enumerate(rows):
            saved = (link.get("added") or "")[:10]
            cells = (
                link.get("title") or "",
                link["url"],
                ", ".join(link.get("tags") or ()),
                saved,
                (link.get("source") or "").rsplit("/", 1)[-1],
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(one_line(text, 300))
                item.setToolTip(one_line(text, 1000) if column != 4 else link.get("source", ""))
                item.setData(Qt.ItemDataRole.UserRole, link["url"])
                self.table.setItem(row, column, item)
        if rows:
            self.intro.setText(
                f"{count_of(len(rows), 'link')} saved without their text by a read-later"
                " export. Gloss never fetches them: copy an address to open it in your browser."
            )
            self.table.selectRow(0)
        else:
            self.intro.setText(EMPTY)
        self.table.setVisible(bool(rows))

    def selected_addresses(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        items = [self.table.item(row, 1) for row in rows]
        return [item.data(Qt.ItemDataRole.UserRole) for item in items if item is not None]

    def copy_addresses(self) -> None:
        addresses = self.selected_addresses()
        if addresses:
            QGuiApplication.clipboard().setText("\n".join(addresses))
