"""The window's Library › Watched Folders…: add a folder, see it listed and imported, and
new files dropped into it appear in the article list while the window runs; every write
(the list, the imports) runs off the GUI thread."""

from __future__ import annotations

from conftest import SECOND, ThreadRecorder
from ui.window.watching import WatchedFoldersDialog

NEW = SECOND.replace("Wind pumps on the polders", "Sluices of the old harbour")


def test_watched_folder_from_the_library_menu(qtbot, library, open_window, tmp_path):
    recorder = ThreadRecorder(
        library, ("import_paths", "watch_folder", "unwatch_folder", "watched_folders")
    )
    window = open_window(library)
    window.watching.watcher.settle = 0.2
    window.watching.watcher.poll = 0.05
    menus = [a.text() for a in window.menuBar().actions()]
    assert "&Library" in menus
    dialog = window.show_watched_folders()
    assert isinstance(dialog, WatchedFoldersDialog)
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "first.md").write_text(NEW.replace("Sluices", "Locks"), encoding="utf-8")
    with qtbot.waitSignal(window.tasks.finished, timeout=30000) as blocker:
        window.watching.add(str(folder))
    assert blocker.args[0] == "import" and blocker.args[1].imported == 1
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=10000)
    assert str(folder.resolve()) in dialog.list.item(0).text()
    rows = window.article_list.model.rowCount()
    with qtbot.waitSignal(window.watching.imported, timeout=30000) as imported:
        (folder / "second.md").write_text(NEW, encoding="utf-8")
    assert imported.args[0].imported == 1
    qtbot.waitUntil(lambda: window.article_list.model.rowCount() == rows + 1, timeout=10000)
    assert "Watched folders: 1 imported" in window.statusBar().currentMessage()
    dialog.list.setCurrentRow(0)
    dialog.remove_selected()
    qtbot.waitUntil(lambda: dialog.list.count() == 0, timeout=10000)
    assert not recorder.on_main_thread()
    assert {name for name, _ in recorder.calls} >= {
        "import_paths",
        "watch_folder",
        "unwatch_folder",
    }
    assert library.watched_folders() == []
