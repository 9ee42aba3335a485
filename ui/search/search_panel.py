"""Search as you type: the query box, the worker that runs queries, and the results panel.

A keystroke restarts a ~150 ms debounce; the query then runs on the search
pool with a serial number, and an answer whose serial is not the latest is
dropped on arrival (a newer query is already on its way). The GUI thread never
runs a whoosh search. An answer computed while the index was behind the library
(an import being indexed) is asked again after the indexer's next commit, at most
once a second, and shown in place: same selection, same scroll.

Signals:
    SearchController.results_ready(object): the SearchResult of the latest query.
    SearchController.failed(str): the latest query could not run (a one-line reason).
    SearchController.cleared(): the query is empty.
    IndexWatch.changed(): the indexer committed (emitted from the indexing thread).
    SearchPanel.open_requested(int, str): article id and passage id ("" for the article).
    SearchPanel.refine_requested(str): replace the query (a chip or "Did you mean" was clicked).
    SearchPanel.sort_changed(str): "relevance", "newest" or "oldest".
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ui.common.flow import FlowLayout
from ui.common.models import ID_ROLE
from ui.common.plain import one_line, plain_label
from ui.common.workers import JobRunner, one_line_error
from ui.search.results import ARTICLE_ROLE, ResultDelegate, ResultsModel
from ui.search.search_box import slow_wildcard

if TYPE_CHECKING:  # the engine's Library loads with the library, not with the window's code
    from index import Library

DEBOUNCE_MS = 150
REFRESH_MS = 1000  # an answer that was behind is asked again at most this often
RESULT_LIMIT = 50
PROGRESS_EVERY_S = 0.1  # a rebuild's progress reaches the window at most this often
SORTS = (("relevance", "Relevance"), ("newest", "Newest first"), ("oldest", "Oldest first"))
CHIPS_PER_FACET = 6


def waiting_text(rebuilding: tuple[int, int] | None) -> str:
    """What the results say while a search waits for the index (rebuilt: how far)."""
    if rebuilding is None:
        return "Opening index…"
    done, total = rebuilding
    return f"Rebuilding the search index ({100 * done // max(total, 1)} %)…"


class IndexWatch(QObject):
    """The engine's "the index changed" callback as a Qt signal, for the GUI thread.

    `notify` is given to `Library.on_index_changed` and runs on the indexing thread;
    the signal reaches slots of GUI-thread objects through Qt's queued connection.
    """

    changed = Signal()
    rebuilding = Signal(int, int)  # done, total: a late index rebuilt (it could not be read)
    _reported = -1.0  # when `rebuilding` was last emitted

    def notify(self) -> None:
        self.changed.emit()

    def report(self, done: int, total: int) -> None:
        """Given to `Library.on_index_progress`; runs on the index's opening thread, which
        may report every document: ~10 signals a second reach the window."""
        now = time.monotonic()
        if now - self._reported >= PROGRESS_EVERY_S or done >= total:
            self._reported = now
            self.rebuilding.emit(done, total)


class SearchController(QObject):
    """Runs the latest query off the GUI thread, drops stale answers, and asks again an
    answer that was computed while the index was behind, once the indexer commits."""

    results_ready = Signal(object)
    failed = Signal(str)
    cleared = Signal()
    waiting = Signal(str)  # a search waits for the search index to open

    def __init__(self, library: Library, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.runner = runner
        self.query = ""
        self.sort = "relevance"
        self.serial = 0
        self.dropped = 0
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.run_now)
        self.shown: Any = None  # the answer last delivered
        self.waiting_for = -1  # the serial of a search waiting for the index to open
        self.commits = 0  # index commits heard of
        self.run_commits = 0  # ... when the latest query started
        self.last_run = -REFRESH_MS / 1000
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setSingleShot(True)
        self.refresh_timer.timeout.connect(self.refresh)

    def set_query(self, text: str) -> None:
        """The user typed: search after a short pause (a leading wildcard waits for Enter)."""
        self.query = text
        if slow_wildcard(text) is not None:
            self.timer.stop()
            self.serial += 1  # an answer still on its way is for older text: drop it
            return
        self.timer.start()

    def set_sort(self, sort: str) -> None:
        self.sort = sort
        if self.query.strip():
            self.run_now()

    @Slot()
    def run_now(self) -> None:
        self.timer.stop()
        self.refresh_timer.stop()
        self.serial += 1
        query, sort, serial = self.query.strip(), self.sort, self.serial
        self.run_commits, self.last_run = self.commits, time.monotonic()
        if not query:
            self.shown = None
            self.cleared.emit()
            return
        library = self.library
        if not library.index_ready():
            self.waiting_for = serial  # the search's worker waits, not the window
            self.waiting.emit(waiting_text(library.index_progress()))

        def work(_progress, _cancel) -> tuple[int, Any, str]:
            try:
                return serial, library.search(query, limit=RESULT_LIMIT, sort=sort), ""
            except Exception as error:  # QueryError and friends: shown to the user
                return serial, None, one_line_error(error)

        self.runner.start("search", work, search=True, on_finished=self._on_finished)

    def awaiting_index(self) -> bool:
        """Whether the latest search waits for the search index to open (or be rebuilt)."""
        return self.waiting_for == self.serial

    @Slot(object)
    def _on_finished(self, payload: tuple[int, Any, str]) -> None:
        serial, result, error = payload
        if serial == self.waiting_for:
            self.waiting_for = -1
        if serial != self.serial:
            self.dropped += 1
            return
        self.shown = result
        if result is None:
            self.failed.emit(error)
            return
        self.results_ready.emit(result)
        if result.pending and self.commits > self.run_commits:
            self._refresh_soon()  # the index moved on while this answer was being computed

    def forget(self) -> None:
        """The search box was emptied without a search (another view was chosen): nothing
        asked before is shown again, not even after an index commit."""
        self.timer.stop()
        self.refresh_timer.stop()
        self.serial += 1  # an answer on its way is dropped
        self.query, self.shown = "", None

    @Slot()
    def on_index_changed(self) -> None:
        """The indexer committed: an answer that was behind is asked again."""
        self.commits += 1
        if self.shown is not None and self.shown.pending:
            self._refresh_soon()

    def _refresh_soon(self) -> None:
        if self.timer.isActive() or self.refresh_timer.isActive():
            return  # the user is typing, or a refresh is already due
        wait = REFRESH_MS - (time.monotonic() - self.last_run) * 1000
        self.refresh_timer.start(max(0, int(wait)))

    @Slot()
    def refresh(self) -> None:
        """Ask the shown query again (the panel keeps its selection and scroll)."""
        if self.shown is not None and self.query.strip() == self.shown.query:
            self.run_now()


class SearchPanel(QWidget):
    """Results grouped by article, with facet chips, the total, the time and a sort choice."""

    open_requested = Signal(int, str)
    refine_requested = Signal(str)
    sort_changed = Signal(str)
    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchPanel")
        self.result: Any = None
        self.summary = plain_label("", self)
        self.summary.setObjectName("searchSummary")
        self.summary.setWordWrap(True)
        self.pending = plain_label("", self)
        self.pending.setObjectName("searchPending")
        self.pending.setWordWrap(True)
        self.sort = QComboBox(self)
        self.sort.setObjectName("searchSort")
        for key, label in SORTS:
            self.sort.addItem(label, key)
        self.sort.currentIndexChanged.connect(
            lambda _n: self.sort_changed.emit(self.sort.currentData())
        )
        self.save = QToolButton(self)
        self.save.setText("Save")
        self.save.setToolTip("Save this search in the sidebar (Ctrl+S)")
        self.save.clicked.connect(self.save_requested)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        heading = plain_label("Search results", self)
        heading.setObjectName("panelTitle")
        top.addWidget(heading, 1)
        top.addWidget(self.sort)
        top.addWidget(self.save)
        self.suggestion = QPushButton(self)
        self.suggestion.setObjectName("didYouMean")
        self.suggestion.setFlat(True)
        self.suggestion.setCursor(Qt.CursorShape.PointingHandCursor)
        self.suggestion.clicked.connect(self._use_suggestion)
        self.message = plain_label("", self)
        self.message.setObjectName("searchMessage")
        self.message.setWordWrap(True)
        self.chips_box = QWidget(self)
        self.chips = FlowLayout(self.chips_box)
        self.model = ResultsModel(self)
        self.view = QTreeView(self)
        self.view.setObjectName("searchResults")
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.setRootIsDecorated(False)
        self.view.setIndentation(14)
        self.view.setUniformRowHeights(False)
        self.view.setWordWrap(True)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.delegate = ResultDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self._viewport = self.view.viewport()
        self._viewport.installEventFilter(self)
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.pending)
        layout.addWidget(self.suggestion, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.message)
        layout.addWidget(self.chips_box)
        layout.addWidget(self.view, 1)
        self.show_result(None)

    def set_theme(self, theme: Any) -> None:
        self.delegate.theme = theme
        self.delegate.clear_cache()
        self.view.viewport().update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Snippets wrap to the view's width: lay them out again when it changes (the
        delegate keeps its documents by width, so a scroll bar that comes and goes while
        the rows are laid out costs each row two layouts, not one per change)."""
        if event.type() == QEvent.Type.Resize and watched is self._viewport:
            self.view.scheduleDelayedItemsLayout()
        return super().eventFilter(watched, event)

    def show_result(self, result: Any) -> None:
        """Show a SearchResult (None: nothing searched yet). A new answer to the query
        already shown (the index caught up) keeps the selected row and the scroll."""
        again = result is not None and self.result is not None and result.query == self.result.query
        chosen = self._chosen() if again else None
        scroll = self.view.verticalScrollBar().value()
        self.result = result
        self.delegate.clear_cache()
        self.model.set_hits(result.hits if result is not None else [])
        self.view.expandAll()
        note = result.pending_note() if result is not None else None
        self.pending.setText(note or "")
        self.pending.setVisible(bool(note))
        self.message.setVisible(bool(result is not None and result.message))
        if result is not None and result.message:
            self.message.setText(result.message)
        suggestion = result.suggestion if result is not None else None
        self.suggestion.setVisible(bool(suggestion))
        if suggestion:
            self.suggestion.setText("Did you mean: " + one_line(suggestion, 80).replace("&", "&&"))
        if result is None:
            self.summary.setText("")
        elif not result.total:
            self.summary.setText(nothing_found(result.query, bool(suggestion)))
        else:
            shown = len(result.hits)
            noun = "article" if result.total == 1 else "articles"
            more = f" (showing {shown})" if shown < result.total else ""
            self.summary.setText(f"{result.total} {noun}{more} · {result.took_ms:.0f} ms")
        self._fill_chips(result.facets if result is not None else {})
        if again:
            self._choose(chosen)
            self.view.verticalScrollBar().setValue(scroll)
        elif result is not None and result.hits:
            self.view.setCurrentIndex(self.model.index(0, 0))

    def _chosen(self) -> tuple[int, str] | None:
        """(article id, passage id or "") of the selected row."""
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return int(index.data(ARTICLE_ROLE)), index.data(ID_ROLE) or ""

    def _choose(self, chosen: tuple[int, str] | None) -> None:
        """Select the row of (article id, passage id) again, if the new answer has it."""
        if chosen is None:
            return
        for row in range(self.model.rowCount()):
            top = self.model.index(row, 0)
            if int(top.data(ARTICLE_ROLE)) != chosen[0]:
                continue
            found = top
            for child in range(self.model.rowCount(top)):
                index = self.model.index(child, 0, top)
                if chosen[1] and index.data(ID_ROLE) == chosen[1]:
                    found = index
            self.view.setCurrentIndex(found)
            return

    def show_waiting(self, text: str) -> None:
        """A search is on its way but waits (for the search index to open)."""
        self.summary.setText(text)

    def show_error(self, message: str) -> None:
        self.show_result(None)
        self.message.setText(message)
        self.message.setVisible(True)
        self.summary.setText("The query could not run")

    def _fill_chips(self, facets: dict[str, dict[str, int]]) -> None:
        self.chips.clear()
        chips: list[tuple[str, str]] = []
        for name, count in _top(facets.get("tags", {})):
            chips.append((f"#{name}  {count}", f'tag:"{name}"'))
        for name, count in _top(facets.get("authors", {})):
            chips.append((f"{name}  {count}", f'author:"{name}"'))
        for name, count in _top(facets.get("years", {})):
            chips.append((f"{name}  {count}", f"date:{name}"))
        names = getattr(self.result, "color_names", None) or {}
        colors: dict[str, str] = {}
        for color, count in _top(facets.get("colors", {})):
            name = names.get(color) or color  # the legend's name for the colour
            term = f'color:"{name}"' if " " in name else f"color:{name}"
            chips.append((f"{name}  {count}", term))
            colors[term] = color
        for text, term in chips:
            chip = QToolButton(self.chips_box)
            chip.setObjectName("facetChip")
            chip.setText(one_line(text, 40).replace("&", "&&"))
            chip.setProperty("term", term)
            if term in colors:
                chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
                chip.setIcon(_dot(self.delegate.theme.highlight(colors[term])))
                chip.setToolTip(f"Passages in {colors[term]}: {term}")
            chip.setAutoRaise(False)
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.clicked.connect(self._chip_clicked)
            self.chips.addWidget(chip)
        self.chips_box.setVisible(bool(chips))

    @Slot()
    def _chip_clicked(self) -> None:
        term = self.sender().property("term")
        query = self.result.query if self.result is not None else ""
        if term and term not in query:
            self.refine_requested.emit(f"{query} {term}".strip())

    def _use_suggestion(self) -> None:
        if self.result is not None and self.result.suggestion:
            self.refine_requested.emit(self.result.suggestion)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(int(index.data(ARTICLE_ROLE)), index.data(ID_ROLE) or "")

    def step(self, delta: int) -> None:
        """Open the next (+1) or previous (-1) article of the results."""
        rows = self.model.rowCount()
        if not rows:
            return
        current = self.view.currentIndex()
        while current.isValid() and current.parent().isValid():
            current = current.parent()
        row = min(max(current.row() + delta if current.isValid() else 0, 0), rows - 1)
        index = self.model.index(row, 0)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
        self._activated(index)

    def set_sort(self, sort: str) -> None:
        for n in range(self.sort.count()):
            if self.sort.itemData(n) == sort:
                self.sort.blockSignals(True)
                self.sort.setCurrentIndex(n)
                self.sort.blockSignals(False)


def _dot(color: QColor) -> QIcon:
    """A round swatch of a highlight colour, for a colour's facet chip."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(color.darker(140))
    painter.setBrush(color)
    painter.drawEllipse(1, 1, 10, 10)
    painter.end()
    return QIcon(pixmap)


def nothing_found(query: str, suggested: bool) -> str:
    """What an empty result says: that nothing matched, and what to try next."""
    said = f"No articles or passages match “{one_line(query, 60)}”."
    if suggested:
        return said  # "Did you mean" follows
    return said + " Try fewer words, another form (econom*) or a close spelling (juliaka~)."


def _top(counts: dict[str, int]) -> list[tuple[str, int]]:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]).casefold()))
    return ordered[:CHIPS_PER_FACET]
