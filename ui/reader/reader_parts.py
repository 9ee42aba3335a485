"""The reader's companions: the article header (title and byline) and the selection popup.

The header sits on the reader's viewport above the text, in the space the
document's top margin leaves, and scrolls with it; it is not part of the
document, so the document's text stays exactly the article's reading text.
"""

from __future__ import annotations

import datetime
import functools
from pathlib import PurePath
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from ui.common.plain import plain_label
from ui.reader.document import SERIF_FAMILIES, paragraph_direction
from ui.window.themes import Theme


@functools.lru_cache(maxsize=4096)
def format_date(iso: str | None) -> str:
    """An ISO date as '13 January 2023' (or the text as given when it is not ISO).

    Kept for the dates seen last: the article list formats the dates of every row it paints.
    """
    if not iso:
        return ""
    try:
        day = datetime.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.day} {day.strftime('%B')} {day.year}"


def source_label(url: str | None, source_path: str | None) -> str:
    """Where an article came from, short: the web site's host, or the file's name."""
    if url:
        host = QUrl(url).host()
        if host:
            return host.removeprefix("www.")
    if source_path:
        return PurePath(source_path).name
    return ""


def byline_text(author: str | None, date: str | None, url: str | None, source: str | None) -> str:
    """Author, date and source on one line, separated by middle dots; empty parts left out."""
    parts = [author or "", format_date(date), source_label(url, source)]
    return "  ·  ".join(p for p in parts if p)


def hover_text(passage: Any, href: str) -> str:
    """What hovering shows: a passage's note and tags, and a link's address."""
    lines = []
    if passage is not None:
        if passage.note:
            lines.append(passage.note)
        if passage.tags:
            lines.append("Tags: " + ", ".join(passage.tags))
    if href:
        lines.append(href)
    return "\n".join(lines)


class ArticleHeader(QWidget):
    """Title and byline of the open article, drawn above its text."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("articleHeader")
        self.title = plain_label("", self)
        self.title.setObjectName("articleTitle")
        self.title.setWordWrap(True)
        self.byline = plain_label("", self)
        self.byline.setObjectName("articleByline")
        self.byline.setWordWrap(True)
        for label in (self.title, self.byline):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setCursor(Qt.CursorShape.IBeamCursor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.byline)
        self.rule = QFrame(self)
        self.rule.setFrameShape(QFrame.Shape.HLine)
        self.rule.setFixedHeight(1)
        layout.addSpacing(8)
        layout.addWidget(self.rule)

    def set_article(self, title: str, byline: str) -> None:
        """Show title and byline on the side the title's direction starts from (a Hebrew
        title and its byline against the right edge)."""
        rtl = paragraph_direction(title) == Qt.LayoutDirection.RightToLeft
        side = Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft
        for label, text in ((self.title, title), (self.byline, byline)):
            label.setText(text)
            # Absolute: a selectable label lays its text out in the text's own direction,
            # so a byline of Latin words would otherwise stay on the left.
            label.setAlignment(side | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignTop)
        self.byline.setVisible(bool(byline))

    def set_style(self, point_size: float, theme: Theme) -> None:
        """Serif title a step above the body size; muted byline; a hairline rule below."""
        font = QFont()
        font.setFamilies(SERIF_FAMILIES)
        font.setPointSizeF(point_size * 1.75)
        font.setWeight(QFont.Weight.Bold)
        self.title.setFont(font)
        small = QFont()
        small.setPointSizeF(max(point_size * 0.8, 8))
        self.byline.setFont(small)
        self.title.setStyleSheet(f"color: {theme.ink}; background: transparent;")
        self.byline.setStyleSheet(f"color: {theme.muted}; background: transparent;")
        self.rule.setStyleSheet(f"background: {theme.quote_rule}; border: none;")


class SelectionPopup(QFrame):
    """A small floating bar beside a selection: the highlight colours, note and tags."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("selectionPopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(4, 3, 4, 3)
        self._layout.setSpacing(2)
        self.buttons: list[QToolButton] = []
        self.hide()

    def set_actions(self, actions: list[QAction]) -> None:
        """One button per action: icon only when the action has an icon (the colour swatches)."""
        for button in self.buttons:
            button.deleteLater()
        self.buttons = []
        for action in actions:
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            if not action.icon().isNull():
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            else:
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self._layout.addWidget(button)
            self.buttons.append(button)
        self.adjustSize()
