"""Segments merged into one by concatenating their postings: no posting back in Python.

whoosh's merge (`SegmentWriter.add_reader`) reads every posting of every source segment
as a Python tuple, renumbers it, pools and sorts the tuples, then hands them one by one
to the codec, which gathers them into a term's arrays again: 135 s of a worker after an
import of 44,500 articles. Here the sources' term tables and postings (codec.py's flat
arrays) are read with NumPy, a field at a time and a range of terms at a time:

- each source's documents get their new numbers (the live ones, in order, after the
  live ones of the sources before it; deleted ones dropped);
- every posting of the range is located in its source's file from the term table alone
  (a term's extent and document count give where its ids, weights and value ends lie),
  gathered as arrays, renumbered, and ordered by term with one stable sort (sources
  stay in order, so a term's documents stay ascending);
- the places (values) are copied as byte runs: the postings of one term in one source
  that follow each other in its file are one slice;
- the codec writes each term in one piece (`FlatFieldWriter.add_field_postings`).

The per-document side (stored fields, field lengths, columns) is written as whoosh's
merge writes it, a document at a time, without its postings. The segment is what
whoosh's merge makes of the same sources: the same terms, ids, weights, places, lengths
and term statistics (tests/test_search_merge.py compares them), with two deliberate
differences:
- a source's spelling words (whoosh lists them once per segment, as postings of one
  document) are kept when that document was deleted, where whoosh's merge drops them,
  and with them words other documents still use (wildcards expand through them);
- a field's total length is exact for a source that lost no document (whoosh's merge
  adds up the documents' one-byte approximations), so that a rebuild, merged from
  built segments, scores as one writer's segment does.

Only segments written by Gloss's codec, with separate files and no inlined terms, are
merged here; `mergeable` says so before anything is written (merge.py falls back to
whoosh's merge for the others).
"""

from __future__ import annotations

import bisect
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from whoosh.columns import TranslatingColumnReader
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length

from index.search import whoosh_wall as wall
from index.search.codec import BLOCK, MAGIC, CorruptPostings, FieldPostings, GlossCodec

TERMS_EXT, POSTS_EXT = ".trm", ".pst"  # whoosh's W3Codec file names
_HEAD_SIZE = 16  # codec.py's term header: magic, postings, blocks, stride (+ padding)
_TERMINFO_SIZE = 35  # whoosh's W3TermInfo bytes when not inlined: stats (23), offset, length
CHUNK_POSTINGS = 1 << 18  # postings gathered at a time (about 100 bytes each meanwhile)
CHUNK_BYTES = 16 << 20  # bytes of the sources' postings files read at a time
TERMS_AT_ONCE = 200_000  # terms (over all sources) whose names are held at a time
CUT_EVERY = 512  # a term range may start at every this many terms of the widest source
CHECK_TERMS = 65_536  # records of a term table checked at a time
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], np.int64)


class Unmergeable(Exception):
    """A source segment is not in the form this module reads (whoosh's merge takes it)."""


@dataclass(slots=True)
class _Terms:
    """One source's terms of one field, from its term table: names (bytes, ascending),
    where each term's postings lie in the postings file, and how many there are."""

    names: list[bytes]
    offsets: np.ndarray  # int64: the term's first byte in the postings file
    sizes: np.ndarray  # int64: its bytes there
    counts: np.ndarray  # int64: its postings


