"""Tags on a whole article from the window: Article Tags… (Ctrl+T), shown at the end of the
reader's byline, listed in the sidebar, found with tag:, and a refusal told in one line."""

from __future__ import annotations

import shutil

from PySide6.QtWidgets import QMessageBox

from conftest import article_id, written
from ui.passages.passage_dialogs import TagsDialog


def _tag_article(window, text: str) -> None:
    window.registry["article_tags"].trigger()
    dialogs = [d for d in window.findChildren(TagsDialog, "articleTagsDialog") if d.isVisible()]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    dialog.line.setText(text)
    dialog.accept()


def test_article_tags_are_saved_shown_listed_and_searchable(qtbot, window, library):
    aid = article_id(library, "Notes on tidal")
    other = article_id(library, "Wind pumps")
    window.open_article(aid)
    written(qtbot, window)
    assert "Tags:" not in window.reader.header.byline.text()
    _tag_article(window, "estuary, #Flour mills")
    written(qtbot, window)
    assert library.article_tags(aid) == ["estuary", "Flour mills"]
    assert window.reader.header.byline.text().endswith("Tags: estuary, Flour mills")
    assert window.sidebar.model_.index_of("tag:estuary").isValid()
    # Shown again when the article is opened again; not on another article.
    window.open_article(other)
    written(qtbot, window)
    assert "Tags:" not in window.reader.header.byline.text()
    window.open_article(aid)
    written(qtbot, window)
    assert window.reader.header.byline.text().endswith("Tags: estuary, Flour mills")
    # The dialog starts from the article's tags.
    dialog = window.edit_article_tags()
    assert dialog.line.text() == "estuary, Flour mills, "
    dialog.reject()
    written(qtbot, dialog)
    assert library.wait_indexed()
    with qtbot.waitSignal(window.search.results_ready, timeout=10000) as blocker:
        window.search_box.set_text("tag:estuary")
        written(qtbot, dialog)
    assert [hit.article_id for hit in blocker.args[0].hits] == [aid]
    # Choosing the tag in the sidebar lists the article.
    window.sidebar.choose("tag:estuary")
    written(qtbot, dialog)
    assert window.article_list.model.rowCount() == 1
    _tag_article(window, "")
    written(qtbot, dialog)
    assert library.article_tags(aid) == []
    assert "Tags:" not in window.reader.header.byline.text()
    assert window.article_list.model.rowCount() == 0  # the tag view was refreshed


def test_article_tags_need_an_open_article_and_a_refusal_is_one_line(qtbot, window, library):
    window.article = None
    window.update_actions()
    written(qtbot, window)
    assert not window.registry["article_tags"].isEnabled()
    window.open_article(article_id(library, "Wind pumps"))
    written(qtbot, window)
    assert window.registry["article_tags"].isEnabled()
    shutil.rmtree(library.path)  # the library's folder vanished: the write is refused
    written(qtbot, window)
    _tag_article(window, "polders")
    written(qtbot, window)
    boxes = [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]
    assert len(boxes) == 1 and "\n" not in boxes[0].text()
    assert boxes[0].text().startswith("The library's database is gone")
    assert "Tags:" not in window.reader.header.byline.text()
    boxes[0].done(0)
    written(qtbot, window)
