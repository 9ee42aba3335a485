"""The reader's search marks: exactly the words the current search matched in the open article.

The spans come from the engine (`Library.term_spans`: the query as the search ran it,
read with the index's analyzer), computed on the search pool, never the GUI thread.
They follow the query: a new query re-marks the open article, a cleared one (or one
that only names passages, `color:question`) takes the marks away. An answer for an
older query or another article is dropped on arrival. While the find bar is open its
matches own the marks; when it closes the search's come back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Slot

from ui.common.workers import JobRunner


class SearchMarks(QObject):
    """Keeps the reader's marks in step with the search query and the open article."""

    def __init__(
        self,
        library: Any,
        runner: JobRunner,
        reader: Any,
        find_bar: Any,
        article_id: Callable[[], int | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.runner = runner
        self.reader = reader
        self.find_bar = find_bar
        self.article_id = article_id  # the open article's id, None when none is open
        self.query = ""
        self.serial = 0
        self.shown = False  # the reader's marks are ours (not the find bar's)
        find_bar.closed.connect(self.find_closed)

    def set_query(self, query: str) -> None:
        """The search now shown is for `query` ("" when cleared): mark what it matches."""
        query = query.strip()
        if query != self.query:
            self.query = query
            self.refresh(reveal=False)

    def article_opened(self, *, reveal: bool) -> None:
        """A new article is in the reader; `reveal` scrolls to the first mark when it comes."""
        self.shown = False  # the reader dropped every mark with its old text
        self.refresh(reveal=reveal)

    @Slot()
    def find_closed(self) -> None:
        self.shown = False
        self.refresh(reveal=False)

    def refresh(self, *, reveal: bool) -> None:
        """Ask the engine for the marks of the current query in the open article."""
        self.serial += 1
        article_id = self.article_id()
        if not self.query or article_id is None:
            self._show([], reveal=False)
            return
        serial, query, library = self.serial, self.query, self.library

        def work(_progress, _cancel) -> tuple[int, int, list, bool]:
            return serial, article_id, library.term_spans(query, article_id), reveal

        self.runner.start("marks", work, search=True, on_finished=self._arrived)

    @Slot(object)
    def _arrived(self, payload: tuple[int, int, list, bool]) -> None:
        serial, article_id, spans, reveal = payload
        if serial != self.serial or article_id != self.article_id():
            return  # an older query's, or another article's
        self._show(spans, reveal=reveal)

    def _show(self, spans: list[tuple[int, int]], *, reveal: bool) -> None:
        if self.find_bar.isVisible():
            return  # the find bar's matches are what the reader shows now
        if not spans and not self.shown:
            return
        self.reader.set_marks(spans, 0, reveal=reveal)
        self.shown = bool(spans)
