"""The search field of the toolbar and the short help on the query syntax beside it.

Signals:
    SearchBox.query_changed(str): the text as typed (the controller debounces it).
    SearchBox.submitted(): Enter: search now.
    SearchBox.escaped(): Esc in the field: clear the search.
    SearchBox.down(): Down arrow: move to the results.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QToolButton,
    QWidget,
)

from ui.common.plain import plain_label

HINT_RIGHT_GAP = 24  # room for the field's clear button

SYNTAX = (
    ("protest", "words, with their other forms (protests, protested)"),
    ('"state of emergency"', "a phrase"),
    ("title:peru   author:smith", "words in the title or the author"),
    ("date:2023   date:2023-01", "by date; date:[2023-01-01 to 2023-01-31] for a range"),
    ("tag:economy   note:follow", "your passages: by tag, or words in notes"),
    ("quote:strike   color:yellow", "words in highlighted passages, or their colour"),
    ("is:orphaned   has:note", "passages whose words are gone; passages with a note"),
    ("a AND NOT b   a OR b   -word", "boolean logic"),
    ("econom*   juliaka~", "wildcards and close spellings"),
)


def slow_wildcard(query: str) -> str | None:
    """The first word that starts with a wildcard (`*ism`, `?ism`, `title:*ism`, bare `*`),
    or None. Such a word must be matched against every word of the index: it runs on Enter,
    never as you type."""
    outside_phrases = re.sub(r'"[^"]*"?', " ", query)
    for token in re.split(r"[\s()]+", outside_phrases):
        word = re.sub(r"^\w+:", "", token.lstrip("-+"))
        if word[:1] in ("*", "?"):
            return word
    return None


def wildcard_hint(word: str) -> str:
    """What Enter will do for a leading-wildcard word."""
    rest = word.lstrip("*")
    if word.startswith("*") and rest and not re.search(r"[*?]", rest):
        return f"Press Enter to search words ending in “{rest}”"
    return f"Press Enter to search “{word}”"


class SyntaxHelp(QFrame):
    """A popup listing the query syntax, opened from the ? button."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("syntaxHelp")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 10, 12, 10)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(5)
        title = plain_label("Search syntax", self)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        grid.addWidget(title, 0, 0, 1, 2)
        for row, (example, meaning) in enumerate(SYNTAX, start=1):
            code = plain_label(example, self)
            code.setObjectName("syntaxExample")
            mono = code.font()
            mono.setFamilies(["DejaVu Sans Mono", "monospace"])
            code.setFont(mono)
            grid.addWidget(code, row, 0)
            grid.addWidget(plain_label(meaning, self), row, 1)


class SearchBox(QWidget):
    """A line edit for queries and a ? button for the syntax help."""

    query_changed = Signal(str)
    submitted = Signal()
    escaped = Signal()
    down = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchBox")
        self.line = QLineEdit(self)
        self.line.setObjectName("searchField")
        self.line.setPlaceholderText("Search articles and passages  (Ctrl+K)")
        self.line.setClearButtonEnabled(True)
        self.line.setMinimumWidth(320)
        self.line.textChanged.connect(self.query_changed)
        self.line.returnPressed.connect(self.submitted)
        self.line.installEventFilter(self)
        self.help_button = QToolButton(self)
        self.help_button.setObjectName("syntaxButton")
        self.help_button.setText("?")
        self.help_button.setToolTip("Search syntax")
        self.help_button.clicked.connect(self.show_help)
        self.help = SyntaxHelp(self)
        # Shown inside the field, at its right end, in the placeholder's colour.
        self.hint = plain_label("", self.line)
        self.hint.setObjectName("searchHint")
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.hint.hide()
        self.line.textChanged.connect(self._update_hint)
        self.line.returnPressed.connect(lambda: self._show_hint(""))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.help_button)

    def text(self) -> str:
        return self.line.text()

    def _update_hint(self, text: str) -> None:
        word = slow_wildcard(text)
        self._show_hint(wildcard_hint(word) if word is not None else "")

    def _show_hint(self, text: str) -> None:
        """Show `text` at the right end of the field; typed text stops short of it."""
        self.hint.setText(text)
        self.hint.setVisible(bool(text))
        width = self.hint.fontMetrics().horizontalAdvance(text) + 10 if text else 0
        self.line.setTextMargins(0, 0, width, 0)
        self._place_hint()

    def _place_hint(self) -> None:
        if not self.hint.isVisible():
            return
        room = self.line.width() - HINT_RIGHT_GAP
        width = min(self.hint.fontMetrics().horizontalAdvance(self.hint.text()) + 4, room // 2)
        self.hint.setGeometry(room - width, 0, width, self.line.height())

    def set_text(self, text: str) -> None:
        """Replace the query (emits query_changed like typing does)."""
        self.line.setText(text)

    def focus(self) -> None:
        self.line.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.line.selectAll()

    def show_help(self) -> None:
        self.help.adjustSize()
        corner = self.mapToGlobal(QPoint(0, self.height() + 2))
        self.help.move(corner)
        self.help.show()

    def eventFilter(self, watched: QObject, event: Any) -> bool:
        if watched is self.line and event.type() == QEvent.Type.Resize:
            self._place_hint()
        if watched is self.line and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:
                self.escaped.emit()
                return True
            if event.key() == Qt.Key.Key_Down:
                self.down.emit()
                return True
        return super().eventFilter(watched, event)
