"""File › Import Annotations…: choose a file, import it on the work pool, show the report.

The engine reads the file (our W3C JSON or CSV exports, a Hypothesis export, a Readwise
CSV) and places each annotation (`Library.import_annotations_file`); the worker then
looks up what the report shows beside each row (article titles, the quoted words of
placed passages), so the GUI thread only draws. The window's passages, sidebar and list
follow what was added.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Slot

from index import count_of
from ui.dialogs.annotations_report import AnnotationsReport, groups
from ui.passages.undo import REFUSALS
from ui.window import file_dialogs

TASK = "annotations import"
FILE_FILTER = (
    "Annotation files (*.json *.jsonld *.csv);;W3C JSON (*.json *.jsonld);;CSV (*.csv);;"
    "All files (*)"
)


def import_and_describe(library: Any, path: str, progress: Any) -> dict[str, Any]:
    """On a worker: import the file, then gather what the report shows beside its rows."""
    result = library.import_annotations_file(path, progress=progress).to_json()
    progress(0, 0, "Writing the report")
    article_ids: set[int] = set()
    live: set[str] = set()
    for _key, rows in groups(result):
        for row in rows:
            if isinstance(row.get("article_id"), int):
                article_ids.add(row["article_id"])
            passage_id = row.get("id")
            if not isinstance(passage_id, str) or not row.get("article_id"):
                continue
            try:
                passage = library.get_annotation(passage_id)
            except REFUSALS:
                continue
            live.add(passage_id)
            row.setdefault("quote", passage.exact)
    titles = {}
    if article_ids:
        titles = {s.id: s.title for s in library.list_articles() if s.id in article_ids}
    return {"result": result, "titles": titles, "live": live, "file": path}


class AnnotationImportActions(QObject):
    """The File-menu command and its report, on one window."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.report: AnnotationsReport | None = None
        window.registry["import_annotations"].triggered.connect(self.ask)
        window.tasks.finished.connect(self.on_finished)

    @Slot()
    def ask(self) -> bool:
        path = file_dialogs.open_file(self.window, "Import Annotations", FILE_FILTER)
        return bool(path) and self.import_file(path)

    def import_file(self, path: str) -> bool:
        """Import `path` on the work pool (a progress dialog if it takes a while)."""
        window = self.window
        if window.refuse_if_read_only():
            return False
        library = window.library

        def work(progress, _cancel):
            return import_and_describe(library, path, progress)

        title = f"Importing annotations from {Path(path).name}"
        if window.tasks.start(TASK, title, work, cancellable=False) is None:
            window.show_message("Wait for the running task to finish first.")
            return False
        window.update_status()
        return True

    @Slot(str, object)
    def on_finished(self, name: str, answer: Any) -> None:
        if name != TASK:
            return
        window = self.window
        result = answer["result"]
        window.load_passages()
        if window.middle.currentWidget() is window.browser:
            window.refresh_browser()
        imported = int(result.get("imported", 0))
        window.show_message(
            f"Imported {count_of(imported, 'passage')} from {Path(answer['file']).name}.", 10000
        )
        report = AnnotationsReport(
            window,
            result,
            file_name=Path(answer["file"]).name,
            titles=answer["titles"],
            live=answer["live"],
        )
        report.open_requested.connect(window.open_passage)
        report.open()
        self.report = report
