"""The Library's methods for what comes in and goes out: watched folders and unsaved
links, saved searches, annotation exports and imports, backups and the mirror.

A part of `Library` (index/library.py), kept apart so that each file holds one
responsibility; the work itself is done by index/watching/, index/exchange/ and
index/safety/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.changes import EVERYTHING, Changes
from index.passages.annotations import Annotation, AnnotationError
from index.store.database import now_iso

if TYPE_CHECKING:
    from index.exchange.annotation_import import AnnotationImportReport
    from index.safety.backup import BackupInfo
    from index.search.indexer import Indexer
    from index.store.database import Store

Progress = Callable[[int, int, str], None]


class ExchangeMethods:
    """Moving in, saved searches, exports, imports and backups; mixed into `Library`."""

    path: Path
    store: Store

    if TYPE_CHECKING:

        @property
        def indexer(self) -> Indexer: ...

        def _changed(self, changes: Changes = EVERYTHING) -> None: ...

        def articles_with_words(self, text: str, limit: int = 50) -> list[int] | None: ...

        def reindex(self, *, progress: Progress | None = None, cancel: Any = None) -> int: ...

        def counts(self) -> dict[str, int]: ...

    # -- moving in: watched folders, links without text (issue 16) -----------------------

    def watched_folders(self) -> list[dict[str, Any]]:
        """Folders that import themselves: {"path", "added", "exists", "articles"}. Any thread."""
        from index.watching import folders

        return folders.listed(self.store)

    def watch_folder(self, path: str | os.PathLike[str]) -> str:
        """Mark a folder as watched; its normal path. Raises WatchError (a ValueError)
        when it is not a folder. A worker thread (it writes)."""
        from index.watching import folders

        return folders.add(self.store, path)

    def unwatch_folder(self, path: str | os.PathLike[str]) -> bool:
        """Stop watching a folder (its articles stay); False when it was not watched."""
        from index.watching import folders

        return folders.remove(self.store, path)

    def mark_sources_missing(self, paths: Iterable[str]) -> int:
        """Articles from these files (or folders) lost their source; they stay. A worker."""
        from index.watching import folders

        return folders.mark_missing(self.store, paths)

    def watched_checked(self, when: float) -> None:
        """The watched folders were looked at up to `when` (epoch seconds). A worker."""
        from index.watching import folders

        folders.set_checked(self.store, when)

    def sources_under(self, folder: str) -> list[str]:
        """Files under `folder` that articles came from (not marked missing). Any thread."""
        from index.watching import folders

        return folders.sources_under(self.store, folder)

    def unsaved_links(self) -> list[dict[str, Any]]:
        """Links read-later exports listed without their text (never fetched). Any thread."""
        from index.watching import folders

        return folders.unsaved_links(self.store)

    # -- saved searches -----------------------------------------------------------------

    def saved_searches(self) -> list[tuple[str, str]]:
        """(name, query) of every saved search, by name. Any thread."""
        rows = self.store.read(
            "SELECT name, query FROM saved_searches ORDER BY name COLLATE NOCASE"
        )
        return [(r["name"], r["query"]) for r in rows]

    def save_search(self, name: str, query: str) -> None:
        """Save (or replace) a named search. Any thread."""
        name = " ".join(name.split())
        if not name:
            raise AnnotationError("a saved search needs a name")
        with self.store.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO saved_searches(name, query, created) VALUES (?, ?, ?)",
                (name, query, now_iso()),
            )
        self._changed(Changes(saved_searches=True))

    def delete_saved_search(self, name: str) -> None:
        """Forget a saved search. Any thread."""
        with self.store.write() as conn:
            conn.execute("DELETE FROM saved_searches WHERE name = ?", (name,))
        self._changed(Changes(saved_searches=True))

    # -- export ---------------------------------------------------------------------------

    def export_annotations(
        self,
        fmt: str,
        *,
        article_id: int | None = None,
        tag: str | None = None,
        ids: Iterable[str] | None = None,
    ) -> str:
        """Passages (all, one article's, one tag's, or the given ids) as Markdown, W3C
        JSON-LD or CSV text. Any thread."""
        from index.exchange import export

        return export.export(self.store, fmt, article_id=article_id, tag=tag, ids=ids)

    def write_export(self, text: str, path: str | os.PathLike[str]) -> int:
        """Write an export's text to `path`, and beside it (`images/`) the library's copy of
        every image a Markdown export shows; how many images. OSError when it cannot."""
        from index.exchange.export import EXPORT_IMAGES, images_in_markdown
        from index.store.images import image_path

        target = Path(path)
        target.write_text(text, encoding="utf-8")
        copied = 0
        for name in images_in_markdown(text):
            source = image_path(self.path, name)
            if source is None or not source.is_file():
                continue
            folder = target.parent / EXPORT_IMAGES
            folder.mkdir(exist_ok=True)
            shutil.copyfile(source, folder / name)
            copied += 1
        return copied

    def passage_as_w3c(self, annotation: Annotation) -> dict[str, Any]:
        """One passage as a W3C Web Annotation (with its own @context). Any thread."""
        from index.exchange import export

        return export.to_w3c(self.store, annotation)

    def import_annotations(
        self, data: str | bytes, *, take_legend: bool = False
    ) -> AnnotationImportReport:
        """Add the passages of an annotations file's content (bytes in any encoding, or
        text): Gloss's W3C JSON or CSV, a Hypothesis JSON export, a Readwise CSV export.

        The format is told from the content; each annotation is placed by evidence
        (index/exchange/placement.py) and the new passages written in one
        transaction. The report says what was placed where, what was not and why,
        how many are orphaned, and the colour names the file offers (taken only with
        `take_legend`). Raises AnnotationError for a file no reader knows. A worker
        thread (it searches the index for quotes with no address or title).
        """
        from index.exchange import annotation_import

        result = annotation_import.import_annotations(
            self.store,
            data,
            candidates=self.articles_with_words,
            take_legend=take_legend,
        )
        self._changed()
        return result

    def import_annotations_file(
        self,
        path: str | os.PathLike[str],
        *,
        take_legend: bool = False,
        progress: Progress | None = None,
    ) -> AnnotationImportReport:
        """`import_annotations` of a file (its bytes decoded as an article's are: a BOM,
        UTF-8, UTF-16, or the cp1252 a spreadsheet may write); AnnotationError naming it
        when it can't be read. A worker thread (the window's File › Import Annotations…);
        `progress(0, 0, what)` says which step it is on."""
        source = Path(path)
        if progress:
            progress(0, 0, f"Reading {source.name}")
        from index.exchange.foreign import decode

        try:
            data = source.read_bytes()
        except OSError as error:
            raise AnnotationError(f"cannot read {path}: {error.strerror}") from None
        try:
            text = decode(data)  # the decoding import_annotations does, told with the name
        except AnnotationError as error:
            raise AnnotationError(f"{source.name} is {error}") from None
        if progress:
            progress(0, 0, f"Placing the annotations of {source.name}")
        return self.import_annotations(text, take_legend=take_legend)

    # -- backups and the annotations mirror (issue 6) -------------------------------------

    def backup(self, *, reason: str = "manual") -> BackupInfo:
        """A verified backup in `backups/` now (older ones rotate out). A worker thread."""
        from index.safety import backup

        return backup.make_backup(self.store.connection(), self.path, reason=reason)

    def backups(self) -> list[BackupInfo]:
        """The backups kept in `backups/`, newest first. Any thread."""
        from index.safety import backup

        return backup.list_backups(self.path)

    def restore_database(self, file: str | os.PathLike[str]) -> dict[str, Any]:
        """Replace the store with a Gloss library file (a backup), the current one backed up
        first; then rebuild the index and the mirror. A worker thread, nothing else running.

        Raises StoreError for a file that is not a Gloss library. Returns
        {"restored_from", "backup_before", "articles", "annotations"}.
        """
        from index.safety import backup, mirror

        result = backup.restore_into(self.store, self.path, Path(file), self.indexer.drain_lock)
        self.reindex()
        mirror.rebuild(self.store, self.path)
        counts = self.counts()
        result.update(articles=counts["articles"], annotations=counts["annotations"])
        self._changed()
        return result

    def restore_from_annotations(self, folder: str | os.PathLike[str] | None = None) -> dict:
        """Put back every passage the JSON mirror holds (same ids, selectors, notes, tags,
        colours), after a backup of the store. A worker thread.

        Returns {"files", "total", "restored", "updated", "unchanged", "orphaned",
        "unplaced": [{"file", "article", "passages"}], "problems": [...]}.
        """
        from index.safety import backup, mirror

        if self.store.one("SELECT 1 FROM articles LIMIT 1"):
            backup.make_backup(self.store.connection(), self.path, reason="before-mirror-restore")
        report = mirror.restore(self.store, self.path, None if folder is None else Path(folder))
        self._changed()
        return report

    def sync_mirror(self) -> int:
        """Write the JSON mirror of every changed article now; returns files written."""
        from index.safety import mirror

        return mirror.sync(self.store, self.path)
