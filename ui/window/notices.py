"""What the library has to tell the reader, and where the window tells it.

At open, `Library.notices` holds plain sentences (a damaged database restored
from a backup, a leftover journal set aside, no backup made, opened read-only
because another process writes). Once the window is on screen they are shown:
a repair (a restored backup, or a library that starts empty) in a message box,
anything milder as a status-bar message. Nothing here blocks the first paint.
Sentences added later (the database check and the search index's opening run after
the window shows) are told the same way within a second.

Two indications stay in the status bar for as long as they hold: a read-only
library (with the reason) and a JSON mirror of the annotations that could not
be written (`Library.mirror_error`, cleared when a later write succeeds).

`install_refusal_hook` is the last line of defence of the running program: a
refusal of the library (StoreError, AnnotationError) that a handler failed to
catch is shown in one line instead of a traceback.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from ui.common.plain import one_line, plain_label, plain_tooltip
from ui.passages.undo import REFUSALS

if TYPE_CHECKING:  # the engine's Library loads with the library, not with the window's code
    from index import Library

# Sentences that mean the library was repaired: the reader must see them, once, in a box.
SERIOUS = re.compile(r"damaged|restored|no usable backup|starts empty", re.IGNORECASE)
MILD_MESSAGE_MS = 30000
LABEL_CHARS = 90


def read_only_reason(library: Library) -> str:
    """Why the library cannot be written ("" when it can), from what the engine says."""
    if not getattr(library, "read_only", False):
        return ""
    reason = getattr(library, "read_only_reason", None)
    if reason is None:
        reason = getattr(getattr(library, "store", None), "read_only_reason", "")
    return str(reason or "the library is open read-only: changes cannot be saved")


def sort_notices(notices: list[str], reason: str = "") -> tuple[list[str], list[str]]:
    """(serious, mild). When anything is serious, every other notice goes in the same box
    so the story is told whole; the read-only reason is left out (it has its own label)."""
    told = [n for n in notices if n and n.strip() != reason.strip()]
    if any(SERIOUS.search(n) for n in told):
        return told, []
    return [], told


def sentence(text: str) -> str:
    """A message from the engine as a sentence: capital first letter, one line."""
    flat = one_line(text, 400)
    return flat[:1].upper() + flat[1:] if flat else flat


class LibraryNotices(QObject):
    """The notices of one window: shown once after the first show, and two standing labels."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.box: QMessageBox | None = None
        self.shown = False
        self.told = 0  # how many of the library's notices were told
        self.read_only_label = _badge("readOnlyLabel", window)
        self.mirror_label = _badge("mirrorLabel", window)
        status = window.statusBar()
        status.insertPermanentWidget(0, self.mirror_label)
        status.insertPermanentWidget(0, self.read_only_label)
        self.mirror_label.hide()
        self.apply_read_only()
        window.installEventFilter(self)
        window.state_timer.timeout.connect(self.refresh)
        if window.isVisible():
            QTimer.singleShot(0, self.show_open_notices)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Show and not self.shown:
            QTimer.singleShot(0, self.show_open_notices)
        return super().eventFilter(watched, event)

    def show_open_notices(self) -> None:
        """Tell what happened while the library opened (once per window)."""
        if self.shown:
            return
        self.shown = True
        self._tell_new("Gloss repaired the library while opening it.")
        self.refresh()

    def _tell_new(self, headline: str) -> None:
        """The notices not told yet: serious ones in a box under `headline`, the rest in
        the status bar."""
        notices = list(getattr(self.window.library, "notices", []))
        new, self.told = notices[self.told :], len(notices)
        serious, mild = sort_notices(new, self.reason())
        if mild:
            self.window.statusBar().showMessage(one_line("  ·  ".join(mild), 300), MILD_MESSAGE_MS)
        if serious:
            self.box = self.tell(
                headline, "\n\n".join(sentence(n) for n in serious), icon=QMessageBox.Icon.Warning
            )

    def tell(self, headline: str, body: str = "", *, icon: Any = None) -> QMessageBox:
        """A window-modal message box (plain text) that does not block the caller."""
        box = QMessageBox(self.window)
        box.setObjectName("noticeBox")
        box.setIcon(icon or QMessageBox.Icon.Information)
        box.setWindowTitle("Gloss")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(headline + ("\n\n" + body if body else ""))
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def reason(self) -> str:
        return read_only_reason(self.window.library)

    def apply_read_only(self) -> None:
        """Show the standing read-only label and lock every editing surface."""
        reason = self.reason()
        self.read_only_label.setVisible(bool(reason))
        if not reason:
            return
        self.read_only_label.setText(one_line("Read-only: " + sentence(reason), LABEL_CHARS))
        self.read_only_label.setToolTip(plain_tooltip(sentence(reason)))
        window = self.window
        if hasattr(window.passages, "set_read_only"):
            window.passages.set_read_only(True)
        window.reader.read_only = True
        window.update_actions()

    def refresh(self) -> None:
        """Follow `Library.mirror_error`: shown while set, gone once a write succeeds; tell
        notices that came after the opening ones."""
        if self.shown and len(getattr(self.window.library, "notices", [])) > self.told:
            self._tell_new("Gloss found a problem with the library.")
        error = getattr(self.window.library, "mirror_error", None)
        if error:
            text = "Annotation files not saved: " + str(error)
            self.mirror_label.setText(one_line(text, LABEL_CHARS))
            self.mirror_label.setToolTip(
                plain_tooltip(
                    sentence(str(error)) + "\nThe passages are safe in the database; the files "
                    "are written again after the next change."
                )
            )
        self.mirror_label.setVisible(bool(error))


def _badge(name: str, parent: QWidget) -> QLabel:
    label = plain_label("", parent)
    label.setObjectName(name)
    label.setStyleSheet(
        "QLabel { background: #fbeec1; color: #4a3b00; border: 1px solid #e0c66b;"
        " border-radius: 3px; padding: 0 6px; }"
        if name == "readOnlyLabel"
        else "QLabel { color: #b3261e; padding: 0 4px; }"
    )
    label.hide()
    return label


def install_refusal_hook(window: Any) -> None:
    """Show a library refusal that escaped a handler as one line, not a traceback.

    Only for the running program: tests keep pytest-qt's hook, which fails them instead.
    """
    previous = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException, tb: Any) -> None:
        if isinstance(error, REFUSALS) and window is not None:
            try:
                window.show_error(sentence(str(error)))
                return
            except RuntimeError:  # the window is gone already
                pass
        previous(kind, error, tb)

    sys.excepthook = hook
