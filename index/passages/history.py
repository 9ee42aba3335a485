"""A passage's past: its versions, the trash, and what re-anchoring did to it.

Every change to a passage goes through `annotations.touch`, which keeps the
passage's new state as a row of `annotation_versions`; a delete moves the
passage to `trash` (and keeps its last state as a version too). Here those
records are read and put back to use:

- `history` lists a passage's versions, oldest first;
- `restore_version` brings any version back, and is itself a new version;
  it works for a passage in the trash too, taking it out;
- `take_back` is the window's undo: the passage returns to its version before the
  latest change and that change's version is forgotten, so undo and redo leave the
  history as the changes themselves made it (3 edits, undone and redone: 3 versions
  after the first, not 9);
- `trash`, `restore_from_trash`, `empty_trash`;
- the anchoring reports written at each re-import (`reports`), where a fuzzy
  placement can be accepted and an orphan re-attached to chosen words.

A version's selectors belong to the article's text at that time. When the text
has changed since, the version is re-anchored with the re-import rules
before it goes back; if its words are gone it comes back orphaned.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from index.passages import annotations as notes
from index.passages.anchoring import FUZZY_THRESHOLD, Selector, make_selector, reanchor
from index.passages.annotations import Annotation, AnnotationError, NotFound
from index.store.database import Store, now_iso


@dataclass(slots=True)
class Version:
    """One recorded state of a passage: `seq` orders versions across the library."""

    seq: int
    at: str
    action: str
    annotation: Annotation

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "action": self.action,
            "annotation": self.annotation.to_json(),
        }


@dataclass(slots=True)
class Trashed:
    """A deleted passage as it was, with when it was deleted and its article's title."""

    annotation: Annotation
    deleted: str
    article_title: str = ""

    def to_json(self) -> dict[str, Any]:
        """The shape of `annotations --json` items, plus `deleted` and `article_title`."""
        return {
            **self.annotation.to_json(),
            "deleted": self.deleted,
            "article_title": self.article_title,
        }


@dataclass(slots=True)
class AnchoringReport:
    """What one re-import of an article did to each of its passages.

    Each entry: annotation_id, status ("exact" | "moved" | "fuzzy" | "orphaned"),
    quote (as it was), old_start/old_end, new_start/new_end (None when
    orphaned), new_quote, similarity, threshold, and, once the reader acted on
    it, resolution ("accepted" | "reattached") with resolved_at.
    """

    id: int
    article_id: int
    at: str
    entries: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"exact": 0, "moved": 0, "fuzzy": 0, "orphaned": 0}
        for entry in self.entries:
            out[entry["status"]] = out.get(entry["status"], 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "article_id": self.article_id,
            "at": self.at,
            "counts": self.counts(),
            "entries": self.entries,
        }


# --- versions ---------------------------------------------------------------------


def history(store: Store, annotation_id: str) -> list[Version]:
    """Every version of a passage, oldest first; AnnotationError when it never existed."""
    rows = store.read(
        "SELECT seq, at, action, data FROM annotation_versions WHERE annotation_id = ?"
        " ORDER BY seq",
        (annotation_id,),
    )
    if not rows:
        raise NotFound(f"no passage with id {annotation_id} (nor any trace of one)")
    return [
        Version(r["seq"], r["at"], r["action"], notes.from_json(json.loads(r["data"])))
        for r in rows
    ]


def restore_version(store: Store, annotation_id: str, seq: int) -> Annotation:
    """Make version `seq` the passage's current state (out of the trash if it is there)."""
    row = store.one(
        "SELECT data FROM annotation_versions WHERE annotation_id = ? AND seq = ?",
        (annotation_id, seq),
    )
    if row is None:
        history(store, annotation_id)  # NotFound when there is no such passage at all
        raise NotFound(f"passage {annotation_id} has no version {seq}")
    wanted = notes.from_json(json.loads(row["data"]))
    return _put_back(store, wanted, f"restored version {seq}")


def _put_back(store: Store, wanted: Annotation, action: str) -> Annotation:
    """Write `wanted` as the passage's state: update it if live, re-create it if not."""
    with store.write() as conn:
        text = notes.reading_text(conn, wanted.article_id)
        selector, orphaned = _fit(text, wanted)
        color = notes.check_color(wanted.color)
        live = conn.execute("SELECT created FROM annotations WHERE id = ?", (wanted.id,)).fetchone()
        if live is None:
            notes.insert_row(
                conn,
                wanted.id,
                wanted.article_id,
                selector,
                color,
                wanted.note,
                orphaned,
                wanted.created or now_iso(),
                now_iso(),
            )
        else:
            conn.execute(
                'UPDATE annotations SET start = ?, "end" = ?, exact = ?, prefix = ?, suffix = ?,'
                " color = ?, note = ?, orphaned = ?, updated = ? WHERE id = ?",
                (
                    selector.start,
                    selector.end,
                    selector.exact,
                    selector.prefix,
                    selector.suffix,
                    color,
                    wanted.note,
                    int(orphaned),
                    now_iso(),
                    wanted.id,
                ),
            )
        notes.set_tags(conn, wanted.id, [notes.clean_tag(t) for t in wanted.tags])
        conn.execute("DELETE FROM trash WHERE annotation_id = ?", (wanted.id,))
        notes.touch(conn, wanted.id, wanted.article_id, action)
    return notes.get(store, wanted.id)


