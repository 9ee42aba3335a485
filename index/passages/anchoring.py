"""W3C Web Annotation selectors over the reading text: make them, re-anchor them.

An annotation stores a TextPositionSelector (`start`, `end`, counted in Unicode
code points, i.e. Python `str` indices) and a TextQuoteSelector (`exact`, with
up to `CONTEXT_CHARS` characters of `prefix` and `suffix`). When an article is
re-imported, `reanchor` finds each passage in the new text, trying in order:

1. ``exact``: the quote still stands at the old position;
2. ``moved``: the exact quote elsewhere; among several, the one whose prefix and
   suffix agree best with the stored ones, then the nearest to the old position;
3. ``fuzzy``: an approximate match of quote (and context) whose quote similarity
   is at least `FUZZY_THRESHOLD`;
4. ``orphaned``: nothing trustworthy; the annotation is kept, without a place.

Attaching a highlight to unrelated words is worse than orphaning it, so short
quotes must also be in context, exactly or fuzzily: under `SHORT_QUOTE` (32)
characters the prefix/suffix similarity must reach `CONTEXT_THRESHOLD`, under
`MEDIUM_QUOTE` (64) `MEDIUM_CONTEXT_THRESHOLD`; "the report" alone says nothing
about where it was. Context similarity weighs the characters next to the
passage most (nested windows of 8, 16 and 32), so the same context a few
characters off does not count. An orphan's `similarity` is the best quote
similarity seen, even where the context ruled the place out.

Similarity is rapidfuzz's Indel similarity, 1 - (insertions + deletions) /
(len(a) + len(b)). rapidfuzz (C++) also finds approximate occurrences
(`fuzz.partial_ratio_alignment`, with probes of at most 64 characters for long
needles) and aligns a candidate with the stored quote and context
(`Indel.opcodes`) to place the new span's ends; a fuzzy span is widened so that
it never cuts a combining mark or a joined emoji.

Measured (`.venv/bin/python tests/benchmarks/anchor_threshold.py`: 1,000 passages
from the BBC corpus, seed 2024, 7,962 re-anchorings; positives are passages with
10-70 % of their words edited, half of them with a word of context changed too;
negatives are passages whose paragraph was deleted, or looked for in another
article):

- Best quote similarity found in unrelated text: median 0.46, p95 0.55, max 0.69
  for quotes of 64-127 characters; p95 0.49, max 0.53 from 128 up; p95 0.61 for
  32-63 (higher only for sentences the article repeats); p95 0.70, max 0.96 for
  16-31 and 1.00 under 16 (common words recur): hence the context rule.
- True edited passages: with 10 % of words edited p5 0.86 (32-63 characters),
  0.92 (64-127); with 30 %, p5 0.77 and 0.79.
- FUZZY_THRESHOLD 0.75 with the context rule: 2 of 2,000 negatives attached
  (0.10 %: one verbatim copy, one paraphrase of the deleted sentence elsewhere in
  the article); 0.12 % of edited passages placed elsewhere (all on sentences the
  article repeats); 70.6 % of all edited passages found (80 % at 10 % of words
  edited, 68 % at 50 %), 95.6 % of those still at least 0.75 similar. 0.70
  attaches no more negatives in this sample but sits at the 0.69 maximum of
  unrelated long quotes; 0.75 keeps a margin. Without the context rule 0.75
  would attach 93 of 2,000 negatives (4.65 %).
- CONTEXT_THRESHOLD 0.75 for quotes under 32 characters: 0 of 2,887 edited
  passages placed wrongly and 0 of 972 negatives attached (0.70: 6 and 1; 0.60:
  31 and 9), keeping 51 % of them placed (55 % at 0.70). MEDIUM_CONTEXT_THRESHOLD
  0.5 for 32-63: 2 of 364 negatives attached (5 at 0.3), 85.2 % placed (85.6 %).
- A second sample (`--seed 7`) agrees: at 0.75, 70.7 % found, 3 of 2,000
  negatives attached and 0.27 % placed elsewhere, every one on text the article
  repeats almost word for word (award lists, a recurring name, list dashes).
  That is the known limit: where an article repeats itself, selectors cannot
  tell the copies apart once the original passage has changed.
- Time per re-anchoring (2-core machine): 0.02 ms exact or moved on 50 KB,
  about 2 ms fuzzy or orphaned (0.2 and 9 ms on 1 MB); a 5,000-character quote
  10 ms (25 ms on 1 MB); a one-letter quote, found thousands of times, 13 ms.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

CONTEXT_CHARS = 32
FUZZY_THRESHOLD: float = 0.75
# A quote shorter than SHORT_QUOTE needs its context to agree this well; one
# shorter than MEDIUM_QUOTE needs MEDIUM_CONTEXT_THRESHOLD; a longer one stands alone.
CONTEXT_THRESHOLD: float = 0.75
MEDIUM_CONTEXT_THRESHOLD: float = 0.5
SHORT_QUOTE = 32
MEDIUM_QUOTE = 64

# Search bounds: the whole text when it is short; else a region around the old
# position plus windows around exact hits of pieces of the quote and context.
FULL_SCAN_CHARS = 262_144
SCAN_RADIUS = 131_072
SEED_CHARS = 12
MAX_SEED_HITS = 24
SCAN_CHUNK = 2048
PROBE_CHARS = 64
MAX_PROBES = 4
HEAD_CHARS = 64
MAX_EXACT = 4096
MAX_CANDIDATES = 8
SCORE_FLOOR = 0.45
POSITION_WEIGHT = 0.1
AT_POSITION_BONUS = 0.05


@dataclass(frozen=True, slots=True)
class Selector:
    """A passage of a reading text: its position and its quote with context."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


