"""Issue 13, finding 10: selected text is plainly a selection in every theme, over a highlight
too; the blue highlight is neither the selection's colour nor a selected list row's; the
current find match stands out from the others. Measured on the colours, then on the pixels
the reader really paints."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtGui import QColor, QTextCursor

from conftest import article_id
from ui.window.themes import THEMES, Theme

COLOURS = ("yellow", "green", "blue", "pink", "purple")


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    q = QColor(colour)
    r, g, b = (_linear(v) for v in (q.red(), q.green(), q.blue()))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def lab(colour: str) -> tuple[float, float, float]:
    q = QColor(colour)
    r, g, b = (_linear(v) for v in (q.red(), q.green(), q.blue()))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a: str, b: str) -> float:
    """CIE76 colour difference: about 2 is just noticeable, 20 and more reads as another colour."""
    return sum((p - q) ** 2 for p, q in zip(lab(a), lab(b), strict=True)) ** 0.5


@pytest.mark.parametrize("theme", THEMES.values(), ids=list(THEMES))
def test_the_selection_reads_as_a_selection_and_blue_is_its_own_colour(theme: Theme):
    assert delta_e(theme.selection, theme.paper) >= 40  # was 11 in the dark theme
    for colour in COLOURS:
        assert delta_e(theme.selection, theme.highlights[colour]) >= 30, colour
    assert delta_e(theme.selection, theme.accent) >= 20  # nor a selected list row
    assert delta_e(theme.highlights["blue"], theme.accent) >= 20  # was 9 in the dark theme
    assert contrast(theme.selection_ink, theme.selection) >= 4.5  # selected text readable


@pytest.mark.parametrize("theme", THEMES.values(), ids=list(THEMES))
def test_the_current_match_is_much_brighter_than_the_others(theme: Theme):
    assert contrast(theme.find_current, theme.find_match) >= 1.9  # was 1.57 in the dark theme
    ink = theme.find_current_ink or theme.ink
    assert contrast(ink, theme.find_current) >= 4.5


def _dominant(image, rect) -> str:
    """The most common colour inside `rect` of `image` (the background around the glyphs)."""
    seen: Counter[str] = Counter()
    for x in range(rect.left() + 1, rect.right()):
        for y in range(rect.top() + 2, rect.bottom() - 1):
            seen[QColor(image.pixel(x, y)).name()] += 1
    return seen.most_common(1)[0][0]


def _word_rect(reader, start: int, end: int):
    first = QTextCursor(reader.document())
    first.setPosition(reader.offsets.to_qt(start))
    last = QTextCursor(reader.document())
    last.setPosition(reader.offsets.to_qt(end))
    a, b = reader.cursorRect(first), reader.cursorRect(last)
    assert a.top() == b.top(), "the words must sit on one line"
    return a.united(b)


def test_the_reader_paints_a_selection_over_a_blue_highlight_as_a_selection(qtbot, window):
    lib = window.library
    aid = article_id(lib, "Notes on tidal")
    lib.annotate_quote(aid, "Tidal mills used the sea twice a day", color="blue")
    window.apply_theme("dark")
    window.open_article(aid)
    reader = window.reader
    text = reader.text
    mills = text.index("mills used")
    reader.select_range(mills, text.index("A pond"))  # over the end of the highlight and on
    qtbot.waitUntil(lambda: reader.textCursor().hasSelection())
    tidal = text.index("Tidal mills")
    image = reader.viewport().grab().toImage()
    theme = THEMES["dark"]
    unselected = _dominant(image, _word_rect(reader, tidal, tidal + 5))  # "Tidal"
    selected = _dominant(image, _word_rect(reader, mills, mills + 5))  # "mills", highlighted too
    assert delta_e(unselected, theme.highlights["blue"]) < 3
    assert delta_e(selected, theme.selection) < 3
    assert delta_e(selected, unselected) >= 30


def test_the_current_find_match_is_painted_brighter(qtbot, window):
    lib = window.library
    window.apply_theme("dark")
    window.open_article(article_id(lib, "Notes on tidal"))
    reader = window.reader
    window.find_bar.open_bar()
    window.find_bar.line.setText("mill")
    qtbot.waitUntil(lambda: len(reader.marks) >= 3)
    reader.scroll_to_offset(0)
    current = reader.marks[reader.mark_index]
    other = next(m for m in reader.marks if m != current)
    image = reader.viewport().grab().toImage()
    painted_current = _dominant(image, _word_rect(reader, *current))
    painted_other = _dominant(image, _word_rect(reader, *other))
    assert contrast(painted_current, painted_other) >= 1.9
