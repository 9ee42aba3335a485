"""Light, sepia and dark themes: window palette, reading colours, highlight colours.

A theme recolours highlights too, so that a yellow passage stays legible on a
dark page: on dark paper the highlight colours are deep tints and the text
keeps its light ink.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QColor, QPalette

from index import PALETTE

# The annotation colours of the engine (Library.PALETTE); "underline" is drawn as a line.
HIGHLIGHT_COLORS = PALETTE  # the engine's palette, in key order
# Colour keys 1–5 in this order.
KEY_COLORS = ("yellow", "green", "blue", "pink", "purple")


@dataclass(frozen=True)
class Theme:
    """Every colour the window and the reader use for one theme."""

    name: str
    label: str
    dark: bool
    paper: str  # the reading page
    ink: str  # the reading text
    muted: str  # byline, secondary text
    link: str
    code_bg: str
    quote_rule: str
    window: str  # window chrome
    panel: str  # lists, fields
    panel_alt: str
    chrome_ink: str
    accent: str  # selection in lists
    accent_ink: str
    find_match: str
    find_current: str
    find_rule: str = "#c2410c"  # the line under find and search matches
    highlights: dict[str, str] = field(default_factory=dict)
    # Selected text in the reader: opaque and unlike any highlight colour, the page and a
    # selected list row, so that a selection over a highlight is still plainly a selection.
    selection: str = "#2f6bbf"
    selection_ink: str = "#ffffff"
    find_current_ink: str = ""  # the current match's text colour ("" keeps the page's ink)

    def highlight(self, color: str) -> QColor:
        """The background colour for a highlight colour name (unknown names fall back)."""
        return QColor(self.highlights.get(color, self.highlights["yellow"]))

    def palette(self) -> QPalette:
        """A full QPalette for the window in this theme."""
        pal = QPalette()
        role = QPalette.ColorRole
        window, panel, ink = QColor(self.window), QColor(self.panel), QColor(self.chrome_ink)
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            pal.setColor(group, role.Window, window)
            pal.setColor(group, role.WindowText, ink)
            pal.setColor(group, role.Base, panel)
            pal.setColor(group, role.AlternateBase, QColor(self.panel_alt))
            pal.setColor(group, role.Text, ink)
            pal.setColor(group, role.Button, window)
            pal.setColor(group, role.ButtonText, ink)
            pal.setColor(group, role.ToolTipBase, panel)
            pal.setColor(group, role.ToolTipText, ink)
            pal.setColor(group, role.PlaceholderText, QColor(self.muted))
            pal.setColor(group, role.Highlight, QColor(self.accent))
            pal.setColor(group, role.HighlightedText, QColor(self.accent_ink))
            pal.setColor(group, role.Link, QColor(self.link))
            pal.setColor(group, role.BrightText, QColor("#ffffff"))
            pal.setColor(group, role.Light, window.lighter(130))
            pal.setColor(group, role.Midlight, window.lighter(112))
            pal.setColor(group, role.Mid, window.darker(125))
            pal.setColor(group, role.Dark, window.darker(160))
            pal.setColor(group, role.Shadow, QColor("#000000"))
        disabled = QColor(self.muted)
        for r in (role.WindowText, role.Text, role.ButtonText):
            pal.setColor(QPalette.ColorGroup.Disabled, r, disabled)
        pal.setColor(QPalette.ColorGroup.Disabled, role.Window, window)
        pal.setColor(QPalette.ColorGroup.Disabled, role.Base, window)
        pal.setColor(QPalette.ColorGroup.Disabled, role.Button, window)
        return pal

    def reader_palette(self, base: QPalette) -> QPalette:
        """The reader's palette: the page colours on top of the window palette."""
        pal = QPalette(base)
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            pal.setColor(group, QPalette.ColorRole.Base, QColor(self.paper))
            pal.setColor(group, QPalette.ColorRole.Text, QColor(self.ink))
            pal.setColor(group, QPalette.ColorRole.Window, QColor(self.paper))
            pal.setColor(group, QPalette.ColorRole.WindowText, QColor(self.ink))
        return pal


LIGHT = Theme(
    name="light",
    label="Light",
    dark=False,
    paper="#fdfcf9",
    ink="#1f1e1c",
    muted="#6d6a64",
    link="#1c5aa6",
    code_bg="#f0eee9",
    quote_rule="#c9c4ba",
    window="#efeeeb",
    panel="#fbfaf8",
    panel_alt="#f4f3f0",
    chrome_ink="#222120",
    accent="#dcd6c8",
    accent_ink="#1f1e1c",
    find_match="#ffe0bd",
    find_current="#ec7a1c",
    highlights={
        "yellow": "#fdeb8f",
        "green": "#c8edbd",
        "blue": "#c6defb",
        "pink": "#fbcfe0",
        "purple": "#e0d2fa",
        "underline": "#d9480f",
    },
    selection="#2f6bbf",
    selection_ink="#ffffff",
)

SEPIA = Theme(
    name="sepia",
    label="Sepia",
    dark=False,
    paper="#f5ecd9",
    ink="#3a2e1f",
    muted="#7c6b55",
    link="#8b4a0c",
    code_bg="#ebdfc6",
    quote_rule="#c9b48f",
    window="#ebe3d2",
    panel="#f8f2e6",
    panel_alt="#f1e8d6",
    chrome_ink="#33291c",
    accent="#e2cc9f",
    accent_ink="#33291c",
    find_match="#f4cfae",
    find_current="#e0782c",
    highlights={
        "yellow": "#f1d77a",
        "green": "#cbdcab",
        "blue": "#c3d5e3",
        "pink": "#edc2c0",
        "purple": "#d8c6e0",
        "underline": "#b5400c",
    },
    selection="#7d4f24",
    selection_ink="#fff8ec",
    find_current_ink="#1a1208",
)

DARK = Theme(
    name="dark",
    label="Dark",
    dark=True,
    paper="#1d1e21",
    ink="#dcd9d2",
    muted="#9a978f",
    link="#8ab8f2",
    code_bg="#2a2b2f",
    quote_rule="#4a4b50",
    window="#26272b",
    panel="#1f2023",
    panel_alt="#242529",
    chrome_ink="#dedcd6",
    accent="#4a4e57",
    accent_ink="#f2f1ee",
    find_match="#5c3414",
    find_current="#f2a33a",
    highlights={
        "yellow": "#5e5118",
        "green": "#27502f",
        "blue": "#1f4e8a",
        "pink": "#5f2b42",
        "purple": "#48326d",
        "underline": "#ff8a4c",
    },
    selection="#d8d3c6",
    selection_ink="#141518",
    find_current_ink="#1b1408",
)

THEMES: dict[str, Theme] = {t.name: t for t in (LIGHT, SEPIA, DARK)}


def theme_named(name: str | None) -> Theme:
    """The theme with this name, or the light theme for an unknown name."""
    return THEMES.get(name or "", LIGHT)
