"""Undoable passage changes: create, edit (colour, note, tags, extent) and delete.

A command never writes on the GUI thread. Its `apply(library)` and
`revert(library)` run on the window's writer (ui/common/writer.py) and return
`(article id, passage id to show or "")`; the answer comes back on the GUI
thread, which then redraws what changed. `preview(passages)` paints the change
at once over the reader's passages, before the write lands; when the engine
refuses the write, the window reloads the truth from the library (the
painting rolls back) and tells the reason in one line.

Undo goes through `Library.take_back`: the passage returns exactly to its version
before (id, selectors, times), and the undone change's version is forgotten, so
undo and redo add nothing to a passage's history beyond the changes themselves
(a redo makes its change again and records it again). Undoing a highlight leaves
no passage, and nothing in the trash. A new passage's id is chosen here, so its
painting and the stored passage share it.

The controller starts a command with `start()`; it reaches the undo stack only
once the write has landed (a refused change never does), and the stack's own
first `redo()` is then a no-op.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from index import Annotation
from ui.common.writer import REFUSALS, Writer

if TYPE_CHECKING:  # the engine's Library loads with the library, not with the window's code
    from index import Library

Notify = Callable[[int, str], None]
Outcome = tuple[int, str]
Passages = dict[str, Annotation]


class PassageCommand(QUndoCommand):
    """A change with `apply(library)` and `revert(library)`, run on the writer thread.

    `on_error(message)` hears a refusal; `notify(article_id, passage_id)` redraws.
    """

    on_error: Callable[[str], None] | None = None
    article_id: int = 0

    def __init__(self, label: str, writer: Writer, notify: Notify) -> None:
        super().__init__(label)
        self.writer, self.notify = writer, notify
        self._skip_redo = False

    # -- the GUI thread -------------------------------------------------------------------

    def start(
        self, landed: Callable[[PassageCommand], None], then: Callable[[], None] | None = None
    ) -> None:
        """Send the change to the writer; once stored: `landed(self)`, the redraw, `then()`."""

        def done(outcome: Outcome, _changes: Any) -> None:
            self._skip_redo = True
            landed(self)
            self._show(outcome)
            if then is not None:
                then()

        self.writer.submit(lambda: self.apply(self.writer.library), done=done, refused=self._told)

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._send(self.apply)

    def undo(self) -> None:
        self._send(self.revert)

    def _send(self, step: Callable[[Library], Outcome]) -> None:
        self.writer.submit(
            lambda: step(self.writer.library),
            done=lambda outcome, _changes: self._show(outcome),
            refused=self._told,
        )

    def _show(self, outcome: Outcome) -> None:
        self.notify(*outcome)

    def _told(self, message: str) -> None:
        """Refused: the truth is reloaded (any painting rolls back), the reason told."""
        self.notify(self.article_id, "")
        if self.on_error is not None:
            self.on_error(message)

    def preview(self, passages: Passages) -> Passages:
        """The reader's passages as they will be once the change lands (GUI thread)."""
        return passages

    # -- the writer thread ----------------------------------------------------------------

    def apply(self, library: Library) -> Outcome:
        raise NotImplementedError

    def revert(self, library: Library) -> Outcome:
        raise NotImplementedError


class CreatePassage(PassageCommand):
    """Highlight [start, end) of an article, with a colour and optionally a note and tags."""

    def __init__(
        self,
        writer: Writer,
        notify: Notify,
        article_id: int,
        start: int,
        end: int,
        *,
        color: str,
        note: str = "",
        tags: tuple[str, ...] = (),
        text: str = "",
    ) -> None:
        super().__init__("Highlight", writer, notify)
        self.article_id = article_id
        self.span = (start, end)
        self.fields = {"color": color, "note": note, "tags": tags}
        self.new_id = str(uuid.uuid4())
        self.text = text
        self.passage: Annotation | None = None

    def preview(self, passages: Passages) -> Passages:
        start, end = self.span
        drawn = Annotation(
            self.new_id,
            self.article_id,
            start,
            end,
            self.text[start:end],
            "",
            "",
            color=str(self.fields["color"]),
            note=str(self.fields["note"]),
            tags=list(self.fields["tags"]),
        )
        return {**passages, self.new_id: drawn}

    def apply(self, library: Library) -> Outcome:
        if self.passage is None:
            self.passage = library.annotate(
                self.article_id, *self.span, annotation_id=self.new_id, **self.fields
            )
        else:
            self.passage = library.restore_annotation(self.passage)
        return self.article_id, self.passage.id

    def revert(self, library: Library) -> Outcome:
        assert self.passage is not None
        library.take_back(self.passage.id, self.passage)  # gone, not in the trash
        return self.article_id, ""


EDIT_LABELS = {"color": "Change Colour", "note": "Edit Note", "tags": "Edit Tags"}


