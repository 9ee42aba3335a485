"""Passages in the store: highlights with colour, note and tags; tags themselves.

Every change is one transaction that also queues the touched search documents
in the outbox (the annotation, and its article, whose document carries the
passages' tags). Tags are matched case-insensitively (`key` is the casefolded
name) and keep the display form they were first written in.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import Any

from index.model import PALETTE
from index.passages.anchoring import FUZZY_THRESHOLD, Selector, make_selector, reanchor
from index.store.database import Store, now_iso

MAX_TAG_LENGTH = 100


@dataclass(slots=True)
class Annotation:
    """One passage: where it is (selectors), how it looks, what the reader wrote on it."""

    id: str
    article_id: int
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    color: str = "yellow"
    note: str = ""
    tags: list[str] = field(default_factory=list)
    orphaned: bool = False
    created: str = ""
    updated: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "article_id": self.article_id,
            "quote": self.exact,
            "prefix": self.prefix,
            "suffix": self.suffix,
            "start": self.start,
            "end": self.end,
            "color": self.color,
            "note": self.note,
            "tags": list(self.tags),
            "orphaned": self.orphaned,
            "created": self.created,
            "updated": self.updated,
        }


class AnnotationError(ValueError):
    """A request about passages that cannot be done; str() is the user's one line."""


class NotFound(AnnotationError):
    """The passage, article or tag named does not exist (the command line exits 2)."""


def passage_id(text: str) -> str:
    """A passage id as stored: the bare lower-case uuid, from it or its W3C `urn:uuid:` form.

    Anything that is not a uuid comes back stripped, to be reported as not found.
    """
    bare = str(text).strip()
    if bare[:9].casefold() == "urn:uuid:":
        bare = bare[9:]
    try:
        return str(uuid.UUID(bare))
    except ValueError:
        return bare


def clean_tag(name: str) -> str:
    """A tag's display form: single spaces, no leading '#', bounded length."""
    name = " ".join(str(name).split()).lstrip("#").strip()
    if not name:
        raise AnnotationError("a tag needs at least one character")
    if len(name) > MAX_TAG_LENGTH:
        raise AnnotationError(f"a tag is at most {MAX_TAG_LENGTH} characters")
    return name


def usable_tags(names: list[str] | tuple[str, ...]) -> list[str]:
    """The tags of another tool's annotation that Gloss can keep (the unusable dropped)."""
    kept = []
    for name in names:
        try:
            kept.append(clean_tag(name))
        except AnnotationError:
            continue
    return kept


def check_color(color: str) -> str:
    color = color.strip().lower()
    if color not in PALETTE:
        raise AnnotationError(f"unknown colour {color!r}: use one of {', '.join(PALETTE)}")
    return color


def tag_id(conn: sqlite3.Connection, name: str) -> int:
    name = clean_tag(name)
    row = conn.execute("SELECT id FROM tags WHERE key = ?", (name.casefold(),)).fetchone()
    if row:
        return int(row["id"])
    cursor = conn.execute("INSERT INTO tags(key, name) VALUES (?, ?)", (name.casefold(), name))
    return int(cursor.lastrowid or 0)


def queue_documents(conn: sqlite3.Connection, *doc_ids: str) -> None:
    conn.executemany("INSERT INTO outbox(doc_id) VALUES (?)", [(d,) for d in doc_ids])


def touch(
    conn: sqlite3.Connection,
    annotation_id: str,
    article_id: int,
    action: str,
    state: Annotation | None = None,
) -> None:
    """Record one change to a passage, inside its transaction.

    The one place every change goes through: it queues the passage and its
    article for the search index, marks the article's JSON mirror dirty, and
    keeps the passage's new state (or, for a delete, its last state) as a version.
    """
    queue_documents(conn, f"n:{annotation_id}", f"a:{article_id}")
    mark_mirror_dirty(conn, article_id)
    if state is None:
        row = conn.execute(f"{SELECT_PASSAGES} WHERE n.id = ?", (annotation_id,)).fetchone()
        state = from_row(row)
    conn.execute(
        "INSERT INTO annotation_versions(annotation_id, article_id, at, action, data)"
        " VALUES (?, ?, ?, ?, ?)",
        (annotation_id, article_id, now_iso(), action, json.dumps(state.to_json())),
    )


