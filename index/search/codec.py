"""Gloss's posting format: a term's postings as flat arrays of fixed-width integers.

whoosh's own format (codec/whoosh3.py) writes each block of 128 postings as a pickled,
zlib-compressed tuple of delta-coded ids, and each document's positions as a pickled list:
reading a term means `pickle.loads` and `zlib.decompress` per block, a Python generator
to undo the deltas, and one more `pickle.loads` per document for its positions. Here a
term's postings are written once, in one run of the postings file:

    header    magic "GLP1", postings n, blocks b, stride (ints per place: 0, 1 or 3)
    blocks    b × (last id u32), b × (max weight f32), b × (min length u8), b × (max length u8)
    ids       n × u32         document numbers, ascending
    weights   n × f32         frequencies times the field's boost
    ends      n × u32         where each document's value ends in `values` (bytes)
    values    the documents' values one after another: for the fields that keep positions
              (FlatPositions, FlatCharacters) their places as native int32 (pos, or
              pos, start char, end char), without whoosh's count; other formats' bytes as is

so a reader takes ids and weights with `numpy.frombuffer` (one copy each, no Python loop),
and a phrase gathers the positions of just the documents it needs from the mapped file.
The block headers (one per BLOCK postings) keep what whoosh's blocks offered for skipping.

`GlossCodec` writes and reads it. whoosh stores the codec with each segment, so its
own matchers (`FlatMatcher`, a ListMatcher) keep working on these segments: explain, the
parity test's searcher and segment merges read them through whoosh's API.
"""

from __future__ import annotations

import functools
import itertools
import struct
from array import array
from dataclasses import dataclass
from hashlib import md5
from typing import Any

import numpy as np
from whoosh import formats
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PostingsWriter
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.matching import ListMatcher
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte

from index.search.codec_runs import BLOCK, MAGIC, can_run, runs_at_once, term_infos
from index.search.codec_runs import HEAD as _HEAD

_COUNT = 4  # whoosh's value starts with the number of places (pack_uint)
_INT32 = np.dtype("=i4")  # the values' ints, as array("i") writes them


class FlatPositions(formats.Positions):
    """whoosh's Positions with the places as an int32 array instead of a pickled list."""

    stride = 1

    def encode(self, poslist):
        return pack_uint(len(poslist)) + array("i", poslist).tobytes()

    def decode_positions(self, valuestring):
        places = array("i")
        places.frombytes(valuestring[_COUNT:])
        return places.tolist()


class FlatCharacters(formats.Characters):
    """whoosh's Characters (position, start and end character per place) as int32 triples."""

    stride = 3

    def encode(self, poslist):
        flat = array("i", itertools.chain.from_iterable(poslist))
        return pack_uint(len(poslist)) + flat.tobytes()

    def decode_characters(self, valuestring):
        places = array("i")
        places.frombytes(valuestring[_COUNT:])
        return list(zip(places[0::3], places[1::3], places[2::3], strict=True))

    def decode_positions(self, valuestring):
        places = array("i")
        places.frombytes(valuestring[_COUNT:])
        return places[0::3].tolist()


