"""An import's segments written in one pass: documents analysed into arrays, terms sorted
with NumPy, each term written at once in Gloss's codec (the worker processes' writer).

whoosh's writer (`SegmentWriter.add_document`) turns every posting into a tuple, puts it
in a sorting pool, sorts the pool, then hands the postings back to the codec one call
each, and the codec gathers them again into a term's arrays. At 44,500 articles that
was most of what making an import searchable cost. Here a text field's tokens become,
per document, an array of term numbers and an array of places (`analysis.token_table`);
at the end one stable sort by term gives every term's postings side by side, their
frequencies, value ends and block statistics come from array operations, and the codec
writes a term with one call (`codec.FlatFieldWriter.add_field_postings`).

The segment is the one whoosh's writer makes of the same documents: the same terms,
weights, places, field lengths, stored fields, columns and spelling words, byte for byte
in the postings (tests/test_search_bulk.py holds it so). The per-document side (stored
fields, lengths, columns) goes through whoosh's own per-document writer, as before.
"""

from __future__ import annotations

import contextlib
import shutil
from concurrent.futures import Future
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.filedb.filestore import FileStorage
from whoosh.system import pack_uint
from whoosh.util.numeric import length_to_byte

from index.search import merge as search_merge
from index.search import whoosh_wall as wall
from index.search.analysis import (
    STEM_ANALYZER,
    plain_term,
    plain_tokens,
    spelling_words,
    token_table,
)
from index.search.codec import FieldPostings
from index.search.fields import SCHEMA, SpelledText, SpellingWriter, document_fields

_COUNT = 4  # whoosh's encoded places start with their count (pack_uint)
_KEPT_VALUE = 200  # characters: a field value this short has its postings kept (_postings_of)


class _Numbering(dict):
    """Term → its number in the segment, numbered in order of first use."""

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self)
        return number


class _WordNumbers(dict):
    """Lower-case plain word → its term's number (each new word's term worked out once).

    The words new to it are listed in `new` as well: a word it already holds came in an
    earlier document of the segment, so its spelling word is listed already."""

    def __init__(self, numbers: _Numbering) -> None:
        super().__init__()
        self.numbers = numbers
        self.new: list[str] = []

    def __missing__(self, word: str) -> int:
        number = self[word] = self.numbers[plain_term(word)]
        self.new.append(word)
        return number


