"""A searcher's segments seen as one: index-wide postings, lengths, deletions and dates.

The scorer (scorer.py) used to walk a query's tree once per segment: a phrase over the
four default fields in an index of ten segments (one big, the rest small commits of
passages) was forty evaluations, most of them on segments that hold none of its words,
each paying the same Python dispatch. Here each term's postings in every segment are
joined into one array of index-wide document numbers (each segment's shifted by its
offset), so a query's tree is evaluated once. The decoded postings of each segment stay
in the index's cache (postings.py); joining them is one `concatenate` per term and query.

Positions stay in each segment's file: `JoinedPostings.parts` says which rows came from
which segment, and `places` gathers each segment's share. Lengths, live documents and
dates are joined once per searcher (a searcher sees one unchanging generation).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

from index.search.codec import TermPostings
from index.search.postings import places as segment_places

if TYPE_CHECKING:
    from index.search.engine import SearchIndex

JOINED_LIMIT_BYTES = 4 * 2**20  # joined copies kept per searcher (the ×80 browsing RSS is tight)


class JoinedPostings:
    """One term's postings over every segment: ascending index-wide `ids`, their `weights`,
    and `parts` (first row, segment offset, segment reader, the segment's postings)."""

    __slots__ = ("_count", "_ids", "_weights", "firsts", "parts", "stride")

    def __init__(self, parts: list[tuple[int, int, Any, TermPostings]]) -> None:
        self.parts = parts
        self.firsts = [first for first, _, _, _ in parts]  # each part's first row
        self.stride = parts[0][3].stride
        self._weights: np.ndarray | None = None
        self._count = parts[-1][0] + len(parts[-1][3])
        self._ids: np.ndarray | None = None
        if len(parts) == 1 and parts[0][1] == 0:  # the first segment alone: no copy
            self._ids = parts[0][3].ids

    @property
    def ids(self) -> np.ndarray:
        """Every posting's index-wide document number, ascending (joined on first use: a
        phrase finds its commonest words' rows without it, see `locate`)."""
        if self._ids is None:
            self._ids = np.empty(self._count, np.int64)
            for first, offset, _, p in self.parts:
                np.add(p.ids, offset, out=self._ids[first : first + len(p)])
        return self._ids

    def locate(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of the ascending index-wide `docs` the term holds (a mask), and the rows
        of those it holds: each segment's share looked up in the segment's own ids, so
        that a common word's postings need not be joined (a copy of them all, for a few
        rows)."""
        if self._ids is not None or len(self.parts) == 1:
            ids = self.ids
            rows = np.searchsorted(ids, docs)
            held = rows < len(ids)
            held[held] = ids[rows[held]] == docs[held]
            return held, rows[held]
        held = np.zeros(len(docs), dtype=bool)
        rows = np.empty(len(docs), np.int64)
        cuts = [*np.searchsorted(docs, [offset for _, offset, _, _ in self.parts]).tolist()]
        cuts.append(len(docs))
        for (first, offset, _, p), lo, hi in zip(self.parts, cuts, cuts[1:], strict=False):
            if lo == hi:
                continue
            local = docs[lo:hi] - offset  # docs of a later segment that holds none: not found
            found = np.searchsorted(p.ids, local)
            inside = found < len(p.ids)
            inside[inside] = p.ids[found[inside]] == local[inside]
            held[lo:hi] = inside
            rows[lo:hi] = found + first
        return held, rows[held]

    @property
    def weights(self) -> np.ndarray:
        """Each posting's weight (made on first use: a phrase needs few of them)."""
        if self._weights is None:
            if len(self.parts) == 1:
                self._weights = self.parts[0][3].weights
            else:
                self._weights = np.concatenate([p.weights for _, _, _, p in self.parts])
        return self._weights

    def weights_at(self, rows: np.ndarray) -> np.ndarray:
        """The weights of the postings at `rows` (ascending), without joining them all."""
        if self._weights is not None:
            return self._weights[rows]
        if len(self.parts) == 1:
            return self.parts[0][3].weights_at(rows)
        out = np.empty(len(rows), np.float64)
        cuts = [*np.searchsorted(rows, self.firsts).tolist(), len(rows)]
        for (first, _, _, p), lo, hi in zip(self.parts, cuts, cuts[1:], strict=False):
            if lo < hi:
                out[lo:hi] = p.weights_at(rows[lo:hi] - first)
        return out

    def __len__(self) -> int:
        return self._count


def places(
    fieldname: str,
    text: str,
    postings: JoinedPostings,
    rows: np.ndarray,
    positions_only: bool = False,
):
    """(row of each place, places as an (n, stride) int array) of the joined postings at
    `rows` (ascending): each segment's share read from its own file. With
    `positions_only`, the places' positions alone, an (n,) array."""
    only = positions_only
    if len(postings.parts) == 1:
        _, _, leaf, found = postings.parts[0]
        return segment_places(leaf, fieldname, text, found, rows, only)
    owners, spots = [], []
    cuts = [*np.searchsorted(rows, postings.firsts).tolist(), len(rows)]
    for (first, _, leaf, found), lo, hi in zip(postings.parts, cuts, cuts[1:], strict=False):
        if lo == hi:
            continue
        if not first:  # the first part's rows are its own
            owner, spot = segment_places(leaf, fieldname, text, found, rows[lo:hi], only)
        else:
            local = rows[lo:hi] - first
            owner, spot = segment_places(leaf, fieldname, text, found, local, only)
            owner += first
        owners.append(owner)
        spots.append(spot)
    if not owners:
        empty = np.zeros((0, max(postings.stride, 1)), np.int32)
        return np.zeros(0, np.int64), empty[:, 0] if only else empty
    if len(owners) == 1:
        return owners[0], spots[0]
    return np.concatenate(owners), np.concatenate(spots)


class Segments:
    """One searcher's segments as one index: lengths, live documents and dates by
    index-wide document number, each made on first use and kept for the searcher."""

    def __init__(self, index: SearchIndex, searcher) -> None:
        self.index = index
        self.leaves: list[tuple[int, Any]] = [
            (offset, sub.reader())
            for sub, offset in searcher.subsearchers or [(searcher, 0)]
            if sub.reader().doc_count_all()
        ]
        self.subsearchers = [
            (sub, offset)
            for sub, offset in searcher.subsearchers or [(searcher, 0)]
            if sub.reader().doc_count_all()
        ]
        self.doc_count = searcher.reader().doc_count_all()
        schema = searcher.schema
        self.fieldnames = frozenset(schema.names())
        self.positioned = frozenset(  # the fields whose postings keep positions
            name
            for name in self.fieldnames
            if schema[name].format is not None and schema[name].format.supports("positions")
        )
        self._fields: dict[str, list[tuple[int, Any]]] = {}
        self._joined: OrderedDict[tuple[str, str], JoinedPostings | None] = OrderedDict()
        self._joined_bytes = 0
        self._lengths: dict[str, np.ndarray] = {}
        self._alive: np.ndarray | bool | None = False  # False: not made yet
        self._dates: tuple[list[str], np.ndarray] | None = None

    def postings(self, fieldname: str, text: str) -> JoinedPostings | None:
        """`text`'s postings in `fieldname` over every segment, or None when no segment
        holds it. Kept for the searcher (typing repeats words) up to JOINED_LIMIT_BYTES
        of joined copies; a term of the first segment alone is its arrays, not a copy."""
        key = (fieldname, text)
        joined = self._joined
        if key in joined:
            joined.move_to_end(key)
            return joined[key]
        parts = []
        row = 0
        cache = self.index.posting_cache
        for offset, leaf in self._holding(fieldname):
            found = cache.postings(leaf, fieldname, text)
            if found is not None and len(found):
                parts.append((row, offset, leaf, found))
                row += len(found)
        out = JoinedPostings(parts) if parts else None
        size = _size(out)
        joined[key] = out
        self._joined_bytes += size
        while self._joined_bytes > JOINED_LIMIT_BYTES and len(joined) > 1:
            _, dropped = joined.popitem(last=False)
            self._joined_bytes -= _size(dropped)
        return out

    def _holding(self, fieldname: str) -> list[tuple[int, Any]]:
        """The segments whose schema has `fieldname` (all of them, but for tests' indexes)."""
        leaves = self._fields.get(fieldname)
        if leaves is None:
            leaves = self._fields[fieldname] = [
                (offset, leaf) for offset, leaf in self.leaves if fieldname in leaf.schema
            ]
        return leaves

    def lengths(self, fieldname: str) -> np.ndarray:
        """Every document's length in `fieldname` (as whoosh scores it)."""
        found = self._lengths.get(fieldname)
        if found is None:
            parts = [self.index.length_array(leaf, fieldname) for _, leaf in self.leaves]
            found = parts[0] if len(parts) == 1 else np.concatenate(parts or [np.zeros(0)])
            self._lengths[fieldname] = found
        return found

    def alive(self) -> np.ndarray | None:
        """Live documents as a mask, or None when no segment has deletions."""
        if self._alive is False:
            if any(leaf.has_deletions() for _, leaf in self.leaves):
                self._alive = np.concatenate([_alive(leaf) for _, leaf in self.leaves])
            else:
                self._alive = None
        return self._alive  # type: ignore[return-value]

    def dates(self) -> tuple[list[str], np.ndarray]:
        """The distinct dates, sorted, and each document's date as an index into them
        (-1: none)."""
        if self._dates is None:
            per = [segment_dates(self.index, leaf) for _, leaf in self.leaves]
            names = sorted({name for own, _ in per for name in own})
            where = {name: i for i, name in enumerate(names)}
            codes = [
                np.array([where[n] for n in own] + [-1], dtype=np.int64)[local]
                for own, local in per
            ]
            self._dates = names, np.concatenate(codes) if codes else np.zeros(0, np.int64)
        return self._dates


def _size(joined: JoinedPostings | None) -> int:
    """What a joined entry holds, or will once its ids and weights are joined, beyond its
    segments' own arrays (bytes)."""
    if joined is None or (len(joined.parts) == 1 and joined.parts[0][1] == 0):
        return 64
    return 2 * 8 * len(joined)  # ids, and weights once they are asked for


def _alive(leaf) -> np.ndarray:
    """A segment's live documents as a mask by docnum, made once per segment reader (a
    reader's deletions never change: a commit that deletes makes a new reader)."""
    mask = leaf.__dict__.get("_gloss_alive")
    if mask is None:
        mask = np.ones(leaf.doc_count_all(), dtype=bool)
        mask[np.fromiter(leaf.deleted_docs_set, np.int64)] = False
        leaf._gloss_alive = mask
    return mask


def segment_dates(index: SearchIndex, leaf) -> tuple[list[str], np.ndarray]:
    """A segment's distinct dates, sorted, and each document's date as an index into them
    (-1: none); made once per segment reader."""
    found = leaf.__dict__.get("_gloss_dates")
    if found is None:
        dates = index.segment_table(leaf).dates
        names = sorted({d for d in dates if d})
        where = {d: i for i, d in enumerate(names)}
        codes = np.fromiter((where.get(d, -1) if d else -1 for d in dates), np.int64, len(dates))
        found = leaf._gloss_dates = (names, codes)
    return found
