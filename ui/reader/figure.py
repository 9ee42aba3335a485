"""A figure's image in the reader: for now a quiet placeholder drawn in its place.

The reading text holds one object character (U+FFFC) where a figure's image goes:
a QTextImageFormat naming a picture the document already holds (`addResource`),
so Qt never asks for it. The picture is a placeholder painted here: a framed box
with the image's alt text and its address, as plain text. Nothing is ever
loaded: no file is opened and no connection made, whatever the address says (a
picture drawn from the library's own copy is later work, a figure's `image`).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPainter,
    QPen,
    QTextDocument,
    QTextImageFormat,
)

from index import Block

PADDING = 12.0
SCHEME = "gloss-figure"
LABEL = "Image not shown (the library keeps no copy of it)"


def shown_address(src: str) -> str:
    """An image's address as the placeholder shows it (an image inside the page: its type)."""
    if src.lower().startswith("data:"):
        kind = src[5:].split(";", 1)[0].split(",", 1)[0] or "an image"
        return f"stored inside the page ({kind})"
    return src


class Figures:
    """The placeholders of one document, painted again at the column's width when it changes
    (never wider than `widest`)."""

    def __init__(self, doc: QTextDocument, font: QFont, ink: str, muted: str, widest: float):
        self.doc = doc
        self.font = QFont(font)
        self.ink, self.muted = ink, muted
        self.widest = widest
        self.width = widest
        self.slots: list[tuple[QUrl, int, str, str]] = []  # name, Qt position, alt, address

    def add(self, block: Block, position: int) -> QTextImageFormat:
        """The image format of a figure's object character at Qt `position`, its placeholder
        painted and handed to the document, which then never asks for it."""
        name = QUrl(f"{SCHEME}:{len(self.slots) + 1}")
        address = shown_address(block.src)
        self.slots.append((name, position, block.alt, address))
        self._paint(name, block.alt, address)
        fmt = QTextImageFormat()
        fmt.setName(name.toString())
        return fmt

    def fit(self, column: float) -> None:
        """Paint the placeholders again for a column `column` wide, if their width changes."""
        width = max(min(self.widest, column), 120.0)
        if abs(width - self.width) < 1 or not self.slots:
            return
        self.width = width
        for name, position, alt, address in self.slots:
            self._paint(name, alt, address)
            self.doc.markContentsDirty(position, 1)

    def _paint(self, name: QUrl, alt: str, address: str) -> None:
        image = placeholder(alt, address, self.width, self.font, self.ink, self.muted)
        self.doc.addResource(QTextDocument.ResourceType.ImageResource.value, name, image)


def placeholder(alt: str, address: str, width: float, font: QFont, ink: str, muted: str) -> QImage:
    """A framed box `width` wide: a quiet label, the alt text (two lines at most), the address."""
    small = QFont(font)
    small.setPointSizeF(max(font.pointSizeF() * 0.8, 6.0))
    body, note = QFontMetricsF(font), QFontMetricsF(small)
    inner = width - 2 * PADDING
    alt_lines = 0 if not alt else (2 if body.horizontalAdvance(alt) > inner else 1)
    height = 2 * PADDING + note.lineSpacing() * (2 if address else 1)
    height += body.lineSpacing() * alt_lines + (4 if alt_lines else 0)
    ratio = _pixel_ratio()
    image = QImage(int(width * ratio), int(height * ratio), QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    frame = QColor(muted)
    frame.setAlpha(120)
    painter.setPen(QPen(frame, 1.0, Qt.PenStyle.DashLine))
    painter.drawRoundedRect(QRectF(0.5, 0.5, width - 1, height - 1), 6, 6)
    top = PADDING
    painter.setFont(small)
    painter.setPen(QColor(muted))
    painter.drawText(QRectF(PADDING, top, inner, note.lineSpacing()), LABEL)
    top += note.lineSpacing()
    if alt_lines:
        top += 4
        painter.setFont(font)
        painter.setPen(QColor(ink))
        shown = alt
        if body.horizontalAdvance(alt) > inner * 1.9:
            shown = body.elidedText(alt, Qt.TextElideMode.ElideRight, inner * 1.85)
        box = QRectF(PADDING, top, inner, body.lineSpacing() * alt_lines)
        painter.drawText(box, Qt.TextFlag.TextWordWrap, shown)
        top += body.lineSpacing() * alt_lines
    if address:
        painter.setFont(small)
        painter.setPen(QColor(muted))
        shown = note.elidedText(address, Qt.TextElideMode.ElideMiddle, inner)
        painter.drawText(QRectF(PADDING, top, inner, note.lineSpacing()), shown)
    painter.end()
    return image


def _pixel_ratio() -> float:
    """The densest screen's device pixel ratio, so that the placeholder stays sharp on it."""
    app = QGuiApplication.instance()
    return max(app.devicePixelRatio(), 1.0) if app is not None else 1.0
