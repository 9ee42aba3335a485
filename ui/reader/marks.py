"""How highlights and find/search matches are drawn in the reader: as extra selections.

Extra selections paint over the text without changing the document, so the
reader's text (and its raw text) never changes when passages come and go.
Offsets here are code points; `to_cursor` turns a range into a QTextCursor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit

from ui.window.themes import Theme

ToCursor = Callable[[int, int], QTextCursor]
# Painting thousands of matches costs seconds; beyond this many, only those around the
# current one are drawn (the count still says how many there are).
MAX_PAINTED_MARKS = 1000


def highlight_format(color: str, theme: Theme, *, active: bool) -> QTextCharFormat:
    """A passage's look: its colour as background (deeper when it is the chosen one), or a
    coloured underline for "underline" passages."""
    fmt = QTextCharFormat()
    shade = theme.highlight(color)
    if color == "underline":
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
        fmt.setUnderlineColor(shade)
        if active:
            fmt.setBackground(QColor(theme.highlights["yellow"]))
        return fmt
    if active:
        shade = shade.lighter(115) if theme.dark else shade.darker(112)
    fmt.setBackground(shade)
    return fmt


def mark_format(theme: Theme, *, current: bool) -> QTextCharFormat:
    """A find or search match: its own colour and an underline, so that a match inside a
    yellow highlight still stands out."""
    fmt = QTextCharFormat()
    fmt.setBackground(QColor(theme.find_current if current else theme.find_match))
    if current and theme.find_current_ink:
        fmt.setForeground(QColor(theme.find_current_ink))
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
    fmt.setUnderlineColor(QColor(theme.find_rule))
    return fmt


def selection(cursor: QTextCursor, fmt: QTextCharFormat) -> QTextEdit.ExtraSelection:
    sel = QTextEdit.ExtraSelection()
    sel.cursor = cursor
    sel.format = fmt
    return sel


def build_selections(
    annotations: list[Any],
    marks: list[tuple[int, int]],
    *,
    theme: Theme,
    active_id: str | None,
    mark_index: int,
    to_cursor: ToCursor,
    moved: tuple[str, int, int] | None = None,
) -> list[QTextEdit.ExtraSelection]:
    """Every passage (not orphaned; `moved` = (id, start, end) while one is dragged), then
    every mark on top."""
    out = []
    for ann in sorted(annotations, key=lambda a: (a.start, -a.end)):
        if ann.orphaned:
            continue
        start, end = ann.start, ann.end
        if moved and moved[0] == ann.id:
            start, end = moved[1], moved[2]
        fmt = highlight_format(ann.color, theme, active=ann.id == active_id)
        out.append(selection(to_cursor(start, end), fmt))
    first = 0
    if len(marks) > MAX_PAINTED_MARKS:
        first = min(max(mark_index - MAX_PAINTED_MARKS // 2, 0), len(marks) - MAX_PAINTED_MARKS)
    for index in range(first, min(first + MAX_PAINTED_MARKS, len(marks))):
        start, end = marks[index]
        fmt = mark_format(theme, current=index == mark_index)
        out.append(selection(to_cursor(start, end), fmt))
    return out