def mark_mirror_dirty(conn: sqlite3.Connection, article_id: int) -> None:
    """The article's JSON mirror file is to be written again (after this transaction)."""
    conn.execute(
        "INSERT INTO mirror_dirty(article_id) VALUES (?)"
        " ON CONFLICT(article_id) DO UPDATE SET stamp = stamp + 1",
        (article_id,),
    )


def set_tags(conn: sqlite3.Connection, annotation_id: str, tags: list[str]) -> None:
    conn.execute("DELETE FROM annotation_tags WHERE annotation_id = ?", (annotation_id,))
    for name in tags:
        conn.execute(
            "INSERT OR IGNORE INTO annotation_tags(annotation_id, tag_id) VALUES (?, ?)",
            (annotation_id, tag_id(conn, name)),
        )


def reading_text(conn: sqlite3.Connection, article_id: int) -> str:
    row = conn.execute("SELECT reading_text FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None:
        raise NotFound(f"no article with id {article_id}")
    return row["reading_text"]


def create(
    store: Store,
    article_id: int,
    start: int,
    end: int,
    *,
    color: str = "yellow",
    note: str = "",
    tags: list[str] | tuple[str, ...] = (),
    annotation_id: str | None = None,
) -> Annotation:
    """A new passage over [start, end) of the article's reading text (code points)."""
    color = check_color(color)
    tags = [clean_tag(t) for t in tags]
    with store.write() as conn:
        text = reading_text(conn, article_id)
        try:
            selector = make_selector(text, start, end)
        except ValueError as error:
            raise AnnotationError(str(error)) from None
        new_id = annotation_id or str(uuid.uuid4())
        stamp = now_iso()
        insert_row(conn, new_id, article_id, selector, color, note, False, stamp, stamp)
        set_tags(conn, new_id, tags)
        touch(conn, new_id, article_id, "created")
    return get(store, new_id)


def insert_row(
    conn, new_id, article_id, selector: Selector, color, note, orphaned, created, updated
):
    try:
        conn.execute(
            'INSERT INTO annotations(id, article_id, start, "end", exact, prefix, suffix, color,'
            " note, orphaned, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                new_id,
                article_id,
                selector.start,
                selector.end,
                selector.exact,
                selector.prefix,
                selector.suffix,
                color,
                note,
                int(orphaned),
                created,
                updated,
            ),
        )
    except sqlite3.IntegrityError:
        raise AnnotationError(f"a passage with id {new_id} already exists") from None


def restore(store: Store, annotation: Annotation) -> Annotation:
    """Put back a passage exactly as it was (same id, selectors, times): undo of a delete."""
    with store.write() as conn:
        reading_text(conn, annotation.article_id)
        selector = Selector(
            annotation.start, annotation.end, annotation.exact, annotation.prefix, annotation.suffix
        )
        insert_row(
            conn,
            annotation.id,
            annotation.article_id,
            selector,
            check_color(annotation.color),
            annotation.note,
            annotation.orphaned,
            annotation.created or now_iso(),
            now_iso(),
        )
        set_tags(conn, annotation.id, annotation.tags)
        conn.execute("DELETE FROM trash WHERE annotation_id = ?", (annotation.id,))
        touch(conn, annotation.id, annotation.article_id, "restored")
    return get(store, annotation.id)