@dataclass(frozen=True, slots=True)
class AnchorResult:
    """Where a passage landed in a new text, and how sure we are.

    `status` is "exact", "moved", "fuzzy" or "orphaned"; `selector` is None only
    when orphaned; `similarity` is 1.0 for exact and moved, the quote similarity
    for fuzzy, and the best similarity seen (0.0 if none) for orphaned.
    """

    status: str
    selector: Selector | None
    similarity: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """One scored place for a passage in a new text (exposed for the benchmark)."""

    start: int
    end: int
    similarity: float  # quote similarity
    context: float  # prefix/suffix similarity at this place
    rank: float  # similarity and context, plus a little for nearness


def make_selector(text: str, start: int, end: int) -> Selector:
    """The selector of text[start:end], with up to CONTEXT_CHARS of context each side."""
    if not 0 <= start < end <= len(text):
        raise ValueError(f"span {start}:{end} is empty or outside a text of {len(text)}")
    return Selector(
        start,
        end,
        text[start:end],
        text[max(0, start - CONTEXT_CHARS) : start],
        text[end : end + CONTEXT_CHARS],
    )


def find_occurrences(text: str, quote: str) -> list[int]:
    """Start offsets of every exact occurrence of `quote`, overlapping ones included."""
    if not quote:
        raise ValueError("an empty quote occurs everywhere")
    found = []
    at = text.find(quote)
    while at >= 0:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def same_form(text: str, quote: str) -> str:
    """`quote` in the Unicode normalisation form `text` holds it in.

    Reading texts are NFC, but a quote may come typed on a keyboard, pasted from
    a file with decomposed accents ("e" + U+0301), or from another tool: it is
    looked for as NFC, unless only its decomposed form (a text imported before
    reading texts were NFC) or the form it came in occurs.
    """
    composed = unicodedata.normalize("NFC", quote)
    for form in dict.fromkeys((composed, quote, unicodedata.normalize("NFD", quote))):
        if form in text:
            return form
    return composed


def select_occurrence(text: str, quote: str, occurrence: int = 1) -> Selector | None:
    """The selector of the N-th (1-based) occurrence of `quote` (in any normalisation
    form), None when there is none."""
    if not quote:
        raise ValueError("an empty quote occurs everywhere")
    quote = same_form(text, quote)
    if occurrence < 1:
        raise ValueError(f"occurrence counts from 1, got {occurrence}")
    at = -1
    for _ in range(occurrence):
        at = text.find(quote, at + 1)
        if at < 0:
            return None
    return make_selector(text, at, at + len(quote))


