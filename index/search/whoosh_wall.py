"""Every private name of whoosh that Gloss relies on, and nowhere else.

Gloss writes postings in its own format through a subclass of whoosh's postings writer
(codec.py), and reads whoosh's older posting blocks, length columns and tables of contents
directly, for speed (see scorer.py and engine.py). Those are whoosh's
internals, not its API: a whoosh release may rename any of them. So they are
reached only through the functions below, and `check()` verifies, before an
index is opened, that the installed whoosh still has each of them. A mismatch
is one clear line naming the whoosh version (`WhooshUnsupported`), never an
index read as damaged, wiped and rebuilt in a loop.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterator
from hashlib import md5
from importlib import metadata
from typing import Any

import numpy as np
from whoosh import fields, query
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3TermInfo
from whoosh.filedb.filestore import RamStorage
from whoosh.filedb.filetables import OrderedHashReader
from whoosh.index import FileIndex
from whoosh.matching.wrappers import WrappingMatcher
from whoosh.reading import TermNotFound
from whoosh.writing import SegmentWriter

from index.search.codec import CorruptPostings
from index.store.database import StoreError

SUPPORTED = "2.7.5"  # the whoosh-reloaded release these names were read from


class WhooshUnsupported(StoreError):
    """The installed whoosh lacks an internal Gloss reads: a one-line message.

    A StoreError (the environment's fault, told to the user as such), never
    IndexDamaged: rebuilding would only fail the same way.
    """


def whoosh_version() -> str:
    try:
        return metadata.version("whoosh-reloaded")
    except metadata.PackageNotFoundError:
        import whoosh

        return ".".join(str(p) for p in getattr(whoosh, "__version__", ("unknown",)))


# --- the index and its table of contents ---------------------------------------------------


def read_toc(ix: FileIndex) -> Any:
    """The index's current table of contents (segments, generation), read afresh."""
    return ix._read_toc()


def index_schema(ix: FileIndex) -> Any:
    return ix._schema


def index_segments(ix: FileIndex) -> list:
    return ix._segments()


def set_generation(leaf: Any, generation: int) -> None:
    """Mark a reused segment reader as belonging to a newer table of contents."""
    leaf._gen = generation


# --- segment readers and columns -----------------------------------------------------------


def has_stored_column(leaf: Any) -> bool:
    """True when the segment still has its stored-fields column (its files are there)."""
    return leaf._perdoc.has_column("_stored")


def length_column(leaf: Any, fieldname: str) -> Any:
    """The per-document length column of `fieldname` in one segment (None when absent).

    `leaf` is a SegmentReader, or its per-document reader when `perdoc` is known.
    """
    perdoc = getattr(leaf, "_perdoc", leaf)
    return perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)


def column_bytes(column: Any) -> bytes | None:
    """A one-byte numeric column's raw bytes in one read; None for any other column."""
    if getattr(column, "_typecode", None) != "B" or not hasattr(column, "_count"):
        return None
    raw = column._dbfile.get(column._basepos, column._count)
    return raw if raw is not None and len(raw) == column._count else None


def var_column_block(column: Any) -> tuple[bytes, Any] | None:
    """A variable-bytes column's rows as one block and the rows' byte lengths (an
    `array`), in one read; None for any other column (read it row by row then)."""
    inner = column.raw_column() if hasattr(column, "raw_column") else column
    lengths = getattr(inner, "_lengths", None)
    if lengths is None or not hasattr(lengths, "typecode") or not hasattr(inner, "_dbfile"):
        return None
    total = sum(lengths)
    raw = inner._dbfile.get(inner._basepos, total) if total else b""
    return (raw, lengths) if raw is not None and len(raw) == total else None


# --- writers -------------------------------------------------------------------------------


def finalize_segment(writer: SegmentWriter) -> Any:
    """Finish a writer's segment without committing it (the parent process commits)."""
    return writer._finalize_segment()


def close_built_segment(writer: SegmentWriter) -> Any:
    """Close a segment whose postings were written without the writer's pool (bulk.py)
    and return it, uncommitted."""
    writer._close_segment()
    writer._assemble_segment()
    return writer.get_segment()


def term_table_positions(dbfile: Any, length: int) -> tuple[dict[str, int], Any]:
    """A segment's term table (an ordered hash file): its field numbers by name and
    where each key's record begins, in key order (a NumPy array read in one go)."""
    table = OrderedHashReader(dbfile, length)
    count, size = table.indexlen, table.indexsize
    raw = dbfile.get(table.indexbase, count * size) if count else b""
    dtype = np.dtype(">" + table.extras["indextype"])
    return dict(table.extras["fieldmap"]), np.frombuffer(raw, dtype, count)


def set_field_totals(perdoc: Any, totals: dict[str, int]) -> None:
    """Set the total lengths a segment's per-document writer records for some fields
    (whoosh sums the lengths given to `add_field`; a merge knows them better)."""
    perdoc._fieldlengths.update(totals)


