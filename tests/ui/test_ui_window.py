"""The window as a whole: search as you type, import through the worker, threads, state across
restarts, the action table, the first start, plain text everywhere."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QPushButton

from conftest import SAMPLE, ThreadRecorder, article_id, written
from ui.common.models import ArticleTableModel
from ui.window.actions import ACTIONS, MENUS, key_sequences
from ui.window.dialogs import ImportReportDialog, ShortcutsDialog
from ui.window.main_window import MainWindow
from ui.window.settings import Settings


def _settings(tmp_path, library) -> Settings:
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    return Settings(store, str(library.path))


@pytest.fixture
def make_window(qtbot, tmp_path):
    """Build windows on a library with settings in tmp_path; all closed at the end."""
    made = []

    def make(lib):
        win = MainWindow(lib, _settings(tmp_path, lib))
        qtbot.addWidget(win)
        win.show()
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow, timeout=5000)
        made.append(win)
        return win

    yield make
    for win in made:
        win.close()


def test_no_two_actions_share_a_key(qapp):
    owners: dict[str, str] = {}
    clashes = []
    for spec in ACTIONS:
        for seq in key_sequences(spec):
            key = seq.toString(QKeySequence.SequenceFormat.PortableText)
            if key in owners:
                clashes.append(f"{key}: {owners[key]} and {spec.id}")
            owners[key] = spec.id
    assert not clashes, clashes
    in_menus = {i for _title, ids in MENUS for i in ids if i}
    assert in_menus == {spec.id for spec in ACTIONS}


def test_search_as_you_type_then_open_a_result(qtbot, library, make_window):
    recorder = ThreadRecorder(library, ("search", "term_spans"))
    window = make_window(library)
    window.registry["search"].trigger()
    assert window.search_box.line.hasFocus()
    with qtbot.waitSignal(window.search.results_ready, timeout=10000) as blocker:
        qtbot.keyClicks(window.search_box.line, "polders")
    result = blocker.args[0]
    assert result.query == "polders"
    assert window.middle.currentWidget() is window.search_panel
    assert window.search_panel.model.rowCount() == 1
    # Typing fast sends one query per pause; answers to older queries are dropped.
    assert window.search.serial <= 3
    view = window.search_panel.view
    index = window.search_panel.model.index(0, 0)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    assert window.article.title.startswith("Wind pumps")
    assert window.windowTitle().startswith("Wind pumps on the polders")
    qtbot.waitUntil(lambda: bool(window.reader.marks), timeout=10000)  # from the search pool
    marks = window.reader.marks
    assert window.reader.text[marks[0][0] : marks[0][1]].lower() == "polders"
    window.registry["find_next"].trigger()
    assert window.reader.mark_index == (1 if len(marks) > 1 else 0)
    assert recorder.calls and not recorder.on_main_thread()


def test_stale_answers_are_dropped(qtbot, library, make_window):
    window = make_window(library)
    controller = window.search
    shown: list[str] = []
    controller.results_ready.connect(lambda result: shown.append(result.query))
    controller.set_query("tidal")
    controller.run_now()  # no event is processed before the next query: its answer is stale
    controller.set_query("wind")
    controller.run_now()
    qtbot.waitUntil(lambda: not window.runner.busy() and bool(shown), timeout=10000)
    qtbot.waitUntil(lambda: controller.dropped == 1, timeout=10000)
    assert shown == ["wind"]
    assert window.search_panel.result.query == "wind"


def test_a_note_and_a_tag_are_found_by_search(qtbot, library, make_window):
    window = make_window(library)
    aid = article_id(library, "Notes on tidal")
    window.open_article(aid)
    written(qtbot, window)
    text = window.reader.text
    start = text.index("sluice gate")
    passage = window.controller
    window.reader.select_range(start, start + len("sluice gate"))
    written(qtbot, window)
    passage.highlight("green")
    written(qtbot, window)
    [created] = library.annotations(article_id=aid)
    passage.edit_note(created.id, "ask the harbour master")
    written(qtbot, window)
    passage.edit_tags(created.id, ["hydraulics"])
    written(qtbot, window)
    assert library.wait_indexed(10)
    for query in ("tag:hydraulics", "note:harbour"):
        with qtbot.waitSignal(window.search.results_ready, timeout=10000) as blocker:
            window.search_box.set_text(query)
            written(qtbot, window)
        result = blocker.args[0]
        assert [hit.article_id for hit in result.hits] == [aid], query
        notes = result.hits[0].annotations
        assert [n.annotation_id for n in notes] == [created.id]
        assert notes[0].color == "green" and notes[0].tags == ["hydraulics"]
    # Opening the passage hit opens the article with that passage chosen.
    model = window.search_panel.model
    child = model.index(0, 0, model.index(0, 0))
    window.search_panel.open_requested.emit(aid, child.data(Qt.ItemDataRole.UserRole + 1))
    written(qtbot, window)
    assert window.passages.current_id() == created.id


def test_import_folder_through_the_worker(qtbot, library, make_window, tmp_path):
    recorder = ThreadRecorder(library, ("import_paths", "search", "reindex"))
    window = make_window(library)
    folder = tmp_path / "more"
    folder.mkdir()
    for n in range(12):
        (folder / f"note-{n:02}.md").write_text(
            SAMPLE.replace("Notes on tidal mills", f"Mill number {n}").replace(
                "1956", str(1900 + n)
            ),
            encoding="utf-8",
        )
    (folder / "broken.md").write_bytes(b"")
    (folder / "copy.md").write_text(SAMPLE, encoding="utf-8")  # already in the library
    seen: list[int] = []
    window.tasks.progressed.connect(seen.append)
    with qtbot.waitSignal(window.tasks.finished, timeout=30000) as blocker:
        assert window.import_paths([str(folder)])
    name, report = blocker.args
    assert name == "import"
    assert seen and seen[-1] == 100
    assert report.imported == 12 and report.duplicates == 1 and len(report.failed) == 1
    assert not window.tasks.dialog_shown  # a quick job never shows its progress dialog
    assert report.failed[0].path.endswith("broken.md") and report.failed[0].error
    dialog = window.findChild(ImportReportDialog)
    assert dialog is not None
    assert "12 articles imported, 1 already in the library, 1 failed" in dialog.summary.text()
    assert window.article_list.model.rowCount() == 14
    with qtbot.waitSignal(window.tasks.finished, timeout=60000):
        assert window.reindex()
    assert {name for name, _ in recorder.calls} == {"import_paths", "reindex"}
    assert not recorder.on_main_thread()


def test_cancelled_import_keeps_what_was_imported(qtbot, library, make_window, tmp_path):
    window = make_window(library)
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(40):
        (folder / f"m-{n:02}.md").write_text(
            SAMPLE.replace("Notes on tidal mills", f"Many {n}").replace("1956", str(1800 + n)),
            encoding="utf-8",
        )
    gate = threading.Event()
    original = library.import_paths

    def slow_start(paths, *, progress=None, cancel=None):
        def progress_then_wait(done, total, path):
            progress(done, total, path)
            if done == 1:
                gate.wait(10)

        return original(paths, progress=progress_then_wait, cancel=cancel)

    library.import_paths = slow_start
    with qtbot.waitSignal(window.tasks.progressed, timeout=10000):
        window.import_paths([str(folder)])
    # The job is still running after ~0.6 s: the progress dialog shows; the user cancels.
    qtbot.waitUntil(lambda: window.tasks.dialog is not None and window.tasks.dialog.isVisible())
    cancel = window.tasks.dialog.findChild(QPushButton)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    gate.set()
    with qtbot.waitSignal(window.tasks.finished, timeout=30000) as blocker:
        pass
    report = blocker.args[1]
    assert window.tasks.dialog_shown
    assert report.cancelled
    assert 0 < report.imported < 40
    titles = {s.title for s in library.list_articles()}
    assert len([t for t in titles if t.startswith("Many ")]) == report.imported


def test_state_comes_back_after_a_restart(qtbot, library, make_window, tmp_path):
    long_read = tmp_path / "long.md"
    paragraphs = [
        f"Paragraph {n} of a long read about canals, locks and the boats that used them."
        for n in range(60)
    ]
    long_read.write_text("# A long read\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    library.import_paths([long_read])
    window = make_window(library)
    aid = article_id(library, "A long read")
    window.open_article(aid)
    window.registry["theme_dark"].trigger()
    window.registry["zoom_in"].trigger()
    window.registry["zoom_in"].trigger()
    size = window.reader.point_size
    # The offscreen screen is 800x600 and restored geometry is kept inside it: hide the
    # sidebar and the passages panel (remembered too) so that the window fits.
    window.registry["show_sidebar"].trigger()
    window.registry["show_passages"].trigger()
    window.layout().activate()  # the hidden panels no longer count in the minimum size
    window.resize(780, 560)
    qtbot.waitUntil(lambda: window.width() == 780)
    window.main_splitter.setSizes([0, 250, 520])
    sizes = window.main_splitter.sizes()
    offset = len(window.reader.text) // 2
    window.reader.scroll_to_offset(offset)
    top = window.reader.first_visible_offset()
    window.close()
    QApplication.setPalette(QApplication.style().standardPalette())
    again = make_window(library)
    assert again.article is not None and again.article.id == aid
    assert again.theme.name == "dark"
    assert again.registry["theme_dark"].isChecked()
    assert again.reader.point_size == size
    assert not again.sidebar.isVisible() and not again.passages.isVisible()
    assert (again.width(), again.height()) == (780, 560)
    restored = again.main_splitter.sizes()
    assert restored[:2] == sizes[:2] and abs(restored[2] - sizes[2]) <= 8
    assert abs(again.reader.first_visible_offset() - top) < 120


def test_first_start_shows_the_welcome_article(qtbot, make_window, tmp_path):
    from index.library import Library

    lib = Library.open(tmp_path / "fresh")
    try:
        window = make_window(lib)
        assert window.article is not None
        assert window.article.title.lower().startswith("welcome")
        window.close()
    finally:
        lib.close()


def test_shortcuts_window_lists_every_action(qtbot, library, make_window):
    window = make_window(library)
    window.registry["shortcuts"].trigger()
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None and dialog.isVisible()
    commands = {dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    assert {spec.text.replace("&", "") for spec in ACTIONS} <= commands


def test_j_and_k_move_through_the_list(qtbot, library, make_window):
    window = make_window(library)
    window.article_list.table.setFocus()
    first = window.article.id
    qtbot.keyClick(window.article_list.table, Qt.Key.Key_J)
    assert window.article.id != first
    qtbot.keyClick(window.article_list.table, Qt.Key.Key_K)
    assert window.article.id == first


def test_find_in_article(qtbot, library, make_window):
    window = make_window(library)
    window.open_article(article_id(library, "Notes on tidal"))
    window.registry["find"].trigger()
    qtbot.keyClicks(window.find_bar.line, "cafe")  # the text says "café"
    assert len(window.reader.marks) == 1
    assert window.find_bar.count.text() == "1 of 1"
    window.find_bar.line.clear()
    qtbot.keyClicks(window.find_bar.line, "mill")
    many = len(window.reader.marks)
    assert many >= 3
    window.find_bar.whole.setChecked(True)
    assert len(window.reader.marks) < many
    current = window.reader.mark_index
    qtbot.keyClick(window.find_bar.line, Qt.Key.Key_F3)
    assert window.reader.mark_index == (current + 1) % len(window.reader.marks)


def test_article_and_user_text_show_as_plain_text(qtbot, make_window, tmp_path):
    from index.library import Library

    lib = Library.open(tmp_path / "plain", create_welcome=False)
    try:
        path = tmp_path / "odd.md"
        path.write_text("# <b>Bold</b> [*] title\n\nSome <i>text</i> here.\n", encoding="utf-8")
        lib.import_paths([path])
        window = make_window(lib)
        [summary] = lib.list_articles()
        window.open_article(summary.id)
        assert window.windowTitle().startswith("<b>Bold</b> [")
        assert "[*]" not in window.windowTitle()
        model = window.article_list.model
        title = model.data(model.index(0, ArticleTableModel.TITLE))
        assert title == "<b>Bold</b> [*] title"
        tip = model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
        assert "&lt;b&gt;" in tip and "<b>Bold" not in tip
        assert window.reader.header.title.text() == "<b>Bold</b> [*] title"
        window.close()
    finally:
        lib.close()


def test_question_mark_and_about_and_icon(qtbot, library, make_window):
    from PySide6.QtWidgets import QMessageBox

    from ui.window.icon import app_icon

    window = make_window(library)
    window.setWindowIcon(app_icon())
    assert not window.windowIcon().isNull()
    qtbot.keyClick(window.article_list.table, "?")
    dialogs = [d for d in window.findChildren(ShortcutsDialog) if d.isVisible()]
    assert len(dialogs) == 1
    dialogs[0].reject()
    window.registry["about"].trigger()
    box = window.findChild(QMessageBox, "aboutBox")
    assert box is not None and "PySide6" in box.informativeText()
    box.accept()


def test_screenshot_renders_1280_by_800(qtbot, tmp_path):
    from PySide6.QtGui import QImage

    from index.library import Library
    from ui.window.app import screenshot

    folder = tmp_path / "shot-lib"
    lib = Library.open(folder)
    (tmp_path / "a.md").write_text(SAMPLE, encoding="utf-8")
    lib.import_paths([tmp_path / "a.md"])
    lib.close()
    target = tmp_path / "window.png"
    assert screenshot(str(target), str(folder), None, "tidal", "dark") == 0
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1280, 800)
    # a dark theme: most of the reading page is dark (the text on it is light)
    samples = [
        image.pixelColor(x, y).lightness()
        for x in range(560, 1020, 10)
        for y in range(100, 700, 10)
    ]
    assert sum(1 for v in samples if v < 80) > 0.8 * len(samples)


def test_a_big_librarys_list_fills_in_after_the_window_appears(
    qtbot, make_window, library, monkeypatch
):
    """Past LIST_LATER_FROM articles the first list is read on a worker: the window is up
    at once saying it is listing, and the rows arrive without blocking it."""
    from ui.window import main_window

    monkeypatch.setattr(main_window, "LIST_LATER_FROM", 1)
    win = make_window(library)
    total = library.counts()["articles"]
    assert total > 1
    qtbot.waitUntil(lambda: win.article_list.model.rowCount() == total, timeout=5000)
    assert not win.article_list.empty.isVisible()
    # later lists (another view, then back) are read at once, as before
    win.choose_entry("view", "recent")
    win.choose_entry("view", "all")
    assert win.article_list.model.rowCount() == total


def _on_window_thread(monkeypatch, owner, name: str) -> list[bool]:
    """Wrap `owner.name` so that each call notes whether it ran on the window's thread."""
    real = getattr(owner, name)
    noted: list[bool] = []

    def noting(*args, **kwargs):
        noted.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, noting)
    return noted


