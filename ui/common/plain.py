"""Article and user text shown as plain text, never interpreted as markup.

QLabel and tooltips guess rich text when a string looks like HTML; a title such
as `<img src=...>` must show as those characters. Labels get
`Qt.TextFormat.PlainText`; tooltips (which always guess) get escaped text in an
explicit rich-text wrapper.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def plain_tooltip(text: str) -> str:
    """A tooltip string that shows `text` literally (escaped inside a rich-text paragraph)."""
    if not text:
        return ""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that never interprets its text as rich text."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def one_line(text: str, limit: int = 120) -> str:
    """Text squeezed onto one line and cut at `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
