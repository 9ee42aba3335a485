"""The reader draws the library's copy of a figure's image (issue 12 item 4): at the text's
width, never enlarged, its caption below, one object character each; a click opens it large.
Figures without a copy stay quiet placeholders; nothing is loaded from anywhere else.
"""

from __future__ import annotations

import image_files as pictures
import movein_files as files
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication

from index import OBJECT_CHAR, Library
from ui.reader.image_viewer import ImageViewer

CLIPPING = """# The Harbour Ledger

The harbour master wrote each ship into the ledger as it came past the breakwater.

![The ledger, open](assets/ledger.png)
The ledger at the first week of March.

![A wide view of the quay](assets/quay.png)

![On the web](https://harbour.example/elsewhere.png)

The tide tables were pinned to the wall beside the window of the office.
"""


@pytest.fixture
def harbour(tmp_path, no_network):
    folder = tmp_path / "clips"
    (folder / "assets").mkdir(parents=True)
    (folder / "assets" / "ledger.png").write_bytes(pictures.png(300, 200, (200, 60, 40)))
    (folder / "assets" / "quay.png").write_bytes(pictures.png(2400, 300, (40, 120, 200)))
    (folder / "ledger.md").write_text(CLIPPING, encoding="utf-8")
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    lib.import_paths([folder])
    yield lib
    lib.close()


def _figure_images(reader):
    """(Qt position, image resource) of each object character in the reader's document."""
    doc = reader.document()
    found = []
    at = doc.find(OBJECT_CHAR)
    while not at.isNull():
        fmt = at.charFormat()
        assert fmt.isImageFormat()
        name = fmt.toImageFormat().name()
        image = doc.resource(QTextDocument.ResourceType.ImageResource.value, name)
        found.append((at.selectionStart(), image))
        at = doc.find(OBJECT_CHAR, at)
    return found


def _logical_width(image) -> float:
    return image.width() / image.devicePixelRatio()


def test_the_reader_draws_the_librarys_image_at_its_size_with_its_caption(
    open_window, harbour, qtbot
):
    window = open_window(harbour)
    [summary] = harbour.list_articles()
    assert window.open_article(summary.id)
    reader = window.reader
    text = harbour.get_article(summary.id).reading_text
    assert text.count(OBJECT_CHAR) == 3  # one object character per image, as before
    (at_ledger, ledger), (_, quay), (_, web) = _figure_images(reader)
    # the ledger: its own picture at its natural size (not enlarged), not a placeholder
    assert round(_logical_width(ledger)) == 300
    assert round(ledger.height() / ledger.devicePixelRatio()) == 200
    middle = ledger.pixelColor(ledger.width() // 2, ledger.height() * 3 // 4)
    top = ledger.pixelColor(ledger.width() // 2, 2)
    assert middle == QColor(200, 60, 40) and top == QColor(80, 0, 0)
    # the wide quay: scaled down to the column, its proportions kept
    column = reader.document().textWidth()
    assert _logical_width(quay) <= column
    assert abs(quay.width() / quay.height() - 8.0) < 0.1
    # the picture on the web: the quiet placeholder, wider than tall, nothing fetched
    assert web.width() > web.height()
    # the caption follows the picture, in the reading text and in the document
    cursor = QTextCursor(reader.document())
    cursor.setPosition(at_ledger + 1)
    cursor.movePosition(QTextCursor.MoveOperation.NextBlock)
    cursor.select(QTextCursor.SelectionType.BlockUnderCursor)
    assert cursor.block().text() == "The ledger at the first week of March."


def test_a_click_on_the_image_opens_it_large_and_esc_closes_it(open_window, harbour, qtbot):
    window = open_window(harbour)
    [summary] = harbour.list_articles()
    window.open_article(summary.id)
    reader = window.reader
    (at_ledger, _), *_ = _figure_images(reader)
    cursor = QTextCursor(reader.document())
    cursor.setPosition(at_ledger)
    reader.setTextCursor(cursor)
    reader.ensureCursorVisible()
    left = reader.cursorRect(cursor)
    cursor.setPosition(at_ledger + 1)
    right = reader.cursorRect(cursor)
    point = QPoint((left.left() + right.left()) // 2, left.center().y())
    qtbot.mouseClick(reader.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: _viewer(window) is not None)
    viewer = _viewer(window)
    assert viewer.caption.text() == "The ledger at the first week of March."
    assert viewer.shown_size.width() == 300  # its natural size fits the screen: as it is
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: _viewer(window) is None)


def _viewer(window):
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, ImageViewer) and widget.isVisible():
            return widget
    return None


def test_a_warc_pages_image_is_drawn_from_the_archive(open_window, tmp_path, no_network):
    warc = files.write_warc(tmp_path / "crawl.warc.gz")
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    try:
        lib.import_paths([warc])
        [lighthouse] = [s for s in lib.list_articles() if s.title.startswith("The Keeper")]
        window = open_window(lib)
        window.open_article(lighthouse.id)
        [(_, image)] = _figure_images(window.reader)
        assert (image.width(), image.height()) == (1, 1)  # the captured 1×1 PNG itself
        window.close()
    finally:
        lib.close()


POCKET = (
    "<!DOCTYPE html><html><head><title>Pocket Export</title></head><body>"
    "<h1>Unread</h1><ul><li><a href='https://coast.example/tides' time_added='1688628695'"
    " tags='coast,later'>Tide tables of the estuary</a></li>"
    "<li><a href='https://coast.example/<b>bold</b>' time_added='1600000000'"
    " tags=''><b>Not bold</b> &lt;i&gt;plain&lt;/i&gt;</a></li></ul></body></html>"
)


def test_the_window_lists_unsaved_links_and_copies_an_address(
    open_window, tmp_path, qtbot, no_network
):
    export = tmp_path / "ril_export.html"
    export.write_text(POCKET, encoding="utf-8")
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    try:
        assert lib.import_paths([export]).links == 2
        window = open_window(lib)
        action = window.registry["unsaved_links"]
        assert action in window.menuBar().actions()[1].menu().actions()  # Library menu
        action.trigger()
        qtbot.waitUntil(
            lambda: _links_dialog() is not None and _links_dialog().table.rowCount() > 0
        )
        dialog = _links_dialog()
        table = dialog.table
        rows = {table.item(r, 1).text(): r for r in range(table.rowCount())}
        tides = rows["https://coast.example/tides"]
        assert table.item(tides, 0).text() == "Tide tables of the estuary"
        assert table.item(tides, 2).text() == "coast, later"
        assert table.item(tides, 3).text() == "2023-07-06"
        assert table.item(tides, 4).text() == "ril_export.html"
        assert "2 links saved without their text" in dialog.intro.text()
        table.selectRow(tides)
        dialog.copy_button.click()
        assert QApplication.clipboard().text() == "https://coast.example/tides"
        dialog.close()
    finally:
        lib.close()


def _links_dialog():
    from ui.dialogs.unsaved_links import UnsavedLinksDialog

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, UnsavedLinksDialog) and widget.isVisible():
            return widget
    return None


