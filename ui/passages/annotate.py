"""What the highlight commands do: selection or current passage in, undoable changes out.

The controller knows the open article, the reader's selection and the current
passage. Every change is a command (ui/passages/undo.py): painted in the reader
at once, written on the window's writer thread, and kept on the undo stack once
it is stored; then `changed(article_id, passage_id)` tells the window what to
redraw. A refused write rolls the painting back and is told in one line.

Signals:
    changed(int, str): an article's passages changed; the id is the passage to show ("" none).
    message(str): a short line for the status bar.
    failed(str): the Library refused a change (read-only, disk full …): tell the user.
    trashed(int): that many passages were just moved to the trash (undoable).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QGuiApplication, QUndoStack
from PySide6.QtWidgets import QWidget

from ui.common.writer import Writer
from ui.passages.passage_dialogs import NoteDialog, TagsDialog
from ui.passages.undo import (
    REFUSALS,
    CreatePassage,
    DeletePassages,
    EditMany,
    EditPassage,
    PassageCommand,
)
from ui.reader.reader import ReaderView
from ui.reader.reader_parts import format_date

if TYPE_CHECKING:  # the engine's Library loads with the library, not with the window's code
    from index import Library


def citation(title: str, author: str | None, date: str | None) -> str:
    """'Title', Author, 13 January 2023 — the parts that are known."""
    parts = [title or "Untitled"]
    if author:
        parts.append(author)
    if date:
        parts.append(format_date(date))
    return ", ".join(parts)


def quote_with_citation(text: str, title: str, author: str | None, date: str | None) -> str:
    """A passage as a quote followed by its citation on the next line."""
    return f"“{' '.join(text.split())}”\n— {citation(title, author, date)}"


class PassageController(QObject):
    """Turns highlight commands into undoable Library calls."""

    changed = Signal(int, str)
    message = Signal(str)
    failed = Signal(str)
    trashed = Signal(int)

    def __init__(self, library: Library, writer: Writer, reader: ReaderView, window: QWidget):
        super().__init__(window)
        self.library = library
        self.writer = writer
        self.reader = reader
        self.window = window
        self.undo_stack = QUndoStack(self)
        self.article: Any = None
        self.current_id: str | None = None
        self.last_color = "yellow"

    def push(self, command: PassageCommand, then: Callable[[], None] | None = None) -> bool:
        """Paint the change now, write it on the writer; once stored, keep it for undo and
        call `then()`.

        A refusal reloads the passages as stored (the painting rolls back) and is
        reported through `failed`, never raised."""
        command.on_error = self.failed.emit
        if self.article is not None and command.article_id == self.article.id:
            painted = command.preview(dict(self.reader.annotations))
            self.reader.set_annotations(list(painted.values()), self.reader.active_id)
        command.start(self.undo_stack.push, then)
        return True

    def notify(self, article_id: int, passage_id: str) -> None:
        """After a command: a passage id moves the choice to it; "" leaves the choice alone
        (a deleted passage simply drops out of it)."""
        if passage_id:
            self.current_id = passage_id
        self.changed.emit(article_id, passage_id)

    def set_article(self, article: Any) -> None:
        self.article = article
        self.current_id = None

    @Slot(str)
    def set_current(self, passage_id: str) -> None:
        self.current_id = passage_id or None

    def current(self) -> Any:
        """The current passage as the reader shows it (a change not yet stored included)."""
        if not self.current_id:
            return None
        shown = self.reader.annotations.get(self.current_id)
        if shown is not None:
            return shown
        try:
            return self.library.get_annotation(self.current_id)
        except REFUSALS:  # deleted meanwhile
            self.current_id = None
            return None

    # --- from the reader's selection -------------------------------------------------

    def highlight(self, color: str | None = None) -> bool:
        """Highlight the selection (in `color`, or the last colour); with no selection,
        recolour the current passage. True when something changed."""
        span = self.reader.selection_range() if self.article is not None else None
        if span is None:
            passage = self.current()
            if passage is not None and color and color != passage.color:
                self.edit(passage.id, color=color)
                self.last_color = color
                return True
            if self.article is not None:
                self.message.emit("Select some words first, then press H or 1–6.")
            return False
        color = color or self.last_color
        self.last_color = color
        self._create(span, color=color)
        return True

    def _create(self, span: tuple[int, int], **fields: Any) -> None:
        fields.setdefault("color", self.last_color)
        command = CreatePassage(
            self.writer, self.notify, self.article.id, *span, text=self.reader.text, **fields
        )
        self.push(command)
        self.reader.clear_selection()

    def _target(self) -> tuple[tuple[int, int] | None, Any, str] | None:
        """What a note or tags go on: (selection, None, its words) for a new passage, or
        (None, passage, its quote); None (and a message) when there is neither."""
        span = self.reader.selection_range() if self.article is not None else None
        passage = None if span else self.current()
        if span is None and passage is None:
            self.message.emit("Select some words or a passage first.")
            return None
        quote = self.reader.text[span[0] : span[1]] if span else passage.exact
        return span, passage, quote

    def add_note(self) -> NoteDialog | None:
        """Ask for a note: on the selection (a new passage) or on the current passage."""
        target = self._target()
        if target is None:
            return None
        span, passage, quote = target
        dialog = NoteDialog(self.window, quote, passage.note if passage else "")

        def submitted(note: str) -> None:
            if span:
                self._create(span, note=note)
            elif note != passage.note:
                self.edit(passage.id, note=note)

        dialog.submitted.connect(submitted)
        dialog.open()
        return dialog

    def add_tags(self) -> TagsDialog | None:
        """Ask for tags: on the selection (a new passage) or on the current passage."""
        target = self._target()
        if target is None:
            return None
        span, passage, quote = target
        known = [name for name, _count in self.library.tags()]
        dialog = TagsDialog(self.window, quote, list(passage.tags) if passage else [], known)

        def submitted(tags: list[str]) -> None:
            if span:
                self._create(span, tags=tuple(tags))
            else:
                self.edit(passage.id, tags=tags)

        dialog.submitted.connect(submitted)
        dialog.open()
        return dialog

    def change_extent(self) -> bool:
        """Move the current passage (or re-attach an orphaned one) to the selected words."""
        span = self.reader.selection_range() if self.article is not None else None
        passage = self.current()
        if span is None or passage is None or passage.article_id != self.article.id:
            self.message.emit("Choose a passage, select the words it should cover, then press E.")
            return False
        self.push(EditPassage(self.writer, self.notify, passage, start=span[0], end=span[1]))
        self.reader.clear_selection()
        return True

    # --- on passages by id ------------------------------------------------------------

    def _passages(self, ids: list[str]) -> list[Any] | None:
        """The passages as they are now (as painted, when the reader shows them); None (and
        the user told) when one is gone."""
        try:
            return [self.reader.annotations.get(i) or self.library.get_annotation(i) for i in ids]
        except REFUSALS as error:
            self.failed.emit(str(error))
            return None

    def edit(self, passage_id: str, **changes: Any) -> None:
        """Change a passage's colour, note, tags or extent (one undoable step)."""
        found = self._passages([passage_id])
        if found:
            self.push(EditPassage(self.writer, self.notify, found[0], **changes))

    @Slot(str, str)
    def edit_color(self, passage_id: str, color: str) -> None:
        self.edit(passage_id, color=color)

    @Slot(str, str)
    def edit_note(self, passage_id: str, note: str) -> None:
        self.edit(passage_id, note=note)

    @Slot(str, list)
    def edit_tags(self, passage_id: str, tags: list) -> None:
        self.edit(passage_id, tags=list(tags))

    @Slot(str, int, int)
    def drag_extent(self, passage_id: str, start: int, end: int) -> None:
        self.edit(passage_id, start=start, end=end)

    def delete(self, ids: list[str] | None = None) -> bool:
        """Delete the given passages (or the current one), as one undoable step."""
        ids = ids if ids is not None else ([self.current_id] if self.current_id else [])
        if not ids:
            self.message.emit("Choose a passage to delete.")
            return False
        befores = self._passages(ids)
        if not befores:
            return False
        count = len(befores)
        self.push(
            DeletePassages(self.writer, self.notify, befores),
            then=lambda: self.trashed.emit(count),  # once it is stored: said, with Undo
        )
        return True

    @Slot(str)
    def delete_one(self, passage_id: str) -> None:
        self.delete([passage_id])

    def recolor_many(self, ids: list[str], color: str) -> None:
        befores = self._passages(ids)
        if befores is None:
            return
        self.push(EditMany(self.writer, self.notify, "Change Colour", befores, color=color))

    def tag_many(self, ids: list[str], tags: list[str]) -> None:
        befores = self._passages(ids)
        if befores is None:
            return
        self.push(EditMany(self.writer, self.notify, "Add Tags", befores, add_tags=tuple(tags)))

    def copy_quote(self) -> str:
        """Copy the selection (or the current passage) with its citation; returns the text."""
        if self.article is None:
            return ""
        span = self.reader.selection_range()
        passage = None if span else self.current()
        if span:
            text = self.reader.text[span[0] : span[1]]
        elif passage is not None:
            text = passage.exact
        else:
            self.message.emit("Select some words or a passage to copy.")
            return ""
        quoted = quote_with_citation(
            text, self.article.title, self.article.author, self.article.date
        )
        QGuiApplication.clipboard().setText(quoted)
        self.message.emit("Copied the quote with its citation.")
        return quoted
