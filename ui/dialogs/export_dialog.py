"""File › Export Annotations: pick a format and which passages, then a file to write.

The text comes from `Library.export_annotations` (Markdown, W3C JSON, CSV);
this dialog only chooses and writes it.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QMessageBox,
    QWidget,
)

from ui.common.plain import one_line, plain_label
from ui.passages.undo import REFUSALS
from ui.window import file_dialogs

if TYPE_CHECKING:  # the engine's Library loads with the library, not with the window's code
    from index import Library

FORMATS = (
    ("markdown", "Markdown (.md)", ".md"),
    ("json", "W3C JSON: Web Annotations (.jsonld)", ".jsonld"),
    ("csv", "CSV spreadsheet (.csv)", ".csv"),
)


def supports_ids(library: Library) -> bool:
    """True when the engine can export a chosen set of passages (Library.export_annotations
    with `ids=`); otherwise only all, one article or one tag are offered."""
    return "ids" in inspect.signature(library.export_annotations).parameters


class ExportDialog(QDialog):
    """Choose format and scope; `export_to(path)` writes the file (the Save button asks
    where first).

    Signals:
        exported(str, int): the file written and how many passages it holds.
    """

    exported = Signal(str, int)

    def __init__(
        self, parent: QWidget, library: Library, article: Any, ids: list[str] | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export Annotations")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.library = library
        self.article = article
        self.ids = ids
        self.format = QComboBox(self)
        for key, label, _ext in FORMATS:
            self.format.addItem(label, key)
        self.scope = QComboBox(self)
        if ids and supports_ids(library):
            chosen = (
                "The selected passage" if len(ids) == 1 else f"The {len(ids)} selected passages"
            )
            self.scope.addItem(chosen, "ids")
        self.scope.addItem("Every passage in the library", "all")
        if article is not None:
            self.scope.addItem(
                "Passages of “" + one_line(article.title or "Untitled", 50) + "”", "article"
            )
        for name, _count in library.tags():
            self.scope.addItem("Passages tagged “" + one_line(name, 40) + "”", f"tag:{name}")
        form = QFormLayout(self)
        form.addRow(plain_label("Format:", self), self.format)
        form.addRow(plain_label("Passages:", self), self.scope)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._ask_path)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.written: Path | None = None

    def text(self) -> str:
        """The export as text, for the chosen format and scope."""
        fmt = self.format.currentData()
        scope = self.scope.currentData() or "all"
        if scope == "ids":
            return self.library.export_annotations(fmt, ids=list(self.ids))
        if scope == "article" and self.article is not None:
            return self.library.export_annotations(fmt, article_id=self.article.id)
        if scope.startswith("tag:"):
            return self.library.export_annotations(fmt, tag=scope[4:])
        return self.library.export_annotations(fmt)

    def passage_count(self) -> int:
        """How many passages the chosen scope holds."""
        scope = self.scope.currentData() or "all"
        if scope == "ids":
            return len(self.ids or [])
        if scope == "article" and self.article is not None:
            return len(self.library.annotations(article_id=self.article.id))
        if scope.startswith("tag:"):
            return len(self.library.annotations(tag=scope[4:]))
        return int(self.library.counts().get("annotations", 0))

    def export_to(self, path: str | Path) -> Path:
        target = Path(path)
        self.library.write_export(self.text(), target)  # and the images it shows, beside it
        self.written = target
        return target

    def _ask_path(self) -> None:
        ext = FORMATS[self.format.currentIndex()][2]
        path = file_dialogs.save_file(self, "Export Annotations", f"passages{ext}")
        if not path:
            return
        self.save_to(path)

    def save_to(self, path: str | Path) -> bool:
        """Write the export; a refusal (the file cannot be written, the library cannot be
        read) is told in one line and the dialog stays open for another try."""
        try:
            self.export_to(path)
        except OSError as error:
            self.tell(f"The file could not be written: {error.strerror or error}.")
            return False
        except REFUSALS as error:
            self.tell(f"Nothing was exported: {error}.")
            return False
        count = self.passage_count()
        self.accept()
        self.exported.emit(str(self.written), count)
        return True

    def tell(self, message: str) -> QMessageBox:
        box = QMessageBox(self)
        box.setObjectName("exportErrorBox")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Export Annotations")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(one_line(message, 300))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.error_box = box
        return box
