"""Segment files read from memory maps, and readers refreshed segment by segment.

whoosh's internals these rely on are reached through whoosh_wall.py.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import threading
import time
import weakref
from collections.abc import Callable

from whoosh import index
from whoosh.filedb.compound import SubFile
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.util.numeric import byte_to_length

from index.search import whoosh_wall as wall


class MappedFile(BufferFile):
    """A whoosh file read straight from a memory map.

    whoosh's own mmap path (compound segments) wraps each part in BytesIO,
    which copies it: every searcher, in every thread, then held a private
    copy of the whole postings file, and opening one took ~70 ms per 100 MB.
    """

    def __init__(self, mapped: mmap.mmap, name: str) -> None:
        self._buf = mapped
        self.mapped = mapped  # codec.gather_places reads positions from it in place
        self._name = name
        self.file = mapped  # an mmap reads, seeks and tells like a file
        self.onclose = None
        self.is_real = False
        self.is_closed = False

    def subset(self, position, length, name=None):
        return StructFile(SubFile(self.file, position, length), name=name or self._name)


RELEASE_EVERY_S = 1.0  # mapped pages handed back at most this often (typing keeps its pages)
_mapped: weakref.WeakSet[MappedFile] = weakref.WeakSet()  # every segment file mapped now
_release = {"at": 0.0}
_release_lock = threading.Lock()


def release_mapped_pages(*, now: bool = False) -> None:
    """Take the pages searches touched out of this process's resident memory (at most once
    a RELEASE_EVERY_S unless `now`). The maps are read-only views of the index's files:
    the pages stay in the system's file cache, and the next read maps them again (a minor
    fault, no disk read). Without this, a searcher kept for the window's life counted every
    page it ever read as the window's memory: 612 MB after 700 searches at 178,000
    articles, against 24 MB released after each (their times were unchanged)."""
    advise = getattr(mmap, "MADV_DONTNEED", None)
    if advise is None:  # (no madvise here: the system manages the pages alone)
        return
    with _release_lock:
        moment = time.monotonic()
        if not now and moment - _release["at"] < RELEASE_EVERY_S:
            return
        _release["at"] = moment
        files = list(_mapped)
    for file in files:
        with contextlib.suppress(ValueError, OSError):  # closed meanwhile
            file.mapped.madvise(advise)


class MappedStorage(FileStorage):
    """FileStorage that maps segment files instead of reading or copying them."""

    def __init__(self, path: str) -> None:
        super().__init__(path, supports_mmap=False)

    def open_file(self, name, **kwargs):
        if name.endswith(".toc") or kwargs:
            return super().open_file(name, **kwargs)
        with open(self._fpath(name), "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return super().open_file(name)
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        file = MappedFile(mapped, name)
        _mapped.add(file)
        return file


def fresh_reader(ix: index.FileIndex, old, warm: Callable) -> object:
    """A reader on the latest generation, reusing `old`'s unchanged segment readers.

    whoosh's own refresh() reuses a segment reader whenever the segment id
    matches, but a segment that had documents deleted keeps its id: the reused
    reader would still show the deleted documents. Here a reader is reused only
    when its segment's deletions are the same. `warm(leaf)` opens, at once,
    the files whoosh would otherwise open on first use, when a later commit
    may already have deleted them. On failure every reader involved is closed.
    """
    toc = wall.read_toc(ix)
    reusable = {}
    if old is not None:
        reusable = {
            leaf.segment().segment_id(): leaf
            for leaf, _ in old.leaf_readers()
            if leaf.segment() is not None
        }
    readers = []
    try:
        for segment in toc.segments:
            leaf = reusable.pop(segment.segment_id(), None)
            if leaf is not None and same_deletions(leaf.segment(), segment):
                wall.set_generation(leaf, toc.generation)
                readers.append(leaf)
                continue
            if leaf is not None:
                reusable[segment.segment_id()] = leaf
            leaf = SegmentReader(ix.storage, wall.index_schema(ix), segment, toc.generation)
            readers.append(leaf)
            warm(leaf)
    except BaseException:
        for leaf in readers:
            leaf.close()
        raise
    finally:
        for leaf in reusable.values():
            leaf.close()
    if not readers:
        return EmptyReader(wall.index_schema(ix))
    if len(readers) == 1:
        return readers[0]
    return MultiReader(readers, generation=toc.generation)


def same_deletions(a, b) -> bool:
    if a.deleted_count() != b.deleted_count():
        return False
    return a.deleted_count() == 0 or set(a.deleted_docs()) == set(b.deleted_docs())


_LENGTH_OF_BYTE = [1.0] + [byte_to_length(b) for b in range(1, 256)]


def decoded_lengths(column, count: int) -> list[float]:
    """A segment's length column as floats: one read of its bytes when it is whoosh's
    one-byte numeric column (every document's length, as the codec writes it), else
    through the reader one document at a time (about 30 times slower)."""
    raw = wall.column_bytes(column)
    if raw is None:
        return [_LENGTH_OF_BYTE[b] for b in column]
    return [_LENGTH_OF_BYTE[b] for b in raw] + [1.0] * (count - len(raw))
