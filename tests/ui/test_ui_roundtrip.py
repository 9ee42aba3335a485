"""Issue 13, the window's first hour: a backup only after a change (8), Save Search as soon as
the box holds a query (9), Ctrl+Home, the last folder and F3's counter (11)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog

from conftest import article_id, written
from index import Library
from ui.window.app import close_library
from ui.window.main_window import MainWindow
from ui.window.settings import Settings


def _settings(tmp_path: Path, lib) -> Settings:
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    return Settings(store, str(lib.path))


def _session(qtbot, tmp_path: Path, folder: Path, change=None) -> None:
    """One start of the window as `run_window` makes it: the library opened in the
    background, the window shown (it opens and marks the last article), then quit."""
    lib = Library.open(folder, background=True)
    window = MainWindow(lib, _settings(tmp_path, lib))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.open_article(article_id(lib, "Notes on tidal"))
    if change is not None:
        change(lib)
    window.close()
    close_library(lib)


# --- 8. a backup only when something changed ---------------------------------------------


def test_three_restarts_without_a_change_make_one_backup_and_a_change_makes_another(
    qtbot, tmp_path, sample_folder
):
    folder = tmp_path / "lib"
    with Library.open(folder) as lib:
        lib.import_paths([sample_folder])
    for _cycle in range(3):
        _session(qtbot, tmp_path, folder)
    with Library.open(folder) as lib:
        assert [b.reason for b in lib.backups()] == ["start"]

    def highlight(lib) -> None:
        lib.annotate_quote(article_id(lib, "Notes on tidal"), "sluice gate", tags=["mills"])

    _session(qtbot, tmp_path, folder, change=highlight)
    _session(qtbot, tmp_path, folder)
    with Library.open(folder) as lib:
        made = lib.backups()
        assert [b.reason for b in made] == ["start", "start"]
        assert made[0].annotations == 1


# --- 9. Save Search -----------------------------------------------------------------------


def test_save_search_is_enabled_as_soon_as_the_box_holds_a_query(qtbot, window):
    action = window.registry["save_search"]
    assert not action.isEnabled()
    window.search_box.focus()
    qtbot.keyClicks(window.search_box.line, "tide")
    assert action.isEnabled()  # at once: no result has been opened, none has even arrived
    qtbot.keyClick(window.search_box.line, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(QInputDialog, "saveSearchDialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.textValue() == "tide"
    dialog.setTextValue("Tides")
    dialog.accept()
    written(qtbot, window)
    assert ("Tides", "tide") in window.library.saved_searches()
    qtbot.waitUntil(lambda: "Saved in the sidebar" in window.statusBar().currentMessage())
    window.search_box.line.clear()
    assert not action.isEnabled()


def test_choosing_a_sidebar_view_empties_the_box_and_greys_save_search(qtbot, window):
    window.search_box.set_text("mills")
    assert window.registry["save_search"].isEnabled()
    window.sidebar.choose("view:all")
    assert window.search_box.text() == ""
    assert not window.registry["save_search"].isEnabled()


# --- 11. Ctrl+Home, the last folder, F3's counter ------------------------------------------

LONG = "# A long walk along the dykes\n\nPiet Mondriaan\n3 May 2020\n\n" + "\n\n".join(
    f"Paragraph {n}: the mill by the dyke turned all day, and the miller watched the water "
    "rise in the ditch beside the road while the wind kept on from the west." * 2
    for n in range(1, 40)
)


@pytest.fixture
def long_id(library, tmp_path) -> int:
    path = tmp_path / "articles" / "long-walk.md"
    path.write_text(LONG, encoding="utf-8")
    return library.import_paths([path]).article_ids[0]


def _active(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)


def test_ctrl_home_scrolls_to_the_very_top_with_title_and_byline(qtbot, window, long_id):
    window.open_article(long_id)
    reader = window.reader
    bar = reader.verticalScrollBar()
    assert bar.maximum() > 0
    reader.setFocus()
    qtbot.keyClick(reader, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert bar.value() > bar.maximum() // 2
    qtbot.keyClick(reader, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    assert bar.value() == 0
    header = reader.header.geometry()
    assert header.top() >= 0 and reader.header.isVisible()  # title and byline in view
    assert reader.first_visible_offset() == 0


def test_scrolling_to_offset_zero_is_the_very_top_too(qtbot, window, long_id):
    window.open_article(long_id)
    reader = window.reader
    reader.scroll_to_offset(len(reader.text) // 2)
    assert reader.verticalScrollBar().value() > 0
    reader.scroll_to_offset(0)
    assert reader.verticalScrollBar().value() == 0


def test_f3_counts_the_search_hits_and_says_when_it_goes_round(qtbot, window, long_id):
    _active(qtbot, window)
    with qtbot.waitSignal(window.search.results_ready, timeout=10000):
        window.search_box.set_text("title:walk miller")
        window.search.run_now()
    window.open_result(long_id, "")
    reader = window.reader
    qtbot.waitUntil(lambda: len(reader.marks) >= 3, timeout=10000)  # from the search pool
    total = len(reader.marks)
    assert reader.mark_index == 0
    status = window.statusBar()
    for n in range(2, total + 1):
        qtbot.keyClick(reader, Qt.Key.Key_F3)
        assert status.currentMessage() == f"Match {n} of {total}."
    qtbot.keyClick(reader, Qt.Key.Key_F3)
    assert reader.mark_index == 0
    assert status.currentMessage() == f"Match 1 of {total}, from the top again."
    qtbot.keyClick(reader, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert status.currentMessage() == f"Match {total} of {total}, from the end again."


def test_the_find_bar_counts_and_says_when_it_goes_round(qtbot, window, long_id):
    _active(qtbot, window)
    window.open_article(long_id)
    window.find_bar.open_bar()
    qtbot.keyClicks(window.find_bar.line, "dyke turned")
    total = len(window.reader.marks)
    assert total == 78
    count = window.find_bar.count
    assert count.text() == f"1 of {total}"
    qtbot.keyClick(window.find_bar.line, Qt.Key.Key_F3)
    assert count.text() == f"2 of {total}"
    qtbot.keyClick(window.find_bar.line, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window.find_bar.line, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert count.text() == f"{total} of {total}, from the end again"
    qtbot.keyClick(window.find_bar.line, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert count.text() == f"{total - 1} of {total}"
    qtbot.keyClick(window.find_bar.line, Qt.Key.Key_Escape)  # the bar's own keys still work
    assert not window.find_bar.isVisible() and not window.reader.marks


def test_f3_with_nothing_to_go_to_says_so(qtbot, window):
    _active(qtbot, window)
    window.open_article(article_id(window.library, "Notes on tidal"))
    qtbot.keyClick(window.reader, Qt.Key.Key_F3)
    assert "No matches to go to" in window.statusBar().currentMessage()


def test_file_dialogs_start_in_the_last_folder_used_even_after_a_restart(
    qtbot, open_window, library, tmp_path, monkeypatch
):
    elsewhere = tmp_path / "working-directory"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "more.md").write_text("# More\n\nA few more words.\n", encoding="utf-8")
    starts: list[tuple[str, str]] = []

    def save(_parent, title, start, *_rest):
        starts.append((title, start))
        return str(exports / "passages.md"), ""

    def open_many(_parent, title, start, *_rest):
        starts.append((title, start))
        return [str(exports / "more.md")], ""

    def folder(_parent, title, start, *_rest):
        starts.append((title, start))
        return ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", open_many)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", folder)
    window = open_window(library)
    window.ask_export()._ask_path()
    assert (exports / "passages.md").exists()
    assert starts[0] == ("Export Annotations", str(Path.home() / "passages.md"))
    window.ask_import_files()
    assert starts[1] == ("Import Files", str(exports))
    window.close()
    again = open_window(library)  # the same settings file: a restart
    again.ask_import_folder()
    assert starts[2] == ("Import Folder", str(exports))
    assert all(not start.startswith(str(elsewhere)) for _title, start in starts)
