"""Search results as a two-level model (articles, then the passages that matched in them)
and a delegate that draws snippets with their matched words in bold.

Snippets arrive as data (pieces of text with a match flag). The delegate builds
a small QTextDocument with QTextCursor, bold for matched pieces: the text is
never HTML, so a snippet holding `<b>` shows those characters.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTreeView

from ui.common.models import COLOR_ROLE, ID_ROLE, ITEM_ROLE
from ui.common.plain import one_line, plain_tooltip
from ui.reader.reader_parts import format_date
from ui.window.themes import LIGHT, Theme

ARTICLE_ROLE = Qt.ItemDataRole.UserRole + 20
Index = QModelIndex | QPersistentModelIndex


class ResultsModel(QAbstractItemModel):
    """Article hits at the top level; their annotation hits as children."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.hits: list[Any] = []

    def set_hits(self, hits: list[Any]) -> None:
        self.beginResetModel()
        try:
            self.hits = list(hits)
        finally:
            self.endResetModel()

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, 0, 0) if row < len(self.hits) else QModelIndex()
        if parent.internalId() != 0:
            return QModelIndex()
        hit = self.hits[parent.row()]
        if row >= len(hit.annotations):
            return QModelIndex()
        return self.createIndex(row, 0, parent.row() + 1)

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not child.isValid() or child.internalId() == 0:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.hits)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self.hits[parent.row()].annotations)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 1

    def item(self, index: Index) -> tuple[Any, Any]:
        """(article hit, annotation hit or None) for an index."""
        if index.internalId() == 0:
            return self.hits[index.row()], None
        hit = self.hits[index.internalId() - 1]
        return hit, hit.annotations[index.row()]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        hit, note = self.item(index)
        if role == Qt.ItemDataRole.DisplayRole:
            if note is None:
                return one_line(hit.title or "Untitled", 200)
            return one_line(note.quote, 200)
        if role == ARTICLE_ROLE:
            return hit.article_id
        if role == ID_ROLE:
            return note.annotation_id if note is not None else ""
        if role == COLOR_ROLE:
            return note.color if note is not None else None
        if role == ITEM_ROLE:
            return note if note is not None else hit
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(hit.title if note is None else note.quote)
        return None


def fragments_text(fragments: list[Any]) -> str:
    return "".join(f.text for f in fragments)


class ResultDelegate(QStyledItemDelegate):
    """Draws an article hit (title, byline, snippet) or a passage hit (colour, quote, note,
    tags) from a document built with QTextCursor."""

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self.view = view
        self.theme: Theme = LIGHT
        self.names: dict[str, str] = {}  # the colour legend (call clear_cache after a change)
        self._cache: dict[tuple, QTextDocument] = {}

    def clear_cache(self) -> None:
        self._cache.clear()

    def _width(self, index: QModelIndex) -> int:
        depth = 1 if index.parent().isValid() else 0
        return max(self.view.viewport().width() - 12 - depth * self.view.indentation(), 120)

    def _document(self, index: QModelIndex, width: int, font: QFont) -> QTextDocument:
        model = index.model()
        hit, note = model.item(index)
        key = (id(hit), id(note), width, font.pointSizeF(), self.theme.name)
        doc = self._cache.get(key)
        if doc is not None:
            return doc
        doc = QTextDocument()
        doc.setDefaultFont(font)
        doc.setDocumentMargin(6)
        cursor = QTextCursor(doc)
        plain = QTextCharFormat()
        muted = QTextCharFormat(plain)
        muted.setForeground(QColor(self.theme.muted))
        bold = QTextCharFormat(plain)
        bold.setFontWeight(QFont.Weight.Bold)
        if note is None:
            title = QTextCharFormat(bold)
            title.setFontPointSize(font.pointSizeF() * 1.08)
            cursor.insertText(one_line(hit.title or "Untitled", 300), title)
            byline = "  ·  ".join(p for p in (hit.author or "", format_date(hit.date)) if p)
            if byline:
                cursor.insertBlock()
                cursor.insertText(byline, muted)
            if hit.snippet:
                cursor.insertBlock()
                _insert_fragments(cursor, hit.snippet, plain, bold)
        else:
            if note.snippet and fragments_text(note.snippet).strip():
                _insert_fragments(cursor, note.snippet, plain, bold, quote=True)
            else:
                cursor.insertText("“" + one_line(note.quote, 300) + "”", plain)
            if note.note:
                cursor.insertBlock()
                cursor.insertText(one_line(note.note, 300), muted)
            meta = ("  ".join("#" + t for t in note.tags), self.names.get(note.color, ""))
            if any(meta):
                cursor.insertBlock()
                cursor.insertText("  ·  ".join(p for p in meta if p), muted)
        doc.setTextWidth(width)
        if len(self._cache) > 500:
            self._cache.clear()
        self._cache[key] = doc
        return doc

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        doc = self._document(index, self._width(index), option.font)
        return QSize(self._width(index), int(doc.size().height()) + 10)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else self.view.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        doc = self._document(index, self._width(index), option.font)
        painter.save()
        left = opt.rect.left()
        color = index.data(COLOR_ROLE)
        if color:
            painter.fillRect(
                left + 2, opt.rect.top() + 6, 4, opt.rect.height() - 12, self.theme.highlight(color)
            )
            left += 8
        painter.translate(left, opt.rect.top() + 2)
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, opt.palette.color(role))
        doc.documentLayout().draw(painter, context)
        painter.restore()


def _insert_fragments(
    cursor: QTextCursor,
    fragments: list[Any],
    plain: QTextCharFormat,
    bold: QTextCharFormat,
    *,
    quote: bool = False,
) -> None:
    if quote:
        cursor.insertText("“", plain)
    for fragment in fragments:
        text = " ".join(fragment.text.split("\n"))
        cursor.insertText(text, bold if fragment.match else plain)
    if quote:
        cursor.insertText("”", plain)
