"""The bytes of Gloss's postings runs (codec.py), for a whole field's terms at once.

codec.py describes a term's run: a header, the block table, the ids, weights and value
ends as 4-byte integers, then the values. When an import's segment is written
(bulk.py → `FlatFieldWriter.add_field_postings`) every term of a field is known at once,
as arrays side by side; a run per term in Python (ten slices, a join, three packs) cost
about a tenth of building the segment, with tens of thousands of terms (most of them
seen once) per segment. Here the runs of many terms are laid out together in one array
of 4-byte units, and their term infos in one structured array: the same bytes
(tests/test_search_bulk.py holds them equal to the run-by-run writing).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import numpy as np

MAGIC = b"GLP1"
BLOCK = 1024  # postings per block header
HEAD = struct.Struct("<4sIIB3x")  # magic, postings, blocks, stride
# whoosh's W3TermInfo as bytes: flags (1 = inlined), total weight, documents, min and max
# length (as bytes), max weight, first and last id; then the extent (offset, length).
TERMINFO = struct.Struct("!BfIBBfII")
_HEAD_TYPE = np.dtype([("magic", "S4"), ("count", "<u4"), ("blocks", "<u4"), ("stride", "u1"),
                       ("pad", "V3")])  # fmt: skip
_INFO_TYPE = np.dtype(
    [("flags", "u1"), ("weight", ">f4"), ("docs", ">u4"), ("min", "u1"), ("max", "u1"),
     ("max_weight", ">f4"), ("first", ">u4"), ("last", ">u4"), ("at", ">i8"), ("size", ">i4")]
)  # fmt: skip
_GROUP_BYTES = 4 << 20  # runs laid out (and written) together, at most about this much


def _place(units: np.ndarray, to: np.ndarray, source: np.ndarray, at: np.ndarray, n) -> None:
    """units[to[k] + i] = source[at[k] + i] for i < n[k], for every k."""
    total = int(n.sum())
    if not total:
        return
    rows = np.repeat(at - (np.cumsum(n) - n), n) + np.arange(total)
    units[rows + np.repeat(to - at, n)] = source[rows]


def runs_at_once(
    stride: int,
    starts: np.ndarray,
    block_at: np.ndarray,
    arrays: tuple[np.ndarray, ...],
    values,
    value_at: np.ndarray,
) -> Iterator[tuple[bytes, np.ndarray]]:
    """The runs of every term, a group of terms at a time: (their bytes, each run's size).

    `starts` and `block_at` (int64, terms + 1) say where each term's postings and blocks
    begin; `arrays` are the postings' ids, weights and ends and the blocks' last ids and
    max weights (4-byte arrays), then min and max lengths (uint8). The values must come
    in whole 4-byte units (see can_run).
    """
    ids, weights, ends, lasts, max_weights, min_lengths, max_lengths = arrays
    units_of = [a.view(np.uint32) for a in (lasts, max_weights, ids, weights, ends)]
    values_u = np.frombuffer(values, np.uint32) if len(values) else np.zeros(0, np.uint32)
    counts, nblocks = np.diff(starts), np.diff(block_at)
    table = (2 * nblocks + (-2 * nblocks % 4)) // 4  # min and max lengths, zero padded
    sizes = 4 * (4 + 2 * nblocks + table + 3 * counts + np.diff(value_at) // 4)
    ends_bytes = np.cumsum(sizes)
    k = 0
    while k < len(sizes):
        limit = (ends_bytes[k - 1] if k else 0) + _GROUP_BYTES
        stop = max(k + 1, int(np.searchsorted(ends_bytes, limit, side="right")))
        part = slice(k, stop)
        nb, tb, n = nblocks[part], table[part], counts[part]
        size = sizes[part]
        at = (np.cumsum(size) - size) // 4  # each run's first unit
        units = np.zeros(int(size.sum()) // 4, np.uint32)
        head = np.zeros(len(size), _HEAD_TYPE)
        head["magic"], head["count"], head["blocks"], head["stride"] = MAGIC, n, nb, stride
        units[(at[:, None] + np.arange(4)).ravel()] = head.view(np.uint32)
        first_block, first_posting = block_at[part], starts[part]
        lasts_u, max_weights_u, ids_u, weights_u, ends_u = units_of
        _place(units, at + 4, lasts_u, first_block, nb)
        _place(units, at + 4 + nb, max_weights_u, first_block, nb)
        table_bytes = np.zeros(4 * int(tb.sum()), np.uint8)
        table_at = 4 * (np.cumsum(tb) - tb)
        _place(table_bytes, table_at, min_lengths, first_block, nb)
        _place(table_bytes, table_at + nb, max_lengths, first_block, nb)
        _place(units, at + 4 + 2 * nb, table_bytes.view(np.uint32), table_at // 4, tb)
        body = at + 4 + 2 * nb + tb
        _place(units, body, ids_u, first_posting, n)
        _place(units, body + n, weights_u, first_posting, n)
        _place(units, body + 2 * n, ends_u, first_posting, n)
        _place(
            units, body + 3 * n, values_u, value_at[part] // 4, np.diff(value_at[k : stop + 1]) // 4
        )
        yield units.tobytes(), size
        k = stop


def term_infos(
    weight: np.ndarray,
    docs: np.ndarray,
    lengths: tuple[np.ndarray, np.ndarray],
    max_weight: np.ndarray,
    ids: tuple[np.ndarray, np.ndarray],
    at: np.ndarray,
    size: np.ndarray,
) -> list[bytes]:
    """Each term's info as TERMINFO packs it, with its run's place and size (whoosh's
    long and int after it): the term table's values."""
    infos = np.zeros(len(size), _INFO_TYPE)
    infos["weight"], infos["docs"] = weight, docs
    infos["min"], infos["max"] = lengths
    infos["max_weight"], infos["first"], infos["last"] = max_weight, *ids
    infos["at"], infos["size"] = at, size
    blob, width = infos.tobytes(), _INFO_TYPE.itemsize
    return [blob[i : i + width] for i in range(0, len(blob), width)]


def can_run(value_at: np.ndarray) -> bool:
    """True when every value (and so every run) is whole 4-byte units (runs_at_once)."""
    return not (value_at % 4).any()
