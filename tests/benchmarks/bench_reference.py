"""The benchmark's references, built in the benchmark's own process on the same files.

- SQLite FTS5 (what calibre and Zotero use): porter tokenizer, `bm25` with the title
  weighted 2, top 20 with a `snippet()` each. Articles in one table, passages in another.
- Plain whoosh: one default single writer with Gloss's analyzer, every field stored, one
  commit at the end: the rate Gloss's indexing is held against.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from tests.benchmarks.bench_corpus import Query


def parse_file(path: Path) -> tuple[str, str, str]:
    """Title, date and body of a scaled-corpus file, as the reference indexes them."""
    parts = path.read_text(encoding="utf-8").split("\n\n")
    title, date = parts[0], parts[1]
    body = [p for p in parts[2:] if not p.startswith("By ")]
    return title, date, "\n".join(body)


class Fts5:
    """An FTS5 index of the corpus files and the generated passages, in memory."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE articles USING fts5(title, body, date UNINDEXED,"
            " tokenize='porter unicode61')"
        )
        self.db.execute(
            "CREATE VIRTUAL TABLE passages USING fts5(quote, note, tags,"
            " tokenize='porter unicode61')"
        )

    def build(self, files: Iterable[Path]) -> tuple[int, float]:
        """Index the files in one transaction; (count, seconds)."""
        start = time.perf_counter()
        count = 0
        with self.db:
            for path in files:
                self.db.execute(
                    "INSERT INTO articles(title, date, body) VALUES (?, ?, ?)", parse_file(path)
                )
                count += 1
        return count, time.perf_counter() - start

    def add_passages(self, passages: Iterable[tuple[str, str, str]]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT INTO passages(quote, note, tags) VALUES (?, ?, ?)", passages
            )

    def search(self, query: Query) -> list[tuple]:
        """Top 20 by bm25 with a snippet each, as the user would see them."""
        if query.fts_table == "passages":
            sql = (
                "SELECT rowid, snippet(passages, 0, '[', ']', '…', 16) FROM passages"
                " WHERE passages MATCH ? ORDER BY bm25(passages) LIMIT 20"
            )
            return self.db.execute(sql, (query.fts,)).fetchall()
        sql = (
            "SELECT rowid, title, snippet(articles, 1, '[', ']', '…', 16) FROM articles"
            " WHERE articles MATCH ?{range} ORDER BY bm25(articles, 2.0, 1.0) LIMIT 20"
        )
        if query.date_range:
            low, high = query.date_range
            return self.db.execute(
                sql.format(range=" AND date BETWEEN ? AND ?"), (query.fts, low, high)
            ).fetchall()
        return self.db.execute(sql.format(range=""), (query.fts,)).fetchall()


def plain_whoosh(files: Iterable[Path], folder: Path) -> tuple[int, float]:
    """A default whoosh index (one writer, Gloss's analyzer, fields stored); (count, seconds)."""
    from whoosh import fields, index

    from index.search.analysis import STEM_ANALYZER

    schema = fields.Schema(
        path=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=STEM_ANALYZER, stored=True),
        date=fields.ID(stored=True),
        body=fields.TEXT(analyzer=STEM_ANALYZER, stored=True),
    )
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    ix = index.create_in(str(folder), schema)
    writer = ix.writer()
    count = 0
    for path in files:
        title, date, body = parse_file(path)
        writer.add_document(path=str(path), title=title, date=date, body=body)
        count += 1
    writer.commit()
    ix.close()
    return count, time.perf_counter() - start
