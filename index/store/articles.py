"""Articles in the store: import (new, duplicate, changed), read back, list.

Imports are plain callables with `progress` and `cancel`, so the window can run
them in a worker. Files are read and parsed outside any transaction; articles
are written in batches, each article whole (a batch is one transaction), so a
kill mid-import leaves no half article and a re-run picks up where it stopped.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from index.importers import parser_version
from index.model import Article, Block, Stored, blocks_from_json, blocks_to_json, stored_forms
from index.store.database import Store, StoreError, describe_error, now_iso

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

# A batch is one transaction: small enough that a highlight made meanwhile waits little.
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
    # Per item of an archive or export, and every plain file not simply imported:
    # {"source", "item", "status", "reason", "article_id"} (issue 16).
    items: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    links: int = 0  # links listed without their text (Pocket, Instapaper, …)
    passages: dict[str, Any] = field(
        default_factory=lambda: {"placed": 0, "existing": 0, "orphaned": 0, "unplaced": []}
    )

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
            "skipped": self.skipped,
            "links": self.links,
            "passages": self.passages,
            "items": self.items,
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
    saved_at: str | None = None
    source_missing: bool = False

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
            "saved_at": self.saved_at,
            "source_missing": self.source_missing,
            "text": self.reading_text,
            "blocks": blocks_to_json(self.blocks),
        }


# Called inside the write transaction of a changed article, to re-anchor its passages.
Reanchor = Callable[[sqlite3.Connection, int, str], list[dict[str, Any]]]


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
    " original_text, blocks, reading_text, words, warnings, parser,"
    " saved_at, source_file, source_missing"
)


def _values(
    source: str, article: Article, source_file: str | None = None, stored: Stored | None = None
) -> tuple:
    if stored is None:
        stored = stored_forms(article)
    return (
        article.title,
        article.author,
        article.date,
        article.url,
        source,
        article.source_format,
        article.content_hash,
        article.original_text,
        stored.blocks_json,
        stored.reading_text,
        stored.words,
        "\n".join(article.warnings),
        parser_version(article.source_format),
        article.saved_at,
        source_file or source,
        0,
    )


def insert_article(
    conn: sqlite3.Connection,
    source: str,
    article: Article,
    source_file: str | None = None,
    stored: Stored | None = None,
) -> int:
    """A new article row (in the caller's transaction); its id."""
    stamp = now_iso()
    values = _values(source, article, source_file, stored)
    marks = ",".join("?" * (len(values) + 2))
    cursor = conn.execute(
        f"INSERT INTO articles({_COLUMNS}, imported_at, updated_at) VALUES ({marks})",
        (*values, stamp, stamp),
    )
    return int(cursor.lastrowid or 0)


def update_article(
    conn: sqlite3.Connection,
    article_id: int,
    source: str,
    article: Article,
    source_file: str | None = None,
    stored: Stored | None = None,
) -> None:
    """Replace an article's text and metadata (in the caller's transaction)."""
    sets = ", ".join(f"{name.strip()} = ?" for name in _COLUMNS.split(","))
    conn.execute(
        f"UPDATE articles SET {sets}, updated_at = ? WHERE id = ?",
        (*_values(source, article, source_file, stored), now_iso(), article_id),
    )


def get_article(store: Store, article_id: int) -> StoredArticle:
    """The article with this id; KeyError when there is none."""
    row = store.one("SELECT * FROM articles WHERE id = ?", (article_id,))
    if row is None:
        raise KeyError(f"no article with id {article_id}")
    columns = set(row.keys())  # sqlite3.Row: `in` looks at values, keys() at names
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
        # a library opened read-only before its migrations ran has no such columns yet
        saved_at=row["saved_at"] if "saved_at" in columns else None,
        source_missing=bool(row["source_missing"]) if "source_missing" in columns else False,
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


@dataclass(slots=True)
class ArticleColumns:
    """The article list as columns, in list order: what the window's list shows of each
    article. At 178,000 articles ~30 MB where as many ArticleSummary rows took ~120 MB
    (each a Python object with its own strings); equal authors and dates share one string."""

    ids: array = field(default_factory=lambda: array("q"))
    titles: list[str] = field(default_factory=list)
    authors: list[str | None] = field(default_factory=list)
    dates: list[str | None] = field(default_factory=list)
    highlights: array = field(default_factory=lambda: array("l"))

    def __len__(self) -> int:
        return len(self.ids)

    def append(
        self, article_id: int, title: str, author: str | None, date: str | None, count: int
    ) -> None:
        self.ids.append(article_id)
        self.titles.append(title)
        self.authors.append(author)
        self.dates.append(date)
        self.highlights.append(count)

    @classmethod
    def of(cls, summaries: Iterable[Any]) -> ArticleColumns:
        """Columns of rows that have id, title, author, date and highlights."""
        columns = cls()
        for s in summaries:
            columns.append(s.id, s.title, s.author, s.date, s.highlights)
        return columns


def _list_sql(view: str, tag: str | None) -> tuple[str, dict[str, str]]:
    if tag is not None:
        where = """WHERE a.id IN (
            SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id
             WHERE t.key = :key
            UNION
            SELECT n.article_id FROM annotations n
              JOIN annotation_tags nt ON nt.annotation_id = n.id
              JOIN tags t ON t.id = nt.tag_id WHERE t.key = :key)"""
        return f"{_LIST_SQL} {where} ORDER BY a.date DESC", {"key": tag.casefold()}
    if view not in _VIEWS:
        raise ValueError(f"unknown view {view!r}")
    where, order = _VIEWS[view]
    return f"{_LIST_SQL} {where} ORDER BY {order}", {}


def list_columns(store: Store, *, view: str = "all", tag: str | None = None) -> ArticleColumns:
    """list_articles as ArticleColumns (the window's list), read row by row: no list of
    row objects is ever held."""
    sql, params = _list_sql(view, tag)
    columns = ArticleColumns()
    shared: dict[str, str] = {}
    try:
        cursor = store.connection().execute(sql, params)
        cursor.row_factory = None  # plain tuples
        for article_id, title, author, date, _path, _words, _opened, count in cursor:
            if author is not None:
                author = shared.setdefault(author, author)
            if date is not None:
                date = shared.setdefault(date, date)
            columns.append(article_id, title, author, date, count)
    except sqlite3.Error as error:
        message = describe_error(error)
        if message:
            raise StoreError(message) from error
        raise
    return columns


def list_articles(
    store: Store, *, view: str = "all", tag: str | None = None
) -> list[ArticleSummary]:
    """Articles for one sidebar view, or carrying a tag (on the article or a passage)."""
    sql, params = _list_sql(view, tag)
    rows = store.read(sql, params)
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
