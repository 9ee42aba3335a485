"""Small dialogs for a passage: its note, its tags (completed from the library's tags).

They open window-modal with `open()` and report through signals, so the event
loop keeps running (and tests drive them as a user would: type, press Enter).

Signals:
    NoteDialog.submitted(str): the note as written.
    TagsDialog.submitted(list): the tags as typed, split at commas.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.common.plain import one_line, plain_label


def split_tags(text: str) -> list[str]:
    """Tags typed as 'a, b c, #d' -> ['a', 'b c', 'd'] (empty parts dropped, no duplicates)."""
    out: list[str] = []
    for part in text.split(","):
        tag = " ".join(part.split()).lstrip("#").strip()
        if tag and tag.casefold() not in {t.casefold() for t in out}:
            out.append(tag)
    return out


class _QuoteDialog(QDialog):
    def __init__(self, parent: QWidget, title: str, quote: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.layout_ = QVBoxLayout(self)
        self.quote = plain_label("“" + one_line(quote, 160) + "”", self)
        self.quote.setWordWrap(True)
        self.quote.setObjectName("dialogQuote")
        self.layout_.addWidget(self.quote)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)


class NoteDialog(_QuoteDialog):
    """Write or change the note of a passage; Ctrl+Enter saves."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget, quote: str, note: str = "") -> None:
        super().__init__(parent, "Note", quote)
        self.setObjectName("noteDialog")
        self.editor = QPlainTextEdit(self)
        self.editor.setPlainText(note)
        self.editor.setTabChangesFocus(True)
        self.editor.setPlaceholderText("Your note on this passage")
        self.layout_.addWidget(self.editor)
        self.layout_.addWidget(self.buttons)
        self.editor.installEventFilter(self)
        self.resize(440, 260)
        self.editor.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Ctrl+Enter in the editor saves (Enter alone starts a new line)."""
        if (
            watched is self.editor
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.accept()
            return True
        return super().eventFilter(watched, event)

    def accept(self) -> None:
        self.submitted.emit(self.editor.toPlainText().strip())
        super().accept()


class TagCompleter(QCompleter):
    """Completes the tag being typed after the last comma, keeping the ones before it."""

    def __init__(self, tags: list[str], line: QLineEdit) -> None:
        super().__init__(QStringListModel(tags), line)
        self._line = line
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)

    def splitPath(self, path: str) -> list[str]:
        return [path.rsplit(",", 1)[-1].strip().lstrip("#")]

    def pathFromIndex(self, index: QModelIndex) -> str:
        head = self._line.text().rsplit(",", 1)
        before = head[0] + ", " if len(head) == 2 else ""
        return before + str(index.data())


class TagsDialog(_QuoteDialog):
    """Tags for a passage (or many), separated by commas, completed from existing tags."""

    submitted = Signal(list)

    def __init__(
        self, parent: QWidget, quote: str, tags: list[str], known: list[str], title: str = "Tags"
    ) -> None:
        super().__init__(parent, title, quote)
        self.setObjectName("tagsDialog")
        self.line = QLineEdit(self)
        self.line.setText(", ".join(tags) + (", " if tags else ""))
        self.line.setPlaceholderText("tags, separated by commas")
        self.line.setCompleter(TagCompleter(known, self.line))
        self.layout_.addWidget(self.line)
        self.layout_.addWidget(self.buttons)
        self.resize(420, 150)
        self.line.setFocus()

    def accept(self) -> None:
        self.submitted.emit(split_tags(self.line.text()))
        super().accept()
