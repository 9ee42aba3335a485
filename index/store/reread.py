"""Articles read again from their stored originals when their importer has grown.

Every article keeps the text it was imported from (decoded, in `original_text`)
and the version of the importer that made its blocks (`parser`). When an
importer's version rises (index/importers PARSER_VERSIONS), each article it made
before is parsed again from that original: it gains the new structure (tables,
list numbers, code, footnotes, figures) without the user doing anything, and its
passages follow the new reading text by the re-import anchoring rules (an
anchoring report says where each went). Title, author, date and address stay as
they were. An original that can no longer be read keeps its blocks, with a warning.

A plain callable with `progress` and `cancel`, batched so that a stop (a kill, a
cancel) keeps every article already done and the next run goes on from there.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from index.importers import PARSER_VERSIONS, ImportProblem, parse_again, parser_version
from index.importers.sources import collect_again
from index.model import Block, blocks_to_json
from index.store.database import Store, now_iso
from index.store.images import keep_images, link_images

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
# (connection, article id, new reading text, old reading text) -> one report entry a passage
Reanchor = Callable[[sqlite3.Connection, int, str, str], list[dict[str, Any]]]

BATCH = 50
PROGRESS_TEXT = "Reading articles again with their tables, lists, code and footnotes"


@dataclass(slots=True)
class RereadReport:
    """What a re-read did: articles read, those whose text changed, passages by outcome."""

    read: int = 0
    changed: int = 0
    passages: dict[str, int] = field(default_factory=dict)
    failed: list[tuple[int, str]] = field(default_factory=list)
    cancelled: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "changed": self.changed,
            "passages": dict(self.passages),
            "failed": [{"article_id": i, "error": e} for i, e in self.failed],
            "cancelled": self.cancelled,
        }

    def sentence(self) -> str:
        """One line for the reader about what happened (empty when nothing did)."""
        if not self.read:
            return ""
        placed = self.passages.get("moved", 0) + self.passages.get("exact", 0)
        unsure = self.passages.get("fuzzy", 0)
        lost = self.passages.get("orphaned", 0)
        text = (
            f"{self.read} article{'s' if self.read != 1 else ''} read again from their"
            " originals, with tables, lists, code and footnotes as their authors wrote them"
        )
        if placed:
            text += f"; {placed} passage{'s' if placed != 1 else ''} kept their words"
        if unsure or lost:
            text += (
                f"; {unsure} to confirm and {lost} orphaned (see each article's anchoring report)"
            )
        if self.failed:
            text += f"; {len(self.failed)} could not be read again and stay as they were"
        return text + "."


def stale_ids(store: Store) -> list[int]:
    """Articles whose blocks an older version of their importer made, oldest first."""
    clauses = " OR ".join(
        f"(source_format = '{name}' AND parser < {version})"
        for name, version in PARSER_VERSIONS.items()
    )
    rows = store.read(f"SELECT id FROM articles WHERE {clauses} ORDER BY id")
    return [row["id"] for row in rows]


def reread_stale(
    store: Store,
    reanchor: Reanchor,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> RereadReport:
    """Read every stale article again (see the module's docstring); what it did."""
    report = RereadReport()
    ids = stale_ids(store)
    total = len(ids)
    for start in range(0, total, BATCH):
        if cancel and cancel():
            report.cancelled = True
            break
        batch = [_parsed(store, article_id) for article_id in ids[start : start + BATCH]]
        with store.write() as conn:
            for item in batch:
                if item is not None:
                    _store(conn, item, report, reanchor)
        if progress:
            progress(min(start + BATCH, total), total, PROGRESS_TEXT)
    return report


@dataclass(slots=True)
class _Parsed:
    article_id: int
    old_text: str
    blocks: str | None  # JSON, None when the original could not be read
    text: str
    warnings: list[str]
    version: int
    error: str = ""
    figures: list[Block] = field(default_factory=list)


def _parsed(store: Store, article_id: int) -> _Parsed | None:
    """The article read again (outside any transaction: parsing a page takes a while)."""
    row = store.one(
        "SELECT source_format, source_path, original_text, reading_text, warnings"
        " FROM articles WHERE id = ?",
        (article_id,),
    )
    if row is None:
        return None
    version = parser_version(row["source_format"])
    old_warnings = [w for w in row["warnings"].split("\n") if w]
    try:
        article = parse_again(row["original_text"], row["source_format"], row["source_path"])
    except ImportProblem as error:
        return _Parsed(article_id, row["reading_text"], None, "", old_warnings, version, str(error))
    # The images the original still carries (its data: URIs, the files beside it).
    collect_again(article, row["source_format"], row["source_path"], row["original_text"])
    keep_images(article, store.path.parent)
    warnings = old_warnings + [w for w in article.warnings if w not in old_warnings]
    blocks = json.dumps(blocks_to_json(article.blocks), ensure_ascii=False)
    figures = [b for b in article.blocks if b.kind == "figure"]
    text = article.reading_text
    return _Parsed(article_id, row["reading_text"], blocks, text, warnings, version, "", figures)


def _store(conn: sqlite3.Connection, item: _Parsed, report: RereadReport, reanchor: Reanchor):
    """Write one article's new blocks; re-anchor its passages when its text changed."""
    if item.blocks is None:
        note = f"could not be read again with the new importer ({item.error}): kept as it was"
        warnings = item.warnings + ([note] if note not in item.warnings else [])
        conn.execute(
            "UPDATE articles SET parser = ?, warnings = ? WHERE id = ?",
            (item.version, "\n".join(warnings), item.article_id),
        )
        report.failed.append((item.article_id, item.error))
        return
    conn.execute(
        "UPDATE articles SET blocks = ?, reading_text = ?, words = ?, warnings = ?, parser = ?,"
        " updated_at = ? WHERE id = ?",
        (
            item.blocks,
            item.text,
            len(item.text.split()),
            "\n".join(item.warnings),
            item.version,
            now_iso(),
            item.article_id,
        ),
    )
    link_images(conn, item.article_id, item.figures)
    report.read += 1
    if item.text != item.old_text:
        report.changed += 1
        for entry in reanchor(conn, item.article_id, item.text, item.old_text):
            status = entry["status"]
            report.passages[status] = report.passages.get(status, 0) + 1
        conn.execute("INSERT INTO outbox(doc_id) VALUES (?)", (f"a:{item.article_id}",))
