"""Passages carried across a re-read of the same original, by aligning its two texts.

When an article is read again from the original it was imported from (a newer
importer: index/store/reread.py), its words are the same but what stands between
them may not be: a table's ` | ` became a tab, code gained its indentation,
`~~` and `[^note]` became styles and markers. A short quote whose nearest
context changed that way would fail the re-import rules' context check although
its words are all there. So the old and new texts are aligned word by word
(rapidfuzz's Indel alignment of the `\\w+` words, in C++), and a passage goes to
where its first and last words went:

- the same characters there: "exact" (same offsets) or "moved";
- characters that differ only between the words (spacing, separators, markup
  taken out) and at least FUZZY_THRESHOLD similar: "fuzzy", for the user to accept;
- anything else, or words the alignment lost: the re-import rules decide.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from rapidfuzz.distance import Indel

from index.passages.anchoring import (
    FUZZY_THRESHOLD,
    AnchorResult,
    Selector,
    make_selector,
    similarity,
)

_WORD = re.compile(r"\w+")
# Beyond this many words on either side, the alignment is not worth its time (quadratic).
MAX_WORDS = 200_000


class Alignment:
    """Where each word of an old text went in a new one (the words both texts share)."""

    def __init__(self, old: str, new: str) -> None:
        self.new = new
        self._old = [m.span() for m in _WORD.finditer(old)]
        self._new = [m.span() for m in _WORD.finditer(new)]
        self._old_starts = [s for s, _ in self._old]
        self._old_ends = [e for _, e in self._old]
        self._to_new: dict[int, int] = {}
        if max(len(self._old), len(self._new)) > MAX_WORDS:
            return
        old_words = [old[s:e] for s, e in self._old]
        new_words = [new[s:e] for s, e in self._new]
        for op in Indel.opcodes(old_words, new_words):
            if op.tag == "equal":
                for k in range(op.src_end - op.src_start):
                    self._to_new[op.src_start + k] = op.dest_start + k

    def place(self, start: int, end: int) -> tuple[int, int] | None:
        """The new span of the old span [start, end), by its first and last words."""
        first = bisect_right(self._old_ends, start)  # the first word ending after start
        last = bisect_left(self._old_starts, end) - 1  # the last word starting before end
        if first > last or first not in self._to_new or last not in self._to_new:
            return None
        new_first, new_last = self._to_new[first], self._to_new[last]
        if new_first > new_last:
            return None
        (old_s, _), (_, old_e) = self._old[first], self._old[last]
        (new_s, _), (_, new_e) = self._new[new_first], self._new[new_last]
        new_start = new_s + (start - old_s)  # inside the word, or the same characters before it
        new_end = new_e + (end - old_e)
        lower = self._new[new_first - 1][1] if new_first else 0
        upper = self._new[new_last + 1][0] if new_last + 1 < len(self._new) else len(self.new)
        new_start = min(max(new_start, lower), new_s + max(start - old_s, 0))
        new_end = max(min(new_end, upper), new_e + min(end - old_e, 0))
        if not 0 <= new_start < new_end <= len(self.new):
            return None
        return new_start, new_end


def realign(alignment: Alignment, old: Selector) -> AnchorResult | None:
    """The passage's place in the re-read text by the alignment, or None to let the
    re-import rules decide (see the module's docstring)."""
    placed = alignment.place(old.start, old.end)
    if placed is None:
        return None
    start, end = placed
    text = alignment.new[start:end]
    if text == old.exact:
        status = "exact" if start == old.start else "moved"
        return AnchorResult(status, make_selector(alignment.new, start, end), 1.0)
    score = similarity(text, old.exact)
    if score >= FUZZY_THRESHOLD:
        return AnchorResult("fuzzy", make_selector(alignment.new, start, end), score)
    return None
