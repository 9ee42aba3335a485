"""A term's postings as arrays, and the cache that makes search-as-you-type decode them once.

Typing "state of emerg", "state of emerge", "state of emergen" runs three searches that
all read "state": `PostingCache` keeps the decoded arrays of recently read terms, per
segment (a segment's postings never change; deletions are applied after scoring), bounded
by bytes, and drops a segment's terms once the segment has left the index (merged away).
Terms of segments written by whoosh's own codec (indexes before gloss4, or a test's) are
decoded through whoosh's matcher into the same arrays, so the scorer has one path.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable

import numpy as np
from whoosh.reading import TermNotFound

from index.search import whoosh_wall as wall
from index.search.codec import (
    FlatMatcher,
    GlossCodec,
    TermPostings,
    gather_places,
    read_postings,
)

CACHE_LIMIT_BYTES = 32 * 2**20  # decoded postings kept between searches (all segments)


class PostingCache:
    """Decoded postings by (segment id, field, term), least recently used dropped first.

    Shared by the threads searching one index; `decodes` counts the terms decoded (read
    from the files) rather than found here, `decoded` how often each (field, term) was.
    """

    def __init__(self, limit_bytes: int = CACHE_LIMIT_BYTES) -> None:
        self.limit_bytes = limit_bytes
        self.decodes = 0
        self.decoded: Counter[tuple[str, str]] = Counter()
        self._items: OrderedDict[tuple, TermPostings | None] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def postings(self, leaf, fieldname: str, text: str) -> TermPostings | None:
        """The postings of `text` in `fieldname` of one segment (None when it has none)."""
        if not may_hold(leaf, fieldname, text):
            return None
        mine = leaf.__dict__
        segid = mine.get("_gloss_segid")
        if segid is None:
            segid = mine["_gloss_segid"] = leaf.segment().segment_id()
        key = (segid, fieldname, text)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        found = _decode(leaf, fieldname, text)
        size = 64 if found is None else found.nbytes
        with self._lock:
            self.decodes += 1
            self.decoded[fieldname, text] += 1
            if key not in self._items:
                self._items[key] = found
                self._bytes += size
                while self._bytes > self.limit_bytes and len(self._items) > 1:
                    _, dropped = self._items.popitem(last=False)
                    self._bytes -= 64 if dropped is None else dropped.nbytes
        return found

    def keep_only(self, live: Iterable[str]) -> None:
        """Forget the terms of segments no longer in the index."""
        live = set(live)
        with self._lock:
            for key in [k for k in self._items if k[0] not in live]:
                dropped = self._items.pop(key)
                self._bytes -= 64 if dropped is None else dropped.nbytes

    def __len__(self) -> int:
        return len(self._items)


SMALL_FIELD_TOKENS = 16_384  # a field this short in a segment has its words listed once
SMALL_VOCABULARY = 8_192  # ...unless they are more than this (then terms are looked up)


def may_hold(leaf, fieldname: str, text: str) -> bool:
    """False when the segment surely lacks the term: its field's words are few (an author
    field, tags, a small segment's text) and listed once per segment reader, so that the
    many lookups of words absent from a field or a segment cost a set test each. True
    when the term is there, or when the field's words are too many to list."""
    words = _vocabulary(leaf, fieldname)
    if words is None:
        return True
    return (text if isinstance(text, bytes) else text.encode("utf-8")) in words  # to_bytes


def _vocabulary(leaf, fieldname: str) -> frozenset[bytes] | None:
    known = leaf.__dict__.get("_gloss_vocabularies")
    if known is None:
        known = leaf._gloss_vocabularies = {}
    elif fieldname in known:
        return known[fieldname]
    words: set[bytes] | None = set()  # a field the schema lacks holds nothing
    if fieldname in leaf.schema:
        words = None
        field = leaf.schema[fieldname]
        scored = field.scorable
        if not scored or leaf.field_length(fieldname) <= SMALL_FIELD_TOKENS:
            words = set()
            for btext in leaf.lexicon(fieldname):
                words.add(btext)
                if len(words) > SMALL_VOCABULARY:
                    words = None
                    break
    known[fieldname] = found = None if words is None else frozenset(words)
    return found


def places(
    leaf, fieldname: str, text: str, postings: TermPostings, rows, positions_only: bool = False
):
    """(row of each place, places as an (n, stride) int array) of the postings at `rows`;
    with `positions_only`, the places' positions alone (see codec.gather_places)."""
    if postings.memory is not None:
        return gather_places(None, postings, rows, positions_only)
    # every term of a segment is in the same postings file: found once per segment reader
    postfile = leaf.__dict__.get("_gloss_postfile")
    if postfile is None:
        postfile = leaf._gloss_postfile = wall.term_matcher(leaf, fieldname, text).dbfile
    return gather_places(postfile, postings, rows, positions_only)


def _decode(leaf, fieldname: str, text: str) -> TermPostings | None:
    try:  # one lookup in the segment's terms (not a test, then a second to read them)
        found = wall.term_offset(leaf, fieldname, text)
        if found is not None and isinstance(found[0], GlossCodec):
            return read_postings(found[1], found[2])
        matcher = wall.term_matcher(leaf, fieldname, text)
    except TermNotFound:
        return None
    if isinstance(matcher, FlatMatcher):
        return matcher.postings
    return _from_whoosh(matcher, leaf.schema[fieldname].format)


def _from_whoosh(matcher, fmt) -> TermPostings:
    """Postings of whoosh's own format (a block at a time) into the same arrays."""
    stride = 3 if fmt.supports("characters") else 1 if fmt.supports("positions") else 0
    ids: list[int] = []
    weights: list[float] = []
    flat: list[int] = []
    ends: list[int] = []
    for block_ids, block_weights, values in _whoosh_blocks(matcher, stride > 0):
        ids.extend(block_ids)
        weights.extend(block_weights)
        for value in values if stride else ():
            if stride == 3:
                for place in fmt.decode_characters(value):
                    flat.extend(place)
            else:
                flat.extend(fmt.decode_positions(value))
            ends.append(4 * len(flat))
    id_array = np.array(ids, dtype=np.int64)
    postings = TermPostings(
        id_array,
        np.array(weights, dtype=np.float64),
        np.array(ends if stride else [0] * len(ids), dtype=np.int64),
        stride,
        id_array[-1:],
        0,
        0,
    )
    postings.memory = np.array(flat, dtype=np.int32)
    return postings


def _whoosh_blocks(matcher, values: bool):
    """(ids, weights, values or None) of whoosh's postings, a block at a time when they
    are in whoosh's block format (W3LeafMatcher), else one posting at a time."""
    if wall.has_blocks(matcher):
        while matcher.is_active():
            yield wall.read_block(matcher, values)
            wall.next_block(matcher)
        return
    ids, weights, vals = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if values:
            vals.append(matcher.value())
        matcher.next()
    yield ids, weights, vals if values else None
