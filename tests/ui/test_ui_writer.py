"""The window never waits on a write (issue 11): changes are painted at once, written on the
writer thread, rolled back with one line when the library refuses them.

The database is really locked by a second connection (as another program writing would
lock it); nothing of our storage is mocked.
"""

from __future__ import annotations

import sqlite3
import threading

from PySide6.QtWidgets import QMessageBox

from conftest import article_id, written
from index.store.database import DB_NAME
from ui.common.writer import WRITER_THREAD_NAME


def _locked(library) -> sqlite3.Connection:
    """A second connection holding the database's write lock until it commits."""
    other = sqlite3.connect(library.path / DB_NAME, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def _painted_over(window, start: int, end: int) -> bool:
    return any(
        p.start == start and p.end == end and not p.orphaned
        for p in window.reader.annotations.values()
    )


def _select(window, words: str) -> tuple[int, int]:
    start = window.reader.text.index(words)
    window.reader.select_range(start, start + len(words))
    return start, start + len(words)


def _reading(qtbot, open_window, library):
    """A window on the tidal-mills article, its own writes (the "opened" mark) stored."""
    window = open_window(library)
    window.open_article(article_id(library, "Notes on tidal"))
    written(qtbot, window)
    return window


def test_a_highlight_is_painted_before_it_is_stored(qtbot, open_window, library):
    window = _reading(qtbot, open_window, library)
    other = _locked(library)
    try:
        start, end = _select(window, "sluice gate")
        window.registry["highlight"].trigger()
        # The write waits for the lock on the writer thread; the window has painted already.
        assert _painted_over(window, start, end)
        assert window.writer.pending() == 1
        assert library.annotations(article_id=window.article.id) == []
    finally:
        other.execute("COMMIT")
        other.close()
    written(qtbot, window)
    [stored] = library.annotations(article_id=window.article.id)
    assert (stored.start, stored.end) == (start, end)
    assert _painted_over(window, start, end)
    assert window.controller.undo_stack.count() == 1


def test_a_refused_highlight_rolls_back_with_one_line(qtbot, open_window, library):
    library.store.busy_timeout_ms = 300  # the writer gives up on a held lock quickly
    window = _reading(qtbot, open_window, library)
    other = _locked(library)
    try:
        start, end = _select(window, "sluice gate")
        window.registry["highlight"].trigger()
        assert _painted_over(window, start, end)
        written(qtbot, window)
    finally:
        other.execute("COMMIT")
        other.close()
    assert not _painted_over(window, start, end)  # the painting went with the refusal
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    assert "busy" in boxes[0].text() and "\n" not in boxes[0].text()
    boxes[0].done(0)
    assert window.controller.undo_stack.count() == 0
    assert library.annotations(article_id=window.article.id) == []


def test_a_refused_recolour_in_a_read_only_library_is_told(qtbot, open_window, library):
    aid = article_id(library, "Notes on tidal")
    passage = library.annotate_quote(aid, "sluice gate", color="yellow")
    window = open_window(library)
    window.open_article(aid, passage_id=passage.id)
    written(qtbot, window)
    library.store.read_only = True  # as when another Gloss took the writer lock
    window.controller.edit_color(passage.id, "blue")
    assert window.reader.annotations[passage.id].color == "blue"  # painted at once
    written(qtbot, window)
    assert window.reader.annotations[passage.id].color == "yellow"  # and rolled back
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert boxes and "read-only" in boxes[-1].text()
    boxes[-1].done(0)
    library.store.read_only = False
    assert library.get_annotation(passage.id).color == "yellow"


def test_the_gui_thread_never_writes(qtbot, open_window, library):
    """Every write of a working session lands on the writer thread; a write asked for on the
    GUI thread would raise (the store is told to refuse it there)."""
    threads: list[str] = []
    library.on_changes(lambda _changes: threads.append(threading.current_thread().name))
    window = open_window(library)
    library.forbid_writes_on_this_thread()
    first = article_id(library, "Notes on tidal")
    window.open_article(first)  # remembers it as read
    _select(window, "sluice gate")
    window.registry["highlight"].trigger()
    written(qtbot, window)
    passage_id = window.controller.current_id
    window.controller.edit_note(passage_id, "when the tide turned")
    window.controller.edit_tags(passage_id, ["tides"])
    window.controller.edit_color(passage_id, "green")
    written(qtbot, window)
    window.registry["undo"].trigger()
    window.registry["redo"].trigger()
    window.controller.delete([passage_id])
    written(qtbot, window)
    window.registry["undo"].trigger()
    window.set_article_tags(first, ["mills"])
    window.save_search_as("mills", "mill*")
    window.legend.save({"green": "tidal"}, lambda: None, window.show_error)
    window.open_article(article_id(library, "Wind pumps"))
    written(qtbot, window)
    assert len(threads) >= 12
    assert set(threads) == {WRITER_THREAD_NAME}
    stored = library.get_annotation(passage_id)
    assert (stored.note, stored.tags, stored.color) == ("when the tide turned", ["tides"], "green")
    assert library.legend()["green"] == "tidal"
    assert library.article_tags(first) == ["mills"]
