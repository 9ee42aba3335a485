"""The colour legend in the window: a name for each highlight colour, renamed in one dialog.

A colour means what the reader calls it ("question", "evidence"), so its name
shows wherever the colour does: the colour commands of the Passage menu and of
the selection popup ("Blue — question"), the colour buttons and rows of the
passages panel, the passages browser and the search results. `color:NAME`
works in the query box because the engine reads the same legend.

`LegendActions` (one per window) keeps the current names, opens the dialog and
pushes a new legend to every place that shows it, without a restart.

Signals:
    LegendActions.changed(dict): the new legend, {colour: name} in palette order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from index import DEFAULT_NAMES, MAX_NAME_LENGTH
from ui.common.models import color_label
from ui.common.plain import plain_label
from ui.passages.passages import swatch_icon
from ui.passages.undo import REFUSALS
from ui.window.actions import COLOR_ACTIONS
from ui.window.notices import read_only_reason, sentence
from ui.window.themes import HIGHLIGHT_COLORS, LIGHT, Theme

if TYPE_CHECKING:  # the engine's Library loads with the library, not with the window's code
    from index import Library

# apply(changes, saved, refused): write the names, then call one of the two (GUI thread).
Apply = Callable[[dict[str, str], Callable[[], None], Callable[[str], None]], None]


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def legend_problem(names: dict[str, str]) -> str:
    """Why a whole legend cannot be saved ("" when it can): a name used twice, or a name
    that is another colour's word (`color:NAME` would then mean two colours)."""
    seen: dict[str, str] = {}
    for color, name in names.items():
        key = _key(name)
        if key in HIGHLIGHT_COLORS and key != color:
            return f"“{name}” is already a colour of the palette."
        if key in seen:
            return f"“{name}” names both {seen[key]} and {color}: choose two different names."
        seen[key] = color
    return ""


def save_legend(library: Library, changes: dict[str, str]) -> dict[str, str]:
    """Write the changed names (empty = default) and return the new legend.

    Names may move between colours (blue's name to green and green's to blue):
    a colour whose new name another colour still holds waits for it to let go,
    and when each waits on the other both are first set to a neutral name.
    """
    pending = {c: " ".join(n.split()) for c, n in changes.items()}
    legend = library.legend()
    parked: set[str] = set()
    while pending:
        holder = {_key(name): color for color, name in legend.items()}
        free = [c for c, n in pending.items() if holder.get(_key(n or DEFAULT_NAMES[c]), c) == c]
        for color in free:
            legend = library.set_legend(color, pending.pop(color) or None)
        if free or not pending:
            continue
        color = next((c for c in pending if c not in parked), None)
        if color is None:  # held by colours that keep their names: the engine says why
            color = next(iter(pending))
            legend = library.set_legend(color, pending.pop(color) or None)
        else:  # each waits on another: park one on a name nobody uses
            parked.add(color)
            legend = library.set_legend(color, f"{color} (being renamed)")
    return legend