class _TermTable:
    """One source's term table file (whoosh's ordered hash file), read a range of
    records at a time: only the record positions (4 bytes a term) are held."""

    def __init__(self, storage, segment) -> None:
        name = segment.make_filename(TERMS_EXT)
        dbfile = storage.open_file(name)
        try:
            self.fieldmap, self.positions = wall.term_table_positions(
                dbfile, storage.file_length(name)
            )
        finally:
            dbfile.close()
        self.segment_id = segment.segment_id()
        self.file = open(os.path.join(storage.folder, name), "rb")  # noqa: SIM115 (closed by close())

    def close(self) -> None:
        self.file.close()

    def _read(self, at: int, size: int) -> bytes:
        raw = os.pread(self.file.fileno(), size, at)
        if len(raw) != size:
            raise CorruptPostings(f"term table of {self.segment_id} is shorter than it says")
        return raw

    def key(self, i: int) -> bytes:
        """The i-th key (field number and term)."""
        at = int(self.positions[i])
        size = int.from_bytes(self._read(at, 4), "big")
        return self._read(at + 8, size)

    def field_range(self, field_id: int) -> tuple[int, int]:
        """The records of one field: [a, b) in key order."""
        prefix = field_id.to_bytes(2, "big")
        n = len(self.positions)
        a = bisect.bisect_left(range(n), prefix, key=lambda i: self.key(i)[:2])
        b = bisect.bisect_right(range(n), prefix, key=lambda i: self.key(i)[:2])
        return a, b

    def find(self, term: bytes, lo: int, hi: int) -> int:
        """The first record in [lo, hi) (of one field) whose term is not below `term`."""
        return bisect.bisect_left(range(hi), term, lo, hi, key=lambda i: self.key(i)[2:])

    def terms(self, lo: int, hi: int, with_names: bool = True) -> _Terms:
        """Records [lo, hi) (of one field): names without the field number, where each
        term's postings lie in the postings file, and how many there are."""
        if lo >= hi:
            empty = np.zeros(0, np.int64)
            return _Terms([], empty, empty, empty)
        first, last = int(self.positions[lo]), int(self.positions[hi - 1])
        head = self._read(last, 8)
        end = last + 8 + int.from_bytes(head[:4], "big") + int.from_bytes(head[4:], "big")
        raw = self._read(first, end - first)
        data = np.frombuffer(raw, np.uint8)
        at = self.positions[lo:hi].astype(np.int64) - first
        key_sizes = _big_u32(data, at)
        values = at + 8 + key_sizes
        if (_big_u32(data, at + 4) != _TERMINFO_SIZE).any() or (data[values] & 1).any():
            raise Unmergeable(f"segment {self.segment_id} has terms in whoosh's own form")
        names: list[bytes] = []
        if with_names:
            starts, stops = (at + 10).tolist(), values.tolist()
            names = [raw[i:j] for i, j in zip(starts, stops, strict=True)]
        return _Terms(
            names=names,
            offsets=(_big_u32(data, values + 23) << 32) | _big_u32(data, values + 27),
            sizes=_big_u32(data, values + 31),
            counts=_big_u32(data, values + 5),
        )

    def check(self) -> None:
        """Raise Unmergeable unless every term is in Gloss's form (read in pieces)."""
        for lo in range(0, len(self.positions), CHECK_TERMS):
            self.terms(lo, min(lo + CHECK_TERMS, len(self.positions)), with_names=False)


class _Source:
    """One segment being merged: its reader, documents' new numbers, files and terms."""

    def __init__(self, folder: str, storage, schema, segment, base: int) -> None:
        self.segment = segment
        self.table = _TermTable(storage, segment)
        try:
            self.table.check()
            self.reader = SegmentReader(storage, schema, segment)
        except BaseException:
            self.table.close()
            raise
        self.live = np.fromiter(self.reader.all_doc_ids(), np.int64)
        total = segment.doc_count_all()
        self.docmap = np.full(total, -1, np.int64)
        self.docmap[self.live] = base + np.arange(len(self.live))
        self.base = base
        self.postings_path = os.path.join(folder, segment.make_filename(POSTS_EXT))

    def close(self) -> None:
        self.reader.close()
        self.table.close()


def mergeable(segments: list) -> bool:
    """True when every segment is written by Gloss's codec in separate files."""
    return all(isinstance(seg.codec(), GlossCodec) and not seg.is_compound() for seg in segments)


@contextlib.contextmanager
def opened(folder: str, storage, schema, segments: list) -> Iterator[list[_Source]]:
    """The segments (in `folder`, opened as `storage`) ready to merge, closed after.
    Raises Unmergeable for one this module cannot read (nothing is written yet)."""
    if not mergeable(segments):
        raise Unmergeable("a segment is not in Gloss's codec or is a compound file")
    sources: list[_Source] = []
    try:
        base = 0
        for seg in segments:
            source = _Source(folder, storage, schema, seg, base)
            sources.append(source)
            base += len(source.live)
        yield sources
    finally:
        for source in sources:
            source.close()


