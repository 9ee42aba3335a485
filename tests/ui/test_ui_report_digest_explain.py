"""The window side of issue 7, part two: the digest view, the anchoring report dialog and
"why this matched".

A real library in tmp_path and the real window. Work the dialogs send to a worker
is waited for with qtbot.waitUntil; the save dialog of Qt is replaced by a path in
tmp_path (it is Qt's, not our storage).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog

from conftest import article_id, written
from ui.search.digest_view import DigestDialog


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


# --- the anchoring report ----------------------------------------------------------------

REPORT_ARTICLE = """# The harbour wall

Mira Castell
5 May 2020

The harbour wall was built in three seasons by crews who came from the villages inland.

Each stone was cut at the quarry above the town and carried down on sledges in winter.

The engineer insisted that the mortar be mixed with ash from the lime kilns by the river mouth.

A storm in the second year tore away half of the finished wall in a single night.
"""
EXACT = "The harbour wall was built in three seasons"
MOVED = "carried down on sledges in winter"
FUZZY = "The engineer insisted that the mortar be mixed with ash from the lime kilns by the river"
ORPHAN = "A storm in the second year tore away half of the finished wall"


def _edited(text: str) -> str:
    """A paragraph added after the first, two words of FUZZY changed, ORPHAN's paragraph gone."""
    out = text.replace(
        "\n\nEach stone",
        "\n\nA paragraph added to the copy pushes what follows down.\n\nEach stone",
    )
    out = out.replace("engineer insisted", "engineer demanded").replace("lime kilns", "limekilns")
    out = out.replace("\n" + ORPHAN + " in a single night.\n", "")
    assert FUZZY not in out and ORPHAN not in out and EXACT in out
    return out


@pytest.fixture
def reimported(tmp_path):
    """A library with one article and a passage of each outcome, re-imported edited."""
    from index.library import Library

    source = tmp_path / "harbour.md"
    source.write_text(REPORT_ARTICLE, encoding="utf-8")
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    aid = lib.import_paths([source]).article_ids[0]
    passages = {
        "exact": lib.annotate_quote(aid, EXACT),
        "moved": lib.annotate_quote(aid, MOVED, color="green"),
        "fuzzy": lib.annotate_quote(aid, FUZZY, note="why ash?"),
        "orphaned": lib.annotate_quote(aid, ORPHAN, tags=["storms"]),
    }
    source.write_text(_edited(REPORT_ARTICLE), encoding="utf-8")
    yield lib, aid, source, passages
    lib.close()


def _rows(dialog) -> dict[str, str]:
    from ui.passages.anchoring_dialog import ID_ROLE

    return {item.data(0, ID_ROLE): item.text(1) for item in dialog.items()}


