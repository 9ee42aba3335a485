"""The full-text index: whoosh schema, writer and searcher life cycle, grouped results.

One whoosh index holds two kinds of documents: articles and annotations. It is
derived data: SQLite is the truth, and anything wrong with the index (missing,
unreadable, from an older schema, a rebuild that never finished) is answered
by rebuilding it from SQLite, which the Library does when this module raises
`IndexDamaged` or reports `needs_rebuild`.

Threads: `apply()` and `rebuild()` come from one indexer thread (whoosh allows
one writer per index); `search()` from any thread, each with its own searcher,
kept open and brought up to date only when the index changed.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import shutil
import struct
import threading
import time
import warnings
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent import futures
from pathlib import Path

import numpy as np
from whoosh import index, writing
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import ReaderClosed
from whoosh.searching import Searcher
from whoosh.util.filelock import try_for

from index.search import bulk, marks, rebuilding
from index.search import merge as search_merge
from index.search import whoosh_wall as wall
from index.search.analysis import postings as analysed_postings
from index.search.analysis import tokens as analysis_tokens
from index.search.bm25f import Weighting
from index.search.codec import CorruptPostings
from index.search.errors import IndexBusy, IndexDamaged, IndexOutdated, QueryError
from index.search.expansion import expand_query, suggest_query
from index.search.fields import SCHEMA, SpellingWriter, document_fields, merge_tiers
from index.search.joined import Segments
from index.search.matches import Matches, drop_hidden
from index.search.postings import PostingCache
from index.search.query import parse_query
from index.search.scorer import Scorer, SearchTimeout
from index.search.segments import (
    MappedStorage,
    decoded_lengths,
    fresh_reader,
    release_mapped_pages,
)
from index.search.snippets import (
    AnnotationHit,
    ArticleHit,
    Fragment,
    HitText,
    SearchResult,
    build_hits,
)
from index.search.stats import Statistics
from index.search.table import Table

__all__ = [
    "AnnotationHit",
    "ArticleHit",
    "Fragment",
    "IndexBusy",
    "IndexDamaged",
    "IndexOutdated",
    "QueryError",
    "SearchIndex",
    "SearchResult",
    "SearchTimeout",
]

# whoosh pickles the schema into the index's table of contents, naming each field's class
# where it was defined (index.search.fields.SpelledText since gloss2; gloss1 indexes named
# the modules of the flat layout and are rebuilt, as damaged ones are).
# gloss4: postings in Gloss's own format (codec.py); gloss3 indexes are rebuilt at open.
INDEX_NAME = "gloss4"  # bump the digit when the schema changes: old indexes then read as damaged
REBUILD_MARKER = f"{INDEX_NAME}.needs-rebuild"
LOCK_TIMEOUT = 10.0  # seconds apply() waits for another process's writer
BUILD_LIMIT_MB = 128  # each worker building a segment of an import's backlog
BATCH_LIMIT_MB = 128  # an import's writer: postings held in memory before a sorted run spills
SORTS = ("relevance", "newest", "oldest")
SEARCH_DEADLINE_S = 3.0  # a search still scoring after this long is stopped with a message
SCORED_FIELDS = ("title", "author", "ctx_title", "ctx_author", "body", "tagtext", "quote", "note")


# Errors that mean the files on disk are not what whoosh wrote.
_DAMAGE = (
    OSError,
    EOFError,
    struct.error,
    zlib.error,
    pickle.UnpicklingError,
    UnicodeDecodeError,
    index.IndexError,
    index.IndexVersionError,
    AssertionError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
)


class SearchIndex:
    """The whoosh index in one folder; see the module docstring for threads."""

    def __init__(self, folder: Path, storage: FileStorage, ix: index.FileIndex) -> None:
        self.folder = folder
        self._storage = storage
        self._ix = ix
        self._local = threading.local()
        self._lock = threading.Lock()  # guards _searchers and _tables
        self._write_lock = threading.Lock()  # one writer at a time in this process
        self._searchers: weakref.WeakSet[Searcher] = weakref.WeakSet()
        self._tables: dict[str, Table] = {}
        self._field_lengths: dict[tuple[str, str], list[float]] = {}
        self.posting_cache = PostingCache()
        self._weighting = Weighting()
        self._closed = False
        self._commits = 0  # commits made by this process (see _current)

    # -- life cycle ----------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path | str, *, recreate: bool = False) -> SearchIndex:
        """Open the index in `folder`, creating it when absent (or wiping it when `recreate`).

        A new or recreated index is empty and says so with `needs_rebuild`.
        Raises IndexDamaged when what is there cannot be read, or when a
        rebuild was needed and never finished.
        """
        folder = Path(folder)
        wall.check()  # WhooshUnsupported: not damage, and nothing in the folder is touched
        with warnings.catch_warnings():
            # whoosh leaves the files of a failed open to the garbage collector
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                return cls._open(folder, recreate)
            except IndexOutdated:
                raise
            except IndexDamaged as exc:
                damage = str(exc)
            except _DAMAGE as exc:
                damage = f"cannot open the search index in {folder}: {exc!r}"
            gc.collect()
        raise IndexDamaged(damage)

    @classmethod
    def _open(cls, folder: Path, recreate: bool) -> SearchIndex:
        folder.mkdir(parents=True, exist_ok=True)
        if recreate:
            _wipe(folder)
        storage = MappedStorage(str(folder))
        if storage.index_exists(INDEX_NAME):
            if (folder / REBUILD_MARKER).exists():
                raise IndexDamaged(f"{folder}: the index was left empty or half rebuilt")
            ix = storage.open_index(INDEX_NAME, schema=SCHEMA)
        elif any(p.name.endswith(".toc") and INDEX_NAME not in p.name for p in folder.iterdir()):
            raise IndexOutdated(f"{folder} holds a search index of an older format")
        elif any(_ours(p.name) for p in folder.iterdir()):
            raise IndexDamaged(f"{folder} holds index files but no readable table of contents")
        else:
            ix = storage.create_index(SCHEMA, INDEX_NAME)
            (folder / REBUILD_MARKER).touch()
        self = cls(folder, storage, ix)
        try:
            self._probe()
        except BaseException:
            self.close()
            raise
        return self

    def _probe(self) -> None:
        """Read a little of every segment file (terms, postings, stored, columns) to fail early."""
        with _DamageGuard():
            searcher = self._searcher()
            for leaf, _ in searcher.reader().leaf_readers():
                count = leaf.doc_count_all()
                if not count:
                    continue
                leaf.stored_fields(0)
                leaf.stored_fields(count - 1)
                for fieldname in ("id", "body", "spell_body"):
                    for _, btext in zip(range(2), leaf.lexicon(fieldname), strict=False):
                        list(_all_ids(leaf.postings(fieldname, btext)))
                self.lengths(leaf, "body")
            self._table(searcher)

    @property
    def needs_rebuild(self) -> bool:
        """True from the creation of an empty index until a rebuild() finishes.

        Opening an index in that state raises IndexDamaged, so a Library that
        skips the rebuild now is sent to it at the next start.
        """
        return (self.folder / REBUILD_MARKER).exists()

    def close(self) -> None:
        """Close every thread's searcher. Call once, after searches and writes have stopped."""
        with self._lock:
            self._closed = True
            searchers = list(self._searchers)
            self._searchers = weakref.WeakSet()
            self._tables.clear()
        for s in searchers:
            with contextlib.suppress(ReaderClosed, *_DAMAGE):
                s.close()

    # -- searchers -----------------------------------------------------------------------

    def _searcher(self) -> Searcher:
        """This thread's searcher, brought up to date if the index changed since its last use."""
        if self._closed:
            raise RuntimeError("the search index is closed")
        s = getattr(self._local, "searcher", None)
        if s is not None and self._current(s):
            return s
        old = s.reader() if s is not None else None
        for _ in range(OPEN_RETRIES):
            try:
                reader = fresh_reader(self._ix, old, self._warm)
                break
            except FileNotFoundError:
                # a commit removed the generation we were opening: read the new one
                self._local.searcher = old = None
        else:
            raise IndexDamaged("files of the search index are missing")
        s = Searcher(reader, weighting=self._weighting, fromindex=self._ix)
        with self._lock:
            if self._closed:
                s.close()
                raise RuntimeError("the search index is closed")
            self._searchers.add(s)
        self._local.searcher = s
        return s

    def _current(self, s: Searcher) -> bool:
        """True when `s` reads the index's latest generation.

        whoosh finds out by listing the index folder (~0.1 ms, on every search). A commit
        writes its table of contents into the folder, which changes the folder's time,
        and this process counts its own commits: while both stay as they were when `s`
        was last found current, it still is. A folder time younger than SETTLED_NS is not
        trusted (a file system with coarse times could give a later commit the same one).
        """
        try:
            stamp = (os.stat(self.folder).st_mtime_ns, self._commits)
        except OSError:
            return s.up_to_date()
        if getattr(self._local, "current", None) == (s, stamp):
            return True
        if not s.up_to_date():
            return False
        if time.time_ns() - stamp[0] > SETTLED_NS:
            self._local.current = (s, stamp)
        return True

    def _warm(self, leaf) -> None:
        """Read now what whoosh opens lazily: a merge may delete a segment's files at any time."""
        if not leaf.doc_count_all():
            return
        try:
            if not wall.has_stored_column(leaf) or not leaf.has_column("facets"):
                raise FileNotFoundError(f"segment {leaf.segment().segment_id()} lost its files")
            leaf.stored_fields(0)
            self.segment_table(leaf)
            for fieldname in SCORED_FIELDS:
                self.lengths(leaf, fieldname)
        except Exception:
            # whoosh fails oddly on a file deleted under it (None is not subscriptable)
            segment = leaf.segment()
            if not self._storage.file_exists(segment.make_filename(".trm")):
                raise FileNotFoundError(f"segment {segment.segment_id()} was merged") from None
            raise

    def _table(self, searcher: Searcher) -> Table:
        """The facet table for `searcher`'s documents (cached per segment)."""
        cached = getattr(self._local, "table", None)
        if cached is not None and cached[0] is searcher:
            return cached[1]
        table = Table()
        live = set()
        for leaf, _ in searcher.reader().leaf_readers():
            if leaf.doc_count_all():
                live.add(leaf.segment().segment_id())
                part = self.segment_table(leaf)
                table.extend(part)
                table.parts.append(part)
        with self._lock:
            for segid in [k for k in self._tables if k not in live]:
                del self._tables[segid]
            for key in [k for k in self._field_lengths if k[0] not in live]:
                del self._field_lengths[key]
        self.posting_cache.keep_only(live)
        self._local.table = (searcher, table)
        return table

    def statistics(self, searcher: Searcher) -> Statistics:
        """Index-wide ranking statistics for `searcher` (stats.py), kept while it is this
        thread's searcher."""
        cached = getattr(self._local, "stats", None)
        if cached is not None and cached.searcher is searcher:
            return cached
        stats = Statistics(self, searcher)
        if getattr(self._local, "searcher", None) is searcher:
            self._local.stats = stats
        return stats

    def segments(self, searcher: Searcher) -> Segments:
        """`searcher`'s segments as one index (joined.py), kept while it is this thread's
        searcher."""
        cached = getattr(self._local, "segments", None)
        if cached is not None and cached[0] is searcher:
            return cached[1]
        segments = Segments(self, searcher)
        if getattr(self._local, "searcher", None) is searcher:
            self._local.segments = (searcher, segments)
        return segments

    def segment_table(self, leaf) -> Table:
        """One segment's facet table: kept on its reader, shared between threads by id."""
        part = leaf.__dict__.get("_gloss_table")
        if part is None:
            segid = leaf.segment().segment_id()
            part = self._tables.get(segid)
            if part is None:
                part = Table.read(leaf)
                with self._lock:
                    self._tables[segid] = part
            leaf._gloss_table = part
        return part

    def lengths(self, leaf, fieldname: str) -> list[float]:
        """Every document's length in `fieldname` for one segment, as whoosh scores it.

        Kept on the segment reader (its files may be gone by the next call)
        and shared between threads by segment id.
        """
        mine = leaf.__dict__.setdefault("_gloss_lengths", {})
        lengths = mine.get(fieldname)
        if lengths is None:
            key = (leaf.segment().segment_id(), fieldname)
            lengths = self._field_lengths.get(key)
            if lengths is None:
                column = wall.length_column(leaf, fieldname)
                if column is None:
                    lengths = [1.0] * leaf.doc_count_all()
                else:
                    lengths = decoded_lengths(column, leaf.doc_count_all())
                with self._lock:
                    self._field_lengths[key] = lengths
            mine[fieldname] = lengths
        return lengths

    def length_array(self, leaf, fieldname: str) -> np.ndarray:
        """`lengths` as a NumPy array (kept on the segment reader), for the scorer."""
        mine = leaf.__dict__.setdefault("_gloss_length_arrays", {})
        lengths = mine.get(fieldname)
        if lengths is None:
            lengths = mine[fieldname] = np.asarray(self.lengths(leaf, fieldname), np.float64)
        return lengths

    def postings(self, leaf, fieldname: str, text: str):
        """A term's decoded postings in one segment (postings.PostingCache), or None."""
        return self.posting_cache.postings(leaf, fieldname, text)

    # -- writing -------------------------------------------------------------------------

    def apply(self, upserts: list[dict], deletes: list[str]) -> None:
        """Delete `deletes` (doc ids), then add or replace `upserts`, in one commit.

        Pass the latest state per id (the two lists should not share an id).
        Raises IndexBusy when another process holds the lock too long.
        """
        if not upserts and not deletes:
            return
        with self.batch(limitmb=32) as add:
            add(upserts, deletes)

    @contextlib.contextmanager
    def batch(self, limitmb: int = BATCH_LIMIT_MB) -> Iterator[Callable[..., None]]:
        """One writer for many calls of the `add(upserts, deletes)` it yields; one commit.

        An import's backlog goes through one of these per commit instead of a
        commit per few hundred documents: each commit writes a segment, and
        small segments are merged again and again. An id must not come twice
        within one batch (its first copy is not committed yet, so it would stay).
        Deletion goes through this thread's searcher rather than whoosh's
        update_document, which opens a new searcher on every call. Nothing is
        committed when the block raises.
        """
        with self._write_lock, _DamageGuard():
            writer = self._writer(limitmb=limitmb)
            try:
                searcher = self._searcher()
                if searcher.reader().generation() != writer.generation - 1:
                    self._local.searcher = None  # not the generation the writer starts from
                    searcher = self._searcher()

                def add(upserts: list[dict], deletes: list[str]) -> None:
                    docs = [document_fields(d) for d in upserts]
                    for doc_id in [*deletes, *(d["id"] for d in docs)]:
                        writer.delete_by_term("id", doc_id, searcher=searcher)
                    for values in docs:
                        writer.add_document(**values)

                yield add
                writer.commit(mergetype=merge_tiers)
                self._commits += 1
            finally:
                if not writer.is_closed:
                    writer.cancel()

    def start_segment(self, pool, docs: list[dict]) -> bulk.Building:
        """Start building `docs` as a new segment in one of `pool`'s worker processes, in
        a folder of its own beside the index (add_built commits it).

        Built beside the index, a segment is safe from the commits made meanwhile (a
        commit deletes the segment files it does not list), so that segments are built
        and committed one after another without the write lock held across builds."""
        return bulk.start_building(pool, self.folder, INDEX_NAME, docs)

    def add_built(self, building: bulk.Building | None, replaced: list[str]) -> None:
        """Commit the segment `building` makes (None: no new documents), deleting every
        older copy of the ids in `replaced` (the new documents' own, and gone ones')."""
        try:
            if building is not None:
                futures.wait([building.future])  # built without the write lock held
            with self._write_lock, _DamageGuard():
                built = building.moved_into(self.folder) if building is not None else None
                writer = self._writer(limitmb=32)
                try:
                    searcher = self._searcher()
                    if searcher.reader().generation() != writer.generation - 1:
                        self._local.searcher = None
                        searcher = self._searcher()
                    bulk.delete_ids(writer, searcher, replaced, self.segment_table)

                    def keep_and_add(_writer, segments: list) -> list:
                        kept = [seg for seg in segments if seg.doc_count() > 0]
                        return kept + ([built] if built is not None else [])

                    writer.commit(mergetype=keep_and_add)
                    self._commits += 1
                finally:
                    if not writer.is_closed:
                        writer.cancel()
        finally:
            if building is not None:
                shutil.rmtree(building.side, ignore_errors=True)

    def add_segments(self, pool, batches: list[list[dict]], deletes: list[str]) -> None:
        """Index each batch of documents as a segment of its own, built in parallel by
        `pool`'s worker processes, committed in order, replacing older copies of their
        ids; then delete `deletes`."""
        started = [(self.start_segment(pool, b), [d["id"] for d in b]) for b in batches if b]
        for building, ids in started:
            self.add_built(building, ids)
        if deletes:
            self.add_built(None, deletes)

    def tidy_plan(self, groups: int = 1) -> list[list]:
        """An import's segments worth merging, as groups for the workers (merge.py): one
        group whatever `groups` (the workers free) is, since one segment searches fastest."""
        return search_merge.plan(wall.index_segments(self._ix))

    def adopt(self, side: Path, merged, live: list) -> bool:
        """Swap a merged segment (built in `side` by search_merge.merge) for its sources,
        in one commit that keeps every deletion made meanwhile. False when a source is
        gone (the merge is then dropped). The side folder is removed either way."""
        try:
            with self._write_lock, _DamageGuard():
                writer = self._writer(limitmb=8)
                try:
                    current = {seg.segment_id(): seg for seg in writer.segments}
                    if not search_merge.carry_deletions(merged, live, current):
                        return False
                    search_merge.move_in(side, self.folder, merged)
                    sources = {segid for segid, _ in live}

                    def swap(_writer, segments: list) -> list:
                        kept = [seg for seg in segments if seg.segment_id() not in sources]
                        return [seg for seg in kept if seg.doc_count() > 0] + [merged]

                    writer.commit(mergetype=swap)
                    self._commits += 1
                    return True
                finally:
                    if not writer.is_closed:
                        writer.cancel()
        finally:
            shutil.rmtree(side, ignore_errors=True)

    def rebuild(
        self,
        docs: Iterable[dict],
        progress: Callable[[int], None] | None = None,
        cancel: Callable[[], bool] | None = None,
        pool=None,
    ) -> int:
        """Replace the whole index with `docs`; return how many were indexed.

        The documents are written by the import's segment builders (in `pool`'s worker
        processes when given) and merged once (rebuilding.py); one commit then lists that
        segment alone. If `cancel()` turns true nothing is committed: the index keeps
        its old contents, `needs_rebuild` turns true, and 0 is returned.
        """
        with self._write_lock, _DamageGuard():
            (self.folder / REBUILD_MARKER).touch()
            built = rebuilding.build_merged(
                self.folder, INDEX_NAME, docs, pool, progress=progress, cancel=cancel
            )
            if built is None:
                return 0
            segment, count = built
            writer = self._writer(limitmb=8)
            try:
                writer.commit(mergetype=lambda _writer, _old: [segment] if segment else [])
                self._commits += 1
            finally:
                if not writer.is_closed:
                    writer.cancel()
                    if segment is not None:
                        for name in segment.list_files(self._storage):
                            self._storage.delete_file(name)
            (self.folder / REBUILD_MARKER).unlink(missing_ok=True)
        if progress is not None:
            progress(count)
        return count

    def _writer(self, limitmb: int) -> writing.SegmentWriter:
        """whoosh's writer, with a lock we take ourselves so that it is always released."""
        if self._closed:
            raise RuntimeError("the search index is closed")
        lock = self._ix.lock("WRITELOCK")
        if not try_for(lock.acquire, timeout=LOCK_TIMEOUT, delay=0.05):
            raise IndexBusy("another program is writing to the search index")
        try:
            writer = SpellingWriter(self._ix, _lk=False, limitmb=limitmb, compound=False)
        except BaseException:
            lock.release()
            raise
        writer.writelock = lock  # released by commit() and cancel()
        return writer

    # -- reading -------------------------------------------------------------------------

    def doc_ids(self) -> set[str]:
        """Ids of every live document ("a:12", "n:<uuid>")."""
        with _DamageGuard():
            s = self._searcher()
            ids = self._table(s).ids
            return {ids[d] for d in s.reader().all_doc_ids()}

    def search(
        self,
        query: str,
        *,
        text_for: Callable[[int], str],
        limit: int = 20,
        sort: str = "relevance",
        color_aliases: dict[str, str] | None = None,
        deadline_s: float = SEARCH_DEADLINE_S,
        hidden: frozenset[int] = frozenset(),
        texts_for: Callable[[list[int]], dict[int, HitText]] | None = None,
    ) -> SearchResult:
        """Run `query`: hits grouped by article, facets over every matching group.

        `text_for(article_id)` gives an article's reading text for its snippet
        (asked only for the hits returned; may raise LookupError); `texts_for(ids)`,
        when given, gives those of all the hits in one call, with the title, author and date
        each shows (HitText; a missing one: no text, the index's stored values). Raises
        QueryError for a query that cannot run, SearchTimeout (a QueryError) when
        scoring runs past `deadline_s`, IndexDamaged when the index cannot be read.
        The articles in `hidden` (and their passages) are left out of the hits, the
        facets and the spelling suggestion (the welcome article, once there are others).
        """
        start = time.perf_counter()
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}, not {sort!r}")
        parsed = parse_query(query, color_aliases)
        if parsed.query is None:
            took = (time.perf_counter() - start) * 1000
            return SearchResult(query, 0, took, None, [], message=parsed.message)
        with _DamageGuard():
            s = self._searcher()
            table = self._table(s)
            q, terms, notes = expand_query(parsed.query, s.reader())
            scorer = Scorer(self, s, start + deadline_s)
            ids, scores = drop_hidden(*scorer.run_arrays(q), table, hidden)
            matches = Matches(ids, scores, table)
            matches.add_tagged(s, scorer, q)
            parts, shown = matches.shown(matches.rank(max(0, limit), sort))
            spans = scorer.body_spans([p[1] for p in parts if p[1] is not None], terms)
            hits = build_hits(s, parts, shown, terms, spans, text_for, texts_for, scorer.holds)
            suggestion = None
            if len(matches) < SUGGEST_BELOW:  # "Did you mean": only when little was found
                # the hidden articles' words: analysed once per searcher (their text is
                # indexed, so it cannot change without a commit, which makes a new searcher)
                known = getattr(self._local, "hidden_terms", None)
                if known is None or known[0] is not s or known[1] != hidden:
                    known = (s, hidden, _hidden_terms(s, table, hidden, text_for))
                    self._local.hidden_terms = known
                unknown = known[2]
                suggestion = self._suggestion(parsed, s, table, len(matches), hidden, unknown)
            facets = matches.facets()
        took = (time.perf_counter() - start) * 1000
        release_mapped_pages()  # after `took`: the answer is made, what it read can go
        message = "; ".join(notes) if notes else None
        return SearchResult(query, len(matches), took, suggestion, hits, facets, terms, message)

    def articles_with_words(self, text: str, limit: int) -> list[int] | None:
        """Ids of the articles whose text holds every word of `text` (as the index analyses
        them), at most `limit`; None when more than `limit` do, or when `text` has no word
        to look for. A quote's candidates, without reading any article.

        Only the rarest few words are intersected (their posting lists are the shortest):
        a superset of the articles holding all the words, which the caller reads anyway.
        """
        terms = list(analysed_postings(text, False)[0])
        if not terms:
            return None
        with _DamageGuard():
            s = self._searcher()
            reader = s.reader()
            rarest = sorted((reader.doc_frequency("body", term), term) for term in terms)
            if rarest[0][0] == 0:
                return []
            docs: set[int] | None = None
            for _, term in rarest[:RAREST_WORDS]:
                found = set(reader.postings("body", term).all_ids())
                docs = found if docs is None else docs & found
                if not docs:
                    return []
            table = self._table(s)
            articles = sorted(table.articles[d] for d in docs or () if table.ids[d][:2] == "a:")
        return articles if len(articles) <= limit else None

    def term_spans(
        self, query: str, text: str, *, color_aliases: dict[str, str] | None = None
    ) -> list[tuple[int, int]]:
        """Code-point spans of what `query` matches in an article's reading `text` (see
        index/search/marks.py). Raises QueryError for a query that cannot run."""
        parsed = parse_query(query, color_aliases)
        if parsed.query is None:
            return []
        with _DamageGuard():
            q, _, _ = expand_query(parsed.query, self._searcher().reader())
        return marks.spans(q, text)

    def suggest(self, query: str) -> str | None:
        """A corrected query ("Did you mean") that finds more than `query` does, or None."""
        try:
            parsed = parse_query(query)
        except QueryError:
            return None
        if parsed.query is None:
            return None
        with _DamageGuard():
            s = self._searcher()
            table = self._table(s)
            q, _, _ = expand_query(parsed.query, s.reader())
            found = Matches(*Scorer(self, s).run_arrays(q), table)
            return self._suggestion(parsed, s, table, len(found))

    def _suggestion(
        self,
        parsed,
        s: Searcher,
        table: Table,
        found: int,
        hidden: frozenset[int] = frozenset(),
        hidden_terms: frozenset[str] = frozenset(),
    ) -> str | None:
        corrected = suggest_query(parsed, s.reader(), hidden_terms)
        if corrected is None:
            return None
        try:
            better = parse_query(corrected)
        except QueryError:
            return None
        if better.query is None:
            return None
        q, _, _ = expand_query(better.query, s.reader())
        better_found = Matches(*drop_hidden(*Scorer(self, s).run_arrays(q), table, hidden), table)
        return corrected if len(better_found) > found else None


