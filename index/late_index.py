"""The search index opened after the window has appeared (a Library opened with
`defer_index=True`).

Opening the index reads every segment's facet table and field lengths: ~0.6 s at
44,500 articles, four times that at 178,000, and it used to run before the window's
first paint. `LateIndex` stands where the SearchIndex stands (the Library's `index`,
the Indexer's) and opens it the first time anything asks for it, on the thread that
asks, once: the window asks right after its first paint (`Library.open_index_later`, on
a thread of its own); a search typed before that opens it on the search's worker, which
waits, never the window's thread. The background indexer starts when the index is open.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The index's name and its mark of an unfinished rebuild, as index/search/engine.py spells
# them (a test holds them equal): the opening tells a whole index without importing the
# engine (whoosh, NumPy), which is what the window's start must not wait for.
INDEX_NAME = "gloss4"
REBUILD_MARKER = f"{INDEX_NAME}.needs-rebuild"


def looks_whole(index_dir: Path) -> bool:
    """Whether the index folder holds our index's table of contents and no mark of an
    unfinished rebuild (cheap: names only). Anything else is opened, or rebuilt with
    progress, before the window shows, as always."""
    try:
        names = [p.name for p in index_dir.iterdir()]
    except OSError:
        return False
    toc = any(name.startswith(f"_{INDEX_NAME}_") and name.endswith(".toc") for name in names)
    return toc and REBUILD_MARKER not in names


Progress = Callable[[int, int, str], None]


class LateIndex:
    """A SearchIndex opened on first use by `opener(notices, progress)` (which may add
    sentences for the reader to that list, and reports a rebuild of a damaged index through
    `progress(done, total, what)`); `when_open` says what follows and where they go, and
    `rebuilding()` how far a rebuild under way is."""

    def __init__(self, opener: Callable[[list[str], Progress], Any]) -> None:
        self._late_opener = opener
        self._late_progress: tuple[int, int] | None = None
        self._late_listeners: list[Callable[[int, int], None]] = []
        self._late_then: Callable[[], None] | None = None
        self._late_told: list[str] | None = None
        self._late_lock = threading.Lock()
        self._late_index: Any = None
        self._late_error: BaseException | None = None
        self._late_done = threading.Event()

    def when_open(self, then: Callable[[], None], told: list[str] | None = None) -> None:
        """Call `then()` once the index is open (now, if it is); `told` is where the
        opener's sentences for the reader are to go (the Library's notices)."""
        with self._late_lock:
            self._late_then, self._late_told = then, told
            already = self._late_index is not None
        if already:
            then()

    def shut(self) -> bool:
        """No opening from now on (the library closes); waits for one under way. True when
        the index is open (the caller closes it)."""
        with self._late_lock:
            if self._late_index is None and self._late_error is None:
                self._late_error = RuntimeError("the search index is closed")
                self._late_done.set()
            return self._late_index is not None

    def on_progress(self, listener: Callable[[int, int], None]) -> None:
        """Call `listener(done, total)` as a rebuild at the opening goes (on the opening's
        thread: keep it short)."""
        self._late_listeners.append(listener)

    def rebuilding(self) -> tuple[int, int] | None:
        """(done, total) while the opening rebuilds a damaged or unreadable index."""
        return self._late_progress

    def _late_report(self, done: int, total: int, _what: str = "") -> None:
        self._late_progress = (done, total)
        for listener in list(self._late_listeners):
            listener(done, total)

    def opened(self) -> bool:
        """Whether the index is open (False while it is opening, or before)."""
        return self._late_index is not None

    def failed(self) -> BaseException | None:
        """What opening it raised, if it did (a later use raises it again)."""
        return self._late_error

    def get(self) -> Any:
        """The opened SearchIndex, opening it now on this thread if nobody has yet."""
        index = self._late_index
        if index is not None:
            return index
        then = None
        with self._late_lock:
            if self._late_index is None:
                if self._late_error is not None:
                    raise self._late_error
                try:
                    told = self._late_told if self._late_told is not None else []
                    index = self._late_opener(told, self._late_report)
                except BaseException as error:
                    self._late_error = error
                    self._late_done.set()
                    raise
                finally:
                    self._late_progress = None
                self._late_index = index
                self._late_done.set()
                then = self._late_then
        if then is not None:
            then()
        return self._late_index

    def open_in_background(self) -> threading.Thread | None:
        """Open it on a thread of its own (None when it is already open or opening)."""
        if self._late_done.is_set() or self._late_lock.locked():
            return None

        def run() -> None:
            with contextlib.suppress(Exception):  # kept: the first use raises it again
                self.get()

        thread = threading.Thread(target=run, name="gloss-index-open", daemon=True)
        thread.start()
        return thread

    def wait(self, timeout: float | None = None) -> bool:
        """Block until opening ended (opened or failed); True when it did in time."""
        return self._late_done.wait(timeout)

    def __getattr__(self, name: str) -> Any:
        # only names the LateIndex itself lacks: every SearchIndex attribute and method
        if name.startswith("_late_"):
            raise AttributeError(name)
        return getattr(self.get(), name)
