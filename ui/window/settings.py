"""Settings declared once: the user's preferences, and the window's remembered state.

Preferences (theme, text size) are choices the user made; state (geometry,
splitter sizes, the open article and where it was scrolled) is what the window
remembers to come back as it was. State that names an article is kept per
library folder, since article ids belong to one library.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from ui.reader.document import DEFAULT_POINT_SIZE


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    kind: type


THEME = Setting("prefs/theme", "light", str)
FONT_SIZE = Setting("prefs/font_size", float(DEFAULT_POINT_SIZE), float)
GEOMETRY = Setting("state/geometry", QByteArray(), QByteArray)
WINDOW_STATE = Setting("state/window_state", QByteArray(), QByteArray)
SIDEBAR_VISIBLE = Setting("state/sidebar_visible", True, bool)
PASSAGES_VISIBLE = Setting("state/passages_visible", True, bool)
LAST_FOLDER = Setting("state/last_folder", "", str)  # where the last open or save dialog was
# Per library (see Settings.library_key):
OPEN_ARTICLE = Setting("open_article", 0, int)
SCROLL_OFFSET = Setting("scroll_offset", 0, int)
SIDEBAR_ENTRY = Setting("sidebar_entry", "view:all", str)
SORT_COLUMN = Setting("sort_column", -1, int)
SORT_ORDER = Setting("sort_order", 0, int)


class Settings:
    """Typed access to a QSettings store (the user's, or a file given by tests)."""

    def __init__(self, store: QSettings | None = None, library_path: str = "") -> None:
        self.store = store if store is not None else QSettings("Gloss", "Gloss")
        digest = hashlib.sha1(library_path.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        self.library_group = f"libraries/{digest}"

    def get(self, setting: Setting) -> Any:
        value = self.store.value(setting.key, setting.default)
        return _coerce(value, setting)

    def set(self, setting: Setting, value: Any) -> None:
        self.store.setValue(setting.key, value)

    def get_for_library(self, setting: Setting) -> Any:
        value = self.store.value(f"{self.library_group}/{setting.key}", setting.default)
        return _coerce(value, setting)

    def set_for_library(self, setting: Setting, value: Any) -> None:
        self.store.setValue(f"{self.library_group}/{setting.key}", value)

    def splitter(self, name: str) -> QByteArray:
        return _coerce(self.store.value(f"state/splitter_{name}"), GEOMETRY)

    def set_splitter(self, name: str, value: QByteArray) -> None:
        self.store.setValue(f"state/splitter_{name}", value)

    def sync(self) -> None:
        self.store.sync()


def _coerce(value: Any, setting: Setting) -> Any:
    """QSettings gives strings back from ini files: turn them into the declared type."""
    if value is None:
        return setting.default
    kind = setting.kind
    try:
        if kind is bool:
            if isinstance(value, str):
                return value.strip().lower() in ("true", "1", "yes")
            return bool(value)
        if kind is QByteArray:
            return value if isinstance(value, QByteArray) else QByteArray(value)
        return kind(value)
    except (TypeError, ValueError):
        return setting.default
