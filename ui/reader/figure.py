"""A figure's image in the reader: the library's own copy, or a quiet placeholder.

The reading text holds one object character (U+FFFC) where a figure's image goes:
a QTextImageFormat naming a picture the document already holds (`addResource`),
so Qt never asks for it (the reader's loadResource answers nothing). The picture
is the library's copy of the image (the figure's `image`, a file in the library's
images folder, whose name the engine checks), decoded once with QImageReader
under an allocation limit and kept, then drawn at the column's width (smaller,
never larger than it is). A big picture (more than `DECODE_INLINE_PIXELS`) is decoded
on a worker thread (`Decoder`): until it arrives the reader shows a quiet frame of the
picture's own size, read from the file's header, so the text does not move when it lands.
A figure without a copy, or whose copy cannot be decoded, is a placeholder painted here:
a framed box with the image's alt text and its address, as plain text. Nothing else is
ever loaded: no file outside the library is opened and no connection made, whatever the
address says.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QPoint,
    QPointF,
    QRectF,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QImageIOHandler,
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
# Above this many pixels a picture is decoded on a worker (a 4000×3000 JPEG took 118 ms on
# the GUI thread); below it decoding costs a few milliseconds and is done at once.
DECODE_INLINE_PIXELS = 1_000_000
LOADING = "Loading image…"

ImageFile = Callable[[str], Path | None]
_decoded: OrderedDict[str, QImage | None] = OrderedDict()


def shown_address(src: str) -> str:
    """An image's address as the placeholder shows it (an image inside the page: its type)."""
    if src.lower().startswith("data:"):
        kind = src[5:].split(";", 1)[0].split(",", 1)[0] or "an image"
        return f"stored inside the page ({kind})"
    return src


def _reader(path: Path) -> QImageReader:
    QImageReader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    reader = QImageReader(str(path))
    reader.setDecideFormatFromContent(True)
    reader.setAutoTransform(True)
    return reader


def _decode(path: Path) -> QImage | None:
    """The picture in the file, or None when it cannot be decoded. Any thread."""
    decoded = _reader(path).read()
    return None if decoded.isNull() else decoded


def _keep(name: str, image: QImage | None) -> None:
    _decoded[name] = image  # a picture that cannot be decoded is not tried again
    while len(_decoded) > CACHE_IMAGES:
        _decoded.popitem(last=False)


def stored_image(name: str | None, image_file: ImageFile | None) -> QImage | None:
    """The library's copy named `name`, decoded once (by its content, under the allocation
    limit) and kept; None when there is none or it cannot be decoded. Decodes on this
    thread when it has to (a click on a picture still on its way)."""
    if not name or image_file is None:
        return None
    if name in _decoded:
        _decoded.move_to_end(name)
        return _decoded[name]
    path = image_file(name)
    if path is None or not path.is_file():
        return None  # not kept (a file gone missing may come back with a restore)
    image = _decode(path)
    _keep(name, image)
    return image


def header_size(path: Path) -> QSize | None:
    """The picture's size as it will be shown (turned by its orientation), read from the
    file's header without decoding it; None when the header does not say."""
    reader = _reader(path)
    size = reader.size()
    if not size.isValid() or size.isEmpty():
        return None
    if reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90:
        size = size.transposed()
    return size


class _Decoding(QRunnable):
    """One picture decoded on a pool thread; the answer goes through the decoder's signal
    (the decoder lives on the GUI thread, so its slot runs there)."""

    def __init__(self, name: str, path: Path, arrived: Signal) -> None:
        super().__init__()
        self.name, self.path, self.arrived = name, path, arrived

    def run(self) -> None:
        image = _decode(self.path)
        self.arrived.emit(self.name, image if image is not None else QImage())


class Decoder(QObject):
    """Decodes big pictures on its own pool thread, one at a time, and keeps them in the
    shared cache. Lives on the GUI thread, a child of the application.

    Signals:
        ready(str): the picture named `name` is decoded (or known to be undecodable).
    """

    ready = Signal(str)
    _arrived = Signal(str, QImage)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # one picture at a time: the reader's text comes first
        self._pending: set[str] = set()
        self._waiting: list[weakref.WeakMethod] = []
        self._arrived.connect(self._landed, Qt.ConnectionType.QueuedConnection)

    def request(self, name: str, path: Path) -> None:
        """Decode `name` from `path` unless it is already on its way."""
        if name in self._pending:
            return
        self._pending.add(name)
        self.pool.start(_Decoding(name, path, self._arrived))

    def decoding(self, name: str) -> bool:
        """Whether the picture named `name` is being decoded."""
        return name in self._pending

    def listen(self, method: Callable[[str], None]) -> None:
        """Call the bound `method` with each arriving name while its object lives."""
        self._waiting = [ref for ref in self._waiting if ref() is not None]
        self._waiting.append(weakref.WeakMethod(method))

    @Slot(str, QImage)
    def _landed(self, name: str, image: QImage) -> None:
        self._pending.discard(name)
        _keep(name, None if image.isNull() else image)
        for ref in list(self._waiting):
            method = ref()
            if method is not None:
                method(name)
        self.ready.emit(name)


