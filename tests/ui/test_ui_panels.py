"""Search panel details, the passages browser, export, drag and drop, links."""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData, QModelIndex, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QToolButton

from conftest import article_id, click_at, written
from ui.dialogs.export_dialog import ExportDialog
from ui.window.dialogs import ImportReportDialog


def _search(qtbot, window, query: str):
    with qtbot.waitSignal(window.search.results_ready, timeout=10000) as blocker:
        window.search_box.set_text(query)
    return blocker.args[0]


def _tag_both(library):
    for title in ("Notes on tidal", "Wind pumps"):
        aid = article_id(library, title)
        text = library.get_article(aid).reading_text
        start = text.index("mill")
        library.annotate(aid, start, start + 4, tags=["mills"] if "tidal" in title.lower() else [])


def test_facet_chip_filters_with_one_click(qtbot, window, library):
    _tag_both(library)
    result = _search(qtbot, window, "mill")
    assert len(result.hits) == 2
    chips = [c for c in window.search_panel.chips_box.findChildren(QToolButton) if c.isVisible()]
    tag_chip = [c for c in chips if c.property("term") == 'tag:"mills"']
    assert tag_chip, [c.text() for c in chips]
    with qtbot.waitSignal(window.search.results_ready, timeout=10000) as blocker:
        qtbot.mouseClick(tag_chip[0], Qt.MouseButton.LeftButton)
    narrowed = blocker.args[0]
    assert window.search_box.text() == 'mill tag:"mills"'
    assert [h.article_id for h in narrowed.hits] == [article_id(library, "Notes on tidal")]
    assert "1 article" in window.search_panel.summary.text()
    assert "ms" in window.search_panel.summary.text()


def test_sort_toggle_and_did_you_mean(qtbot, window, library):
    result = _search(qtbot, window, "mills")
    assert len(result.hits) == 2
    with qtbot.waitSignal(window.search.results_ready, timeout=10000) as blocker:
        window.search_panel.sort.setCurrentIndex(1)  # newest first
    newest = [h.date for h in blocker.args[0].hits]
    assert newest == sorted(newest, reverse=True)
    with qtbot.waitSignal(window.search.results_ready, timeout=10000) as blocker:
        window.search_panel.sort.setCurrentIndex(2)
    assert [h.date for h in blocker.args[0].hits] == sorted(newest)
    misspelt = _search(qtbot, window, "poldres")
    assert misspelt.suggestion == "polders"
    assert window.search_panel.suggestion.isVisible()
    assert window.search_panel.suggestion.text() == "Did you mean: polders"
    with qtbot.waitSignal(window.search.results_ready, timeout=10000) as blocker:
        qtbot.mouseClick(window.search_panel.suggestion, Qt.MouseButton.LeftButton)
    assert window.search_box.text() == "polders"
    assert len(blocker.args[0].hits) == 1


def test_a_query_error_is_shown_not_raised(qtbot, window):
    with qtbot.waitSignal(window.search.failed, timeout=10000) as blocker:
        window.search_box.set_text("color:magenta")
    assert "magenta" in blocker.args[0]
    assert window.search_panel.message.isVisible()
    assert "magenta" in window.search_panel.message.text()


def test_saving_a_search_puts_it_in_the_sidebar(qtbot, window, library):
    _search(qtbot, window, "wind")
    written(qtbot, window)
    window.save_search_as("Windy", "wind")
    written(qtbot, window)
    assert ("Windy", "wind") in library.saved_searches()
    index = window.sidebar.model_.index_of("search:Windy")
    assert index.isValid()
    window.search_box.line.clear()
    written(qtbot, index)
    with qtbot.waitSignal(window.search.results_ready, timeout=10000) as blocker:
        window.sidebar.choose("search:Windy")
        written(qtbot, index)
    assert blocker.args[0].query == "wind"
    assert window.search_box.text() == "wind"


