"""The anchoring report in the window: what re-importing an article did to its passages.

One row per passage of the article's newest report: its quote and what happened
to it (found exactly, moved from one place to another, matched fuzzily with its
similarity against the threshold, or orphaned). A fuzzy match can be accepted;
an orphan (or a fuzzy match in the wrong place) can be re-attached to the words
selected in the reader. Nothing is deleted here: an orphan keeps its note and
tags until the reader puts it back.

The dialog is not modal, so words can be selected in the reader while it is
open. `AnchoringActions` (one per window) opens it from Passage › Anchoring
Report… and by itself after an import that updated an article whose passages did
not all stay exactly where they were (after the import summary is closed).
"""

from __future__ import annotations

import textwrap
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from ui.common.plain import one_line, plain_label, plain_tooltip
from ui.passages.undo import REFUSALS
from ui.window.notices import read_only_reason, sentence

ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
WRAP = 62  # characters of a quote's line: rows break their own lines (a view wrapping
MAX_LINES = 3  # by itself measures rows too short)
OUTCOME_WORDS = {
    "exact": "found exactly",
    "moved": "moved",
    "fuzzy": "matched fuzzily",
    "orphaned": "orphaned",
}


def outcome_text(entry: dict[str, Any]) -> str:
    """What happened to one passage, in words: 'moved 120–140 → 196–216', 'fuzzy 0.86 ≥ 0.75'."""
    status = entry.get("status", "")
    if status == "exact":
        text = "Found exactly"
    elif status == "moved":
        old = f"{entry.get('old_start')}–{entry.get('old_end')}"
        new = f"{entry.get('new_start')}–{entry.get('new_end')}"
        shift = int(entry.get("new_start") or 0) - int(entry.get("old_start") or 0)
        way = "later" if shift > 0 else "earlier"
        text = f"Moved: {old} → {new}\n({abs(shift)} characters {way})"
    elif status == "fuzzy":
        score, threshold = float(entry.get("similarity") or 0), float(entry.get("threshold") or 0)
        text = f"Matched fuzzily: similarity {score:.2f}\n(threshold {threshold:.2f})"
    elif status == "orphaned":
        text = "Orphaned: its words are\nno longer in the article"
    else:
        text = status
    resolution = entry.get("resolution")
    if resolution == "accepted":
        text += " — accepted"
    elif resolution == "reattached":
        text += " — re-attached by you"
    return text


def passage_text(entry: dict[str, Any]) -> str:
    """The quote in a few lines (and, for a fuzzy match, the words it is on now)."""
    lines = _wrapped(f"“{one_line(entry.get('quote') or '', 400)}”")
    if entry.get("status") == "fuzzy" and entry.get("new_quote"):
        lines += _wrapped(f"now on: “{one_line(entry['new_quote'], 400)}”")
    return "\n".join(lines)


def _wrapped(text: str) -> list[str]:
    lines = textwrap.wrap(text, WRAP)
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], one_line(" ".join(lines[MAX_LINES - 1 :]), WRAP)]
    return lines


def counts_text(counts: dict[str, int]) -> str:
    parts = [f"{n} {OUTCOME_WORDS.get(k, k)}" for k, n in counts.items() if n]
    return ", ".join(parts) if parts else "no passages"


