"""Thin, id-backed item models: the article list and one article's passages.

Models hold the summaries the Library returned and nothing else; views show
them as plain text (the default delegate never interprets markup). Resets are
paired by try/finally so a failing load never leaves a view half-reset.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from ui.common.plain import one_line, plain_tooltip
from ui.reader.reader_parts import format_date
from ui.reader.textfind import fold

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
COLOR_ROLE = Qt.ItemDataRole.UserRole + 3
ITEM_ROLE = Qt.ItemDataRole.UserRole + 4
FILTER_ROLE = Qt.ItemDataRole.UserRole + 5

Index = QModelIndex | QPersistentModelIndex


def short_date(iso: str | None) -> str:
    """'13 Jan 2023' for the list (full month names take too much room there)."""
    text = format_date(iso)
    parts = text.split(" ")
    if len(parts) == 3:
        return f"{parts[0]} {parts[1][:3]} {parts[2]}"
    return text


class ArticleTableModel(QAbstractTableModel):
    """The article list: title, author, date, highlight count; one row per ArticleSummary."""

    COLUMNS = ("Title", "Author", "Date", "✎")
    TITLE, AUTHOR, DATE, HIGHLIGHTS = range(4)
    _ASKED = frozenset(
        {
            SORT_ROLE,
            ID_ROLE,
            FILTER_ROLE,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
        }
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        self._row_of: dict[int, int] = {}
        # Each painted row's four texts, made once: a repaint asks for every role of every
        # visible cell, and dates are formatted in Python.
        self._shown: dict[int, tuple[str, str, str, str]] = {}

    def set_articles(self, summaries: list[Any]) -> None:
        """Replace every row (a sidebar view or tag was chosen, or the library changed)."""
        self.beginResetModel()
        try:
            self._rows = list(summaries)
            self._row_of = {s.id: n for n, s in enumerate(self._rows)}
            self._shown = {}
        finally:
            self.endResetModel()

    def _texts(self, row: int) -> tuple[str, str, str, str]:
        shown = self._shown.get(row)
        if shown is None:
            item = self._rows[row]
            shown = (
                one_line(item.title or "Untitled", 300),
                one_line(item.author or "", 80),
                short_date(item.date),
                str(item.highlights) if item.highlights else "",
            )
            self._shown[row] = shown
        return shown

    def set_highlights(self, article_id: int, count: int) -> None:
        """Update one article's passage count in place (after a highlight or a delete)."""
        row = self.row_of(article_id)
        if row < 0:
            return
        self._rows[row] = dataclasses.replace(self._rows[row], highlights=count)
        self._shown.pop(row, None)
        index = self.index(row, self.HIGHLIGHTS)
        self.dataChanged.emit(index, index)

    def summary(self, row: int) -> Any:
        return self._rows[row]

    def row_of(self, article_id: int) -> int:
        """The row of an article, or -1 when it is not in the list."""
        return self._row_of.get(article_id, -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts(row)[column]
        if role not in self._ASKED:
            return None
        item = self._rows[row]
        if role == SORT_ROLE:
            if column == self.TITLE:
                return (item.title or "").casefold()
            if column == self.AUTHOR:
                return (item.author or "").casefold()
            if column == self.DATE:
                return item.date or ""
            return item.highlights
        if role == ID_ROLE:
            return item.id
        if role == FILTER_ROLE:
            return fold(f"{item.title} {item.author or ''}", accents=False)[0]
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.TITLE, self.AUTHOR):
            return plain_tooltip(item.title + (f"\n{item.author}" if item.author else ""))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.HIGHLIGHTS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.COLUMNS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section == self.HIGHLIGHTS:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if role == Qt.ItemDataRole.ToolTipRole:
                return ("Title", "Author", "Date", "Passages highlighted")[section]
        return None


class ArticleFilterProxy(QSortFilterProxyModel):
    """Sorts by raw values and keeps rows whose title or author hold every typed word
    (case and accents ignored)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._words: list[str] = []

    def set_filter_text(self, text: str) -> None:
        self.beginFilterChange()
        self._words = fold(text, accents=False)[0].split()
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._words:
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        haystack = self.sourceModel().data(index, FILTER_ROLE) or ""
        return all(word in haystack for word in self._words)


class PassageListModel(QAbstractListModel):
    """The passages of the open article, in text order (orphaned ones last)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        self.names: dict[str, str] = {}  # the colour legend, for tooltips

    def set_annotations(self, annotations: list[Any]) -> None:
        self.beginResetModel()
        try:
            self._rows = sorted(annotations, key=lambda a: (a.orphaned, a.start, a.end))
        finally:
            self.endResetModel()

    def annotation(self, row: int) -> Any:
        return self._rows[row]

    def row_of(self, annotation_id: str) -> int:
        for n, ann in enumerate(self._rows):
            if ann.id == annotation_id:
                return n
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        ann = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return passage_text(ann)
        if role == ID_ROLE:
            return ann.id
        if role == COLOR_ROLE:
            return ann.color
        if role == ITEM_ROLE:
            return ann
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(f"{ann.exact}\n\n{color_label(ann.color, self.names)}")
        if role == Qt.ItemDataRole.ForegroundRole and ann.orphaned:
            return QColor("#a33")
        return None


def passage_text(ann: Any, limit: int = 220) -> str:
    """A passage on at most three lines: its quote, its note, its tags."""
    lines = [("⚠ orphaned: " if ann.orphaned else "") + "“" + one_line(ann.exact, limit) + "”"]
    if ann.note:
        lines.append(one_line(ann.note, limit))
    if ann.tags:
        lines.append("  ".join("#" + t for t in ann.tags))
    return "\n".join(lines)


def color_label(color: str, names: dict[str, str] | None = None) -> str:
    """'Blue — question': a colour with the name the reader gave it in the legend."""
    word = color.capitalize()
    name = (names or {}).get(color)
    return f"{word} — {name}" if name else word
