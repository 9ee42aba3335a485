"""Qt fixtures for the window tests: a real library in tmp_path, the window on it, gestures.

Both this file and tests/conftest.py are imported as the module `conftest`
(neither folder is a package), so `from conftest import REPO` in a test module
may find this one: the shared names of tests/conftest.py are re-exported here.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QTextCursor
from PySide6.QtWidgets import QApplication

_spec = importlib.util.spec_from_file_location(
    "_gloss_tests_conftest", Path(__file__).resolve().parents[1] / "conftest.py"
)
_root = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_root)
REPO, SHARED, CORPORA = _root.REPO, _root.SHARED, _root.CORPORA
SEED, BBC, HTML_NEWS, W3C_TESTS = _root.SEED, _root.BBC, _root.HTML_NEWS, _root.W3C_TESTS
need = _root.need


SAMPLE = """# Notes on tidal mills

Ana Ribeiro
2 March 2021

Tidal mills used the sea twice a day. A pond filled at high tide 😀 and was let out
through a wheel when the water fell.

## How the pond worked

The *sluice gate* closed by itself when the tide turned, and the miller waited for the
level outside to drop. See [the survey](https://example.org/mills) for the numbers.

The last working mill on the estuary ground flour until 1956; the café beside it still
serves bread made from its wheat.
"""

SECOND = """# Wind pumps on the polders

Jan de Vries
14 July 2019

Before steam, the water of the polders was lifted by wind: rows of mills, each raising
it a little, passed it from ditch to canal to river.

The mills needed a miller day and night in storms, when the wind was strongest and the
rain filled the ditches fastest.
"""


@pytest.fixture
def reader(qtbot):
    """A reader view on its own, shown at a fixed size."""
    from ui.reader.reader import ReaderView

    view = ReaderView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture
def sample_folder(tmp_path: Path) -> Path:
    """A folder of two small Markdown articles written for these tests."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "tidal-mills.md").write_text(SAMPLE, encoding="utf-8")
    (folder / "wind-pumps.md").write_text(SECOND, encoding="utf-8")
    return folder


@pytest.fixture
def library(tmp_path: Path):
    """A real library in tmp_path with the two sample articles imported."""
    from index.library import Library

    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)
    (folder / "tidal-mills.md").write_text(SAMPLE, encoding="utf-8")
    (folder / "wind-pumps.md").write_text(SECOND, encoding="utf-8")
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    lib.import_paths([folder])
    yield lib
    lib.close()


@pytest.fixture
def open_window(qtbot, tmp_path):
    """`open_window(lib)`: a shown window on a library, settings in tmp_path (not waiting
    for activation: a notice box may take it); every one closed at the end."""
    from PySide6.QtCore import QSettings

    from ui.window.main_window import MainWindow
    from ui.window.settings import Settings

    made = []

    def make(lib):
        store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        win = MainWindow(lib, Settings(store, str(lib.path)))
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        made.append(win)
        return win

    yield make
    for win in made:
        win.close()


@pytest.fixture
def window(open_window, library):
    """A shown window on the `library` fixture."""
    return open_window(library)


def article_id(lib, title_start: str) -> int:
    """The id of the article whose title starts with `title_start`."""
    for summary in lib.list_articles():
        if summary.title.startswith(title_start):
            return summary.id
    raise AssertionError(f"no article titled {title_start!r}…")


def _send_mouse(widget, kind: QEvent.Type, point: QPoint, buttons) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    local = QPointF(point)
    event = QMouseEvent(
        kind,
        local,
        QPointF(widget.mapToGlobal(point)),
        button,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def point_of(reader, offset: int) -> QPoint:
    """The viewport point of the caret before code point `offset` (vertically centred)."""
    cursor = QTextCursor(reader.document())
    cursor.setPosition(reader.offsets.to_qt(offset))
    rect = reader.cursorRect(cursor)
    return QPoint(rect.center().x(), rect.center().y())


def drag_select(reader, start: int, end: int) -> None:
    """Select [start, end) with the mouse as a user does: press, move with the button held,
    release (events sent to the real viewport)."""
    reader.ensure_offset_visible(start)
    viewport = reader.viewport()
    a, b = point_of(reader, start), point_of(reader, end)
    held = Qt.MouseButton.LeftButton
    _send_mouse(viewport, QEvent.Type.MouseButtonPress, a, held)
    middle = QPoint((a.x() + b.x()) // 2, (a.y() + b.y()) // 2)
    _send_mouse(viewport, QEvent.Type.MouseMove, middle, held)
    _send_mouse(viewport, QEvent.Type.MouseMove, b, held)
    _send_mouse(viewport, QEvent.Type.MouseButtonRelease, b, Qt.MouseButton.NoButton)


def click_at(reader, offset: int) -> None:
    """A left click on the character at `offset`."""
    point = point_of(reader, offset) + QPoint(3, 0)
    viewport = reader.viewport()
    _send_mouse(viewport, QEvent.Type.MouseButtonPress, point, Qt.MouseButton.LeftButton)
    _send_mouse(viewport, QEvent.Type.MouseButtonRelease, point, Qt.MouseButton.NoButton)


class ThreadRecorder:
    """Instrumentation: wraps Library methods to record the thread each call ran on."""

    def __init__(self, lib, names: tuple[str, ...]) -> None:
        self.calls: list[tuple[str, str]] = []
        self._lib = lib
        for name in names:
            original = getattr(lib, name)
            setattr(lib, name, self._wrap(name, original))

    def _wrap(self, name, original):
        def wrapper(*args, **kwargs):
            self.calls.append((name, threading.current_thread().name))
            return original(*args, **kwargs)

        return wrapper

    def on_main_thread(self) -> list[str]:
        main = threading.main_thread().name
        return [name for name, thread in self.calls if thread == main]


def written(qtbot, _shown=None, timeout: int = 10000) -> None:
    """Wait until every open window's writer has stored the changes it was given and the
    window has drawn the answers (writes never run on the GUI thread: ui/common/writer.py).
    `_shown` names what the test just acted on; any window counts."""
    from ui.window.main_window import MainWindow

    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    qtbot.waitUntil(lambda: all(w.writer.pending() == 0 for w in windows), timeout=timeout)
