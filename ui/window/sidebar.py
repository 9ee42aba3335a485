"""The sidebar: library views, the passages browser, tags with counts, saved searches.

Every entry carries a key "kind:value" (view:all, view:recent, passages:,
trash:, tag:NAME, search:NAME) in ENTRY_ROLE and a query for saved searches.

Signals:
    entry_chosen(str, str): kind and value of the entry the user picked.
    tag_action(str, str): "rename" or "delete", and the tag.
    search_action(str, str): "delete", and the saved search's name.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTreeView, QWidget

from ui.common.plain import one_line, plain_tooltip

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 10
QUERY_ROLE = Qt.ItemDataRole.UserRole + 11

VIEWS = (
    ("all", "All articles"),
    ("recent", "Recently read"),
    ("highlighted", "With highlights"),
    ("orphaned", "Orphaned"),
)


def _item(text: str, entry: str = "", count: int | None = None) -> list[QStandardItem]:
    name = QStandardItem(text)
    name.setEditable(False)
    name.setData(entry, ENTRY_ROLE)
    number = QStandardItem("" if count is None else str(count))
    number.setEditable(False)
    number.setData(entry, ENTRY_ROLE)
    number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if not entry:
        for cell in (name, number):
            cell.setSelectable(False)
    return [name, number]


class SidebarModel(QStandardItemModel):
    """Sections (Library, Tags, Saved searches) with entries under them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(2)

    def fill(
        self,
        view_counts: dict[str, int],
        passage_count: int,
        tags: list[tuple[str, int]],
        searches: list[tuple[str, str]],
        trash_count: int = 0,
    ) -> None:
        self.clear()
        self.setColumnCount(2)
        library = _item("Library")
        for key, label in VIEWS:
            library[0].appendRow(_item(label, f"view:{key}", view_counts.get(key)))
        library[0].appendRow(_item("All passages", "passages:", passage_count))
        library[0].appendRow(_item("Trash", "trash:", trash_count))
        self.appendRow(library)
        tag_section = _item("Tags")
        for name, count in tags:
            row = _item(one_line(name, 60), f"tag:{name}", count)
            row[0].setToolTip(plain_tooltip(name))
            tag_section[0].appendRow(row)
        self.appendRow(tag_section)
        search_section = _item("Saved searches")
        for name, query in searches:
            row = _item(one_line(name, 60), f"search:{name}")
            row[0].setData(query, QUERY_ROLE)
            row[0].setToolTip(plain_tooltip(query))
            search_section[0].appendRow(row)
        self.appendRow(search_section)
        bold = QFont()
        bold.setBold(True)
        for section in range(self.rowCount()):
            self.item(section, 0).setFont(bold)

    def index_of(self, entry: str) -> QModelIndex:
        """The first-column index of an entry key, invalid when absent."""
        for section in range(self.rowCount()):
            parent = self.item(section, 0)
            for row in range(parent.rowCount()):
                child = parent.child(row, 0)
                if child.data(ENTRY_ROLE) == entry:
                    return child.index()
        return QModelIndex()


class Sidebar(QTreeView):
    """The sidebar view: one click (or Enter) on an entry chooses it."""

    entry_chosen = Signal(str, str)
    tag_action = Signal(str, str)
    search_action = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.model_ = SidebarModel(self)
        self.setModel(self.model_)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setItemsExpandable(False)
        self.setIndentation(12)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.current_entry = "view:all"
        self.selectionModel().currentChanged.connect(self._on_current)

    def fill(self, view_counts, passage_count, tags, searches, trash_count: int = 0) -> None:
        """Rebuild the entries, keeping the current one selected when it still exists."""
        keep = self.current_entry
        self.selectionModel().blockSignals(True)
        try:
            self.model_.fill(view_counts, passage_count, tags, searches, trash_count)
            self.expandAll()
            header = self.header()
            header.setStretchLastSection(False)
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
            index = self.model_.index_of(keep)
            if index.isValid():
                self.setCurrentIndex(index)
        finally:
            self.selectionModel().blockSignals(False)

    def choose(self, entry: str) -> bool:
        """Select an entry by key as if clicked; False when there is no such entry."""
        index = self.model_.index_of(entry)
        if not index.isValid():
            return False
        if self.currentIndex() == index:
            self._emit(index)
        else:
            self.setCurrentIndex(index)
        return True

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._emit(current)

    def _emit(self, index: QModelIndex) -> None:
        entry = index.siblingAtColumn(0).data(ENTRY_ROLE)
        if not entry:
            return
        self.current_entry = entry
        kind, _, value = entry.partition(":")
        if kind == "search":
            value = index.siblingAtColumn(0).data(QUERY_ROLE) or ""
        self.entry_chosen.emit(kind, value)

    def _context_menu(self, point: QPoint) -> None:
        index = self.indexAt(point)
        entry = index.siblingAtColumn(0).data(ENTRY_ROLE) if index.isValid() else ""
        kind, _, value = (entry or "").partition(":")
        menu = QMenu(self)
        if kind == "tag":
            menu.addAction("Rename Tag…", lambda: self.tag_action.emit("rename", value))
            menu.addAction("Delete Tag", lambda: self.tag_action.emit("delete", value))
        elif kind == "search":
            menu.addAction("Delete Saved Search", lambda: self.search_action.emit("delete", value))
        if not menu.isEmpty():
            menu.exec(self.viewport().mapToGlobal(point))
        menu.deleteLater()