def test_passages_browser_bulk_recolour_tag_and_delete(qtbot, window, library):
    _tag_both(library)
    written(qtbot, window)
    window.refresh_sidebar()
    written(qtbot, window)
    window.sidebar.choose("passages:")
    written(qtbot, window)
    browser = window.browser
    assert window.middle.currentWidget() is browser
    assert browser.model.rowCount() == 2  # grouped by article
    browser.view.selectAll()
    written(qtbot, window)
    ids = browser.selected_ids()
    assert len(ids) == 2
    browser.recolor_requested.emit(ids, "purple")
    written(qtbot, window)
    assert {library.get_annotation(i).color for i in ids} == {"purple"}
    window.controller.tag_many(ids, ["batch"])
    written(qtbot, window)
    assert all("batch" in library.get_annotation(i).tags for i in ids)
    browser.group.setCurrentIndex(2)  # by tag
    written(qtbot, window)
    groups = {browser.model.item(r).text().split("  (")[0] for r in range(browser.model.rowCount())}
    assert {"batch", "mills"} <= groups
    heads = [browser.model.item(r) for r in range(browser.model.rowCount())]
    browser.filter.setText("no such words")  # filtering hides rows, it does not rebuild
    assert [browser.model.item(r) for r in range(browser.model.rowCount())] == heads
    assert all(browser.view.isRowHidden(r, QModelIndex()) for r in range(len(heads)))
    browser.view.selectAll()
    assert browser.selected_ids() == []  # hidden passages are not acted on
    browser.filter.setText("batch")
    written(qtbot, window)
    browser.view.selectAll()
    written(qtbot, window)
    browser.delete_requested.emit(browser.selected_ids())
    written(qtbot, window)
    assert library.annotations() == []
    window.registry["undo"].trigger()
    written(qtbot, window)
    assert len(library.annotations()) == 2


def test_export_writes_the_engines_formats(qtbot, window, library, tmp_path):
    _tag_both(library)
    window.open_article(article_id(library, "Notes on tidal"))
    dialog = window.ask_export()
    assert isinstance(dialog, ExportDialog)
    dialog.format.setCurrentIndex(1)  # JSON-LD
    path = dialog.export_to(tmp_path / "out.jsonld")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "mill" in json.dumps(data)
    dialog.format.setCurrentIndex(0)
    dialog.scope.setCurrentIndex(1)  # this article
    text = dialog.export_to(tmp_path / "out.md").read_text(encoding="utf-8")
    assert "tidal" in text.lower() and "polders" not in text.lower()
    dialog.reject()


def test_drop_files_onto_the_window_imports_them(qtbot, window, library, tmp_path):
    extra = tmp_path / "dropped.md"
    extra.write_text("# Dropped article\n\nSome words about lighthouses.\n", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(extra))])
    where = QPoint(300, 300)
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    try:
        enter = QDragEnterEvent(where.toPointF(), Qt.DropAction.CopyAction, mime, buttons, keys)
    except TypeError:  # PySide6 before 6.12 takes a QPoint
        enter = QDragEnterEvent(where, Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(where.toPointF(), Qt.DropAction.CopyAction, mime, buttons, keys)
    with qtbot.waitSignal(window.tasks.finished, timeout=20000) as blocker:
        QApplication.sendEvent(window, drop)
    assert blocker.args[1].imported == 1
    assert any(s.title == "Dropped article" for s in library.list_articles())
    report = window.findChild(ImportReportDialog)
    assert report is not None
    report.accept()


def test_a_link_asks_before_opening(qtbot, window, library, monkeypatch):
    opened = []
    monkeypatch.setattr(
        "ui.window.dialogs.QDesktopServices.openUrl", lambda url: opened.append(url)
    )
    window.open_article(article_id(library, "Notes on tidal"))
    offset = window.reader.text.index("the survey") + 3
    window.reader.ensure_offset_visible(offset)
    click_at(window.reader, offset)
    boxes = [b for b in window.findChildren(QMessageBox) if b.objectName() == "linkBox"]
    assert boxes and boxes[-1].isVisible()
    assert "https://example.org/mills" in boxes[-1].informativeText()
    assert opened == []  # nothing opens on its own
    boxes[-1].button(QMessageBox.StandardButton.Open).click()
    assert [u.toString() for u in opened] == ["https://example.org/mills"]


def test_syntax_help_pops_up(qtbot, window):
    qtbot.mouseClick(window.search_box.help_button, Qt.MouseButton.LeftButton)
    assert window.search_box.help.isVisible()
    window.search_box.help.close()


def test_j_and_k_walk_through_search_results(qtbot, window, library):
    result = _search(qtbot, window, "mill OR mills")
    assert len(result.hits) == 2
    window.registry["next_article"].trigger()  # from the first result to the second
    second = window.article.id
    window.registry["previous_article"].trigger()
    assert window.article.id != second
    assert {window.article.id, second} == {h.article_id for h in result.hits}
