"""Image bytes made in the tests (never binary fixture files): real PNGs of a chosen size,
and hostile ones: a PNG declaring 50,000 × 50,000 pixels, a JPEG cut short, a scripted SVG.
"""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png(width: int, height: int, rgb: tuple[int, int, int] = (200, 60, 40)) -> bytes:
    """A real RGB PNG of one colour, `width` × `height` pixels, with a darker band across
    its top quarter (so that a test can tell it is drawn the right way up)."""
    dark = bytes(max(c - 120, 0) for c in rgb)
    rows = []
    for y in range(height):
        colour = dark if y < height // 4 else bytes(rgb)
        rows.append(b"\x00" + colour * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


def bomb_png(side: int = 50_000) -> bytes:
    """A small PNG whose header declares `side` × `side` pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    row = b"\x00" + b"\x00" * 3 * 64
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * 64, 9))
        + _chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    """The start of a baseline JPEG (its markers and frame header), cut off mid-data."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, 24, 32, 3)
    frame += b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    scan = b"\xff\xda" + struct.pack(">HB", 12, 3) + b"\x01\x00\x02\x11\x03\x11\x00\x3f\x00"
    return b"\xff\xd8" + app0 + frame + scan + bytes(range(40))


SCRIPTED_SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"'
    b' xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="40">'
    b"<script>fetch('http://tracker.invalid/seen')</script>"
    b'<image xlink:href="http://tracker.invalid/pixel.png" width="40" height="40"/></svg>'
)
