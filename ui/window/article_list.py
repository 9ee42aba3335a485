"""The article list: a filter field over a sortable table of titles, authors, dates, counts.

Signals:
    article_chosen(int): the user picked an article (click, Enter, or J/K through the window).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.common.models import ID_ROLE, ArticleFilterProxy, ArticleTableModel
from ui.common.plain import plain_label

AUTHOR_MIN_WIDTH = 460
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ArticleList(QWidget):
    """Filter-as-you-type over the articles of the chosen sidebar entry."""

    article_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("articleList")
        self.heading = plain_label("All articles", self)
        self.heading.setObjectName("panelTitle")
        self.filter = QLineEdit(self)
        self.filter.setObjectName("articleFilter")
        self.filter.setPlaceholderText("Filter by title or author")
        self.filter.setClearButtonEnabled(True)
        self.model = ArticleTableModel(self)
        self.proxy = ArticleFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.filter.textChanged.connect(self._filter_changed)
        self.table = QTableView(self)
        self.table.setObjectName("articleTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setMinimumSectionSize(24)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        # Date and count columns get widths measured once from the font, not "resize to
        # contents": that asks every row for its text on each change (a highlight's new
        # count cost 120-170 ms on the GUI thread over a few thousand rows).
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, 110)
        self._fit_fixed_columns()
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.clicked.connect(self._chosen)
        self.table.activated.connect(self._chosen)
        self.empty = plain_label("", self)
        self.empty.setObjectName("panelHint")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(4)
        layout.addWidget(self.heading)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self.setFocusProxy(self.table)

    def _fit_fixed_columns(self) -> None:
        """The date column holds the widest short date and its heading, the count column
        four digits and the ✎ heading, in the table's font."""
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        pad = 2 * self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 14
        widest = max(metrics.horizontalAdvance(f"28 {month} 2026") for month in MONTHS)
        date = max(widest, header.fontMetrics().horizontalAdvance("Date") + 16)
        count = max(metrics.horizontalAdvance("0000"), header.fontMetrics().horizontalAdvance("✎"))
        header.resizeSection(ArticleTableModel.DATE, date + pad)
        header.resizeSection(ArticleTableModel.HIGHLIGHTS, count + pad)

    def changeEvent(self, event: Any) -> None:
        """A new font or style (a theme) measures the fixed columns again."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_fixed_columns()

    def resizeEvent(self, event: Any) -> None:
        """A narrow list hides the author column so titles keep their room."""
        super().resizeEvent(event)
        self.table.setColumnHidden(ArticleTableModel.AUTHOR, self.width() < AUTHOR_MIN_WIDTH)

    def set_articles(
        self, heading: str, summaries: Any, empty_text: str = "", order: Any = None
    ) -> None:
        """Show these rows (`order`: their sort_order for the list's sorting, when made on
        a worker beforehand)."""
        with self._keeping_choice():
            self.heading.setText(heading)
            self.model.set_articles(summaries, order)
            self.empty.setText(empty_text or "No articles here yet.")
            self.empty.setVisible(not summaries)

    def _filter_changed(self, text: str) -> None:
        """Filter the rows; the chosen article stays chosen while it is listed."""
        with self._keeping_choice():
            self.proxy.set_filter_text(text)

    @contextmanager
    def _keeping_choice(self) -> Iterator[None]:
        """The chosen article chosen again after the rows are replaced (a model reset)."""
        keep = self.current_id()
        yield
        if keep is not None:
            self.select(keep)

    def current_id(self) -> int | None:
        index = self.table.currentIndex()
        return int(index.data(ID_ROLE)) if index.isValid() else None

    def select(self, article_id: int) -> bool:
        """Select an article's row (without opening it); False when it is not listed."""
        row = self.model.row_of(article_id)
        if row < 0:
            self.table.clearSelection()
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)
        return True

    def step(self, delta: int) -> int | None:
        """The id of the article `delta` rows from the current one (in the shown order)."""
        rows = self.proxy.rowCount()
        if rows == 0:
            return None
        current = self.table.currentIndex()
        row = current.row() + delta if current.isValid() else 0
        row = min(max(row, 0), rows - 1)
        index = self.proxy.index(row, 0)
        return int(index.data(ID_ROLE))

    def _chosen(self, index: QModelIndex) -> None:
        if index.isValid():
            self.article_chosen.emit(int(index.data(ID_ROLE)))
