"""Issue 13, the window's first hour: a backup only after a change (8), Save Search as soon as
the box holds a query (9), Ctrl+Home, the last folder and F3's counter (11)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QInputDialog

from conftest import article_id
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
