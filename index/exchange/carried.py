"""Tags and highlights that arrive inside an export, with the article they belong to.

A wallabag or Omnivore export (or a clipping's front matter) says which article its
tags and highlights are on: no matching by address or title is needed. Each highlight
is placed in that article's reading text by the same rules as other tools' annotations
(`placement.place`: its quote on word boundaries, whitespace and quote marks forgiven,
the occurrence whose context and position hint agree best; else a fuzzy match on word
boundaries), inside the import's transaction. A highlight whose
words are not in the text is kept, orphaned, like any passage after a re-import; one
that is no passage at all (a page note) is listed with its reason. Ids come from the
export's own ids, so importing the same export again adds nothing.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

from index.exchange.foreign import ID_NAMESPACE, Foreign
from index.exchange.placement import place
from index.model import Article, CarriedHighlight
from index.passages import annotations as notes
from index.passages.anchoring import Selector
from index.passages.annotations import PALETTE, AnnotationError
from index.store.database import now_iso


def attach(conn: sqlite3.Connection, article_id: int, article: Article) -> dict[str, Any]:
    """Add the article's carried tags (to those it has) and place its highlights.

    Returns {"placed", "existing", "orphaned", "unplaced": [{"article_id", "id", "quote",
    "reason"}]}; runs in the caller's transaction.
    """
    _add_article_tags(conn, article_id, article.tags)
    result: dict[str, Any] = {"placed": 0, "existing": 0, "orphaned": 0, "unplaced": []}
    if not article.highlights:
        return result
    text = article.reading_text
    for highlight in article.highlights:
        if highlight.problem:
            result["unplaced"].append(_unplaced(article_id, highlight, highlight.problem))
            continue
        passage_id = str(uuid.uuid5(ID_NAMESPACE, f"carried:{highlight.source_id}"))
        known = conn.execute(
            "SELECT 1 FROM annotations WHERE id = ? UNION SELECT 1 FROM trash"
            " WHERE annotation_id = ?",
            (passage_id, passage_id),
        ).fetchone()
        if known:
            result["existing"] += 1
            continue
        foreign = Foreign(
            source_id=highlight.source_id,
            gloss_id=passage_id,
            quote=highlight.quote,
            prefix=highlight.prefix,
            suffix=highlight.suffix,
            start=highlight.start,
            end=highlight.end,
        )
        selector = place(text, foreign).selector
        orphaned = selector is None
        if selector is None:
            hint = highlight.start or 0
            quote = highlight.quote
            selector = Selector(hint, hint + len(quote), quote, highlight.prefix, highlight.suffix)
            reason = "its words are not in the article's text: kept as an orphaned passage"
            result["unplaced"].append(_unplaced(article_id, highlight, reason))
        _write(conn, passage_id, article_id, selector, highlight, orphaned)
        result["placed" if not orphaned else "orphaned"] += 1
    return result


def _add_article_tags(conn: sqlite3.Connection, article_id: int, tags: list[str]) -> None:
    added = False
    for tag in tags:
        try:
            tag_id = notes.tag_id(conn, tag)
        except AnnotationError:
            continue
        cursor = conn.execute(
            "INSERT OR IGNORE INTO article_tags(article_id, tag_id) VALUES (?, ?)",
            (article_id, tag_id),
        )
        added = added or cursor.rowcount > 0
    if added:
        notes.queue_documents(conn, f"a:{article_id}")


def _write(
    conn: sqlite3.Connection,
    passage_id: str,
    article_id: int,
    selector: Selector,
    highlight: CarriedHighlight,
    orphaned: bool,
) -> None:
    stamp = now_iso()
    tags = notes.usable_tags(highlight.tags)
    notes.insert_row(
        conn,
        passage_id,
        article_id,
        selector,
        highlight.color if highlight.color in PALETTE else "yellow",
        highlight.note,
        orphaned,
        highlight.created or stamp,
        stamp,
    )
    notes.set_tags(conn, passage_id, tags)
    notes.touch(conn, passage_id, article_id, "imported with its article")


def _unplaced(article_id: int, highlight: CarriedHighlight, reason: str) -> dict[str, Any]:
    quote = highlight.quote if len(highlight.quote) <= 80 else highlight.quote[:79] + "…"
    return {"article_id": article_id, "id": highlight.source_id, "quote": quote, "reason": reason}
