"""Bytes to text: BOMs, UTF-8, UTF-16 without BOM, and a cp1252 fallback.

The rule for broken UTF-8: a file that holds valid multi-byte UTF-8 sequences
is UTF-8 with damage (decoded with U+FFFD and a warning naming the byte), never
cp1252 mojibake; a file with no valid multi-byte sequence and bytes above 0x7F
is an old single-byte file (cp1252, which is a superset of latin-1's printable
range), as in `bbc/sport/199.txt`'s `£`.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


class NotText(ValueError):
    """The bytes are not a text file (binary content)."""


@dataclass(slots=True)
class Decoded:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def decode_bytes(data: bytes) -> Decoded:
    """Decode a text file's bytes, saying which encoding was used and what was repaired."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode_utf8(data[3:], "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_utf16(data, "utf-16")
    utf16 = _sniff_utf16(data)
    if utf16:
        return _decode_utf16(data, utf16)
    _reject_binary(data)
    return _decode_utf8(data, "utf-8")


def _decode_utf8(data: bytes, name: str) -> Decoded:
    try:
        return _strip_nuls(Decoded(data.decode("utf-8"), name))
    except UnicodeDecodeError as error:
        if _UTF8_MULTIBYTE.search(data) or error.reason == "unexpected end of data":
            text = data.decode("utf-8", errors="replace")
            where = "at the end" if error.start >= len(data) - 3 else f"at byte {error.start}"
            warning = f"invalid UTF-8 {where}: damaged characters shown as \ufffd"
            return _strip_nuls(Decoded(text, name, [warning]))
    text = data.decode("cp1252", errors="replace")
    if "\ufffd" in text:  # cp1252 leaves five bytes undefined; latin-1 maps every byte
        text = data.decode("latin-1")
    return _strip_nuls(Decoded(text, "cp1252"))


def _decode_utf16(data: bytes, name: str) -> Decoded:
    text = data.decode(name, errors="replace")
    warnings = ["invalid UTF-16: damaged characters shown as \ufffd"] if "\ufffd" in text else []
    return _strip_nuls(Decoded(text.lstrip("\ufeff"), name, warnings))


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: text in Latin scripts has a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _reject_binary(data: bytes) -> None:
    sample = data[:8192]
    if not sample:
        return
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if controls > 0.05 * len(sample):
        raise NotText("not a text file (binary content)")


def _strip_nuls(decoded: Decoded) -> Decoded:
    if "\x00" in decoded.text:
        decoded.warnings.append(f"{decoded.text.count(chr(0))} NUL characters removed")
        decoded.text = decoded.text.replace("\x00", "")
    return decoded
