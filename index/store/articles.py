"""Articles in the store: import (new, duplicate, changed), read back, list.

Imports are plain callables with `progress` and `cancel`, so the window can run
them in a worker. Files are read and parsed outside any transaction; articles
are written in batches, each article whole (a batch is one transaction), so a
kill mid-import leaves no half article and a re-run picks up where it stopped.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from index.importers import display_path, parser_version, walk
from index.importers import pool as workers
from index.model import Article, Block, blocks_from_json, blocks_to_json
from index.store.database import Store, now_iso

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

# A batch is one transaction: small enough that a highlight made meanwhile waits little.
BATCH_FILES = 50
BATCH_SECONDS = 0.25
NEAR_DUPLICATE = 0.98  # same title and at least this similar: a near-copy, kept once
LONG_TEXT = 200_000  # characters; longer texts are compared line by line (see _similarity)
SAME_TITLE_COMPARED = 8  # the newest articles of one title a new one is compared with


@dataclass(slots=True)
class ImportFailure:
    path: str
    error: str


@dataclass(slots=True)
class ImportReport:
    """What an import did; `failed` holds one line per file that could not be imported."""

    imported: int = 0
    updated: int = 0
    duplicates: int = 0  # files whose text was already stored: in the library, or earlier ...
    duplicates_within: int = 0  # ... in this same import (copies among the imported files)
    failed: list[ImportFailure] = field(default_factory=list)
    warnings: list[ImportFailure] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)
    stored: set[int] = field(default_factory=set, repr=False)  # article_ids, for lookups
    anchoring: list[dict[str, Any]] = field(default_factory=list)
    # Files not imported because an article of the same title and almost the same text
    # is in the library: {"path", "title", "kept_id", "kept_path", "similarity"}.
    near_duplicates: list[dict[str, Any]] = field(default_factory=list)
    took_s: float = 0.0
    cancelled: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "duplicates_within": self.duplicates_within,
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
            "warnings": [{"path": w.path, "warning": w.error} for w in self.warnings],
            "anchoring": self.anchoring,
            "near_duplicates": self.near_duplicates,
            "took_s": round(self.took_s, 3),
            "cancelled": self.cancelled,
        }


@dataclass(slots=True)
class ArticleSummary:
    """One row of the article list."""

    id: int
    title: str
    author: str | None
    date: str | None
    source_path: str
    words: int
    highlights: int
    opened_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "author": self.author,
            "date": self.date,
            "source": self.source_path,
            "words": self.words,
            "highlights": self.highlights,
        }


@dataclass(slots=True)
class StoredArticle:
    """An article as the library keeps it, ready for the reader."""

    id: int
    title: str
    author: str | None
    date: str | None
    url: str | None
    source_path: str
    source_format: str
    imported_at: str
    content_hash: str
    blocks: list[Block]
    reading_text: str
    words: int
    warnings: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "author": self.author,
            "date": self.date,
            "url": self.url,
            "source": self.source_path,
            "format": self.source_format,
            "imported_at": self.imported_at,
            "content_hash": self.content_hash,
            "words": self.words,
            "warnings": self.warnings,
            "text": self.reading_text,
            "blocks": blocks_to_json(self.blocks),
        }


# Called inside the write transaction of a changed article, to re-anchor its passages.
Reanchor = Callable[[sqlite3.Connection, int, str], list[dict[str, Any]]]


def import_paths(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    reanchor: Reanchor | None = None,
    keep_near_duplicates: bool = False,
) -> ImportReport:
    """Import files and folders; return counts, failures with reasons, new article ids.

    A file whose text is the same as an article's is a duplicate; one whose title is the
    same and whose text is at least NEAR_DUPLICATE similar is a near-duplicate, reported
    with the article it resembles and not imported unless `keep_near_duplicates`.
    """
    started = time.monotonic()
    report = ImportReport()
    items = list(walk(paths))
    total = len(items)
    pending: list[tuple[str, Article]] = []
    last_flush = time.monotonic()
    parsed = workers.parse_all([i.path for i in items if not i.error], cancel)
    for done, item in enumerate(items, start=1):
        if cancel and cancel():
            report.cancelled = True
            break
        if item.error:
            report.failed.append(ImportFailure(item.path, item.error))
        else:
            article = next(parsed, None)
            if article is None:  # the parsing stopped: cancelled
                report.cancelled = True
                break
            if isinstance(article, str):
                report.failed.append(ImportFailure(display_path(item.path), article))
            else:
                key = _identity_path(item.path)
                pending.append((key, article))
                report.warnings.extend(ImportFailure(key, w) for w in article.warnings)
        full = len(pending) >= BATCH_FILES or time.monotonic() - last_flush > BATCH_SECONDS
        if pending and (full or done == total):
            _store_batch(store, pending, report, reanchor, keep_near_duplicates)
            pending.clear()
            last_flush = time.monotonic()
        if progress:
            progress(done, total, display_path(item.path))
    parsed.close()
    if pending:
        _store_batch(store, pending, report, reanchor, keep_near_duplicates)
    report.took_s = time.monotonic() - started
    return report


def _identity_path(path: str) -> str:
    return display_path(os.path.abspath(path))


def _store_batch(
    store: Store,
    batch: list[tuple[str, Article]],
    report: ImportReport,
    reanchor: Reanchor | None,
    keep_near_duplicates: bool = False,
) -> None:
    """Write one batch of parsed articles in one transaction."""
    with store.write() as conn:
        for source, article in batch:
            same = conn.execute(
                "SELECT id FROM articles WHERE content_hash = ? LIMIT 1", (article.content_hash,)
            ).fetchone()
            if same:
                report.duplicates += 1
                if same["id"] in report.stored:  # stored by this import: a copy within it
                    report.duplicates_within += 1
                continue
            previous = conn.execute(
                "SELECT id FROM articles WHERE source_path = ? ORDER BY id LIMIT 1", (source,)
            ).fetchone()
            if previous:
                article_id = previous["id"]
                _update_article(conn, article_id, source, article)
                report.updated += 1
                if reanchor:
                    report.anchoring.extend(reanchor(conn, article_id, article.reading_text))
            else:
                near = None if keep_near_duplicates else near_duplicate(conn, article)
                if near is not None:
                    report.near_duplicates.append({"path": source, "title": article.title, **near})
                    continue
                article_id = _insert_article(conn, source, article)
                report.imported += 1
            report.article_ids.append(article_id)
            report.stored.add(article_id)
            conn.execute("INSERT INTO outbox(doc_id) VALUES (?)", (f"a:{article_id}",))


def near_duplicate(conn: sqlite3.Connection, article: Article) -> dict[str, Any] | None:
    """The article of the library that `article` is a near-copy of, or None.

    Near-copy: the same title, and texts at least NEAR_DUPLICATE similar (Indel: the
    share of characters that need no insertion or deletion), such as the same story
    saved twice with one word mended. Only articles of the same title are read (an
    index), the newest SAME_TITLE_COMPARED of them (a title many articles share is a
    column's or a series', whose issues differ), and only those whose length allows that
    similarity are compared, by a banded edit distance first (cheap, and never above the
    Indel distance: what it rules out is ruled out exactly).
    """
    text = article.reading_text
    rows = conn.execute(
        "SELECT id, source_path, reading_text FROM articles WHERE title = ?"
        " ORDER BY id DESC LIMIT ?",
        (article.title, SAME_TITLE_COMPARED),
    )
    for row in rows:
        other = row["reading_text"]
        total = len(text) + len(other)
        if abs(len(text) - len(other)) > (1 - NEAR_DUPLICATE) * total:
            continue  # Indel similarity is at most 1 - |a - b| / (a + b)
        score = _similarity(text, other)
        if score >= NEAR_DUPLICATE:
            similarity = round(score, 4)
            return {"kept_id": row["id"], "kept_path": row["source_path"], "similarity": similarity}
    return None


def _similarity(a: str, b: str) -> float:
    """Indel similarity of two texts (0 when surely below NEAR_DUPLICATE); very long ones
    line by line (each line one symbol): two 20 MB files take a fraction of a second."""
    from rapidfuzz.distance import Indel, Levenshtein

    if len(a) + len(b) > 2 * LONG_TEXT:
        return Indel.normalized_similarity(a.split("\n"), b.split("\n"))
    allowed = int((1 - NEAR_DUPLICATE) * (len(a) + len(b)))
    # An Indel edit is one Levenshtein edit, and a substitution is two Indel edits:
    # Levenshtein <= Indel, so a Levenshtein distance over the allowance rules it out.
    if Levenshtein.distance(a, b, score_cutoff=allowed) > allowed:
        return 0.0
    return Indel.normalized_similarity(a, b, score_cutoff=NEAR_DUPLICATE)


_COLUMNS = (
    "title, author, date, url, source_path, source_format, content_hash,"
    " original_text, blocks, reading_text, words, warnings, parser"
)


def _values(source: str, article: Article) -> tuple:
    text = article.reading_text
    return (
        article.title,
        article.author,
        article.date,
        article.url,
        source,
        article.source_format,
        article.content_hash,
        article.original_text,
        json.dumps(blocks_to_json(article.blocks), ensure_ascii=False),
        text,
        len(text.split()),
        "\n".join(article.warnings),
        parser_version(article.source_format),
    )


def _insert_article(conn: sqlite3.Connection, source: str, article: Article) -> int:
    stamp = now_iso()
    cursor = conn.execute(
        f"INSERT INTO articles({_COLUMNS}, imported_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (*_values(source, article), stamp, stamp),
    )
    return int(cursor.lastrowid or 0)


def _update_article(conn: sqlite3.Connection, article_id: int, source: str, article: Article):
    sets = ", ".join(f"{name.strip()} = ?" for name in _COLUMNS.split(","))
    conn.execute(
        f"UPDATE articles SET {sets}, updated_at = ? WHERE id = ?",
        (*_values(source, article), now_iso(), article_id),
    )


def get_article(store: Store, article_id: int) -> StoredArticle:
    """The article with this id; KeyError when there is none."""
    row = store.one("SELECT * FROM articles WHERE id = ?", (article_id,))
    if row is None:
        raise KeyError(f"no article with id {article_id}")
    return StoredArticle(
        id=row["id"],
        title=row["title"],
        author=row["author"],
        date=row["date"],
        url=row["url"],
        source_path=row["source_path"],
        source_format=row["source_format"],
        imported_at=row["imported_at"],
        content_hash=row["content_hash"],
        blocks=blocks_from_json(json.loads(row["blocks"])),
        reading_text=row["reading_text"],
        words=row["words"],
        warnings=[w for w in row["warnings"].split("\n") if w],
    )


_LIST_SQL = """
SELECT a.id, a.title, a.author, a.date, a.source_path, a.words, a.opened_at,
       coalesce(c.n, 0) AS highlights