class TermPostings:
    """One term's postings in one segment, decoded: ids (int64), weights (float64), and
    where each document's places end (`ends`, in ints); the places stay in the file.

    Read from the file, the weights and ends are kept as the file's bytes until asked
    for: a phrase or an AND needs them at a few rows only (`weights_at`, `ends_at`), and
    a common word's full arrays cost as much to make as its ids."""

    __slots__ = (
        "_ends",
        "_raw",
        "_weights",
        "ids",
        "lasts",
        "memory",
        "nbytes",
        "start",
        "stride",
        "values_at",
    )

    def __init__(
        self, ids, weights, ends, stride: int, lasts, start: int, values_at: int, raw=None
    ):
        self.ids = ids
        self._weights = weights
        self._ends = ends
        self._raw = raw  # the file's ids, weights (f4) and ends (u4), when those are None
        self.stride = stride
        self.lasts = lasts  # each block's last id (for skipping; see `blocks_of`)
        self.start = start  # the term's offset in the postings file
        self.values_at = values_at  # where its values begin, from `start`
        self.memory: np.ndarray | None = None  # the places, when not read from a file
        self.nbytes = 3 * ids.nbytes + 64  # as when weights and ends are made

    @property
    def weights(self) -> np.ndarray:
        if self._weights is None:
            self._decode_all()
        return self._weights

    @property
    def ends(self) -> np.ndarray:
        if self._ends is None:
            self._decode_all()
        return self._ends

    def weights_at(self, rows) -> np.ndarray:
        """The weights of the postings at `rows`."""
        weights = self._weights
        if weights is None:
            raw = self._raw  # a local: another thread may let the bytes go meanwhile
            if raw is not None:
                count = len(self.ids)
                return np.frombuffer(raw, "=f4", count, count * 4)[rows].astype(np.float64)
            weights = self._weights  # made before the bytes were let go
        return weights[rows]

    def ends_at(self, rows) -> np.ndarray:
        """Where the values of the postings at `rows` end (bytes from `values_at`)."""
        ends = self._ends
        if ends is None:
            raw = self._raw
            if raw is not None:
                count = len(self.ids)
                return np.frombuffer(raw, "=u4", count, count * 8)[rows].astype(np.int64)
            ends = self._ends
        return ends[rows]

    def ends_view(self) -> np.ndarray:
        """Where each posting's values end (bytes from `values_at`): a view of the file's
        bytes (unsigned ints), or the decoded array."""
        raw = self._raw
        if raw is not None:
            count = len(self.ids)
            return np.frombuffer(raw, "=u4", count, count * 8)
        return self._ends

    def ends_list(self):
        """Where each posting's values end (bytes from `values_at`), indexable by row with
        Python ints: the file's bytes seen as unsigned ints, or the decoded array."""
        raw = self._raw
        if raw is not None:
            count = len(self.ids)
            return memoryview(raw)[count * 8 : count * 12].cast("I")
        return self._ends

    def _decode_all(self) -> None:
        """Both arrays from the file's bytes, then the bytes let go (the cache's shared
        postings: a thread that finds the bytes gone finds the arrays made)."""
        raw = self._raw
        if raw is None:
            return
        count = len(self.ids)
        weights = np.frombuffer(raw, "=f4", count, count * 4).astype(np.float64)
        ends = np.frombuffer(raw, "=u4", count, count * 8).astype(np.int64)
        self._weights, self._ends = weights, ends
        self._raw = None

    def __len__(self) -> int:
        return len(self.ids)

    def blocks_of(self, docs) -> np.ndarray:
        """The blocks (by number) that may hold any of the sorted `docs`: what a reader
        that decoded block by block would read."""
        return np.unique(np.searchsorted(self.lasts, docs))


class FlatPostingsWriter(W3PostingsWriter):
    """Writes a term's postings in Gloss's format (see the module docstring).

    whoosh's writer buffers a block's ids, weights and statistics and keeps the term's
    statistics (W3TermInfo.add_block); here each full block is appended to the term's
    arrays instead of being pickled, and the term is written at its end in one piece.
    """

    _maxweight: float  # the buffered block's statistics (W3PostingsWriter._new_block)
    _minlength: int | None
    _maxlength: int

    def __init__(self, postfile) -> None:
        super().__init__(postfile, BLOCK, byteids=False, compression=0, inlinelimit=1)

    def start_postings(self, format_, terminfo) -> None:
        super().start_postings(format_, terminfo)
        self._stride = getattr(format_, "stride", 0)
        self._all_ids = array("I")
        self._all_weights = array("f")
        self._ends = array("I")
        self._blob = bytearray()
        self._lasts = array("I")
        self._maxweights = array("f")
        self._minlengths = bytearray()
        self._maxlengths = bytearray()

    def add_posting(self, id_, weight, vbytes, length=None) -> None:
        if len(self._ids) >= BLOCK:
            self._write_block()
        self._ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        if self._stride:
            self._blob += memoryview(vbytes)[_COUNT:]
        else:
            self._blob += vbytes
        self._ends.append(len(self._blob))
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def _write_block(self, last: bool = False) -> None:
        """Close the buffered block: into the term's arrays, its header kept."""
        self._terminfo.add_block(self)
        self._all_ids.extend(self._ids)
        self._all_weights.extend(self._weights)
        self._lasts.append(self._ids[-1])
        self._maxweights.append(self._maxweight)
        self._minlengths.append(length_to_byte(self._minlength))
        self._maxlengths.append(length_to_byte(self._maxlength))
        self._blockcount += 1
        self._new_block()

    def finish_postings(self):
        terminfo = self._terminfo
        if self._ids:
            self._write_block(last=True)
        count, blocks = len(self._all_ids), len(self._lasts)
        out = self._postfile
        out.write(_HEAD.pack(MAGIC, count, blocks, self._stride))
        lengths = bytes(self._minlengths) + bytes(self._maxlengths)
        out.write(self._lasts.tobytes() + self._maxweights.tobytes() + lengths)
        out.write(b"\0" * (-len(lengths) % 4))
        out.write(self._all_ids.tobytes())
        out.write(self._all_weights.tobytes())
        out.write(self._ends.tobytes())
        out.write(bytes(self._blob))
        terminfo.set_extent(self._startoffset, out.tell() - self._startoffset)
        self._terminfo = None
        return terminfo


