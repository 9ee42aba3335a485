"""File › Import Annotations…: the report of what an annotations file brought in.

`Library.import_annotations` answers with a dict: counts (`imported`, `existing`,
`orphaned`, …), perhaps a `format`, and lists of rows (`placed`, `unplaced`, …) whose
items are dicts. The report shows whatever it gives, generically: every count in the
summary line, every list as a tab of rows, every key of its rows as a column (the
known ones first, with their names; an `article_id` shown as the article's title). So
the engine can say more (a new reason, a new group) without a change here. Each group
is a tab with only the columns its rows have.

Double-click (or Enter) on a row whose passage is in the library opens it.

Signals:
    AnnotationsReport.open_requested(int, str): article id and passage id of the chosen row.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from index import count_of
from ui.common.plain import one_line, plain_label, plain_tooltip

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
# Known groups, in the order shown (problems first); any other list follows.
GROUPS = {"unplaced": "Not placed", "orphaned": "Orphaned", "placed": "Placed"}
# Known columns, in this order, with their headers; other keys follow as they come.
COLUMNS = {
    "source_id": "In the file",
    "quote": "Quote",
    "article_id": "Article",
    "reason": "Reason",
    "status": "Status",
    "matched_by": "Matched by",
    "similarity": "Similarity",
}
WIDTHS = {"quote": 300, "article_id": 260}  # the reason (else the article) takes the rest
HIDDEN = {"id", "start", "end", "title"}  # the passage's own id and offsets: not for reading
FORMATS = {"w3c": "W3C JSON", "hypothesis": "Hypothesis", "readwise": "Readwise CSV"}
COUNTS = {  # key: what follows the number
    "imported": "imported",
    "existing": "already in the library",
    "orphaned": "orphaned (their words are not in the article's text)",
}


def summary_text(result: dict[str, Any]) -> str:
    """One sentence from every count of the result (and the format when it is known)."""
    parts = []
    for key, value in result.items():
        if isinstance(value, bool) or not isinstance(value, int):
            continue
        if key != "imported" and not value:
            continue
        rest = COUNTS.get(key, key.replace("_", " "))
        parts.append(f"{count_of(value, 'passage') if not parts else f'{value:,}'} {rest}")
    for key, rows in groups(result):
        if key not in COUNTS and key != "placed":
            parts.append(f"{len(rows):,} {GROUPS.get(key, _words(key)).lower()}")
    text = ", ".join(parts) + "." if parts else "Nothing in the file could be read."
    fmt = result.get("format")
    if isinstance(fmt, str) and fmt:
        text = f"{FORMATS.get(fmt, fmt)}: {text}"
    return text[:1].upper() + text[1:]


def groups(result: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The result's lists of rows, known groups in their order, then any other."""
    found = [
        (key, value)
        for key, value in result.items()
        if isinstance(value, list) and value and all(isinstance(r, dict) for r in value)
    ]
    order = list(GROUPS)
    return sorted(found, key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))


def columns(rows: list[dict[str, Any]]) -> list[str]:
    """Every key the rows have (but the hidden ones), known columns first."""
    seen: list[str] = []
    for row in rows:
        for key in row:
            if key not in seen and key not in HIDDEN:
                seen.append(key)
    known = [key for key in COLUMNS if key in seen]
    return known + [key for key in seen if key not in COLUMNS]


def cell_text(key: str, value: Any, titles: dict[int, str]) -> str:
    if value is None:
        return ""
    if key == "article_id" and isinstance(value, int):
        return titles.get(value, f"Article {value}")
    if key == "quote" and value:
        return f"“{value}”"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _words(key: str) -> str:
    return key.replace("_", " ").capitalize()


