"""Bytes to text: as the file says (a byte-order mark, then its declaration), then as it looks.

The order:

1. A byte-order mark (UTF-8, UTF-16) decides; so does UTF-16 without one, whose
   Latin text has a NUL in every other byte.
2. The encoding the file declares (`charsets.declared_encoding`: the XML
   declaration, an HTML `<meta>`, a front matter key). One exception: bytes that
   are valid UTF-8 with multi-byte characters are UTF-8 whatever they claim
   (a page re-saved as UTF-8 keeps its old `<meta>`; text in another encoding is
   almost never valid UTF-8 by chance), and the article says so.
3. Undeclared bytes that are valid UTF-8 are UTF-8 (ASCII included). Broken UTF-8
   stays UTF-8, with U+FFFD and a warning naming the byte, when it is mostly
   UTF-8 (cut at the end, or a few bad bytes among many good sequences).
4. Anything else is guessed (`charsets.guess_encoding`), and the article carries a
   one-line warning naming the guess: a page in windows-1251 or Shift_JIS is
   read in it, never shown as mojibake or as "invalid UTF-8".

The text is returned as the file holds it (not normalised): the store keeps it as
the original; the importers' blocks are NFC.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from index.importers.charsets import (
    codec_for,
    declared_encoding,
    display_name,
    guess_encoding,
    seven_bit_encoding,
)

_ASCII = bytes(range(128))
# Broken UTF-8 is read as UTF-8 when good multi-byte sequences outnumber bad bytes this
# much (a cut or a stray byte); text in a legacy encoding has far more bad than good.
UTF8_MAJORITY = 2
# A declared encoding is believed, damage and all, unless over one non-ASCII character
# in this many is a byte it cannot read: then the declaration is wrong, and a guess is made.
DECLARED_MAJORITY = 20


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
        return _decode_utf8(data[3:], "utf-8-sig", undeclared=False)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_utf16(data, "utf-16")
    utf16 = _sniff_utf16(data)
    if utf16:
        return _decode_utf16(data, utf16)
    _reject_binary(data)
    declaration = declared_encoding(data)
    if declaration is None:
        return _decode_utf8(data, "utf-8", undeclared=True)
    codec = codec_for(declaration.label)
    if codec is None:
        decoded = _decode_utf8(data, "utf-8", undeclared=True)
        decoded.warnings.insert(
            0, f"{declaration.where} names an unknown encoding “{declaration.label[:40]}”"
        )
        return decoded
    if _is_utf8(codec):
        return _decode_utf8(data, "utf-8", undeclared=False, declared=declaration.where)
    return _decode_declared(data, codec, declaration.where)


def _is_utf8(codec: str) -> bool:
    return codecs.lookup(codec).name == "utf-8"


def _decode_declared(data: bytes, codec: str, where: str) -> Decoded:
    """Bytes in the encoding the file names (unless they are plainly UTF-8)."""
    named = display_name(codec)
    good, bad = _utf8_counts(data)
    if good and not bad:
        warning = f"{where} says {named}, but the text is UTF-8: read as UTF-8"
        return _strip_nuls(Decoded(data.decode("utf-8"), "utf-8", [warning]))
    try:
        return _strip_nuls(Decoded(data.decode(codec), codec))
    except UnicodeDecodeError as error:
        first_bad = error.start
    text = data.decode(codec, errors="replace")
    damaged = text.count("\ufffd")
    characters = len(text) - (len(data) - len(data.translate(None, _ASCII)))
    guessed = guess_encoding(data) if damaged * DECLARED_MAJORITY > characters else None
    if guessed and not _is_utf8(guessed):
        try:
            guessed_text = data.decode(guessed)
        except UnicodeDecodeError:
            pass  # no better than the declared one: keep what the file says
        else:
            warning = (
                f"{where} says {named}, but the text is not: "
                f"read as {display_name(guessed)} (guessed from the bytes)"
            )
            return _strip_nuls(Decoded(guessed_text, guessed, [warning]))
    warning = f"invalid {named} at byte {first_bad}: damaged characters shown as \ufffd"
    return _strip_nuls(Decoded(text, codec, [warning]))


def _decode_utf8(
    data: bytes, name: str, *, undeclared: bool, declared: str | None = None
) -> Decoded:
    """UTF-8, broken UTF-8 with a warning, or (when it is not UTF-8 at all) a guess."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        first_bad, cut_at_end = error.start, error.reason == "unexpected end of data"
    else:
        seven_bit = seven_bit_encoding(data) if undeclared and "\x1b" in text else None
        if seven_bit is None:
            return _strip_nuls(Decoded(text, name))
        guess = f"read as {display_name(seven_bit)} (guessed from the bytes)"
        text = data.decode(seven_bit)
        return _strip_nuls(Decoded(text, seven_bit, [f"no encoding declared: {guess}"]))
    good, bad = _utf8_counts(data)
    if cut_at_end or good >= UTF8_MAJORITY * bad or not (undeclared or declared):
        text = data.decode("utf-8", errors="replace")
        where = "at the end" if first_bad >= len(data) - 3 else f"at byte {first_bad}"
        warning = f"invalid UTF-8 {where}: damaged characters shown as \ufffd"
        return _strip_nuls(Decoded(text, name, [warning]))
    codec = guess_encoding(data) or "cp1252"
    text, damage = _decode_guessed(data, codec)
    guess = f"read as {display_name(codec)} (guessed from the bytes){damage}"
    if declared:
        warning = f"{declared} says UTF-8, but the text is not: {guess}"
    else:
        warning = f"no encoding declared: {guess}"
    return _strip_nuls(Decoded(text, codec, [warning]))


def _decode_guessed(data: bytes, codec: str) -> tuple[str, str]:
    """The text in a guessed codec, and what to add to the warning when bytes were lost."""
    try:
        return data.decode(codec), ""
    except UnicodeDecodeError as error:
        first_bad = error.start
    if codec == "cp1252":  # five bytes cp1252 leaves undefined are C1 controls in latin-1
        return data.decode("latin-1"), ""
    text = data.decode(codec, errors="replace")
    return text, f"; bytes from {first_bad} on that it cannot read shown as \ufffd"


def _utf8_counts(data: bytes) -> tuple[int, int]:
    """(well-formed multi-byte UTF-8 characters, bad sequences), counted at C speed.

    Each bad sequence decodes to one U+FFFD (beyond those the file spells out);
    every other byte above 0x7F belongs to a good character.
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    ascii_bytes = len(data) - len(data.translate(None, _ASCII))
    return len(text) - ascii_bytes - bad, bad


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


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def _reject_binary(data: bytes) -> None:
    sample = data[:8192]
    if not sample:
        return
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))  # in C, not per byte
    if controls > 0.05 * len(sample):
        raise NotText("not a text file (binary content)")


def _strip_nuls(decoded: Decoded) -> Decoded:
    if "\x00" in decoded.text:
        decoded.warnings.append(f"{decoded.text.count(chr(0))} NUL characters removed")
        decoded.text = decoded.text.replace("\x00", "")
    return decoded