@dataclass(slots=True)
class FieldPostings:
    """One field's postings for a whole new segment as arrays (bulk.py builds them): the
    terms in byte order, and their postings one after another, by document."""

    terms: list[bytes]
    term_starts: np.ndarray  # len(terms) + 1 offsets into the postings
    ids: np.ndarray  # document numbers
    weights: np.ndarray  # float32
    length_bytes: np.ndarray  # uint8: each posting's document's field length byte, 0 = none
    ends: np.ndarray  # where each posting's value ends, in bytes from its term's first value
    values: bytes | memoryview  # the values in this format's bytes (places without the count)
    value_starts: np.ndarray  # len(terms) + 1 offsets into `values`


class FlatFieldWriter(W3FieldWriter):
    """whoosh's field writer with one more way in: a whole field's terms at once."""

    def __init__(self, codec, storage, segment) -> None:
        super().__init__(codec, storage, segment)
        self._tindex: _TermTable = _TermTable.taking_over(self._tindex)

    def add_field_postings(self, fieldname: str, fieldobj, field: FieldPostings) -> None:
        """Write every term of `field` as FlatPostingsWriter writes it when given its
        postings one by one (the same bytes, the same term infos), with the block
        statistics worked out on arrays and one write per term."""
        self.start_field(fieldname, fieldobj)
        stride = getattr(fieldobj.format, "stride", 0)
        starts = field.term_starts.astype(np.int64)
        counts = np.diff(starts)
        nblocks = (counts + BLOCK - 1) // BLOCK
        block_at = np.concatenate(([0], np.cumsum(nblocks)))
        owner = np.repeat(np.arange(len(counts)), nblocks)
        first = starts[:-1][owner] + (np.arange(int(block_at[-1])) - block_at[:-1][owner]) * BLOCK
        last = np.minimum(first + BLOCK, starts[1:][owner]) - 1
        ids = field.ids.astype("=u4")
        weights = field.weights.astype("=f4")
        lengths = field.length_bytes.astype(np.int16)
        lasts = ids[last]
        max_weights = np.maximum(np.maximum.reduceat(weights, first), 0).astype("=f4")
        max_lengths = np.maximum.reduceat(lengths, first)
        min_lengths = np.minimum.reduceat(np.where(lengths == 0, 256, lengths), first)
        min_lengths = np.where(min_lengths == 256, 0, min_lengths)
        term_weight = np.add.reduceat(weights.astype(np.float64), starts[:-1])
        term_max_weight = np.maximum.reduceat(max_weights, block_at[:-1])
        term_max_length = np.maximum.reduceat(max_lengths, block_at[:-1])
        term_min_length = np.minimum.reduceat(
            np.where(min_lengths == 0, 256, min_lengths), block_at[:-1]
        )
        term_min_length = np.where(term_min_length == 256, 0, term_min_length)
        first_id, last_id = ids[starts[:-1]], ids[starts[1:] - 1]
        arrays: tuple[np.ndarray, ...] = (ids, weights, field.ends.astype("=u4"), lasts)
        arrays += (max_weights, min_lengths.astype(np.uint8), max_lengths.astype(np.uint8))
        prefix = pack_ushort(self._fieldid)
        keys = [prefix + term for term in field.terms]
        at = self._postfile.tell()
        if can_run(field.value_starts) and self.runs_at_once:
            runs = runs_at_once(stride, starts, block_at, arrays, field.values, field.value_starts)
            sizes = []
            for blob, size in runs:
                self._postfile.write(blob)
                sizes.append(size)
            size = np.concatenate(sizes) if sizes else np.zeros(0, np.int64)
        else:
            size = self._runs_one_by_one(stride, starts, block_at, arrays, field)
        infos = term_infos(
            term_weight,
            counts,
            (term_min_length, term_max_length),
            term_max_weight,
            (first_id, last_id),
            at + np.cumsum(size) - size,
            size,
        )
        self._tindex.add_run(keys, infos)
        self.finish_field()

    runs_at_once = True  # False: each term's run made on its own (the tests compare both)

    def _runs_one_by_one(self, stride: int, starts, block_at, arrays, field) -> np.ndarray:
        """Write each term's run in turn (any values); returns the runs' sizes."""
        ids_b, weights_b, ends_b, lasts_b, max_weights_b, min_b, max_b = (
            a.tobytes() for a in arrays
        )
        values, value_at = field.values, field.value_starts.tolist()
        block_at, starts = block_at.tolist(), starts.tolist()
        head = _HEAD.pack
        chunks: list[bytes] = []
        sizes: list[int] = []
        held = 0  # bytes in `chunks`: written out every few megabytes
        for k in range(len(field.terms)):
            a, b, ba, bb = starts[k], starts[k + 1], block_at[k], block_at[k + 1]
            chunk = b"".join(
                (
                    head(MAGIC, b - a, bb - ba, stride),
                    lasts_b[4 * ba : 4 * bb],
                    max_weights_b[4 * ba : 4 * bb],
                    min_b[ba:bb],
                    max_b[ba:bb],
                    b"\0" * (-2 * (bb - ba) % 4),
                    ids_b[4 * a : 4 * b],
                    weights_b[4 * a : 4 * b],
                    ends_b[4 * a : 4 * b],
                    values[value_at[k] : value_at[k + 1]],
                )
            )
            chunks.append(chunk)
            sizes.append(len(chunk))
            held += len(chunk)
            if held > _WRITE_AT:
                self._postfile.write(b"".join(chunks))
                chunks, held = [], 0
        self._postfile.write(b"".join(chunks))
        return np.array(sizes, np.int64)