def update(
    store: Store,
    annotation_id: str,
    *,
    color: str | None = None,
    note: str | None = None,
    tags: list[str] | tuple[str, ...] | None = None,
    start: int | None = None,
    end: int | None = None,
) -> Annotation:
    """Change colour, note, tags or extent; what is not given stays as it is."""
    with store.write() as conn:
        row = passage_row(conn, annotation_id)
        sets: dict[str, Any] = {"updated": now_iso()}
        if color is not None:
            sets["color"] = check_color(color)
        if note is not None:
            sets["note"] = note
        if start is not None or end is not None:
            text = reading_text(conn, row["article_id"])
            new_start = row["start"] if start is None else start
            new_end = row["end"] if end is None else end
            try:
                sel = make_selector(text, new_start, new_end)
            except ValueError as error:
                raise AnnotationError(str(error)) from None
            sets.update(
                start=sel.start, end=sel.end, exact=sel.exact, prefix=sel.prefix, suffix=sel.suffix
            )
            sets["orphaned"] = 0
        assignments = ", ".join(f'"{key}" = ?' for key in sets)
        conn.execute(
            f"UPDATE annotations SET {assignments} WHERE id = ?", (*sets.values(), annotation_id)
        )
        if tags is not None:
            set_tags(conn, annotation_id, [clean_tag(t) for t in tags])
        touch(conn, annotation_id, row["article_id"], "edited")
    return get(store, annotation_id)


def delete(store: Store, annotation_id: str) -> Annotation:
    """Move a passage to the trash; return it as it was, so the caller can undo."""
    with store.write() as conn:
        row = conn.execute(f"{SELECT_PASSAGES} WHERE n.id = ?", (annotation_id,)).fetchone()
        if row is None:
            raise NotFound(f"no passage with id {annotation_id}")
        before = from_row(row)
        conn.execute(
            "INSERT OR REPLACE INTO trash(annotation_id, article_id, deleted, data)"
            " VALUES (?, ?, ?, ?)",
            (annotation_id, before.article_id, now_iso(), json.dumps(before.to_json())),
        )
        conn.execute("DELETE FROM annotations WHERE id = ?", (annotation_id,))
        touch(conn, annotation_id, before.article_id, "deleted", before)
    return before


def from_json(data: dict[str, Any]) -> Annotation:
    """An Annotation from its `to_json()` form (history versions, trash, mirror files)."""
    return Annotation(
        id=data["id"],
        article_id=int(data["article_id"]),
        start=int(data["start"]),
        end=int(data["end"]),
        exact=data["quote"],
        prefix=data.get("prefix", ""),
        suffix=data.get("suffix", ""),
        color=data.get("color", "yellow"),
        note=data.get("note", ""),
        tags=list(data.get("tags", [])),
        orphaned=bool(data.get("orphaned", False)),
        created=data.get("created", ""),
        updated=data.get("updated", ""),
    )


