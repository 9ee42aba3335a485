"""The window side of issue 7, part two: the digest view, the anchoring report dialog and
"why this matched".

A real library in tmp_path and the real window. Work the dialogs send to a worker
is waited for with qtbot.waitUntil; the save dialog of Qt is replaced by a path in
tmp_path (it is Qt's, not our storage).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog

from conftest import article_id
from ui.digest_view import DigestDialog
from ui.main_window import MainWindow
from ui.settings import Settings


@pytest.fixture
def open_window(qtbot, tmp_path):
    """Windows on a library (settings in tmp_path), all closed at the end."""
    made = []

    def make(lib):
        store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        win = MainWindow(lib, Settings(store, str(lib.path)))
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        made.append(win)
        return win

    yield make
    for win in made:
        win.close()


def _digest_ready(qtbot, dialog: DigestDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy and dialog.digest is not None, timeout=10000)


# --- the digest ------------------------------------------------------------------------


@pytest.fixture
def tagged(library):
    """Two passages tagged "mills" (one in each article) and one untagged."""
    tidal, wind = article_id(library, "Notes on tidal"), article_id(library, "Wind pumps")
    a = library.annotate_quote(tidal, "sluice gate", tags=["mills"], note="<b>not bold</b>")
    b = library.annotate_quote(wind, "rows of mills", tags=["mills", "wind"], color="green")
    library.annotate_quote(tidal, "ground flour")
    return {"tidal": tidal, "wind": wind, "a": a, "b": b}


def test_digest_groups_passages_by_article_in_date_order_and_opens_one(
    qtbot, open_window, library, tagged
):
    window = open_window(library)
    window.search_box.set_text("tag:mills")
    window.registry["digest"].trigger()
    dialog = window.digests.dialog
    assert dialog.isVisible() and dialog.query.text() == "tag:mills"
    assert dialog.status.text() == "Working…"
    _digest_ready(qtbot, dialog)
    tree = dialog.tree
    # Wind pumps (2019) before tidal mills (2021); one passage under each.
    heads = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert len(heads) == 2
    assert heads[0].startswith("Wind pumps") and heads[1].startswith("Notes on tidal")
    rows = [item.text(0) for item in dialog.entry_items()]
    assert len(rows) == 2
    assert "rows of mills" in rows[0] and "Tags: mills, wind" in rows[0]
    assert library.legend()["green"] in rows[0]
    assert "Note: <b>not bold</b>" in rows[1]  # shown as the characters typed
    assert dialog.status.text() == "2 passages from 2 articles."
    # Clicking the second passage opens its article with that passage chosen.
    item = dialog.entry_items()[1]
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.article.id == tagged["tidal"]
    assert window.controller.current_id == tagged["a"].id
    # By tag: one group per tag, the article named on each row.
    dialog.grouping.setCurrentIndex(1)
    _digest_ready(qtbot, dialog)
    heads = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert [h.split()[0] for h in heads] == ["#mills", "#wind"]
    assert any("Wind pumps" in item.text(0) for item in dialog.entry_items())


def test_digest_exports_markdown_and_html(
    qtbot, open_window, library, tagged, tmp_path, monkeypatch
):
    window = open_window(library)
    dialog = window.digests.open_dialog("tag:mills")
    _digest_ready(qtbot, dialog)
    target = tmp_path / "out" / "mills"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(dialog.export_buttons["markdown"], Qt.MouseButton.LeftButton)
    written = (tmp_path / "out" / "mills.md").read_text(encoding="utf-8")
    assert "sluice gate" in written and "rows of mills" in written
    assert "ground flour" not in written
    qtbot.mouseClick(dialog.export_buttons["html"], Qt.MouseButton.LeftButton)
    page = (tmp_path / "out" / "mills.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page and "<b>not bold</b>" not in page


def test_a_digest_of_a_bad_query_says_why(qtbot, open_window, library, tagged):
    window = open_window(library)
    dialog = window.digests.open_dialog("tag:")
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10000)
    assert dialog.digest is None and dialog.tree.topLevelItemCount() == 0
    assert dialog.status.text().startswith("No digest: tag: needs a word")
    assert not dialog.export_buttons["markdown"].isEnabled()