def test_anchoring_report_after_reimport_accept_and_reattach(qtbot, open_window, reimported):
    lib, aid, source, passages = reimported
    window = open_window(lib)
    window.open_article(aid)
    written(qtbot, window)
    assert window.import_paths([str(source)])
    # The import summary comes first; the report follows when it is closed.
    qtbot.waitUntil(
        lambda: any(d.isVisible() for d in window.findChildren(QDialog, "importReport")),
        timeout=10000,
    )
    written(qtbot, window)
    summary = next(d for d in window.findChildren(QDialog, "importReport") if d.isVisible())
    assert window.anchoring.dialog is None
    summary.accept()
    written(qtbot, window)
    dialog = window.anchoring.dialog
    assert dialog is not None and dialog.isVisible() and dialog.article_id == aid
    rows = _rows(dialog)
    assert len(rows) == 4
    assert rows[passages["exact"].id] == "Found exactly"
    assert rows[passages["moved"].id].startswith("Moved: ")
    old = f"{passages['moved'].start}–{passages['moved'].end}"
    assert old + " → " in rows[passages["moved"].id]
    assert rows[passages["fuzzy"].id].startswith("Matched fuzzily: similarity 0.")
    assert "(threshold 0.75)" in rows[passages["fuzzy"].id]
    fuzzy_row = next(i for i in dialog.items() if i.text(1) == rows[passages["fuzzy"].id])
    assert "now on: “The engineer demanded" in fuzzy_row.text(0)
    assert rows[passages["orphaned"].id].startswith("Orphaned")
    assert "4 passages" not in dialog.heading.text() and "1 orphaned" in dialog.heading.text()

    def choose(kind: str) -> None:
        from ui.passages.anchoring_dialog import ID_ROLE

        item = next(i for i in dialog.items() if i.data(0, ID_ROLE) == passages[kind].id)
        dialog.tree.setCurrentItem(item)

    # Accept the fuzzy match: its row says so and the button turns off.
    choose("fuzzy")
    written(qtbot, window)
    assert dialog.accept_button.isEnabled() and not dialog.reattach_button.isEnabled()
    qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    assert _rows(dialog)[passages["fuzzy"].id].endswith("— accepted")
    assert not dialog.accept_button.isEnabled()
    assert [e["annotation_id"] for e in lib.pending_anchoring(aid)] == [passages["orphaned"].id]
    # Re-attach the orphan to words selected in the reader.
    choose("orphaned")
    written(qtbot, window)
    assert not dialog.reattach_button.isEnabled()
    text = window.reader.text
    words = "Each stone was cut at the quarry"
    start = text.index(words)
    window.reader.select_range(start, start + len(words))
    written(qtbot, window)
    assert dialog.reattach_button.isEnabled()
    qtbot.mouseClick(dialog.reattach_button, Qt.MouseButton.LeftButton)
    written(qtbot, window)
    moved = lib.get_annotation(passages["orphaned"].id)
    assert (moved.start, moved.end, moved.orphaned) == (start, start + len(words), False)
    assert moved.tags == ["storms"]
    assert _rows(dialog)[passages["orphaned"].id].endswith("re-attached by you")
    assert lib.pending_anchoring(aid) == []
    # The reader and the passages panel show the passage in its new place.
    assert window.reader.annotations[moved.id].start == start
    assert not window.reader.annotations[moved.id].orphaned
    assert window.passages.model.rowCount() == 4


def test_anchoring_report_on_demand_for_an_article_never_reimported(qtbot, open_window, library):
    window = open_window(library)
    window.open_article(article_id(library, "Notes on tidal"))
    window.registry["anchoring_report"].trigger()
    dialog = window.anchoring.dialog
    assert dialog.isVisible() and dialog.items() == []
    assert "not been re-imported" in dialog.heading.text()


# --- why this matched ------------------------------------------------------------------

PROTEST_ARTICLE = """# Marchers at the bridge

Lea Brandt
3 June 2022

The protesters gathered at the bridge before dawn and walked to the square by noon.
"""


def test_why_this_matched_lists_what_a_wildcard_became(qtbot, open_window, library, tmp_path):
    source = tmp_path / "marchers.md"
    source.write_text(PROTEST_ARTICLE, encoding="utf-8")
    aid = library.import_paths([source]).article_ids[0]
    window = open_window(library)
    with qtbot.waitSignal(window.search.results_ready, timeout=10000):
        window.search_box.set_text("protest*")
    view = window.search_panel.view
    first = window.search_panel.model.index(0, 0)
    view.setCurrentIndex(first)
    assert window.registry["explain_hit"] in view.actions()  # in the results' context menu
    window.registry["explain_hit"].trigger()
    dialog = window.explainer.dialog
    assert dialog.isVisible() and dialog.status.text() == "Working…"
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10000)
    lines = dialog.lines()
    assert dialog.answer["article_id"] == aid
    assert "protest* (wildcard) → protesters" in lines
    assert any(line.startswith("text: ") and "protesters" in line for line in lines)
    assert not any(line.startswith("title: ") for line in lines)
    assert dialog.status.text() == "The article matches this search."