# --- queries and postings ------------------------------------------------------------------


def term_texts(q: Any, leaf: Any) -> Iterator[bytes]:
    """The indexed terms (as bytes) a multi-term query (prefix, wildcard) expands to."""
    return q._btexts(leaf)


def term_matcher(leaf: Any, fieldname: str, text: str | bytes) -> Any:
    """A term's postings in one segment as its codec reads them, deletions not filtered
    (the scorer drops deleted documents once, after scoring). whoosh's own
    `SegmentReader.postings` wraps them in a filter that lists every posting in Python
    when the segment has deletions. Raises TermNotFound for a term (or field) not there."""
    if not hasattr(leaf, "_terms"):  # not a segment's reader: whoosh's way, filter taken off
        matcher = leaf.postings(fieldname, text)
        while isinstance(matcher, WrappingMatcher):
            matcher = matcher.child
        return matcher
    if fieldname not in leaf.schema:
        raise TermNotFound(f"no field {fieldname!r}")
    field = leaf.schema[fieldname]
    btext = text if isinstance(text, bytes) else field.to_bytes(text)
    terms = leaf._terms
    table = terms._tindex
    mapped = getattr(table.dbfile, "mapped", None)
    if mapped is None or table.hashtype != 0:  # not a mapped file of MD5 keys: whoosh's way
        return terms.matcher(fieldname, btext, field.format)
    at, size = _term_value(terms, mapped, fieldname, btext)
    info = W3TermInfo.from_bytes(mapped[at : at + size])
    return terms._codec.postings_reader(
        terms._postfile, info, field.format, term=(fieldname, btext)
    )


def term_offset(leaf: Any, fieldname: str, text: str | bytes) -> tuple[Any, Any, int] | None:
    """(the segment's codec, its postings file, where the term's postings start) for a
    term stored out of line in a segment read from a map, without whoosh's TermInfo and
    matcher objects; None for any other case (inlined postings, a reader that is not a
    segment's, whoosh's own hashing): `term_matcher` reads those. Raises TermNotFound."""
    terms = getattr(leaf, "_terms", None)
    if terms is None:
        return None
    table = terms._tindex
    mapped = getattr(table.dbfile, "mapped", None)
    if mapped is None or table.hashtype != 0:
        return None
    if fieldname not in leaf.schema:
        raise TermNotFound(f"no field {fieldname!r}")
    btext = text if isinstance(text, bytes) else leaf.schema[fieldname].to_bytes(text)
    at, size = _term_value(terms, mapped, fieldname, btext)
    head = W3TermInfo._struct.size
    try:
        if mapped[at] or size < head + 8:  # a flag: the postings are inlined in the value
            return None
        return terms._codec, terms._postfile, _OFFSET.unpack_from(mapped, at + head)[0]
    except (IndexError, struct.error) as exc:
        raise CorruptPostings(f"unreadable term {fieldname}:{btext!r}: {exc}") from exc


_OFFSET = struct.Struct("!q")  # after a term's statistics: where its postings start


def _term_value(terms: Any, mapped: Any, fieldname: str, btext: bytes) -> tuple[int, int]:
    """Where a term's value (W3TermInfo's bytes) is in the terms file, and its length."""
    try:
        found = _find_key(terms._tindex, mapped, terms._keycoder(fieldname, btext))
    except (IndexError, struct.error, ZeroDivisionError) as exc:  # the file's bytes are not
        raise CorruptPostings(f"unreadable term {fieldname}:{btext!r}: {exc}") from exc
    if found is None:
        raise TermNotFound(f"no term {fieldname}:{btext!r}")
    return found


_SLOT = struct.Struct("!Iq")  # a hash table's slot: the key's hash, where its entry is
_SIZES = struct.Struct("!ii")  # an entry's key and value lengths


def _find_key(table, mapped, key: bytes) -> tuple[int, int] | None:
    """(where the value is, its length) of `key` in whoosh's on-disk hash file `table`
    (HashReader.ranges_for_key, MD5 keys), read from its map with `unpack_from`: the
    same probe without the generators and a copy of each slot read."""
    keyhash = int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")
    start, slots = table.tables[keyhash & 255]
    if not slots:
        return None
    end = start + slots * _SLOT.size
    at = start + ((keyhash >> 8) % slots) * _SLOT.size
    size = len(key)
    for _ in range(slots):
        slot_hash, entry = _SLOT.unpack_from(mapped, at)
        if not entry:
            return None
        if slot_hash == keyhash:
            key_size, value_size = _SIZES.unpack_from(mapped, entry)
            begin = entry + _SIZES.size
            if key_size == size and mapped[begin : begin + size] == key:
                return begin + size, value_size
        at += _SLOT.size
        if at == end:
            at = start
    return None


