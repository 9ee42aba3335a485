"""A figure's image opened large: a click on a picture in the reader opens it here.

The picture is the one the reader already decoded (the library's copy), shown at
its natural size or smaller so that the window fits the screen, with the figure's
caption (or its alt text) under it as plain text. Esc, a click or Close shuts it.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QImage, QMouseEvent, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from index import Block
from ui.window.themes import Theme

SCREEN_SHARE = 0.9  # of the screen's free area the viewer may take
CHROME_PX = 110  # what the caption, the buttons and the margins take beside the picture


def fit_size(natural: QSize, room: QSize) -> QSize:
    """`natural` scaled down (never up) to fit in `room`, keeping its proportions."""
    if natural.width() <= room.width() and natural.height() <= room.height():
        return QSize(natural)
    return natural.scaled(room, Qt.AspectRatioMode.KeepAspectRatio)


class _Picture(QLabel):
    """The picture; a click on it closes the viewer."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.window().close()
        super().mouseReleaseEvent(event)


class ImageViewer(QDialog):
    """One image, large, fitted to the screen, with its caption."""

    def __init__(self, image: QImage, figure: Block, theme: Theme, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("imageViewer")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        caption = "".join(span.text for span in figure.spans) or figure.alt
        self.setWindowTitle(caption.splitlines()[0][:80] if caption else "Image")
        self.setStyleSheet(
            f"QDialog#imageViewer {{ background: {theme.paper}; }}"
            f" QLabel#imageCaption {{ color: {theme.ink}; }}"
        )
        screen = (parent.screen() or QGuiApplication.primaryScreen()).availableGeometry()
        room = QSize(
            int(screen.width() * SCREEN_SHARE) - 40,
            int(screen.height() * SCREEN_SHARE) - CHROME_PX,
        )
        ratio = max(self.devicePixelRatioF(), 1.0)
        natural = QSize(round(image.width() / ratio), round(image.height() / ratio))
        shown = fit_size(natural, room.expandedTo(QSize(64, 64)))
        pixmap = QPixmap.fromImage(
            image.scaled(
                shown * ratio,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        pixmap.setDevicePixelRatio(ratio)
        self.picture = _Picture(self)
        self.picture.setObjectName("imagePicture")
        self.picture.setPixmap(pixmap)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setToolTip("Click or press Esc to close")
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("imageCaption")
        self.caption.setTextFormat(Qt.TextFormat.PlainText)  # the article's words, never markup
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.caption.setVisible(bool(caption))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.caption)
        layout.addWidget(buttons)
        self.shown_size = shown
