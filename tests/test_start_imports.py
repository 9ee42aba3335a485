"""What loads before the window's first paint (issue 15, item 5).

The window's code imports without the search engine (whoosh, the analyzers, the index
modules: they load with the library, on the opening worker), and a shown window on a
library that watches no folder has not loaded the folder watcher (watchdog) nor the
dialogs it opens only on demand. Each check runs in a fresh interpreter, so what other
tests imported does not count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

ENGINE_PARTS = ("whoosh", "index.search", "index.library", "watchdog")
ON_DEMAND = (
    "watchdog",
    "index.watching.watcher",
    "ui.dialogs.backup_dialog",
    "ui.dialogs.annotations_import",
    "ui.dialogs.annotations_report",
    "ui.dialogs.export_dialog",
    "ui.search.digest_view",
    "ui.window.dialogs",
)
# ... nor, at its first paint, these (issue 15: the paint comes sooner without them)
AFTER_PAINT = (
    *ON_DEMAND,
    "rapidfuzz",
    "index.exchange",
    "ui.passages.history_dialog",
    "ui.passages.trash_view",
    "ui.passages.anchoring_dialog",
    "ui.search.explain_dialog",
)


def _loaded(script: str, prefixes: tuple[str, ...]) -> list[str]:
    """The modules under `prefixes` that `script` left loaded, in a fresh interpreter."""
    program = (
        "import json, sys\n"
        + script
        + f"\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _names(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """Each prefix both as the module and as a package: `whoosh` and `whoosh.…`."""
    return tuple(p for prefix in prefixes for p in (prefix, prefix + "."))


def test_the_window_code_imports_without_the_search_engine_or_the_watcher() -> None:
    script = "import ui.window.app, ui.window.main_window, ui.window.settings"
    assert _loaded(script, _names(ENGINE_PARTS)) == []


def test_a_shown_window_has_not_loaded_the_watcher_nor_the_dialogs(tmp_path: Path) -> None:
    script = f"""
from PySide6.QtCore import QSettings
from index import Library
from ui.window.app import make_app
from ui.window.main_window import MainWindow
from ui.window.settings import Settings
app = make_app()
library = Library.open({str(tmp_path / "lib")!r}, background=True)
store = QSettings({str(tmp_path / "s.ini")!r}, QSettings.Format.IniFormat)
window = MainWindow(library, Settings(store, str(library.path)))
window.show()
app.processEvents()
window.watching.start()
window.watching.stop()  # waits for the start: it found no watched folder
assert "whoosh" in sys.modules  # the library did open its search index
window.close()
app.processEvents()
library.close()
"""
    assert _loaded(script, _names(ON_DEMAND)) == []


def test_the_window_paints_before_the_search_engine_loads_then_opens_the_index(
    tmp_path: Path,
) -> None:
    """As `python main.py` starts: the library opened by ui.window.app.open_library, the
    window shown; at its first paint neither whoosh nor the index is loaded (their cost
    grows with the library), nor the parts made on first use, and the start backup has not
    begun (it would compete with the paint); right after, the index opens by itself and the
    backup begins."""
    from index import Library

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "mills.md").write_text("# Tide mills\n\nThe sluice gate closed.\n")
    with Library.open(tmp_path / "lib") as lib:  # welcomed: not a first start
        lib.import_paths([articles])
        article = next(a.id for a in lib.list_articles() if a.title == "Tide mills")
        lib.annotate_quote(article, "sluice gate", note="when?", tags=["mills"])  # shown at start
    later = _names(AFTER_PAINT)
    script = f"""
import time
from PySide6.QtCore import QEvent, QObject, QSettings
from ui.window.app import close_library, make_app, open_library
from ui.window.main_window import MainWindow
from ui.window.settings import Settings
app = make_app()
library = open_library({str(tmp_path / "lib")!r})
store = QSettings({str(tmp_path / "s.ini")!r}, QSettings.Format.IniFormat)
window = MainWindow(library, Settings(store, str(library.path)))
at_paint = {{}}

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not at_paint:
            at_paint["engine"] = sorted(m for m in sys.modules if m.startswith("whoosh"))
            at_paint["later"] = sorted(m for m in sys.modules if m.startswith({later!r}))
            at_paint["backup"] = library._start_backup is not None
            at_paint["ready"] = library.index_ready()
        return False

spy = FirstPaint()
window.installEventFilter(spy)
window.show()
deadline = time.monotonic() + 60
while not (at_paint and library.index_ready()) and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.01)
assert at_paint["engine"] == [] and at_paint["later"] == [], at_paint
assert at_paint["ready"] is False and at_paint["backup"] is False, at_paint
assert library.index_ready() and library.search("sluice").total == 1
assert library._start_backup is not None  # begun after the paint
window.close()
close_library(library)
"""
    assert _loaded(script, _names(("whoosh",))) != []  # loaded after the paint