def test_hostile_images_render_as_placeholders_without_reading_or_connecting(
    open_window, tmp_path, qtbot, no_network, monkeypatch
):
    folder = tmp_path / "hostile"
    (folder / "assets").mkdir(parents=True)
    (folder / "assets" / "bomb.png").write_bytes(pictures.bomb_png())
    (folder / "assets" / "cut.jpg").write_bytes(pictures.truncated_jpeg())
    (folder / "assets" / "evil.svg").write_bytes(pictures.SCRIPTED_SVG)
    (folder / "hostile.md").write_text(
        "# A hostile clipping\n\nOnly these words should be kept from this clipping.\n\n"
        "![bomb](assets/bomb.png)\n\n![cut](assets/cut.jpg)\n\n![svg](assets/evil.svg)\n\n"
        "![web](http://tracker.invalid/pixel.png)\n",
        encoding="utf-8",
    )
    (folder / "page.html").write_text(
        files.article_html(
            "A hostile page", files.ORCHARD, images=["file:///etc/passwd", "/etc/passwd"]
        ),
        encoding="utf-8",
    )
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    try:
        report = lib.import_paths([folder])
        assert report.imported == 2
        window = open_window(lib)
        asked = []
        monkeypatch.setattr(window.reader, "loadResource", lambda *args: asked.append(args))
        for article_id in report.article_ids:
            window.open_article(article_id)
            window.reader.grab()  # drawn
            images = _figure_images(window.reader)
            assert images and all(image.width() > image.height() for _, image in images)
        assert asked == []  # Qt was never asked to load anything
    finally:
        lib.close()


BIG_CLIPPING = """# The Survey Sheet

The surveyor's sheet of the whole estuary was photographed at full size.

![The survey sheet](assets/survey.png)

The sheet is kept flat in a drawer of the map room.
"""


def test_a_big_image_is_decoded_off_the_gui_thread_behind_a_frame_of_its_size(
    open_window, tmp_path, no_network, qtbot
):
    from ui.reader.figure import decoder

    folder = tmp_path / "big"
    (folder / "assets").mkdir(parents=True)
    colour = (30, 140, 90)  # this test's own colour: no other test's picture is in the cache
    (folder / "assets" / "survey.png").write_bytes(pictures.png(3000, 2000, colour))
    (folder / "survey.md").write_text(BIG_CLIPPING, encoding="utf-8")
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    try:
        lib.import_paths([folder])
        window = open_window(lib)
        [summary] = lib.list_articles()
        with qtbot.waitSignal(decoder().ready, timeout=10_000) as arrived:
            assert window.open_article(summary.id)
            # the article is shown at once; the picture is still on its way: a frame as
            # large as the picture will be drawn (3:2, at the column's width)
            [(_, frame)] = _figure_images(window.reader)
            column = window.reader.document().textWidth()
            assert 300 < _logical_width(frame) <= column
            assert abs(frame.width() / frame.height() - 1.5) < 0.02
            middle = frame.pixelColor(frame.width() // 2, frame.height() * 3 // 4)
            assert middle != QColor(*colour)
            height = window.reader.document().size().height()
        assert arrived.args == [lib.get_article(summary.id).blocks[1].image]
        [(_, picture)] = _figure_images(window.reader)
        assert picture.pixelColor(picture.width() // 2, picture.height() * 3 // 4) == QColor(
            *colour
        )
        assert (picture.width(), picture.height()) == (frame.width(), frame.height())
        assert window.reader.document().size().height() == height  # the text did not move
    finally:
        lib.close()
