"""The reader draws the structure the author wrote, and its text stays the reading text.

Tables are QTextTables whose cells hold the words; list numbers come from QTextLists
(a list that starts at 3 shows 3.); code is set in a fixed-pitch face with its
spaces; footnote markers are small links that move the reader to the note and back;
a figure's image is an object character drawn as a placeholder, nothing loaded.
Highlights inside tables and after them land on the right words.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo, QTextCharFormat, QTextCursor, QTextDocument, QTextTable

from conftest import click_at, drag_select
from index.importers import read_article
from index.model import OBJECT_CHAR, Block, Span, TableCell, TableRow
from ui.reader.document import Typography, build_document, raw_text, read_document
from ui.window.themes import LIGHT

FIXTURES = Path(__file__).parents[1] / "fixtures" / "structure"
CLIPPING = FIXTURES / "ledgers-clipping.md"
SAVED_PAGE = FIXTURES / "ledgers-saved-page.html"


@pytest.fixture
def clipping(reader):
    article = read_article(CLIPPING)
    reader.set_article(article)
    return article


def _qt_cursor(reader, offset: int) -> QTextCursor:
    cursor = QTextCursor(reader.document())
    cursor.setPosition(reader.offsets.to_qt(offset))
    return cursor


def _char_format(reader, offset: int) -> QTextCharFormat:
    """The format of the character at code point `offset`."""
    cursor = _qt_cursor(reader, offset)
    cursor.movePosition(QTextCursor.MoveOperation.NextCharacter, QTextCursor.MoveMode.KeepAnchor)
    return cursor.charFormat()


@pytest.mark.parametrize("path", [CLIPPING, SAVED_PAGE], ids=["markdown", "html"])
def test_the_document_holds_exactly_the_reading_text(qapp, path):
    article = read_article(path)
    doc = QTextDocument()
    build_document(doc, article.blocks, Typography(13, LIGHT))
    assert raw_text(doc) == article.reading_text
    assert OBJECT_CHAR in article.reading_text  # the figure's image stands on one character
    assert doc.toRawText().count(OBJECT_CHAR) == 1


def test_a_table_is_drawn_as_a_qtexttable_with_its_words(clipping, reader):
    tables = [f for f in reader.document().rootFrame().childFrames() if isinstance(f, QTextTable)]
    assert len(tables) == 1
    table = tables[0]
    assert (table.rows(), table.columns()) == (4, 3)
    assert table.format().headerRowCount() == 1

    def cell_text(row: int, column: int) -> str:
        cell = table.cellAt(row, column)
        cursor = cell.firstCursorPosition()
        cursor.setPosition(cell.lastPosition(), QTextCursor.MoveMode.KeepAnchor)
        return cursor.selectedText()

    assert [cell_text(0, c) for c in range(3)] == ["Town", "Receipts", "Change"]
    assert cell_text(2, 0) == "Bexley Mill"
    header = _char_format(reader, clipping.reading_text.index("Receipts"))
    assert header.fontWeight() >= 700
    start = clipping.reading_text.index("1,200")
    alignment = reader.document().findBlock(reader.offsets.to_qt(start)).blockFormat().alignment()
    assert alignment & Qt.AlignmentFlag.AlignRight


def test_highlights_inside_and_after_a_table_cover_their_words(clipping, reader):
    text = clipping.reading_text
    ranges = {}
    for words in ("Bexley Mill", "860", "2,045", "The steps the clerks followed", "forward"):
        start = text.index(words)
        ranges[words] = (start, start + len(words))
        cursor = reader._cursor(*ranges[words])
        assert cursor.selectedText() == words
    start, end = ranges["Bexley Mill"]
    drag_select(reader, start, end)
    assert reader.selection_range() == (start, end)


def test_list_numbers_start_where_the_author_started(clipping, reader):
    text = clipping.reading_text
    numbers = []
    for item in ("Count the receipts", "Subtract the wages", "Carry the balance"):
        block = reader.document().findBlock(reader.offsets.to_qt(text.index(item)))
        numbers.append(block.textList().itemText(block))
    assert numbers == ["3.", "4.", "5."]
    nested = reader.document().findBlock(reader.offsets.to_qt(text.index("the weavers")))
    assert nested.textList().format().indent() == 2
    assert nested.textList() is not None and nested.textList().itemText(nested) != "1."
    task = reader.document().findBlock(reader.offsets.to_qt(text.index("Read the Harlow")))
    assert task.blockFormat().marker().name == "Checked"


def test_code_is_in_a_fixed_pitch_face_with_its_spaces(clipping, reader):
    text = clipping.reading_text
    at = text.index("    return inflow - outflow")
    block = reader.document().findBlock(reader.offsets.to_qt(at))
    assert block.text() == "    return inflow - outflow"
    fmt = _char_format(reader, at + 4)
    assert QFontInfo(fmt.font()).fixedPitch()
    body = _char_format(reader, text.index("The steps"))
    assert not QFontInfo(body.font()).fixedPitch()


def test_footnote_markers_are_small_links_to_the_note_and_back(qtbot, clipping, reader):
    text = clipping.reading_text
    marker = text.index("[1]")
    fmt = _char_format(reader, marker + 1)
    assert fmt.isAnchor() and fmt.anchorHref() == "#fn:1"
    assert fmt.verticalAlignment() == QTextCharFormat.VerticalAlignment.AlignSuperScript
    note = text.index("The Harlow clerk, Ada Penrose")
    with qtbot.assertNotEmitted(reader.link_clicked):
        click_at(reader, marker + 1)
    assert reader.textCursor().position() == reader.offsets.to_qt(note)
    assert reader.describe_href("#fn:1").startswith("Note 1: The Harlow clerk, Ada Penrose")
    back = text.index("↩", note)
    assert _char_format(reader, back).anchorHref() == "#fnref:1"
    reader.ensure_offset_visible(back)
    with qtbot.assertNotEmitted(reader.link_clicked):
        click_at(reader, back)
    assert reader.textCursor().position() == reader.offsets.to_qt(marker)


def test_a_figure_is_a_placeholder_and_nothing_is_loaded(clipping, reader, monkeypatch):
    asked = []
    monkeypatch.setattr(reader, "loadResource", lambda *args: asked.append(args))
    reader.set_article(clipping)
    text = clipping.reading_text
    at = text.index(OBJECT_CHAR)
    fmt = _char_format(reader, at)
    assert fmt.isImageFormat()
    name = fmt.toImageFormat().name()
    assert name.startswith("gloss-figure:")
    image = reader.document().resource(QTextDocument.ResourceType.ImageResource.value, name)
    assert not image.isNull() and image.width() > 200  # the painted placeholder
    reader.grab()  # draw it
    assert asked == []  # neither the figure's address nor anything else was asked for
    caption = "The Harlow ledger, open at the first week of January."
    assert text[at + 1 : at + 2 + len(caption)] == "\n" + caption


def test_a_narrow_reader_fits_the_placeholder_to_the_column(clipping, reader, qtbot):
    reader.resize(420, 600)
    qtbot.waitUntil(lambda: reader.viewport().width() < 420)
    assert reader.horizontalScrollBar().maximum() == 0
    assert reader.document().size().width() <= reader.viewport().width()


# --- offsets around frames ----------------------------------------------------------


def _table(*rows: str) -> Block:
    return Block(
        "table",
        [],
        rows=[TableRow([TableCell([Span(c)] if c else []) for c in r.split("|")]) for r in rows],
    )


_KINDS = st.sampled_from(["para", "emoji", "table", "code", "figure", "rule", "item"])


def _block(kind: str, n: int) -> Block:
    if kind == "para":
        return Block("paragraph", [Span(f"words {n}")])
    if kind == "emoji":
        return Block("paragraph", [Span(f"😀 x{n} 🏳️‍🌈")])
    if kind == "table":
        return _table(f"a{n}|😀b", "|c", f"d{n}|")
    if kind == "code":
        return Block("code", [Span(f"  line {n}\n\n    more", "code")])
    if kind == "figure":
        return Block("figure", [Span(f"cap {n}")] if n % 2 else [], src="x.png", alt="alt")
    if kind == "rule":
        return Block("rule", [])
    return Block("list_item", [Span(f"item {n}")], 1 + n % 2, number=n)


@settings(max_examples=60, deadline=None)
@given(st.lists(_KINDS, min_size=1, max_size=7))
def test_offsets_map_to_the_same_characters_around_tables_and_code(qapp, kinds):
    blocks = [_block(kind, n) for n, kind in enumerate(kinds)]
    doc = QTextDocument()
    build_document(doc, blocks, Typography(13, LIGHT))
    text, offsets = read_document(doc)
    assert text == "\n".join(b.text for b in blocks)
    cursor = QTextCursor(doc)
    for cp, ch in enumerate(text):
        qt = offsets.to_qt(cp)
        assert offsets.to_cp(qt) == cp
        if ch not in "\n\t":
            cursor.setPosition(qt)
            cursor.setPosition(
                qt + len(ch.encode("utf-16-le")) // 2, QTextCursor.MoveMode.KeepAnchor
            )
            assert cursor.selectedText() == ch, (cp, ch)
    assert offsets.to_cp(offsets.to_qt(len(text))) == len(text)


@pytest.fixture
def clipping_library(tmp_path):
    """A library holding the Markdown clipping (closed after the window is)."""
    from index.library import Library

    library = Library.open(tmp_path / "lib", create_welcome=False)
    yield library
    library.close()


def test_the_window_shows_an_imported_clipping_with_its_structure(clipping_library, open_window):
    (article_id,) = clipping_library.import_paths([CLIPPING]).article_ids
    window = open_window(clipping_library)
    assert window.open_article(article_id)
    reader = window.reader
    assert raw_text(reader.document()) == clipping_library.get_article(article_id).reading_text
    frames = reader.document().rootFrame().childFrames()
    assert sum(isinstance(f, QTextTable) for f in frames) == 1
    text = reader.text
    block = reader.document().findBlock(reader.offsets.to_qt(text.index("Count the receipts")))
    assert block.textList().itemText(block) == "3."
