"""The main window: sidebar, article list (or search results, or all passages), reader,
passages panel; menus from the action table; state kept across restarts.

Layout, left to right: the sidebar, a stack in the middle (article list /
search results / passages browser), then the reader with its find bar beside
the passages panel. The window talks to the engine only through the Library;
imports, reindexing and searches run on workers (ui/workers.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from index import Changes, count_of
from ui.common.plain import plain_label
from ui.common.workers import JobRunner
from ui.common.writer import Writer
from ui.passages.annotate import PassageController
from ui.passages.browser import PassagesBrowser
from ui.passages.legend_dialog import LegendActions
from ui.passages.passages import PassagesPanel
from ui.reader.document import DEFAULT_POINT_SIZE
from ui.reader.find_bar import FindBar
from ui.reader.reader import ReaderView
from ui.search.search_box import SearchBox
from ui.search.search_panel import IndexWatch, SearchController, SearchPanel, waiting_text
from ui.search.term_marks import SearchMarks
from ui.window import settings as keys
from ui.window.actions import CONTEXT_ACTIONS, MENUS, POPUP_ACTIONS, ActionRegistry
from ui.window.article_list import ArticleList
from ui.window.importing import TaskRunner
from ui.window.notices import LibraryNotices
from ui.window.on_demand import OnDemand, first_signal, first_use
from ui.window.settings import Settings
from ui.window.sidebar import Sidebar
from ui.window.undo_offer import UndoOffer
from ui.window.watching import FolderWatching
from ui.window.window_actions import WindowActions
from ui.window.window_lists import LIST_LATER_FROM, WindowLists
from ui.window.window_state import WindowState

if TYPE_CHECKING:  # the engine's Library loads with the library, not with the window's code
    from index import Library

LIST, RESULTS, BROWSER = range(3)


REMEMBER_AFTER_MS = 2_000  # the open article is remembered this long after the last open
# The search index opens this long after the first paint (a search typed sooner opens it at
# once): its opening is Python on a thread of its own (0.3-0.6 s at 178,000 articles) and
# the window's first clicks waited behind it for the interpreter (an article opened in
# 140-355 ms instead of 15). The reader's first moments go to the reader.
INDEX_AFTER_PAINT_MS = 2_000
# ... and each article opened before then moves it 2 s later again (someone reading through
# the list right after the start is not kept waiting by it), up to this long after the paint.
INDEX_LATEST_MS = 10_000


def safe_title(text: str) -> str:
    """A window title that shows `text` as is ('[*]' is Qt's modified-marker placeholder)."""
    return " ".join(text.split()).replace("[*]", "[\u2060*]")


class MainWindow(QMainWindow, WindowActions, WindowState, WindowLists):
    """The Gloss window on one open Library."""

    # dialogs made when first opened: their modules load then, not before the first paint
    backups = OnDemand("ui.dialogs.backup_dialog", "BackupActions")
    annotation_import = OnDemand("ui.dialogs.annotations_import", "AnnotationImportActions")
    digests = OnDemand("ui.search.digest_view", "DigestActions")
    history = OnDemand("ui.passages.history_dialog", "HistoryActions")
    trash = OnDemand("ui.passages.trash_view", "TrashActions")
    anchoring = OnDemand("ui.passages.anchoring_dialog", "AnchoringActions")
    explainer = OnDemand("ui.search.explain_dialog", "ExplainActions")

    def __init__(self, library: Library, settings: Settings, icon: QIcon | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.library = library
        self.settings = settings
        self.article: Any = None
        self.current_view = ("view", "all")
        self._index_asked = False  # the search index is opened after the first paint
        self._index_timer = QTimer(self)  # ... once the reader has been quiet for a moment
        self._index_timer.setSingleShot(True)
        self._index_timer.setInterval(INDEX_AFTER_PAINT_MS)
        self._index_timer.timeout.connect(self.library.open_index_later)
        self._index_deadline = QElapsedTimer()
        if icon is not None:
            self.setWindowIcon(icon)
        self.runner = JobRunner(self)
        # a library this big lists its articles on a worker at start, so the window shows first
        self.list_later = library.counts().get("articles", 0) >= LIST_LATER_FROM
        self.tasks = TaskRunner(self.runner, self)
        self.registry = ActionRegistry(self)
        self._build_widgets()
        self._build_layout()
        self._build_menus()
        self.writer = Writer(library, self)
        self.controller = PassageController(library, self.writer, self.reader, self)
        self.search = SearchController(library, self.runner, self)
        self.search_marks = SearchMarks(
            library, self.runner, self.reader, self.find_bar, self._open_article_id, self
        )
        self.index_watch = IndexWatch(self)
        library.on_index_changed(self.index_watch.notify)
        library.on_index_progress(self.index_watch.report)
        self._connect()
        self._connect_actions()
        self.legend = LegendActions(self)  # issue 7: colour names, passage history, trash
        first_use(self, "digests", [("digest", "open_dialog")])
        self._on_first_use()
        self.watching = FolderWatching(self)  # issue 16: folders that import themselves
        self._connect_watching()
        self.setAcceptDrops(True)
        self.state_timer = QTimer(self)
        self.state_timer.setInterval(1000)
        self.state_timer.timeout.connect(self.update_status)
        self.state_timer.start()
        # Remembering the open article writes the settings file (and syncs it to disk) on
        # this thread: done once the reader stops moving between articles, not per article.
        self.remember_timer = QTimer(self)
        self.remember_timer.setSingleShot(True)
        self.remember_timer.setInterval(REMEMBER_AFTER_MS)
        self.remember_timer.timeout.connect(self.remember_open_article)
        self.restore_state()
        self.notices = LibraryNotices(self)  # its badges go first among the permanent widgets
        self.undo_offer = UndoOffer(self.statusBar(), self.controller.undo_stack)
        backup_triggers = [
            ("backup_now", "back_up_now"),
            ("restore_backup", "ask_restore"),
            ("restore_annotations", "ask_restore_annotations"),
        ]
        first_use(self, "backups", backup_triggers)
        first_use(self, "annotation_import", [("import_annotations", "ask")])

    def _on_first_use(self) -> None:
        """The parts made when first asked for (their modules load then, after the paint)."""
        first_use(self, "history", [("passage_history", "open_current")])
        first_signal(self, "history", self.passages.history_requested, "open_for")
        self.registry["show_trash"].triggered.connect(lambda: self.sidebar.choose("trash:"))
        first_use(self, "anchoring", [("anchoring_report", "open_current")])
        first_signal(self, "anchoring", self.tasks.finished, "on_task_finished")
        first_use(self, "explainer", [("explain_hit", "explain_current")])
        view = self.search_panel.view  # Why This Matched… in the results' menu (as the part does)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        view.addAction(self.registry["explain_hit"])

    def paintEvent(self, event: Any) -> None:
        """After the first paint the start backup begins and the search index opens (each
        on a thread of its own)."""
        super().paintEvent(event)
        if not self._index_asked:
            self._index_asked = True
            self.library.begin_start_backup()
            self._index_deadline.start()
            self._index_timer.start()

    # --- building ---------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.sidebar = Sidebar(self)
        self.article_list = ArticleList(self)
        self.search_panel = SearchPanel(self)
        self.browser = PassagesBrowser(self)
        self.reader = ReaderView(self)
        self.reader.image_file = self.library.image_file  # the library's copies of images
        self.find_bar = FindBar(self.reader, self)
        self.passages = PassagesPanel(self)
        self.search_box = SearchBox(self)
        self.counts_label = plain_label("", self)
        self.counts_label.setObjectName("countsLabel")
        self.index_label = plain_label("", self)
        self.index_label.setObjectName("indexLabel")
        self.index_bar = QProgressBar(self)  # a rebuild of an unreadable index, as it goes
        self.index_bar.setObjectName("indexRebuild")
        self.index_bar.setMaximumWidth(140)
        self.index_bar.setMaximumHeight(14)
        self.index_bar.setTextVisible(False)
        self.index_bar.hide()

    def _build_layout(self) -> None:
        self.middle = QStackedWidget(self)
        self.middle.setObjectName("middleStack")
        self.middle.addWidget(self.article_list)
        self.middle.addWidget(self.search_panel)
        self.middle.addWidget(self.browser)
        reader_pane = QWidget(self)
        reader_pane.setObjectName("readerPane")
        box = QVBoxLayout(reader_pane)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.reader, 1)
        box.addWidget(self.find_bar)
        self.reader_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.reader_splitter.setObjectName("readerSplitter")
        self.reader_splitter.addWidget(reader_pane)
        self.reader_splitter.addWidget(self.passages)
        self.reader_splitter.setStretchFactor(0, 1)
        self.reader_splitter.setCollapsible(0, False)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.sidebar)
        self.main_splitter.addWidget(self.middle)
        self.main_splitter.addWidget(self.reader_splitter)
        self.main_splitter.setStretchFactor(2, 1)
        self.main_splitter.setCollapsible(2, False)
        self.main_splitter.setSizes([180, 360, 740])
        self.reader_splitter.setSizes([510, 230])
        self.setCentralWidget(self.main_splitter)
        self.sidebar.setMinimumWidth(120)
        self.middle.setMinimumWidth(220)
        reader_pane.setMinimumWidth(340)
        self.passages.setMinimumWidth(160)
        toolbar = QToolBar("Search", self)
        toolbar.setObjectName("searchToolbar")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        toolbar.addWidget(self.search_box)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar
        status = self.statusBar()
        status.setObjectName("statusBar")
        status.addPermanentWidget(self.counts_label)
        status.addPermanentWidget(QLabel("·", self))
        status.addPermanentWidget(self.index_label)
        status.addPermanentWidget(self.index_bar)
        self.setTabOrder(self.search_box.line, self.sidebar)
        self.setTabOrder(self.sidebar, self.article_list.filter)
        self.setTabOrder(self.article_list.filter, self.article_list.table)
        self.setTabOrder(self.article_list.table, self.reader)
        self.setTabOrder(self.reader, self.passages.list)
        self.resize(1280, 800)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        for title, ids in MENUS:
            menu = bar.addMenu(title)
            for action in self.registry.items(ids):
                if action is None:
                    menu.addSeparator()
                else:
                    menu.addAction(action)
        # Every action works by its shortcut even where a menu is hidden.
        self.addActions(list(self.registry.actions.values()))
        self.reader.context_actions = self.registry.items(CONTEXT_ACTIONS)
        self.reader.popup.set_actions([a for a in self.registry.items(POPUP_ACTIONS) if a])

    def _connect(self) -> None:
        self.sidebar.entry_chosen.connect(self.choose_entry)
        self.sidebar.tag_action.connect(self.on_tag_action)
        self.sidebar.search_action.connect(self.on_search_action)
        self.article_list.article_chosen.connect(self.open_article)
        self.reader.annotation_clicked.connect(self.select_passage)
        self.reader.extent_dragged.connect(self.controller.drag_extent)
        self.reader.link_clicked.connect(self.on_link_clicked)
        self.reader.link_hovered.connect(self.on_link_hovered)
        self.reader.selection_made.connect(lambda _has: self.update_actions())
        self.passages.passage_selected.connect(self.on_passage_chosen)
        self.passages.color_chosen.connect(self.controller.edit_color)
        self.passages.note_edited.connect(self.controller.edit_note)
        self.passages.tags_edited.connect(self.controller.edit_tags)
        self.passages.delete_requested.connect(self.controller.delete_one)
        self.controller.changed.connect(self.on_passages_changed)
        self.writer.landed.connect(self.on_changes)
        self.controller.message.connect(self.show_message)
        self.controller.trashed.connect(self.on_trashed)
        self.controller.failed.connect(self.show_error)
        self.controller.undo_stack.canUndoChanged.connect(self.on_undo_state)
        self.controller.undo_stack.canRedoChanged.connect(self.on_undo_state)
        self.search_box.query_changed.connect(self.on_query_typed)
        self.search_box.submitted.connect(self.search.run_now)
        self.search_box.escaped.connect(self.clear_search)
        self.search_box.down.connect(lambda: self.search_panel.view.setFocus())
        self.search.results_ready.connect(self.on_results)
        self.search.results_ready.connect(self.update_status)  # a first search opened the index
        self.index_watch.changed.connect(self.search.on_index_changed)
        self.index_watch.rebuilding.connect(self.on_index_rebuilding)
        self.search.failed.connect(self.on_search_failed)
        self.search.waiting.connect(self.search_panel.show_waiting)
        self.search.cleared.connect(self.on_search_cleared)
        self.search_panel.open_requested.connect(self.open_result)
        self.search_panel.refine_requested.connect(self.search_box.set_text)
        self.search_panel.sort_changed.connect(self.search.set_sort)
        self.search_panel.save_requested.connect(self.save_search)
        self.browser.open_requested.connect(self.open_passage)
        self.browser.tag_requested.connect(self.tag_passages)
        self.browser.recolor_requested.connect(self.controller.recolor_many)
        self.browser.export_requested.connect(self.export_passages)
        self.browser.delete_requested.connect(lambda ids: self.controller.delete(list(ids)))
        self.tasks.finished.connect(self.on_task_finished)
        self.tasks.failed.connect(self.on_task_failed)

    @Slot(int)
    def on_trashed(self, count: int) -> None:
        """Del said in words, with the way back beside them."""
        what = "Passage" if count == 1 else count_of(count, "passage")
        self.undo_offer.offer(f"{what} moved to the Trash.")

    @Slot(bool)
    def on_undo_state(self, _can: bool) -> None:
        if shiboken6.isValid(self.reader):  # the stack also reports while the window is torn down
            self.update_actions()

    # --- lists --------------------------------------------------------------------------

    @Slot(str, str)
    def choose_entry(self, kind: str, value: str) -> None:
        """Show what a sidebar entry names: a view, a tag, a saved search or all passages."""
        self.current_view = (kind, value)
        self.settings.set_for_library(keys.SIDEBAR_ENTRY, self.sidebar.current_entry)
        if kind == "search":
            self.search_box.set_text(value)
            self.search.run_now()
            return
        if self.search_box.text():
            self.search_box.line.blockSignals(True)
            self.search_box.line.clear()
            self.search_box.line.blockSignals(False)
            self.update_actions()
        self.search.forget()  # no answer comes back to take the middle from this view
        self.search_marks.set_query("")
        if kind == "passages":
            self.refresh_browser()
            self.middle.setCurrentIndex(BROWSER)
            return
        if kind == "trash":
            self.trash.show_view()
            return
        self.refresh_list()
        self.middle.setCurrentIndex(LIST)

    @Slot(int, int)
    def on_index_rebuilding(self, done: int, total: int) -> None:
        """The search index opened after the paint could not be read and is rebuilt: its
        progress in the status bar (and in the results, when a search waits for it)."""
        if self.library.index_ready():
            return  # a report overtaken by the end of the rebuild
        self.index_bar.setRange(0, max(total, 1))
        self.index_bar.setValue(min(done, total))
        self.index_bar.show()
        self.index_label.setText(self.library.index_state())
        if self.search.awaiting_index():
            self.search_panel.show_waiting(waiting_text((done, total)))

    @Slot()
    def update_status(self) -> None:
        counts = self.library.counts()
        articles, passages = counts.get("articles", 0), counts.get("annotations", 0)
        self.counts_label.setText(
            f"{count_of(articles, 'article')} · {count_of(passages, 'passage')}"
        )
        state = self.library.index_state()
        if self.tasks.busy():
            state = "working: " + self.tasks.name
        self.index_label.setText(state)
        if self.index_bar.isVisible() and self.library.index_progress() is None:
            self.index_bar.hide()  # the rebuild ended (the index is open, or failed)

    # --- the open article ---------------------------------------------------------------

    @Slot(int)
    def open_article(
        self,
        article_id: int,
        *,
        passage_id: str = "",
        offset: int | None = None,
    ) -> bool:
        """Open an article in the reader; optionally choose a passage or scroll to an
        offset. The current search's words are marked when the engine has found them (on
        the search pool), and scrolled to when nothing else was asked. False when the
        article is gone."""
        if self._index_timer.isActive() and not self._index_deadline.hasExpired(
            INDEX_LATEST_MS - INDEX_AFTER_PAINT_MS
        ):
            self._index_timer.start()  # the index opens once the reading pauses
        try:
            article = self.library.get_article(article_id)
        except KeyError:
            self.show_message("That article is no longer in the library.")
            return False
        self.article = article
        self.reader.set_article(article)
        self.controller.set_article(article)
        self.load_passages(passage_id)
        self.reader.set_article_tags(self.library.article_tags(article_id))
        if not self.library.read_only:  # only "recently read" is lost when refused
            self.writer.submit(
                lambda: self.library.mark_opened(article_id),
                refused=lambda why: self.show_message(f"Not remembered as recently read: {why}"),
            )
        self.setWindowTitle(f"{safe_title(article.title or 'Untitled')} — Gloss")
        self.article_list.select(article_id)
        self.remember_timer.start()  # the open article, written once browsing pauses
        if self.find_bar.isVisible():
            self.find_bar.refresh()
        self.search_marks.article_opened(reveal=not passage_id and not offset)
        if passage_id:
            self.show_passage(passage_id)
        elif offset:
            self.reader.scroll_to_offset(offset)
        self.update_actions()
        return True

    @Slot()
    def remember_open_article(self) -> None:
        if self.article is not None:
            self.settings.set_for_library(keys.OPEN_ARTICLE, self.article.id)

    def _open_article_id(self) -> int | None:
        return self.article.id if self.article is not None else None

    def load_passages(self, select_id: str = "") -> None:
        if self.article is None:
            self.reader.set_annotations([])
            self.passages.set_annotations([])
            return
        passages = self.library.annotations(article_id=self.article.id)
        active = select_id or self.controller.current_id or ""
        if active and active not in {p.id for p in passages}:
            active = ""
        self.reader.set_annotations(passages, active or None)
        self.passages.set_annotations(passages, active or None)
        self.controller.set_current(active)

    def show_passage(self, passage_id: str) -> None:
        self.select_passage(passage_id)
        passage = self.reader.annotations.get(passage_id)
        if passage is not None and not passage.orphaned:
            self.reader.ensure_offset_visible(passage.start)

    @Slot(str)
    def select_passage(self, passage_id: str) -> None:
        """A passage was clicked in the text: choose it in the panel and the reader."""
        self.controller.set_current(passage_id)
        self.reader.set_active(passage_id)
        self.passages.select(passage_id)
        self.update_actions()

    @Slot(str)
    def on_passage_chosen(self, passage_id: str) -> None:
        self.controller.set_current(passage_id)
        self.reader.set_active(passage_id or None)
        passage = self.reader.annotations.get(passage_id)
        if passage is not None and not passage.orphaned:
            self.reader.ensure_offset_visible(passage.start)
        self.update_actions()

    @Slot(int, str)
    def on_passages_changed(self, article_id: int, passage_id: str) -> None:
        """After a passage command: redraw the open article's passages (the rest of the
        window follows the change's `Changes`, in `on_changes`)."""
        if self.article is not None and article_id == self.article.id:
            self.load_passages(passage_id)
        elif passage_id and self.article is None:
            self.open_article(article_id, passage_id=passage_id)
        self.update_actions()

    @Slot(object)
    def on_changes(self, changes: Changes) -> None:
        """A write landed: refresh only what it changed (the rows of its articles, the
        sidebar when tags, trash or saved searches moved, the browser when it shows)."""
        if changes.empty:
            return
        counts_moved = changes.everything or changes.tags or changes.trash
        if counts_moved or changes.saved_searches:
            self.refresh_sidebar()
        kind, view = self.current_view
        if changes.everything or kind != "view" or view not in ("all", "recent"):
            if changes.everything or changes.articles or changes.passages:
                self.refresh_list()  # which articles belong to the view may have changed
        elif view == "recent" and changes.opened:
            self.refresh_list()
        elif changes.passages:
            for article_id in sorted(changes.articles):
                count = len(self.library.annotations(article_id=article_id))
                self.article_list.model.set_highlights(article_id, count)
        if self.middle.currentIndex() == BROWSER and (changes.passages or changes.everything):
            self.refresh_browser()
        if counts_moved:
            self.update_status()

    # --- search ---------------------------------------------------------------------------

    def on_query_typed(self, text: str) -> None:
        self.search.set_query(text)
        if text.strip():
            self.middle.setCurrentIndex(RESULTS)
        self.update_actions()  # Save Search follows the box, not the results

    @Slot(object)
    def on_results(self, result: Any) -> None:
        self.search_panel.show_result(result)
        self.search_marks.set_query(result.query)
        self.middle.setCurrentIndex(RESULTS)

    @Slot(str)
    def on_search_failed(self, message: str) -> None:
        self.search_panel.show_error(message)
        self.search_marks.set_query("")  # no words of this query to mark

    @Slot()
    def on_search_cleared(self) -> None:
        self.search_marks.set_query("")
        self.search_panel.show_result(None)
        if self.middle.currentIndex() == RESULTS and self.current_view[0] == "trash":
            self.middle.setCurrentWidget(self.trash.view)
        elif self.middle.currentIndex() == RESULTS:
            self.middle.setCurrentIndex(BROWSER if self.current_view[0] == "passages" else LIST)

    def clear_search(self) -> None:
        self.search_box.line.clear()
        self.search.run_now()
        self.article_list.table.setFocus()

    @Slot(int, str)
    def open_result(self, article_id: int, passage_id: str) -> None:
        self.open_article(article_id, passage_id=passage_id)

    @Slot(int, str)
    def open_passage(self, article_id: int, passage_id: str) -> None:
        self.open_article(article_id, passage_id=passage_id)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.passages._commit_note()
        self.save_state()
        self.controller.undo_stack.blockSignals(True)
        self.state_timer.stop()
        self.remember_timer.stop()
        self.search.timer.stop()
        self.library.forget_index_listener(self.index_watch.notify)
        self.watching.stop()
        self.runner.shutdown()
        self.writer.stop()  # every change the user made is stored before the library closes
        super().closeEvent(event)

    # --- drag and drop -------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    def default_point_size(self) -> float:
        return float(DEFAULT_POINT_SIZE)
