"""Right-to-left paragraphs in the reader: Hebrew and Arabic run from the right edge.

A paragraph's direction is that of its first strong character (the Unicode
bidirectional algorithm's rules P2 and P3, which skip isolates); Qt then orders
the mixed runs inside each line by the same algorithm.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from conftest import article_id
from index.library import Library
from ui.reader.document import raw_text

RTL, LTR = Qt.LayoutDirection.RightToLeft, Qt.LayoutDirection.LeftToRight

# Each paragraph of the page, and the direction it must be laid out in.
PARAGRAPHS = [
    (
        "ביום שבת בבוקר נפתחה מחדש הספרייה העירונית במרכז ירושלים, אחרי כמעט שנתיים של "
        "עבודות. הקוראים עמדו בתור עוד לפני השעה שמונה.",
        RTL,
    ),
    ("בשנת 2023 הודיעה חברת Google על מרכז מחקר חדש בתל אביב, ובו 1,200 עובדים.", RTL),
    # Starts with a Latin word inside an isolate: still a Hebrew paragraph.
    ("\u2068Google\u2069 השקיעה במרכז יותר מ־300 מיליון דולר.", RTL),
    ("The English paragraph keeps its left edge, even when it quotes “שלום”.", LTR),
    ("افتتحت المكتبة في عام 2024 قسما جديدا باسم Open Science يضم 1,500 كتاب.", RTL),
    ("2024: 1,500", None),  # no strong character: Qt's default
]
TITLE = "הספרייה העירונית בירושלים נפתחה מחדש"


@pytest.fixture
def rtl_library(tmp_path):
    """A library holding one saved page in windows-1255 (Hebrew) with Arabic and English."""
    body = "".join(f"<p>{text}</p>\n" for text, _ in PARAGRAPHS)
    page = (
        f'<!DOCTYPE html><html><head><meta charset="windows-1255"><title>{TITLE}</title>'
        f"</head><body><article><h1>{TITLE}</h1>\n{body}</article></body></html>\n"
    )
    path = tmp_path / "jerusalem.html"
    # Arabic is not in windows-1255: those letters are character references, as pages do.
    path.write_bytes(page.encode("cp1255", errors="xmlcharrefreplace"))
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    lib.import_paths([path])
    yield lib
    lib.close()


def test_rtl_paragraphs_are_laid_out_right_to_left(open_window, rtl_library):
    window = open_window(rtl_library)
    window.open_article(article_id(rtl_library, TITLE))
    reader = window.reader
    doc = reader.document()
    assert raw_text(doc) == reader.article.reading_text  # the reading-text invariant
    assert [b.text for b in reader.article.blocks] == [text for text, _ in PARAGRAPHS]
    block = doc.begin()
    for text, direction in PARAGRAPHS:
        assert block.text() == text
        if direction is None:
            assert block.blockFormat().layoutDirection() == Qt.LayoutDirection.LayoutDirectionAuto
        else:
            assert block.blockFormat().layoutDirection() == direction, text
            assert block.textDirection() == direction, text
        block = block.next()


def test_a_short_rtl_line_sits_against_the_right_edge(open_window, rtl_library):
    window = open_window(rtl_library)
    window.open_article(article_id(rtl_library, TITLE))
    doc = window.reader.document()
    isolate_led = doc.findBlockByNumber(2)  # one line, shorter than the column
    english = doc.findBlockByNumber(3)
    line = isolate_led.layout().lineAt(0)
    assert isolate_led.layout().lineCount() == 1
    text_rect = line.naturalTextRect()
    assert text_rect.right() == pytest.approx(line.width(), abs=2)  # flush right
    assert text_rect.left() > 40  # room on the left, none on the right
    assert english.layout().lineAt(0).naturalTextRect().left() == pytest.approx(0, abs=2)


def test_the_header_of_a_hebrew_article_is_right_to_left(open_window, rtl_library):
    window = open_window(rtl_library)
    window.open_article(article_id(rtl_library, TITLE))
    header = window.reader.header
    assert header.title.text() == TITLE
    assert header.byline.text() == "jerusalem.html"  # Latin letters, yet beside the title
    for label in (header.title, header.byline):
        assert label.alignment() & Qt.AlignmentFlag.AlignRight
        assert label.alignment() & Qt.AlignmentFlag.AlignAbsolute