def merge_into(writer, sources: list[_Source]) -> list[tuple[str, list[int]]]:
    """Write the live documents of `sources` into `writer`'s new segment (a
    SpellingWriter with nothing added yet); returns [(source segment id, its live
    docnums in order)] as merge.merge does."""
    schema = writer.schema
    lengths = _write_per_document(writer, schema, sources)
    spelling = {
        field.spelling_fieldname(name)
        for name, field in schema.items()
        if field.separate_spelling()
    }
    names = sorted({n for s in sources for n in s.table.fieldmap if n in schema})
    for name in names:
        _merge_field(writer, schema, name, sources, lengths.get(name), name in spelling)
    writer.fieldwriter.close()
    return [(s.segment.segment_id(), s.live.tolist()) for s in sources]


def _big_u32(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The big-endian unsigned 32-bit ints at byte offsets `at` of `data` (int64)."""
    return (
        (data[at].astype(np.int64) << 24)
        | (data[at + 1].astype(np.int64) << 16)
        | (data[at + 2].astype(np.int64) << 8)
        | data[at + 3].astype(np.int64)
    )


def _little_u32(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The little-endian unsigned 32-bit ints at byte offsets `at` of `data` (uint32)."""
    return (
        data[at].astype(np.uint32)
        | (data[at + 1].astype(np.uint32) << 8)
        | (data[at + 2].astype(np.uint32) << 16)
        | (data[at + 3].astype(np.uint32) << 24)
    )


def _write_per_document(writer, schema, sources: list[_Source]) -> dict[str, np.ndarray]:
    """Stored fields, lengths and columns of every live document, as whoosh's merge
    writes them (`write_per_doc`); returns each field's length bytes by new docnum.

    A field's length over the segment (BM25's average length comes from it) is the
    sum of the sources' own where they lost no document; whoosh's merge adds up the
    documents' one-byte lengths instead, which only approximate the lengths."""
    perdoc = writer.perdocwriter
    total = sum(len(s.live) for s in sources)
    merged: dict[str, np.ndarray] = {}
    totals: dict[str, int] = {}  # each field's length over the merged documents
    for source in sources:
        reader, live = source.reader, source.live
        lengths: dict[str, np.ndarray] = {}
        for name, field in schema.items():
            column = wall.length_column(reader, name) if field.scorable else None
            if column is None:
                continue
            count = source.segment.doc_count_all()
            raw = wall.column_bytes(column)
            if raw is None:
                raw = bytes(column[d] for d in range(count))
            every = np.zeros(count, np.uint8)  # (a column may stop at its last value)
            every[: min(len(raw), count)] = np.frombuffer(raw, np.uint8)[:count]
            mine = every[live]
            lengths[name] = mine
            whole = merged.setdefault(name, np.zeros(max(total, 1), np.uint8))
            whole[source.base : source.base + len(live)] = mine
        columns = {}
        for name, field in schema.items():
            if field.column_type and reader.has_column(name):
                column = reader.column_reader(name, field.column_type)
                if isinstance(column, TranslatingColumnReader):
                    column = column.raw_column()
                columns[name] = (field.column_type, column)
        decoded = {name: _LENGTHS[b].tolist() for name, b in lengths.items()}
        stored_fields = reader.stored_fields
        for i, docnum in enumerate(live.tolist()):
            perdoc.start_doc(writer.docnum)
            stored = stored_fields(docnum)
            for name in {*stored, *lengths}:
                length = decoded[name][i] if name in decoded else 0
                perdoc.add_field(name, schema[name], stored.get(name), length)
            for name, (column_type, column) in columns.items():
                perdoc.add_column_value(name, column_type, column[docnum])
            perdoc.finish_doc()
            writer.docnum += 1
        whole = len(live) == source.segment.doc_count_all()
        for name, mine in lengths.items():  # exact where no document was deleted
            exact = reader.field_length(name) if whole else int(_LENGTHS[mine].sum())
            totals[name] = totals.get(name, 0) + exact
    wall.set_field_totals(perdoc, totals)
    perdoc.close()
    return merged


def _merge_field(writer, schema, name: str, sources: list[_Source], lengths, spelling: bool):
    """One field's postings from every source, written term range by term range."""
    fieldobj = schema[name]
    stride = getattr(fieldobj.format, "stride", 0)
    spans = []  # (source, its records of this field)
    for source in sources:
        field_id = source.table.fieldmap.get(name)
        if field_id is not None:
            a, b = source.table.field_range(field_id)
            if a < b:
                spans.append((source, a, b))
    for cuts in _term_ranges(spans):
        present = [
            (source, source.table.terms(lo, hi))
            for (source, _, _), (lo, hi) in zip(spans, cuts, strict=True)
            if lo < hi
        ]
        _merge_terms(writer, name, fieldobj, present, stride, lengths, spelling)


def _term_ranges(spans: list) -> Iterator[list[tuple[int, int]]]:
    """The field's terms cut into ranges of at most about TERMS_AT_ONCE terms over all
    sources: for each range, each source's records [lo, hi) that fall in it. The cuts
    are keys of the source with the most terms, every CUT_EVERY of them."""
    if not spans:
        return
    widest = max(spans, key=lambda span: span[2] - span[1])
    table, a, b = widest[0].table, widest[1], widest[2]
    keys = [table.key(i)[2:] for i in range(a + CUT_EVERY, b, CUT_EVERY)]
    marks = []  # per source: where each cut key falls in its records
    for source, a, b in spans:
        at, found = a, [a]
        for key in keys:
            at = source.table.find(key, at, b)
            found.append(at)
        found.append(b)
        marks.append(found)
    marks_a = np.array(marks, np.int64)  # sources × (cuts + 2)
    per_cut = np.diff(marks_a, axis=1).sum(axis=0)  # terms between successive cuts
    start = 0
    while start < len(per_cut):
        stop = start + max(
            1, int(np.searchsorted(np.cumsum(per_cut[start:]), TERMS_AT_ONCE, "right"))
        )
        yield [(int(m[start]), int(m[stop])) for m in marks_a]
        start = stop


def _merge_terms(writer, name: str, fieldobj, present, stride: int, lengths, spelling: bool):
    """The postings of a range of terms from every source that has some of them."""
    names = sorted(set().union(*(terms.names for _, terms in present)))
    if not names:
        return
    number = {term: i for i, term in enumerate(names)}
    numbered = [
        np.fromiter(map(number.__getitem__, terms.names), np.int64, len(terms.names))
        for _, terms in present
    ]
    postings = np.zeros(len(names), np.int64)
    file_bytes = np.zeros(len(names), np.int64)
    for (_, terms), mine in zip(present, numbered, strict=True):
        postings[mine] += terms.counts
        file_bytes[mine] += terms.sizes
    lo = 0
    while lo < len(names):
        hi = _chunk_end(postings, file_bytes, lo)
        chunk = _gather(present, numbered, lo, hi, stride, spelling)
        if chunk is not None:
            term_numbers, ids, weights, ends, values, value_starts = chunk
            length_bytes = lengths[ids] if lengths is not None else np.zeros(len(ids), np.uint8)
            firsts = np.flatnonzero(np.diff(term_numbers, prepend=-1))
            writer.fieldwriter.add_field_postings(
                name,
                fieldobj,
                FieldPostings(
                    terms=[names[i] for i in term_numbers[firsts].tolist()],
                    term_starts=np.append(firsts, len(ids)),
                    ids=ids,
                    weights=weights,
                    length_bytes=length_bytes,
                    ends=ends,
                    values=values,
                    value_starts=value_starts,
                ),
            )
        lo = hi


def _chunk_end(postings: np.ndarray, file_bytes: np.ndarray, lo: int) -> int:
    """The end of the term range from `lo` that stays within the chunk's limits (at least
    one term, however big)."""
    by_postings = np.searchsorted(np.cumsum(postings[lo:]), CHUNK_POSTINGS, "right")
    by_bytes = np.searchsorted(np.cumsum(file_bytes[lo:]), CHUNK_BYTES, "right")
    return lo + max(1, int(min(by_postings, by_bytes)))


def _gather(present, numbered, lo: int, hi: int, stride: int, spelling: bool):
    """The postings of terms lo..hi-1 (merged numbering) from every source, renumbered
    and in output order: (term numbers, ids, weights, ends, values, value starts by
    term), or None when every one of them belongs to a deleted document."""
    parts = []
    buffers = []
    for k, ((source, terms), mine) in enumerate(zip(present, numbered, strict=True)):
        a, b = int(np.searchsorted(mine, lo)), int(np.searchsorted(mine, hi))
        if a == b:
            continue
        first, last = int(terms.offsets[a]), int(terms.offsets[b - 1] + terms.sizes[b - 1])
        with open(source.postings_path, "rb") as f:
            raw = os.pread(f.fileno(), last - first, first)
        if len(raw) != last - first:
            raise OSError(f"{source.postings_path} is shorter than its term table says")
        data = np.frombuffer(raw, np.uint8)
        starts = terms.offsets[a:b] - first
        counts = terms.counts[a:b]
        if (data[starts[:, None] + np.arange(4)] != np.frombuffer(MAGIC, np.uint8)).any():
            raise CorruptPostings(f"{source.postings_path}: not Gloss's postings")
        blocks = (counts + BLOCK - 1) // BLOCK
        ids_at = starts + _HEAD_SIZE + 10 * blocks + (-(2 * blocks) % 4)
        values_at = ids_at + 12 * counts
        owner = np.repeat(np.arange(b - a), counts)
        row = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        at = ids_at[owner] + 4 * row
        count = counts[owner]
        old_ids = _little_u32(data, at).astype(np.int64)
        weights = _little_u32(data, at + 4 * count).view(np.float32)
        value_ends = _little_u32(data, at + 8 * count).astype(np.int64)
        value_starts = np.where(row > 0, np.roll(value_ends, 1), 0)
        value_starts[row == 0] = 0
        if spelling:
            if not len(source.live):
                continue
            nearest = np.minimum(np.searchsorted(source.live, old_ids), len(source.live) - 1)
            new_ids = source.base + nearest
        else:
            new_ids = source.docmap[old_ids]
        keep = new_ids >= 0
        base_at = values_at[owner]
        parts.append(
            (
                mine[a:b][owner][keep],
                new_ids[keep],
                weights[keep],
                np.full(int(keep.sum()), k, np.int32),
                (base_at + value_starts)[keep],
                (base_at + value_ends)[keep],
            )
        )
        buffers.append((k, raw))
    if not parts:
        return None
    term_numbers, ids, weights, owners, starts_b, ends_b = (
        np.concatenate(p) for p in zip(*parts, strict=True)
    )
    if not len(ids):
        return None
    order = np.argsort(term_numbers, kind="stable")
    term_numbers, ids, weights = term_numbers[order], ids[order], weights[order]
    owners, starts_b, ends_b = owners[order], starts_b[order], ends_b[order]
    del order
    if spelling:  # one posting per word and document (sources' words share documents)
        fresh = np.ones(len(ids), np.bool_)
        fresh[1:] = (term_numbers[1:] != term_numbers[:-1]) | (ids[1:] != ids[:-1])
        if not fresh.all():
            term_numbers, ids, weights = term_numbers[fresh], ids[fresh], weights[fresh]
            owners, starts_b, ends_b = owners[fresh], starts_b[fresh], ends_b[fresh]
    sizes = ends_b - starts_b
    if stride and (sizes % (4 * stride)).any():
        raise CorruptPostings("places that are not whole ints")
    values = _copy_runs(dict(buffers), owners, starts_b, ends_b)
    total = np.cumsum(sizes)
    firsts = np.flatnonzero(np.diff(term_numbers, prepend=-1))
    before = (total - sizes)[firsts]  # bytes before each term's first value
    ends = total - np.repeat(before, np.diff(np.append(firsts, len(ids))))
    value_starts = np.append(before, total[-1] if len(total) else 0)
    return term_numbers, ids, weights, ends, values, value_starts


def _copy_runs(buffers: dict[int, bytes], owners, starts, ends) -> bytes:
    """The byte ranges (source, start, end), one after another, copied as runs: ranges
    that follow each other in one source are one slice."""
    if not len(owners):
        return b""
    joined = np.ones(len(owners), np.bool_)
    joined[1:] = (owners[1:] != owners[:-1]) | (starts[1:] != ends[:-1])
    run_firsts = np.flatnonzero(joined)
    run_lasts = np.append(run_firsts[1:], len(owners)) - 1
    views = {k: memoryview(raw) for k, raw in buffers.items()}
    return b"".join(
        [
            views[k][a:b]
            for k, a, b in zip(
                owners[run_firsts].tolist(),
                starts[run_firsts].tolist(),
                ends[run_lasts].tolist(),
                strict=True,
            )
        ]
    )