class _Analysed:
    """A SpelledText field's tokens over the segment's documents, as arrays."""

    __slots__ = ("codes", "docs", "lasts", "numbers", "places", "stride", "wanted", "words")

    def __init__(self, stride: int) -> None:
        self.stride = stride
        self.numbers = _Numbering()
        self.words = _WordNumbers(self.numbers)
        self.codes: list[np.ndarray] = []
        self.docs: list[tuple[int, int]] = []  # (document, tokens) in order
        self.places: list[np.ndarray] = []
        self.wanted: list[int] = []  # documents whose last first-used term's value is wanted
        self.lasts: dict[int, bytes] = {}  # ...and those values, once `postings` ran

    def add(self, docnum: int, text: str) -> tuple[np.ndarray, np.ndarray, set[str]]:
        """Take one document's text: its tokens' term numbers and places, and its
        spelling words (for a plain text, those new to this field in the segment: the
        others are listed already)."""
        plain = plain_tokens(text)
        if plain is None:
            terms, table, words = token_table(text)
            codes = np.fromiter(map(self.numbers.__getitem__, terms), np.int32, len(terms))
        else:
            terms, table = plain
            self.words.new = []
            codes = np.fromiter(map(self.words.__getitem__, terms), np.int32, len(terms))
            words = spelling_words(self.words.new)
        if len(codes):
            self.codes.append(codes)
            self.docs.append((docnum, len(codes)))
            self.places.append(table if self.stride == 3 else table[:, :1])
        return codes, table, words

    def postings(self, length_bytes: np.ndarray) -> FieldPostings | None:
        """Every term's postings, terms in byte order, documents ascending (None when
        no document had a token in this field)."""
        if not self.codes:
            return None
        names = [term.encode("utf-8") for term in self.numbers]
        by_bytes = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), np.int32)
        rank[by_bytes] = np.arange(len(names), dtype=np.int32)
        codes = rank[np.concatenate(self.codes)]
        docnums, counts = zip(*self.docs, strict=True)
        docs = np.repeat(np.array(docnums, np.int32), counts)
        places = np.concatenate(self.places)
        self.codes, self.docs, self.places = [], [], []  # (their memory, before the copies)
        order = np.argsort(codes, kind="stable")  # documents and positions stay in order
        codes, docs = codes[order], docs[order]
        places = np.ascontiguousarray(places[order], np.int32)
        n = len(codes)
        fresh = np.ones(n, np.bool_)
        fresh[1:] = (codes[1:] != codes[:-1]) | (docs[1:] != docs[:-1])
        first = np.flatnonzero(fresh)  # each posting's first token
        posting_code, posting_doc = codes[first], docs[first]
        stops = np.append(first[1:], n)
        doc_ends = np.cumsum(counts)
        self.lasts = self._last_values(order[first], first, stops, doc_ends, docnums, places)
        del order
        new_term = np.ones(len(first), np.bool_)
        new_term[1:] = posting_code[1:] != posting_code[:-1]
        term_first = np.flatnonzero(new_term)  # each term's first posting
        term_token = first[term_first]  # each term's first token
        owner = np.cumsum(new_term) - 1
        size = 4 * self.stride
        return FieldPostings(
            terms=[names[i] for i in by_bytes],
            term_starts=np.append(term_first, len(first)),
            ids=posting_doc,
            weights=(stops - first).astype(np.float32),
            length_bytes=length_bytes[posting_doc],
            ends=(stops - term_token[owner]) * size,
            values=places.data.cast("B"),  # slices of it are views, not copies
            value_starts=np.append(term_token, n) * size,
        )

    def _last_values(self, taken, first, stops, doc_ends, docnums, places) -> dict[int, bytes]:
        """The value whoosh's spelling postings carry for each wanted document: the places
        of the term whose first use in it comes last (that posting's encoded value).

        `taken` is each posting's first token as numbered in the tokens' own order (by
        document, then place): a document's last such token is that term's first use."""
        if not self.wanted:
            return {}
        posting_of = np.empty(len(places), np.int64)
        posting_of[taken] = np.arange(len(taken))
        firsts = np.sort(taken)
        wanted = np.searchsorted(np.asarray(docnums), self.wanted)
        chosen = posting_of[firsts[np.searchsorted(firsts, doc_ends[wanted]) - 1]]
        out = {}
        for docnum, p in zip(self.wanted, chosen.tolist(), strict=True):
            a, b = int(first[p]), int(stops[p])
            out[docnum] = pack_uint(b - a) + places[a:b].tobytes()
        return out


def _listed_postings(items: list[tuple], length_bytes: np.ndarray | None) -> FieldPostings:
    """FieldPostings of (term bytes, doc, weight, value bytes) tuples given in doc order."""
    items.sort(key=itemgetter(0))  # stable: documents stay ascending within a term
    terms = [t for t, *_ in items]
    starts = [i for i in range(len(terms)) if i == 0 or terms[i] != terms[i - 1]]
    ids = np.fromiter(map(itemgetter(1), items), np.int64, len(items))
    values = [v for *_, v in items]
    sizes = np.fromiter(map(len, values), np.int64, len(values))
    ends_all = np.cumsum(sizes)
    starts_a = np.array(starts, np.int64)
    value_starts = np.append(
        ends_all[starts_a] - sizes[starts_a], ends_all[-1] if len(ends_all) else 0
    )
    owner = np.repeat(np.arange(len(starts)), np.diff(np.append(starts_a, len(items))))
    lengths = np.zeros(len(items), np.uint8) if length_bytes is None else length_bytes[ids]
    return FieldPostings(
        terms=[terms[i] for i in starts],
        term_starts=np.append(starts_a, len(items)),
        ids=ids,
        weights=np.fromiter(map(itemgetter(2), items), np.float32, len(items)),
        length_bytes=lengths,
        ends=ends_all - value_starts[:-1][owner],
        values=b"".join(values),
        value_starts=value_starts,
    )