@cache
def _rapidfuzz() -> Any:
    """rapidfuzz's `fuzz` and `Indel`, imported on the first re-anchoring: the library opens
    (before the window's first paint) without the 40 modules they load."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Indel

    return fuzz, Indel


def similarity(a: str, b: str) -> float:
    """Indel similarity in [0, 1]: 1 - (insertions + deletions) / (len(a) + len(b))."""
    return _rapidfuzz()[1].normalized_similarity(a, b)


def context_similarity(text: str, start: int, end: int, old: Selector) -> float:
    """How well the text around text[start:end] agrees with the old prefix and suffix.

    Each side is compared over nested windows (the nearest 8, 16 and 32
    characters, as far as the old side reaches), so characters next to the
    passage weigh most and the same context a few characters off scores low.
    Sides are weighted by their stored lengths; with no stored context it is 1.0.
    """
    lp, ls = len(old.prefix), len(old.suffix)
    if lp + ls == 0:
        return 1.0
    before = after = 0.0
    if lp:
        before = _mean(
            similarity(old.prefix[-k:], text[max(0, start - k) : start]) for k in _windows(lp)
        )
    if ls:
        after = _mean(similarity(old.suffix[:k], text[end : end + k]) for k in _windows(ls))
    return (lp * before + ls * after) / (lp + ls)


def _windows(length: int) -> list[int]:
    """Nested window sizes up to `length`: 8, 16, ... below it, then `length` itself."""
    sizes = [k for k in (8, 16) if k < length]
    return [*sizes, length]


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items)


def required_context(old: Selector) -> float:
    """The context agreement a place needs before it may take this quote.

    A short quote says little by itself ("the report" is everywhere), so the
    shorter the quote, the more its prefix and suffix must agree.
    """
    if len(old.exact) < SHORT_QUOTE:
        return CONTEXT_THRESHOLD
    if len(old.exact) < MEDIUM_QUOTE:
        return MEDIUM_CONTEXT_THRESHOLD
    return 0.0


def acceptable(candidate: Candidate, old: Selector, threshold: float = FUZZY_THRESHOLD) -> bool:
    """The rule a fuzzy candidate must pass: similar enough, and in context if short."""
    return candidate.similarity >= threshold and candidate.context >= required_context(old)


def reanchor(new_text: str, old: Selector) -> AnchorResult:
    """Find the passage `old` describes in `new_text` (see the module docstring).

    A selector in another normalisation form than the text (an annotation made
    on decomposed text, a W3C file from another tool) is compared in the text's.
    """
    if not old.exact:
        return AnchorResult("orphaned", None, 0.0)
    old = _in_form_of(new_text, old)
    placed = _exact_match(new_text, old)
    if placed is not None:
        status = "exact" if placed.start == old.start else "moved"
        return AnchorResult(status, make_selector(new_text, placed.start, placed.end), 1.0)
    candidates = fuzzy_candidates(new_text, old)
    for candidate in candidates:
        if acceptable(candidate, old):
            selector = make_selector(new_text, candidate.start, candidate.end)
            return AnchorResult("fuzzy", selector, candidate.similarity)
    best = max((c.similarity for c in candidates), default=0.0)
    return AnchorResult("orphaned", None, best)


def _in_form_of(text: str, old: Selector) -> Selector:
    """`old` with quote and context in the form `text` holds its quote in (see same_form)."""
    exact = same_form(text, old.exact)
    form: Literal["NFC", "NFD"]
    if exact != unicodedata.normalize("NFC", exact):
        form = "NFD"  # the text is decomposed (imported before reading texts were NFC)
    elif exact != old.exact or unicodedata.is_normalized("NFC", text):
        form = "NFC"
    else:
        return old
    prefix = unicodedata.normalize(form, old.prefix)
    suffix = unicodedata.normalize(form, old.suffix)
    if (exact, prefix, suffix) == (old.exact, old.prefix, old.suffix):
        return old
    return Selector(old.start, old.end, exact, prefix, suffix)


# --- exact occurrences --------------------------------------------------------


def _closeness(text: str, start: int, old: Selector) -> float:
    """1.0 at the old position, falling linearly to 0 over the text's length."""
    return 1.0 - min(1.0, abs(start - old.start) / max(len(text), 1))


def _exact_match(text: str, old: Selector) -> Candidate | None:
    """The best exact occurrence of the quote, or None when none is trustworthy."""
    starts = find_occurrences(text, old.exact)
    if not starts:
        return None
    if len(starts) > MAX_EXACT:
        # A very common quote: the nearest ones, and any with the whole context intact.
        whole = old.prefix + old.exact + old.suffix
        near = sorted(starts, key=lambda s: abs(s - old.start))[:MAX_EXACT]
        starts = sorted({*near, *(s + len(old.prefix) for s in find_occurrences(text, whole))})
    best: Candidate | None = None
    for start in starts:
        end = start + len(old.exact)
        if _cuts_cluster(text, end, old):
            continue
        context = context_similarity(text, start, end, old)
        rank = context + POSITION_WEIGHT * _closeness(text, start, old)
        if start == old.start:
            rank += AT_POSITION_BONUS
        if best is None or rank > best.rank:
            best = Candidate(start, end, 1.0, context, rank)
    if best is not None and best.context < required_context(old):
        return None
    return best