def passage_row(conn: sqlite3.Connection, annotation_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM annotations WHERE id = ?", (annotation_id,)).fetchone()
    if row is None:
        raise NotFound(f"no passage with id {annotation_id}")
    return row


SELECT_PASSAGES = """
SELECT n.*, (SELECT group_concat(t.name, char(31)) FROM annotation_tags nt
              JOIN tags t ON t.id = nt.tag_id WHERE nt.annotation_id = n.id) AS tag_names
FROM annotations n
"""


def from_row(row: sqlite3.Row) -> Annotation:
    tags = sorted(row["tag_names"].split("\x1f"), key=str.casefold) if row["tag_names"] else []
    return Annotation(
        id=row["id"],
        article_id=row["article_id"],
        start=row["start"],
        end=row["end"],
        exact=row["exact"],
        prefix=row["prefix"],
        suffix=row["suffix"],
        color=row["color"],
        note=row["note"],
        tags=tags,
        orphaned=bool(row["orphaned"]),
        created=row["created"],
        updated=row["updated"],
    )


def get(store: Store, annotation_id: str) -> Annotation:
    row = store.one(f"{SELECT_PASSAGES} WHERE n.id = ?", (annotation_id,))
    if row is None:
        raise NotFound(f"no passage with id {annotation_id}")
    return from_row(row)


def find(
    store: Store,
    *,
    article_id: int | None = None,
    tag: str | None = None,
    orphaned: bool | None = None,
) -> list[Annotation]:
    """Passages filtered by article, tag and orphaned state, in article then text order."""
    where: list[str] = []
    params: list[Any] = []
    if article_id is not None:
        where.append("n.article_id = ?")
        params.append(article_id)
    if orphaned is not None:
        where.append("n.orphaned = ?")
        params.append(int(orphaned))
    if tag is not None:
        where.append(
            "n.id IN (SELECT nt.annotation_id FROM annotation_tags nt JOIN tags t"
            " ON t.id = nt.tag_id WHERE t.key = ?)"
        )
        params.append(" ".join(tag.split()).lstrip("#").casefold())
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = store.read(
        f"{SELECT_PASSAGES} {clause} ORDER BY n.article_id, n.start, n.created", tuple(params)
    )
    return [from_row(r) for r in rows]


# --- tags --------------------------------------------------------------------


def tag_counts(store: Store) -> list[tuple[str, int]]:
    """Every tag with how many passages and articles carry it, by name."""
    rows = store.read(
        """SELECT t.name,
                  (SELECT count(*) FROM annotation_tags nt WHERE nt.tag_id = t.id)
                + (SELECT count(*) FROM article_tags at WHERE at.tag_id = t.id) AS uses
           FROM tags t ORDER BY t.key"""
    )
    return [(r["name"], r["uses"]) for r in rows]


def _tag_row(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT id, name FROM tags WHERE key = ?", (" ".join(name.split()).lstrip("#").casefold(),)
    ).fetchone()
    if row is None:
        raise NotFound(f"no tag named {name!r}")
    return row


def _tag_users(conn: sqlite3.Connection, tag_id: int) -> tuple[list[tuple[str, int]], list[int]]:
    """(passage id, article id) pairs and article ids that carry a tag."""
    passages = conn.execute(
        "SELECT n.id, n.article_id FROM annotation_tags nt"
        " JOIN annotations n ON n.id = nt.annotation_id WHERE nt.tag_id = ?",
        (tag_id,),
    ).fetchall()
    articles = conn.execute("SELECT article_id FROM article_tags WHERE tag_id = ?", (tag_id,))
    return [(r[0], r[1]) for r in passages], [r[0] for r in articles.fetchall()]


def _touch_tag_users(
    conn: sqlite3.Connection, users: tuple[list[tuple[str, int]], list[int]]
) -> None:
    """After a tag change: a version for every passage it touched; reindex their articles."""
    passages, articles = users
    for annotation_id, article_id in passages:
        touch(conn, annotation_id, article_id, "tags")
    queue_documents(conn, *(f"a:{a}" for a in articles))


def rename_tag(store: Store, old: str, new: str) -> int:
    """Rename a tag everywhere in one transaction (merging when `new` exists); return uses."""
    new = clean_tag(new)
    with store.write() as conn:
        row = _tag_row(conn, old)
        target = conn.execute("SELECT id FROM tags WHERE key = ?", (new.casefold(),)).fetchone()
        if target and target["id"] != row["id"]:
            return _merge(conn, row["id"], target["id"])
        conn.execute(
            "UPDATE tags SET key = ?, name = ? WHERE id = ?", (new.casefold(), new, row["id"])
        )
        _touch_tag_users(conn, _tag_users(conn, row["id"]))
        return _uses(conn, row["id"])


def merge_tags(store: Store, source: str, target: str) -> int:
    """Move every use of `source` to `target` and drop `source`; return target's uses."""
    with store.write() as conn:
        src, dst = _tag_row(conn, source), _tag_row(conn, target)
        if src["id"] == dst["id"]:
            return _uses(conn, src["id"])
        return _merge(conn, src["id"], dst["id"])


def _merge(conn: sqlite3.Connection, src: int, dst: int) -> int:
    users = _tag_users(conn, src)
    for table, column in (("annotation_tags", "annotation_id"), ("article_tags", "article_id")):
        conn.execute(
            f"INSERT OR IGNORE INTO {table}({column}, tag_id)"
            f" SELECT {column}, ? FROM {table} WHERE tag_id = ?",
            (dst, src),
        )
    conn.execute("DELETE FROM tags WHERE id = ?", (src,))
    _touch_tag_users(conn, users)
    return _uses(conn, dst)


def delete_tag(store: Store, name: str) -> int:
    """Remove a tag from every passage and article (they stay); return how many had it."""
    with store.write() as conn:
        row = _tag_row(conn, name)
        uses = _uses(conn, row["id"])
        users = _tag_users(conn, row["id"])
        conn.execute("DELETE FROM tags WHERE id = ?", (row["id"],))
        _touch_tag_users(conn, users)
        return uses


def _uses(conn: sqlite3.Connection, tag_id: int) -> int:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM annotation_tags WHERE tag_id = :t)"
        " + (SELECT count(*) FROM article_tags WHERE tag_id = :t)",
        {"t": tag_id},
    ).fetchone()
    return int(row[0])


