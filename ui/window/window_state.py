"""Coming back as the window was: the remembered state and preferences, restored at start
and saved at close. A mixin of MainWindow (kept apart so each file stays readable)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ui.window import settings as keys


class WindowState:
    """restore_state / save_state / open_welcome for MainWindow."""

    def restore_state(self) -> None:
        """Come back as the window was: theme, size, splitters, list, article, scroll."""
        self.apply_theme(self.settings.get(keys.THEME), save=False)
        self.reader.set_typography(point_size=self.settings.get(keys.FONT_SIZE))
        geometry = self.settings.get(keys.GEOMETRY)
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
        bars = self.settings.get(keys.WINDOW_STATE)
        if not bars.isEmpty():
            self.restoreState(bars)
        for splitter in (self.main_splitter, self.reader_splitter):
            state = self.settings.splitter(splitter.objectName())
            if not state.isEmpty():
                splitter.restoreState(state)
        self.registry["show_sidebar"].setChecked(self.settings.get(keys.SIDEBAR_VISIBLE))
        self.registry["show_passages"].setChecked(self.settings.get(keys.PASSAGES_VISIBLE))
        self.sidebar.setVisible(self.registry["show_sidebar"].isChecked())
        self.passages.setVisible(self.registry["show_passages"].isChecked())
        self.refresh_sidebar()
        column = self.settings.get_for_library(keys.SORT_COLUMN)
        if column >= 0:  # before the list is asked for: a big one is sorted on its worker
            order = Qt.SortOrder(self.settings.get_for_library(keys.SORT_ORDER))
            self.article_list.table.sortByColumn(column, order)
        entry = self.settings.get_for_library(keys.SIDEBAR_ENTRY)
        if entry.startswith("search:") or not self.sidebar.choose(entry):
            self.sidebar.choose("view:all")
        article_id = self.settings.get_for_library(keys.OPEN_ARTICLE)
        offset = self.settings.get_for_library(keys.SCROLL_OFFSET)
        if not (article_id and self.open_article(article_id, offset=offset)):
            self.open_welcome()
        self.update_status()
        self.update_actions()

    def open_welcome(self) -> None:
        """The first start (or a lost article): the welcome article, else the first one."""
        chosen = self.library.welcome_article_id()
        if chosen is not None:
            self.open_article(chosen)

    def save_state(self) -> None:
        self.settings.set(keys.GEOMETRY, self.saveGeometry())
        self.settings.set(keys.WINDOW_STATE, self.saveState())
        for splitter in (self.main_splitter, self.reader_splitter):
            self.settings.set_splitter(splitter.objectName(), splitter.saveState())
        self.settings.set(keys.FONT_SIZE, float(self.reader.point_size))
        self.settings.set(keys.SIDEBAR_VISIBLE, self.registry["show_sidebar"].isChecked())
        self.settings.set(keys.PASSAGES_VISIBLE, self.registry["show_passages"].isChecked())
        if self.article is not None:
            self.settings.set_for_library(keys.OPEN_ARTICLE, self.article.id)
            self.settings.set_for_library(keys.SCROLL_OFFSET, self.reader.first_visible_offset())
        header = self.article_list.table.horizontalHeader()
        self.settings.set_for_library(keys.SORT_COLUMN, header.sortIndicatorSection())
        self.settings.set_for_library(keys.SORT_ORDER, header.sortIndicatorOrder().value)
        self.settings.sync()
