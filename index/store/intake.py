"""The import pipeline: files, folders, archives and exports into the store.

Imports are plain callables with `progress` and `cancel`, so the window can run them
in a worker. Files read whole are parsed outside any transaction (in worker processes
for a large import); archives read as a stream (WARC, WACZ, Omnivore) are read here,
one record at a time. Articles are written in batches, each article whole with its
tags and carried highlights (a batch is one transaction), so a kill mid-import leaves
no half article and a re-run picks up where it stopped.

Every item of an archive or export is reported (imported, updated, duplicate, skipped,
listed as a link, failed with its reason); a plain file is reported when it is not
simply imported.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from index.importers import display_path, walk
from index.importers import pool as workers
from index.importers.addresses import address_key
from index.importers.detect import sniff
from index.importers.items import Item, SavedLink
from index.importers.sources import stream_source
from index.model import Article, Stored
from index.store.articles import (
    ImportFailure,
    ImportReport,
    insert_article,
    near_duplicate,
    update_article,
)
from index.store.database import Store, now_iso
from index.store.images import keep_images, link_images

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
# Called inside the write transaction of a changed article, to re-anchor its passages.
Reanchor = Callable[[sqlite3.Connection, int, str], list[dict[str, Any]]]
# Called inside the write transaction of an article carrying tags or highlights.
Attach = Callable[[sqlite3.Connection, int, Article], dict[str, Any]]

# A batch is one transaction: small enough that a highlight made meanwhile waits little.
BATCH_FILES = 50
BATCH_SECONDS = 0.25
ARCHIVE_STEPS = 100  # progress units one streamed archive counts for


@dataclass(slots=True)
class _Entry:
    source: str  # the article's identity: a file's path, or "file#key" inside an archive
    source_file: str  # the file it came from
    label: str  # how the report names it
    article: Article | None = None
    link: SavedLink | None = None
    in_archive: bool = False
    stored: Stored | None = None  # the article's stored forms, from its worker


class _Writer:
    """Collects parsed entries and writes them in batches, one transaction each."""

    def __init__(
        self,
        store: Store,
        report: ImportReport,
        reanchor: Reanchor | None,
        attach: Attach | None,
        keep_near_duplicates: bool = False,
    ) -> None:
        self.keep_near_duplicates = keep_near_duplicates
        self.store = store
        self.report = report
        self.reanchor = reanchor
        self.attach = attach
        self.pending: list[_Entry] = []
        self.last_flush = time.monotonic()
        self.written = 0  # entries written by this import so far
        self.on_written: Callable[[int], None] | None = None  # told that count after each batch
        self._addresses: dict[str, int] | None = None

    def same_address(self, conn: sqlite3.Connection, url: str | None) -> int | None:
        """Another article at this address, as two tools would write it differently
        (`http://www.x.org/a/?utm_source=feed` is `https://x.org/a`): a page saved twice."""
        key = address_key(url or "")
        if not key:
            return None
        if self._addresses is None:  # read once per import, then kept up to date
            rows = conn.execute("SELECT id, url FROM articles WHERE url IS NOT NULL ORDER BY id")
            self._addresses = {}
            for row in rows:
                self._addresses.setdefault(address_key(row["url"]), row["id"])
        return self._addresses.get(key)

    def _remember_address(self, url: str | None, article_id: int) -> None:
        if self._addresses is not None and (key := address_key(url or "")):
            self._addresses.setdefault(key, article_id)

    def add(self, entry: _Entry) -> None:
        self.pending.append(entry)
        if entry.article is not None:
            # Outside the transaction: the images' files are written before any row names them.
            keep_images(entry.article, self.store.path.parent)
            self.report.warnings.extend(
                ImportFailure(entry.source, w) for w in entry.article.warnings
            )

    def add_item(self, file: str, item: Item) -> None:
        """An item found inside `file`: stored, or reported with its reason."""
        source = f"{file}#{item.key}"
        if item.article is not None or item.link is not None:
            self.add(_Entry(source, file, item.label, item.article, item.link, in_archive=True))
            return
        status = item.status or "skipped"
        self.note(file, item.label, status, item.reason)
        if status == "failed":
            self.report.failed.append(ImportFailure(f"{file}#{item.label}", item.reason))
        elif status == "duplicate":
            self.report.duplicates += 1
        else:
            self.report.skipped += 1

    def note(self, file: str, label: str, status: str, reason: str = "", article_id=None) -> None:
        self.report.items.append(
            {
                "source": file,
                "item": label,
                "status": status,
                "reason": reason,
                "article_id": article_id,
            }
        )

    def maybe_flush(self, force: bool = False) -> None:
        due = len(self.pending) >= BATCH_FILES or time.monotonic() - self.last_flush > BATCH_SECONDS
        if self.pending and (due or force):
            self._write(self.pending)
            self.written += len(self.pending)
            self.pending = []
            self.last_flush = time.monotonic()
            if self.on_written is not None:
                self.on_written(self.written)

    def _write(self, batch: list[_Entry]) -> None:
        with self.store.write() as conn:
            for entry in batch:
                if entry.link is not None:
                    self._write_link(conn, entry)
                else:
                    self._write_article(conn, entry)

    def _write_article(self, conn: sqlite3.Connection, entry: _Entry) -> None:
        report, article = self.report, entry.article
        assert article is not None
        same = conn.execute(
            "SELECT id FROM articles WHERE content_hash = ? LIMIT 1", (article.content_hash,)
        ).fetchone()
        if same:
            report.duplicates += 1
            if same["id"] in report.stored:  # stored by this import: a copy within it
                report.duplicates_within += 1
            reason = f"the same text as article {same['id']}"
            self.note(entry.source_file, entry.label, "duplicate", reason, same["id"])
            conn.execute(
                "UPDATE articles SET source_missing = 0 WHERE id = ? AND source_path = ?",
                (same["id"], entry.source),
            )
            self._attach(conn, same["id"], article)
            return
        previous = conn.execute(
            "SELECT id FROM articles WHERE source_path = ? ORDER BY id LIMIT 1", (entry.source,)
        ).fetchone()
        reason = ""
        if previous:
            article_id = previous["id"]
            update_article(conn, article_id, entry.source, article, entry.source_file, entry.stored)
            report.updated += 1
            if self.reanchor:
                text = entry.stored.reading_text if entry.stored else article.reading_text
                report.anchoring.extend(self.reanchor(conn, article_id, text))
            status = "updated"
        else:
            copy = None if self.keep_near_duplicates else near_duplicate(conn, article)
            if copy is not None:  # same title, almost the same text: kept once
                report.near_duplicates.append(
                    {"path": entry.source, "title": article.title, **copy}
                )
                reason = (
                    f"{100 * copy['similarity']:.1f} % the same as article {copy['kept_id']}:"
                    " not imported"
                )
                if entry.in_archive:
                    self.note(entry.source_file, entry.label, "near-duplicate", reason)
                return
            same_address = self.same_address(conn, article.url)
            article_id = insert_article(
                conn, entry.source, article, entry.source_file, entry.stored
            )
            self._remember_address(article.url, article_id)
            report.imported += 1
            status = "imported"
            if same_address is not None:
                reason = f"article {same_address} has the same address (saved twice?)"
        report.article_ids.append(article_id)
        report.stored.add(article_id)
        if entry.in_archive or reason:
            self.note(entry.source_file, entry.label, status, reason, article_id)
        conn.execute("INSERT INTO outbox(doc_id) VALUES (?)", (f"a:{article_id}",))
        if status == "updated" or any(b.kind == "figure" and b.image for b in article.blocks):
            link_images(conn, article_id, article.blocks)  # (a new row has no images yet)
        self._attach(conn, article_id, article)

    def _attach(self, conn: sqlite3.Connection, article_id: int, article: Article) -> None:
        if self.attach is None or not (article.tags or article.highlights):
            return
        result = self.attach(conn, article_id, article)
        passages = self.report.passages
        for key in ("placed", "existing", "orphaned"):
            passages[key] += result.get(key, 0)
        passages["unplaced"].extend(result.get("unplaced", []))

    def _write_link(self, conn: sqlite3.Connection, entry: _Entry) -> None:
        link = entry.link
        assert link is not None
        known = self.same_address(conn, link.url)
        if known is not None:
            reason = f"a link without its text; the library has it as article {known}"
            self.note(entry.source_file, entry.label, "duplicate", reason, known)
            self.report.duplicates += 1
            return
        conn.execute(
            "INSERT INTO unsaved_links(url, title, tags, added, state, source, listed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET title = excluded.title, tags = excluded.tags,"
            " added = coalesce(excluded.added, added), state = excluded.state,"
            " source = excluded.source",
            (
                link.url,
                link.title,
                "\n".join(link.tags),
                link.added,
                link.state,
                entry.source_file,
                now_iso(),
            ),
        )
        self.report.links += 1
        self.note(
            entry.source_file, entry.label, "link", "saved without its text: listed, not fetched"
        )


def import_paths(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    reanchor: Reanchor | None = None,
    keep_near_duplicates: bool = False,
    attach: Attach | None = None,
    written: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import files, folders, archives and exports; return what happened to each.

    `written(n)` is called after each batch's transaction with the entries written so far
    (the Library wakes its indexer with it once they are a backlog worth its workers)."""
    started = time.monotonic()
    report = ImportReport()
    found = list(walk(paths))
    kinds = ["file" if item.error else sniff(item.path) for item in found]
    files = [item for item, kind in zip(found, kinds, strict=True) if kind == "file"]
    archives = [(item, kind) for item, kind in zip(found, kinds, strict=True) if kind != "file"]
    total = len(files) + ARCHIVE_STEPS * len(archives)
    writer = _Writer(store, report, reanchor, attach, keep_near_duplicates)
    writer.on_written = written
    done = 0
    parsed = workers.parse_all([i.path for i in files if not i.error], cancel)
    try:
        for item in files:
            if cancel and cancel():
                report.cancelled = True
                break
            done += 1
            if item.error:
                report.failed.append(ImportFailure(item.path, item.error))
            else:
                result = next(parsed, None)
                if result is None:  # the parsing stopped: cancelled
                    report.cancelled = True
                    break
                _take(writer, item.path, result)
            writer.maybe_flush(force=done == len(files))
            if progress:
                progress(done, total, display_path(item.path))
    finally:
        parsed.close()
    for item, kind in archives:
        if report.cancelled or (cancel and cancel()):
            report.cancelled = True
            break
        _stream(writer, item.path, kind, done, total, progress, cancel)
        done += ARCHIVE_STEPS
        if progress:
            progress(done, total, display_path(item.path))
    if cancel and cancel():
        report.cancelled = True
    writer.maybe_flush(force=True)
    report.took_s = time.monotonic() - started
    return report


def _identity_path(path: str) -> str:
    return display_path(os.path.abspath(path))


def _take(writer: _Writer, path: str, result: workers.Parsed) -> None:
    """One file's result from the parsing workers: an article, an export's items, a reason."""
    key = _identity_path(path)
    if isinstance(result, str):
        writer.report.failed.append(ImportFailure(display_path(path), result))
    elif isinstance(result, workers.Ready):
        writer.add(_Entry(key, key, key, result.article, stored=result.stored))
    else:
        for item in result:
            writer.add_item(key, item)
        if not result:
            writer.note(key, key, "skipped", "the export lists nothing")


def _stream(
    writer: _Writer,
    path: str,
    kind: str,
    done: int,
    total: int,
    progress: Progress | None,
    cancel: Cancel | None,
) -> None:
    """The items of an archive read as a stream, stored as they come."""
    key = _identity_path(path)

    def step(fraction: float, label: str) -> None:
        if progress:
            progress(
                done + min(ARCHIVE_STEPS - 1, int(fraction * ARCHIVE_STEPS)),
                total,
                f"{display_path(path)}: {label}",
            )

    for item in stream_source(path, kind, progress=step, cancel=cancel):
        writer.add_item(key, item)
        writer.maybe_flush()
