"""The passages panel beside the reader: the open article's passages, edited in place.

Choosing a passage selects it in the reader; the editor under the list changes
its colour, note and tags, or deletes it. Orphaned passages (their words are no
longer in the text) are listed with their saved quote and a hint to re-attach.

Signals:
    passage_selected(str): the user chose a passage in the list ("" for none).
    color_chosen(str, str): passage id, colour.
    note_edited(str, str): passage id, new note.
    tags_edited(str, list): passage id, new tags.
    delete_requested(str): passage id.
    history_requested(str): passage id (its versions, issue 7).
    legend_requested(): the reader asked to name the colours.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.common.models import COLOR_ROLE, ID_ROLE, ITEM_ROLE, PassageListModel
from ui.common.plain import one_line, plain_label
from ui.passages.passage_dialogs import TagCompleter, split_tags
from ui.window.themes import HIGHLIGHT_COLORS, LIGHT, Theme

BAR = 5
PAD = 8
SIZES_KEPT = 5_000  # passage row sizes remembered (see PassageDelegate)


def swatch_icon(color: QColor, underline: bool = False, size: int = 16) -> QIcon:
    """A small rounded colour square (or a coloured underline) for menus and buttons."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if underline:
        painter.fillRect(QRect(1, size - 4, size - 2, 3), color)
    else:
        painter.setPen(color.darker(130))
        painter.setBrush(color)
        painter.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    painter.end()
    return QIcon(pixmap)


class PassageDelegate(QStyledItemDelegate):
    """A passage as a colour bar beside its quote, its note (muted, italic) and its tags."""

    def __init__(self, view: QAbstractItemView, theme: Theme) -> None:
        super().__init__(view)
        self.view = view
        self.theme = theme
        self.names: dict[str, str] = {}  # the colour legend: a name under each passage
        self._viewport = view.viewport()
        self._viewport.installEventFilter(self)
        # Each passage row's size, by what it shows and the width: a new highlight reloads
        # the panel, and only its own row needs its lines measured again.
        self._sizes: dict[tuple, QSize] = {}

    def eventFilter(self, watched: Any, event: QEvent) -> bool:
        """Rows wrap to the view's width: lay them out again when it changes."""
        if event.type() == QEvent.Type.Resize and watched is self._viewport:
            self.view.scheduleDelayedItemsLayout()
        return super().eventFilter(watched, event)

    def _text_width(self, index: QModelIndex) -> int:
        indent = 0
        if index.parent().isValid() and hasattr(self.view, "indentation"):
            indent = self.view.indentation()
        return max(self.view.viewport().width() - indent - BAR - 3 * PAD, 60)

    def _lines(self, index: QModelIndex, base: QFont) -> list[tuple[str, QFont, QColor]]:
        ann = index.data(ITEM_ROLE)
        ink = QColor(self.theme.chrome_ink)
        if ann is None:
            return [(index.data(Qt.ItemDataRole.DisplayRole) or "", base, ink)]
        quote = "“" + one_line(ann.exact, 240) + "”"
        if ann.orphaned:
            quote = "Orphaned · " + quote
        lines = [(quote, base, QColor("#b3261e") if ann.orphaned else ink)]
        if ann.note:
            italic = QFont(base)
            italic.setItalic(True)
            lines.append((one_line(ann.note, 240), italic, QColor(self.theme.muted)))
        small = QFont(base)
        small.setPointSizeF(max(base.pointSizeF() * 0.9, 7))
        if ann.tags:
            lines.append(("  ".join("#" + t for t in ann.tags), small, QColor(self.theme.link)))
        if self.names.get(ann.color):
            lines.append((self.names[ann.color], small, QColor(self.theme.muted)))
        return lines

    def _heights(self, lines: list, width: int) -> list[int]:
        flags = int(Qt.TextFlag.TextWordWrap)
        return [
            QFontMetrics(font).boundingRect(QRect(0, 0, width, 100000), flags, text).height()
            for text, font, _color in lines
        ]

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        if index.data(COLOR_ROLE) is None:
            hint = super().sizeHint(option, index)
            return QSize(hint.width(), hint.height() + PAD)
        width = self._text_width(index)
        ann = index.data(ITEM_ROLE)
        key = None
        if ann is not None:  # everything the row's wrapped lines depend on
            name = self.names.get(ann.color, "")
            key = (ann.id, ann.exact, ann.note, tuple(ann.tags), ann.orphaned, name, width)
            key += (option.font.key(),)
            known = self._sizes.get(key)
            if known is not None:
                return known
        heights = self._heights(self._lines(index, option.font), width)
        size = QSize(width + BAR + 3 * PAD, sum(heights) + 2 * (len(heights) - 1) + 2 * PAD)
        if key is not None:
            if len(self._sizes) > SIZES_KEPT:
                self._sizes.clear()
            self._sizes[key] = size
        return size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        if index.data(COLOR_ROLE) is None:  # a group heading in the passages browser
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else self.view.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        bar = QRect(
            opt.rect.left() + PAD // 2, opt.rect.top() + PAD, BAR, opt.rect.height() - 2 * PAD
        )
        painter.fillRect(bar, self.theme.highlight(index.data(COLOR_ROLE)))
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        width = self._text_width(index)
        lines = self._lines(index, option.font)
        painter.save()
        painter.setClipRect(opt.rect)
        top = opt.rect.top() + PAD
        for (text, font, color), height in zip(lines, self._heights(lines, width), strict=True):
            painter.setFont(font)
            if selected:
                color = opt.palette.color(opt.palette.ColorRole.HighlightedText)
            painter.setPen(color)
            rect = QRect(bar.right() + PAD, top, width, height)
            painter.drawText(rect, int(Qt.TextFlag.TextWordWrap), text)
            top += height + 2
        painter.restore()


