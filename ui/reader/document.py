"""An article's blocks as a QTextDocument, built with QTextCursor, and Qt <-> code point offsets.

Nothing from a file reaches Qt as markup: no setHtml, insertHtml, setMarkdown or
setSource. The text inserted is exactly the reading text, so that
`document.toRawText()` with U+2029 read as a newline equals it (the invariant the
tests check). Typography comes from char and block formats only.

Qt counts positions in UTF-16 units while the engine counts code points;
`OffsetMap` converts at this boundary (an emoji is one code point, two units).

Each block is laid out in its paragraph direction, found as the Unicode
bidirectional algorithm finds it (`paragraph_direction`): an Arabic or Hebrew
paragraph runs right to left and sits against the right edge, and Qt orders
the mixed-direction runs inside it by the same algorithm.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from dataclasses import dataclass

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextListFormat,
)

from index import Block, Span
from ui.window.themes import Theme

SERIF_FAMILIES = [
    "Charter",
    "Literata",
    "Source Serif 4",
    "Georgia",
    "Noto Serif",
    "Liberation Serif",
    "DejaVu Serif",
    "serif",
]
MONO_FAMILIES = ["JetBrains Mono", "DejaVu Sans Mono", "Liberation Mono", "monospace"]
OPENABLE_SCHEMES = ("http", "https", "mailto")
HEADING_SCALE = {1: 1.55, 2: 1.35, 3: 1.2, 4: 1.1, 5: 1.0, 6: 1.0}
LINE_HEIGHT_PERCENT = 145
MEASURE_CHARS = 70  # the line length the margins hold the text to
DEFAULT_POINT_SIZE = 13
MIN_POINT_SIZE, MAX_POINT_SIZE = 8, 40
# A property on link char formats: the address as given, for the hover and the click.
HREF_PROPERTY = QTextFormat.Property.UserProperty + 1


class OffsetMap:
    """Converts between code point offsets of a text and Qt's UTF-16 positions in it."""

    def __init__(self, text: str) -> None:
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        # The UTF-16 position where each astral character starts.
        self._qt_starts = [cp + k for k, cp in enumerate(self._astral)]
        self.length = len(text)

    def to_qt(self, cp: int) -> int:
        """The Qt position of code point offset `cp`."""
        return cp + bisect_left(self._astral, cp)

    def to_cp(self, pos: int, *, round_up: bool = False) -> int:
        """The code point offset of Qt position `pos`; inside a surrogate pair, round down
        (or up, for the end of a range)."""
        n = bisect_left(self._qt_starts, pos)
        if n and self._qt_starts[n - 1] + 1 == pos:
            return self._astral[n - 1] + (1 if round_up else 0)
        return pos - n


@dataclass(frozen=True)
class Typography:
    """How the reader sets text: the body font size and the colours of a theme."""

    point_size: float
    theme: Theme

    def body_font(self) -> QFont:
        font = QFont()
        font.setFamilies(SERIF_FAMILIES)
        font.setPointSizeF(self.point_size)
        font.setStyleHint(QFont.StyleHint.Serif)
        return font

    def mono_font(self) -> QFont:
        font = QFont()
        font.setFamilies(MONO_FAMILIES)
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(self.point_size * 0.88)
        return font

    def measure_px(self) -> float:
        """The width of a line of about MEASURE_CHARS characters of body text."""
        metrics = QFontMetricsF(self.body_font())
        sample = "the quick brown fox jumps over a lazy dog, "
        per_char = metrics.horizontalAdvance(sample) / len(sample)
        return per_char * MEASURE_CHARS


def build_document(doc: QTextDocument, blocks: list[Block], typo: Typography) -> None:
    """Fill `doc` (emptied first) with the blocks: one Qt block per block, spans as formats."""
    doc.clear()
    doc.setUndoRedoEnabled(False)
    body = typo.body_font()
    doc.setDefaultFont(body)
    em = QFontMetricsF(body).height()
    cursor = QTextCursor(doc)
    cursor.beginEditBlock()
    list_item_formats: QTextListFormat | None = None
    current_list = None
    for index, block in enumerate(blocks):
        block_format = _block_format(block, typo, em)
        if index == 0:
            cursor.setBlockFormat(block_format)
        else:
            cursor.insertBlock(block_format, QTextCharFormat())
        if block.kind == "list_item":
            if current_list is None:
                list_item_formats = QTextListFormat()
                list_item_formats.setStyle(QTextListFormat.Style.ListDisc)
                list_item_formats.setIndent(1)
                current_list = cursor.createList(list_item_formats)
            else:
                current_list.add(cursor.block())
        else:
            current_list = None
        base = _block_char_format(block, typo)
        for span in block.spans:
            cursor.insertText(span.text, _span_format(span, base, typo))
    cursor.endEditBlock()