class SegmentBuilder:
    """Documents added to a new segment of `writer`'s index, written by `finish()`.

    `writer` (a SpellingWriter) provides the segment, its codec and per-document writer;
    its own posting pool stays empty.
    """

    def __init__(self, writer: SpellingWriter) -> None:
        self._writer = writer
        self._schema = writer.schema
        self._perdoc = writer.perdocwriter
        self._analysed: dict[str, _Analysed] = {}
        self._listed: dict[str, list[tuple]] = {}
        self._lengths: dict[str, list[int]] = {}  # field → each document's length byte
        self._spelled: set[str] = set()  # spelling words listed (one set for all fields)
        self._indexed: dict[tuple[str, Any], list[tuple]] = {}  # see _postings_of
        self._late: list[tuple[str, list[bytes], str, int]] = []  # spelling postings to add

    def add(self, fields: dict[str, Any]) -> None:
        """One document's fields (as document_fields gives them), as add_document takes them."""
        writer, perdoc, schema = self._writer, self._perdoc, self._schema
        docnum = writer.docnum
        perdoc.start_doc(docnum)
        vbytes = b""  # whoosh's spelling postings carry the field's last posting's value
        for name in sorted(n for n in fields if not n.startswith("_")):
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            fresh: set[str] | None = None
            if field.indexed and isinstance(field, SpelledText):
                if not isinstance(value, str) or field.analyzer is not STEM_ANALYZER:
                    raise ValueError(f"field {name!r} needs text for the stemming analyzer")
                length, fresh = self._analyse(name, field, value, docnum)
            elif field.indexed:
                listed = self._listed.setdefault(name, [])
                postings = self._postings_of(name, field, value)
                for tbytes, freq, weight, kept, _ in postings:
                    if field.scorable:
                        length += freq
                    listed.append((tbytes, docnum, weight, kept))
                if postings:
                    vbytes = postings[-1][4]
            if field.separate_spelling() and fresh is not None:
                if fresh:  # their postings' value is known once the field's are (finish)
                    words = [w.encode("utf-8") for w in sorted(fresh)]
                    self._late.append((field.spelling_fieldname(name), words, name, docnum))
            elif field.separate_spelling():
                spell = self._listed.setdefault(field.spelling_fieldname(name), [])
                spell += [(w.encode("utf-8"), 0, 1.0, vbytes) for w in field.spellable_words(value)]
            perdoc.add_field(name, field, value if field.stored else None, length)
            if length:
                lengths = self._lengths.setdefault(name, [])
                lengths += [0] * (docnum - len(lengths))
                lengths.append(length_to_byte(length))
            column = field.column_type
            if column:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        writer.docnum += 1

    def _postings_of(self, name: str, field, value) -> list[tuple]:
        """(term bytes, frequency, weight, value kept, value) of each posting `field.index`
        gives for `value`: worked out once per segment for a short value (a date, the
        flags, an author, a colour come again and again), each time for an id."""
        key = (name, value)
        found = self._indexed.get(key) if name != "id" else None
        if found is None:
            stride = getattr(field.format, "stride", 0)
            found = [
                (tbytes, freq, weight, vbytes[_COUNT:] if stride else vbytes, vbytes)
                for tbytes, freq, weight, vbytes in field.index(value)
            ]
            if name != "id" and isinstance(value, str) and len(value) <= _KEPT_VALUE:
                self._indexed[key] = found
        return found

    def _analyse(self, name: str, field, value: str, docnum: int) -> tuple[int, set[str]]:
        """(length, fresh spelling words) of a SpelledText; a document with fresh words
        is marked for its spelling postings' value (see _Analysed.lasts)."""
        analysed = self._analysed.get(name)
        if analysed is None:
            stride = getattr(field.format, "stride", 0)
            analysed = self._analysed[name] = _Analysed(stride)
        codes, _table, words = analysed.add(docnum, value)
        fresh = words - self._spelled
        if fresh:
            self._spelled |= fresh
            analysed.wanted.append(docnum)
        return len(codes), fresh

    def finish(self):
        """Write the postings and close the segment; returns whoosh's Segment (uncommitted)."""
        writer = self._writer
        count = writer.docnum
        self._perdoc.close()
        lengths = {}
        for name, values in self._lengths.items():
            lengths[name] = np.zeros(max(count, 1), np.uint8)
            lengths[name][: len(values)] = values
        fieldwriter = writer.fieldwriter
        analysed = {}
        for name, field_tokens in self._analysed.items():
            empty = np.zeros(max(count, 1), np.uint8)
            analysed[name] = field_tokens.postings(lengths.get(name, empty))
        # whoosh's spelling postings carry the value of the field's last posting: the
        # places of the term used last for the first time in the document
        for spelling, words, name, docnum in self._late:
            last = self._analysed[name].lasts[docnum]
            self._listed.setdefault(spelling, []).extend((w, 0, 1.0, last) for w in words)
        for name in sorted({*self._analysed, *self._listed}):
            field = self._schema[name]
            if name in self._analysed:
                postings = analysed.pop(name)
                if postings is None:
                    continue
            elif self._listed[name]:
                postings = _listed_postings(self._listed[name], lengths.get(name))
            else:
                continue
            fieldwriter.add_field_postings(name, field, postings)
        fieldwriter.close()
        return wall.close_built_segment(writer)


