"""A figure's image in the reader: the library's own copy, or a quiet placeholder.

The reading text holds one object character (U+FFFC) where a figure's image goes:
a QTextImageFormat naming a picture the document already holds (`addResource`),
so Qt never asks for it (the reader's loadResource answers nothing). The picture
is the library's copy of the image (the figure's `image`, a file in the library's
images folder, whose name the engine checks), decoded here once with QImageReader
under an allocation limit and kept, then drawn at the column's width (smaller,
never larger than it is). A figure without a copy, or whose copy cannot be
decoded, is a placeholder painted here: a framed box with the image's alt text
and its address, as plain text. Nothing else is ever loaded: no file outside the
library is opened and no connection made, whatever the address says.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QImageReader,
    QPainter,
    QPen,
    QTextCursor,
    QTextDocument,
    QTextImageFormat,
)
from PySide6.QtWidgets import QTextEdit

from index import Block

PADDING = 12.0
SCHEME = "gloss-figure"
LABEL = "Image not shown (the library keeps no copy of it)"
BROKEN = "Image not shown (the library's copy cannot be read)"
# What Qt may allocate to decode one image (MB): the engine already refused pictures that
# declare more than 50 million pixels; this stops any decoder that would go further.
ALLOCATION_LIMIT_MB = 256
CACHE_IMAGES = 24  # decoded images kept, most recently drawn last

ImageFile = Callable[[str], Path | None]
_decoded: OrderedDict[str, QImage | None] = OrderedDict()


def shown_address(src: str) -> str:
    """An image's address as the placeholder shows it (an image inside the page: its type)."""
    if src.lower().startswith("data:"):
        kind = src[5:].split(";", 1)[0].split(",", 1)[0] or "an image"
        return f"stored inside the page ({kind})"
    return src


def stored_image(name: str | None, image_file: ImageFile | None) -> QImage | None:
    """The library's copy named `name`, decoded once (by its content, under the allocation
    limit) and kept; None when there is none or it cannot be decoded."""
    if not name or image_file is None:
        return None
    if name in _decoded:
        _decoded.move_to_end(name)
        return _decoded[name]
    path = image_file(name)
    if path is None or not path.is_file():
        return None  # not kept (a file gone missing may come back with a restore)
    QImageReader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    reader = QImageReader(str(path))
    reader.setDecideFormatFromContent(True)
    reader.setAutoTransform(True)
    decoded = reader.read()
    image = None if decoded.isNull() else decoded
    _decoded[name] = image  # a picture that cannot be decoded is not tried again
    while len(_decoded) > CACHE_IMAGES:
        _decoded.popitem(last=False)
    return image


class Figures:
    """The images (or placeholders) of one document, painted again at the column's width
    when it changes (never wider than `widest`)."""

    def __init__(
        self,
        doc: QTextDocument,
        font: QFont,
        ink: str,
        muted: str,
        widest: float,
        image_file: ImageFile | None = None,
    ):
        self.doc = doc
        self.font = QFont(font)
        self.ink, self.muted = ink, muted
        self.widest = widest
        self.width = widest
        self.image_file = image_file
        # name, Qt position, the figure's block
        self.slots: list[tuple[QUrl, int, Block]] = []

    def add(self, block: Block, position: int) -> QTextImageFormat:
        """The image format of a figure's object character at Qt `position`, its picture
        painted and handed to the document, which then never asks for it."""
        name = QUrl(f"{SCHEME}:{len(self.slots) + 1}")
        self.slots.append((name, position, block))
        self._paint(name, block)
        fmt = QTextImageFormat()
        fmt.setName(name.toString())
        return fmt

    def fit(self, column: float) -> None:
        """Paint the pictures again for a column `column` wide, if their width changes."""
        width = max(min(self.widest, column), 120.0)
        if abs(width - self.width) < 1 or not self.slots:
            return
        self.width = width
        for name, position, block in self.slots:
            self._paint(name, block)
            self.doc.markContentsDirty(position, 1)

    def image_at(self, position: int) -> tuple[QImage, Block] | None:
        """The stored image drawn on the object character at Qt `position`, with its figure."""
        for _, at, block in self.slots:
            if at == position:
                image = stored_image(block.image, self.image_file)
                return (image, block) if image is not None else None
        return None

    def _paint(self, name: QUrl, block: Block) -> None:
        image = stored_image(block.image, self.image_file)
        if image is not None:
            picture = fitted(image, self.width)
        else:
            label = BROKEN if block.image and self.image_file is not None else LABEL
            address = shown_address(block.src)
            picture = placeholder(
                block.alt, address, self.width, self.font, self.ink, self.muted, label
            )
        self.doc.addResource(QTextDocument.ResourceType.ImageResource.value, name, picture)


def figure_under(
    view: QTextEdit, figures: Figures | None, point: QPoint
) -> tuple[QImage, Block] | None:
    """The stored image (and its figure) under a viewport point of `view`, if any."""
    if figures is None or not figures.slots:
        return None
    at = QPointF(point) + QPointF(view.horizontalScrollBar().value(), 0)
    at += QPointF(0, view.verticalScrollBar().value())
    layout = view.document().documentLayout()
    hit = layout.hitTest(at, Qt.HitTestAccuracy.ExactHit)
    for position in (hit, hit - 1):
        if position < 0:
            continue
        cursor = QTextCursor(view.document())
        cursor.setPosition(position)
        rect = view.cursorRect(cursor)
        found = figures.image_at(position)
        if found is not None and rect.top() <= point.y() <= rect.bottom():
            return found
    return None


def fitted(image: QImage, width: float) -> QImage:
    """`image` at most `width` logical pixels wide (never enlarged), sharp on the screen."""
    ratio = _pixel_ratio()
    natural = image.width() / max(image.devicePixelRatio(), 1.0)
    shown = min(natural, width)
    if abs(shown - natural) < 0.5 and abs(ratio - image.devicePixelRatio()) < 0.01:
        return image
    pixels = max(1, round(shown * ratio))
    scaled = image.scaledToWidth(pixels, Qt.TransformationMode.SmoothTransformation)
    scaled.setDevicePixelRatio(ratio)
    return scaled


def placeholder(
    alt: str, address: str, width: float, font: QFont, ink: str, muted: str, label: str = LABEL
) -> QImage:
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
    painter.drawText(QRectF(PADDING, top, inner, note.lineSpacing()), label)
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