def test_a_very_big_librarys_lists_are_read_on_a_worker_and_the_last_asked_is_shown(
    qtbot, make_window, library, monkeypatch
):
    """Past LIST_ON_WORKER_FROM articles every list is read on a worker (0.85 s at 178,000
    froze the window at each click on a view); when views are chosen faster than the lists
    arrive, the list shown is the last one chosen."""
    from ui.window import window_lists

    monkeypatch.setattr(window_lists, "LIST_ON_WORKER_FROM", 1)
    win = make_window(library)
    total = library.counts()["articles"]
    assert win.article_list.model.rowCount() == total  # the first list: small, read at once
    read_on = _on_window_thread(monkeypatch, library, "article_columns")
    win.choose_entry("view", "all")
    win.choose_entry("view", "highlighted")  # no article has a passage: an empty list
    # (a list asked again meanwhile, after the window's own "opened" write, may be read too)
    qtbot.waitUntil(
        lambda: bool(read_on) and not win.runner.jobs and win.article_list.model.rowCount() == 0,
        timeout=15000,
    )
    assert not any(read_on)
    win.choose_entry("view", "all")
    qtbot.waitUntil(lambda: win.article_list.model.rowCount() == total, timeout=15000)


def test_a_big_librarys_first_list_comes_sorted_as_it_was_left(
    qtbot, make_window, library, tmp_path, monkeypatch
):
    """The list sorted by a column when the window closed is sorted so at the next start:
    for a big library on the list's worker, with the rows (at 178,000 sorting in the view
    took 20 s of the window's thread)."""
    from ui.window import main_window, settings, window_lists

    monkeypatch.setattr(main_window, "LIST_LATER_FROM", 1)
    made_on = _on_window_thread(monkeypatch, window_lists, "sort_order")
    remembered = _settings(tmp_path, library)
    remembered.set_for_library(settings.SORT_COLUMN, ArticleTableModel.TITLE)
    remembered.set_for_library(settings.SORT_ORDER, Qt.SortOrder.DescendingOrder.value)
    remembered.sync()
    win = make_window(library)
    total = library.counts()["articles"]
    qtbot.waitUntil(lambda: win.article_list.proxy.rowCount() == total, timeout=5000)
    shown = [win.article_list.proxy.index(r, 0).data() for r in range(total)]
    titles = [s.title for s in library.list_articles()]
    assert shown == sorted(titles, key=str.casefold, reverse=True)
    assert made_on == [False]  # made once, on the worker
    header = win.article_list.table.horizontalHeader()
    assert header.sortIndicatorSection() == ArticleTableModel.TITLE
