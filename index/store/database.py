"""SQLite, the source of truth: connections, schema migrations, transactions.

One connection per thread (sqlite3 objects must not cross threads). WAL with
synchronous=FULL, foreign keys on, a busy timeout. Every user action is one
`BEGIN IMMEDIATE` transaction (`Store.write()`); whatever changes what is
searchable also writes its document id to `outbox` in that same transaction,
and the indexer (index/indexer.py) drains it into whoosh.
"""

from __future__ import annotations

import errno
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

DB_NAME = "library.sqlite3"
BUSY_TIMEOUT_MS = 5000

# Numbered migrations: MIGRATIONS[n] brings user_version n to n + 1.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        author TEXT,
        date TEXT,
        url TEXT,
        source_path TEXT NOT NULL,
        source_format TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        original_text TEXT NOT NULL,
        blocks TEXT NOT NULL,
        reading_text TEXT NOT NULL,
        words INTEGER NOT NULL,
        warnings TEXT NOT NULL DEFAULT '',
        opened_at TEXT
    );
    CREATE INDEX articles_hash ON articles(content_hash);
    CREATE INDEX articles_source ON articles(source_path);
    CREATE INDEX articles_opened ON articles(opened_at);

    CREATE TABLE tags (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL
    );

    CREATE TABLE annotations (
        id TEXT PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        exact TEXT NOT NULL,
        prefix TEXT NOT NULL,
        suffix TEXT NOT NULL,
        color TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        orphaned INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE INDEX annotations_article ON annotations(article_id);

    CREATE TABLE annotation_tags (
        annotation_id TEXT NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        PRIMARY KEY (annotation_id, tag_id)
    ) WITHOUT ROWID;
    CREATE INDEX annotation_tags_tag ON annotation_tags(tag_id);

    CREATE TABLE article_tags (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        PRIMARY KEY (article_id, tag_id)
    ) WITHOUT ROWID;
    CREATE INDEX article_tags_tag ON article_tags(tag_id);

    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id TEXT NOT NULL
    );

    CREATE TABLE saved_searches (
        name TEXT PRIMARY KEY,
        query TEXT NOT NULL,
        created TEXT NOT NULL
    );

    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: passage history, trash, the JSON mirror's dirty list, colour names, anchoring reports.
    """
    CREATE TABLE annotation_versions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        annotation_id TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX annotation_versions_id ON annotation_versions(annotation_id, seq);

    CREATE TABLE trash (
        annotation_id TEXT PRIMARY KEY,
        article_id INTEGER NOT NULL,
        deleted TEXT NOT NULL,
        data TEXT NOT NULL
    );

    CREATE TABLE mirror_dirty (
        article_id INTEGER PRIMARY KEY
    );

    CREATE TABLE legend (
        color TEXT PRIMARY KEY,
        name TEXT NOT NULL
    );

    CREATE TABLE anchoring_reports (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        entries TEXT NOT NULL
    );
    CREATE INDEX anchoring_reports_article ON anchoring_reports(article_id, at);
    """,
    # The mirror's dirty rows carry a stamp that every change bumps, so the files can be
    # written after the transaction that read them (index/safety/mirror.py).
    """
    ALTER TABLE mirror_dirty ADD COLUMN stamp INTEGER NOT NULL DEFAULT 0;
    """,
    # Near-duplicates are looked for among articles of the same title (store/articles.py).
    """
    CREATE INDEX IF NOT EXISTS articles_title ON articles(title);
    """,
    # Which version of its importer made each article's blocks: articles made by an older
    # one are read again from their stored original (index/store/reread.py), so a library
    # made before tables, numbered lists, code, footnotes and figures gains them.
    """
    ALTER TABLE articles ADD COLUMN parser INTEGER NOT NULL DEFAULT 1;
    """,
    # moving in (issue 16): when a page was saved, which file an article came from (an
    # archive holds many) and whether that file is gone; links read-later exports list
    # without their text; folders that import themselves.
    """
    ALTER TABLE articles ADD COLUMN saved_at TEXT;
    ALTER TABLE articles ADD COLUMN source_file TEXT;
    ALTER TABLE articles ADD COLUMN source_missing INTEGER NOT NULL DEFAULT 0;
    UPDATE articles SET source_file = source_path;
    CREATE INDEX articles_source_file ON articles(source_file);

    CREATE TABLE unsaved_links (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '',
        added TEXT,
        state TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL,
        listed_at TEXT NOT NULL
    );

    CREATE TABLE watched_folders (
        path TEXT PRIMARY KEY,
        added TEXT NOT NULL,
        checked REAL NOT NULL DEFAULT 0
    );
    """,
    # Images (issue 12): which of the library's stored images (images/ab/<sha256>.<ext>)
    # each article's figures show, by the figure's address.
    """
    CREATE TABLE article_images (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        src TEXT NOT NULL,
        image TEXT NOT NULL,
        PRIMARY KEY (article_id, src)
    );
    CREATE INDEX article_images_image ON article_images(image);
    """,
    # Every start asks which articles an older importer made (store/reread.py): answered
    # from this index instead of every article's row, where `parser` comes after the texts
    # (0.28 s of a 44,500-article library's start).
    """
    CREATE INDEX IF NOT EXISTS articles_parser ON articles(source_format, parser);
    """,
]


class StoreError(Exception):
    """The environment stopped a database operation (disk full, read-only, locked...).

    str() is a one-line message for the user; bugs are not wrapped in this.
    """