_WRITE_AT = 4 << 20  # bytes of postings gathered before a write
_KEY_VALUE = struct.Struct("!ii")  # the term table's lengths before each key and value


class _TermTable(OrderedHashWriter):
    """whoosh's ordered hash file of terms, taking a run of sorted keys in one write.

    The same bytes as `add` for each key: lengths, key and value at each position, the
    key's position in the index array, its MD5-based hash in the buckets (the low 32
    bits of the digest: what whoosh's md5_hash takes from the hex digest).
    """

    lastkey: bytes  # whoosh's attributes, typed for the checker
    index: list[int]

    @classmethod
    def taking_over(cls, table: OrderedHashWriter) -> _TermTable:
        """This class for `table` (made by W3FieldWriter, its header already written)."""
        if table.hashtype != 0 or len(table.index) or table.lastkey:
            raise ValueError("the term table is not new or not MD5-hashed")
        table.__class__ = cls
        return table

    def add_run(self, keys: list[bytes], values: list[bytes]) -> None:
        if not keys:
            return
        if keys[0] <= self.lastkey:
            raise ValueError(f"keys must increase: {self.lastkey!r}..{keys[0]!r}")
        count = len(keys)
        key_sizes = np.fromiter(map(len, keys), np.int64, count)
        value_sizes = np.fromiter(map(len, values), np.int64, count)
        sizes = np.empty((count, 2), ">i4")  # the lengths before each key and value
        sizes[:, 0], sizes[:, 1] = key_sizes, value_sizes
        heads = sizes.tobytes()
        sizes_all = 8 + key_sizes + value_sizes
        places = (self.dbfile.tell() + np.cumsum(sizes_all) - sizes_all).tolist()
        body = zip([heads[i : i + 8] for i in range(0, 8 * count, 8)], keys, values, strict=True)
        self.dbfile.write(b"".join(itertools.chain.from_iterable(body)))
        _grow(self.index, places)
        buckets = self.buckets
        for key, at in zip(keys, places, strict=True):
            h = int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")
            buckets[h & 255].append((h, at))
        self.lastkey = keys[-1]

    def _write_hashes(self) -> None:
        """whoosh's 256 hash tables (open addressing, as HashWriter places the entries),
        each written at once rather than a write per slot."""
        dbfile, empty = self.dbfile, _POINTER.pack(0, 0)
        for entries in self.buckets:
            slots = 2 * len(entries)
            self.directory.append((dbfile.tell(), slots))
            table: list[tuple[int, int] | None] = [None] * slots
            for entry in entries:
                slot = (entry[0] >> 8) % slots
                while table[slot] is not None:
                    slot = (slot + 1) % slots
                table[slot] = entry
            pack = _POINTER.pack
            dbfile.write(b"".join([empty if e is None else pack(*e) for e in table]))


