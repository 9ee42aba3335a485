"""Counts in words for the messages the engine and the window write: "1 article",
"3 articles", "1 match", "2,225 copies". One place, so no message says "1 articles"."""

from __future__ import annotations

_SIBILANT = ("s", "x", "z", "ch", "sh")


def plural(noun: str) -> str:
    """The English plural of a regular noun (match → matches, copy → copies, file → files)."""
    if noun.endswith(_SIBILANT):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return noun[:-1] + "ies"
    return noun + "s"


def count_of(number: int, noun: str, plural_form: str | None = None) -> str:
    """`number` and the noun in the form that goes with it: "1 passage", "1,204 passages"."""
    word = noun if number == 1 else (plural_form or plural(noun))
    return f"{number:,} {word}"
