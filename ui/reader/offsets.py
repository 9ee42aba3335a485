"""The reader's document as the engine reads it, and Qt <-> code point offsets.

The reading text is what `QTextDocument.toRawText()` holds, read this way:
U+2029 (Qt's paragraph separator) is a newline; U+FDD0 (the start of a frame, as
a code block is, or of a table's cell) is a newline, but a tab before a cell
that is not the first of its row; U+FDD1 (the end of a frame or table) is a
newline. Qt keeps an empty paragraph before a frame that opens the document,
between two frames and after a frame that ends it; the marks around those
stand for nothing in the reading text and are left out (unless that paragraph
is the article's own, a rule). The object character
U+FFFC a figure's image is drawn on is kept as it is.

Qt counts positions in UTF-16 units while the engine counts code points, and a
left-out frame mark is a Qt position with no code point: `OffsetMap` converts
at this boundary (an emoji is one code point, two units).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from PySide6.QtGui import QTextBlock, QTextDocument, QTextFormat, QTextTable

FRAME_START = "\ufdd0"
FRAME_END = "\ufdd1"
_FRAME_MARKS = re.compile("[\ufdd0\ufdd1]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # two UTF-16 units each


def _astral(text: str) -> list[int]:
    """The offsets of the characters outside the Basic Multilingual Plane."""
    return [match.start() for match in _ASTRAL.finditer(text)]


class OffsetMap:
    """Converts between code point offsets of a text and Qt's positions in its document.

    `dropped` lists the characters Qt has and the text lacks, each as
    (anchor, qt_position): `anchor` is the code point offset of the text's next
    character (len(text) + 1 for one after the end), `qt_position` where Qt holds it.
    """

    def __init__(self, text: str, dropped: list[tuple[int, int]] | None = None) -> None:
        self._astral = _astral(text)
        self._anchors = [anchor for anchor, _ in dropped or ()]
        self.length = len(text)
        lows = [self.to_qt(cp) + 1 for cp in self._astral]  # each low surrogate's position
        self._lows = set(lows)
        self._extras = sorted(lows + [qt for _, qt in dropped or ()])

    def to_qt(self, cp: int) -> int:
        """The Qt position of code point offset `cp`."""
        return cp + bisect_left(self._astral, cp) + bisect_right(self._anchors, cp)

    def to_cp(self, pos: int, *, round_up: bool = False) -> int:
        """The code point offset of Qt position `pos`; inside a surrogate pair, round down
        (or up, for the end of a range)."""
        cp = pos - bisect_left(self._extras, pos)
        if pos in self._lows and not round_up:
            cp -= 1
        return min(max(cp, 0), self.length)


def read_document(doc: QTextDocument) -> tuple[str, OffsetMap]:
    """The document's text as the engine counts it, and the map of its positions."""
    raw = doc.toRawText()
    if FRAME_START not in raw and FRAME_END not in raw:
        text = raw.replace("\u2029", "\n")
        return text, OffsetMap(text)
    columns = _cell_columns(doc)
    astral = _astral(raw)
    pieces: list[str] = []
    length = 0  # code points written so far
    dropped: list[tuple[int, int]] = []
    last = 0
    for match in _FRAME_MARKS.finditer(raw):
        index = match.start()
        piece = raw[last:index].replace("\u2029", "\n")
        pieces.append(piece)
        length += len(piece)
        last = index + 1
        qt = index + bisect_left(astral, index)
        if match.group() == FRAME_START:
            column = columns.get(qt, 0)
            before_empty = index == 0 or raw[index - 1] == FRAME_END
            if column == 0 and before_empty and not _is_rule(doc.findBlock(qt)):
                dropped.append((length, qt))  # the empty paragraph Qt keeps before a frame
                continue
            pieces.append("\t" if column else "\n")
        elif index == len(raw) - 1 and not _is_rule(doc.lastBlock()):
            dropped.append((length + 1, qt))  # a frame that ends the document
            continue
        else:
            pieces.append("\n")
        length += 1
    pieces.append(raw[last:].replace("\u2029", "\n"))
    text = "".join(pieces)
    return text, OffsetMap(text, dropped)


def raw_text(doc: QTextDocument) -> str:
    """The document's text as the engine counts it (see the module's docstring)."""
    return read_document(doc)[0]


def _is_rule(block: QTextBlock) -> bool:
    """An empty paragraph that is a block of the article (a rule), not one Qt keeps."""
    ruler = QTextFormat.Property.BlockTrailingHorizontalRulerWidth
    return block.isValid() and block.blockFormat().hasProperty(ruler)


def _cell_columns(doc: QTextDocument) -> dict[int, int]:
    """The column of the cell each U+FDD0 starts, by its Qt position, for every table."""
    columns: dict[int, int] = {}
    for frame in doc.rootFrame().childFrames():
        if not isinstance(frame, QTextTable):
            continue
        for row in range(frame.rows()):
            for column in range(frame.columns()):
                columns[frame.cellAt(row, column).firstPosition() - 1] = column
    return columns