def now_iso() -> str:
    """The current UTC time as an ISO string with seconds and a Z."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def describe_error(error: sqlite3.Error) -> str | None:
    """A user-facing line for errors caused by the environment, None for our own bugs."""
    text = str(error).lower()
    code = getattr(error, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL or "database or disk is full" in text:
        return "the disk is full: free some space and try again"
    if code == getattr(sqlite3, "SQLITE_IOERR_WRITE", -1) or "disk i/o error" in text:
        return "the disk refused a write (full, or a file-size limit): nothing was changed"
    if code == sqlite3.SQLITE_READONLY or "readonly" in text or "read-only" in text:
        return "the library is read-only: changes cannot be saved"
    if code == sqlite3.SQLITE_BUSY or "database is locked" in text:
        return "the library is busy in another program: try again in a moment"
    if code == sqlite3.SQLITE_CANTOPEN or "unable to open" in text:
        return "the library's database cannot be opened (was its folder moved or deleted?)"
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in text:
        return "the library's database is damaged"
    return None


def describe_os_error(error: OSError) -> str:
    """A user's line for a failed file operation: full disk, size limit, read-only, gone."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if error.errno == errno.EFBIG:
        return "a file-size limit was reached"
    if error.errno == errno.EROFS:
        return "the disk is read-only"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if error.errno == errno.ENOENT:
        return "the folder is gone (moved or deleted?)"
    return error.strerror or str(error)


class WrongThread(RuntimeError):
    """A write on a thread that must never write (a bug of ours, not the environment's)."""


class Store:
    """The library's SQLite database, with one connection per calling thread."""

    def __init__(self, folder: Path, *, read_only: bool = False) -> None:
        self.path = folder / DB_NAME
        self.read_only = read_only
        self.read_only_reason = "the library is open read-only: changes cannot be saved"
        self.busy_timeout_ms = BUSY_TIMEOUT_MS  # read when a thread's connection is made
        self._no_writes_on: int | None = None
        self._gate = threading.Condition()
        self._writing = False
        self._urgent_waiting = 0
        self._urgent_threads: set[int] = set()
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.migrate()

    def forbid_writes_on_this_thread(self) -> None:
        """From now on a write asked for on the calling thread raises WrongThread: the
        window's GUI thread must never wait on the database (its writer thread writes)."""
        self._no_writes_on = threading.get_ident()

    # -- connections ---------------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, made on first use."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _connect(self) -> sqlite3.Connection:
        try:
            if self.read_only:
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                if _immutable(self.path):
                    uri += "&immutable=1"
                conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            else:
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA foreign_keys = ON")
            if not self.read_only:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as error:
            raise StoreError(
                describe_error(error) or f"cannot open the database: {error}"
            ) from None
        return conn

    def close(self) -> None:
        """Close every thread's connection (call once no other thread uses the store)."""
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
        self._local = threading.local()

    # -- transactions --------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One user action: BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        if self._no_writes_on == threading.get_ident():
            raise WrongThread("a write was asked for on the window's GUI thread")
        if self.read_only:
            raise StoreError(self.read_only_reason)
        if not self.path.exists():
            # Writes into a database whose folder was moved or deleted would vanish with it.
            raise StoreError(
                f"the library's database is gone from {self.path.parent} (moved or deleted?):"
                " changes cannot be saved"
            )
        conn = self.connection()
        with self._turn():
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise StoreError(describe_error(error) or str(error)) from None
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as error:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error) and describe_error(error):
                    raise StoreError(describe_error(error)) from error
                raise

    def prefer_writes_of_this_thread(self) -> None:
        """The user's own changes (the window's writer thread) go before bulk work (an
        import's batches, the indexer's bookkeeping) when both wait to write."""
        self._urgent_threads.add(threading.get_ident())

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """This process's writers take turns here instead of in SQLite's busy handler,
        which sleeps in growing steps (up to 100 ms) and lets a busy importer take the lock
        again and again before a waiting highlight; an urgent thread's write goes first."""
        urgent = threading.get_ident() in self._urgent_threads
        with self._gate:
            if urgent:
                self._urgent_waiting += 1
            try:
                while self._writing or (not urgent and self._urgent_waiting):
                    self._gate.wait()
            finally:
                if urgent:
                    self._urgent_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._gate:
                self._writing = False
                self._gate.notify_all()

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """Several reads that see one state of the database (a read transaction)."""
        conn = self.connection()
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def read(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        """Rows of one query on this thread's connection."""
        try:
            return self.connection().execute(sql, params).fetchall()
        except sqlite3.Error as error:
            message = describe_error(error)
            if message:
                raise StoreError(message) from error
            raise

    def one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        rows = self.read(sql, params)
        return rows[0] if rows else None

    # -- schema --------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the newest version, all steps in one transaction."""
        conn = self.connection()
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(
                f"this library was made by a newer Gloss (schema {version}): update Gloss"
            )
        if version == len(MIGRATIONS) or self.read_only:
            return
        with self.write() as conn:
            for number in range(version, len(MIGRATIONS)):
                for statement in _statements(MIGRATIONS[number]):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")

    def schema_version(self) -> int:
        return self.connection().execute("PRAGMA user_version").fetchone()[0]


def _immutable(path: Path) -> bool:
    """A WAL database on a read-only disk, with no journal beside it, can only be opened
    as immutable (SQLite cannot make its `-shm` file there); nobody can change it anyway."""
    import os

    wal = Path(f"{path}-wal")
    unjournaled = not wal.exists() or wal.stat().st_size == 0
    return unjournaled and not os.access(path.parent, os.W_OK) and path.exists()


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (executescript would commit on its own)."""
    parts, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            parts.append(current.strip())
            current = ""
    if current.strip():
        parts.append(current.strip())
    return parts
