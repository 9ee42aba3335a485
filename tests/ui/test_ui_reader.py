"""The reader: its raw text is the reading text; offsets survive emoji; links never navigate."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtGui import QTextDocument

from conftest import BBC, SAMPLE, SEED, drag_select, need
from index.importers import read_article
from index.importers.markdown import import_markdown
from index.model import Block, Span
from ui.reader.document import OffsetMap, Typography, build_document, is_openable, raw_text
from ui.reader.reader import ReaderView
from ui.reader.textfind import TextFinder
from ui.window.themes import DARK, LIGHT


def _doc_for(blocks) -> QTextDocument:
    doc = QTextDocument()
    build_document(doc, blocks, Typography(13, LIGHT))
    return doc


def test_seed_raw_text_is_the_reading_text(qtbot, reader):
    article = read_article(need(SEED))
    reader.set_article(article)
    assert raw_text(reader.document()) == article.reading_text
    # Qt's own plain text differs where the article has no-break spaces; raw text never does.
    assert reader.document().toRawText().count("\u2029") == len(article.blocks) - 1


def test_bbc_raw_text_is_the_reading_text_for_200_articles(qapp):
    files = sorted(need(BBC).rglob("*.txt"))[::10][:200]
    assert len(files) == 200
    for path in files:
        article = read_article(path)
        doc = _doc_for(article.blocks)
        assert raw_text(doc) == article.reading_text, path


def test_every_block_kind_and_style_keeps_the_text(qapp):
    blocks = [
        Block("heading", [Span("A heading")], 2),
        Block(
            "paragraph",
            [Span("plain "), Span("em", "emphasis"), Span(" and "), Span("strong", "strong")],
        ),
        Block("quote", [Span("a quote with\u00a0no-break space")]),
        Block("list_item", [Span("one")]),
        Block("list_item", [Span("two")]),
        Block("code", [Span("x = 1  # code")]),
        Block("paragraph", [Span("link", "link", "https://example.org"), Span(" 😀 end")]),
    ]
    doc = _doc_for(blocks)
    assert raw_text(doc) == "\n".join(b.text for b in blocks)
    lists = {doc.findBlockByNumber(n).textList() is not None for n in (3, 4)}
    assert lists == {True}
    assert doc.findBlockByNumber(5).textList() is None


def test_markup_from_a_file_stays_text(qapp, tmp_path: Path):
    hostile = tmp_path / "hostile.md"
    target = tmp_path / "secret.png"
    target.write_bytes(b"\x89PNG")
    hostile.write_text(
        f'# <b>Bold?</b>\n\nSee <img src="{target}"> and [local](file://{target}) or '
        "[js](javascript:alert(1)) and [web](https://example.org).\n",
        encoding="utf-8",
    )
    article = read_article(hostile)
    view = ReaderView()
    view.set_article(article)
    doc = view.document()
    assert raw_text(doc) == article.reading_text
    assert "<img" in article.reading_text  # shown literally
    assert view.header.title.text() == "<b>Bold?</b>"
    assert view.header.title.textFormat().name == "PlainText"
    # No image or object formats: nothing was loaded.
    assert not any(fmt.isImageFormat() for fmt in doc.allFormats())
    assert view.loadResource(QTextDocument.ResourceType.ImageResource.value, None) is None
    hrefs = set()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.anchorHref():
                hrefs.add(fmt.anchorHref())
            it += 1
        block = block.next()
    assert hrefs == {"https://example.org"}
    view.deleteLater()


def test_openable_links():
    assert is_openable("https://example.org/a")
    assert is_openable("mailto:someone@example.org")
    assert not is_openable("file:///etc/passwd")
    assert not is_openable("javascript:alert(1)")
    assert not is_openable("ftp://example.org/")


@given(st.text(alphabet=st.sampled_from("ab\u00e9😀\U0001f3f3\ufe0f\u2003 "), max_size=40))
def test_offset_map_matches_utf16(text):
    offsets = OffsetMap(text)
    for cp in range(len(text) + 1):
        qt = offsets.to_qt(cp)
        assert qt == len(text[:cp].encode("utf-16-le")) // 2
        assert offsets.to_cp(qt) == cp


def test_emoji_before_a_selection_keeps_code_point_offsets(qtbot, reader):
    article = import_markdown(SAMPLE)
    reader.set_article(article)
    text = article.reading_text
    start = text.index("and was let out")
    end = start + len("and was let out")
    assert "😀" in text[:start]
    drag_select(reader, start, end)
    assert reader.selection_range() == (start, end)
    assert reader.textCursor().selectedText() == "and was let out"
    reader.select_range(start, end)
    assert reader.textCursor().selectedText() == text[start:end]


def test_link_click_is_reported_not_followed(qtbot, reader):
    article = import_markdown(SAMPLE)
    reader.set_article(article)
    start = article.reading_text.index("the survey") + 2
    reader.ensure_offset_visible(start)
    from conftest import click_at

    with qtbot.waitSignal(reader.link_clicked, timeout=2000) as blocker:
        click_at(reader, start)
    assert blocker.args == ["https://example.org/mills"]
    assert reader.source().isEmpty()
    assert raw_text(reader.document()) == article.reading_text


def test_theme_and_font_size_rebuild_keeps_text_and_place(qtbot, reader):
    article = read_article(need(SEED))
    reader.set_article(article)
    offset = len(article.reading_text) // 2
    reader.scroll_to_offset(offset)
    before = reader.first_visible_offset()
    reader.set_typography(point_size=18, theme=DARK)
    assert raw_text(reader.document()) == article.reading_text
    after = reader.first_visible_offset()
    # the same line is at the top: within one line of text of where it was
    assert abs(after - before) < 120


def test_find_accents_case_and_whole_words():
    finder = TextFinder("Perú and PERU; peruvian café, cafe")
    assert finder.find_all("peru") == [(0, 4), (9, 13), (15, 19)]
    assert finder.find_all("peru", whole_words=True) == [(0, 4), (9, 13)]
    assert finder.find_all("peru", ignore_accents=False) == [(9, 13), (15, 19)]
    assert len(finder.find_all("cafe")) == 2


def test_thousands_of_matches_paint_those_around_the_current_one(qtbot, reader):
    from ui.reader.marks import MAX_PAINTED_MARKS

    article = import_markdown("# Many\n\n" + "mill and " * 3000 + "\n")
    reader.set_article(article)
    spans = TextFinder(article.reading_text).find_all("mill")
    assert len(spans) == 3000
    reader.set_marks(spans, 2000)
    painted = reader.extraSelections()
    assert len(painted) == MAX_PAINTED_MARKS
    starts = {sel.cursor.selectionStart() for sel in painted}
    assert reader.offsets.to_qt(spans[2000][0]) in starts
    reader.step_mark(1)
    assert reader.mark_index == 2001