class AnchoringDialog(QDialog):
    """The newest anchoring report of one article, with Accept Match and Re-attach."""

    def __init__(self, window: Any, article_id: int, *, read_only: str = "") -> None:
        super().__init__(window)
        self.setObjectName("anchoringDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.window_ = window
        self.article_id = article_id
        self.read_only = read_only
        self.entries: list[dict[str, Any]] = []
        try:
            title = window.library.get_article(article_id).title or "Untitled"
        except KeyError:
            title = "An article no longer in the library"
        self.setWindowTitle(f"Anchoring Report — {one_line(title, 60)}")
        self.heading = plain_label("", self)
        self.heading.setObjectName("anchoringHeading")
        self.heading.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("anchoringTable")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Passage", "What happened"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setStyleSheet("QTreeWidget::item { padding: 4px 2px; }")
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 250)
        self.tree.currentItemChanged.connect(lambda *_: self.update_buttons())
        self.tree.itemActivated.connect(lambda item, _c: self.show_in_article(item))
        self.hint = plain_label("", self)
        self.hint.setObjectName("anchoringHint")
        self.hint.setWordWrap(True)
        self.accept_button = QPushButton("&Accept Match", self)
        self.accept_button.setObjectName("anchoringAccept")
        self.accept_button.clicked.connect(self.accept_current)
        self.reattach_button = QPushButton("&Re-attach to Selection", self)
        self.reattach_button.setObjectName("anchoringReattach")
        self.reattach_button.clicked.connect(self.reattach_current)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reattach_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        window.reader.selection_made.connect(self._selection_changed)
        self.reload()
        self.resize(760, 420)

    def reload(self, select_id: str = "") -> None:
        """Read the newest report again and show its rows (keeping the chosen one)."""
        try:
            reports = self.window_.library.anchoring_reports(self.article_id)
        except REFUSALS as error:
            reports = []
            self.hint.setText(sentence(str(error)))
        current = select_id or self.current_id()
        self.tree.clear()
        if not reports:
            self.entries = []
            self.heading.setText("This article has not been re-imported with passages on it.")
            self.update_buttons()
            return
        report = reports[0]
        self.entries = list(report.entries)
        when = report.at.replace("T", " ")[:16]
        self.heading.setText(
            f"Re-imported {when}: {counts_text(report.counts())}. "
            "Nothing was deleted; orphaned passages keep their notes and tags."
        )
        for entry in self.entries:
            item = QTreeWidgetItem([passage_text(entry), outcome_text(entry)])
            item.setData(0, ID_ROLE, entry.get("annotation_id", ""))
            item.setData(0, STATUS_ROLE, entry.get("status", ""))
            tip = entry.get("quote") or ""
            if entry.get("status") == "fuzzy" and entry.get("new_quote"):
                tip += "\n\nNow on: " + entry["new_quote"]
            item.setToolTip(0, plain_tooltip(tip))
            item.setToolTip(1, plain_tooltip(outcome_text(entry)))
            self.tree.addTopLevelItem(item)
            if entry.get("annotation_id") == current:
                self.tree.setCurrentItem(item)
        if self.tree.currentItem() is None:
            pending = next((i for i in self.items() if self._pending(i)), None)
            self.tree.setCurrentItem(pending or self.tree.topLevelItem(0))
        self.update_buttons()

    def items(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]

    def entry_for(self, item: QTreeWidgetItem | None) -> dict[str, Any] | None:
        if item is None:
            return None
        annotation_id = item.data(0, ID_ROLE)
        return next((e for e in self.entries if e.get("annotation_id") == annotation_id), None)

    def current_id(self) -> str:
        item = self.tree.currentItem() if shiboken6.isValid(self.tree) else None
        return item.data(0, ID_ROLE) if item is not None else ""

    def _pending(self, item: QTreeWidgetItem) -> bool:
        entry = self.entry_for(item)
        return bool(
            entry and entry["status"] in ("fuzzy", "orphaned") and not entry.get("resolution")
        )

    def _article_open(self) -> bool:
        article = self.window_.article
        return article is not None and article.id == self.article_id

    @Slot(bool)
    def _selection_changed(self, _has: bool) -> None:
        if shiboken6.isValid(self):
            self.update_buttons()

    def update_buttons(self) -> None:
        """Accept for an unresolved fuzzy row; Re-attach for a fuzzy or orphaned row when
        words of this article are selected in the reader."""
        entry = self.entry_for(self.tree.currentItem())
        status = entry["status"] if entry else ""
        resolved = bool(entry and entry.get("resolution"))
        writable = not self.read_only
        self.accept_button.setEnabled(writable and status == "fuzzy" and not resolved)
        has_selection = self._article_open() and self.window_.reader.selection_range() is not None
        self.reattach_button.setEnabled(
            writable and status in ("fuzzy", "orphaned") and has_selection
        )
        if self.read_only:
            self.hint.setText(sentence(self.read_only))
        elif status == "orphaned" and not has_selection:
            self.hint.setText(
                "To put this passage back, select its words in the article, then click "
                "Re-attach to Selection."
            )
        elif status == "fuzzy" and not resolved:
            self.hint.setText(
                "Accept the match if the passage is now on the right words; otherwise select "
                "the right words in the article and re-attach it."
            )
        else:
            self.hint.setText("")

    def show_in_article(self, item: QTreeWidgetItem) -> None:
        """Double-click or Enter on a row: open the article at that passage."""
        entry = self.entry_for(item)
        if entry is not None:
            self.window_.open_passage(self.article_id, entry["annotation_id"])

    @Slot()
    def accept_current(self) -> bool:
        entry = self.entry_for(self.tree.currentItem())
        if entry is None or entry["status"] != "fuzzy":
            return False
        return self._apply(
            entry["annotation_id"],
            lambda lib: lib.accept_fuzzy(entry["annotation_id"]),
            "Match accepted.",
        )

    @Slot()
    def reattach_current(self) -> bool:
        entry = self.entry_for(self.tree.currentItem())
        selected = self.window_.reader.selection_range() if self._article_open() else None
        if entry is None or selected is None:
            return False
        start, end = selected
        return self._apply(
            entry["annotation_id"],
            lambda lib: lib.reattach(entry["annotation_id"], start, end),
            "Passage re-attached to the selected words.",
        )

    def _apply(self, annotation_id: str, change: Any, done: str) -> bool:
        """Make the change on the writer, then redraw this report, the reader and the
        passages panel; a refusal is told in the dialog."""
        window = self.window_
        if self._article_open():
            window.reader.clear_selection()

        def landed(_result: object, _changes: object) -> None:
            window.on_passages_changed(self.article_id, annotation_id)
            self.reload(annotation_id)
            window.show_message(done)

        def refused(message: str) -> None:
            self.hint.setText(sentence(message))

        window.writer.submit(lambda: change(window.library), done=landed, refused=refused)
        return True


