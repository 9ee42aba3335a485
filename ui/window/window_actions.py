"""What the window's actions do: the handlers behind the action table, kept apart from the
layout (ui/main_window.py) so each file stays readable. A mixin of MainWindow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from index import count_of
from ui.common.plain import one_line
from ui.passages.passage_dialogs import TagsDialog
from ui.passages.passages import swatch_icon
from ui.reader.document import is_openable
from ui.reader.find_bar import match_count
from ui.window import file_dialogs
from ui.window import settings as keys
from ui.window.actions import COLOR_ACTIONS
from ui.window.notices import read_only_reason, sentence
from ui.window.themes import theme_named

if TYPE_CHECKING:  # the dialogs load when first opened, not before the first paint
    from ui.dialogs.export_dialog import ExportDialog
    from ui.window.dialogs import ShortcutsDialog

WRITE_ACTIONS = (
    "import_files",
    "import_folder",
    "import_annotations",
    "reindex",
    "highlight",
    "note",
    "tags",
    "change_extent",
    "delete_passage",
    "save_search",
    "undo",
    "redo",
    "backup_now",
    "restore_backup",
    "restore_annotations",
    "article_tags",
    "watched_folders",
)
IMPORT_FILTER = (
    "Articles and archives (*.md *.markdown *.txt *.text *.html *.htm *.xhtml *.mht *.mhtml"
    " *.warc *.warc.gz *.wacz *.json *.csv *.zip);;All files (*)"
)


class WindowActions:
    """Handlers for the actions of ui/actions.py (mixed into MainWindow)."""

    def _connect_actions(self) -> None:
        r = self.registry
        c = self.controller
        r["import_files"].triggered.connect(self.ask_import_files)
        r["import_folder"].triggered.connect(self.ask_import_folder)
        r["export"].triggered.connect(self.ask_export)
        r["reindex"].triggered.connect(self.reindex)
        r["quit"].triggered.connect(self.close)
        r["undo"].triggered.connect(c.undo_stack.undo)
        r["redo"].triggered.connect(c.undo_stack.redo)
        r["copy_quote"].triggered.connect(c.copy_quote)
        r["find"].triggered.connect(self.find_bar.open_bar)
        r["find_next"].triggered.connect(lambda: self.step_match(1))
        r["find_previous"].triggered.connect(lambda: self.step_match(-1))
        r["search"].triggered.connect(self.search_box.focus)
        r["save_search"].triggered.connect(self.save_search)
        r["highlight"].triggered.connect(lambda: c.highlight())
        for action_id in COLOR_ACTIONS:
            color = r[action_id].data()
            r[action_id].triggered.connect(lambda _=False, color=color: c.highlight(color))
        r["note"].triggered.connect(c.add_note)
        r["tags"].triggered.connect(c.add_tags)
        r["change_extent"].triggered.connect(c.change_extent)
        r["delete_passage"].triggered.connect(lambda: c.delete())
        r["article_tags"].triggered.connect(self.edit_article_tags)
        r["next_article"].triggered.connect(lambda: self.step_article(1))
        r["previous_article"].triggered.connect(lambda: self.step_article(-1))
        r["zoom_in"].triggered.connect(lambda: self.zoom(1))
        r["zoom_out"].triggered.connect(lambda: self.zoom(-1))
        r["zoom_reset"].triggered.connect(lambda: self.zoom(0))
        for name in ("light", "sepia", "dark"):
            r[f"theme_{name}"].triggered.connect(lambda _=False, n=name: self.apply_theme(n))
        r["show_sidebar"].toggled.connect(self.sidebar.setVisible)
        r["show_passages"].toggled.connect(self.passages.setVisible)
        r["passages_browser"].triggered.connect(lambda: self.sidebar.choose("passages:"))
        r["focus_list"].triggered.connect(self.focus_list)
        r["focus_reader"].triggered.connect(lambda: self.reader.setFocus())
        r["shortcuts"].triggered.connect(self.show_shortcuts)
        r["about"].triggered.connect(self.show_about)

    def update_actions(self) -> None:
        """Enable what applies now: selection-based commands, undo/redo, passage commands."""
        r = self.registry
        has_article = self.article is not None
        has_selection = has_article and self.reader.selection_range() is not None
        has_passage = bool(self.controller.current_id)
        for action_id in ("highlight", *COLOR_ACTIONS):
            r[action_id].setEnabled(has_selection or (has_passage and action_id != "highlight"))
        for action_id in ("note", "tags", "copy_quote"):
            r[action_id].setEnabled(has_selection or has_passage)
        r["change_extent"].setEnabled(has_selection and has_passage)
        r["delete_passage"].setEnabled(has_passage)
        r["passage_history"].setEnabled(has_passage)
        stack = self.controller.undo_stack
        r["undo"].setEnabled(stack.canUndo())
        r["redo"].setEnabled(stack.canRedo())
        r["undo"].setText("&Undo " + stack.undoText() if stack.canUndo() else "&Undo")
        r["redo"].setText("&Redo " + stack.redoText() if stack.canRedo() else "&Redo")
        r["find"].setEnabled(has_article)
        r["article_tags"].setEnabled(has_article)
        r["save_search"].setEnabled(bool(self.search_box.text().strip()))
        r["export"].setEnabled(True)
        if self.library.read_only:  # nothing can be saved: offer only what reads
            for action_id in (*WRITE_ACTIONS, *COLOR_ACTIONS):
                r[action_id].setEnabled(False)

    def show_message(self, text: str, timeout_ms: int = 4000) -> None:
        self.statusBar().showMessage(one_line(text, 200), timeout_ms)

    # --- view ------------------------------------------------------------------------------

    def apply_theme(self, name: str, *, save: bool = True) -> None:
        """Recolour the window, the page and the highlights."""
        from PySide6.QtWidgets import QApplication

        theme = theme_named(name)
        app = QApplication.instance()
        app.setPalette(theme.palette())
        self.theme = theme
        self.reader.set_typography(theme=theme)
        self.passages.set_theme(theme)
        self.browser.set_theme(theme)
        self.search_panel.set_theme(theme)
        self.registry[f"theme_{theme.name}"].setChecked(True)
        for action_id in COLOR_ACTIONS:
            action = self.registry[action_id]
            color = action.data()
            action.setIcon(swatch_icon(theme.highlight(color), underline=color == "underline"))
        self.reader.popup.set_actions(
            [self.registry[i] for i in (*COLOR_ACTIONS[:5], "note", "tags")]
        )
        self.setStyleSheet(window_style(theme))
        if save:
            self.settings.set(keys.THEME, theme.name)

    def zoom(self, step: int) -> None:
        size = self.reader.point_size + step if step else self.default_point_size()
        self.reader.set_typography(point_size=size)
        self.settings.set(keys.FONT_SIZE, float(self.reader.point_size))
        self.show_message(f"Text size {self.reader.point_size:g} pt")

    def step_article(self, delta: int) -> None:
        """J / K: the next or previous article of the list on show (or search result)."""
        if self.middle.currentWidget() is self.search_panel:
            self.search_panel.step(delta)
            return
        article_id = self.article_list.step(delta)
        if article_id is not None:
            self.open_article(article_id)

    def step_match(self, step: int) -> bool:
        """F3 / Shift+F3: the next or previous search hit or find match, counted in the status
        bar ("Match 3 of 17"), which also says when it went round to the first or last."""
        reader = self.reader
        if not reader.marks:
            self.show_message("No matches to go to: search the library, or find in the article.")
            return False
        wrapped = reader.step_mark(step)
        count = match_count(reader.mark_index, len(reader.marks), step if wrapped else 0)
        self.show_message("Match " + count + ".")
        return True

    def focus_list(self) -> None:
        self.middle.currentWidget().setFocus()

    def show_about(self) -> QMessageBox:
        from ui.window.dialogs import show_about

        return show_about(self)

    def show_shortcuts(self) -> ShortcutsDialog:
        from ui.window.dialogs import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.open()
        return dialog

    # --- links ----------------------------------------------------------------------------

    def on_link_clicked(self, href: str) -> None:
        if not is_openable(href):
            self.show_message("Gloss opens only http, https and mailto links.")
            return
        from ui.window.dialogs import confirm_link

        confirm_link(self, href)

    def on_link_hovered(self, href: str) -> None:
        if href:
            self.statusBar().showMessage(one_line(href, 200))
        else:
            self.statusBar().clearMessage()

    # --- import, export, reindex ----------------------------------------------------------

    def ask_import_files(self) -> None:
        paths = file_dialogs.open_files(self, "Import Files", IMPORT_FILTER)
        if paths:
            self.import_paths(paths)

    def ask_import_folder(self) -> None:
        folder = file_dialogs.existing_folder(self, "Import Folder")
        if folder:
            self.import_paths([folder])

    def import_paths(self, paths: list[str]) -> bool:
        """Import files and folders on a worker, with progress; False if a task is running."""
        library = self.library
        if self.refuse_if_read_only():
            return False

        def work(progress, cancel):
            return library.import_paths(paths, progress=progress, cancel=cancel)

        if self.tasks.start("import", "Importing", work) is None:
            self.show_message("Wait for the running task to finish first.")
            return False
        self.update_status()
        return True

    # --- watched folders (issue 16) ------------------------------------------------------

    def _connect_watching(self) -> None:
        self.registry["watched_folders"].triggered.connect(self.show_watched_folders)
        self.registry["unsaved_links"].triggered.connect(self.show_unsaved_links)
        self.watching.imported.connect(self.on_watched_import)
        self.watching.missing.connect(self.on_sources_missing)
        self.watching.refused.connect(self.show_error)
        self.watching.start()

    def show_watched_folders(self) -> Any:
        from ui.window.watching import WatchedFoldersDialog

        dialog = WatchedFoldersDialog(self, self.watching)
        dialog.open()
        return dialog

    def show_unsaved_links(self) -> Any:
        from ui.dialogs.unsaved_links import UnsavedLinksDialog

        dialog = UnsavedLinksDialog(self, self.library, self.runner)
        dialog.open()
        return dialog

    def on_watched_import(self, report: Any) -> None:
        """A watched folder's files were imported (on the watcher's thread): show them."""
        self.refresh_sidebar()
        self.refresh_list()
        self.update_status()
        if self.article is not None and self.article.id in report.article_ids:
            self.open_article(self.article.id, offset=self.reader.first_visible_offset())
        moved = sum(1 for e in report.anchoring if e["status"] != "exact")
        text = f"Watched folders: {report.imported} imported, {report.updated} updated"
        if moved:
            text += (
                f"; {count_of(moved, 'passage')} moved or orphaned (Passage › Anchoring Report…)"
            )
        self.show_message(text + ".", 8000)

    def on_sources_missing(self, marked: int) -> None:
        if marked:
            lost = count_of(marked, "article")
            self.show_message(f"{lost} lost their file; they stay in the library.")

    def reindex(self) -> bool:
        library = self.library

        def work(progress, cancel):
            return library.reindex(progress=progress, cancel=cancel)

        if self.tasks.start("reindex", "Rebuilding the search index", work) is None:
            self.show_message("Wait for the running task to finish first.")
            return False
        return True

    def on_task_finished(self, name: str, result: Any) -> None:
        self.refresh_sidebar()
        self.refresh_list()
        self.update_status()
        if name == "import":
            self.last_import_report = result
            if self.article is None and result.article_ids:
                self.open_article(result.article_ids[0])
            elif self.article is not None and self.article.id in result.article_ids:
                # The open article was updated from its file: show the new text.
                self.open_article(self.article.id, offset=self.reader.first_visible_offset())
            from ui.window.dialogs import ImportReportDialog

            ImportReportDialog(self, result).open()
        elif name == "reindex":
            self.show_message(f"Search index rebuilt: {count_of(result, 'document')}.")

    def on_task_failed(self, name: str, message: str) -> None:
        self.update_status()
        self.show_error(f"The {name} stopped: {message}")

    def show_error(self, message: str) -> QMessageBox:
        """A warning the user must see (the library refused a change, a task failed): one
        line, in one box (a second refusal while it is open replaces its text)."""
        box = getattr(self, "error_box", None)
        if box is None or not shiboken6.isValid(box) or not box.isVisible():
            box = QMessageBox(self)
            box.setObjectName("errorBox")
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle("Gloss")
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.error_box = box
        box.setText(sentence(message))
        box.open()
        return box

    def ask_export(self) -> ExportDialog:
        from ui.dialogs.export_dialog import ExportDialog

        dialog = ExportDialog(self, self.library, self.article)
        dialog.exported.connect(self.on_exported)
        dialog.open()
        return dialog

    def export_passages(self, ids: list[str]) -> ExportDialog:
        from ui.dialogs.export_dialog import ExportDialog

        dialog = ExportDialog(self, self.library, None, ids=list(ids))
        dialog.exported.connect(self.on_exported)
        dialog.open()
        return dialog

    def on_exported(self, path: str, count: int) -> None:
        self.show_message(f"Exported {count_of(count, 'passage')} to {path}.", 10000)

    # --- passages in bulk, tags, saved searches --------------------------------------------

    def edit_article_tags(self) -> TagsDialog | None:
        """Tags for the whole open article (searchable with tag:, listed in the sidebar)."""
        if self.article is None:
            self.show_message("Open an article first.")
            return None
        article_id = self.article.id
        known = [name for name, _ in self.library.tags()]
        current = self.library.article_tags(article_id)
        title = self.article.title or "Untitled"
        dialog = TagsDialog(self, title, current, known, title="Article Tags")
        dialog.setObjectName("articleTagsDialog")
        dialog.submitted.connect(lambda tags: self.set_article_tags(article_id, tags))
        dialog.open()
        return dialog

    def set_article_tags(self, article_id: int, tags: list[str]) -> bool:
        """Show the tags at once; write them on the writer (a refusal puts back the stored)."""
        if self.article is not None and self.article.id == article_id:
            self.reader.set_article_tags(list(tags))

        def saved(stored: list[str], _changes: object) -> None:
            if self.article is not None and self.article.id == article_id:
                self.reader.set_article_tags(stored)
            self.refresh_sidebar()
            if self.current_view[0] == "tag":
                self.refresh_list()
            self.show_message("Article tags saved." if stored else "Article tags removed.")

        def refused(message: str) -> None:
            if self.article is not None and self.article.id == article_id:
                self.reader.set_article_tags(self.library.article_tags(article_id))
            self.show_error(message)

        self.writer.submit(
            lambda: self.library.set_article_tags(article_id, tags), done=saved, refused=refused
        )
        return True

    def tag_passages(self, ids: list[str]) -> TagsDialog:
        known = [name for name, _ in self.library.tags()]
        dialog = TagsDialog(self, count_of(len(ids), "passage"), [], known, title="Add Tags")
        dialog.submitted.connect(lambda tags: tags and self.controller.tag_many(list(ids), tags))
        dialog.open()
        return dialog

    def save_search(self) -> QInputDialog | None:
        """Ctrl+S, Edit › Save Search…: ask a name for the query in the box (window-modal,
        so the window keeps drawing), then keep it in the sidebar."""
        query = self.search_box.text().strip()
        if not query:
            self.show_message("Type a search first.")
            return None
        dialog = QInputDialog(self)
        dialog.setObjectName("saveSearchDialog")
        dialog.setWindowTitle("Save Search")
        dialog.setLabelText("Name:")
        dialog.setTextValue(one_line(query, 60))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(
            lambda name: name.strip() and self.save_search_as(name.strip(), query)
        )
        dialog.open()
        return dialog

    def save_search_as(self, name: str, query: str) -> None:
        def saved(_result: object, _changes: object) -> None:
            self.refresh_sidebar()
            self.show_message("Saved in the sidebar.")

        self.writer.submit(
            lambda: self.library.save_search(name, query), done=saved, refused=self.show_error
        )

    def refuse_if_read_only(self) -> bool:
        """True (and the reason told) when the library cannot be written: ask nothing first."""
        reason = read_only_reason(self.library)
        if reason:
            self.show_error(reason)
        return bool(reason)

    def on_tag_action(self, action: str, tag: str) -> None:
        if self.refuse_if_read_only():
            return
        job = None
        if action == "rename":
            new, ok = QInputDialog.getText(self, "Rename Tag", "New name:", text=tag)
            if ok and new.strip() and new != tag:
                name = new.strip()
                job = lambda: self.library.rename_tag(tag, name)  # noqa: E731
        elif action == "delete":
            job = lambda: self.library.delete_tag(tag)  # noqa: E731
        if job is None:
            return

        def done(_result: object, _changes: object) -> None:
            self.refresh_sidebar()
            self.load_passages()

        self.writer.submit(job, done=done, refused=self.show_error)

    def on_search_action(self, action: str, name: str) -> None:
        if action == "delete" and not self.refuse_if_read_only():
            self.writer.submit(
                lambda: self.library.delete_saved_search(name),
                done=lambda _result, _changes: self.refresh_sidebar(),
                refused=self.show_error,
            )


def window_style(theme: Any) -> str:
    """The few touches the palette cannot give: calm sidebar, panel titles, chips."""
    return f"""
QTreeView#sidebar {{ background: {theme.window}; border: none; }}
QTreeView#sidebar::item {{ padding: 3px 2px; }}
QLabel#panelTitle {{ font-weight: bold; color: {theme.chrome_ink}; padding: 2px 2px; }}
QLabel#panelHint {{ color: {theme.muted}; padding: 8px; }}
QLabel#dialogQuote {{ color: {theme.muted}; font-style: italic; }}
QToolButton#facetChip {{ border: 1px solid {theme.quote_rule}; border-radius: 9px;
    padding: 1px 8px; background: {theme.panel}; }}
QToolButton#facetChip:hover {{ background: {theme.panel_alt}; }}
QPushButton#didYouMean {{ color: {theme.link}; text-align: left; padding: 0 2px; }}
QLabel#searchMessage {{ color: #b3261e; }}
QSplitter::handle {{ background: {theme.window}; }}
QWidget#findBar {{ background: {theme.window}; border-top: 1px solid {theme.quote_rule}; }}
"""