_PROPORTIONAL = QTextBlockFormat.LineHeightTypes.ProportionalHeight.value
_ISOLATE_OPENERS = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI
_ISOLATE_CLOSER = "\u2069"  # PDI


def paragraph_direction(text: str) -> Qt.LayoutDirection | None:
    """The direction of a paragraph by its first strong character (rules P2 and P3 of
    the Unicode bidirectional algorithm); None when it has none (digits, punctuation).

    Characters inside an isolate (LRI, RLI or FSI up to its PDI) are skipped, as
    the rules say: `\u2068Google\u2069 הודיעה` is a Hebrew paragraph.
    """
    depth = 0
    for ch in text:
        if ch in _ISOLATE_OPENERS:
            depth += 1
        elif ch == _ISOLATE_CLOSER:
            depth = max(depth - 1, 0)
        elif depth == 0:
            kind = unicodedata.bidirectional(ch)
            if kind == "L":
                return Qt.LayoutDirection.LeftToRight
            if kind in ("R", "AL"):
                return Qt.LayoutDirection.RightToLeft
    return None


def _block_format(block: Block, typo: Typography, em: float) -> QTextBlockFormat:
    fmt = QTextBlockFormat()
    direction = paragraph_direction(block.text)
    if direction is not None:
        fmt.setLayoutDirection(direction)
    fmt.setLineHeight(
        LINE_HEIGHT_PERCENT, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value
    )
    fmt.setBottomMargin(em * 0.75)
    if block.kind == "heading":
        level = min(max(block.level or 2, 1), 6)
        fmt.setHeadingLevel(level)
        fmt.setTopMargin(em * 0.9)
        fmt.setBottomMargin(em * 0.4)
        fmt.setLineHeight(125, _PROPORTIONAL)
    elif block.kind == "quote":
        fmt.setLeftMargin(em * 1.6)
        fmt.setRightMargin(em * 1.2)
    elif block.kind == "list_item":
        fmt.setBottomMargin(em * 0.3)
        fmt.setIndent(max(block.level, 0))
    elif block.kind == "code":
        fmt.setBackground(QColor(typo.theme.code_bg))
        fmt.setLineHeight(120, _PROPORTIONAL)
        fmt.setLeftMargin(em * 0.5)
    return fmt


def _block_char_format(block: Block, typo: Typography) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(typo.theme.ink))
    if block.kind == "heading":
        level = min(max(block.level or 2, 1), 6)
        fmt.setFontWeight(QFont.Weight.Bold)
        fmt.setFontPointSize(typo.point_size * HEADING_SCALE[level])
    elif block.kind == "quote":
        fmt.setFontItalic(True)
        fmt.setForeground(QColor(typo.theme.muted if not typo.theme.dark else typo.theme.ink))
    elif block.kind == "code":
        fmt.setFont(
            typo.mono_font(),
            QTextCharFormat.FontPropertiesInheritanceBehavior.FontPropertiesSpecifiedOnly,
        )
    return fmt


def _span_format(span: Span, base: QTextCharFormat, typo: Typography) -> QTextCharFormat:
    fmt = QTextCharFormat(base)
    if span.style == "emphasis":
        fmt.setFontItalic(not base.fontItalic())
    elif span.style == "strong":
        fmt.setFontWeight(QFont.Weight.Bold)
    elif span.style == "code":
        mono = typo.mono_font()
        fmt.setFontFamilies(mono.families())
        fmt.setBackground(QColor(typo.theme.code_bg))
    elif span.style == "link" and span.href:
        fmt.setAnchor(True)
        # Only openable addresses become anchors Qt knows about; others stay styled text.
        if is_openable(span.href):
            fmt.setAnchorHref(span.href)
        fmt.setProperty(HREF_PROPERTY, span.href)
        fmt.setForeground(QColor(typo.theme.link))
        fmt.setFontUnderline(True)
    return fmt


def is_openable(href: str) -> bool:
    """True for addresses the reader may hand to the system browser: http, https, mailto."""
    url = QUrl(href.strip(), QUrl.ParsingMode.StrictMode)
    return (
        url.isValid()
        and url.scheme().lower() in OPENABLE_SCHEMES
        and bool(url.path() or url.host())
    )


def raw_text(doc: QTextDocument) -> str:
    """The document's text as the engine counts it: U+2029 block separators read as newlines."""
    return doc.toRawText().replace("\u2029", "\n")
