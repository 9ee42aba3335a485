"""A word in the status bar after a change that is easy to regret, with an Undo button beside
it: "Passage moved to the Trash. [Undo]".

It stays about ten seconds, and goes as soon as anything else is said in the status
bar or the undo stack moves (an undo by Ctrl+Z, another change), so the button never
undoes something other than what its words name.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QStatusBar, QWidget

from ui.common.plain import one_line, plain_label

SHOWN_MS = 10000


class UndoOffer(QWidget):
    """The words and the Undo button, living at the left of a status bar."""

    def __init__(self, status: QStatusBar, stack: QUndoStack) -> None:
        super().__init__(status)
        self.setObjectName("undoOffer")
        self.stack = stack
        self.label = plain_label("", self)
        self.label.setObjectName("undoOfferText")
        self.button = QPushButton("Undo", self)
        self.button.setObjectName("undoOfferButton")
        self.button.setFlat(True)
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.setStyleSheet(  # a link in the status bar's line, in the theme's link colour
            "QPushButton { color: palette(link); text-decoration: underline; border: none;"
            " padding: 0 2px; }"
        )
        self.button.clicked.connect(self.undo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        layout.addWidget(self.label)
        layout.addWidget(self.button)
        layout.addStretch(1)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SHOWN_MS)
        self.timer.timeout.connect(self.hide)
        status.addWidget(self, 1)
        status.messageChanged.connect(self._on_message)
        stack.indexChanged.connect(self._on_stack_moved)
        self.hide()

    def offer(self, text: str) -> None:
        """Show `text` with the Undo button (the latest undo step is what it undoes)."""
        self.parentWidget().clearMessage()
        self.label.setText(one_line(text, 160))
        self.show()
        self.timer.start()

    @Slot()
    def undo(self) -> None:
        self.hide()
        if self.stack.canUndo():
            self.stack.undo()

    @Slot(str)
    def _on_message(self, message: str) -> None:
        if message:
            self.hide()  # an explicit hide: the status bar will not show it again

    @Slot(int)
    def _on_stack_moved(self, _index: int) -> None:
        self.hide()
