"""Find in article: a bar under the reader; every match is marked, F3 / Shift+F3 move.

Signals:
    closed(): the bar was closed (Esc or its close button).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QMenu, QToolButton, QWidget

from ui.common.plain import plain_label
from ui.reader.reader import ReaderView
from ui.reader.textfind import TextFinder


class FindBar(QWidget):
    """Find field, match count, previous/next, whole-word and accent options."""

    closed = Signal()

    def __init__(self, reader: ReaderView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self.reader = reader
        self._finder: TextFinder | None = None
        self._finder_text: str | None = None
        self.line = QLineEdit(self)
        self.line.setObjectName("findField")
        self.line.setPlaceholderText("Find in article")
        self.line.setClearButtonEnabled(True)
        self.line.textChanged.connect(self.refresh)
        self.line.returnPressed.connect(lambda: self.reader.step_mark(1))
        self.line.installEventFilter(self)
        self.count = plain_label("", self)
        self.count.setObjectName("findCount")
        self.count.setMinimumWidth(70)
        self.previous = QToolButton(self)
        self.previous.setArrowType(Qt.ArrowType.UpArrow)
        self.previous.setToolTip("Previous match (Shift+F3)")
        self.previous.clicked.connect(lambda: self.reader.step_mark(-1))
        self.next = QToolButton(self)
        self.next.setArrowType(Qt.ArrowType.DownArrow)
        self.next.setToolTip("Next match (F3)")
        self.next.clicked.connect(lambda: self.reader.step_mark(1))
        self.options = QToolButton(self)
        self.options.setObjectName("findOptions")
        self.options.setText("Options")
        self.options.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.options)
        self.whole = menu.addAction("&Whole words")
        self.whole.setCheckable(True)
        self.whole.setShortcut(QKeySequence("Alt+W"))
        self.whole.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.whole.toggled.connect(self.refresh)
        self.accents = menu.addAction("Ignore &accents")
        self.accents.setCheckable(True)
        self.accents.setChecked(True)
        self.accents.setShortcut(QKeySequence("Alt+A"))
        self.accents.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.accents.toggled.connect(self.refresh)
        self.addActions([self.whole, self.accents])
        self.options.setMenu(menu)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Close (Esc)")
        self.close_button.clicked.connect(self.close_bar)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.count)
        layout.addWidget(self.previous)
        layout.addWidget(self.next)
        layout.addWidget(self.options)
        layout.addWidget(self.close_button)
        reader.marks_changed.connect(self._show_count)
        reader.marks_wrapped.connect(self._show_wrap)
        self.hide()

    def open_bar(self) -> None:
        self.show()
        self.line.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.line.selectAll()
        self.refresh()

    def close_bar(self) -> None:
        self.hide()
        self.reader.set_marks([])
        self.reader.setFocus()
        self.closed.emit()

    def refresh(self, *_args: Any) -> None:
        """Find the phrase again (the text, the phrase or an option changed)."""
        if not self.isVisible():
            return
        if self._finder is None or self._finder_text != self.reader.text:
            self._finder = TextFinder(self.reader.text)
            self._finder_text = self.reader.text
        matches = self._finder.find_all(
            self.line.text(),
            whole_words=self.whole.isChecked(),
            ignore_accents=self.accents.isChecked(),
        )
        first = 0
        top = self.reader.first_visible_offset()
        for n, (start, _end) in enumerate(matches):
            if start >= top:
                first = n
                break
        self.reader.set_marks(matches, first)

    def _show_count(self, current: int, total: int) -> None:
        if not self.line.text().strip() or not self.isVisible():
            self.count.setText("")
        elif total == 0:
            self.count.setText("No matches")
        else:
            self.count.setText(match_count(current, total))

    def _show_wrap(self, direction: int) -> None:
        if self.isVisible() and self.reader.marks:
            self.count.setText(
                match_count(self.reader.mark_index, len(self.reader.marks), direction)
            )

    def eventFilter(self, watched: QObject, event: Any) -> bool:
        if watched is self.line and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:
                self.close_bar()
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            ):
                self.reader.step_mark(-1)
                return True
        return super().eventFilter(watched, event)


def match_count(index: int, total: int, wrapped: int = 0) -> str:
    """ "3 of 17", and after F3 went round: "1 of 17, from the top again" (or the end)."""
    text = f"{index + 1} of {total}"
    if wrapped > 0:
        text += ", from the top again"
    elif wrapped < 0:
        text += ", from the end again"
    return text
