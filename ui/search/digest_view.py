"""The digest view: every passage matching a search, in one window, grouped by article in
date order (or by tag), exportable to Markdown and HTML.

The digest is built on the search worker (Library.digest searches the whole index);
the view says "Working…" meanwhile and drops an answer that a newer request made
stale. Every text from the library (titles, quotes, notes, tags) is item text,
never rich text. Clicking a passage opens its article at that passage.

`DigestActions` (one per window) answers Edit › Digest…, prefilled with the
current search.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from ui.common.models import color_label
from ui.common.plain import one_line, plain_label, plain_tooltip
from ui.passages.passages import swatch_icon
from ui.window import file_dialogs
from ui.window.themes import LIGHT, Theme

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
# Rows break their own lines: an item view wrapping by itself measures rows too short.
WRAP = 90  # characters
GROUPINGS = (("article", "By article"), ("tag", "By tag"))
EXPORTS = {
    "markdown": ("Markdown (*.md)", ".md"),
    "html": ("HTML page (*.html)", ".html"),
}


def entry_text(entry: Any, names: dict[str, str], *, with_article: bool) -> str:
    """A passage as the lines of its row: the quote, then note, tags and colour name."""
    quote = f"“{one_line(entry.quote, 400)}”"
    if entry.orphaned:
        quote += "  (lost its place in the article)"
    lines = textwrap.wrap(quote, WRAP)
    if entry.note:
        lines += textwrap.wrap("Note: " + one_line(entry.note, 400), WRAP)
    details = []
    if entry.tags:
        details.append("Tags: " + ", ".join(entry.tags))
    details.append(color_label(entry.color, names))
    if with_article:
        details.append(one_line(entry.article_title or "Untitled", 80))
    lines += textwrap.wrap(" · ".join(details), WRAP)
    return "\n".join(lines)


def group_text(group: Any, group_by: str) -> str:
    """The heading of a group: an article's title with author and date, or a tag."""
    if group_by == "tag":
        return f"#{group.title}  ({len(group.entries)})"
    parts = [one_line(group.title or "Untitled", 200)]
    meta = " · ".join(p for p in (group.author, (group.date or "")[:10]) if p)
    if meta:
        parts.append(meta)
    return " — ".join(parts) + f"  ({len(group.entries)})"


