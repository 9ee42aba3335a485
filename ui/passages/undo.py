"""Undoable passage changes: create, edit (colour, note, tags, extent) and delete.

Each command talks to the Library and then calls `notify(article_id, id)` so
the window redraws what changed. A deleted passage comes back through
`Library.restore_annotation` with its id, selectors and times, so undo after
delete (and redo after undo of a create) gives back the very same passage.

The controller calls `run()` before pushing a command: a change the Library
refuses (read-only library, disk full, a passage gone) raises there and never
reaches the undo stack. The stack's own first `redo()` is then a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from index import AnnotationError, StoreError

Notify = Callable[[int, str], None]
# What the Library raises for a change it refuses: shown to the user, never a crash.
REFUSALS = (StoreError, AnnotationError)


class PassageCommand(QUndoCommand):
    """A change with `apply()` and `revert()`; errors on undo or redo go to `on_error`."""

    on_error: Callable[[str], None] | None = None

    def run(self) -> None:
        """Make the change now (raises what the Library raises); the next redo() is skipped."""
        self.apply()
        self._ran = True

    def redo(self) -> None:
        if getattr(self, "_ran", False):
            self._ran = False
            return
        self._guard(self.apply)

    def undo(self) -> None:
        self._guard(self.revert)

    def _guard(self, step: Callable[[], None]) -> None:
        try:
            step()
        except REFUSALS as error:
            if self.on_error is not None:
                self.on_error(str(error))
            self.setObsolete(True)

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError


class CreatePassage(PassageCommand):
    """Highlight [start, end) of an article, with a colour and optionally a note and tags."""

    def __init__(
        self,
        library: Any,
        notify: Notify,
        article_id: int,
        start: int,
        end: int,
        *,
        color: str,
        note: str = "",
        tags: tuple[str, ...] = (),
    ) -> None:
        super().__init__("Highlight")
        self.library, self.notify = library, notify
        self.args = (article_id, start, end)
        self.fields = {"color": color, "note": note, "tags": tags}
        self.passage: Any = None

    def apply(self) -> None:
        if self.passage is None:
            self.passage = self.library.annotate(*self.args, **self.fields)
        else:
            self.passage = self.library.restore_annotation(self.passage)
        self.notify(self.passage.article_id, self.passage.id)

    def revert(self) -> None:
        self.passage = self.library.delete_annotation(self.passage.id)
        self.notify(self.passage.article_id, "")


EDIT_LABELS = {"color": "Change Colour", "note": "Edit Note", "tags": "Edit Tags"}


class EditPassage(PassageCommand):
    """Change some of a passage's colour, note, tags or extent; undo puts back the rest."""

    def __init__(self, library: Any, notify: Notify, before: Any, **changes: Any) -> None:
        first = next(iter(changes))
        label = "Change Extent" if "start" in changes else EDIT_LABELS.get(first, "Edit")
        super().__init__(label)
        self.library, self.notify = library, notify
        self.before = before
        self.changes = changes

    def apply(self) -> None:
        after = self.library.update_annotation(self.before.id, **self.changes)
        # An edit leaves the choice where the user has it (it may have moved on already).
        self.notify(after.article_id, "")

    def revert(self) -> None:
        if "start" in self.changes or "end" in self.changes:
            # The extent carries its quote and orphaned state: put the whole passage back.
            self.library.delete_annotation(self.before.id)
            self.library.restore_annotation(self.before)
        else:
            self.library.update_annotation(
                self.before.id,
                color=self.before.color,
                note=self.before.note,
                tags=list(self.before.tags),
            )
        self.notify(self.before.article_id, self.before.id)


class DeletePassages(PassageCommand):
    """Delete one or more passages; undo restores each exactly."""

    def __init__(self, library: Any, notify: Notify, ids: list[str]) -> None:
        super().__init__("Delete Passage" if len(ids) == 1 else f"Delete {len(ids)} Passages")
        self.library, self.notify = library, notify
        self.ids = list(ids)
        self.deleted: list[Any] = []

    def apply(self) -> None:
        deleted: list[Any] = []
        try:
            for passage_id in self.ids:
                deleted.append(self.library.delete_annotation(passage_id))
        except REFUSALS:
            # All or nothing: the ones already deleted come back before the refusal is told.
            all_or_nothing(self.notify, deleted, self.library.restore_annotation)
            raise
        self.deleted = deleted
        for passage in self.deleted[:1]:
            self.notify(passage.article_id, "")

    def revert(self) -> None:
        restored: list[Any] = []
        try:
            for passage in reversed(self.deleted):
                restored.append(self.library.restore_annotation(passage))
        except REFUSALS:
            all_or_nothing(self.notify, restored, lambda p: self.library.delete_annotation(p.id))
            raise
        for passage in restored[-1:]:
            self.notify(passage.article_id, passage.id)


class EditMany(PassageCommand):
    """The same change (colour or tags added) to many passages, undone as one step."""

    def __init__(self, library: Any, notify: Notify, label: str, befores: list[Any], **changes):
        super().__init__(label)
        self.library, self.notify = library, notify
        self.befores = befores
        self.color = changes.get("color")
        self.add_tags = tuple(changes.get("add_tags", ()))

    def apply(self) -> None:
        changed: list[Any] = []
        try:
            for before in self.befores:
                tags = None
                if self.add_tags:
                    known = {t.casefold() for t in before.tags}
                    tags = list(before.tags)
                    tags += [t for t in self.add_tags if t.casefold() not in known]
                self.library.update_annotation(before.id, color=self.color, tags=tags)
                changed.append(before)
        except REFUSALS:
            all_or_nothing(self.notify, changed, self._put_back)
            raise
        if self.befores:
            self.notify(self.befores[0].article_id, "")

    def revert(self) -> None:
        for before in self.befores:  # each back to its own state: a retry after a refusal is safe
            self._put_back(before)
        if self.befores:
            self.notify(self.befores[0].article_id, "")

    def _put_back(self, before: Any) -> None:
        self.library.update_annotation(
            before.id, color=before.color, note=before.note, tags=list(before.tags)
        )


def all_or_nothing(notify: Notify, done: list[Any], undo_one: Callable[[Any], Any]) -> None:
    """After a refusal part way through a change of many passages: undo the part that was
    made (as far as the library lets us) and redraw, so the window shows what is true."""
    for passage in reversed(done):
        try:
            undo_one(passage)
        except REFUSALS:
            break  # the same cause refuses this too: what stays changed is what the list shows
    if done:
        notify(done[0].article_id, "")