# --- fuzzy candidates ---------------------------------------------------------


def fuzzy_candidates(text: str, old: Selector) -> list[Candidate]:
    """Approximate places for the passage, best rank first, before any threshold.

    The needle is the quote with its stored context, so the context steers the
    search and absorbs the uncertainty at the quote's ends. A long needle is
    looked for by a few probes of PROBE_CHARS (rapidfuzz's fastest case), each
    hit proposing where the whole needle would start. Cost is bounded: a text
    longer than FULL_SCAN_CHARS is searched within SCAN_RADIUS of the old
    position and around exact hits of short pieces of the quote and context.
    """
    needle = old.prefix + old.exact + old.suffix
    if not text or not old.exact:
        return []
    slack = len(needle) // 4 + 8
    starts: dict[int, float] = {}
    for lo, hi in _search_regions(text, old, needle, slack):
        for offset, probe in _probes(needle):
            for at, score in _scan(text, probe, lo, hi):
                key = at - offset
                starts[key] = max(starts.get(key, 0.0), score)
    seen: set[tuple[int, int]] = set()
    out: list[Candidate] = []
    for start_hint in _best_starts(starts, slack):
        span = _place(text, old, start_hint, slack)
        if span is None or span in seen:
            continue
        seen.add(span)
        start, end = span
        quote_sim = similarity(old.exact, text[start:end])
        context = context_similarity(text, start, end, old)
        weight = 0.5 if required_context(old) else 0.25
        rank = quote_sim + weight * context + POSITION_WEIGHT * _closeness(text, start, old)
        out.append(Candidate(start, end, quote_sim, context, rank))
    out.sort(key=lambda c: -c.rank)
    return out[:MAX_CANDIDATES]


