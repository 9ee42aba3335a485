"""The reader: one article's text, typeset for reading, with its highlights painted.

The document is built from blocks (ui/document.py), never from markup; links are
not followed by Qt (openLinks off, loadResource returns nothing) and only reach
the window as `link_clicked` on the user's click. Positions that leave this
widget are code point offsets of the reading text; Qt's UTF-16 positions stay
inside.

Signals:
    selection_made(bool): a selection of text exists (or no longer does).
    annotation_clicked(str): the user clicked (or right-clicked) a highlight.
    extent_dragged(str, int, int): the user dragged a highlight's end: id, start, end.
    link_clicked(str): the address of a link the user clicked.
    link_hovered(str): the address under the mouse ("" when it leaves).
    marks_changed(int, int): the current find/search mark and how many there are.
    marks_wrapped(int): F3 went past the last mark to the first (+1), or back past the
        first to the last (-1).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QMenu, QTextBrowser, QToolTip, QWidget

from index import footnote_places
from ui.common.plain import plain_tooltip
from ui.reader.document import (
    DEFAULT_POINT_SIZE,
    HREF_PROPERTY,
    MAX_POINT_SIZE,
    MIN_POINT_SIZE,
    OffsetMap,
    Typography,
    build_document,
    notes_separator,
    read_document,
)
from ui.reader.figure import ImageFile, figure_under
from ui.reader.image_viewer import ImageViewer
from ui.reader.marks import SelectionCache, build_selections
from ui.reader.reader_parts import (
    ArticleHeader,
    SelectionPopup,
    byline_text,
    format_date,
    hover_text,
)
from ui.window.themes import LIGHT, Theme

HEADER_TOP = 36  # space above the title
HEADER_GAP = 28  # space between the header and the first line
EDGE_GRAB_PX = 5  # how near a highlight's end the mouse must be to drag it
MIN_SIDE_MARGIN = 28


class ReaderView(QTextBrowser):
    """Shows one article; reports selections, clicks on highlights and links."""

    selection_made = Signal(bool)
    annotation_clicked = Signal(str)
    extent_dragged = Signal(str, int, int)
    link_clicked = Signal(str)
    link_hovered = Signal(str)
    marks_changed = Signal(int, int)
    marks_wrapped = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reader")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setUndoRedoEnabled(False)
        self.setAcceptDrops(False)
        self.setFrameShape(QTextBrowser.Shape.NoFrame)
        flags = Qt.TextInteractionFlag
        self.setTextInteractionFlags(
            flags.TextSelectableByMouse
            | flags.TextSelectableByKeyboard
            | flags.LinksAccessibleByMouse
            | flags.LinksAccessibleByKeyboard
        )
        self.viewport().setMouseTracking(True)
        self.article: Any = None
        self.text = ""
        self.offsets = OffsetMap("")
        self.places: dict[str, int] = {}  # footnote addresses -> offsets (#fn:N, #fnref:N)
        self._notes_at = -1  # the Qt position of the first note, for the line above the notes
        self._figures: Any = None  # the open article's figures (pictures or placeholders)
        self.image_file: ImageFile | None = None  # where the library keeps a figure's image
        self.point_size: float = DEFAULT_POINT_SIZE
        self.theme: Theme = LIGHT
        self.annotations: dict[str, Any] = {}
        self.active_id: str | None = None
        self.marks: list[tuple[int, int]] = []
        self.mark_index = -1
        self._selections = SelectionCache()  # what is painted, so a change builds only itself
        self.context_actions: list[QAction | None] = []
        self.read_only = False  # a read-only library: no selection popup, no edge dragging
        self.article_tags: list[str] = []
        self._top_offset = 0
        self._relayouting = False
        self._drag: tuple[str, str, int, int] | None = None  # id, which end, start, end
        self._press_pos: QPoint | None = None
        self._hovered_href = ""
        self.header = ArticleHeader(self.viewport())
        self.popup = SelectionPopup(self.viewport())
        self.anchorClicked.connect(self._on_anchor_clicked)
        self.selectionChanged.connect(self._on_selection_changed)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self._apply_style()

    # --- what Qt must never do ------------------------------------------------

    def loadResource(self, type: int, name: Any) -> Any:
        """Nothing is ever loaded into the reader: no images, no files, nothing remote."""
        return None

    def doSetSource(self, *args: Any, **kwargs: Any) -> None:
        """Following a link inside the reader is never allowed."""
        return None

    # --- the article ----------------------------------------------------------

    def set_article(self, article: Any) -> None:
        """Show `article` (anything with title, author, date, url, source_path, blocks)."""
        self.article = article
        self.article_tags = []
        self.text = article.reading_text if article is not None else ""
        self.offsets = OffsetMap("" if article is not None else self.text)  # _rebuild maps it
        self.places = footnote_places(article.blocks) if article is not None else {}
        self.annotations = {}
        self.active_id = None
        self.marks, self.mark_index = [], -1
        self.popup.hide()
        self._top_offset = 0
        self._rebuild()
        self.verticalScrollBar().setValue(0)
        self.marks_changed.emit(-1, 0)

    def set_article_tags(self, tags: list[str]) -> None:
        """The open article's whole-article tags, shown at the end of the byline."""
        self.article_tags = list(tags)
        if self.article is not None:
            self._set_header()
            self._layout_column()

    def _set_header(self) -> None:
        byline = byline_text(
            self.article.author,
            self.article.date,
            getattr(self.article, "url", None),
            getattr(self.article, "source_path", None),
        )
        saved = getattr(self.article, "saved_at", None)  # archives, exports, clippings
        if saved:
            shown = "saved\u00a0" + format_date(saved).replace(" ", "\u00a0")
            byline = f"{byline}  ·  {shown}" if byline else shown
        if getattr(self.article, "source_missing", False):
            byline = f"{byline}  ·  its file is gone" if byline else "its file is gone"
        if self.article_tags:
            tags = "Tags: " + ", ".join(self.article_tags)
            byline = f"{byline}  ·  {tags}" if byline else tags
        self.header.set_article(self.article.title or "Untitled", byline)

    def set_typography(self, point_size: float | None = None, theme: Theme | None = None) -> None:
        """Change the text size and/or theme, keeping the first visible line in view."""
        if point_size is not None:
            self.point_size = min(max(point_size, MIN_POINT_SIZE), MAX_POINT_SIZE)
        if theme is not None:
            self.theme = theme
        self._apply_style()
        keep = self._top_offset
        self._rebuild()
        if keep:
            self.scroll_to_offset(keep)
        else:  # Qt may have scrolled to keep the caret in a view not yet laid out
            self.verticalScrollBar().setValue(0)

    def typography(self) -> Typography:
        return Typography(self.point_size, self.theme)

    def _apply_style(self) -> None:
        self.setPalette(self.theme.reader_palette(self.palette()))
        self.viewport().setAutoFillBackground(True)
        self.header.set_style(self.point_size, self.theme)
        self.setStyleSheet(
            f"QTextBrowser#reader {{ background: {self.theme.paper}; color: {self.theme.ink};"
            f" selection-background-color: {self.theme.selection};"
            f" selection-color: {self.theme.selection_ink}; }}"
        )

    def _rebuild(self) -> None:
        doc = QTextDocument(self)
        typo = self.typography()
        if self.article is not None:
            self._figures = build_document(doc, self.article.blocks, typo, self.image_file)
            self._set_header()
        else:
            self._figures = None
            doc.setDefaultFont(typo.body_font())
        self.header.setVisible(self.article is not None)
        if self.article is not None:
            # Tables and code frames give Qt positions that stand for no character.
            self.offsets = read_document(doc)[1]
        notes = [at for href, at in self.places.items() if href.startswith("#fn:")]
        self._notes_at = self.offsets.to_qt(min(notes)) if notes else -1
        # The column's margins go on the document before the view lays it out: set after,
        # they made Qt lay out the whole article a second time.
        self._layout_column(doc)
        self._selections.reset()  # their cursors are in the document being replaced
        self.setDocument(doc)  # deletes the previous document: this widget was its parent
        self._paint_marks()

    # --- the column -------------------------------------------------------------

    def _layout_column(self, doc: QTextDocument | None = None) -> None:
        """Hold lines near MEASURE_CHARS characters by side margins (of `doc`, by default the
        one shown); place the header."""
        doc = doc if doc is not None else self.document()
        width = self.viewport().width()
        measure = self.typography().measure_px()
        side = max(MIN_SIDE_MARGIN, (width - measure) / 2)
        column = max(int(width - 2 * side), 100)
        header_h = 0
        if self.article is not None:
            header_h = self.header.heightForWidth(column)
            if header_h <= 0:
                header_h = self.header.sizeHint().height()
        top = HEADER_TOP + header_h + HEADER_GAP if self.article is not None else HEADER_TOP
        root = doc.rootFrame()
        fmt = root.frameFormat()
        wanted = (side, side, float(top), 64.0)
        have = (fmt.leftMargin(), fmt.rightMargin(), fmt.topMargin(), fmt.bottomMargin())
        if any(abs(a - b) > 0.5 for a, b in zip(wanted, have, strict=True)):
            fmt.setLeftMargin(side)
            fmt.setRightMargin(side)
            fmt.setTopMargin(top)
            fmt.setBottomMargin(64)
            root.setFrameFormat(fmt)
        self._header_geometry = (int(side), column, header_h)
        if self._figures is not None:
            self._figures.fit(column - 8)
        self._place_header()

    def _place_header(self) -> None:
        x, column, height = getattr(self, "_header_geometry", (0, 0, 0))
        y = HEADER_TOP - self.verticalScrollBar().value()
        self.header.setGeometry(x - self.horizontalScrollBar().value(), y, column, height)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        line = notes_separator(self.document(), self._notes_at)
        if line is not None:
            shift = QPointF(self.horizontalScrollBar().value(), self.verticalScrollBar().value())
            painter = QPainter(self.viewport())
            painter.setPen(QPen(QColor(self.theme.muted), 1.0))
            painter.drawLine(line.translated(-shift))
            painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        keep = self._top_offset
        self._relayouting = True
        try:
            super().resizeEvent(event)
            self._layout_column()
        finally:
            self._relayouting = False
        if keep:
            self.scroll_to_offset(keep)
        else:  # Qt may have scrolled to keep the caret in a view not yet laid out
            self.verticalScrollBar().setValue(0)

    def _on_scrolled(self, _value: int) -> None:
        self._place_header()
        # Only a settled, visible view says where the reader is (not one being laid out).
        if not self._relayouting and self.isVisible() and self.viewport().width() > 200:
            self._top_offset = self.first_visible_offset()

    # --- positions ----------------------------------------------------------------

    def first_visible_offset(self) -> int:
        """The code point offset of the first character at the top of the view."""
        if self.verticalScrollBar().value() == 0:
            return 0
        cursor = self.cursorForPosition(QPoint(self.viewport().width() // 2, 2))
        return self.offsets.to_cp(cursor.position())

    def scroll_to_offset(self, offset: int, *, context: int = 0) -> None:
        """Scroll so that the line holding `offset` is at the top (with `context` px above);
        offset 0 is the very top, title and byline included."""
        offset = min(max(offset, 0), self.offsets.length)
        if offset == 0:
            self.scroll_to_top()
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._qt(offset))
        if not self.textCursor().hasSelection():
            # The caret goes along, so Qt's own "keep the caret visible" never scrolls back.
            self.setTextCursor(cursor)
        rect = self.cursorRect(cursor)
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + rect.top() - context)
        # Kept even when the view cannot scroll yet (not shown): the next resize applies it.
        self._top_offset = offset

    def scroll_to_top(self) -> None:
        """The top of the article: its title and byline in view (they sit above the text)."""
        if not self.textCursor().hasSelection():
            self.setTextCursor(QTextCursor(self.document()))
        self.verticalScrollBar().setValue(0)
        self._top_offset = 0

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+Home goes to the very top: Qt's would stop at the first line of text, the
        title and byline scrolled out of view above it."""
        super().keyPressEvent(event)
        to_start = (
            QKeySequence.StandardKey.MoveToStartOfDocument,
            QKeySequence.StandardKey.SelectStartOfDocument,
        )
        if any(event.matches(key) for key in to_start):
            self.verticalScrollBar().setValue(0)

    def ensure_offset_visible(self, offset: int) -> None:
        """Scroll only if `offset` is out of view, then show it a third of the way down."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._qt(offset))
        rect = self.cursorRect(cursor)
        if rect.top() < 0 or rect.bottom() > self.viewport().height():
            self.scroll_to_offset(offset, context=self.viewport().height() // 3)

    def _qt(self, offset: int) -> int:
        limit = max(self.document().characterCount() - 1, 0)
        return min(self.offsets.to_qt(offset), limit)

    def selection_range(self) -> tuple[int, int] | None:
        """The selected text as (start, end) code point offsets, trimmed of spaces; or None."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        start = self.offsets.to_cp(cursor.selectionStart())
        end = self.offsets.to_cp(cursor.selectionEnd(), round_up=True)
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return (start, end) if start < end else None

    def select_range(self, start: int, end: int) -> None:
        """Select the text between two code point offsets (as a user would)."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._qt(start))
        cursor.setPosition(self._qt(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def clear_selection(self) -> None:
        cursor = self.textCursor()
        cursor.clearSelection()
        self.setTextCursor(cursor)

    def hit_offset(self, point: QPoint, *, exact: bool = True) -> int | None:
        """The code point offset under a viewport point, or None off the text (when exact)."""
        doc_point = point + QPoint(
            self.horizontalScrollBar().value(), self.verticalScrollBar().value()
        )
        accuracy = Qt.HitTestAccuracy.ExactHit if exact else Qt.HitTestAccuracy.FuzzyHit
        pos = self.document().documentLayout().hitTest(doc_point, accuracy)
        return None if pos < 0 else self.offsets.to_cp(pos)

    # --- highlights and marks -------------------------------------------------------

    def set_annotations(self, annotations: list[Any], active_id: str | None = None) -> None:
        """Paint these annotations (those not orphaned); `active_id` is drawn stronger."""
        self.annotations = {a.id: a for a in annotations}
        self.active_id = active_id if active_id in self.annotations else None
        self._paint_marks()

    def set_active(self, annotation_id: str | None) -> None:
        self.active_id = annotation_id if annotation_id in self.annotations else None
        self._paint_marks()

    def annotation_at(self, offset: int) -> str | None:
        """The shortest painted annotation covering `offset`, preferring the active one."""
        covering = [
            a for a in self.annotations.values() if not a.orphaned and a.start <= offset < a.end
        ]
        if not covering:
            return None
        ids = [a.id for a in covering]
        if self.active_id in ids:
            return self.active_id
        return min(covering, key=lambda a: a.end - a.start).id

    def set_marks(
        self, ranges: list[tuple[int, int]], current: int = 0, *, reveal: bool = True
    ) -> None:
        """Mark find or search matches; `current` (an index) is drawn stronger, and scrolled
        to unless `reveal` is false (marks that follow the query leave the reader where it is)."""
        self.marks = list(ranges)
        self.mark_index = min(current, len(self.marks) - 1) if self.marks else -1
        self._paint_marks()
        if self.mark_index >= 0 and reveal:
            self.ensure_offset_visible(self.marks[self.mark_index][0])
        self.marks_changed.emit(self.mark_index, len(self.marks))

    def step_mark(self, step: int) -> bool:
        """Move to the next (+1) or previous (-1) mark, wrapping around; True when it wrapped
        (then `marks_wrapped` says which way)."""
        if not self.marks:
            return False
        moved = self.mark_index + step
        wrapped = not 0 <= moved < len(self.marks)
        self.mark_index = moved % len(self.marks)
        self._paint_marks()
        self.ensure_offset_visible(self.marks[self.mark_index][0])
        self.marks_changed.emit(self.mark_index, len(self.marks))
        if wrapped:
            self.marks_wrapped.emit(1 if step > 0 else -1)
        return wrapped

    def _cursor(self, start: int, end: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._qt(start))
        cursor.setPosition(self._qt(end), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _paint_marks(self) -> None:
        moved = (self._drag[0], self._drag[2], self._drag[3]) if self._drag else None
        selections = build_selections(
            list(self.annotations.values()),
            self.marks,
            theme=self.theme,
            active_id=self.active_id,
            mark_index=self.mark_index,
            to_cursor=self._cursor,
            moved=moved,
            cache=self._selections,
        )
        self.setExtraSelections(selections)

    # --- the mouse ------------------------------------------------------------------

    def _edge_under(self, point: QPoint) -> tuple[str, str] | None:
        """(annotation id, "start" | "end") when `point` is on the end of a highlight."""
        offset = None if self.read_only else self.hit_offset(point, exact=False)
        if offset is None:
            return None
        order = sorted(self.annotations.values(), key=lambda a: a.id != self.active_id)
        for ann in order:
            if ann.orphaned:
                continue
            for which, edge in (("start", ann.start), ("end", ann.end)):
                if abs(edge - offset) > 1:
                    continue
                cursor = QTextCursor(self.document())
                cursor.setPosition(self._qt(edge))
                rect = self.cursorRect(cursor)
                near_x = abs(point.x() - rect.center().x()) <= EDGE_GRAB_PX
                if near_x and rect.top() - 2 <= point.y() <= rect.bottom() + 2:
                    return ann.id, which
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.popup.hide()
        point = event.position().toPoint()
        self._press_pos = point
        if event.button() == Qt.MouseButton.LeftButton:
            edge = self._edge_under(point)
            if edge is not None:
                ann = self.annotations[edge[0]]
                self._drag = (ann.id, edge[1], ann.start, ann.end)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        if self._drag is not None:
            self._drag_to(point)
            event.accept()
            return
        if event.buttons() == Qt.MouseButton.NoButton:
            shape = Qt.CursorShape.SizeHorCursor if self._edge_under(point) else None
            if shape is None and (self._href_at(point) or figure_under(self, self._figures, point)):
                shape = Qt.CursorShape.PointingHandCursor
            self.viewport().setCursor(shape or Qt.CursorShape.IBeamCursor)
            href = self._href_at(point)
            if href != self._hovered_href:  # only changes reach the status bar
                self._hovered_href = href
                self.link_hovered.emit(self.describe_href(href) if href else "")
        super().mouseMoveEvent(event)

    def _drag_to(self, point: QPoint) -> None:
        ann_id, which, start, end = self._drag
        offset = self.offsets.to_cp(self.cursorForPosition(point).position())
        if which == "start":
            start = min(offset, end - 1)
        else:
            end = max(offset, start + 1)
        self._drag = (ann_id, which, start, end)
        self._paint_marks()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        if self._drag is not None:
            ann_id, _, start, end = self._drag
            self._drag = None
            ann = self.annotations.get(ann_id)
            self._paint_marks()
            if ann is not None and (start, end) != (ann.start, ann.end):
                self.extent_dragged.emit(ann_id, start, end)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        clicked = self._press_pos is not None and (point - self._press_pos).manhattanLength() < 4
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.textCursor().hasSelection() and not clicked:
            self._show_popup()
        elif clicked and (found := figure_under(self, self._figures, point)) is not None:
            ImageViewer(found[0], found[1], self.theme, self).open()
        elif clicked:
            offset = self.hit_offset(point)
            ann_id = self.annotation_at(offset) if offset is not None else None
            if ann_id is not None:
                self.annotation_clicked.emit(ann_id)

    def _show_popup(self) -> None:
        if not self.popup.buttons or self.read_only:
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.textCursor().selectionEnd())
        rect = self.cursorRect(cursor)
        self.popup.adjustSize()
        size = self.popup.size()
        x = min(max(rect.left() - size.width() // 2, 4), self.viewport().width() - size.width() - 4)
        y = rect.bottom() + 8
        if y + size.height() > self.viewport().height():
            start = QTextCursor(self.document())
            start.setPosition(self.textCursor().selectionStart())
            y = self.cursorRect(start).top() - size.height() - 8
        self.popup.move(x, max(y, 4))
        self.popup.show()
        self.popup.raise_()

    def _on_selection_changed(self) -> None:
        has = self.textCursor().hasSelection()
        if not has:
            self.popup.hide()
        self.selection_made.emit(has)

    def _href_at(self, point: QPoint) -> str:
        offset = self.hit_offset(point)
        if offset is None:
            return ""
        cursor = QTextCursor(self.document())
        cursor.setPosition(min(self._qt(offset) + 1, self.document().characterCount() - 1))
        href = cursor.charFormat().property(HREF_PROPERTY)
        return href if isinstance(href, str) else ""

    def _on_anchor_clicked(self, url: Any) -> None:
        href = url.toString()
        if href.startswith("#"):
            self.follow_place(href)
        else:
            self.link_clicked.emit(href)

    def follow_place(self, href: str) -> bool:
        """Go to a place inside the article (a footnote, or back to its marker): the caret
        moves there and it is scrolled into view. False for an address not in it."""
        offset = self.places.get(href)
        if offset is None:
            return False
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._qt(offset))
        self.setTextCursor(cursor)
        self.scroll_to_offset(offset, context=self.viewport().height() // 3)
        return True

    def describe_href(self, href: str) -> str:
        """What hovering a link says: its address, or for a footnote marker the note."""
        if href.startswith("#fn:") and href in self.places:
            start = self.places[href]
            end = self.text.find("\n", start)
            note = self.text[start : end if end >= 0 else None].removesuffix(" ↩")
            return f"Note {href[4:]}: {note}"
        if href.startswith("#fnref:"):
            return "Back to the text"
        return href

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            self._show_tooltip(event)
            return True
        return super().viewportEvent(event)

    def _show_tooltip(self, event: Any) -> None:
        point = event.pos()
        href = self._href_at(point)
        offset = self.hit_offset(point)
        ann_id = self.annotation_at(offset) if offset is not None else None
        ann = self.annotations.get(ann_id) if ann_id is not None else None
        text = hover_text(ann, self.describe_href(href) if href else "")
        if text:
            QToolTip.showText(event.globalPos(), plain_tooltip(text), self.viewport())
        else:
            QToolTip.hideText()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if not self.textCursor().hasSelection():
            offset = self.hit_offset(event.pos())
            ann_id = self.annotation_at(offset) if offset is not None else None
            if ann_id is not None:
                self.annotation_clicked.emit(ann_id)
        menu = QMenu(self)
        for action in self.context_actions:
            if action is None:
                menu.addSeparator()
            elif action.isEnabled():
                menu.addAction(action)
        menu.exec(event.globalPos())
        menu.deleteLater()
