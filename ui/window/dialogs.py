"""Help › Keyboard Shortcuts, About, the import report, and the question before a link opens.

All text that comes from articles, files or the user is shown as plain text.
"""

from __future__ import annotations

import platform
import sys
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from index import count_of
from ui.common.plain import one_line, plain_label
from ui.window.actions import ACTIONS, shortcut_text

# Keys that work in one place only, listed with the window's actions.
LOCAL_KEYS = (
    ("Esc", "Search field: clear the search and go back to the list"),
    ("Down", "Search field: move to the results"),
    ("Enter", "Lists: open the chosen article or result"),
    ("Tab, Shift+Tab", "Move between the sidebar, the list, the reader and the panel"),
    ("Shift+Arrows", "Reader: select text with the keyboard"),
    ("Ctrl+Enter", "Note editor: save the note"),
    ("Alt+W, Alt+A", "Find bar: whole words, ignore accents"),
)


class ShortcutsDialog(QDialog):
    """Every action with its shortcuts and what it does, from the one action table."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard Shortcuts")
        rows = [(shortcut_text(spec), spec.text.replace("&", ""), spec.help) for spec in ACTIONS]
        rows += [(keys, "", help_text) for keys, help_text in LOCAL_KEYS]
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Keys", "Command", "What it does"])
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(row, column, item)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(760, 600)


def versions() -> str:
    """Gloss and the libraries it runs on, one per line."""
    lines = ["Gloss 0.1.0"]
    lines.append(f"Python {sys.version.split()[0]} on {platform.system()} {platform.machine()}")
    lines.append(f"Qt {qVersion()}, PySide6 {pyside_version}")
    try:
        import importlib.metadata as metadata

        lines.append(f"whoosh-reloaded {metadata.version('whoosh-reloaded')}")
    except Exception:
        pass
    return "\n".join(lines)


def show_about(parent: QWidget) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("aboutBox")
    box.setWindowTitle("About Gloss")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.setText("Gloss — an offline reader for your archive of articles")
    box.setInformativeText(
        "Highlights, notes and tags on passages, and full-text search of all of it. "
        "Nothing leaves this computer.\n\n" + versions()
    )
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box


def import_summary(report: Any) -> str:
    """One sentence: what was imported, updated, found twice (already in the library, or
    copies among the imported files themselves), failed; and how long it took."""
    parts = [f"{count_of(report.imported, 'article')} imported"]
    if report.updated:
        parts.append(f"{report.updated} updated from changed files")
    within = getattr(report, "duplicates_within", 0)
    already = report.duplicates - within
    if within:
        parts.append(f"{count_of(within, 'duplicate')} within the imported files (each kept once)")
    if already:
        parts.append(f"{already} already in the library")
    if report.failed:
        parts.append(f"{len(report.failed)} failed")
    return ", ".join(parts) + f" ({report.took_s:.1f} s)."


class ImportReportDialog(QDialog):
    """What an import did: counts, then every failed file with its reason."""

    def __init__(self, parent: QWidget, report: Any) -> None:
        super().__init__(parent)
        self.setObjectName("importReport")
        self.setWindowTitle("Import finished" if not report.cancelled else "Import cancelled")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        summary = import_summary(report)
        if report.cancelled:
            summary = "Cancelled. What was imported before stays in the library: " + summary
        layout = QVBoxLayout(self)
        self.summary = plain_label(summary, self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        problems = [(f.path, f.error, "failed") for f in report.failed]
        problems += [(w.path, w.error, "note") for w in getattr(report, "warnings", [])]
        # inside archives and exports: what each item became when not simply imported
        problems += [
            (f"{i['source']}: {i['item']}", f"{i['status']}: {i['reason']}", "note")
            for i in getattr(report, "items", [])
            if i["status"] not in ("imported", "updated", "failed")
        ]
        if getattr(report, "links", 0):
            summary += f" {report.links} links listed without their text (never fetched)."
        self.table = QTableWidget(len(problems), 2, self)
        self.table.setHorizontalHeaderLabels(["File", "Reason"])
        for row, (path, error, kind) in enumerate(problems):
            for column, value in enumerate((path, ("" if kind == "failed" else "note: ") + error)):
                item = QTableWidgetItem(one_line(value, 400))
                item.setToolTip("")
                self.table.setItem(row, column, item)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setVisible(bool(problems))
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(640, 380 if problems else 140)


def confirm_link(parent: QWidget, href: str) -> QMessageBox:
    """Show the address and open it in the system browser only if the user says so."""
    box = QMessageBox(parent)
    box.setObjectName("linkBox")
    box.setWindowTitle("Open link")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText("Open this address in your web browser?")
    box.setInformativeText(one_line(href, 500))
    box.setStandardButtons(QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def finished(result: int) -> None:
        if result == QMessageBox.StandardButton.Open.value:
            QDesktopServices.openUrl(QUrl(href, QUrl.ParsingMode.StrictMode))

    box.finished.connect(finished)
    box.open()
    return box