def has_blocks(matcher: Any) -> bool:
    """True for a matcher over whoosh's block postings (W3LeafMatcher: indexes before gloss4)."""
    return hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block")


def read_block(matcher: Any, values: bool) -> tuple[Any, Any, Any]:
    """The current block's document numbers, weights and (optionally) values."""
    matcher._read_ids()
    matcher._read_weights()
    if values:
        matcher._read_values()
    return matcher._ids, matcher._weights, matcher._values if values else None


def next_block(matcher: Any) -> None:
    matcher._next_block()


# --- the check at open ---------------------------------------------------------------------


@functools.cache
def check() -> None:
    """Raise WhooshUnsupported unless every internal above exists in the installed whoosh.

    Builds a one-document index in memory and touches each name once (a few
    milliseconds, once per process).
    """
    missing = _missing()
    if missing:
        raise WhooshUnsupported(
            f"this whoosh-reloaded ({whoosh_version()}) is not one Gloss supports: it lacks "
            f"{', '.join(missing)}; install whoosh-reloaded=={SUPPORTED}"
        )


def _missing() -> list[str]:
    missing = [
        f"{owner.__name__}.{name}"
        for owner, name in (
            (FileIndex, "_read_toc"),
            (FileIndex, "_segments"),
            (SegmentWriter, "_finalize_segment"),
            (SegmentWriter, "_finish"),  # fields.SpellingWriter overrides it
            (query.PatternQuery, "_btexts"),
            (W3TermInfo, "_struct"),
        )
        if not hasattr(owner, name)
    ]
    if missing:
        return missing
    schema = fields.Schema(body=fields.TEXT(phrase=True))
    ix = RamStorage().create_index(schema)
    checks = []
    with ix.writer() as writer:
        writer.add_document(body="wall check")
        checks.append(("PerDocWriter._fieldlengths", hasattr(writer.perdocwriter, "_fieldlengths")))
    with ix.searcher() as searcher:
        leaf = searcher.reader()
        checks.append(("SegmentReader._perdoc", hasattr(leaf, "_perdoc")))
        checks.append(("FileIndex._schema", hasattr(ix, "_schema")))
        checks.append(("SegmentReader._gen", hasattr(leaf, "_gen")))
        checks.append(("SegmentReader._terms", hasattr(leaf, "_terms")))
        terms = getattr(leaf, "_terms", None)
        for name in ("_tindex", "_keycoder", "_codec", "_postfile"):
            checks.append((f"W3TermsReader.{name}", hasattr(terms, name)))
        table = getattr(terms, "_tindex", None)
        for name in ("tables", "hashtype", "dbfile"):
            checks.append((f"HashReader.{name}", hasattr(table, name)))
        if hasattr(leaf, "_perdoc"):
            checks.append(("PerDocReader._cached_reader", hasattr(leaf._perdoc, "_cached_reader")))
        table = getattr(getattr(leaf, "_terms", None), "_tindex", None)  # the term table
        for name in ("indexbase", "indexlen", "indexsize", "extras"):  # term_table_positions
            checks.append((f"OrderedHashReader.{name}", hasattr(table, name)))
        matcher = leaf.postings("body", b"wall")
        for name in ("_read_ids", "_read_weights", "_read_values", "_next_block"):
            checks.append((f"W3LeafMatcher.{name}", hasattr(matcher, name)))
        if has_blocks(matcher):
            for name in ("_ids", "_weights", "_values"):
                matcher._read_ids()
                checks.append((f"W3LeafMatcher.{name}", hasattr(matcher, name)))
        column = length_column(leaf, "body") if hasattr(leaf, "_perdoc") else None
        for name in ("_dbfile", "_basepos", "_count", "_typecode"):
            checks.append((f"column.{name}", column is not None and hasattr(column, name)))
    checks.append(("W3PostingsWriter (Gloss's codec writes through it)", _flat_codec_works()))
    return [name for name, ok in checks if not ok]


def _flat_codec_works() -> bool:
    """Gloss's codec (codec.py) subclasses whoosh's postings writer and keeps its block
    statistics (`_ids`, `_weights`, `_maxweight`, `_minlength`, `_maxlength`,
    `_new_block`, `_terminfo`, `_startoffset`): one document written and read back."""
    from index.search.codec import FlatCharacters, FlatMatcher, GlossCodec

    schema = fields.Schema(body=fields.TEXT(phrase=True))
    schema["body"].format = FlatCharacters()
    ix = RamStorage().create_index(schema)
    try:
        with ix.writer(codec=GlossCodec()) as writer:
            writer.add_document(body="wall check wall")
        with ix.searcher() as searcher:
            matcher = searcher.reader().postings("body", b"wall")
            if not isinstance(matcher, FlatMatcher):
                return False
            postings = matcher.postings
            return postings.ids.tolist() == [0] and matcher.value_as("positions") == [0, 2]
    except (AttributeError, TypeError, ValueError, AssertionError):
        return False