def _fit(text: str, wanted: Annotation) -> tuple[Selector, bool]:
    """The selector `wanted` has in the current text, and whether it is orphaned there."""
    old = Selector(wanted.start, wanted.end, wanted.exact, wanted.prefix, wanted.suffix)
    if not wanted.orphaned and text[wanted.start : wanted.end] == wanted.exact and wanted.exact:
        return make_selector(text, wanted.start, wanted.end), False
    result = reanchor(text, old)
    if result.selector is None:
        return old, True
    return result.selector, False


# --- undo -----------------------------------------------------------------------------

# The changes the window's undo stack makes, hence the only ones `take_back` undoes.
UNDOABLE = ("created", "edited", "deleted", "restored")


def _undoable(action: str) -> bool:
    return action in UNDOABLE or action.startswith("restored version ")


def take_back(store: Store, annotation_id: str, state: Annotation) -> Annotation | None:
    """Undo the passage's latest change: back to its version before, that change forgotten.

    `state` is the passage as the change left it (what the Library call returned). When
    the latest version is not that change (the passage changed since: a re-import, a tag
    renamed, a version restored), AnnotationError says so and nothing changes. The
    passage comes back exactly as it was (selectors, times, tags), in the trash if that
    is where it was. Returns the passage as it now is; None when the change taken back
    was its creation (it is gone, and not in the trash) or it went back to the trash.
    """
    with store.write() as conn:
        rows = conn.execute(
            "SELECT seq, at, action, data FROM annotation_versions WHERE annotation_id = ?"
            " ORDER BY seq DESC LIMIT 2",
            (annotation_id,),
        ).fetchall()
        latest = rows[0] if rows else None
        if (
            latest is None
            or not _undoable(latest["action"])
            or notes.from_json(json.loads(latest["data"])).to_json() != state.to_json()
        ):
            raise AnnotationError(
                f"passage {annotation_id} changed since, so this step cannot be undone; its "
                "history (Passage › Passage History…) can bring back any earlier version"
            )
        conn.execute("DELETE FROM annotation_versions WHERE seq = ?", (latest["seq"],))
        conn.execute("DELETE FROM annotations WHERE id = ?", (annotation_id,))
        conn.execute("DELETE FROM trash WHERE annotation_id = ?", (annotation_id,))
        before: Annotation | None = None
        if len(rows) > 1:
            previous = notes.from_json(json.loads(rows[1]["data"]))
            if rows[1]["action"] == "deleted":  # it was in the trash then: back there
                conn.execute(
                    "INSERT INTO trash(annotation_id, article_id, deleted, data)"
                    " VALUES (?, ?, ?, ?)",
                    (annotation_id, previous.article_id, rows[1]["at"], rows[1]["data"]),
                )
            else:
                old = Selector(
                    previous.start, previous.end, previous.exact, previous.prefix, previous.suffix
                )
                notes.insert_row(
                    conn,
                    annotation_id,
                    previous.article_id,
                    old,
                    previous.color,
                    previous.note,
                    previous.orphaned,
                    previous.created,
                    previous.updated,
                )
                notes.set_tags(conn, annotation_id, previous.tags)
                before = previous
        notes.queue_documents(conn, f"n:{annotation_id}", f"a:{state.article_id}")
        notes.mark_mirror_dirty(conn, state.article_id)
    return None if before is None else notes.get(store, annotation_id)


# --- trash ----------------------------------------------------------------------------


def trash(store: Store) -> list[Trashed]:
    """Deleted passages, most recently deleted first."""
    rows = store.read(
        "SELECT t.deleted, t.data, a.title FROM trash t"
        " LEFT JOIN articles a ON a.id = t.article_id ORDER BY t.deleted DESC, t.rowid DESC"
    )
    return [
        Trashed(notes.from_json(json.loads(r["data"])), r["deleted"], r["title"] or "")
        for r in rows
    ]


def restore_from_trash(store: Store, annotation_id: str) -> Annotation:
    """Take a passage out of the trash as it was when deleted (same id, times kept)."""
    row = store.one("SELECT data FROM trash WHERE annotation_id = ?", (annotation_id,))
    if row is None:
        raise AnnotationError(f"passage {annotation_id} is not in the trash")
    return _put_back(store, notes.from_json(json.loads(row["data"])), "restored")


