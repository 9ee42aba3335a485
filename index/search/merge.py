"""Tidying the index after an import: its many segments merged into a few, off to the side.

An import's backlog is built as segments of a few thousand documents (index/indexer.py),
and every segment costs each search a term lookup per word, so after a big import the
index holds more segments than searching likes. Here a worker process merges them into
one segment, written in a folder beside the index, while the indexer thread goes on
committing new passages. `adopt` then moves the merged segment in and
swaps it for its sources in one quick commit, carrying over the documents deleted from
the sources while the merge ran (a deleted document never comes back).

A kill at any point leaves either the old segments (the side folder is junk, removed at
the next tidy) or the new one (files moved but not listed are removed by the next commit).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader

from index.search import whoosh_wall as wall
from index.search.fields import SCHEMA, SpellingWriter

BIG = 1_000  # segments of this many documents or more are an import's, merged here
TIDY_ABOVE = 6  # more big segments than this get merged (an import leaves one per worker)
LARGEST_KEPT = 4  # a segment this many times the other big ones together is not rewritten
MERGE_LIMIT_MB = 128
SIDE_PREFIX = ".merge-"


def plan(segments: list) -> list[list]:
    """The big segments to merge into one after an import (a list of one group, or none).

    Nothing when there are at most TIDY_ABOVE big segments. Otherwise all of them become
    one segment: every search pays a term lookup per segment and field, so one segment
    answers faster than two merged side by side in two workers would. A largest segment
    more than LARGEST_KEPT times the others together is left as it is and only the others
    merge, so that a small import into a big archive never rewrites the whole archive.
    """
    big = sorted(
        (seg for seg in segments if seg.doc_count_all() >= BIG),
        key=lambda s: s.doc_count_all(),
        reverse=True,
    )
    if len(big) <= TIDY_ABOVE:
        return []
    if big[0].doc_count_all() > LARGEST_KEPT * sum(s.doc_count_all() for s in big[1:]):
        big = big[1:]
    return [big] if len(big) > 1 else []


def side_folder(index_folder: Path) -> Path:
    """A new empty folder beside the index for one merge (same file system: moves are renames)."""
    return Path(tempfile.mkdtemp(prefix=index_folder.name + SIDE_PREFIX, dir=index_folder.parent))


def remove_leftovers(index_folder: Path) -> None:
    """Side folders of merges that never finished (a kill, a crash)."""
    for path in index_folder.parent.glob(index_folder.name + SIDE_PREFIX + "*"):
        shutil.rmtree(path, ignore_errors=True)


def merge(index_folder: str, side: str, indexname: str, segments: list):
    """In a worker: the live documents of `segments` as one new segment written in `side`.

    Returns (segment, [(source segment id, its live docnums in order)]): document i of
    the new segment is the i-th live document of the sources taken in that order.
    """
    source = FileStorage(index_folder)
    target = FileStorage(side).create()
    ix = target.create_index(SCHEMA, indexname)
    writer = SpellingWriter(ix, _lk=False, limitmb=MERGE_LIMIT_MB, compound=False)
    live = []
    try:
        for seg in segments:
            reader = SegmentReader(source, SCHEMA, seg)
            try:
                live.append((seg.segment_id(), list(reader.all_doc_ids())))
                writer.add_reader(reader)
            finally:
                reader.close()
        return wall.finalize_segment(writer), live
    finally:
        writer.spelled_done()


def carry_deletions(merged, live: list[tuple[str, list[int]]], current: dict) -> bool:
    """Mark in `merged` the documents deleted from its sources since the merge began.

    False when a source is gone from the index (then the merge is dropped).
    """
    base = 0
    for segid, docnums in live:
        seg = current.get(segid)
        if seg is None:
            return False
        if seg.has_deletions():
            for i, docnum in enumerate(docnums):
                if seg.is_deleted(docnum):
                    merged.delete_document(base + i)
        base += len(docnums)
    return True


def move_in(side: Path, index_folder: Path, merged) -> None:
    """The merged segment's files, renamed into the index folder."""
    stem = merged.make_filename("")
    for path in side.iterdir():
        if path.is_file() and path.name.startswith(stem):
            os.replace(path, index_folder / path.name)
