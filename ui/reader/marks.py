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


class SelectionCache:
    """The extra selections already built, by what each one shows (its range, colour and
    state), for one document and theme: painting a new highlight builds its own selection
    only, not every passage's again. Each Qt call on the GUI thread may wait for the GIL
    while an import runs beside it, so fewer calls make the highlight appear sooner."""

    def __init__(self) -> None:
        self._built: dict[tuple[Any, ...], QTextEdit.ExtraSelection] = {}
        self._theme: Theme | None = None

    def reset(self) -> None:
        """Forget every selection: their cursors belong to a document being replaced."""
        self._built = {}

    def take(
        self, theme: Theme, wanted: list[tuple[Any, ...]], make: Callable[[tuple[Any, ...]], Any]
    ) -> list[QTextEdit.ExtraSelection]:
        """The selections for `wanted` keys, in order: kept ones reused, the others made by
        `make(key)`; selections no longer wanted are dropped (the cache holds what is shown)."""
        if theme is not self._theme:
            self._theme, self._built = theme, {}
        built, out = {}, []
        for key in wanted:
            sel = self._built.get(key)
            if sel is None:
                sel = make(key)
            built[key] = sel
            out.append(sel)
        self._built = built
        return out


def build_selections(
    annotations: list[Any],
    marks: list[tuple[int, int]],
    *,
    theme: Theme,
    active_id: str | None,
    mark_index: int,
    to_cursor: ToCursor,
    moved: tuple[str, int, int] | None = None,
    cache: SelectionCache | None = None,
) -> list[QTextEdit.ExtraSelection]:
    """Every passage (not orphaned; `moved` = (id, start, end) while one is dragged), then
    every mark on top. With a `cache`, only the selections not shown before are built."""
    wanted: list[tuple[Any, ...]] = []
    for ann in sorted(annotations, key=lambda a: (a.start, -a.end)):
        if ann.orphaned:
            continue
        start, end = ann.start, ann.end
        if moved and moved[0] == ann.id:
            start, end = moved[1], moved[2]
        # the id keeps two passages over the same words two selections, as before
        wanted.append(("passage", ann.id, start, end, ann.color, ann.id == active_id))
    first = 0
    if len(marks) > MAX_PAINTED_MARKS:
        first = min(max(mark_index - MAX_PAINTED_MARKS // 2, 0), len(marks) - MAX_PAINTED_MARKS)
    for index in range(first, min(first + MAX_PAINTED_MARKS, len(marks))):
        start, end = marks[index]
        wanted.append(("mark", index, start, end, index == mark_index))

    def make(key: tuple[Any, ...]) -> QTextEdit.ExtraSelection:
        if key[0] == "passage":
            _kind, _id, start, end, color, active = key
            fmt = highlight_format(color, theme, active=active)
        else:
            _kind, _index, start, end, current = key
            fmt = mark_format(theme, current=current)
        return selection(to_cursor(start, end), fmt)

    if cache is None:
        return [make(key) for key in wanted]
    return cache.take(theme, wanted, make)