def set_article_tags(store: Store, article_id: int, tags: list[str]) -> list[str]:
    """Replace the whole-article tags of one article."""
    names = [clean_tag(t) for t in tags]
    with store.write() as conn:
        reading_text(conn, article_id)
        conn.execute("DELETE FROM article_tags WHERE article_id = ?", (article_id,))
        for name in names:
            conn.execute(
                "INSERT OR IGNORE INTO article_tags(article_id, tag_id) VALUES (?, ?)",
                (article_id, tag_id(conn, name)),
            )
        queue_documents(conn, f"a:{article_id}")
    return article_tags(store, article_id)


def article_tags(store: Store, article_id: int) -> list[str]:
    rows = store.read(
        "SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id"
        " WHERE at.article_id = ? ORDER BY t.key",
        (article_id,),
    )
    return [r["name"] for r in rows]


# --- re-anchoring ---------------------------------------------------------------


def reanchor_article(
    conn: sqlite3.Connection, article_id: int, new_text: str, old_text: str | None = None
) -> list[dict]:
    """Re-anchor every passage of a changed article (inside the import's transaction).

    Returns one report entry per passage: status exact / moved / fuzzy / orphaned,
    old and new positions, similarity. Nothing is ever deleted: a passage that
    cannot be placed keeps its quote and is marked orphaned. `old_text`, given
    when the new text is the same original read again (index/store/reread.py),
    lets a passage follow its words first (index/passages/alignment.py).
    """
    from index.passages.alignment import Alignment, realign

    entries = []
    rows = conn.execute("SELECT * FROM annotations WHERE article_id = ?", (article_id,)).fetchall()
    alignment = Alignment(old_text, new_text) if old_text is not None and rows else None
    for row in rows:
        old = Selector(row["start"], row["end"], row["exact"], row["prefix"], row["suffix"])
        result = None
        if alignment is not None and not row["orphaned"]:
            result = realign(alignment, old)
        if result is None:
            result = reanchor(new_text, old)
        entry = {
            "annotation_id": row["id"],
            "article_id": article_id,
            "status": result.status,
            "quote": row["exact"],
            "old_start": row["start"],
            "old_end": row["end"],
            "similarity": round(result.similarity, 3),
            "threshold": FUZZY_THRESHOLD,
        }
        if result.selector is None:
            conn.execute(
                "UPDATE annotations SET orphaned = 1, updated = ? WHERE id = ?",
                (now_iso(), row["id"]),
            )
            entry.update(new_start=None, new_end=None)
        else:
            sel = result.selector
            conn.execute(
                'UPDATE annotations SET start = ?, "end" = ?, exact = ?, prefix = ?, suffix = ?,'
                " orphaned = 0, updated = ? WHERE id = ?",
                (sel.start, sel.end, sel.exact, sel.prefix, sel.suffix, now_iso(), row["id"]),
            )
            entry.update(new_start=sel.start, new_end=sel.end, new_quote=sel.exact)
        touch(conn, row["id"], article_id, f"reanchored ({result.status})")
        entries.append(entry)
    if entries:
        conn.execute(
            "INSERT INTO anchoring_reports(article_id, at, entries) VALUES (?, ?, ?)",
            (article_id, now_iso(), json.dumps(entries)),
        )
    return entries