def shown_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the report shows it: a row with no article (not placed) is found in the
    file by its own id, so that id goes under "In the file"."""
    if "source_id" not in row and row.get("id") and not row.get("article_id"):
        return {"source_id": row["id"], **row}
    return row


class AnnotationsReport(QDialog):
    """The summary of an annotations import, then one tab per group of rows (those not
    placed first), each with the columns its rows have."""

    open_requested = Signal(int, str)

    def __init__(
        self,
        parent: QWidget | None,
        result: dict[str, Any],
        *,
        file_name: str = "",
        titles: dict[int, str] | None = None,
        live: set[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("annotationsReport")
        self.setWindowTitle("Annotations Imported" + (f" — {file_name}" if file_name else ""))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.result = result
        self.titles = titles or {}
        self.live = live or set()
        self.summary = plain_label(summary_text(result), self)
        self.summary.setObjectName("annotationsSummary")
        self.summary.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("annotationsGroups")
        self.trees: dict[str, QTreeWidget] = {}
        self.keys: dict[str, list[str]] = {}
        for key, rows in groups(result):
            shown = [shown_row(row) for row in rows]
            tree = self._table(key, shown)
            self.trees[key] = tree
            self.tabs.addTab(tree, f"{GROUPS.get(key, _words(key))} ({len(rows):,})")
        self.tabs.setVisible(bool(self.trees))
        self.hint = plain_label(
            "Double-click a placed passage to open it. A passage not placed finds its place "
            "when its article is imported and then this file again.",
            self,
        )
        self.hint.setObjectName("panelHint")
        self.hint.setWordWrap(True)
        self.hint.setVisible(bool(self.live))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.hint)
        layout.addWidget(buttons)
        self.resize(960, 460 if self.trees else 150)

    def _table(self, group: str, rows: list[dict[str, Any]]) -> QTreeWidget:
        keys = columns(rows)
        self.keys[group] = keys
        tree = QTreeWidget(self.tabs)
        tree.setObjectName(f"annotationsRows_{group}")
        tree.setColumnCount(max(len(keys), 1))
        tree.setHeaderLabels([COLUMNS.get(k, _words(k)) for k in keys] or [""])
        tree.setRootIsDecorated(False)
        tree.setUniformRowHeights(True)
        tree.setAlternatingRowColors(True)
        tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        tree.itemActivated.connect(self._activated)
        for row in rows:
            texts = [one_line(cell_text(k, row.get(k), self.titles), 300) for k in keys]
            item = QTreeWidgetItem(texts)
            for column, text in enumerate(texts):
                if text:
                    item.setToolTip(column, plain_tooltip(text))
            item.setData(0, ROW_ROLE, row)
            tree.addTopLevelItem(item)
        header = tree.header()
        header.setStretchLastSection(False)
        mode = QHeaderView.ResizeMode
        stretch = "reason" if "reason" in keys else "article_id" if "article_id" in keys else ""
        for column, key in enumerate(keys):
            if key == stretch:
                header.setSectionResizeMode(column, mode.Stretch)
            elif key in WIDTHS:
                header.setSectionResizeMode(column, mode.Interactive)
                tree.setColumnWidth(column, WIDTHS[key])
            else:
                header.setSectionResizeMode(column, mode.ResizeToContents)
        if not stretch:
            header.setStretchLastSection(True)
        return tree

    def row_items(self, group: str) -> list[QTreeWidgetItem]:
        """The rows of one group, by its key ("unplaced", "placed", …)."""
        tree = self.trees.get(group)
        if tree is None:
            return []
        return [tree.topLevelItem(n) for n in range(tree.topLevelItemCount())]

    def cell(self, item: QTreeWidgetItem, key: str) -> str:
        """The text a row shows under the column of `key` ("" when there is none)."""
        for group, tree in self.trees.items():
            if item.treeWidget() is tree:
                keys = self.keys[group]
                return item.text(keys.index(key)) if key in keys else ""
        return ""

    @Slot(QTreeWidgetItem, int)
    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        row = item.data(0, ROW_ROLE)
        if not isinstance(row, dict):
            return
        passage_id, article_id = row.get("id"), row.get("article_id")
        if isinstance(article_id, int) and passage_id in self.live:
            self.open_requested.emit(article_id, str(passage_id))
