"""Every command of the window in one table: id, menu text, shortcuts, help.

Menus, context menus, the selection popup and the Help › Keyboard Shortcuts
window are all built from this table, so a shortcut is declared once. A test
fails when two actions share a key.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

Key = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    """One command: `shortcuts` are key strings or StandardKeys (expanded per platform)."""

    id: str
    text: str
    shortcuts: tuple[str | QKeySequence.StandardKey, ...] = ()
    help: str = ""
    checkable: bool = False
    data: str | None = None


A = ActionSpec
ACTIONS: tuple[ActionSpec, ...] = (
    # File
    A("import_files", "&Import Files…", (Key.Open,), "Import article files into the library"),
    A("import_folder", "Import &Folder…", ("Ctrl+Shift+O",), "Import every article in a folder"),
    A("export", "&Export Annotations…", ("Ctrl+E",), "Write passages as Markdown, W3C JSON or CSV"),
    A(
        "import_annotations",
        "Import A&nnotations…",
        ("Ctrl+Shift+I",),
        "Read passages from W3C JSON or CSV, Hypothesis or Readwise exports",
    ),
    A("reindex", "&Rebuild Search Index", ("Ctrl+Shift+R",), "Rebuild the search index"),
    A("backup_now", "&Back Up Now", (), "Make a verified backup of the library now"),
    A("restore_backup", "Restore from Bac&kup…", (), "Put back the library from a backup"),
    A(
        "restore_annotations",
        "Restore Passages from &Annotation Files…",
        (),
        "Put back passages from the copies kept in the annotations folder",
    ),
    A("quit", "&Quit", ("Ctrl+Q", Key.Quit), "Close Gloss"),
    # Library
    A(
        "watched_folders",
        "&Watched Folders…",
        (),
        "Folders whose new and changed files are imported while Gloss runs",
    ),
    A(
        "unsaved_links",
        "&Unsaved Links…",
        (),
        "Links read-later exports listed without their text (never fetched)",
    ),
    # Edit
    A("undo", "&Undo", (Key.Undo,), "Undo the last change to a passage"),
    A("redo", "&Redo", ("Ctrl+Shift+Z", Key.Redo), "Redo what was undone"),
    A("copy_quote", "Copy as &Quote", ("Ctrl+Shift+C",), "Copy the passage with its citation"),
    A("find", "&Find in Article…", (Key.Find,), "Find words in the open article"),
    A("find_next", "Find &Next", ("F3",), "Go to the next match"),
    A("find_previous", "Find Pre&vious", ("Shift+F3",), "Go to the previous match"),
    A("search", "&Search Library", ("Ctrl+K", "/"), "Search articles and passages"),
    A("save_search", "Sa&ve Search…", ("Ctrl+S",), "Keep the current search in the sidebar"),
    A("colour_legend", "Colour &Legend…", (), "Name what each highlight colour means"),
    A("digest", "&Digest…", ("Ctrl+Shift+D",), "Every passage matching a search, in one document"),
    A("explain_hit", "&Why This Matched…", ("Ctrl+I",), "Why the chosen search result matched"),
    # Passage
    A("highlight", "&Highlight", ("H",), "Highlight the selection in the last colour"),
    A("color_yellow", "Yellow", ("1",), "Highlight in yellow", data="yellow"),
    A("color_green", "Green", ("2",), "Highlight in green", data="green"),
    A("color_blue", "Blue", ("3",), "Highlight in blue", data="blue"),
    A("color_pink", "Pink", ("4",), "Highlight in pink", data="pink"),
    A("color_purple", "Purple", ("5",), "Highlight in purple", data="purple"),
    A("color_underline", "Underline", ("6",), "Underline instead of highlight", data="underline"),
    A("note", "Add &Note…", ("N",), "Write a note on the selection or passage"),
    A("tags", "Add &Tags…", ("T",), "Tag the selection or passage"),
    A("change_extent", "Change &Extent", ("E",), "Move the passage to the selected words"),
    A("delete_passage", "&Delete Passage", (Key.Delete,), "Delete the current passage"),
    A("passage_history", "Passage Hi&story…", (), "Every version of the passage; restore any"),
    A("article_tags", "Article T&ags…", ("Ctrl+T",), "Tag the whole open article"),
    A(
        "anchoring_report",
        "Anchoring &Report…",
        (),
        "What re-importing the article did to its passages",
    ),
    # View
    A("next_article", "Ne&xt Article", ("J",), "Open the next article in the list"),
    A("previous_article", "Pre&vious Article", ("K",), "Open the previous article in the list"),
    A("zoom_in", "&Larger Text", ("Ctrl+=", Key.ZoomIn), "Make the text larger"),
    A("zoom_out", "&Smaller Text", (Key.ZoomOut,), "Make the text smaller"),
    A("zoom_reset", "&Actual Size", ("Ctrl+0",), "Reset the text size"),
    A("theme_light", "Light Theme", ("Ctrl+Alt+L",), "Dark text on white", True, "light"),
    A("theme_sepia", "Sepia Theme", ("Ctrl+Alt+S",), "Dark text on warm paper", True, "sepia"),
    A("theme_dark", "Dark Theme", ("Ctrl+Alt+D",), "Light text on dark grey", True, "dark"),
    A("show_passages", "&Passages Panel", ("F9",), "Show or hide the passages panel", True),
    A("show_sidebar", "Si&debar", ("Ctrl+Shift+B",), "Show or hide the sidebar", True),
    A("passages_browser", "All Passages", ("Ctrl+Shift+P",), "Browse every passage"),
    A("show_trash", "&Trash", (), "Deleted passages, to restore or forget"),
    A("focus_list", "Go to &List", ("Ctrl+L",), "Move the keyboard focus to the article list"),
    A("focus_reader", "Go to &Reader", ("Ctrl+R",), "Move the keyboard focus to the text"),
    # Help
    A("shortcuts", "&Keyboard Shortcuts", ("?", Key.HelpContents), "List every shortcut"),
    A("about", "&About Gloss", ("Ctrl+Shift+F1",), "Versions and licence"),
)
del A

MENUS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    (
        "&File",
        (
            "import_files",
            "import_folder",
            None,
            "export",
            "import_annotations",
            None,
            "backup_now",
            "restore_backup",
            "restore_annotations",
            None,
            "reindex",
            None,
            "quit",
        ),
    ),
    ("&Library", ("watched_folders", "unsaved_links")),
    (
        "&Edit",
        (
            "undo",
            "redo",
            None,
            "copy_quote",
            None,
            "find",
            "find_next",
            "find_previous",
            None,
            "search",
            "save_search",
            "digest",
            "explain_hit",
            None,
            "colour_legend",
        ),
    ),
    (
        "&Passage",
        (
            "highlight",
            "color_yellow",
            "color_green",
            "color_blue",
            "color_pink",
            "color_purple",
            "color_underline",
            None,
            "note",
            "tags",
            "change_extent",
            "passage_history",
            None,
            "delete_passage",
            None,
            "article_tags",
            "anchoring_report",
        ),
    ),
    (
        "&View",
        (
            "next_article",
            "previous_article",
            None,
            "zoom_in",
            "zoom_out",
            "zoom_reset",
            None,
            "theme_light",
            "theme_sepia",
            "theme_dark",
            None,
            "show_sidebar",
            "show_passages",
            "passages_browser",
            "show_trash",
            None,
            "focus_list",
            "focus_reader",
        ),
    ),
    ("&Help", ("shortcuts", None, "about")),
)

COLOR_ACTIONS = (
    "color_yellow",
    "color_green",
    "color_blue",
    "color_pink",
    "color_purple",
    "color_underline",
)
# What the floating bar beside a selection offers, and the reader's context menu.
POPUP_ACTIONS = (*COLOR_ACTIONS[:5], "note", "tags")
CONTEXT_ACTIONS: tuple[str | None, ...] = (
    "highlight",
    *COLOR_ACTIONS,
    None,
    "note",
    "tags",
    "change_extent",
    "copy_quote",
    "passage_history",
    None,
    "delete_passage",
    None,
    "article_tags",
    "anchoring_report",
)


def key_sequences(spec: ActionSpec) -> list[QKeySequence]:
    """The shortcuts of an action as key sequences, StandardKeys expanded, duplicates dropped."""
    seen: list[QKeySequence] = []
    for shortcut in spec.shortcuts:
        if isinstance(shortcut, str):
            expanded = [QKeySequence(shortcut)]
        else:
            expanded = QKeySequence.keyBindings(shortcut)
        for seq in expanded:
            if not seq.isEmpty() and seq not in seen:
                seen.append(seq)
    return seen


def shortcut_text(spec: ActionSpec) -> str:
    """The shortcuts as the user reads them, e.g. 'Ctrl+K, /' (the dedicated Undo, Open …
    keys of some keyboards still work but are not listed)."""
    shown = [seq for seq in key_sequences(spec) if not _media_key(seq)]
    return ", ".join(seq.toString(QKeySequence.SequenceFormat.NativeText) for seq in shown)


def _media_key(seq: QKeySequence) -> bool:
    return seq.count() > 0 and seq[0].key().value >= Qt.Key.Key_Back.value


SPECS: dict[str, ActionSpec] = {spec.id: spec for spec in ACTIONS}


class ActionRegistry(QObject):
    """The QActions of one window, created from the table, looked up by id."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.actions: dict[str, QAction] = {}
        self.theme_group = QActionGroup(self)
        self.theme_group.setExclusive(True)
        for spec in ACTIONS:
            action = QAction(spec.text, parent)
            action.setObjectName(f"action_{spec.id}")
            action.setShortcuts(key_sequences(spec))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setStatusTip(spec.help)
            action.setToolTip(spec.help)
            action.setCheckable(spec.checkable)
            if spec.data is not None:
                action.setData(spec.data)
            if spec.id.startswith("theme_"):
                self.theme_group.addAction(action)
            self.actions[spec.id] = action

    def __getitem__(self, action_id: str) -> QAction:
        return self.actions[action_id]

    def items(self, ids: tuple[str | None, ...]) -> list[QAction | None]:
        """Actions for a list of ids, None kept as a separator."""
        return [None if i is None else self.actions[i] for i in ids]