@dataclass(slots=True)
class Building:
    """A segment being built (by a worker process, or already by this thread) as the one
    segment of a new index in `side`, a folder beside the index: safe from the commits
    made to the index meanwhile, which delete the segment files they do not list."""

    side: Path
    future: Future

    def moved_into(self, folder: Path):
        """The built segment (waited for), its files moved into the index `folder`; the
        side folder is removed whatever happens. Raises what the build raised."""
        try:
            built = self.future.result()
            if built is not None:
                search_merge.move_in(self.side, folder, built)
            return built
        finally:
            shutil.rmtree(self.side, ignore_errors=True)

    def dropped(self) -> None:
        """Nothing of the build kept: cancelled, or waited for, and its folder removed."""
        if not self.future.cancel():
            with contextlib.suppress(Exception):  # (a failure is told by whoever waited)
                self.future.result()
        shutil.rmtree(self.side, ignore_errors=True)


def start_building(pool, folder: Path, indexname: str, docs: list[dict]) -> Building:
    """Build `docs` as a new segment beside the index in `folder`: in one of `pool`'s
    worker processes, or in this thread when `pool` is None."""
    side = search_merge.side_folder(folder)
    if pool is not None:
        return Building(side, pool.submit(build_segment, str(side), indexname, docs))
    future: Future = Future()
    try:
        future.set_result(build_segment(str(side), indexname, docs))
    except Exception as error:
        future.set_exception(error)
    return Building(side, future)


def build_segment(folder: str, indexname: str, docs: list[dict]):
    """In a worker process: write `docs` as the one segment of a new index in the empty
    folder `folder` and return it (whoosh's Segment, uncommitted) for the parent to move
    into its index and commit (SearchIndex.add_built)."""
    ix = FileStorage(folder).create_index(SCHEMA, indexname=indexname)
    writer = SpellingWriter(ix, _lk=False, limitmb=8, compound=False)
    try:
        builder = SegmentBuilder(writer)
        for doc in docs:
            builder.add(document_fields(doc))
        return builder.finish()
    finally:
        writer.spelled_done()


def delete_ids(writer, searcher, ids, table_of) -> int:
    """Delete from `writer` every live document of `searcher` (its base) whose id is in
    `ids`; returns how many. `table_of(leaf)` is a segment's facet table (its `ids` by
    docnum, cached per segment by the index).

    What `delete_by_term("id", …)` does for each id, found through the facet tables
    rather than one term lookup per id and segment: an import's ids are new, and asking
    every segment about each of them held the commit of a round (the builders idle) for
    about 0.8 s per 6,000 documents.
    """
    wanted = set(ids)
    deleted = 0
    if not wanted:
        return deleted
    for leaf, offset in searcher.reader().leaf_readers():
        if not leaf.doc_count_all():
            continue
        doc_ids = table_of(leaf).ids
        if wanted.isdisjoint(doc_ids):
            continue
        for docnum, doc_id in enumerate(doc_ids):
            if doc_id in wanted and not leaf.is_deleted(docnum):
                writer.delete_document(offset + docnum)
                deleted += 1
    return deleted