_POINTER = struct.Struct("!Iq")  # a hash table's slot: the key's hash and its place


def _grow(index, numbers: list[int]) -> None:
    """Append `numbers` to whoosh's GrowableArray `index` at once; when one does not fit its
    typecode, one by one as whoosh does (it widens the array then)."""
    before = len(index.array)
    try:
        index.array.extend(numbers)
    except OverflowError:
        del index.array[before:]  # (extend stops part way)
        for number in numbers:
            index.append(number)


class CorruptPostings(Exception):
    """The postings file does not hold what this codec wrote (the index is damaged)."""


def read_postings(dbfile, offset: int) -> TermPostings:
    """A term's arrays from the postings file (its ids decoded; weights and ends kept as
    bytes until asked for, see TermPostings)."""
    try:
        return _read_postings(dbfile, offset)
    except (ValueError, struct.error, TypeError) as exc:
        raise CorruptPostings(f"unreadable postings at {offset}: {exc}") from exc


def _read_postings(dbfile, offset: int) -> TermPostings:
    magic, count, blocks, stride = _HEAD.unpack(dbfile.get(offset, _HEAD.size))
    if magic != MAGIC or stride not in (0, 1, 3):
        raise ValueError(f"not a Gloss posting list: {magic!r}")
    at = offset + _HEAD.size
    table = dbfile.get(at, blocks * 10 + (-(blocks * 2) % 4))
    lasts = np.frombuffer(table, "=u4", blocks).astype(np.int64)
    at += len(table)
    body = bytes(dbfile.get(at, count * 12))  # a copy: nothing is kept of the map
    if len(body) != count * 12:
        raise ValueError(f"{len(body)} bytes of postings where {count * 12} were written")
    ids = np.frombuffer(body, "=u4", count).astype(np.int64)
    values_at = at + count * 12 - offset
    return TermPostings(ids, None, None, stride, lasts, offset, values_at, raw=body)


