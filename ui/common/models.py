"""Thin, id-backed item models: the article list and one article's passages.

Models hold the summaries the Library returned and nothing else; views show
them as plain text (the default delegate never interprets markup). Resets are
paired by try/finally so a failing load never leaves a view half-reset. The article
list keeps its rows as columns (`Library.article_columns`: ids and counts in arrays,
titles, authors and dates in lists): 178,000 articles as row objects held ~120 MB.
"""

from __future__ import annotations

import contextlib
from array import array
from itertools import compress, repeat
from operator import contains
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor

from ui.common.plain import one_line, plain_tooltip
from ui.common.threads import Call, PythonPool
from ui.reader.reader_parts import format_date
from ui.reader.textfind import fold

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
COLOR_ROLE = Qt.ItemDataRole.UserRole + 3
ITEM_ROLE = Qt.ItemDataRole.UserRole + 4
FILTER_ROLE = Qt.ItemDataRole.UserRole + 5

Index = QModelIndex | QPersistentModelIndex
SORT_ON_WORKER_FROM = 20_000  # rows; a longer list is sorted off the window's thread


def short_date(iso: str | None) -> str:
    """'13 Jan 2023' for the list (full month names take too much room there)."""
    text = format_date(iso)
    parts = text.split(" ")
    if len(parts) == 3:
        return f"{parts[0]} {parts[1][:3]} {parts[2]}"
    return text


def filter_text(title: str | None, author: str | None) -> str:
    """What the article list's filter looks in: title and author, case folded, accents
    removed (FILTER_ROLE)."""
    text = f"{title or ''} {author or ''}"
    return text.lower() if text.isascii() else fold(text, accents=False)[0]


class _Columns:
    """The article list's rows as columns (what ArticleColumns holds), made here from a
    list of summaries (a tag's few articles, the tests)."""

    def __init__(self, summaries: Any = ()) -> None:
        self.ids = array("q")
        self.titles: list[str] = []
        self.authors: list[str | None] = []
        self.dates: list[str | None] = []
        self.highlights = array("l")
        for s in summaries:
            self.ids.append(s.id)
            self.titles.append(s.title)
            self.authors.append(s.author)
            self.dates.append(s.date)
            self.highlights.append(s.highlights)

    def __len__(self) -> int:
        return len(self.ids)


def sort_order(rows: Any, column: int, descending: bool = False) -> array:
    """The rows' order by `column` (ArticleTableModel's columns), as row numbers: titles and
    authors case-blind, dates as written (ISO), counts as numbers; equal keys keep their
    order. Plain Python over the columns (0.15-0.4 s at 178,000 rows): for a list of
    SORT_ON_WORKER_FROM rows or more it is made off the window's thread (the list's job, or
    the model's sorting thread at a click on a heading)."""
    if column == ArticleTableModel.TITLE:
        keys: Any = [(t or "").casefold() for t in rows.titles]
    elif column == ArticleTableModel.AUTHOR:
        keys = [(a or "").casefold() for a in rows.authors]
    elif column == ArticleTableModel.DATE:
        keys = [d or "" for d in rows.dates]
    else:
        keys = rows.highlights
    return array("q", sorted(range(len(keys)), key=keys.__getitem__, reverse=descending))


