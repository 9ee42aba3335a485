"""Find in an article: every match of a phrase in the reading text, in code point offsets.

Matching runs on a folded copy of the text (case folded; accents removed when
asked) with a map back to the original offsets, so "peru" finds "Perú" and the
match still covers the original characters. Pure Python: no Qt here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def _fold_char(ch: str, accents: bool) -> str:
    folded = ch.casefold()
    if not accents:
        decomposed = unicodedata.normalize("NFD", folded)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        folded = unicodedata.normalize("NFC", stripped) if stripped else ""
    return folded


def fold(text: str, *, accents: bool = True) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, the offset it came from."""
    if text.isascii():  # the common case, a hundred times faster than the loop below
        return text.lower(), list(range(len(text)))
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = ch.casefold() if ch.isascii() else _fold_char(ch, accents)
        out.append(folded)
        origin.extend([i] * len(folded))
    return "".join(out), origin


class TextFinder:
    """Finds phrases in one text; the folding is done once per option set."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded: dict[bool, tuple[str, list[int]]] = {}

    def find_all(
        self, phrase: str, *, whole_words: bool = False, ignore_accents: bool = True
    ) -> list[tuple[int, int]]:
        """Every non-overlapping match of `phrase` (in any normalisation form: the text
        is NFC) as (start, end) code point offsets."""
        phrase = unicodedata.normalize("NFC", " ".join(phrase.split()))
        if not phrase:
            return []
        accents = not ignore_accents
        if accents not in self._folded:
            self._folded[accents] = fold(self.text, accents=accents)
        folded, origin = self._folded[accents]
        needle, _ = fold(phrase, accents=accents)
        if not needle:
            return []
        # Any run of whitespace in the phrase matches any run of whitespace in the text.
        pattern = r"\s+".join(re.escape(part) for part in needle.split(" "))
        if whole_words:
            pattern = r"(?<!\w)" + pattern + r"(?!\w)"
        matches = []
        for match in re.finditer(pattern, folded):
            if match.end() == match.start():
                continue
            start = origin[match.start()]
            end = origin[match.end() - 1] + 1
            matches.append((start, end))
        return matches