def gather_places(
    dbfile, postings: TermPostings, rows, positions_only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The places of the postings at `rows` (indexes into postings.ids, ascending): their
    row for each place, and the places as an (n, stride) int32 array, read from the file;
    with `positions_only`, each place's position alone, an (n,) array (a phrase needs no
    characters: a third of the ints read where a place has three)."""
    try:
        return _gather_places(dbfile, postings, rows, positions_only)
    except (ValueError, IndexError, TypeError) as exc:
        raise CorruptPostings(f"unreadable places at {postings.start}: {exc}") from exc


FEW_ROWS = 24  # postings whose places are read one slice each (NumPy's calls cost more)


def _gather_places(
    dbfile, postings: TermPostings, rows, positions_only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    stride = postings.stride
    rows = np.asarray(rows, dtype=np.int64)
    if not stride or not len(rows):
        empty = np.zeros((0, max(stride, 1)), np.int32)
        return np.zeros(0, np.int64), empty[:, 0] if positions_only else empty
    mapped = getattr(dbfile, "mapped", None)  # segments.MappedFile: read in place, no copy
    if len(rows) <= FEW_ROWS and postings.memory is None and mapped is not None:
        owner, flat = _few_places(mapped, postings, rows)
        return owner, flat[:, 0] if positions_only else flat
    ends = postings.ends_view()
    stops = ends[rows].astype(np.int64)
    starts = ends[rows - 1].astype(np.int64)  # row 0's (the last posting's end) put right:
    if rows[0] == 0:
        starts[0] = 0
    stops >>= 2  # bytes to ints
    starts >>= 2
    counts = stops - starts
    total = int(counts.sum())
    base = postings.start + postings.values_at
    first, last = int(starts[0]), int(stops[-1])
    if postings.memory is not None:
        ints = postings.memory[first:last]
    elif mapped is not None:
        ints = np.frombuffer(mapped, _INT32, last - first, base + first * 4)
    else:
        ints = np.frombuffer(dbfile.get(base + first * 4, (last - first) * 4), _INT32)
    if positions_only and stride > 1:  # each place's first int only
        places = counts // stride
        before = np.cumsum(places) - places
        offsets = np.repeat(starts - first - stride * before, places)
        offsets += stride * np.arange(total // stride)
        found = ints[offsets]  # a copy: the view of the map is let go here
        del ints
        return np.repeat(rows, places), found
    offsets = np.repeat(starts - first - np.cumsum(counts) + counts, counts)
    flat = ints[offsets + np.arange(total)]  # a copy: the view of the map is let go here
    del ints
    owner = np.repeat(rows, counts // stride)
    flat = flat.reshape(-1, stride)
    return owner, flat[:, 0] if positions_only else flat


def _few_places(mapped, postings: TermPostings, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`_gather_places` for a few rows: each posting's places sliced from the map and
    joined, with a handful of NumPy calls rather than twenty (a phrase's rare words, the
    shown hits' spans: the common case, where the calls' own cost was most of the time)."""
    ends = postings.ends_list()
    base = postings.start + postings.values_at
    pieces = []
    counts = []
    per = 4 * postings.stride
    for row in rows.tolist():
        start = ends[row - 1] if row else 0
        stop = ends[row]
        pieces.append(mapped[base + start : base + stop])
        counts.append((stop - start) // per)
    flat = np.frombuffer(b"".join(pieces), _INT32).reshape(-1, postings.stride)
    return np.repeat(rows, counts), flat


class FlatMatcher(ListMatcher):
    """whoosh's ListMatcher over a term in Gloss's format, its lists made on first use
    (whoosh's searcher, explain and merges read postings through it)."""

    def __init__(self, dbfile, offset: int, format_, scorer=None, term=None, terminfo=None):
        self.dbfile = dbfile
        self.offset = offset
        self._i = 0
        self._format = format_
        self._scorer = scorer
        self._term = term
        self._terminfo = terminfo
        self._all_weights = None

    @functools.cached_property
    def postings(self) -> TermPostings:
        return read_postings(self.dbfile, self.offset)

    @functools.cached_property
    def _ids(self) -> list[int]:
        return self.postings.ids.tolist()

    @functools.cached_property
    def _weights(self) -> list[float]:
        return self.postings.weights.tolist()

    @functools.cached_property
    def _values(self) -> list[bytes]:
        postings = self.postings
        ends = [0, *postings.ends.tolist()]
        base = postings.start + postings.values_at
        blob = self.dbfile.get(base, ends[-1])
        if not postings.stride:
            return [blob[a:b] for a, b in itertools.pairwise(ends)]
        per = 4 * postings.stride
        return [pack_uint((b - a) // per) + blob[a:b] for a, b in itertools.pairwise(ends)]

    def copy(self) -> FlatMatcher:
        other = FlatMatcher(
            self.dbfile, self.offset, self._format, self._scorer, self._term, self._terminfo
        )
        other._i = self._i
        return other


class GlossCodec(W3Codec):
    """whoosh's codec with Gloss's posting format (terms, columns and stored fields as
    whoosh writes them)."""

    def field_writer(self, storage, segment):
        return FlatFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids: bool = False):
        if byteids:  # term vectors (Gloss keeps none): whoosh's format
            return super().postings_writer(dbfile, byteids)
        return FlatPostingsWriter(dbfile)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None) -> Any:
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term, scorer)
        offset, _ = terminfo.extent()
        return FlatMatcher(dbfile, offset, format_, scorer, term, terminfo)
