"""The application icon, drawn with QPainter at the sizes desktops ask for (no image file
to load: nothing is read from disk to show it)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPixmap

SIZES = (16, 24, 32, 48, 64, 128, 256)


def _draw(size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 64.0
    tile = QPainterPath()
    tile.addRoundedRect(QRectF(2 * s, 2 * s, 60 * s, 60 * s), 13 * s, 13 * s)
    p.fillPath(tile, QColor("#2f4f7f"))
    page = QPainterPath()
    page.addRoundedRect(QRectF(15 * s, 11 * s, 34 * s, 42 * s), 3 * s, 3 * s)
    p.fillPath(page, QColor("#fdfcf9"))
    ink = QColor("#5b6472")
    for n, width in enumerate((24, 20, 24, 14)):
        y = (19 + n * 8) * s
        if n == 1:
            p.fillRect(QRectF(19 * s, y - 3 * s, 26 * s, 7 * s), QColor("#f6d55c"))
        p.fillRect(QRectF(20 * s, y, width * s, max(1.5 * s, 1.0)), ink)
    p.end()
    return pixmap


def app_icon() -> QIcon:
    """Gloss's icon: a page with one highlighted line, on a deep blue tile."""
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(_draw(size))
    return icon