class ArticleTableModel(QAbstractTableModel):
    """The article list: title, author, date, highlight count; one row per article, from
    `Library.article_columns` (or a list of ArticleSummary).

    The model sorts and filters itself: it shows `_order`, the rows that pass the filter
    (decided for all rows at once) in the sorted order (one permutation of the rows). A
    QSortFilterProxyModel that sorts or filters in Qt asks Python for a value per row and
    comparison: 20 s for a sorted list, and 1.6-6 s on the window's thread for each letter
    typed in the filter field, at 178,000 articles."""

    _order_made = Signal(object, int, bool, object)  # rows, column, descending, order
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
        self._rows: Any = _Columns()
        self._count = 0  # rows shown
        self._order: array | None = None  # shown row -> row of the columns; None: all, as listed
        self._sort_order: array | None = None  # every row of the columns, sorted
        self._sorted = (-1, False)  # (column, descending) of the order
        self._folded: list[str] | None = None  # FILTER_ROLE of every row, at the first filter
        self._words: list[str] = []  # the filter's folded words
        self._kept: bytes | None = None  # per row of the columns: passes the filter
        self.generation = 0  # counts set_articles
        # Each painted row's four texts (by row of the columns), made once: a repaint asks
        # for every role of every visible cell, and dates are formatted in Python.
        self._shown: dict[int, tuple[str, str, str, str]] = {}
        self._sorter: PythonPool | None = None  # made at the first sort of a long list
        self._order_made.connect(self._order_arrived)

    def set_articles(self, rows: Any, order: array | None = None) -> None:
        """Replace every row (a sidebar view or tag was chosen, or the library changed):
        `Library.article_columns`, or a list of ArticleSummary; `order`, when given, is
        `sort_order(rows, *self.sorted_by())` made beforehand (on a worker)."""
        self.beginResetModel()
        try:
            self._rows = rows if hasattr(rows, "ids") else _Columns(rows)
            self._folded = None
            self._shown = {}
            self.generation += 1
            column, descending = self._sorted
            if order is None and column >= 0:
                order = sort_order(self._rows, column, descending)
            self._sort_order = order
            self._kept = self.matching_rows(self._words) if self._words else None
            self._show()
        finally:
            self.endResetModel()

    def _show(self) -> None:
        """The shown rows from the sorted order and the filter's verdicts (C loops only)."""
        order, kept = self._sort_order, self._kept
        if kept is None:
            self._order = order
        elif order is None:
            self._order = array("q", compress(range(len(kept)), kept))
        else:
            self._order = array("q", compress(order, map(kept.__getitem__, order)))
        self._count = len(self._order) if self._order is not None else len(self._rows)

    def sorted_by(self) -> tuple[int, bool]:
        """(column, descending) of the rows' order; column -1 when in the listed order."""
        return self._sorted

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by a column (-1: as listed), keeping the views' selection. A list
        of SORT_ON_WORKER_FROM rows or more is sorted on a thread of its own (0.2-0.4 s at
        178,000 rows): the heading shows the new order at once, the rows follow."""
        descending = order == Qt.SortOrder.DescendingOrder
        if (column, descending) == self._sorted:
            return
        self._sorted = (column, descending)
        if column < 0:
            self._apply_sort(None)
        elif len(self._rows) < SORT_ON_WORKER_FROM:
            self._apply_sort(sort_order(self._rows, column, descending))
        else:
            rows, made = self._rows, self._order_made

            def work() -> None:
                order = sort_order(rows, column, descending)
                with contextlib.suppress(RuntimeError):  # the model is gone (window closed)
                    made.emit(rows, column, descending, order)

            if self._sorter is None:
                self._sorter = PythonPool("gloss-list-sort", idle_exit_s=30)
            self._sorter.start(Call(work))

    @Slot(object, int, bool, object)
    def _order_arrived(self, rows: Any, column: int, descending: bool, order: array) -> None:
        """A sort made on the sorting thread, shown if the list and the sort asked for are
        still the ones it was made for."""
        if rows is self._rows and self._sorted == (column, descending):
            self._apply_sort(order)

    def wait_sorted(self, timeout_ms: int = 10000) -> bool:
        """Block until a sort on the sorting thread is made (its rows arrive with the next
        events); for tests and the benchmark."""
        return self._sorter is None or self._sorter.wait_done(timeout_ms)

    def _apply_sort(self, order: array | None) -> None:
        """Show the rows in `order` (every row of the columns, sorted), keeping the views'
        selection and other persistent indexes on their articles."""
        self.layoutAboutToBeChanged.emit()
        try:
            before = self._order
            self._sort_order = order
            self._show()
            moved_from = self.persistentIndexList()
            if moved_from:
                source = [before[i.row()] if before is not None else i.row() for i in moved_from]
                self.changePersistentIndexList(
                    moved_from,
                    [
                        self.index(self.row_of(self._rows.ids[r]), i.column())
                        for r, i in zip(source, moved_from, strict=True)
                    ],
                )
        finally:
            self.layoutChanged.emit()

    def _source(self, row: int) -> int:
        return self._order[row] if self._order is not None else row

    def _texts(self, row: int) -> tuple[str, str, str, str]:
        shown = self._shown.get(row)
        if shown is None:
            rows, count = self._rows, self._rows.highlights[row]
            shown = (
                one_line(rows.titles[row] or "Untitled", 300),
                one_line(rows.authors[row] or "", 80),
                short_date(rows.dates[row]),
                str(count) if count else "",
            )
            self._shown[row] = shown
        return shown

    def set_highlights(self, article_id: int, count: int) -> None:
        """Update one article's passage count in place (after a highlight or a delete)."""
        row = self.row_of(article_id)
        if row < 0:
            return
        source = self._source(row)
        self._rows.highlights[source] = count
        self._shown.pop(source, None)
        index = self.index(row, self.HIGHLIGHTS)
        self.dataChanged.emit(index, index)

    def set_filter_words(self, words: list[str]) -> None:
        """Show only the rows whose title or author hold every one of the folded `words`
        (none: every row). The model is reset: the view keeps its chosen row through
        ArticleList. A word typed on to the end of the last filter's words only tests the
        rows that filter kept."""
        words = list(words)
        if words == self._words:
            return
        before, kept = self._words, self._kept
        narrower = kept is not None and all(any(o in w for w in words) for o in before)
        self.beginResetModel()
        try:
            self._words = words
            if not words:
                self._kept = None
            else:
                self._kept = self.matching_rows(words, kept if narrower else None)
            self._show()
        finally:
            self.endResetModel()

    def matching_rows(self, words: list[str], within: bytes | None = None) -> bytes:
        """Per row of the columns, 1 when its title or author (folded, as FILTER_ROLE) holds
        every one of the folded `words` (of the rows marked in `within`, when given):
        decided in one pass, not one call per row. The folded texts are made at the first
        filter and kept until the rows change."""
        if self._folded is None:
            rows = self._rows
            self._folded = list(map(filter_text, rows.titles, rows.authors))
        folded = self._folded
        kept = within
        for word in sorted(set(words), key=len, reverse=True):  # the longest: fewest rows left
            if kept is None:
                kept = bytes(map(contains, folded, repeat(word)))
                continue
            rows_left = list(compress(range(len(folded)), kept))
            passed = bytearray(len(folded))
            texts = map(folded.__getitem__, rows_left)
            for row in compress(rows_left, map(contains, texts, repeat(word))):
                passed[row] = 1
            kept = bytes(passed)
        return kept if kept is not None else bytes([1]) * len(folded)

    def row_of(self, article_id: int) -> int:
        """The (shown) row of an article, or -1 when it is not in the list: two scans of
        arrays in C (~1 ms at 178,000 rows), where a dict of every row took ~20 ms to make
        each time a new list arrived and the open article was chosen in it."""
        try:
            row = self._rows.ids.index(article_id)
            return self._order.index(row) if self._order is not None else row
        except ValueError:
            return -1

    # Qt asks for the counts and data in loops (~800 counts and ~600 data a repaint of the
    # list): kept to the fewest Python steps.
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row()
        if not 0 <= row < self._count or not index.isValid():
            return None
        if self._order is not None:
            row = self._order[row]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts(row)[column]
        if role not in self._ASKED:
            return None
        rows = self._rows
        if role == SORT_ROLE:
            if column == self.TITLE:
                return (rows.titles[row] or "").casefold()
            if column == self.AUTHOR:
                return (rows.authors[row] or "").casefold()
            if column == self.DATE:
                return rows.dates[row] or ""
            return rows.highlights[row]
        if role == ID_ROLE:
            return rows.ids[row]
        title, author = rows.titles[row], rows.authors[row]
        if role == FILTER_ROLE:
            return filter_text(title, author)
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.TITLE, self.AUTHOR):
            return plain_tooltip(title + (f"\n{author}" if author else ""))
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
    """The article list's filter field over an ArticleTableModel: keeps rows whose title or
    author hold every typed word (case and accents ignored). The model decides the rows and
    their order itself; this proxy hands it the words and the sort, and passes the rows on
    without asking Python about each one (178,000 rows, sorted or filtered, cost no call
    into Python per row)."""

    def set_filter_text(self, text: str) -> None:
        self.sourceModel().set_filter_words(fold(text, accents=False)[0].split())

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The model orders its rows itself (see ArticleTableModel)."""
        self.sourceModel().sort(column, order)


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
