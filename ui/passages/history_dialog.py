"""A passage's history in the window: every version, what changed, and a way back to any.

The engine keeps each state of a passage as a version (index/history.py): its
creation, every edit of quote and place, note, tags and colour, re-anchoring at
re-import, deletion and restores. The dialog lists them oldest first with their
local time and what changed since the version before; choosing one shows it
whole; "Restore This Version" makes it the passage's state again (from the
trash too). The restore is one step of the window's undo stack, and undoing it
goes back through the engine, so the history records that as well.

`HistoryActions` (one per window) opens the dialog for the current passage (Passage ›
Passage History…, the passages panel) or any id (the trash).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from index import Annotation
from ui.common.models import color_label
from ui.common.plain import one_line, plain_label
from ui.common.writer import Writer
from ui.passages.passages import swatch_icon
from ui.passages.undo import REFUSALS, Notify, PassageCommand
from ui.window.notices import read_only_reason, sentence
from ui.window.themes import LIGHT, Theme

if TYPE_CHECKING:  # the engine's Library loads with the library, not with the window's code
    from index import Library

SEQ_ROLE = Qt.ItemDataRole.UserRole + 40
ACTIONS = {
    "created": "Created",
    "edited": "Edited",
    "deleted": "Deleted",
    "restored": "Restored",
    "reattached": "Re-attached",
    "accepted fuzzy match": "Fuzzy match accepted",
    "tags": "Tag renamed or removed",
}


def local_time(iso: str) -> str:
    """A version's UTC time as local 'YYYY-MM-DD HH:MM:SS'."""
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def changed_fields(before: Any, after: Any) -> list[str]:
    """What differs between two states of a passage, in the reader's words."""
    if before is None:
        return []
    out = []
    if before.exact != after.exact:
        out.append("quote")
    if before.note != after.note:
        out.append("note")
    if [t.casefold() for t in before.tags] != [t.casefold() for t in after.tags]:
        out.append("tags")
    if before.color != after.color:
        out.append("colour")
    if (before.start, before.end, before.orphaned) != (after.start, after.end, after.orphaned):
        out.append("position")
    return out


def describe(action: str, numbers: dict[int, int]) -> str:
    """An engine action as the dialog says it ('restored version 57' -> 'Restored version 2',
    the number being the version's place in this list)."""
    found = re.fullmatch(r"restored version (\d+)", action)
    if found:
        seq = int(found.group(1))
        return f"Restored version {numbers.get(seq, seq)}"
    found = re.fullmatch(r"reanchored \((\w+)\)", action)
    if found:
        return f"Re-anchored at re-import ({found.group(1)})"
    return ACTIONS.get(action, action[:1].upper() + action[1:])


def position_text(ann: Any) -> str:
    if ann.orphaned:
        return "orphaned: its words are not in the article's text"
    return f"characters {ann.start:,}–{ann.end:,} of the article's text"