class AnchoringActions(QObject):
    """Passage › Anchoring Report…, and the report shown by itself after an import that
    moved, fuzzily matched or orphaned passages."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: AnchoringDialog | None = None
        window.registry["anchoring_report"].triggered.connect(self.open_current)
        window.tasks.finished.connect(self.on_task_finished)

    @Slot()
    def open_current(self) -> AnchoringDialog | None:
        article = self.window.article
        if article is None:
            self.window.show_message("Open an article to see its anchoring report.")
            return None
        return self.open_for(article.id)

    def open_for(self, article_id: int) -> AnchoringDialog:
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.close()
        reason = read_only_reason(self.window.library)
        self.dialog = AnchoringDialog(self.window, article_id, read_only=reason)
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    @Slot(str, object)
    def on_task_finished(self, name: str, result: Any) -> None:
        """After an import: the report of the first article whose passages did not all stay
        exactly in place (after the import summary, if one is open)."""
        if name != "import":
            return
        troubled: list[int] = []
        for entry in getattr(result, "anchoring", []) or []:
            article_id = entry.get("article_id")
            if entry.get("status") != "exact" and article_id not in troubled:
                troubled.append(article_id)
        if not troubled:
            return
        article_id = troubled[0]
        if len(troubled) > 1:
            self.window.show_message(
                f"{len(troubled)} articles have passages that moved or lost their place: "
                "Passage › Anchoring Report… on each shows what happened.",
                10000,
            )
        summary = next(
            (d for d in self.window.findChildren(QDialog, "importReport") if d.isVisible()), None
        )
        if summary is None:
            self._show_after_import(article_id)
        else:
            summary.finished.connect(lambda _r: self._show_after_import(article_id))

    def _show_after_import(self, article_id: int) -> None:
        article = self.window.article
        if article is None or article.id != article_id:
            self.window.open_article(article_id)
        self.open_for(article_id)