def decoder() -> Decoder:
    """The application's one Decoder (made on first use, on the GUI thread)."""
    app = QCoreApplication.instance()
    found = app.findChild(Decoder, "glossImageDecoder") if app is not None else None
    if found is None:
        found = Decoder(app)
        found.setObjectName("glossImageDecoder")
    return found


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
        self._listening = False

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
                if block.image and decoder().decoding(block.image):
                    return None  # still on its way: never decoded again on this thread
                image = stored_image(block.image, self.image_file)
                return (image, block) if image is not None else None
        return None

    def _paint(self, name: QUrl, block: Block) -> None:
        picture = self._picture(block)
        self.doc.addResource(QTextDocument.ResourceType.ImageResource.value, name, picture)

    def _picture(self, block: Block) -> QImage:
        """The figure's picture at the column's width; a frame of its size while a big
        picture is decoded on the worker; the placeholder when there is no picture."""
        if block.image and self.image_file is not None and block.image not in _decoded:
            path = self.image_file(block.image)
            size = header_size(path) if path is not None and path.is_file() else None
            if size is not None and size.width() * size.height() > DECODE_INLINE_PIXELS:
                self._listen()
                decoder().request(block.image, path)
                return self._loading(size)
        image = stored_image(block.image, self.image_file)
        if image is not None:
            return fitted(image, self.width)
        label = BROKEN if block.image and self.image_file is not None else LABEL
        address = shown_address(block.src)
        return placeholder(block.alt, address, self.width, self.font, self.ink, self.muted, label)

    def _loading(self, size: QSize) -> QImage:
        """A quiet frame as large as the picture will be drawn, saying it is on its way."""
        shown = min(float(size.width()), self.width)
        height = max(shown * size.height() / size.width(), 1.0)
        return frame(shown, height, self.font, self.muted, LOADING)

    def _listen(self) -> None:
        if not self._listening:
            self._listening = True
            decoder().listen(self._arrived)

    def _arrived(self, image_name: str) -> None:
        """A picture decoded on the worker: draw it wherever this document shows it."""
        if not shiboken6.isValid(self.doc):
            return  # the article was closed meanwhile
        for name, position, block in self.slots:
            if block.image == image_name:
                self._paint(name, block)
                self.doc.markContentsDirty(position, 1)


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
    image, painter = _framed(width, height, muted)
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


def frame(width: float, height: float, font: QFont, muted: str, label: str) -> QImage:
    """A framed box `width` × `height` (logical pixels) with a quiet one-line label."""
    image, painter = _framed(width, height, muted)
    small = QFont(font)
    small.setPointSizeF(max(font.pointSizeF() * 0.8, 6.0))
    painter.setFont(small)
    painter.setPen(QColor(muted))
    painter.drawText(QRectF(0, 0, width, height), Qt.AlignmentFlag.AlignCenter, label)
    painter.end()
    return image


def _framed(width: float, height: float, muted: str) -> tuple[QImage, QPainter]:
    """A transparent image `width` × `height` (logical pixels, sharp on the densest screen)
    with a quiet dashed rounded frame, and the painter left open on it."""
    ratio = _pixel_ratio()
    image = QImage(
        max(1, int(width * ratio)), max(1, int(height * ratio)), QImage.Format.Format_ARGB32
    )
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    edge = QColor(muted)
    edge.setAlpha(120)
    painter.setPen(QPen(edge, 1.0, Qt.PenStyle.DashLine))
    painter.drawRoundedRect(QRectF(0.5, 0.5, width - 1, height - 1), 6, 6)
    return image, painter


def _pixel_ratio() -> float:
    """The densest screen's device pixel ratio, so that the placeholder stays sharp on it."""
    app = QGuiApplication.instance()
    return max(app.devicePixelRatio(), 1.0) if app is not None else 1.0
