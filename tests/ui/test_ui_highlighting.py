"""Highlighting as a user does it: select words, press a key, see the passage stored and painted."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QSettings, Qt
from PySide6.QtWidgets import QApplication

from conftest import article_id, click_at, drag_select, point_of, written
from ui.passages.passage_dialogs import NoteDialog, TagsDialog
from ui.window.main_window import MainWindow
from ui.window.settings import Settings


@pytest.fixture
def window(qtbot, library, tmp_path):
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(library, Settings(store, str(library.path)))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.open_article(article_id(library, "Notes on tidal"))
    yield win
    win.close()


def _painted(reader, start: int, end: int) -> list:
    """The extra selections that cover exactly [start, end)."""
    want = (reader.offsets.to_qt(start), reader.offsets.to_qt(end))
    return [
        sel
        for sel in reader.extraSelections()
        if (sel.cursor.selectionStart(), sel.cursor.selectionEnd()) == want
    ]


def _select_words(window, words: str) -> tuple[int, int]:
    reader = window.reader
    start = reader.text.index(words)
    end = start + len(words)
    drag_select(reader, start, end)
    assert reader.selection_range() == (start, end)
    return start, end


def test_select_and_press_h_stores_and_paints(qtbot, window, library):
    reader = window.reader
    start, end = _select_words(window, "let out through a wheel")
    assert "😀" in reader.text[:start]  # the emoji before the passage: offsets in code points
    reader.setFocus()
    qtbot.keyClick(reader, Qt.Key.Key_H)
    written(qtbot, window)
    stored = library.annotations(article_id=window.article.id)
    assert [(p.start, p.end, p.exact) for p in stored] == [(start, end, "let out through a wheel")]
    painted = _painted(reader, start, end)
    assert len(painted) == 1
    assert painted[0].cursor.selectedText() == "let out through a wheel"
    expected = window.theme.highlight("yellow").name()
    assert painted[0].format.background().color().name() in (
        expected,
        window.theme.highlight("yellow").darker(112).name(),
    )
    assert window.passages.model.rowCount() == 1
    assert window.passages.current_id() == stored[0].id


def test_colour_key_and_undo_redo(qtbot, window, library):
    reader = window.reader
    start, end = _select_words(window, "The sluice gate")
    reader.setFocus()
    qtbot.keyClick(reader, Qt.Key.Key_3)
    written(qtbot, window)
    [passage] = library.annotations(article_id=window.article.id)
    assert passage.color == "blue"
    qtbot.keyClick(reader, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    written(qtbot, window)
    assert library.annotations(article_id=window.article.id) == []
    assert _painted(reader, start, end) == []
    qtbot.keyClick(
        reader,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    written(qtbot, window)
    [again] = library.annotations(article_id=window.article.id)
    assert (again.id, again.start, again.end, again.color) == (passage.id, start, end, "blue")
    assert len(_painted(reader, start, end)) == 1


def test_note_and_tags_through_the_dialogs_then_delete_and_undo(qtbot, window, library):
    reader = window.reader
    _select_words(window, "the miller waited")
    reader.setFocus()
    qtbot.keyClick(reader, Qt.Key.Key_N)
    written(qtbot, window)
    dialog = window.findChild(NoteDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.editor, "check the tide tables")
    written(qtbot, dialog)
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    written(qtbot, dialog)
    [passage] = library.annotations(article_id=window.article.id)
    assert passage.note == "check the tide tables"
    # T with no selection tags the current passage.
    window.activateWindow()  # the note dialog has closed: the window has the keys again
    qtbot.waitUntil(window.isActiveWindow)
    reader.setFocus()
    qtbot.keyClick(reader, Qt.Key.Key_T)
    written(qtbot, dialog)
    tags = [d for d in window.findChildren(TagsDialog) if d.isVisible()]
    assert len(tags) == 1
    qtbot.keyClicks(tags[0].line, "estuary, mills")
    written(qtbot, dialog)
    qtbot.keyClick(tags[0].line, Qt.Key.Key_Return)
    written(qtbot, dialog)
    passage = library.get_annotation(passage.id)
    assert sorted(passage.tags) == ["estuary", "mills"]
    assert passage.note == "check the tide tables"
    # the sidebar lists the new tags with counts
    assert window.sidebar.model_.index_of("tag:estuary").isValid()
    # Delete (the key) removes it; undo brings it back whole.
    window.activateWindow()  # the tags dialog has closed: the window has the keys again
    qtbot.waitUntil(window.isActiveWindow)
    window.passages.list.setFocus()
    qtbot.keyClick(window.passages.list, Qt.Key.Key_Delete)
    written(qtbot, dialog)
    assert library.annotations(article_id=window.article.id) == []
    window.registry["undo"].trigger()
    written(qtbot, dialog)
    restored = library.get_annotation(passage.id)
    assert (restored.note, sorted(restored.tags)) == (passage.note, sorted(passage.tags))


def test_edit_in_place_in_the_passages_panel(qtbot, window, library):
    reader = window.reader
    _select_words(window, "Tidal mills used the sea")
    reader.setFocus()
    qtbot.keyClick(reader, Qt.Key.Key_H)
    written(qtbot, window)
    [passage] = library.annotations(article_id=window.article.id)
    panel = window.passages
    qtbot.mouseClick(panel.color_buttons["pink"], Qt.MouseButton.LeftButton)
    written(qtbot, window)
    assert library.get_annotation(passage.id).color == "pink"
    panel.note.setFocus()
    qtbot.keyClicks(panel.note, "twice a day")
    written(qtbot, window)
    panel.tags.setFocus()  # the note is saved when it loses focus
    written(qtbot, window)
    assert library.get_annotation(passage.id).note == "twice a day"
    qtbot.keyClicks(panel.tags, "tides")
    written(qtbot, window)
    qtbot.keyClick(panel.tags, Qt.Key.Key_Return)
    written(qtbot, window)
    assert library.get_annotation(passage.id).tags == ["tides"]
    window.registry["undo"].trigger()
    written(qtbot, window)
    assert library.get_annotation(passage.id).tags == []
    assert library.get_annotation(passage.id).note == "twice a day"


def test_click_on_a_highlight_selects_it_in_the_panel(qtbot, window, library):
    text = window.reader.text
    first = library.annotate(window.article.id, text.index("Tidal"), text.index("Tidal") + 11)
    second = library.annotate(window.article.id, text.index("sluice"), text.index("sluice") + 11)
    window.load_passages()
    click_at(window.reader, second.start + 2)
    assert window.passages.current_id() == second.id
    click_at(window.reader, first.start + 2)
    assert window.passages.current_id() == first.id


def test_drag_the_end_of_a_highlight_keeps_note_and_tags(qtbot, window, library):
    reader = window.reader
    text = reader.text
    start = text.index("The last working mill")
    passage = library.annotate(
        window.article.id, start, start + len("The last working"), note="keep", tags=["x"]
    )
    window.load_passages(passage.id)
    written(qtbot, window)
    new_end = start + len("The last working mill")
    reader.ensure_offset_visible(start)
    written(qtbot, window)
    viewport = reader.viewport()
    grab = point_of(reader, passage.end)
    target = point_of(reader, new_end)
    _mouse(viewport, QEvent.Type.MouseButtonPress, grab, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    _mouse(viewport, QEvent.Type.MouseMove, target, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    _mouse(viewport, QEvent.Type.MouseButtonRelease, target, Qt.MouseButton.NoButton)
    written(qtbot, window)
    moved = library.get_annotation(passage.id)
    assert (moved.start, moved.end) == (start, new_end)
    assert (moved.note, moved.tags) == ("keep", ["x"])
    window.registry["undo"].trigger()
    written(qtbot, window)
    assert library.get_annotation(passage.id).end == passage.end


def test_change_extent_reattaches_an_orphaned_passage(qtbot, window, library, tmp_path):
    reader = window.reader
    words = "ground flour until 1956"
    start = reader.text.index(words)
    passage = library.annotate(window.article.id, start, start + len(words), note="date?")
    # The file changes: those words are gone; re-importing orphans the passage.
    path = tmp_path / "articles" / "tidal-mills.md"
    changed = path.read_text(encoding="utf-8").replace(
        "ground flour until 1956", "worked for a long time"
    )
    changed = changed.replace("The last working mill", "A mill")
    path.write_text(changed, encoding="utf-8")
    written(qtbot, window)
    library.import_paths([path])
    written(qtbot, window)
    assert library.get_annotation(passage.id).orphaned
    window.open_article(window.article.id, passage_id=passage.id)
    written(qtbot, window)
    assert window.passages.orphan_hint.isVisibleTo(window.passages)
    start, end = _select_words(window, "worked for a long time")
    reader.setFocus()
    qtbot.keyClick(reader, Qt.Key.Key_E)
    written(qtbot, window)
    fixed = library.get_annotation(passage.id)
    assert not fixed.orphaned
    assert (fixed.start, fixed.end, fixed.note) == (start, end, "date?")


def test_copy_as_quote_with_citation(qtbot, window):
    _select_words(window, "Tidal mills used the sea twice a day.")
    window.registry["copy_quote"].trigger()
    copied = QApplication.clipboard().text()
    assert copied.startswith("“Tidal mills used the sea twice a day.”")
    assert "Notes on tidal mills, Ana Ribeiro, 2 March 2021" in copied


def _mouse(widget, kind, point: QPoint, buttons) -> None:
    from conftest import _send_mouse

    _send_mouse(widget, kind, point, buttons)


def test_the_floating_bar_beside_a_selection(qtbot, window, library):
    reader = window.reader
    _select_words(window, "sea twice a day")
    assert reader.popup.isVisible()
    green = [b for b in reader.popup.buttons if b.defaultAction().data() == "green"]
    qtbot.mouseClick(green[0], Qt.MouseButton.LeftButton)
    written(qtbot, window)
    [passage] = library.annotations(article_id=window.article.id)
    assert (passage.exact, passage.color) == ("sea twice a day", "green")
    assert not reader.popup.isVisible()


def test_hovering_a_highlight_shows_its_note_and_tags_as_plain_text(qtbot, window, library):
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QToolTip

    reader = window.reader
    start = reader.text.index("wheel")
    library.annotate(window.article.id, start, start + 5, note="<b>not bold</b>", tags=["w"])
    window.load_passages()
    point = point_of(reader, start + 2)
    event = QHelpEvent(QEvent.Type.ToolTip, point, reader.viewport().mapToGlobal(point))
    QApplication.sendEvent(reader.viewport(), event)
    assert QToolTip.isVisible()
    assert "&lt;b&gt;not bold&lt;/b&gt;" in QToolTip.text()
    assert "Tags: w" in QToolTip.text()
    QToolTip.hideText()


def test_a_refused_change_is_shown_and_not_kept_for_undo(qtbot, window, library):
    from PySide6.QtWidgets import QMessageBox

    reader = window.reader
    _select_words(window, "The sluice gate")
    reader.setFocus()
    qtbot.keyClick(reader, Qt.Key.Key_H)
    written(qtbot, window)
    [passage] = library.annotations(article_id=window.article.id)
    depth = window.controller.undo_stack.count()
    library.delete_annotation(passage.id)  # gone behind the window's back (another process)
    written(qtbot, depth)
    qtbot.mouseClick(window.passages.color_buttons["blue"], Qt.MouseButton.LeftButton)
    written(qtbot, depth)
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert boxes and "passage" in boxes[-1].text()
    assert window.controller.undo_stack.count() == depth
    boxes[-1].accept()
    written(qtbot, depth)


def test_a_read_only_library_offers_no_changes(qtbot, library, tmp_path):
    from index.library import Library

    folder = library.path
    library.close()
    # (a new library's index is finished at its second opening: open it once more first)
    Library.open(folder, create_welcome=False).close()
    read_only = Library.open(folder, read_only=True)
    try:
        store = QSettings(str(tmp_path / "ro.ini"), QSettings.Format.IniFormat)
        win = MainWindow(read_only, Settings(store, str(folder)))
        qtbot.addWidget(win)
        win.show()
        win.open_article(article_id(read_only, "Notes on tidal"))
        _select_words(win, "Tidal mills")
        for action_id in ("highlight", "color_yellow", "note", "import_folder"):
            assert not win.registry[action_id].isEnabled(), action_id
        assert win.registry["copy_quote"].isEnabled()
        win.close()
    finally:
        read_only.close()
        library.close = lambda: None  # the fixture's own close: already done


def test_choosing_another_passage_saves_the_note_being_written(qtbot, window, library):
    text = window.reader.text
    first = library.annotate(window.article.id, text.index("Tidal"), text.index("Tidal") + 11)
    second = library.annotate(window.article.id, text.index("sluice"), text.index("sluice") + 11)
    window.load_passages(first.id)
    panel = window.passages
    panel.note.setFocus()
    qtbot.keyClicks(panel.note, "first note")
    panel.list.setCurrentIndex(panel.model.index(panel.model.row_of(second.id), 0))
    qtbot.waitUntil(lambda: library.get_annotation(first.id).note == "first note")
    assert panel.current_id() == second.id
    assert window.controller.current_id == second.id
    assert panel.note.toPlainText() == ""


def test_keyboard_only_selection_and_highlight(qtbot, window, library):
    reader = window.reader
    reader.setFocus()
    window.registry["focus_reader"].trigger()
    written(qtbot, window)
    start = reader.text.index("Tidal mills")
    reader.scroll_to_offset(start)  # the caret goes to the top line's start
    written(qtbot, window)
    cursor = reader.textCursor()
    cursor.setPosition(reader.offsets.to_qt(start))
    written(qtbot, window)
    reader.setTextCursor(cursor)
    written(qtbot, window)
    for _ in range(len("Tidal mills")):
        qtbot.keyClick(reader, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        written(qtbot, window)
    assert reader.selection_range() == (start, start + len("Tidal mills"))
    qtbot.keyClick(reader, Qt.Key.Key_2)
    written(qtbot, window)
    [passage] = library.annotations(article_id=window.article.id)
    assert (passage.exact, passage.color) == ("Tidal mills", "green")


def test_a_new_highlight_builds_only_its_own_selection(qtbot, window, library, monkeypatch):
    """Each highlight repaints at once, beside an import too: the passages already shown keep
    their selections; only the new one is built (and the one that stops being the chosen
    passage: it is drawn lighter now); a theme change rebuilds all of them."""
    reader = window.reader
    reader.setFocus()
    shown = []
    for words in ("The sluice gate", "let out through a wheel"):
        shown.append(_select_words(window, words))
        qtbot.keyClick(reader, Qt.Key.Key_H)
        written(qtbot, window)
    built: list[tuple[int, int]] = []
    make_cursor = reader._cursor
    monkeypatch.setattr(reader, "_cursor", lambda s, e: built.append((s, e)) or make_cursor(s, e))
    start, end = _select_words(window, "wheel")
    qtbot.keyClick(reader, Qt.Key.Key_2)
    written(qtbot, window)
    assert set(built) == {(start, end), shown[1]}  # shown[0] kept as it was
    assert len(_painted(reader, start, end)) == 1
    assert len(reader.extraSelections()) == 3
    built.clear()
    window.apply_theme("dark")
    assert len(built) == 3
    assert len(reader.extraSelections()) == 3