class PassagesPanel(QWidget):
    """The list of the open article's passages and an editor for the chosen one."""

    passage_selected = Signal(str)
    color_chosen = Signal(str, str)
    note_edited = Signal(str, str)
    tags_edited = Signal(str, list)
    delete_requested = Signal(str)
    history_requested = Signal(str)
    legend_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passagesPanel")
        self.theme = LIGHT
        self.current: Any = None
        self._note_shown = ""
        self._tags_shown: list[str] = []
        self.title = plain_label("Passages", self)
        self.title.setObjectName("panelTitle")
        self.model = PassageListModel(self)
        self.list = QListView(self)
        self.list.setObjectName("passageList")
        self.list.setModel(self.model)
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.delegate = PassageDelegate(self.list, self.theme)
        self.list.setItemDelegate(self.delegate)
        self.list.selectionModel().currentChanged.connect(self._on_current)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.empty = plain_label(
            "Select words in the text, then press H to highlight, N to add a note or T to add "
            "tags.",
            self,
        )
        self.empty.setWordWrap(True)
        self.empty.setObjectName("panelHint")
        self._build_editor()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.editor)
        layout.addStretch(0)
        self._show_editor(None)

    def _build_editor(self) -> None:
        self.editor = QWidget(self)
        self.editor.setObjectName("passageEditor")
        box = QVBoxLayout(self.editor)
        box.setContentsMargins(0, 4, 0, 0)
        box.setSpacing(6)
        self.orphan_hint = plain_label(
            "Orphaned: these words are no longer in the text. Select the right words in the "
            "article and press E (Change Extent) to re-attach it.",
            self.editor,
        )
        self.orphan_hint.setWordWrap(True)
        box.addWidget(self.orphan_hint)
        row = QHBoxLayout()
        row.setSpacing(2)
        self.color_buttons: dict[str, QToolButton] = {}
        for name in HIGHLIGHT_COLORS:
            button = QToolButton(self.editor)
            button.setObjectName(f"color_{name}")
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setToolTip(name.capitalize())
            button.clicked.connect(lambda _=False, n=name: self._choose_color(n))
            row.addWidget(button)
            self.color_buttons[name] = button
        row.addStretch(1)
        self.delete_button = QPushButton("Delete", self.editor)
        self.delete_button.setObjectName("deletePassage")
        self.delete_button.clicked.connect(self._delete)
        row.addWidget(self.delete_button)
        box.addLayout(row)
        self.note = QPlainTextEdit(self.editor)
        self.note.setObjectName("noteEditor")
        self.note.setPlaceholderText("Note")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(84)
        self.note.installEventFilter(self)
        box.addWidget(self.note)
        self.tags = QLineEdit(self.editor)
        self.tags.setObjectName("tagsEditor")
        self.tags.setPlaceholderText("Tags, separated by commas")
        self.tags.editingFinished.connect(self._commit_tags)
        box.addWidget(self.tags)
        more = QHBoxLayout()
        more.setSpacing(2)
        self.history_button = QToolButton(self.editor)
        self.history_button.setObjectName("passageHistory")
        self.history_button.setText("History…")
        self.history_button.setToolTip("Every version of this passage; restore any of them")
        self.history_button.setAutoRaise(True)
        self.history_button.clicked.connect(
            lambda: self.current is not None and self.history_requested.emit(self.current.id)
        )
        self.legend_button = QToolButton(self.editor)
        self.legend_button.setObjectName("colourLegend")
        self.legend_button.setText("Colour Legend…")
        self.legend_button.setToolTip("Name what each colour means")
        self.legend_button.setAutoRaise(True)
        self.legend_button.clicked.connect(self.legend_requested)
        more.addWidget(self.history_button)
        more.addWidget(self.legend_button)
        more.addStretch(1)
        box.addLayout(more)
        self.set_theme(self.theme)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.delegate.theme = theme
        for name, button in self.color_buttons.items():
            button.setIcon(swatch_icon(theme.highlight(name), underline=name == "underline"))
        self.list.viewport().update()

    def set_read_only(self, read_only: bool) -> None:
        """A library that cannot be written: the passage shows, but nothing can be changed."""
        for button in self.color_buttons.values():
            button.setEnabled(not read_only)
        self.delete_button.setEnabled(not read_only)
        self.note.setReadOnly(read_only)
        self.tags.setReadOnly(read_only)
        self.note.setPlaceholderText("" if read_only else "Note")
        self.tags.setPlaceholderText("" if read_only else "Tags, separated by commas")

    def set_known_tags(self, tags: list[str]) -> None:
        self.tags.setCompleter(TagCompleter(tags, self.tags))

    # --- content ------------------------------------------------------------------

    def set_annotations(self, annotations: list[Any], select_id: str | None = None) -> None:
        """Show these passages; keep (or move) the choice to `select_id`."""
        self.model.set_annotations(annotations)
        self.title.setText(f"Passages ({len(annotations)})" if annotations else "Passages")
        self.empty.setVisible(not annotations)
        self.list.setVisible(bool(annotations))
        self.select(select_id)

    def select(self, annotation_id: str | None) -> None:
        """Choose a passage without emitting passage_selected (the caller already knows)."""
        row = self.model.row_of(annotation_id) if annotation_id else -1
        selection = self.list.selectionModel()
        selection.blockSignals(True)
        try:
            if row >= 0:
                index = self.model.index(row, 0)
                flag = QItemSelectionModel.SelectionFlag.ClearAndSelect
                selection.setCurrentIndex(index, flag)
                self.list.scrollTo(index)
            else:
                selection.clear()
        finally:
            selection.blockSignals(False)
        self.list.viewport().update()
        self._show_editor(self.model.annotation(row) if row >= 0 else None)

    def current_id(self) -> str | None:
        return self.current.id if self.current is not None else None

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        pending = self._pending_note()
        ann = current.data(ITEM_ROLE) if current.isValid() else None
        self._show_editor(ann, commit=False)
        self.passage_selected.emit(current.data(ID_ROLE) if current.isValid() else "")
        if pending is not None:
            # Saved once the new choice is known, so the reload keeps the new passage chosen.
            QTimer.singleShot(0, lambda: self.note_edited.emit(*pending))

    def _pending_note(self) -> tuple[str, str] | None:
        """The current passage's id and note when the editor holds an unsaved change."""
        if self.current is None:
            return None
        text = self.note.toPlainText().strip()
        return (self.current.id, text) if text != self._note_shown else None

    def _show_editor(self, ann: Any, *, commit: bool = True) -> None:
        if commit:
            self._commit_note()
        self.current = ann
        self.editor.setVisible(ann is not None)
        if ann is None:
            return
        self.orphan_hint.setVisible(ann.orphaned)
        for name, button in self.color_buttons.items():
            button.setChecked(name == ann.color)
        self.note.setPlainText(ann.note)
        self._note_shown = ann.note
        self.tags.setText(", ".join(ann.tags))
        self._tags_shown = [t.casefold() for t in ann.tags]

    # --- edits --------------------------------------------------------------------

    def _choose_color(self, name: str) -> None:
        if self.current is None:
            return
        for other, button in self.color_buttons.items():
            button.setChecked(other == name)
        if name != self.current.color:
            self.color_chosen.emit(self.current.id, name)

    def _commit_note(self) -> None:
        if self.current is None:
            return
        text = self.note.toPlainText().strip()
        if text != self._note_shown:
            self._note_shown = text
            self.note_edited.emit(self.current.id, text)

    def _commit_tags(self) -> None:
        if self.current is None:
            return
        tags = split_tags(self.tags.text())
        if [t.casefold() for t in tags] != self._tags_shown:
            self._tags_shown = [t.casefold() for t in tags]
            self.tags_edited.emit(self.current.id, tags)

    def _delete(self) -> None:
        if self.current is not None:
            self.delete_requested.emit(self.current.id)

    def _context_menu(self, point: Any) -> None:
        """History, the colour legend and delete for the passage under the pointer."""
        index = self.list.indexAt(point)
        passage_id = index.data(ID_ROLE) if index.isValid() else ""
        menu = QMenu(self)
        if passage_id:
            menu.addAction("History…", lambda: self.history_requested.emit(passage_id))
        menu.addAction("Colour Legend…", self.legend_requested.emit)
        if passage_id and self.delete_button.isEnabled():
            menu.addSeparator()
            menu.addAction("Delete", lambda: self.delete_requested.emit(passage_id))
        menu.exec(self.list.viewport().mapToGlobal(point))
        menu.deleteLater()

    def eventFilter(self, watched: Any, event: Any) -> bool:
        """The note is saved when it loses focus, and on Ctrl+Enter."""
        if watched is self.note:
            kind = event.type()
            if kind == QEvent.Type.FocusOut:
                self._commit_note()
            elif (
                kind == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier
            ):
                self._commit_note()
                return True
        return super().eventFilter(watched, event)
