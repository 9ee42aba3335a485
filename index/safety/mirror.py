"""A second copy of every passage: one W3C JSON file per article in `<library>/annotations/`.

Every change to a passage marks its article in `mirror_dirty`, in the same
transaction as the change (annotations.touch). `sync` drains that table: for
each dirty article it writes the article's passages, as the W3C export writes
them (export.to_w3c), to `article-<id>.json` (a temporary file, fsync, rename:
a crash leaves the old file or the new one, never half of one), after the
transaction that read them, never inside it. Each dirty row carries a stamp
that every new change bumps; a row is deleted only when its stamp is still the
one whose passages were written, so a change made meanwhile waits for the next
sync. An article left without passages
loses its file.

The files name each article by its content hash, address and title, so
`restore` can put every passage back (same ids, selectors, notes, tags,
colours) into any library holding the same articles: after a lost database,
or to recover what a restored backup is missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index.passages import annotations as notes
from index.passages.anchoring import Selector, reanchor
from index.passages.annotations import Annotation
from index.store.articles import get_article
from index.store.database import Store, StoreError, describe_os_error

MIRROR_FOLDER = "annotations"
FORMAT = "gloss-mirror/1"
BATCH = 50
MIRROR_NAMESPACE = uuid.UUID("0d7b1e52-6c3a-4f0e-8a51-2b9e4c7d3f60")  # ids of the files


def mirror_folder(library_folder: Path) -> Path:
    return Path(library_folder) / MIRROR_FOLDER


def file_for(library_folder: Path, article_id: int) -> Path:
    return mirror_folder(library_folder) / f"article-{article_id}.json"


def _written_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# index.exchange.export (the W3C form, 800 lines with what it imports) is imported where it
# is used: the library opens (before the window's first paint) without it.


def document(store: Store, article_id: int) -> dict[str, Any] | None:
    """The mirror file's content for one article (its passages may be none); None when
    the article itself is not in the library."""
    from index.exchange.export import CONTEXT, to_w3c

    try:
        article = get_article(store, article_id)
    except KeyError:
        return None
    cache: dict[Any, Any] = {article_id: article}
    # One id per article's file, the same at every rewrite: it names this collection.
    collection_id = f"urn:uuid:{uuid.uuid5(MIRROR_NAMESPACE, article.content_hash)}"
    items = []
    for passage in notes.find(store, article_id=article_id):
        item = to_w3c(store, passage, cache)
        del item["@context"]
        items.append(item)
    return {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": article.title,
        "total": len(items),
        "gloss:format": FORMAT,
        "gloss:written": _written_now(),
        "gloss:article": {
            "id": article.id,
            "title": article.title,
            "contentHash": article.content_hash,
            "source": article.source_path,
            "url": article.url,
        },
        "first": {
            "id": f"{collection_id}#page-1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }


def _write(path: Path, data: dict[str, Any] | None) -> None:
    """Replace `path` with `data` as JSON atomically.

    An article whose last passage went keeps an empty file (a tombstone that
    says, with its time, that the passages were deleted); an article that never
    had passages, or is no longer in the library, gets no file.
    """
    if data is None or (not data["total"] and not path.exists()):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def pending(store: Store) -> int:
    row = store.one("SELECT count(*) AS n FROM mirror_dirty")
    return int(row["n"]) if row else 0


def sync(store: Store, library_folder: Path) -> int:
    """Write the files of every dirty article; return how many were written or removed.

    The passages are read in one snapshot, the files written and fsynced after
    it, and the rows whose stamp did not move meanwhile deleted in a short
    transaction of their own: no file is ever written while the store is
    locked for writing. Raises StoreError (disk full, read-only ...); the dirty
    rows then stay for next time.
    """
    if store.read_only:
        return 0
    written = 0
    after = -1
    while True:
        rows = [
            (r["article_id"], r["stamp"])
            for r in store.read(
                "SELECT article_id, stamp FROM mirror_dirty WHERE article_id > ?"
                " ORDER BY article_id LIMIT ?",
                (after, BATCH),
            )
        ]
        if not rows:
            return written
        with store.snapshot():
            documents = [(article_id, document(store, article_id)) for article_id, _ in rows]
        try:
            for article_id, data in documents:
                _write(file_for(library_folder, article_id), data)
        except OSError as error:
            raise StoreError(
                f"the annotations folder cannot be written: {describe_os_error(error)}"
            ) from error
        with store.write() as conn:
            conn.executemany("DELETE FROM mirror_dirty WHERE article_id = ? AND stamp = ?", rows)
        after = rows[-1][0]
        written += len(rows)


def rebuild(store: Store, library_folder: Path) -> int:
    """Write every article's file afresh (after the store was replaced).

    Files whose article is not in the library (an older backup came back)
    move to `not-in-library/`, so that a new article taking their number
    does not overwrite them: import those articles again, then run
    `restore --from-annotations` on that folder.
    """
    if store.read_only:
        return 0
    folder = mirror_folder(library_folder)
    known = {r["id"] for r in store.read("SELECT id FROM articles")}
    with store.write() as conn:
        conn.execute("DELETE FROM mirror_dirty")
        conn.execute(
            "INSERT INTO mirror_dirty(article_id) SELECT DISTINCT article_id FROM annotations"
        )
        for path in folder.glob("article-*.json") if folder.is_dir() else ():
            number = path.stem.removeprefix("article-")
            if number.isdigit() and int(number) in known:
                conn.execute(
                    "INSERT OR IGNORE INTO mirror_dirty(article_id) VALUES (?)", (int(number),)
                )
            else:
                set_aside(path)
    return sync(store, library_folder)


NOT_IN_LIBRARY = "not-in-library"


def set_aside(path: Path) -> Path:
    """Move a mirror file to `not-in-library/` (never over another file)."""
    target_dir = path.parent / NOT_IN_LIBRARY
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    count = 1
    while target.exists():
        count += 1
        target = target_dir / f"{path.stem}-{count}{path.suffix}"
    os.replace(path, target)
    return target


def bootstrap(store: Store, library_folder: Path) -> int:
    """At open: a library with passages but no mirror yet (made before it existed) gets one."""
    if store.read_only or mirror_folder(library_folder).is_dir():
        return 0
    if not store.one("SELECT 1 FROM annotations LIMIT 1"):
        return 0
    return rebuild(store, library_folder)


# --- reading the files back --------------------------------------------------------------


def read_files(folder: Path) -> Iterator[tuple[Path, dict[str, Any] | None, str | None]]:
    """(path, content, problem) for every mirror file in `folder`, by name."""
    for path in sorted(Path(folder).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            yield path, None, f"unreadable: {error}"
            continue
        if not isinstance(data, dict) or not isinstance(data.get("gloss:article"), dict):
            yield path, None, "not a Gloss annotations file"
            continue
        yield path, data, None


def _items(data: dict[str, Any]) -> list[dict[str, Any]]:
    first = data.get("first")
    items = first.get("items", []) if isinstance(first, dict) else []
    return [i for i in items if isinstance(i, dict)]


def _passage(item: dict[str, Any], article_id: int) -> Annotation | None:
    from index.exchange.export import parse_item, passage_from

    parsed = parse_item(item)
    raw_id = str(item.get("id", "")).removeprefix("urn:uuid:")
    try:
        uuid.UUID(raw_id)
    except ValueError:
        return None
    if parsed is None:
        return None
    return passage_from(
        parsed,
        raw_id,
        article_id,
        parsed["selector"],
        orphaned=bool(item.get("gloss:orphaned", False)),
        updated=str(item.get("modified", "")) or parsed["created"],
    )


def restore(
    store: Store,
    library_folder: Path,
    folder: Path | None = None,
    *,
    newer_than: str | None = None,
) -> dict[str, Any]:
    """Put the mirror's passages into the library; return what was done.

    Each file's article is found by content hash, then address, then title.
    A passage that is missing comes back with its id, selectors, note, tags,
    colour and times; one the library holds in an older state is brought up
    to the file's. With `newer_than` (a backup's time, after restoring that
    backup) only files written later are read, and passages those files no
    longer hold were deleted after the backup: they go to the trash again.
    """
    from index.exchange.export import ArticleFinder

    folder = Path(folder) if folder is not None else mirror_folder(library_folder)
    report: dict[str, Any] = {
        "files": 0,
        "total": 0,
        "restored": 0,
        "updated": 0,
        "unchanged": 0,
        "removed": 0,
        "orphaned": 0,
        "unplaced": [],
        "problems": [],
    }
    finder = ArticleFinder(store)
    for path, data, problem in read_files(folder):
        if problem or data is None:
            report["problems"].append({"file": path.name, "problem": problem})
            continue
        if newer_than and str(data.get("gloss:written", "")) <= newer_than:
            continue
        report["files"] += 1
        items = _items(data)
        report["total"] += len(items)
        info = data["gloss:article"]
        target = {
            "gloss:contentHash": info.get("contentHash", ""),
            "source": info.get("source", ""),
            "gloss:title": info.get("title", ""),
        }
        article_id = finder.find(target)
        if article_id is None:
            where = info.get("source") or info.get("title") or path.name
            if items:
                report["unplaced"].append(
                    {"file": path.name, "article": where, "passages": len(items)}
                )
            continue
        article = get_article(store, article_id)
        same_text = article.content_hash == info.get("contentHash")
        _restore_article(
            store, article_id, article.reading_text, same_text, items, report, bool(newer_than)
        )
    return report


def _restore_article(
    store: Store,
    article_id: int,
    text: str,
    same_text: bool,
    items: list[dict[str, Any]],
    report: dict[str, Any],
    remove_missing: bool,
) -> None:
    wanted = [p for p in (_passage(i, article_id) for i in items) if p is not None]
    with store.write() as conn:
        for passage in wanted:
            if not same_text:
                old = Selector(passage.start, passage.end, passage.exact, passage.prefix,
                               passage.suffix)  # fmt: skip
                placed = reanchor(text, old)
                if placed.selector is None:
                    passage.orphaned = True
                else:
                    sel = placed.selector
                    passage.start, passage.end, passage.exact = sel.start, sel.end, sel.exact
                    passage.prefix, passage.suffix = sel.prefix, sel.suffix
            report["orphaned"] += int(passage.orphaned)
            _put(conn, passage, report)
        if remove_missing:
            keep = {p.id for p in wanted}
            rows = conn.execute(
                f"{notes.SELECT_PASSAGES} WHERE n.article_id = ?", (article_id,)
            ).fetchall()
            for row in rows:
                if row["id"] not in keep:
                    _trash(conn, notes.from_row(row))
                    report["removed"] += 1


def _put(conn, passage: Annotation, report: dict[str, Any]) -> None:
    row = conn.execute(f"{notes.SELECT_PASSAGES} WHERE n.id = ?", (passage.id,)).fetchone()
    if row is not None:
        current = notes.from_row(row)
        if _same(current, passage):
            report["unchanged"] += 1
            return
        if current.updated > passage.updated:
            report["unchanged"] += 1  # the library's is newer: keep it
            return
        conn.execute("DELETE FROM annotations WHERE id = ?", (passage.id,))
        report["updated"] += 1
    else:
        report["restored"] += 1
    selector = Selector(passage.start, passage.end, passage.exact, passage.prefix, passage.suffix)
    notes.insert_row(
        conn,
        passage.id,
        passage.article_id,
        selector,
        notes.check_color(passage.color),
        passage.note,
        passage.orphaned,
        passage.created or passage.updated,
        passage.updated,
    )
    notes.set_tags(conn, passage.id, passage.tags)
    conn.execute("DELETE FROM trash WHERE annotation_id = ?", (passage.id,))
    notes.touch(conn, passage.id, passage.article_id, "restored from the annotations folder")


def _same(a: Annotation, b: Annotation) -> bool:
    keys = ("article_id", "start", "end", "exact", "prefix", "suffix", "color", "note", "orphaned")
    if any(getattr(a, k) != getattr(b, k) for k in keys):
        return False
    return sorted(a.tags, key=str.casefold) == sorted(b.tags, key=str.casefold)


def _trash(conn, before: Annotation) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO trash(annotation_id, article_id, deleted, data) VALUES (?,?,?,?)",
        (before.id, before.article_id, before.updated, json.dumps(before.to_json())),
    )
    conn.execute("DELETE FROM annotations WHERE id = ?", (before.id,))
    notes.touch(conn, before.id, before.article_id, "deleted", before)