class DigestDialog(QDialog):
    """A query box, a grouping choice, the digest as a tree, and export buttons."""

    def __init__(self, window: Any, *, theme: Theme = LIGHT) -> None:
        super().__init__(window)
        self.setObjectName("digestDialog")
        self.setWindowTitle("Digest")
        self.window_ = window
        self.theme = theme
        self.digest: Any = None
        self.busy = False
        self.generation = 0
        self.query = QLineEdit(self)
        self.query.setObjectName("digestQuery")
        self.query.setPlaceholderText("A search: tag:police date:2023, color:evidence juliaca …")
        self.query.setClearButtonEnabled(True)
        self.query.returnPressed.connect(self.refresh)
        self.grouping = QComboBox(self)
        self.grouping.setObjectName("digestGrouping")
        for key, label in GROUPINGS:
            self.grouping.addItem(label, key)
        self.grouping.currentIndexChanged.connect(lambda _n: self.refresh())
        self.run_button = QPushButton("&Make Digest", self)
        self.run_button.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.query, 1)
        top.addWidget(self.grouping)
        top.addWidget(self.run_button)
        self.status = plain_label("", self)
        self.status.setObjectName("digestStatus")
        self.status.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("digestTree")
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(1)
        self.tree.setUniformRowHeights(False)
        self.tree.setIndentation(16)
        self.tree.setStyleSheet("QTreeWidget::item { padding: 5px 2px; }")
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.itemClicked.connect(self._item_chosen)
        self.tree.itemActivated.connect(self._item_chosen)
        self.export_buttons: dict[str, QPushButton] = {}
        bottom = QHBoxLayout()
        hint = plain_label("Click a passage to open it in its article.", self)
        hint.setObjectName("panelHint")
        bottom.addWidget(hint, 1)
        for fmt, label in (("markdown", "Export &Markdown…"), ("html", "Export &HTML…")):
            button = QPushButton(label, self)
            button.setObjectName(f"digestExport_{fmt}")
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, f=fmt: self.export(f))
            bottom.addWidget(button)
            self.export_buttons[fmt] = button
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)
        layout.addLayout(bottom)
        self.resize(760, 560)

    def group_by(self) -> str:
        return self.grouping.currentData()

    def names(self) -> dict[str, str]:
        legend = getattr(self.window_, "legend", None)
        return legend.names if legend is not None else {}

    @Slot()
    def refresh(self) -> None:
        """Build the digest for the query box on the search worker."""
        self.generation += 1
        generation = self.generation
        query, group_by = self.query.text().strip(), self.group_by()
        library = self.window_.library
        self.busy = True
        self.status.setText("Working…")
        for button in self.export_buttons.values():
            button.setEnabled(False)

        def work(_progress, _cancel) -> Any:
            return library.digest(query, group_by=group_by)

        self.window_.runner.start(
            "digest",
            work,
            search=True,
            on_finished=lambda digest: self._show(generation, digest),
            on_failed=lambda message: self._fail(generation, message),
        )

    def _show(self, generation: int, digest: Any) -> None:
        if generation != self.generation:  # a newer request is on its way
            return
        self.busy = False
        self.digest = digest
        self.fill(digest)

    def _fail(self, generation: int, message: str) -> None:
        if generation != self.generation:
            return
        self.busy = False
        self.digest = None
        self.tree.clear()
        self.status.setText(f"No digest: {one_line(message, 200)}")

    def fill(self, digest: Any) -> None:
        """Show a Digest: one top-level row per group, one child row per passage."""
        names = digest.legend or self.names()
        self.tree.clear()
        by_tag = digest.group_by == "tag"
        for group in digest.groups:
            head = QTreeWidgetItem([group_text(group, digest.group_by)])
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            head.setToolTip(0, plain_tooltip(group.title or ""))
            for entry in group.entries:
                child = QTreeWidgetItem([entry_text(entry, names, with_article=by_tag)])
                child.setData(0, ENTRY_ROLE, (entry.article_id, entry.annotation_id))
                color = self.theme.highlight(entry.color)
                child.setIcon(0, swatch_icon(color, underline=entry.color == "underline"))
                child.setToolTip(0, plain_tooltip(entry.quote))
                head.addChild(child)
            self.tree.addTopLevelItem(head)
        self.tree.expandAll()
        noun = "passage" if digest.total == 1 else "passages"
        where = f"{digest.articles} article{'s' * (digest.articles != 1)}"
        if digest.total:
            self.status.setText(f"{digest.total} {noun} from {where}.")
        else:
            self.status.setText("No passage matches this search.")
        for button in self.export_buttons.values():
            button.setEnabled(bool(digest.total))

    def entry_items(self) -> list[QTreeWidgetItem]:
        """Every passage row, in order (for tests and keyboard users alike)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            out.extend(head.child(j) for j in range(head.childCount()))
        return out

    @Slot(QTreeWidgetItem, int)
    def _item_chosen(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        target = item.data(0, ENTRY_ROLE)
        if target:
            article_id, passage_id = target
            self.window_.open_passage(int(article_id), str(passage_id))

    def export(self, fmt: str) -> bool:
        """Ask where, then write the digest there as Markdown or HTML; False if not written."""
        if self.digest is None:
            return False
        file_filter, suffix = EXPORTS[fmt]
        name = "digest" + suffix
        path = file_dialogs.save_file(self, "Export Digest", name, file_filter)
        if not path:
            return False
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(suffix)
        try:
            target.write_text(self.digest.render(fmt), encoding="utf-8")
        except OSError as error:
            self.status.setText(f"Not written: {one_line(str(error), 200)}")
            return False
        self.status.setText(f"Written to {target}.")
        return True


class DigestActions(QObject):
    """Edit › Digest…: one digest window per main window, reused, prefilled with the search."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: DigestDialog | None = None
        window.registry["digest"].triggered.connect(self.open_dialog)

    @Slot()
    def open_dialog(self, query: str | None = None) -> DigestDialog:
        window = self.window
        if self.dialog is None:
            self.dialog = DigestDialog(window, theme=getattr(window, "theme", LIGHT))
        dialog = self.dialog
        dialog.theme = getattr(window, "theme", LIGHT)
        if query is None or isinstance(query, bool):
            query = window.search_box.text().strip()
        dialog.query.setText(query)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        dialog.refresh()
        return dialog
