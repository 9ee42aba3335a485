"""The library-wide passages browser: every passage, grouped, filterable, acted on in bulk.

Groups: by article, author, tag or month. Many passages can be selected to tag,
recolour, export or delete at once; orphaned passages show their saved quote,
and opening one takes the reader to its article to re-attach it.

Signals:
    open_requested(int, str): article id and passage id.
    tag_requested(list): ids of the selected passages.
    recolor_requested(list, str): ids and colour.
    export_requested(list): ids.
    delete_requested(list): ids.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ui.common.models import COLOR_ROLE, FILTER_ROLE, ID_ROLE, ITEM_ROLE, passage_text
from ui.common.plain import one_line, plain_label
from ui.passages.passages import PassageDelegate, swatch_icon
from ui.reader.reader_parts import format_date
from ui.reader.textfind import fold
from ui.search.results import ARTICLE_ROLE
from ui.window.themes import HIGHLIGHT_COLORS, LIGHT, Theme

GROUP_ROLE = Qt.ItemDataRole.UserRole + 21  # a group heading's words, without its count
GROUPS = (("article", "Article"), ("author", "Author"), ("tag", "Tag"), ("date", "Month"))


class PassagesBrowser(QWidget):
    """Every passage of the library in a grouped tree with bulk actions."""

    open_requested = Signal(int, str)
    tag_requested = Signal(list)
    recolor_requested = Signal(list, str)
    export_requested = Signal(list)
    delete_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passagesBrowser")
        self.theme: Theme = LIGHT
        self.passages: list[Any] = []
        self.articles: dict[int, Any] = {}
        self.title = plain_label("All passages", self)
        self.title.setObjectName("panelTitle")
        self.group = QComboBox(self)
        self.group.setObjectName("groupBy")
        for key, label in GROUPS:
            self.group.addItem(f"By {label.lower()}", key)
        self.group.currentIndexChanged.connect(lambda _n: self._rebuild())
        self.filter = QLineEdit(self)
        self.filter.setObjectName("passageFilter")
        self.filter.setPlaceholderText("Filter passages")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda _t: self._apply_filter())
        self.model = QStandardItemModel(self)
        self.view = QTreeView(self)
        self.view.setObjectName("passageTree")
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.setRootIsDecorated(False)
        self.view.setIndentation(12)
        self.view.setUniformRowHeights(False)
        self.view.setWordWrap(True)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.delegate = PassageDelegate(self.view, self.theme)
        self.view.setItemDelegate(self.delegate)
        self.view.activated.connect(self._activated)
        self.view.doubleClicked.connect(self._activated)
        self.tag_button = QPushButton("Tag…", self)
        self.tag_button.clicked.connect(lambda: self._bulk(self.tag_requested))
        self.color_button = QToolButton(self)
        self.color_button.setText("Colour")
        self.color_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.color_menu = QMenu(self)
        self.color_button.setMenu(self.color_menu)
        self.export_button = QPushButton("Export…", self)
        self.export_button.clicked.connect(lambda: self._bulk(self.export_requested))
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.clicked.connect(lambda: self._bulk(self.delete_requested))
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.group)
        actions = QHBoxLayout()
        for widget in (self.tag_button, self.color_button, self.export_button):
            actions.addWidget(widget)
        actions.addStretch(1)
        actions.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.filter)
        layout.addWidget(self.view, 1)
        layout.addLayout(actions)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.set_theme(self.theme)
        self._update_buttons()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.delegate.theme = theme
        self.color_menu.clear()
        for name in HIGHLIGHT_COLORS:
            icon = swatch_icon(theme.highlight(name), underline=name == "underline")
            action = self.color_menu.addAction(icon, name.capitalize())
            action.triggered.connect(lambda _=False, n=name: self._bulk(self.recolor_requested, n))
        self.view.viewport().update()

    def set_passages(self, passages: list[Any], articles: dict[int, Any]) -> None:
        """All passages and the summaries of their articles (for titles, authors, dates)."""
        self.passages = passages
        self.articles = articles
        self._rebuild()

    def _group_keys(self, ann: Any) -> list[str]:
        article = self.articles.get(ann.article_id)
        how = self.group.currentData()
        if how == "author":
            return [(article.author if article else None) or "No author"]
        if how == "tag":
            return list(ann.tags) or ["No tags"]
        if how == "date":
            date = article.date if article else None
            return [format_date(date[:7] + "-01").split(" ", 1)[1] if date else "No date"]
        return [article.title if article else f"Article {ann.article_id}"]

    def _rebuild(self) -> None:
        """The whole model, from `passages` (after a change of the passages or the grouping);
        the filter only hides rows (`_apply_filter`)."""
        keep = set(self.selected_ids())
        groups: dict[str, list[Any]] = defaultdict(list)
        for ann in self.passages:
            for key in self._group_keys(ann):
                groups[key].append(ann)
        self.model.clear()
        bold = QFont()
        bold.setBold(True)
        order = sorted(groups, key=str.casefold)
        if self.group.currentData() == "date":
            order = sorted(groups, key=lambda k: _month_key(k), reverse=True)
        for key in order:
            head = QStandardItem(f"{one_line(key, 90)}  ({len(groups[key])})")
            head.setData(one_line(key, 90), GROUP_ROLE)
            head.setFont(bold)
            head.setEditable(False)
            for ann in groups[key]:
                item = QStandardItem(passage_text(ann, 260))
                item.setEditable(False)
                item.setData(ann.id, ID_ROLE)
                item.setData(ann.color, COLOR_ROLE)
                item.setData(ann.article_id, ARTICLE_ROLE)
                item.setData(ann, ITEM_ROLE)
                item.setData(self._haystack(ann), FILTER_ROLE)
                head.appendRow(item)
            self.model.appendRow(head)
        self.view.expandAll()
        self.title.setText(f"All passages ({len(self.passages)})")
        self._apply_filter()
        if keep:
            self._reselect(keep)
        self._update_buttons()

    def _haystack(self, ann: Any) -> str:
        """What the filter looks in: quote, note, tags and the article's title, folded."""
        article = self.articles.get(ann.article_id)
        hay = " ".join([ann.exact, ann.note, " ".join(ann.tags), article.title if article else ""])
        return fold(hay, accents=False)[0]

    def _apply_filter(self) -> None:
        """Hide the passages the filter's words do not all find, and groups left empty: the
        model stays as it is (no rebuild per key typed)."""
        words = fold(self.filter.text(), accents=False)[0].split()
        top = QModelIndex()
        for row in range(self.model.rowCount()):
            head = self.model.item(row)
            shown = 0
            for child in range(head.rowCount()):
                hay = head.child(child).data(FILTER_ROLE) or ""
                visible = all(w in hay for w in words)
                self.view.setRowHidden(child, head.index(), not visible)
                shown += visible
            self.view.setRowHidden(row, top, shown == 0)
            head.setText(f"{head.data(GROUP_ROLE)}  ({shown})")
        self._update_buttons()

    def _reselect(self, ids: set[str]) -> None:
        selection = self.view.selectionModel()
        for row in range(self.model.rowCount()):
            head = self.model.item(row)
            for child in range(head.rowCount()):
                item = head.child(child)
                if item.data(ID_ROLE) in ids:
                    selection.select(item.index(), selection.SelectionFlag.Select)

    def selected_ids(self) -> list[str]:
        """Ids of the selected passages (a selected group counts as all its passages)."""
        ids: list[str] = []
        for index in self.view.selectionModel().selectedIndexes():
            item = self.model.itemFromIndex(index)
            if item is None or self.view.isRowHidden(index.row(), index.parent()):
                continue  # a row the filter hides is not acted on
            if item.data(ID_ROLE):
                ids.append(item.data(ID_ROLE))
            else:
                ids.extend(
                    item.child(n).data(ID_ROLE)
                    for n in range(item.rowCount())
                    if not self.view.isRowHidden(n, index)
                )
        return list(dict.fromkeys(ids))

    def _bulk(self, signal: Any, *extra: Any) -> None:
        ids = self.selected_ids()
        if ids:
            signal.emit(ids, *extra)

    def _update_buttons(self) -> None:
        has = bool(self.selected_ids())
        for widget in (self.tag_button, self.color_button, self.export_button, self.delete_button):
            widget.setEnabled(has)

    def _activated(self, index: QModelIndex) -> None:
        passage_id = index.data(ID_ROLE)
        if passage_id:
            self.open_requested.emit(int(index.data(ARTICLE_ROLE)), passage_id)


def _month_key(label: str) -> tuple[int, int]:
    import datetime

    try:
        parsed = datetime.datetime.strptime(label, "%B %Y")
    except ValueError:
        return (0, 0)
    return (parsed.year, parsed.month)
