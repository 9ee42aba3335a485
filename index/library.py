"""Library: the one face of the engine that the window and the command line use.

A library is a folder holding `library.sqlite3` (the truth) and `search-index/`
(whoosh, derived). Each public method says which threads may call it. SQLite
connections are per thread (see Store); whoosh searchers are per thread (see
SearchIndex); exactly one thread at a time drains the outbox into whoosh.

Two indexing modes: `background=True` (the window) runs the indexer in a
daemon thread woken after every write; `background=False` (command line,
tests) drains on demand: before every search and at close.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.changes import EVERYTHING, Changes
from index.index_opening import (
    INDEX_FOLDER,
    Cancel,
    EarlyIndex,
    Progress,
    open_index,
    rebuild,
)
from index.late_index import LateIndex, looks_whole
from index.library_exchange import ExchangeMethods
from index.library_passages import PassageMethods
from index.passages import annotations as notes
from index.passages.annotations import PALETTE, Annotation, AnnotationError, NotFound
from index.store import articles
from index.store.articles import ArticleColumns, ArticleSummary, ImportReport, StoredArticle
from index.store.database import DB_NAME, Store, StoreError, now_iso
from index.wording import count_of

if TYPE_CHECKING:
    from index.exchange.digest import Digest
    from index.safety.recovery import Opening
    from index.search.engine import SearchIndex, SearchResult
    from index.search.indexer import Indexer
    from index.search.snippets import HitText
    from index.store.reread import RereadReport

# The search engine (whoosh, NumPy: ~0.3 s to import) is imported where it is used, not
# here: a window opens the library before its first paint and the index after it
# (index/late_index.py). `SearchResult` is still a name of this module (PEP 562).


def __getattr__(name: str) -> Any:
    if name == "SearchResult":
        from index.search.engine import SearchResult

        return SearchResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


APP_NAME = "Gloss"
WRITER_WAIT = 3.0  # seconds to wait for another process writing to the library
WELCOME = Path(__file__).resolve().parent.parent / "assets" / "welcome.md"


__all__ = [
    "PALETTE",
    "Annotation",
    "AnnotationError",
    "ArticleSummary",
    "ImportReport",
    "Library",
    "NoLibrary",
    "SearchResult",
    "StoreError",
    "StoredArticle",
    "default_library_path",
]


class NoLibrary(StoreError):
    """The folder holds no library, and the caller may not create one there."""


def default_library_path() -> Path:
    """`GLOSS_LIBRARY` when set, else the platform's user-data folder for Gloss."""
    override = os.environ.get("GLOSS_LIBRARY")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