class EditPassage(PassageCommand):
    """Change some of a passage's colour, note, tags or extent; undo puts back the rest."""

    def __init__(self, writer: Writer, notify: Notify, before: Annotation, **changes: Any) -> None:
        first = next(iter(changes))
        label = "Change Extent" if "start" in changes else EDIT_LABELS.get(first, "Edit")
        super().__init__(label, writer, notify)
        self.article_id = before.article_id
        self.before = before
        self.changes = changes
        self.after: Annotation | None = None

    def preview(self, passages: Passages) -> Passages:
        if self.before.id not in passages:
            return passages
        shown = {k: v for k, v in self.changes.items() if k in ("color", "note", "start", "end")}
        if "tags" in self.changes:
            shown["tags"] = list(self.changes["tags"])
        return {**passages, self.before.id: dataclasses.replace(self.before, **shown)}

    def apply(self, library: Library) -> Outcome:
        self.after = library.update_annotation(self.before.id, **self.changes)
        # An edit leaves the choice where the user has it (it may have moved on already).
        return self.after.article_id, ""

    def revert(self, library: Library) -> Outcome:
        assert self.after is not None
        library.take_back(self.before.id, self.after)  # extent, quote and all
        return self.before.article_id, self.before.id


class DeletePassages(PassageCommand):
    """Delete one or more passages; undo restores each exactly."""

    def __init__(self, writer: Writer, notify: Notify, befores: list[Annotation]) -> None:
        count = len(befores)
        super().__init__(
            "Delete Passage" if count == 1 else f"Delete {count} Passages", writer, notify
        )
        self.befores = list(befores)
        self.article_id = befores[0].article_id if befores else 0
        self.deleted: list[Annotation] = []

    def preview(self, passages: Passages) -> Passages:
        gone = {p.id for p in self.befores}
        return {k: v for k, v in passages.items() if k not in gone}

    def apply(self, library: Library) -> Outcome:
        deleted: list[Annotation] = []
        try:
            for before in self.befores:
                deleted.append(library.delete_annotation(before.id))
        except REFUSALS:
            # All or nothing: the ones already deleted come back before the refusal is told.
            all_or_nothing(deleted, library.restore_annotation)
            raise
        self.deleted = deleted
        return self.article_id, ""

    def revert(self, library: Library) -> Outcome:
        restored: list[Annotation] = []
        try:
            for passage in reversed(self.deleted):
                back = library.take_back(passage.id, passage)
                if back is not None:
                    restored.append(back)
        except REFUSALS:
            all_or_nothing(restored, lambda p: library.delete_annotation(p.id))
            raise
        return self.article_id, restored[-1].id if restored else ""


class EditMany(PassageCommand):
    """The same change (colour or tags added) to many passages, undone as one step."""

    def __init__(
        self, writer: Writer, notify: Notify, label: str, befores: list[Annotation], **changes
    ):
        super().__init__(label, writer, notify)
        self.befores = befores
        self.article_id = befores[0].article_id if befores else 0
        self.color = changes.get("color")
        self.add_tags = tuple(changes.get("add_tags", ()))
        self.afters: list[Annotation] = []

    def _tags(self, before: Annotation) -> list[str] | None:
        if not self.add_tags:
            return None
        known = {t.casefold() for t in before.tags}
        return list(before.tags) + [t for t in self.add_tags if t.casefold() not in known]

    def preview(self, passages: Passages) -> Passages:
        out = dict(passages)
        for before in self.befores:
            if before.id in out:
                tags = self._tags(before)
                out[before.id] = dataclasses.replace(
                    before,
                    color=self.color or before.color,
                    tags=before.tags if tags is None else tags,
                )
        return out

    def apply(self, library: Library) -> Outcome:
        changed: list[Annotation] = []
        afters: list[Annotation] = []
        try:
            for before in self.befores:
                tags = self._tags(before)
                afters.append(library.update_annotation(before.id, color=self.color, tags=tags))
                changed.append(before)
        except REFUSALS:
            all_or_nothing(changed, lambda before: self._put_back(library, before))
            raise
        self.afters = afters
        return self.article_id, ""

    def revert(self, library: Library) -> Outcome:
        for after in reversed(self.afters):
            library.take_back(after.id, after)
        return self.article_id, ""

    @staticmethod
    def _put_back(library: Library, before: Annotation) -> None:
        library.update_annotation(
            before.id, color=before.color, note=before.note, tags=list(before.tags)
        )


def all_or_nothing(done: list[Any], undo_one: Callable[[Any], Any]) -> None:
    """After a refusal part way through a change of many passages: undo the part that was
    made (as far as the library lets us), so what is stored is what was there before."""
    for passage in reversed(done):
        try:
            undo_one(passage)
        except REFUSALS:
            break  # the same cause refuses this too: the reload shows what stays changed