class LegendDialog(QDialog):
    """One line per colour: its swatch, its palette word and the name the reader gives it."""

    def __init__(
        self,
        parent: QWidget,
        names: dict[str, str],
        apply: Apply,
        *,
        theme: Theme = LIGHT,
        read_only: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("legendDialog")
        self.setWindowTitle("Colour Legend")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.names = dict(names)
        self._apply = apply
        intro = plain_label(
            "Name what each colour means to you. The names show beside your passages and "
            "work in searches: color:question finds the passages of the colour named "
            "“question”. An empty name goes back to the default.",
            self,
        )
        intro.setWordWrap(True)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(2, 1)
        self.fields: dict[str, QLineEdit] = {}
        for row, color in enumerate(HIGHLIGHT_COLORS):
            swatch = QLabel(self)
            icon = swatch_icon(theme.highlight(color), underline=color == "underline", size=18)
            swatch.setPixmap(icon.pixmap(18, 18))
            word = plain_label(color.capitalize(), self)
            word.setMinimumWidth(word.fontMetrics().horizontalAdvance("Underline") + 4)
            field = QLineEdit(self)
            field.setObjectName(f"legend_{color}")
            field.setMaxLength(MAX_NAME_LENGTH)
            field.setPlaceholderText(DEFAULT_NAMES[color])
            field.setClearButtonEnabled(True)
            field.setText(names.get(color) or DEFAULT_NAMES[color])
            field.setReadOnly(bool(read_only))
            word.setBuddy(field)
            grid.addWidget(swatch, row, 0)
            grid.addWidget(word, row, 1)
            grid.addWidget(field, row, 2)
            self.fields[color] = field
        self.error = plain_label("", self)
        self.error.setObjectName("legendError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("QLabel { color: #b3261e; }")
        self.error.setVisible(bool(read_only))
        if read_only:
            self.error.setText(sentence(read_only))
        self.buttons = QDialogButtonBox(self)
        if read_only:
            self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        else:
            self.buttons.addButton(QDialogButtonBox.StandardButton.Save)
            self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
            self.defaults_button = QPushButton("Use &Defaults", self)
            self.defaults_button.setObjectName("legendDefaults")
            self.defaults_button.clicked.connect(self.use_defaults)
            self.buttons.addButton(self.defaults_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.read_only = bool(read_only)
        self.resize(480, self.sizeHint().height())

    def wanted(self) -> dict[str, str]:
        """The legend as typed: every colour with its name (the default where left empty)."""
        return {
            color: " ".join(field.text().split()) or DEFAULT_NAMES[color]
            for color, field in self.fields.items()
        }

    def changes(self) -> dict[str, str]:
        """Only the colours whose name differs from now ("" for back to the default)."""
        return {
            color: "" if name == DEFAULT_NAMES[color] else name
            for color, name in self.wanted().items()
            if name != self.names.get(color)
        }

    @Slot()
    def use_defaults(self) -> None:
        for color, field in self.fields.items():
            field.setText(DEFAULT_NAMES[color])

    def show_error(self, message: str) -> None:
        self.error.setText(sentence(message))
        self.error.setVisible(True)

    def accept(self) -> None:
        """Save, then close; a refusal is told inside the dialog, which stays open."""
        if self.read_only:
            super().accept()
            return
        problem = legend_problem(self.wanted())
        if problem:
            self.show_error(problem)
            return
        changes = self.changes()
        if not changes:
            super().accept()
            return
        self.buttons.setEnabled(False)  # until the writer answers (a moment)

        def refused(message: str) -> None:
            self.buttons.setEnabled(True)
            self.show_error(message)

        self._apply(changes, super().accept, refused)


class LegendActions(QObject):
    """Edit › Colour Legend… and the legend's names wherever the window shows a colour."""

    changed = Signal(dict)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: LegendDialog | None = None
        try:
            self.names = window.library.legend()
        except REFUSALS:
            self.names = dict(DEFAULT_NAMES)
        window.registry["colour_legend"].triggered.connect(self.open_dialog)
        window.passages.legend_requested.connect(self.open_dialog)
        window.browser.color_menu.aboutToShow.connect(self._label_browser_menu)
        self.show_names(self.names)

    @Slot()
    def open_dialog(self) -> LegendDialog:
        window = self.window
        theme = getattr(window, "theme", LIGHT)
        reason = read_only_reason(window.library)
        self.dialog = LegendDialog(window, self.names, self.save, theme=theme, read_only=reason)
        self.dialog.open()
        return self.dialog

    def save(
        self, changes: dict[str, str], saved: Callable[[], None], refused: Callable[[str], None]
    ) -> None:
        """Write the names on the writer; once stored, show them everywhere and call
        `saved()`; a refusal (a clash, a read-only library) goes to `refused(message)`."""
        window = self.window

        def done(names: dict[str, str], _changes: object) -> None:
            self.show_names(names)
            window.show_message("Colour names saved.")
            saved()

        window.writer.submit(
            lambda: save_legend(window.library, changes), done=done, refused=refused
        )

    def show_names(self, names: dict[str, str]) -> None:
        """Put the names everywhere a colour is shown, and redraw what shows them."""
        self.names = dict(names)
        window = self.window
        registry = window.registry
        for action_id in COLOR_ACTIONS:
            action = registry[action_id]
            color = action.data()
            label = color_label(color, names)
            action.setText(label)
            verb = "Underline" if color == "underline" else f"Highlight in {color}"
            action.setToolTip(f"{verb} — {names.get(color, color)}")
            action.setStatusTip(action.toolTip())
        for color, button in window.passages.color_buttons.items():
            button.setToolTip(color_label(color, names))
        for delegate in (window.passages.delegate, window.browser.delegate):
            delegate.names = dict(names)
        window.passages.model.names = dict(names)
        results = window.search_panel.delegate
        results.names = dict(names)
        results.clear_cache()
        window.search_panel.view.scheduleDelayedItemsLayout()
        window.load_passages()
        if window.middle.currentWidget() is window.browser:
            window.refresh_browser()
        self.changed.emit(dict(names))

    @Slot()
    def _label_browser_menu(self) -> None:
        """The browser rebuilds its colour menu with each theme: name its entries on show."""
        for action, color in zip(
            self.window.browser.color_menu.actions(), HIGHLIGHT_COLORS, strict=False
        ):
            action.setText(color_label(color, self.names))