class Library(PassageMethods, ExchangeMethods):
    """An open library folder. Create with `Library.open(...)`; `close()` at the end."""

    PALETTE = PALETTE

    def __init__(
        self, path: Path, store: Store, index: SearchIndex | LateIndex, *, background: bool
    ) -> None:
        self.path = path
        self.store = store
        self.index: SearchIndex = index  # type: ignore[assignment]  # a LateIndex stands in
        self._late: LateIndex | None = index if isinstance(index, LateIndex) else None
        self.read_only = store.read_only
        self.notices: list[str] = []
        self._indexer: Indexer | None = None  # made on first use (it loads the engine)
        self._index_listeners: list[Callable[[], None]] = []  # the indexer's, kept here
        self.mirror_error: str | None = None
        self._writer_lock: Any = None
        self._background = background
        self._start_backup: threading.Thread | None = None  # the start backup, in background
        self._start_pace: Any = None  # its Pace (index.safety.backup), hurried at close
        self._start_check: bool | None = None  # its quick check; None: no backup to start
        self._start_lock = threading.Lock()
        self._listeners: list[Callable[[Changes], None]] = []
        self._collecting = threading.local()
        self._imports = 0  # imports made through this Library (the welcome lookup's key)
        self._welcome_lookup: dict[str, Any] = {}
        self._kept: dict[tuple[int, str], tuple[tuple[int, int, int], Any]] = {}  # per thread
        if background and not isinstance(index, LateIndex):
            self.indexer.start()
            self.indexer.notify()

    @property
    def indexer(self) -> Indexer:
        """The outbox → index pump (made on first use: its module loads the engine)."""
        if self._indexer is None:
            from index.search.indexer import Indexer

            indexer = Indexer(self.store, self.index)
            indexer.after_drain = self._sync_mirror
            indexer.listeners = self._index_listeners
            self._indexer = indexer
        return self._indexer

    def _index_late(self) -> bool:
        """Whether the search index is a LateIndex not open yet (nothing may wait on it)."""
        return self._late is not None and not self._late.opened()

    # -- life cycle ---------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        read_only: bool = False,
        background: bool = False,
        create_welcome: bool = True,
        progress: Progress | None = None,
        writer_wait: float = WRITER_WAIT,
        create: bool = True,
        defer_index: bool = False,
    ) -> Library:
        """Open (creating when new) the library folder. Any thread; once per process.

        With `create=False` a folder that holds no library raises NoLibrary instead
        of becoming one: only an import (and the window) make a library.

        A missing or unreadable search index is rebuilt from SQLite, reporting
        through `progress(done, total, "indexing")`; articles an older importer
        made are read again from their originals (`reread_articles`, with
        progress too) and a sentence says so in `notices`. A new library gets the
        welcome article. Raises StoreError with a one-line reason when the
        folder or database cannot be used.

        One writer per library (index/recovery.py): when another process holds
        it for longer than `writer_wait` seconds this one opens read-only. A
        damaged database is kept aside and the newest verified backup restored.
        Whatever happened on the way is a sentence in `notices`, for the reader.

        With `defer_index` (the window, with `background`), an index that looks whole is
        not opened here but on first use or `open_index_later()` (index/late_index.py):
        opening it reads every segment's tables, a cost that grows with the library.
        """
        from index.safety import recovery

        folder = Path(path) if path is not None else default_library_path()
        if not create and not cls.exists(folder):
            raise NoLibrary(f"there is no library at {folder}")
        if not read_only:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                message = f"cannot create the library folder {folder}: {error.strerror}"
                raise StoreError(message) from None
        elif not folder.is_dir():
            raise StoreError(f"there is no library at {folder}")
        late = defer_index and background and looks_whole(folder / INDEX_FOLDER)
        early = EarlyIndex(folder / INDEX_FOLDER)  # opened while the database is checked
        try:
            opening = recovery.prepare(
                folder,
                read_only=read_only,
                writer_wait=writer_wait,
                meanwhile=None if late else early.open,
                check_later=late,
            )
        except BaseException:
            early.close()
            raise
        store: Store | None = None
        try:
            store = Store(folder, read_only=opening.read_only)
            if opening.read_only and opening.notices:
                store.read_only_reason = opening.notices[-1]
            index_notices: list[str] = []
            index: SearchIndex | LateIndex
            if late:  # opened as open_index opens it, when first used
                index = LateIndex(lambda told, progress: open_index(folder, store, progress, told))
            else:
                index = open_index(folder, store, progress, index_notices, early)
        except BaseException:
            early.close()
            if store is not None:
                with contextlib.suppress(Exception):
                    store.close()
            recovery.release(opening.lock)
            raise
        library = cls(folder, store, index, background=background)
        if isinstance(index, LateIndex):  # what its opening says comes after the window shows
            index.when_open(library._index_opened, library.notices)
        library._writer_lock = opening.lock
        library._finish_opening(opening)
        library.notices.extend(index_notices)
        if not library.read_only:
            library.reread_articles(progress=progress)
        if create_welcome and not library.read_only:
            library._add_welcome()
        return library

    @staticmethod
    def exists(path: str | os.PathLike[str] | None = None) -> bool:
        """Whether the folder (default: the default library folder) holds a library. Any thread."""
        folder = Path(path) if path is not None else default_library_path()
        return (folder / DB_NAME).is_file()

    @property
    def read_only_reason(self) -> str | None:
        """Why nothing can be saved, in the user's words; None when the library is writable."""
        return self.store.read_only_reason if self.read_only else None

    def close(self) -> None:
        """Finish indexing what is queued, then release the index and the database.

        The thread that opened the library, once no worker uses it any more.
        """
        with self._start_lock:
            self._start_check = None  # a start backup not begun yet is not begun now
        if self._start_backup is not None:
            if self._start_pace is not None:
                self._start_pace.hurry()
            self._start_backup.join()
        late = self._late
        if late and not self.index_ready() and not self.read_only and self.indexer.pending():
            # changes made before a late index opened: indexed now, as any close does
            with contextlib.suppress(Exception):
                late.get()
        opened = late is None or late.shut()  # a late index never opened stays closed
        if self._indexer is not None:
            self._indexer.stop()
        if not self.read_only and opened:
            # On failure the outbox keeps the rows and the next start replays them.
            with contextlib.suppress(Exception):
                self.indexer.drain()
        if opened:
            self.index.close()
        self.store.close()
        from index.safety import recovery

        recovery.release(self._writer_lock)
        self._writer_lock = None

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _add_welcome(self) -> None:
        if self.store.one("SELECT value FROM meta WHERE key = 'welcomed'"):
            return
        if WELCOME.exists():
            self.import_paths([WELCOME])
        row = self.store.one(
            "SELECT id FROM articles WHERE source_path = ? ORDER BY id LIMIT 1", (str(WELCOME),)
        )
        with self.store.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('welcomed', ?)", (now_iso(),)
            )
            if row is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('welcome_article', ?)",
                    (str(row["id"]),),
                )

    def _finish_opening(self, opening: Opening) -> None:
        """After the store and index are open: mirror catch-up, start backup, notices.

        After a restored backup, what the JSON mirror holds that is newer than
        the backup is put back and the mirror written afresh; then the
        start-of-session backup is made when something changed (beside the
        window on a background library: a big library's backup takes seconds).
        """
        from index.safety import mirror, recovery

        self.notices.extend(opening.notices)
        if self.read_only:
            return
        if opening.restored is not None:
            report = mirror.restore(self.store, self.path, newer_than=opening.restored.created)
            self.notices.append(recovery.mirror_sentence(report))
            mirror.rebuild(self.store, self.path)
        else:
            try:
                mirror.bootstrap(self.store, self.path)
            except StoreError as error:
                self.notices.append(f"The annotations folder could not be written: {error}.")
        if self._background:
            # Beside the window: at the lowest priority, paced, from one snapshot (a big
            # library's copy and check take minutes of the machine otherwise shared with
            # the reader's first searches). close() lifts the pace and waits for it. With a
            # late index (the window) it starts when the window asks, after its first paint.
            self._start_check = opening.check_later
            if self._late is None:
                self.begin_start_backup()
        else:
            self._backup_at_start()

    def begin_start_backup(self) -> None:
        """Start the start-of-session backup (and the quick check the opening left) on its
        own thread, when the library was opened with `defer_index` and `background`: the
        window asks after its first paint, so that neither competes with it for the
        interpreter; opening the index later asks too. Any thread; once."""
        with self._start_lock:
            if self._start_check is None or self._start_backup is not None:
                return
            from index.safety.backup import Pace

            self._start_pace = Pace()
            self._start_backup = threading.Thread(
                target=self._backup_at_start,
                args=(self._start_pace, self._start_check),
                name="gloss-start-backup",
                daemon=True,
            )
            self._start_backup.start()

    def _backup_at_start(self, pace: Any = None, check: bool = False) -> None:
        from index.safety import backup, recovery

        if pace is not None:
            backup.lower_thread_priority()  # this thread is the backup's own
        if check:  # the quick check the opening left for after the window shows
            try:
                damage = recovery.check_after_start(self.path)
            except StoreError as error:
                damage = None
                self.notices.append(f"The library's database could not be checked: {error}.")
            if damage:
                self.notices.append(damage)
                return  # no backup of a damaged database: the kept ones stay as they are
        try:
            backup.backup_if_changed(self.store, self.path, reason="start", pace=pace)
        except StoreError as error:
            self.notices.append(f"No backup was made at start: {error}.")

    def _sync_mirror(self) -> None:
        """After each drain of the outbox: bring the JSON mirror up to date too."""
        from index.safety import mirror

        if self.read_only:
            return
        try:
            mirror.sync(self.store, self.path)
            self.mirror_error = None
        except StoreError as error:
            self.mirror_error = str(error)  # the dirty rows stay; the next drain tries again

    def _changed(self, changes: Changes = EVERYTHING) -> None:
        """Called after every write: wake the background indexer, tell who listens."""
        if self._background and not self._index_late():  # a late index drains when open
            self.indexer.notify()
        bucket = getattr(self._collecting, "bucket", None)
        if bucket is not None:
            bucket.append(changes)
        for listener in list(self._listeners):
            listener(changes)

    def forbid_writes_on_this_thread(self) -> None:
        """The window calls this on its GUI thread: any write asked for there then fails
        loudly (WrongThread) instead of making the window wait on the database."""
        self.store.forbid_writes_on_this_thread()

    def prefer_writes_of_this_thread(self) -> None:
        """The window's writer thread calls this: its writes (the user's) go before an
        import's batches when both wait for the database."""
        self.store.prefer_writes_of_this_thread()

    def on_changes(self, listener: Callable[[Changes], None]) -> None:
        """Call `listener(changes)` after every write, on the thread that wrote."""
        self._listeners.append(listener)

    @contextlib.contextmanager
    def collect_changes(self) -> Iterator[list[Changes]]:
        """Gather the Changes of the writes this thread makes inside the block."""
        bucket: list[Changes] = []
        outer = getattr(self._collecting, "bucket", None)
        self._collecting.bucket = bucket
        try:
            yield bucket
        finally:
            self._collecting.bucket = outer
            if outer is not None:
                outer.extend(bucket)

    # -- articles -----------------------------------------------------------------

    def import_paths(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
        keep_near_duplicates: bool = False,
    ) -> ImportReport:
        """Import files and folders. A worker thread (never the GUI thread).

        `progress(done, total, path)` after each file; `cancel()` is polled
        between files; what was imported before a cancel stays. A file with the
        title and almost the text of an article already here is reported in
        `near_duplicates` and not imported, unless `keep_near_duplicates`.
        """
        from index.exchange import carried
        from index.store import intake

        try:
            return intake.import_paths(
                self.store,
                paths,
                progress=progress,
                cancel=cancel,
                reanchor=notes.reanchor_article,
                keep_near_duplicates=keep_near_duplicates,
                attach=carried.attach,
                written=self._import_wrote,
            )
        finally:
            self._imports += 1
            self._changed()

    def _import_wrote(self, written: int) -> None:
        """An import's batches are in the store: its indexer may start on them (not an
        index opened late and not open yet: that one drains once open)."""
        if self._background and not self._index_late():
            self.indexer.import_wrote(written)

    def reread_articles(
        self, *, progress: Progress | None = None, cancel: Cancel | None = None
    ) -> RereadReport:
        """Read again, from its stored original, every article an older version of its
        importer made, so that it gains the structure the importer reads now; passages
        follow by the re-import rules. Done by `open`; a worker thread. A sentence in
        `notices` says what happened, when anything did."""
        from index.store import reread

        try:
            report = reread.reread_stale(
                self.store, notes.reanchor_article, progress=progress, cancel=cancel
            )
        finally:
            self._changed()
        if report.sentence():
            self.notices.append(report.sentence())
        return report

    def list_articles(self, *, view: str = "all", tag: str | None = None) -> list[ArticleSummary]:
        """Articles of a view ("all", "recent", "highlighted", "orphaned") or a tag. Any thread."""
        return articles.list_articles(self.store, view=view, tag=tag)

    def article_columns(self, *, view: str = "all", tag: str | None = None) -> ArticleColumns:
        """list_articles as columns (id, title, author, date, passage count), for the window's
        list: a fraction of the memory of as many ArticleSummary rows. Any thread."""
        return articles.list_columns(self.store, view=view, tag=tag)

    def welcome_article_id(self) -> int | None:
        """The welcome article's id, else the newest article's, else None (nothing yet).
        Its key first: looking by file name reads every article's path (22 ms at 178,000)."""
        row = self.store.one(
            "SELECT a.id FROM meta m JOIN articles a ON a.id = CAST(m.value AS INTEGER)"
            " WHERE m.key = 'welcome_article'"
        )
        if row is not None:
            return row["id"]
        row = self.store.one(
            "SELECT id FROM articles ORDER BY source_path LIKE '%welcome.md' DESC, id LIMIT 1"
        )
        return row["id"] if row else None

    def get_article(self, article_id: int) -> StoredArticle:
        """One article with its blocks and reading text; KeyError when absent. Any thread."""
        return articles.get_article(self.store, article_id)

    def original_text(self, article_id: int) -> str:
        """The file's text as it was imported (decoded, before parsing). Any thread."""
        row = self.store.one("SELECT original_text FROM articles WHERE id = ?", (article_id,))
        if row is None:
            raise KeyError(f"no article with id {article_id}")
        return row["original_text"]

    def image_file(self, name: str) -> Path | None:
        """The library's copy of a figure's image (its block's `image`), or None for a name
        that is not one: never a path outside the library's images folder. Any thread
        (no query: the name says where the file is)."""
        from index.store.images import image_path

        return image_path(self.path, name)

    def mark_opened(self, article_id: int) -> None:
        """Remember that the article was opened now (for "Recently read"). Any thread."""
        if self.read_only:
            return
        with self.store.write() as conn:
            conn.execute("UPDATE articles SET opened_at = ? WHERE id = ?", (now_iso(), article_id))
        self._changed(Changes(articles=frozenset({article_id}), opened=True))

    def counts(self) -> dict[str, int]:
        """Numbers for the status bar and sidebar: articles, annotations, orphaned (passages),
        trash (passages), highlighted (articles with passages). Any thread.

        Counted again only after a commit (`_since_commit`): counting reads an index of
        every article (4-13 ms at 178,000, on the window's thread each second and three
        times before its first paint)."""
        return dict(self._since_commit("counts", self._count))

    def _count(self) -> dict[str, int]:
        row = self.store.one(
            "SELECT (SELECT count(*) FROM articles) AS articles,"
            " (SELECT count(*) FROM annotations) AS annotations,"
            " (SELECT count(*) FROM annotations WHERE orphaned) AS orphaned,"
            " (SELECT count(*) FROM trash) AS trash,"
            " (SELECT count(DISTINCT article_id) FROM annotations) AS highlighted"
        )
        if row is None:
            return dict.fromkeys(("articles", "annotations", "orphaned", "trash", "highlighted"), 0)
        return dict(row)

    def _since_commit(self, name: str, compute: Callable[[], Any], key: tuple | None = None) -> Any:
        """`compute()`'s answer, kept on this thread until the next commit to the database.

        A commit by another connection changes this connection's `data_version`, one by
        this connection its `total_changes`, so one pragma tells whether the kept answer
        still holds (`key`, when given: `_commit_key()` read once for several answers; an
        answer kept under an older key is only worked out again). Callers must not change
        what they are given."""
        if key is None:
            key = self._commit_key()
        slot = (threading.get_ident(), name)
        kept = self._kept.get(slot)
        if kept is not None and kept[0] == key:
            return kept[1]
        value = compute()
        self._kept[slot] = (key, value)
        return value

    def _commit_key(self) -> tuple:
        """What `_since_commit` compares: this thread's connection, its data_version and
        its total_changes."""
        conn = self.store.connection()
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        return (id(conn), version, conn.total_changes)

    def digest(self, query: str, *, group_by: str = "article") -> Digest:
        """Every passage matching `query`, grouped by article (date order) or by tag.

        A worker thread in the window (it searches). Raises QueryError.
        """
        from index.exchange import digest

        self._catch_up()
        hidden, aliases = self._hidden_articles(), self.color_aliases()

        def every_match(text: str) -> SearchResult:
            return self.index.search(
                text,
                text_for=lambda _article_id: "",  # no article snippets: passages are wanted
                limit=digest.ALL,
                sort="oldest",
                color_aliases=aliases,
                hidden=hidden,
            )

        return digest.build(self.store, query, search=every_match, group_by=group_by)

    def explain(self, query: str, article_id: int) -> dict[str, Any]:
        """Why an article (and which of its passages) matched `query`. A worker thread."""
        from index.search import explain

        self._catch_up()
        try:
            article = self.get_article(article_id)
        except KeyError:
            raise NotFound(f"no article with id {article_id}") from None
        return explain.explain(
            self.index,
            query,
            article_id,
            text=article.reading_text,
            title=article.title,
            passages=[(a.id, a.exact, a.note) for a in self.annotations(article_id=article_id)],
            color_aliases=self.color_aliases(),
        )

    # -- search -----------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 20, sort: str = "relevance") -> SearchResult:
        """Search articles and passages. A worker thread in the window (never the GUI thread).

        Raises QueryError with a one-line message for a query that cannot run.
        """
        behind = self._catch_up()
        # counted before the search reads the index: a commit in between can only make the
        # count too high (one more re-run), never hide a change the answer lacks
        key = self._commit_key()  # one pragma for the four answers below
        pending = self._since_commit("pending", self.indexer.pending_documents, key)
        names = self._since_commit("legend", self.legend, key)
        result = self.index.search(
            query,
            text_for=self._reading_text,
            texts_for=self._reading_texts,
            limit=limit,
            sort=sort,
            color_aliases=self._since_commit("aliases", self.color_aliases, key),
            hidden=self._since_commit("hidden", self._hidden_articles, key),
        )
        result.color_names = dict(names)
        result.pending_articles, result.pending_passages = pending
        if behind:
            result.message = "; ".join(m for m in (result.message, behind) if m)
        return result

    def _hidden_articles(self) -> frozenset[int]:
        """The welcome article, once the library holds any other: left out of search
        results, facets and suggestions (it stays in the list, readable and deletable)."""
        row = self.store.one("SELECT value FROM meta WHERE key = 'welcome_article'")
        if row is not None:
            welcome: int | None = int(row["value"])
        else:
            welcome = self._welcome_by_path()
        if welcome is None:
            return frozenset()
        other = self.store.one("SELECT 1 AS known FROM articles WHERE id != ? LIMIT 1", (welcome,))
        return frozenset({welcome}) if other else frozenset()

    def _welcome_by_path(self) -> int | None:
        """A library from before the key (or made without the welcome): the article imported
        from assets/welcome.md, if any. The lookup reads every article's row (~40 ms at
        44,500 articles, on every search), so its answer is kept until the next import."""
        marks = self._welcome_lookup
        if marks.get("imports") != self._imports:
            row = self.store.one(
                "SELECT id FROM articles WHERE source_path LIKE ? ORDER BY id LIMIT 1",
                (f"%{os.sep}assets{os.sep}welcome.md",),
            )
            marks.update(imports=self._imports, id=row["id"] if row else None)
        return marks["id"]

    def articles_with_words(self, text: str, limit: int = 50) -> list[int] | None:
        """Articles holding every word of `text`, found through the search index (None
        when more than `limit` do, or `text` has no searchable word). A worker thread."""
        self._catch_up()
        return self.index.articles_with_words(text, limit)

    def _catch_up(self) -> str | None:
        """Without a background indexer, index queued changes before reading the index.

        When the disk refuses (full, read-only), the index is searched as it is
        and the reason is returned for the reader.
        """
        if self._background or self.read_only:
            return None  # the background indexer reports through index_state()
        try:
            self.indexer.drain()
        except StoreError as error:
            return str(error)
        return None

    def _reading_text(self, article_id: int) -> str:
        row = self.store.one("SELECT reading_text FROM articles WHERE id = ?", (article_id,))
        return row["reading_text"] if row else ""

    def _reading_texts(self, article_ids: list[int]) -> dict[int, HitText]:
        """The reading texts of a search's hits, with the title, author and date each shows,
        in one query per 500 (not one per hit)."""
        from index.search.snippets import HitText

        out: dict[int, HitText] = {}
        for at in range(0, len(article_ids), 500):
            chunk = article_ids[at : at + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.store.read(
                f"SELECT id, reading_text, title, author, date FROM articles WHERE id IN ({marks})",
                tuple(chunk),
            )
            out.update((row[0], HitText(row[1], row[2], row[3], row[4])) for row in rows)
        return out

    def term_spans(self, query: str, article_id: int) -> list[tuple[int, int]]:
        """Where the words `query` matched in an article's reading text: code-point (start,
        end) spans, in order, exactly the words (and phrases) the search matches there,
        with the search's own analysis and wildcard expansion. Empty when the query has no
        words for the text (`color:question`, `tag:x`), cannot run, or the article is gone.

        A worker thread (it reads the index), never the GUI thread.
        """
        from index.search.engine import QueryError

        self._catch_up()
        text = self._reading_text(article_id)
        if not text:
            return []
        try:
            return self.index.term_spans(query, text, color_aliases=self.color_aliases())
        except QueryError:
            return []

    def on_index_changed(self, listener: Callable[[], None]) -> None:
        """Call `listener()` after each commit of the search index: what a search answered
        before may have changed (`SearchResult.pending` says whether it was behind). It is
        called on the indexing thread: keep it short (the window posts a Qt signal). Any
        thread."""
        self._index_listeners.append(listener)

    def forget_index_listener(self, listener: Callable[[], None]) -> None:
        """Stop calling a listener given to on_index_changed. Any thread."""
        with contextlib.suppress(ValueError):
            self._index_listeners.remove(listener)

    def wait_indexed(self, timeout: float = 5.0) -> bool:
        """Block until every queued change is searchable; True when it is. Not the GUI thread."""
        return self.indexer.wait_idle(timeout)

    def _index_opened(self) -> None:
        """A late index is open (on the thread that opened it): the indexer may run."""
        if self._background:
            self.indexer.start()
            self.indexer.notify()

    def open_index_later(self) -> None:
        """Open the search index now on a thread of its own, when the library was opened
        with `defer_index` (the window calls it after its first paint). Any thread."""
        self.begin_start_backup()
        if self._late is not None:
            self._late.open_in_background()

    def index_ready(self) -> bool:
        """Whether the search index is open (a search now does not wait for it). Any thread."""
        return self._late is None or self._late.opened()

    def on_index_progress(self, listener: Callable[[int, int], None]) -> None:
        """Call `listener(done, total)` while a search index opened late (`defer_index`)
        is rebuilt because it could not be read: on the opening's thread, so keep it short
        (the window posts a Qt signal). Any thread."""
        if self._late is not None:
            self._late.on_progress(listener)

    def index_progress(self) -> tuple[int, int] | None:
        """(done, total) of that rebuild while it runs, else None. Any thread."""
        return self._late.rebuilding() if self._late is not None else None

    def index_state(self) -> str:
        """A short phrase for the status bar. Any thread."""
        if self._late is not None and not self._late.opened():
            failed = self._late.failed()
            if failed:
                return f"the search index cannot be opened: {failed}"
            rebuilding = self._late.rebuilding()
            if rebuilding is not None:
                done, total = rebuilding
                return f"rebuilding the search index… {100 * done // max(total, 1)} %"
            return "opening index…"
        if self.indexer.error:
            return self.indexer.error
        pending = self.indexer.pending()
        return f"indexing {count_of(pending, 'change')}" if pending else "index up to date"

    def reindex(self, *, progress: Progress | None = None, cancel: Cancel | None = None) -> int:
        """Rebuild the search index from SQLite. A worker thread; returns documents indexed."""
        count = rebuild(self.store, self.index, self.indexer, progress, cancel)
        self.indexer.committed()
        return count

    def check(self) -> list[str]:
        """Problems found: database integrity and index against store. Empty list when healthy."""
        problems = []
        result = self.store.one("PRAGMA integrity_check")
        if result is None or result[0] != "ok":
            problems.append(f"database integrity check: {result[0] if result else 'no answer'}")
        if not self.read_only:
            self.indexer.drain()
        expected = {f"a:{r['id']}" for r in self.store.read("SELECT id FROM articles")}
        expected |= {f"n:{r['id']}" for r in self.store.read("SELECT id FROM annotations")}
        actual = self.index.doc_ids()
        if expected - actual:
            missing = count_of(len(expected - actual), "document")
            problems.append(f"{missing} missing from the search index")
        if actual - expected:
            problems.append(f"{len(actual - expected)} stale documents in the search index")
        return problems
