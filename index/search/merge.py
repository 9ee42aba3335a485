"""Tidying the index: many segments merged into one, off to the side.

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

from index.search import bulk_merge
from index.search import whoosh_wall as wall
from index.search.fields import SCHEMA, SpellingWriter

BIG = 1_000  # segments of this many documents or more are an import's, merged here
TIDY_ABOVE = 6  # more big segments than this get merged (an import leaves one per worker)
LARGEST_KEPT = 4  # a segment this many times the other big ones together is not rewritten
SMALL_TIDY_AT = 6  # this many segments beside the archive's are merged into one
MERGE_LIMIT_MB = 128
SIDE_PREFIX = ".merge-"


def plan(segments: list) -> list[list]:
    """The segments to merge into one (a list of one group, or none).

    Every search pays a term lookup per segment, so fewer segments answer faster; but a
    merge rewrites what it merges, so a segment far bigger than the rest is left alone:
    a small import (or a few thousand passages) never rewrites the whole archive.

    - After an import: more than TIDY_ABOVE big segments (an import leaves one per worker
      and round) become one, the archive's largest among them unless it is more than
      LARGEST_KEPT times the others together.
    - Otherwise the small segments that commits leave (passages, small imports, each
      commit's tier merges) become one once there are SMALL_TIDY_AT of them beside the
      archive, again leaving out any segment more than LARGEST_KEPT times the smaller
      ones together, so the work stays in proportion to what is merged.
    """
    sized = sorted(segments, key=lambda s: s.doc_count_all(), reverse=True)
    big = [seg for seg in sized if seg.doc_count_all() >= BIG]
    if len(big) > TIDY_ABOVE:
        group = _without_dominant(big, once=True)
        return [group] if len(group) > 1 else []
    group = _without_dominant(sized, once=False)
    return [group] if len(group) >= SMALL_TIDY_AT else []


def _without_dominant(sized: list, *, once: bool) -> list:
    """`sized` (largest first) without its leading segments that are each more than
    LARGEST_KEPT times all the smaller ones together (only the first when `once`)."""
    counts = [seg.doc_count_all() for seg in sized]
    start = 0
    while start < len(sized) - 1 and counts[start] > LARGEST_KEPT * sum(counts[start + 1 :]):
        start += 1
        if once:
            break
    return sized[start:]


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
    Segments in Gloss's codec are merged by concatenating their postings (bulk_merge.py);
    any other (an index from before it) through whoosh's writer, which reads them all.
    """
    source = FileStorage(index_folder)
    target = FileStorage(side).create()
    ix = target.create_index(SCHEMA, indexname)
    try:
        with bulk_merge.opened(index_folder, source, SCHEMA, segments) as sources:
            writer = SpellingWriter(ix, _lk=False, limitmb=8, compound=False)
            try:
                live = bulk_merge.merge_into(writer, sources)
                return wall.close_built_segment(writer), live
            finally:
                writer.spelled_done()
    except bulk_merge.Unmergeable:
        return _merge_by_whoosh(ix, source, segments)


def _merge_by_whoosh(ix, source: FileStorage, segments: list):
    """merge() through whoosh's writer (`add_reader`: every posting through Python)."""
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