FROM articles a
LEFT JOIN (SELECT article_id, count(*) AS n FROM annotations GROUP BY article_id) c
       ON c.article_id = a.id
"""

_VIEWS = {
    "all": ("", "a.date IS NULL, a.date DESC, a.id DESC"),
    "recent": ("WHERE a.opened_at IS NOT NULL", "a.opened_at DESC"),
    "highlighted": (
        "WHERE EXISTS (SELECT 1 FROM annotations n WHERE n.article_id = a.id)",
        "a.date IS NULL, a.date DESC, a.id DESC",
    ),
    "orphaned": (
        "WHERE EXISTS (SELECT 1 FROM annotations n WHERE n.article_id = a.id AND n.orphaned)",
        "a.id DESC",
    ),
}


def list_articles(
    store: Store, *, view: str = "all", tag: str | None = None
) -> list[ArticleSummary]:
    """Articles for one sidebar view, or carrying a tag (on the article or a passage)."""
    if tag is not None:
        where = """WHERE a.id IN (
            SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id
             WHERE t.key = :key
            UNION
            SELECT n.article_id FROM annotations n
              JOIN annotation_tags nt ON nt.annotation_id = n.id
              JOIN tags t ON t.id = nt.tag_id WHERE t.key = :key)"""
        rows = store.read(f"{_LIST_SQL} {where} ORDER BY a.date DESC", {"key": tag.casefold()})
    else:
        if view not in _VIEWS:
            raise ValueError(f"unknown view {view!r}")
        where, order = _VIEWS[view]
        rows = store.read(f"{_LIST_SQL} {where} ORDER BY {order}")
    return [
        ArticleSummary(
            r["id"],
            r["title"],
            r["author"],
            r["date"],
            r["source_path"],
            r["words"],
            r["highlights"],
            r["opened_at"],
        )
        for r in rows
    ]
