"""The window side of issue 7: the colour legend, a passage's history, the trash.

A real library in tmp_path, the real window, driven as a user would: the dialog's
fields typed into and its buttons clicked, the passages panel's note edited and
saved with Ctrl+Enter, the sidebar's Trash entry chosen. Searches wait on the
search controller's signal; everything else is synchronous.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from conftest import SAMPLE, article_id, written
from index.library import Library
from ui.common.models import ID_ROLE
from ui.passages.history_dialog import HistoryDialog, changed_fields, describe
from ui.passages.legend_dialog import LegendDialog, legend_problem
from ui.passages.trash_view import when


def _open_on(window, library, words: str, **fields):
    """Highlight `words` in the tidal-mills article and open it with that passage chosen."""
    aid = article_id(library, "Notes on tidal")
    passage = library.annotate_quote(aid, words, **fields)
    window.open_article(aid, passage_id=passage.id)
    return passage


def _panel_lines(window) -> list[str]:
    panel = window.passages
    index = panel.model.index(0, 0)
    return [text for text, _font, _color in panel.delegate._lines(index, panel.list.font())]


def _trash_count(window) -> str:
    index = window.sidebar.model_.index_of("trash:")
    return index.siblingAtColumn(1).data()


def closed(dialog) -> bool:
    """True once a dialog is hidden or (closed with WA_DeleteOnClose) deleted."""
    try:
        return not dialog.isVisible()
    except RuntimeError:  # its C++ object is gone: it closed
        return True


def _visible_box(window, name: str) -> QMessageBox | None:
    boxes = [b for b in window.findChildren(QMessageBox, name) if b.isVisible()]
    return boxes[-1] if boxes else None


# --- the colour legend ------------------------------------------------------------------


def test_renaming_a_colour_shows_everywhere_and_searches(qtbot, open_window, library):
    window = open_window(library)
    passage = _open_on(window, library, "sluice gate", color="blue")
    assert "question" in _panel_lines(window)  # the default name, before any rename
    window.registry["colour_legend"].trigger()
    dialog = window.legend.dialog
    assert isinstance(dialog, LegendDialog) and dialog.isVisible()
    field = dialog.fields["blue"]
    field.selectAll()
    qtbot.keyClicks(field, "doubt")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    written(qtbot, window)
    assert closed(dialog)
    assert library.legend()["blue"] == "doubt"
    # The passages panel, its tooltip, the colour buttons and the menus name it at once.
    assert "doubt" in _panel_lines(window)
    tooltip = window.passages.model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "Blue — doubt" in tooltip
    assert window.passages.color_buttons["blue"].toolTip() == "Blue — doubt"
    assert window.registry["color_blue"].text() == "Blue — doubt"
    window.browser.color_menu.aboutToShow.emit()
    assert "Blue — doubt" in [a.text() for a in window.browser.color_menu.actions()]
    # The query language knows the new name, and the result shows it.
    with qtbot.waitSignal(window.search.results_ready, timeout=10000) as blocker:
        window.search_box.set_text("color:doubt")
    hits = blocker.args[0].hits
    assert [a.annotation_id for h in hits for a in h.annotations] == [passage.id]
    results = window.search_panel
    child = results.model.index(0, 0, results.model.index(0, 0))
    doc = results.delegate._document(child, 300, results.view.font())
    assert "doubt" in doc.toPlainText()


def test_legend_names_can_swap_and_a_clash_is_told_in_the_dialog(qtbot, open_window, library):
    window = open_window(library)
    dialog = window.legend.open_dialog()
    dialog.fields["green"].setText("question")
    written(qtbot, dialog)
    dialog.fields["blue"].setText("evidence")
    written(qtbot, dialog)
    dialog.accept()
    written(qtbot, dialog)
    assert closed(dialog)
    assert library.legend()["green"] == "question" and library.legend()["blue"] == "evidence"
    dialog = window.legend.open_dialog()
    dialog.fields["pink"].setText("Question")
    written(qtbot, dialog)
    dialog.accept()
    written(qtbot, dialog)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "names both" in dialog.error.text() and "\n" not in dialog.error.text()
    dialog.fields["pink"].setText("yellow")
    written(qtbot, dialog)
    dialog.accept()
    written(qtbot, dialog)
    assert "already a colour" in dialog.error.text()
    qtbot.mouseClick(dialog.defaults_button, Qt.MouseButton.LeftButton)  # back to the defaults
    written(qtbot, dialog)
    dialog.accept()
    written(qtbot, dialog)
    assert closed(dialog)
    assert library.legend()["blue"] == "question" and library.legend()["pink"] == "disagree"
    assert legend_problem({"blue": "a", "green": "A"}).startswith("“A” names both")


# --- history ------------------------------------------------------------------------------


def _type_note(qtbot, window, text: str) -> None:
    note = window.passages.note
    note.setFocus()
    note.selectAll()
    qtbot.keyClicks(note, text)
    qtbot.keyClick(note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_history_lists_versions_and_restores_the_first(qtbot, open_window, library):
    window = open_window(library)
    passage = _open_on(window, library, "sluice gate", note="first")
    for note in ("second", "third", "fourth"):
        _type_note(qtbot, window, note)
        written(qtbot, window)
    assert library.get_annotation(passage.id).note == "fourth"
    window.update_actions()
    written(qtbot, window)
    assert window.registry["passage_history"].isEnabled()
    window.registry["passage_history"].trigger()
    written(qtbot, window)
    dialog = window.history.dialog
    assert isinstance(dialog, HistoryDialog) and dialog.isVisible()
    rows = [dialog.list.topLevelItem(n).text(2) for n in range(dialog.list.topLevelItemCount())]
    assert rows == ["Created", "Edited — note", "Edited — note", "Edited — note"]
    # The newest is chosen and is how the passage is now: nothing to restore.
    assert dialog.rows["note"][1].text() == "fourth"
    assert not dialog.restore_button.isEnabled()
    dialog.list.setCurrentItem(dialog.list.topLevelItem(0))
    written(qtbot, window)
    assert dialog.rows["note"][1].text() == "first"
    assert dialog.rows["colour"][1].text() == "Yellow — key point"
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    assert library.get_annotation(passage.id).note == "first"
    assert window.passages.note.toPlainText() == "first"
    assert window.reader.annotations[passage.id].note == "first"
    last = dialog.list.topLevelItem(dialog.list.topLevelItemCount() - 1)
    assert last.text(2) == "Restored version 1 — note"
    dialog.close()
    written(qtbot, window)
    # Undo goes back through the engine: the note returns and the restore is forgotten
    # (issue 13: an undo is no new version).
    window.registry["undo"].trigger()
    written(qtbot, window)
    assert library.get_annotation(passage.id).note == "fourth"
    assert window.passages.note.toPlainText() == "fourth"
    assert len(library.history(passage.id)) == 4


def test_history_from_the_panel_and_undo_of_a_delete_leaves_no_trace(qtbot, open_window, library):
    window = open_window(library)
    passage = _open_on(window, library, "sluice gate", color="green", tags=["mills"])
    qtbot.mouseClick(window.passages.delete_button, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    assert library.trash()[0].annotation.id == passage.id
    window.registry["undo"].trigger()
    written(qtbot, window)
    assert passage.id in window.reader.annotations
    assert not library.trash()
    assert [v.action for v in library.history(passage.id)] == ["created"]
    window.passages.select(passage.id)
    written(qtbot, window)
    qtbot.mouseClick(window.passages.history_button, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    dialog = window.history.dialog
    assert dialog.passage_id == passage.id and dialog.list.topLevelItemCount() == 1
    assert "in Notes on tidal mills" in dialog.heading.text()


def test_history_words():
    assert describe("restored version 57", {57: 2}) == "Restored version 2"
    assert describe("reanchored (moved)", {}) == "Re-anchored at re-import (moved)"
    assert describe("edited", {}) == "Edited"

    class P:
        def __init__(self, **kw):
            base = dict(exact="a", note="", tags=[], color="yellow", start=0, end=1)
            base.update(kw, orphaned=False)
            self.__dict__.update(base)

    assert changed_fields(None, P()) == []
    assert changed_fields(P(), P(note="n", color="blue", start=2)) == [
        "note",
        "colour",
        "position",
    ]
    assert changed_fields(P(tags=["A"]), P(tags=["a"])) == []


# --- the trash --------------------------------------------------------------------------


def test_a_deleted_passage_is_in_the_trash_and_comes_back(qtbot, open_window, library):
    window = open_window(library)
    passage = _open_on(window, library, "sluice gate", note="how did it close?")
    assert _trash_count(window) == "0"
    qtbot.mouseClick(window.passages.delete_button, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    assert passage.id not in window.reader.annotations
    assert _trash_count(window) == "1"
    assert window.sidebar.choose("trash:")
    view = window.trash.view
    assert window.middle.currentWidget() is view
    assert view.model.rowCount() == 1 and view.title.text() == "Trash (1)"
    lines = [t for t, _f, _c in view.delegate._lines(view.model.index(0, 0), view.font())]
    assert lines[0] == "“sluice gate”" and "how did it close?" in lines
    assert lines[-1].startswith("Notes on tidal mills · deleted today ")
    assert not view.restore_button.isEnabled()  # nothing chosen yet
    view.view.setCurrentIndex(view.model.index(0, 0))
    written(qtbot, window)
    qtbot.mouseClick(view.restore_button, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    assert passage.id in window.reader.annotations
    assert window.passages.model.row_of(passage.id) >= 0
    assert window.passages.current_id() == passage.id
    assert view.model.rowCount() == 0 and _trash_count(window) == "0"
    assert library.get_annotation(passage.id).note == "how did it close?"
    window.registry["undo"].trigger()  # the restore is one undoable step
    written(qtbot, window)
    assert passage.id not in window.reader.annotations
    assert view.model.rowCount() == 1 and _trash_count(window) == "1"


def test_empty_trash_asks_first(qtbot, open_window, library):
    window = open_window(library)
    for words in ("sluice gate", "Tidal mills"):
        passage = _open_on(window, library, words)
        window.controller.delete([passage.id])
        written(qtbot, window)
    window.sidebar.choose("trash:")
    written(qtbot, window)
    view = window.trash.view
    assert view.model.rowCount() == 2
    qtbot.mouseClick(view.empty_button, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    box = _visible_box(window, "emptyTrashBox")
    assert box is not None and "2 passages" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    written(qtbot, window)
    assert len(library.trash()) == 2 and view.model.rowCount() == 2
    qtbot.mouseClick(view.empty_button, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    box = _visible_box(window, "emptyTrashBox")
    empty = next(b for b in box.buttons() if b.text() == "Empty Trash")
    qtbot.mouseClick(empty, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    assert library.trash() == []
    assert view.model.rowCount() == 0 and _trash_count(window) == "0"
    assert not view.empty_button.isEnabled()


def test_a_restore_the_library_refuses_is_one_line(qtbot, open_window, library):
    window = open_window(library)
    passage = _open_on(window, library, "sluice gate")
    window.controller.delete([passage.id])
    written(qtbot, window)
    window.sidebar.choose("trash:")
    written(qtbot, window)
    view = window.trash.view
    view.view.setCurrentIndex(view.model.index(0, 0))
    written(qtbot, window)
    library.empty_trash()  # gone behind the window's back (another window, the command line)
    written(qtbot, window)
    qtbot.mouseClick(view.restore_button, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    box = _visible_box(window, "errorBox")
    assert box is not None and "not in the trash" in box.text() and "\n" not in box.text()
    assert view.model.rowCount() == 0  # the list shows what is true now


def _library_with_article(folder: Path) -> tuple[Library, int]:
    articles = folder / "articles"
    articles.mkdir()
    (articles / "tidal-mills.md").write_text(SAMPLE, encoding="utf-8")
    lib = Library.open(folder / "lib", create_welcome=False)
    lib.import_paths([articles])
    return lib, article_id(lib, "Notes on tidal")


def test_the_trash_survives_a_restart_and_any_version_comes_back(qtbot, open_window, tmp_path):
    lib, aid = _library_with_article(tmp_path)
    passage = lib.annotate_quote(aid, "sluice gate", note="v1")
    lib.update_annotation(passage.id, note="v2", color="pink")
    lib.update_annotation(passage.id, note="v3")
    window = open_window(lib)
    window.open_article(aid, passage_id=passage.id)
    written(qtbot, window)
    qtbot.mouseClick(window.passages.delete_button, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    window.close()
    written(qtbot, window)
    lib.close()
    written(qtbot, window)
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    try:
        window = open_window(lib)
        assert _trash_count(window) == "1"
        window.sidebar.choose("trash:")
        written(qtbot, window)
        view = window.trash.view
        assert view.model.item(0).data(ID_ROLE) == passage.id
        view.view.setCurrentIndex(view.model.index(0, 0))
        written(qtbot, window)
        qtbot.mouseClick(view.history_button, Qt.MouseButton.LeftButton)
        written(qtbot, window)
        dialog = window.history.dialog
        assert "(in the trash)" in dialog.heading.text()
        dialog.list.setCurrentItem(dialog.list.topLevelItem(1))  # v2, pink
        written(qtbot, window)
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
        written(qtbot, window)
        dialog.close()
        written(qtbot, window)
        back = lib.get_annotation(passage.id)
        assert (back.note, back.color) == ("v2", "pink")
        assert view.model.rowCount() == 0 and _trash_count(window) == "0"
        window.open_article(aid, passage_id=passage.id)
        written(qtbot, window)
        assert window.passages.note.toPlainText() == "v2"
    finally:
        window.close()
        written(qtbot, window)
        lib.close()
        written(qtbot, window)


def test_a_read_only_library_shows_but_changes_nothing(qtbot, open_window, library):
    passage = _open_on(open_window(library), library, "sluice gate", note="kept")
    library.update_annotation(passage.id, note="later")
    other = library.annotate_quote(article_id(library, "Wind pumps"), "polders")
    library.delete_annotation(other.id)
    second = Library.open(library.path, writer_wait=0, create_welcome=False)
    try:
        assert second.read_only
        window = open_window(second)
        window.open_article(passage.article_id, passage_id=passage.id)
        legend = window.legend.open_dialog()
        assert legend.fields["blue"].isReadOnly() and legend.error.isVisible()
        assert legend.buttons.button(QDialogButtonBox.StandardButton.Save) is None
        legend.close()
        history = window.history.open_for(passage.id)
        history.list.setCurrentItem(history.list.topLevelItem(0))
        assert history.rows["note"][1].text() == "kept"
        assert not history.restore_button.isEnabled()
        history.close()
        window.sidebar.choose("trash:")
        view = window.trash.view
        view.view.setCurrentIndex(view.model.index(0, 0))
        assert view.model.rowCount() == 1
        assert not view.restore_button.isEnabled() and not view.empty_button.isEnabled()
        assert view.history_button.isEnabled()
        window.close()
    finally:
        second.close()
    assert len(library.trash()) == 1


def test_deletion_times_read_short():
    import datetime

    today = datetime.date(2025, 3, 14)
    local = datetime.datetime(2025, 3, 14, 9, 5).astimezone()
    iso = local.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert when(iso, today) == "today 09:05"
    assert when(iso, datetime.date(2025, 3, 20)) == "14 Mar 09:05"
    assert when(iso, datetime.date(2026, 1, 2)) == "14 Mar 2025"