class HistoryDialog(QDialog):
    """The versions of one passage beside the chosen version, with Restore This Version."""

    def __init__(
        self,
        parent: QWidget,
        actions: HistoryActions,
        passage_id: str,
        *,
        theme: Theme = LIGHT,
        read_only: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowTitle("Passage History")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.actions = actions
        self.passage_id = passage_id
        # a restore is written on the writer thread: the list follows once it has landed
        actions.window.controller.changed.connect(self.on_passages_changed)
        self.theme = theme
        self.read_only = read_only
        self.versions: list[Any] = []
        self.current: Any = None  # the passage as it is now (None when in the trash)
        self.heading = plain_label("", self)
        self.heading.setObjectName("dialogQuote")
        self.heading.setWordWrap(True)
        self.list = QTreeWidget(self)
        self.list.setObjectName("versionList")
        self.list.setHeaderLabels(["#", "When", "What happened"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setStyleSheet("QTreeWidget::item { padding: 3px 4px; }")
        header = self.list.header()
        header.setStretchLastSection(True)
        for column in (0, 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.list.currentItemChanged.connect(lambda *_: self._show_chosen())
        self.details = QWidget(self)
        self.details.setObjectName("versionDetails")
        form = QFormLayout(self.details)
        form.setContentsMargins(12, 4, 4, 4)
        form.setVerticalSpacing(8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.rows: dict[str, tuple[QLabel, QLabel]] = {}
        for key, title in (
            ("what", "Version"),
            ("colour", "Colour"),
            ("quote", "Quote"),
            ("note", "Note"),
            ("tags", "Tags"),
            ("position", "Place"),
        ):
            name = plain_label(title, self.details)
            value = plain_label("", self.details)
            value.setObjectName(f"version_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if key == "colour":  # the colour itself beside its name
                self.swatch = QLabel(self.details)
                line = QHBoxLayout()
                line.setSpacing(6)
                line.addWidget(self.swatch)
                line.addWidget(value, 1)
                form.addRow(name, line)
            else:
                form.addRow(name, value)
            self.rows[key] = (name, value)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("historySplitter")
        splitter.addWidget(self.list)
        splitter.addWidget(self.details)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([380, 360])
        self.restore_button = QPushButton("&Restore This Version", self)
        self.restore_button.setObjectName("restoreVersion")
        self.restore_button.clicked.connect(self.restore_chosen)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.heading)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.buttons)
        self.resize(760, 420)
        self.reload()

    def reload(self, select_seq: int | None = None) -> bool:
        """Read the versions again (after a restore); False when the passage has no history."""
        library = self.actions.window.library
        try:
            self.versions = library.history(self.passage_id)
        except REFUSALS as error:
            self.versions = []
            self.heading.setText(sentence(str(error)))
            self.list.clear()
            self._show_chosen()
            return False
        try:
            self.current = library.get_annotation(self.passage_id)
        except REFUSALS:
            self.current = None
        latest = self.versions[-1].annotation
        try:
            title = library.get_article(latest.article_id).title or "Untitled"
        except KeyError:
            title = "an article no longer in the library"
        state = "" if self.current is not None else " (in the trash)"
        self.heading.setText(f"“{one_line(latest.exact, 160)}”{state}\nin {one_line(title, 100)}")
        numbers = {v.seq: n for n, v in enumerate(self.versions, 1)}
        self.list.clear()
        previous = None
        for number, version in enumerate(self.versions, 1):
            what = describe(version.action, numbers)
            changed = changed_fields(previous, version.annotation)
            if changed and version.action != "deleted":
                what += " — " + ", ".join(changed)
            item = QTreeWidgetItem([str(number), local_time(version.at), what])
            item.setData(0, SEQ_ROLE, version.seq)
            item.setTextAlignment(0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setData(0, Qt.ItemDataRole.UserRole, changed)
            self.list.addTopLevelItem(item)
            previous = version.annotation
        chosen = self.list.topLevelItemCount() - 1
        for row, version in enumerate(self.versions):
            if version.seq == select_seq:
                chosen = row
        self.list.setCurrentItem(self.list.topLevelItem(chosen))
        return True

    def chosen(self) -> Any:
        """The version chosen in the list (None when there is none)."""
        item = self.list.currentItem()
        if item is None:
            return None
        seq = item.data(0, SEQ_ROLE)
        return next((v for v in self.versions if v.seq == seq), None)

    def _show_chosen(self) -> None:
        version = self.chosen()
        self.details.setVisible(version is not None)
        self.restore_button.setEnabled(False)
        if version is None:
            return
        ann = version.annotation
        item = self.list.currentItem()
        changed = item.data(0, Qt.ItemDataRole.UserRole) or []
        values = {
            "what": f"{item.text(0)} · {item.text(2)} · {item.text(1)}",
            "colour": color_label(ann.color, self.actions.names()),
            "quote": "“" + one_line(ann.exact, 600) + "”",
            "note": ann.note or "—",
            "tags": "  ".join("#" + t for t in ann.tags) or "—",
            "position": position_text(ann),
        }
        for key, (name, value) in self.rows.items():
            value.setText(values[key])
            font = name.font()
            font.setBold(key in changed)
            name.setFont(font)
        icon = swatch_icon(self.theme.highlight(ann.color), underline=ann.color == "underline")
        self.swatch.setPixmap(icon.pixmap(16, 16))
        is_now = self.current is not None and _same(self.current, ann)
        self.restore_button.setEnabled(not self.read_only and not is_now)
        if self.read_only:
            self.restore_button.setToolTip(sentence(self.read_only))
        elif is_now:
            self.restore_button.setToolTip("The passage is like this now.")
        else:
            self.restore_button.setToolTip("Make this version the passage as it is now")

    @Slot()
    def restore_chosen(self) -> bool:
        version = self.chosen()
        if version is None or not self.restore_button.isEnabled():
            return False
        number = self.versions.index(version) + 1
        return self.actions.restore(self.passage_id, version.seq, number)

    @Slot(int, str)
    def on_passages_changed(self, _article_id: int, _passage_id: str) -> None:
        self.reload()


def _same(a: Any, b: Any) -> bool:
    """Two states of a passage that the reader cannot tell apart."""
    return not changed_fields(a, b)


class RestoreVersion(PassageCommand):
    """Make an old version the passage's state; undo goes back to the state before (a live
    passage as it was, a trashed one back to the trash) and forgets the restore."""

    def __init__(self, writer: Writer, notify: Notify, passage_id: str, seq: int, number: int):
        super().__init__(f"Restore Version {number}", writer, notify)
        self.passage_id = passage_id
        self.seq = seq
        self.after: Annotation | None = None

    def apply(self, library: Library) -> tuple[int, str]:
        self.after = library.restore_version(self.passage_id, self.seq)
        self.article_id = self.after.article_id
        return self.after.article_id, self.after.id

    def revert(self, library: Library) -> tuple[int, str]:
        assert self.after is not None
        passage = library.take_back(self.passage_id, self.after)
        return self.after.article_id, passage.id if passage is not None else ""


class HistoryActions(QObject):
    """Passage › Passage History… and the history of any passage (the trash asks too)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: HistoryDialog | None = None
        window.registry["passage_history"].triggered.connect(self.open_current)
        window.passages.history_requested.connect(self.open_for)

    def names(self) -> dict[str, str]:
        legend = getattr(self.window, "legend", None)
        return legend.names if legend is not None else {}

    @Slot()
    def open_current(self) -> HistoryDialog | None:
        passage_id = self.window.controller.current_id
        if not passage_id:
            self.window.show_message("Choose a passage to see its history.")
            return None
        return self.open_for(passage_id)

    @Slot(str)
    def open_for(self, passage_id: str) -> HistoryDialog:
        window = self.window
        theme = getattr(window, "theme", LIGHT)
        reason = read_only_reason(window.library)
        self.dialog = HistoryDialog(window, self, passage_id, theme=theme, read_only=reason)
        self.dialog.open()
        return self.dialog

    def restore(self, passage_id: str, seq: int, number: int) -> bool:
        """Restore a version as one undoable step; a refusal is told, never raised."""
        controller = self.window.controller
        command = RestoreVersion(controller.writer, controller.notify, passage_id, seq, number)
        return controller.push(
            command, then=lambda: self.window.show_message(f"Version {number} restored.")
        )
