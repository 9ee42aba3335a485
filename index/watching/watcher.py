"""Folders that import themselves while Gloss runs, watched with watchdog.

watchdog's observer thread only records what happened (a file created, changed, moved
in, deleted). A settling thread of our own looks at the recorded files every `poll`
seconds and imports a file only once it has stopped changing: the same size and
modification time at two looks at least `settle` seconds apart, and no event for it in
that time, so a file still being written or copied is never read half-way. Changed
articles are re-anchored by the import (the anchoring report says what moved); a
deleted file leaves its articles in the library, marked as having lost their source.

Nothing here runs on the window's thread: `on_report` is called from the settling
thread (the window turns it into a signal).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from index.importers import EXPORT_EXTENSIONS, KNOWN_EXTENSIONS

if TYPE_CHECKING:
    from index.library import Library
    from index.store.articles import ImportReport

SETTLE_SECONDS = 1.0
POLL_SECONDS = 0.25
_PARTIAL = (".part", ".crdownload", ".download", ".tmp", ".swp", "~")


@dataclass(slots=True)
class _Pending:
    size: int = -1
    mtime: int = -1
    changed: float = 0.0  # when an event or a look last saw it change


def wanted(path: str) -> bool:
    """A file the watcher imports: an article or archive by its name, not hidden, not a
    download or editor file still in progress."""
    name = os.path.basename(path)
    if not name or name.startswith((".", "~$")) or name.lower().endswith(_PARTIAL):
        return False
    lowered = name.lower()
    suffix = os.path.splitext(lowered)[1]
    return suffix in KNOWN_EXTENSIONS or suffix in EXPORT_EXTENSIONS


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        src = os.fsdecode(event.src_path)
        if kind in ("created", "modified", "closed"):
            self.watcher.touched(src, event.is_directory)
        elif kind == "deleted":
            self.watcher.deleted(src)
        elif kind == "moved":
            self.watcher.deleted(src)
            self.watcher.touched(os.fsdecode(event.dest_path), event.is_directory)


class FolderWatcher:
    """Imports new and changed files of the watched folders once they are stable."""

    def __init__(
        self,
        library: Library,
        *,
        on_report: Callable[[ImportReport, list[str]], Any] | None = None,
        on_missing: Callable[[list[str], int], Any] | None = None,
        settle: float = SETTLE_SECONDS,
        poll: float = POLL_SECONDS,
    ) -> None:
        self.library = library
        self.on_report = on_report
        self.on_missing = on_missing
        self.settle = settle
        self.poll = poll
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._gone: set[str] = set()
        self._stop = threading.Event()
        self._observer: Any = None
        self._watches: dict[str, Any] = {}
        self._thread: threading.Thread | None = None
        self._catch_up = True
        self.errors: list[str] = []

    # -- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Watch every folder the library lists, and start settling (once; a worker
        thread: it reads the library)."""
        if self._observer is not None or self._stop.is_set():
            return
        self._observer = Observer()
        self._observer.daemon = True
        for folder in self.library.watched_folders():
            self.watch(folder["path"])
        self._observer.start()
        self._thread = threading.Thread(target=self._run, name="gloss-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching; files still settling are left for the next start."""
        self._stop.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout=30)

    def watch(self, folder: str) -> bool:
        """Start watching one more folder now; False (and a line in `errors`) if it can't."""
        if self._observer is None:
            self.start()  # the first folder: start with every listed one (this included)
        if folder in self._watches:
            return True
        if self._observer is None:  # stopped: the window is closing
            return False
        try:
            self._watches[folder] = self._observer.schedule(_Handler(self), folder, recursive=True)
        except OSError as error:
            self.errors.append(f"cannot watch {folder}: {error.strerror or error}")
            return False
        return True

    def unwatch(self, folder: str) -> None:
        watch = self._watches.pop(folder, None)
        if watch is not None and self._observer is not None:
            self._observer.unschedule(watch)

    def folders(self) -> list[str]:
        return sorted(self._watches)

    # -- events (watchdog's thread) -------------------------------------------------------

    def touched(self, path: str, is_directory: bool = False) -> None:
        if not is_directory and not wanted(path):
            return
        with self._lock:
            self._gone.discard(path)
            pending = self._pending.setdefault(path, _Pending())
            pending.changed = time.monotonic()

    def deleted(self, path: str) -> None:
        with self._lock:
            self._pending.pop(path, None)
            self._gone.add(path)

    # -- settling (our thread) ------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                if self._catch_up:
                    self._catch_up = False
                    self.catch_up()
                self.settle_now()
            except Exception as error:  # the watcher must outlive a bad file or a full disk
                self.errors.append(f"watching: {error}")

    def catch_up(self) -> None:
        """What changed while Gloss was not running: files newer than the folder's last
        look are queued (they settle like any other), files gone are marked missing."""
        for folder in self.library.watched_folders():
            path, checked = folder["path"], folder.get("checked") or 0.0
            for root, dirs, names in os.walk(path):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in names:
                    file = os.path.join(root, name)
                    try:
                        newer = os.stat(file).st_mtime > checked
                    except OSError:
                        continue
                    if newer:
                        self.touched(file)
            for source in self.library.sources_under(path):
                if not os.path.exists(source):
                    self.deleted(source)

    def settle_now(self) -> tuple[list[str], list[str]]:
        """Import what has settled and mark what is gone; (imported, gone) paths."""
        looked = time.time()
        ready, gone = self._take_settled()
        if gone:
            marked = self.library.mark_sources_missing(gone)
            if self.on_missing:
                self.on_missing(gone, marked)
        if ready:
            report = self.library.import_paths(ready, cancel=self._stop.is_set)
            if self.on_report:
                self.on_report(report, ready)
        if not self.pending() and (ready or gone):
            self.library.watched_checked(looked)
        return ready, gone

    def _take_settled(self) -> tuple[list[str], list[str]]:
        now = time.monotonic()
        ready: list[str] = []
        with self._lock:
            gone, self._gone = sorted(self._gone), set()
            for path, pending in list(self._pending.items()):
                try:
                    info = os.stat(path)
                except FileNotFoundError:
                    del self._pending[path]
                    continue
                except OSError:
                    continue
                if (info.st_size, info.st_mtime_ns) != (pending.size, pending.mtime):
                    pending.size, pending.mtime = info.st_size, info.st_mtime_ns
                    pending.changed = now
                elif now - pending.changed >= self.settle:
                    ready.append(path)
                    del self._pending[path]
        return ready, gone

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)
