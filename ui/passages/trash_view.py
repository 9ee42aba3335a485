"""The trash: deleted passages, kept across restarts until the reader empties it.

The sidebar's "Trash" entry (with its count) shows this view in the middle of
the window: each deleted passage with its quote, note, tags, article and when
it was deleted. Restore puts the chosen passages back in their articles as they
were (one undoable step); History… shows every version of one and restores any;
Empty Trash… asks, then forgets them for good.

Signals:
    TrashView.restore_requested(list): ids of the passages to take out of the trash.
    TrashView.history_requested(str): the id of a passage whose versions to show.
    TrashView.empty_requested(): the reader asked to empty the trash.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from index import count_of
from ui.common.models import COLOR_ROLE, ID_ROLE, ITEM_ROLE
from ui.common.plain import one_line, plain_label, plain_tooltip
from ui.common.writer import Writer
from ui.passages.history_dialog import local_time
from ui.passages.passages import PassageDelegate
from ui.passages.undo import REFUSALS, Notify, PassageCommand, all_or_nothing
from ui.window.notices import read_only_reason, sentence
from ui.window.themes import LIGHT, Theme

if TYPE_CHECKING:  # the engine's Library loads with the library, not with the window's code
    from index import Library

TRASHED_ROLE = Qt.ItemDataRole.UserRole + 41


def when(iso: str, today: datetime.date | None = None) -> str:
    """A deletion time, short: 'today 14:03', '3 Mar 14:03' this year, else '3 Mar 2024'."""
    stamp = local_time(iso)
    try:
        moment = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso
    today = today or datetime.date.today()
    if moment.date() == today:
        return "today " + moment.strftime("%H:%M")
    day = f"{moment.day} {moment.strftime('%b')}"
    if moment.year == today.year:
        return f"{day} {moment.strftime('%H:%M')}"
    return f"{day} {moment.year}"


class TrashDelegate(PassageDelegate):
    """A deleted passage as in the passages panel, with a line for its article and time."""

    def _lines(self, index: QModelIndex, base: QFont) -> list[tuple[str, QFont, QColor]]:
        lines = super()._lines(index, base)
        trashed = index.data(TRASHED_ROLE)
        if trashed is not None:
            small = QFont(base)
            small.setPointSizeF(max(base.pointSizeF() * 0.9, 7))
            title = one_line(trashed.article_title or "an article no longer in the library", 120)
            where = f"{title} · deleted {when(trashed.deleted)}"
            lines.append((where, small, QColor(self.theme.muted)))
        return lines


class TrashView(QWidget):
    """The list of deleted passages with Restore, History… and Empty Trash…."""

    restore_requested = Signal(list)
    history_requested = Signal(str)
    empty_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trashView")
        self.items: list[Any] = []
        self.read_only = False
        self.title = plain_label("Trash", self)
        self.title.setObjectName("panelTitle")
        self.hint = plain_label(
            "Deleted passages wait here, across restarts, until you empty the trash. "
            "Restore puts a passage back in its article with its note, tags and colour.",
            self,
        )
        self.hint.setObjectName("panelHint")
        self.hint.setWordWrap(True)
        self.model = QStandardItemModel(self)
        self.view = QListView(self)
        self.view.setObjectName("trashList")
        self.view.setModel(self.model)
        self.view.setWordWrap(True)
        self.view.setUniformItemSizes(False)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.delegate = TrashDelegate(self.view, LIGHT)
        self.view.setItemDelegate(self.delegate)
        self.view.doubleClicked.connect(lambda _index: self._restore())
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.restore_button = QPushButton("&Restore", self)
        self.restore_button.setObjectName("restoreFromTrash")
        self.restore_button.clicked.connect(self._restore)
        self.history_button = QPushButton("&History…", self)
        self.history_button.setObjectName("trashHistory")
        self.history_button.clicked.connect(self._history)
        self.empty_button = QPushButton("&Empty Trash…", self)
        self.empty_button.setObjectName("emptyTrash")
        self.empty_button.clicked.connect(self.empty_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.history_button)
        buttons.addStretch(1)
        buttons.addWidget(self.empty_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def set_theme(self, theme: Theme) -> None:
        self.delegate.theme = theme
        self.view.viewport().update()

    def set_read_only(self, reason: str) -> None:
        """Nothing can be restored or emptied in a library that cannot be written."""
        self.read_only = bool(reason)
        tip = sentence(reason) if reason else ""
        for button in (self.restore_button, self.empty_button):
            button.setToolTip(tip)
        self._update_buttons()

    def set_items(self, items: list[Any]) -> None:
        """Show these Trashed records (newest first), keeping the selection where it can."""
        keep = set(self.selected_ids())
        self.items = list(items)
        self.model.clear()
        for trashed in self.items:
            ann = trashed.annotation
            item = QStandardItem(one_line(ann.exact, 200))
            item.setEditable(False)
            item.setData(ann.id, ID_ROLE)
            item.setData(ann.color, COLOR_ROLE)
            item.setData(ann, ITEM_ROLE)
            item.setData(trashed, TRASHED_ROLE)
            item.setToolTip(plain_tooltip(ann.exact + (f"\n\n{ann.note}" if ann.note else "")))
            self.model.appendRow(item)
        count = len(self.items)
        self.title.setText(f"Trash ({count})" if count else "Trash")
        self.hint.setText(
            "Deleted passages wait here, across restarts, until you empty the trash. "
            "Restore puts a passage back in its article with its note, tags and colour."
            if count
            else "The trash is empty. Passages you delete wait here until you empty it."
        )
        selection = self.view.selectionModel()
        for row in range(self.model.rowCount()):
            if self.model.item(row).data(ID_ROLE) in keep:
                selection.select(self.model.index(row, 0), selection.SelectionFlag.Select)
        self._update_buttons()

    def selected_ids(self) -> list[str]:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        return [self.model.item(r).data(ID_ROLE) for r in rows]

    def _update_buttons(self) -> None:
        chosen = len(self.selected_ids())
        self.restore_button.setEnabled(chosen > 0 and not self.read_only)
        self.history_button.setEnabled(chosen == 1)
        self.empty_button.setEnabled(bool(self.items) and not self.read_only)

    def _restore(self) -> None:
        ids = self.selected_ids()
        if ids and not self.read_only:
            self.restore_requested.emit(ids)

    def _history(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            self.history_requested.emit(ids[0])

    def _context_menu(self, point: Any) -> None:
        if not self.selected_ids():
            return
        menu = QMenu(self)
        for button in (self.restore_button, self.history_button):
            action = menu.addAction(button.text(), button.click)
            action.setEnabled(button.isEnabled())
        menu.exec(self.view.viewport().mapToGlobal(point))
        menu.deleteLater()


class RestoreFromTrash(PassageCommand):
    """Take passages out of the trash as they were deleted; undo moves them back in."""

    def __init__(self, writer: Writer, notify: Notify, ids: list[str], article_id: int = 0):
        noun = "Passage" if len(ids) == 1 else f"{len(ids)} Passages"
        super().__init__(f"Restore {noun} from Trash", writer, notify)
        self.ids = list(ids)
        self.article_id = article_id
        self.restored: list[Any] = []

    def apply(self, library: Library) -> tuple[int, str]:
        restored: list[Any] = []
        try:
            for passage_id in self.ids:
                restored.append(library.restore_from_trash(passage_id))
        except REFUSALS:
            all_or_nothing(restored, lambda p: library.delete_annotation(p.id))
            raise
        self.restored = restored
        if restored:
            self.article_id = restored[-1].article_id
            return restored[-1].article_id, restored[-1].id
        return self.article_id, ""

    def revert(self, library: Library) -> tuple[int, str]:
        for passage in reversed(self.restored):
            library.take_back(passage.id, passage)  # back in the trash, deleted as before
        return (self.restored[0].article_id if self.restored else self.article_id), ""


class TrashActions(QObject):
    """The trash of one window: the sidebar entry's view, restore, history, empty."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.view = TrashView(window.middle)
        window.middle.addWidget(self.view)
        self.view.set_read_only(read_only_reason(window.library))
        self.view.restore_requested.connect(self.restore)
        self.view.history_requested.connect(self.show_history)
        self.view.empty_requested.connect(self.ask_empty)
        window.controller.changed.connect(self.on_changed)
        for name in ("light", "sepia", "dark"):  # after the window's own handler has run
            window.registry[f"theme_{name}"].triggered.connect(self._follow_theme)
        self.box: QMessageBox | None = None

    def count(self) -> int:
        """Passages in the trash (0 when the library cannot say)."""
        try:
            return self.window.library.counts().get("trash", 0)
        except REFUSALS:
            return 0

    def refresh(self) -> None:
        try:
            items = self.window.library.trash()
        except REFUSALS as error:
            self.window.show_message(str(error))
            items = []
        self.view.set_theme(getattr(self.window, "theme", LIGHT))
        self.view.delegate.names = dict(getattr(self.window.passages.delegate, "names", {}))
        self.view.set_items(items)

    @Slot()
    def _follow_theme(self) -> None:
        self.view.set_theme(getattr(self.window, "theme", LIGHT))

    def show_view(self) -> None:
        """The sidebar's Trash entry was chosen: list what the trash holds."""
        self.refresh()
        self.window.middle.setCurrentWidget(self.view)

    @Slot(int, str)
    def on_changed(self, _article_id: int, _passage_id: str) -> None:
        """A passage was deleted or restored (also by undo): keep the list true."""
        if self.window.middle.currentWidget() is self.view:
            self.refresh()

    @Slot(list)
    def restore(self, ids: list[str]) -> bool:
        """Take passages out of the trash (one undoable step) and show the last one in place."""
        window = self.window
        if window.refuse_if_read_only():
            return False
        controller = window.controller

        def restored() -> None:
            self.refresh()
            window.refresh_sidebar()
            window.show_message(f"{count_of(len(ids), 'passage')} restored.")
            if len(ids) == 1:
                passage = window.library.get_annotation(ids[0])
                if window.article is None or window.article.id != passage.article_id:
                    window.open_article(passage.article_id, passage_id=passage.id)
                else:
                    window.show_passage(passage.id)

        command = RestoreFromTrash(controller.writer, controller.notify, list(ids))
        return controller.push(command, then=restored)

    @Slot(str)
    def show_history(self, passage_id: str) -> Any:
        dialog = self.window.history.open_for(passage_id)
        dialog.finished.connect(lambda _r: self.refresh())
        return dialog

    @Slot()
    def ask_empty(self) -> QMessageBox | None:
        """Ask before forgetting every trashed passage (this cannot be undone)."""
        window = self.window
        if window.refuse_if_read_only():
            return None
        count = self.count()
        if not count:
            window.show_message("The trash is empty.")
            return None
        box = QMessageBox(window)
        box.setObjectName("emptyTrashBox")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Empty Trash")
        box.setTextFormat(Qt.TextFormat.PlainText)
        noun = "passage" if count == 1 else f"{count} passages"
        box.setText(
            f"Empty the trash? The {noun} in it will be gone for good, with "
            f"{'its' if count == 1 else 'their'} history. This cannot be undone."
        )
        empty = box.addButton("Empty Trash", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_result: int) -> None:
            if box.clickedButton() is empty:
                self.empty()

        box.finished.connect(answered)
        self.box = box
        box.open()
        return box

    def empty(self) -> int:
        """Forget every trashed passage, on the writer; the count is told when it is done."""
        window = self.window

        def emptied(gone: int, _changes: object) -> None:
            self.refresh()
            window.refresh_sidebar()
            window.show_message(f"Trash emptied: {gone} passage{'s' * (gone != 1)} gone for good.")

        window.writer.submit(window.library.empty_trash, done=emptied, refused=window.show_error)
        return 0