def _probes(needle: str) -> list[tuple[int, str]]:
    """The needle itself when short, else up to MAX_PROBES evenly spaced pieces of it."""
    if len(needle) <= PROBE_CHARS * 3 // 2:
        return [(0, needle)]
    count = min(MAX_PROBES, -(-len(needle) // PROBE_CHARS))
    room = len(needle) - PROBE_CHARS
    offsets = sorted({round(i * room / (count - 1)) for i in range(count)})
    return [(at, needle[at : at + PROBE_CHARS]) for at in offsets]


def _best_starts(starts: dict[int, float], slack: int) -> list[int]:
    """The best-scoring proposed needle starts, one per cluster of nearby proposals."""
    chosen: list[int] = []
    for at, _score in sorted(starts.items(), key=lambda item: -item[1]):
        if all(abs(at - other) > slack for other in chosen):
            chosen.append(at)
            if len(chosen) == MAX_CANDIDATES * 2:
                break
    return chosen


def _search_regions(text: str, old: Selector, needle: str, slack: int) -> list[tuple[int, int]]:
    """Stretches of `text` to scan: all of it when short, else bounded pieces."""
    if len(text) <= FULL_SCAN_CHARS:
        return [(0, len(text))]
    centre = min(old.start, len(text))
    regions = [(max(0, centre - SCAN_RADIUS), min(len(text), centre + SCAN_RADIUS))]
    quote_at, suffix_at = len(old.prefix), len(old.prefix) + len(old.exact)
    pieces = [
        (quote_at - SEED_CHARS, old.prefix[-SEED_CHARS:]),
        (quote_at, old.exact[:SEED_CHARS]),
        (suffix_at - SEED_CHARS, old.exact[-SEED_CHARS:]),
        (suffix_at, old.suffix[:SEED_CHARS]),
    ]
    for offset, piece in pieces:
        if len(piece) < SEED_CHARS:
            continue
        hits = find_occurrences(text, piece)
        hits.sort(key=lambda at: abs(at - centre))
        for at in hits[:MAX_SEED_HITS]:
            lo = at - offset - slack
            regions.append((max(0, lo), min(len(text), lo + len(needle) + 3 * slack)))
    return regions


def _scan(text: str, probe: str, lo: int, hi: int) -> list[tuple[int, float]]:
    """Start and score of the best alignment of `probe` in each overlapping chunk."""
    chunk = max(SCAN_CHUNK, 4 * len(probe))
    step = chunk - 2 * len(probe)
    cutoff = SCORE_FLOOR * 100
    fuzz = _rapidfuzz()[0]
    found = []
    at = lo
    while at < hi:
        stop = min(hi, at + chunk)
        hit = fuzz.partial_ratio_alignment(probe, text[at:stop], score_cutoff=cutoff)
        if hit is not None:
            found.append((at + hit.dest_start, hit.score / 100))
        if stop >= hi:
            break
        at += step
    return found


def _place(text: str, old: Selector, hint: int, slack: int) -> tuple[int, int] | None:
    """The quote's span near a proposed needle start, from local alignments.

    A needle of moderate length is aligned whole; for a long quote its head
    (prefix and first HEAD_CHARS) places the start and its tail (last
    HEAD_CHARS and suffix) the end, so the cost does not grow with the quote.
    """
    needle = old.prefix + old.exact + old.suffix
    first, last = len(old.prefix), len(old.prefix) + len(old.exact)
    if len(old.exact) <= 2 * HEAD_CHARS:
        found = _align(text, needle, hint - slack, hint + len(needle) + slack, first, last)
        if found is None:
            return None
        start, end = found
    else:
        head = needle[: first + HEAD_CHARS]
        found = _align(text, head, hint - slack, hint + len(head) + slack, first, None)
        if found is None:
            return None
        start = found[0]
        assert start is not None
        tail = needle[last - HEAD_CHARS :]
        expected = start + len(old.exact) - HEAD_CHARS
        room = len(old.exact) // 4 + 8
        found = _align(text, tail, expected - room, expected + len(tail) + room, None, HEAD_CHARS)
        if found is None:
            return None
        end = found[1]
    if start is None or end is None or end <= start:
        return None
    return _snap(text, start, end)


def _align(
    text: str, needle: str, lo: int, hi: int, first: int | None, last: int | None
) -> tuple[int | None, int | None] | None:
    """Where needle offsets `first` (a start) and `last` (an end) fall in text[lo:hi].

    rapidfuzz finds the best window for the needle; an Indel alignment with
    that window, a little widened, maps the two offsets into the text.
    """
    lo, hi = max(0, lo), min(len(text), hi)
    fuzz, indel = _rapidfuzz()
    hit = fuzz.partial_ratio_alignment(needle, text[lo:hi]) if lo < hi else None
    if hit is None:
        return None
    pad = len(needle) // 8 + 4
    wlo = max(0, lo + hit.dest_start - pad)
    whi = min(len(text), lo + hit.dest_end + pad)
    blocks = _blocks(indel.opcodes(needle, text[wlo:whi]))
    start = None if first is None else _map(blocks, first, at_end=False)
    end = None if last is None else _map(blocks, last, at_end=True)
    return (
        None if start is None else wlo + start,
        None if end is None else wlo + end,
    )


def _blocks(ops: Iterable[Any]) -> list[list[Any]]:
    """Alignment blocks [tag, src_start, src_end, dest_start, dest_end], where a deletion
    next to an insertion becomes one "replace" block (a substitution)."""
    blocks: list[list[Any]] = []
    for op in ops:
        row = [op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end]
        prev = blocks[-1] if blocks else None
        if prev and prev[0] != "equal" and op.tag != "equal":
            prev[0] = "replace"
            prev[2], prev[4] = op.src_end, op.dest_end
        else:
            blocks.append(row)
    return blocks


def _map(blocks: list[list[Any]], at: int, *, at_end: bool) -> int | None:
    """The window offset matching the needle boundary `at` (a quote start or end).

    Text inserted exactly at the boundary stays outside the quote; inside a
    substitution the boundary is placed proportionally.
    """
    for tag, s1, s2, d1, d2 in blocks:
        inside = s1 < at <= s2 if at_end else s1 <= at < s2
        if not inside:
            continue
        if tag == "equal":
            return d1 + (at - s1)
        if tag == "replace":
            return d1 + round((at - s1) * (d2 - d1) / (s2 - s1))
        return d1
    return None


def _joins(ch: str) -> bool:
    """A character that belongs with the one before it (combining mark, ZWJ, selector)."""
    return (
        unicodedata.combining(ch) != 0
        or ch in "\u200d\ufe0e\ufe0f"
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
    )


def _cuts_cluster(text: str, end: int, old: Selector) -> bool:
    """True when an exact hit ends inside a character cluster the old text did not have."""
    if end >= len(text) or old.suffix[:1] == text[end]:
        return False
    return _joins(text[end]) or text[end - 1] == "\u200d"


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span so that it neither starts nor ends inside a character cluster."""
    while start > 0 and _joins(text[start]):
        start -= 1
    while end < len(text) and (_joins(text[end]) or text[end - 1] == "\u200d"):
        end += 1
    return start, end
