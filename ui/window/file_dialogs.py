"""Open and save dialogs that start in the last folder used, not in the working directory.

Every file dialog of the window goes through these functions: they start where the
reader last opened or saved something (remembered in the settings, so it survives a
restart), or in the home folder the first time, and remember the folder of what was
chosen. A dialog that is not the window finds the window's settings through its parents.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from ui.window import settings as keys
from ui.window.settings import Settings


def settings_of(widget: QWidget | None) -> Settings | None:
    """The Settings of the window `widget` belongs to (None for a widget on its own)."""
    while widget is not None:
        found = getattr(widget, "settings", None)
        if isinstance(found, Settings):
            return found
        widget = widget.parentWidget()
    return None


def start_folder(settings: Settings | None) -> str:
    """The last folder used if it still exists, else the home folder."""
    remembered = settings.get(keys.LAST_FOLDER) if settings is not None else ""
    if remembered and Path(remembered).is_dir():
        return remembered
    return str(Path.home())


def remember(settings: Settings | None, path: str) -> None:
    """Keep the folder of `path` (or `path` itself, a folder) for the next dialog."""
    if settings is None or not path:
        return
    chosen = Path(path)
    folder = chosen if chosen.is_dir() else chosen.parent
    settings.set(keys.LAST_FOLDER, str(folder))


def open_files(parent: QWidget, title: str, file_filter: str = "") -> list[str]:
    settings = settings_of(parent)
    paths, _ = QFileDialog.getOpenFileNames(parent, title, start_folder(settings), file_filter)
    if paths:
        remember(settings, paths[0])
    return list(paths)


def open_file(parent: QWidget, title: str, file_filter: str = "") -> str:
    settings = settings_of(parent)
    path, _ = QFileDialog.getOpenFileName(parent, title, start_folder(settings), file_filter)
    remember(settings, path)
    return path


def existing_folder(parent: QWidget, title: str) -> str:
    settings = settings_of(parent)
    folder = QFileDialog.getExistingDirectory(parent, title, start_folder(settings))
    remember(settings, folder)
    return folder


def save_file(parent: QWidget, title: str, name: str, file_filter: str = "") -> str:
    """Ask where to write; the suggested file `name` sits in the last folder used."""
    settings = settings_of(parent)
    suggested = str(Path(start_folder(settings)) / name)
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, file_filter)
    remember(settings, path)
    return path
