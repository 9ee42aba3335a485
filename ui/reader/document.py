"""An article's blocks as a QTextDocument, built with QTextCursor.

Nothing from a file reaches Qt as markup: no setHtml, insertHtml, setMarkdown or
setSource. The text inserted is exactly the reading text, so that the document,
read as ui/reader/offsets.py says, equals it (the invariant the tests check).
Typography comes from char, block, list and table formats only:

- a list item joins a QTextList per depth (numbers start where the author's do;
  a task is drawn with a check box), text continuing an item is indented with it;
- a table is a QTextTable (its caption a paragraph above it), a row of cells per
  line of the reading text;
- code is one paragraph per line in a fixed-pitch face, every space kept;
- a figure is an object character drawn by ui/reader/figure.py, its caption below;
- footnote markers are small raised links, the notes a numbered list at the end,
  each ending with a link back.

Each paragraph is laid out in its direction, found as the Unicode bidirectional
algorithm finds it (`paragraph_direction`): an Arabic or Hebrew paragraph runs
right to left and sits against the right edge, and Qt orders the mixed-direction
runs inside it by the same algorithm.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from PySide6.QtCore import QLineF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextFrame,
    QTextFrameFormat,
    QTextLength,
    QTextList,
    QTextListFormat,
    QTextTableCellFormat,
    QTextTableFormat,
)

from index import OBJECT_CHAR, Block, Span
from ui.reader.figure import Figures, ImageFile
from ui.reader.offsets import OffsetMap, raw_text, read_document
from ui.window.themes import Theme

__all__ = [
    "OffsetMap",
    "Typography",
    "build_document",
    "is_openable",
    "notes_separator",
    "raw_text",
    "read_document",
]

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
INDENT_PX = 40  # QTextDocument's indentWidth: one level of list
BULLETS = (
    QTextListFormat.Style.ListDisc,
    QTextListFormat.Style.ListCircle,
    QTextListFormat.Style.ListSquare,
)
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


def _direct(fmt: QTextBlockFormat, text: str) -> QTextBlockFormat:
    """`fmt` laid out in the direction of the paragraph `text` (when it has one)."""
    direction = paragraph_direction(text)
    if direction is not None:
        fmt.setLayoutDirection(direction)
    return fmt


_SPECIFIED_ONLY = QTextCharFormat.FontPropertiesInheritanceBehavior.FontPropertiesSpecifiedOnly


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
        font.setFixedPitch(True)
        font.setPointSizeF(self.point_size * 0.88)
        return font

    def measure_px(self) -> float:
        """The width of a line of about MEASURE_CHARS characters of body text."""
        metrics = QFontMetricsF(self.body_font())
        sample = "the quick brown fox jumps over a lazy dog, "
        per_char = metrics.horizontalAdvance(sample) / len(sample)
        return per_char * MEASURE_CHARS


def build_document(
    doc: QTextDocument, blocks: list[Block], typo: Typography, image_file: ImageFile | None = None
) -> Figures:
    """Fill `doc` (emptied first) with the blocks, each as its kind is drawn; the figures'
    pictures (`image_file` finds the library's copy of one), to fit to the column."""
    doc.clear()
    doc.setUndoRedoEnabled(False)
    body = typo.body_font()
    doc.setDefaultFont(body)
    builder = _Builder(doc, typo, image_file)
    builder.cursor.beginEditBlock()
    for block in blocks:
        builder.add(block)
    builder.cursor.endEditBlock()
    return builder.figures


@dataclass
class _OpenList:
    """A QTextList being filled, and the number its next item must carry to join it."""

    qlist: QTextList
    ordered: bool
    next_number: int


class _Builder:
    """Appends blocks to a document, keeping the lists open that the next block may join."""

    def __init__(
        self, doc: QTextDocument, typo: Typography, image_file: ImageFile | None = None
    ) -> None:
        self.typo = typo
        self.theme = typo.theme
        self.em = QFontMetricsF(typo.body_font()).height()
        self.doc = doc
        self.cursor = QTextCursor(doc)
        body = typo.body_font()
        self.figures = Figures(
            doc, body, typo.theme.ink, typo.theme.muted, typo.measure_px() * 0.9, image_file
        )
        self.fresh = True  # the cursor's paragraph is empty and unused (start, after a table)
        self.after_list = False  # the last paragraph was a list item
        self.last_frame: QTextFrame | None = None  # a code frame or table just ended
        self.lists: list[_OpenList | None] = []
        self.notes: _OpenList | None = None

    def add(self, block: Block) -> None:
        kind = block.kind
        if kind == "list_item":
            self._list_item(block)
            return
        if kind == "footnote":
            self._footnote(block)
            return
        del self.lists[max(block.level, 0) :]  # text inside a list keeps the outer lists
        if kind == "code":
            self._code(block)
        elif kind == "table":
            self._table(block)
        elif kind == "figure":
            self._figure(block)
        elif kind == "rule":
            self._paragraph(self._rule_format(), QTextCharFormat())
        else:
            self._paragraph(self._block_format(block), self._char_format(block))
            self._spans(block.spans, self._char_format(block))

    # --- paragraphs ----------------------------------------------------------------------

    def _paragraph(self, fmt: QTextBlockFormat, char: QTextCharFormat) -> None:
        """Start a new paragraph of the document (or use the empty one the cursor is in)."""
        if self.after_list and fmt.topMargin() < self.em * 0.45:
            fmt.setTopMargin(self.em * 0.45)  # air between a list and the text after it
        self.after_list = False
        if self.fresh and self.last_frame is not None:
            # Qt lays the paragraph after a frame out without its top margin: the frame
            # keeps that space below itself instead.
            frame_format = self.last_frame.frameFormat()
            frame_format.setBottomMargin(max(frame_format.bottomMargin(), fmt.topMargin()))
            self.last_frame.setFrameFormat(frame_format)
        self.last_frame = None
        if self.fresh:
            self.cursor.setBlockFormat(fmt)
            self.cursor.setBlockCharFormat(char)
            self.fresh = False
        else:
            self.cursor.insertBlock(fmt, char)

    def _spans(self, spans: list[Span], base: QTextCharFormat) -> None:
        for span in spans:
            self.cursor.insertText(span.text, self._span_format(span, base))

    def _base_format(self, text: str = "") -> QTextBlockFormat:
        fmt = _direct(QTextBlockFormat(), text)
        fmt.setLineHeight(LINE_HEIGHT_PERCENT, _PROPORTIONAL)
        fmt.setBottomMargin(self.em * 0.75)
        return fmt

    def _block_format(self, block: Block) -> QTextBlockFormat:
        fmt = self._base_format(block.text)
        em = self.em
        if block.kind == "heading":
            fmt.setHeadingLevel(_heading_level(block))
            fmt.setTopMargin(em * 0.9)
            fmt.setBottomMargin(em * 0.4)
            fmt.setLineHeight(125, _PROPORTIONAL)
        elif block.kind == "quote":
            fmt.setLeftMargin(em * 1.6)
            fmt.setRightMargin(em * 1.2)
        elif block.kind == "term":
            fmt.setBottomMargin(em * 0.15)
        elif block.kind == "definition":
            fmt.setLeftMargin(em * 1.6)
        fmt.setIndent(max(block.level, 0) if block.kind != "heading" else 0)
        return fmt

    def _char_format(self, block: Block) -> QTextCharFormat:
        fmt = QTextCharFormat()
        fmt.setForeground(QColor(self.theme.ink))
        if block.kind == "heading":
            fmt.setFontWeight(QFont.Weight.Bold)
            fmt.setFontPointSize(self.typo.point_size * HEADING_SCALE[_heading_level(block)])
        elif block.kind == "quote":
            fmt.setFontItalic(True)
            fmt.setForeground(QColor(self.theme.muted if not self.theme.dark else self.theme.ink))
        elif block.kind == "term":
            fmt.setFontWeight(QFont.Weight.Bold)
        return fmt

    def _span_format(self, span: Span, base: QTextCharFormat) -> QTextCharFormat:
        fmt = QTextCharFormat(base)
        style = span.style
        if style == "emphasis":
            fmt.setFontItalic(not base.fontItalic())
        elif style == "strong":
            fmt.setFontWeight(QFont.Weight.Bold)
        elif style == "strike":
            fmt.setFontStrikeOut(True)
        elif style == "code":
            fmt.setFontFamilies(self.typo.mono_font().families())
            fmt.setFontFixedPitch(True)
            fmt.setBackground(QColor(self.theme.code_bg))
        elif style in ("footnote_ref", "footnote_back") and span.href:
            # A place inside this article: the reader follows it, nothing is opened.
            fmt.setAnchor(True)
            fmt.setAnchorHref(span.href)
            fmt.setProperty(HREF_PROPERTY, span.href)
            fmt.setForeground(QColor(self.theme.link))
            if style == "footnote_ref":
                fmt.setVerticalAlignment(QTextCharFormat.VerticalAlignment.AlignSuperScript)
        elif style == "link" and span.href:
            fmt.setAnchor(True)
            # Only openable addresses become anchors Qt knows about; others stay styled text.
            if is_openable(span.href):
                fmt.setAnchorHref(span.href)
            fmt.setProperty(HREF_PROPERTY, span.href)
            fmt.setForeground(QColor(self.theme.link))
            fmt.setFontUnderline(True)
        return fmt

    # --- lists and notes -----------------------------------------------------------------

    def _list_item(self, block: Block) -> None:
        depth = max(block.level, 1)
        del self.lists[depth:]
        self.lists += [None] * (depth - len(self.lists))
        fmt = self._base_format(block.text)
        fmt.setBottomMargin(self.em * 0.3)
        if block.checked is not None:
            marker = QTextBlockFormat.MarkerType
            fmt.setMarker(marker.Checked if block.checked else marker.Unchecked)
        char = self._char_format(block)
        self.after_list = False
        self._paragraph(fmt, char)
        self.after_list = True
        ordered = block.number is not None
        number = block.number if block.number is not None else 1
        current = self.lists[depth - 1]
        joins = current and current.ordered == ordered
        if joins and (not ordered or number == current.next_number):
            current.qlist.add(self.cursor.block())
            current.next_number += 1
        else:
            style = QTextListFormat.Style.ListDecimal if ordered else BULLETS[(depth - 1) % 3]
            qlist = self._new_list(style, depth, number)
            self.lists[depth - 1] = _OpenList(qlist, ordered, number + 1)
        self._spans(block.spans, char)

    def _new_list(self, style: QTextListFormat.Style, depth: int, start: int) -> QTextList:
        fmt = QTextListFormat()
        fmt.setStyle(style)
        fmt.setIndent(depth)
        if style == QTextListFormat.Style.ListDecimal:
            fmt.setStart(start)
        return self.cursor.createList(fmt)

    def _footnote(self, block: Block) -> None:
        """A note at the end: a numbered list item in a smaller face, set off from the text."""
        del self.lists[:]
        fmt = self._base_format(block.text)
        fmt.setBottomMargin(self.em * 0.3)
        fmt.setLineHeight(130, _PROPORTIONAL)
        number = block.number or 1
        first = self.notes is None
        if first:
            fmt.setTopMargin(self.em * 2.2)
        char = QTextCharFormat()
        char.setForeground(QColor(self.theme.ink))
        char.setFontPointSize(self.typo.point_size * 0.85)
        self._paragraph(fmt, char)
        if self.notes is not None and number == self.notes.next_number:
            self.notes.qlist.add(self.cursor.block())
            self.notes.next_number += 1
        else:
            qlist = self._new_list(QTextListFormat.Style.ListDecimal, 1, number)
            self.notes = _OpenList(qlist, True, number + 1)
        self._spans(block.spans, char)

    # --- code, tables, figures, rules ----------------------------------------------------

    def _code(self, block: Block) -> None:
        """A tinted frame holding one paragraph per line; every space is in the text itself."""
        char = QTextCharFormat()
        char.setForeground(QColor(self.theme.ink))
        char.setFont(self.typo.mono_font(), _SPECIFIED_ONLY)
        char.setFontFixedPitch(True)
        frame_format = QTextFrameFormat()
        frame_format.setBackground(QColor(self.theme.code_bg))
        frame_format.setPadding(self.em * 0.5)
        frame_format.setBorder(0)
        frame_format.setTopMargin(self.em * 0.2)
        frame_format.setBottomMargin(self.em * 0.9)
        frame_format.setLeftMargin(max(block.level, 0) * INDENT_PX)
        self.fresh = self.after_list = False  # the frame follows the paragraph before it
        frame = self.cursor.insertFrame(frame_format)
        fmt = QTextBlockFormat()
        fmt.setLineHeight(125, _PROPORTIONAL)
        for number, line in enumerate(block.text.split("\n")):
            if number:
                self.cursor.insertBlock(fmt, char)
            else:
                self.cursor.setBlockFormat(fmt)
                self.cursor.setBlockCharFormat(char)
            if line:
                self.cursor.insertText(line, char)
        self.cursor.setPosition(frame.lastPosition() + 1)
        self.fresh = True
        self.last_frame = frame

    def _table(self, block: Block) -> None:
        """The caption as a paragraph, then a QTextTable of the rows."""
        caption = QTextCharFormat()
        caption.setForeground(QColor(self.theme.muted))
        caption.setFontItalic(True)
        if block.spans:
            fmt = self._base_format("".join(s.text for s in block.spans))
            fmt.setBottomMargin(self.em * 0.3)
            fmt.setIndent(max(block.level, 0))
            self._paragraph(fmt, caption)
            self._spans(block.spans, caption)
        if not block.rows:
            return
        self.fresh = self.after_list = False  # the table follows the paragraph before it
        header_rows = 0
        while header_rows < len(block.rows) and block.rows[header_rows].header:
            header_rows += 1
        table = self.cursor.insertTable(
            len(block.rows), len(block.rows[0].cells), self._table_format(block, header_rows)
        )
        body = QTextCharFormat()
        body.setForeground(QColor(self.theme.ink))
        for r, row in enumerate(block.rows):
            for c, cell in enumerate(row.cells):
                table_cell = table.cellAt(r, c)
                if row.header:
                    shade = QTextTableCellFormat()
                    shade.setBackground(QColor(self.theme.code_bg))
                    table_cell.setFormat(shade)
                cursor = table_cell.firstCursorPosition()
                fmt = _direct(QTextBlockFormat(), cell.text)
                fmt.setLineHeight(115, _PROPORTIONAL)
                fmt.setAlignment(_ALIGN.get(cell.align, Qt.AlignmentFlag.AlignLeft))
                cursor.setBlockFormat(fmt)
                char = QTextCharFormat(body)
                if row.header:
                    char.setFontWeight(QFont.Weight.Bold)
                for span in cell.spans:
                    cursor.insertText(span.text, self._span_format(span, char))
        self.cursor.setPosition(table.lastPosition() + 1)
        self.fresh = True
        self.last_frame = table

    def _table_format(self, block: Block, header_rows: int) -> QTextTableFormat:
        fmt = QTextTableFormat()
        fmt.setBorderCollapse(True)
        fmt.setBorder(1)
        rule = QColor(self.theme.muted)
        rule.setAlpha(120)
        fmt.setBorderBrush(rule)
        fmt.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
        fmt.setCellSpacing(0)
        fmt.setCellPadding(self.em * 0.25)
        fmt.setTopMargin(self.em * 0.2)
        fmt.setBottomMargin(self.em * 0.9)
        fmt.setLeftMargin(max(block.level, 0) * INDENT_PX)
        fmt.setHeaderRowCount(header_rows)
        fmt.setWidth(QTextLength(QTextLength.Type.VariableLength, 0))
        return fmt

    def _figure(self, block: Block) -> None:
        """The object character the image (or its placeholder) is drawn on, centred, and
        the caption under it."""
        fmt = self._base_format()
        fmt.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        fmt.setTopMargin(self.em * 0.3)
        fmt.setBottomMargin(self.em * (0.3 if block.spans else 0.9))
        fmt.setLineHeight(100, _PROPORTIONAL)
        self._paragraph(fmt, QTextCharFormat())
        image = self.figures.add(block, self.cursor.position())
        self.cursor.insertText(OBJECT_CHAR, image)
        if block.spans:
            caption = QTextCharFormat()
            caption.setForeground(QColor(self.theme.muted))
            caption.setFontPointSize(self.typo.point_size * 0.88)
            fmt = self._base_format("".join(s.text for s in block.spans))
            fmt.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            self._paragraph(fmt, caption)
            self._spans(block.spans, caption)

    def _rule_format(self) -> QTextBlockFormat:
        fmt = QTextBlockFormat()
        fmt.setTopMargin(self.em * 0.4)
        fmt.setBottomMargin(self.em * 0.9)
        fmt.setProperty(
            QTextFormat.Property.BlockTrailingHorizontalRulerWidth,
            QTextLength(QTextLength.Type.PercentageLength, 100),
        )
        return fmt


_ALIGN = {
    "left": Qt.AlignmentFlag.AlignLeft,
    "center": Qt.AlignmentFlag.AlignHCenter,
    "right": Qt.AlignmentFlag.AlignRight,
}


def notes_separator(doc: QTextDocument, position: int) -> QLineF | None:
    """A short line above the notes that end an article (the first at Qt `position`), in
    document coordinates; None when there are none. Drawn by the reader, not a character."""
    block = doc.findBlock(position) if position >= 0 else None
    if block is None or not block.isValid() or block.layout().lineCount() == 0:
        return None
    rect = doc.documentLayout().blockBoundingRect(block)
    first = block.layout().lineAt(0)
    y = block.layout().position().y() + first.y() - first.height() * 0.55
    return QLineF(rect.left(), y, rect.left() + min(rect.width() * 0.3, 180.0), y)


def _heading_level(block: Block) -> int:
    return min(max(block.level or 2, 1), 6)


def is_openable(href: str) -> bool:
    """True for addresses the reader may hand to the system browser: http, https, mailto."""
    url = QUrl(href.strip(), QUrl.ParsingMode.StrictMode)
    return (
        url.isValid()
        and url.scheme().lower() in OPENABLE_SCHEMES
        and bool(url.path() or url.host())
    )