def _hidden_terms(
    s: Searcher, table: Table, hidden: frozenset[int], text_for: Callable[[int], str]
) -> frozenset[str]:
    """The terms (and author words) of the hidden articles, for the spelling weights."""
    found: set[str] = set()
    for article_id in hidden:
        docnum = table.article_doc(article_id)
        if docnum is None:
            continue
        stored = s.stored_fields(docnum)["doc"]
        try:
            text = text_for(article_id) or ""
        except LookupError:
            text = ""
        for value, stem in ((stored["title"], True), (text, True), (stored["author"], False)):
            found.update(t[0] for t in analysis_tokens(value or "", stem=stem))
    return frozenset(found)


RAREST_WORDS = 3  # words of a quote whose posting lists articles_with_words intersects
SUGGEST_BELOW = 3  # offer "Did you mean" when fewer article groups than this matched
OPEN_RETRIES = 20
SETTLED_NS = 2_000_000_000  # a folder time older than this is trusted to show any commit


def _all_ids(matcher):
    return matcher.all_ids()


class _DamageGuard:
    """Turn errors raised inside whoosh while it reads its files into IndexDamaged.

    whoosh reports a damaged file with whatever the bytes provoke (struct
    errors, EOFError, pickle errors, a bare Exception("Block tag error")).
    Only errors whose innermost frame is in whoosh count: the same types
    raised by our own code are bugs, and must not send the Library into a
    rebuild loop.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> None:
        if not isinstance(exc, Exception) or isinstance(exc, (IndexDamaged, IndexBusy)):
            return None
        if isinstance(exc, (QueryError, ReaderClosed, index.LockError)):
            return None
        if isinstance(exc, CorruptPostings):
            raise IndexDamaged(f"the search index cannot be read: {exc}") from exc
        while tb.tb_next is not None:
            tb = tb.tb_next
        if _WHOOSH_DIR not in tb.tb_frame.f_code.co_filename:
            return None
        raise IndexDamaged(f"the search index cannot be read: {exc!r}") from exc


_WHOOSH_DIR = os.sep + "whoosh" + os.sep


def _ours(name: str) -> bool:
    """True for files this module (any schema version) writes into the index folder."""
    return name.startswith(("_gloss", "gloss")) or name.endswith((".toc", ".seg"))


def _wipe(folder: Path) -> None:
    """Delete the index files in `folder` (never anything else that may be there)."""
    import shutil

    for path in folder.iterdir():
        if path.is_dir() and path.name.endswith(".tmp"):
            shutil.rmtree(path, ignore_errors=True)
        elif _ours(path.name):
            path.unlink(missing_ok=True)