def empty_trash(store: Store, annotation_ids: list[str] | None = None) -> int:
    """Forget trashed passages for good (all, or the given ones), with their history."""
    with store.write() as conn:
        if annotation_ids is None:
            ids = [r[0] for r in conn.execute("SELECT annotation_id FROM trash")]
        else:
            ids = [
                i
                for i in dict.fromkeys(annotation_ids)
                if conn.execute("SELECT 1 FROM trash WHERE annotation_id = ?", (i,)).fetchone()
            ]
        for annotation_id in ids:
            conn.execute("DELETE FROM trash WHERE annotation_id = ?", (annotation_id,))
            conn.execute(
                "DELETE FROM annotation_versions WHERE annotation_id = ?", (annotation_id,)
            )
    return len(ids)


# --- anchoring reports ------------------------------------------------------------------


def reports(store: Store, article_id: int) -> list[AnchoringReport]:
    """The anchoring reports of one article, newest first."""
    rows = store.read(
        "SELECT id, article_id, at, entries FROM anchoring_reports WHERE article_id = ?"
        " ORDER BY at DESC, id DESC",
        (article_id,),
    )
    out = []
    for r in rows:
        entries = json.loads(r["entries"])
        for entry in entries:
            entry.setdefault("threshold", FUZZY_THRESHOLD)
        out.append(AnchoringReport(r["id"], r["article_id"], r["at"], entries))
    return out


def _latest_entry(
    conn: sqlite3.Connection, article_id: int, annotation_id: str
) -> tuple[int, list[dict[str, Any]], dict[str, Any]] | None:
    """The newest report of the article that mentions the passage, and its entry."""
    for row in conn.execute(
        "SELECT id, entries FROM anchoring_reports WHERE article_id = ? ORDER BY at DESC, id DESC",
        (article_id,),
    ):
        entries = json.loads(row["entries"])
        for entry in entries:
            if entry.get("annotation_id") == annotation_id:
                return row["id"], entries, entry
    return None


def _resolve(
    conn: sqlite3.Connection, report_id: int, entries: list[dict[str, Any]], entry: dict, how: str
) -> None:
    entry["resolution"] = how
    entry["resolved_at"] = now_iso()
    conn.execute(
        "UPDATE anchoring_reports SET entries = ? WHERE id = ?", (json.dumps(entries), report_id)
    )


def accept_fuzzy(store: Store, annotation_id: str) -> Annotation:
    """Confirm the place a fuzzy re-anchoring chose for a passage (recorded as a version)."""
    with store.write() as conn:
        row = notes.passage_row(conn, annotation_id)
        found = _latest_entry(conn, row["article_id"], annotation_id)
        if found is None or found[2].get("status") != "fuzzy":
            raise AnnotationError(
                f"passage {annotation_id} was not placed by a fuzzy match at the last re-import"
            )
        _resolve(conn, *found, "accepted")
        notes.touch(conn, annotation_id, row["article_id"], "accepted fuzzy match")
    return notes.get(store, annotation_id)


def reattach(store: Store, annotation_id: str, start: int, end: int) -> Annotation:
    """Put a passage (typically an orphan) on text[start:end]; note, tags, colour stay."""
    with store.write() as conn:
        row = notes.passage_row(conn, annotation_id)
        text = notes.reading_text(conn, row["article_id"])
        try:
            sel = make_selector(text, start, end)
        except ValueError as error:
            raise AnnotationError(str(error)) from None
        conn.execute(
            'UPDATE annotations SET start = ?, "end" = ?, exact = ?, prefix = ?, suffix = ?,'
            " orphaned = 0, updated = ? WHERE id = ?",
            (sel.start, sel.end, sel.exact, sel.prefix, sel.suffix, now_iso(), annotation_id),
        )
        found = _latest_entry(conn, row["article_id"], annotation_id)
        if found is not None and found[2].get("status") in ("orphaned", "fuzzy"):
            _resolve(conn, *found, "reattached")
        notes.touch(conn, annotation_id, row["article_id"], "reattached")
    return notes.get(store, annotation_id)


def pending(store: Store, article_id: int) -> list[dict[str, Any]]:
    """Entries of the newest report still waiting for the reader: fuzzy or orphaned, unresolved.

    An entry whose passage was deleted since is left out.
    """
    found = reports(store, article_id)
    if not found:
        return []
    live = {a.id for a in notes.find(store, article_id=article_id)}
    return [
        e
        for e in found[0].entries
        if e["status"] in ("fuzzy", "orphaned")
        and not e.get("resolution")
        and e["annotation_id"] in live
    ]
