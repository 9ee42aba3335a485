"""Issue 13, finding 12: the window's words. Duplicates within an import told apart from those
already in the library, plurals, the welcome text and the shortcut list agreeing with the
keys and the menu, undo and redo adding no versions, a word after an export and after Del
(with Undo), a search that finds nothing saying so, a tag nothing carries leaving the
sidebar."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from conftest import REPO, SAMPLE, SECOND, article_id, written
from index import PALETTE, Library, count_of
from ui.dialogs.export_dialog import FORMATS
from ui.window.actions import COLOR_ACTIONS, SPECS, shortcut_text
from ui.window.dialogs import ImportReportDialog, ShortcutsDialog, import_summary


def test_count_of_says_one_and_many():
    assert count_of(1, "article") == "1 article"
    assert count_of(0, "passage") == "0 passages"
    assert count_of(2225, "article") == "2,225 articles"
    assert count_of(1, "match") == "1 match" and count_of(3, "match") == "3 matches"
    assert count_of(2, "copy") == "2 copies" and count_of(2, "day") == "2 days"


# --- duplicates: within the import, or already in the library ----------------------------


def test_duplicates_within_a_folder_are_not_called_already_in_the_library(qtbot, tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "tidal.md").write_text(SAMPLE, encoding="utf-8")
    (folder / "tidal copy.md").write_text(SAMPLE, encoding="utf-8")
    (folder / "tidal copy 2.md").write_text(SAMPLE, encoding="utf-8")
    (folder / "pumps.md").write_text(SECOND, encoding="utf-8")
    lib = Library.open(tmp_path / "lib", create_welcome=False)  # empty
    try:
        first = lib.import_paths([folder])
        assert (first.imported, first.duplicates, first.duplicates_within) == (2, 2, 2)
        dialog = ImportReportDialog(None, first)
        qtbot.addWidget(dialog)
        said = dialog.summary.text()
        assert said.startswith("2 articles imported, 2 duplicates within the imported files")
        assert "already in the library" not in said
        again = lib.import_paths([folder])
        assert (again.duplicates, again.duplicates_within) == (4, 0)
        assert "4 already in the library" in import_summary(again)
        assert "within" not in import_summary(again)
    finally:
        lib.close()


# --- plurals ------------------------------------------------------------------------------


def test_one_is_singular_in_the_status_bar_the_index_state_and_the_import_report(
    qtbot, open_window, tmp_path
):
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "tidal.md").write_text(SAMPLE, encoding="utf-8")
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    try:
        report = lib.import_paths([folder])
        assert import_summary(report).startswith("1 article imported (")
        aid = report.article_ids[0]
        lib.annotate_quote(aid, "sluice gate")
        lib.search("mill")  # indexes what is queued (no background indexer here)
        lib.set_article_tags(aid, ["estuary"])  # one change queued
        assert lib.index_state() == "indexing 1 change"
        window = open_window(lib)
        window.update_status()
        assert window.counts_label.text() == "1 article · 1 passage"
        assert "(1 article, 1 passage)" in lib.backup().describe()
    finally:
        lib.close()


# --- the welcome text and the shortcut list -------------------------------------------------


def test_the_welcome_text_names_every_colour_key():
    text = (REPO / "assets" / "welcome.md").read_text(encoding="utf-8")
    found = re.search(r"\b1 to (\d+)\b", text)
    assert found and int(found.group(1)) == len(PALETTE) == len(COLOR_ACTIONS)
    keys = [shortcut_text(SPECS[action]) for action in COLOR_ACTIONS]
    assert keys == [str(n) for n in range(1, len(PALETTE) + 1)]


def test_the_shortcut_list_names_the_export_formats_as_the_export_dialog_does(qtbot, window):
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    rows = {
        dialog.table.item(r, 1).text(): dialog.table.item(r, 2).text()
        for r in range(dialog.table.rowCount())
    }
    said = rows["Export Annotations…"]
    assert "W3C JSON" in said and "JSON-LD" not in said
    for short in ("Markdown", "W3C JSON", "CSV"):
        assert short in said
        assert any(label.startswith(short) for _key, label, _ext in FORMATS)


# --- undo and redo add no versions ----------------------------------------------------------


def test_three_edits_undone_and_redone_leave_four_versions_not_ten(qtbot, window):
    lib = window.library
    aid = article_id(lib, "Notes on tidal")
    window.open_article(aid)
    text = window.reader.text
    start = text.index("sluice gate")
    window.reader.select_range(start, start + len("sluice gate"))
    controller = window.controller
    assert controller.highlight("yellow")
    written(qtbot, window)
    passage_id = controller.current_id
    controller.edit_tags(passage_id, ["mills"])
    written(qtbot, window)
    controller.edit_note(passage_id, "closes by itself")
    written(qtbot, window)
    controller.edit_color(passage_id, "green")
    written(qtbot, window)
    assert len(lib.history(passage_id)) == 4  # created + 3 edits

    def step(action: str, times: int) -> None:
        for _ in range(times):
            window.registry[action].trigger()
            written(qtbot, window)

    step("undo", 3)
    state = lib.get_annotation(passage_id)
    assert (state.color, state.note, state.tags) == ("yellow", "", [])
    assert [v.action for v in lib.history(passage_id)] == ["created"]
    step("redo", 3)
    state = lib.get_annotation(passage_id)
    assert (state.color, state.note, state.tags) == ("green", "closes by itself", ["mills"])
    assert [v.action for v in lib.history(passage_id)] == ["created", *["edited"] * 3]
    step("undo", 2)  # the colour, the note
    versions = lib.history(passage_id)
    assert len(versions) == 2 and versions[-1].annotation.tags == ["mills"]


def test_undoing_a_highlight_leaves_no_passage_no_trash_and_no_tag(qtbot, window):
    lib = window.library
    window.open_article(article_id(lib, "Notes on tidal"))
    text = window.reader.text
    start = text.index("sluice gate")
    window.reader.select_range(start, start + len("sluice gate"))
    controller = window.controller
    controller._create((start, start + len("sluice gate")), tags=("floodgates",))
    written(qtbot, window)
    passage_id = controller.current_id

    def sidebar_tags() -> list[str]:
        model = window.sidebar.model_
        section = model.item(1, 0)
        return [section.child(r, 0).text() for r in range(section.rowCount())]

    assert "floodgates" in sidebar_tags()
    window.registry["undo"].trigger()
    written(qtbot, window)
    assert not lib.annotations() and not lib.trash()
    assert "floodgates" not in sidebar_tags()  # was left with a count of 0
    window.registry["redo"].trigger()
    written(qtbot, window)
    assert lib.get_annotation(passage_id).tags == ["floodgates"]
    assert "floodgates" in sidebar_tags()


# --- a word after an export and after Del -------------------------------------------------


def test_an_export_says_how_many_passages_went_where(qtbot, window, tmp_path):
    lib = window.library
    aid = article_id(lib, "Notes on tidal")
    lib.annotate_quote(aid, "sluice gate")
    lib.annotate_quote(aid, "high tide")
    window.open_article(aid)
    dialog = window.ask_export()
    target = tmp_path / "out.md"
    assert dialog.save_to(target)
    assert window.statusBar().currentMessage() == f"Exported 2 passages to {target}."


def test_del_says_the_passage_went_to_the_trash_and_offers_undo(qtbot, window):
    lib = window.library
    aid = article_id(lib, "Notes on tidal")
    passage = lib.annotate_quote(aid, "sluice gate", note="keep me")
    window.open_article(aid, passage_id=passage.id)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    window.reader.setFocus()
    qtbot.keyClick(window.reader, Qt.Key.Key_Delete)
    written(qtbot, window)
    assert [t.annotation.id for t in lib.trash()] == [passage.id]
    offer = window.undo_offer
    assert offer.isVisible() and offer.label.text() == "Passage moved to the Trash."
    button = offer.findChild(QPushButton, "undoOfferButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    assert not lib.trash() and lib.get_annotation(passage.id).note == "keep me"
    assert not offer.isVisible()
    assert passage.id in window.reader.annotations


def test_the_undo_offer_goes_when_something_else_is_said(qtbot, window):
    lib = window.library
    aid = article_id(lib, "Notes on tidal")
    passage = lib.annotate_quote(aid, "sluice gate")
    window.open_article(aid, passage_id=passage.id)
    assert window.controller.delete([passage.id])
    written(qtbot, window)
    assert window.undo_offer.isVisible()
    window.show_message("Text size 12 pt")
    assert not window.undo_offer.isVisible()
    window.statusBar().clearMessage()
    assert not window.undo_offer.isVisible()  # the status bar does not bring it back


# --- a search that finds nothing --------------------------------------------------------------


def test_a_search_that_finds_nothing_says_so(qtbot, window):
    with qtbot.waitSignal(window.search.results_ready, timeout=10000):
        window.search_box.set_text("title:zeppelin")
        window.search.run_now()
    summary = window.search_panel.summary.text()
    assert summary.startswith("No articles or passages match “title:zeppelin”.")
    assert "0 articles" not in summary
