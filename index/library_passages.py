"""The Library's passage methods: highlights, notes, tags, the colour legend, history,
the trash and the anchoring reports.

A part of `Library` (index/library.py), kept apart so that each file holds one
responsibility: every method here hands the work to index/passages/ and says what
changed (`_changed`), so the window redraws only that.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from index.changes import EVERYTHING, Changes
from index.passages import annotations as notes
from index.passages.annotations import Annotation, AnnotationError, passage_id

if TYPE_CHECKING:
    from index.passages.history import AnchoringReport, Trashed, Version
    from index.store.articles import StoredArticle
    from index.store.database import Store


class PassageMethods:
    """Passages and what is kept about them; mixed into `Library`."""

    store: Store

    if TYPE_CHECKING:

        def _changed(self, changes: Changes = EVERYTHING) -> None: ...

        def get_article(self, article_id: int) -> StoredArticle: ...

    def annotate(
        self,
        article_id: int,
        start: int,
        end: int,
        *,
        color: str = "yellow",
        note: str = "",
        tags: Iterable[str] = (),
        annotation_id: str | None = None,
    ) -> Annotation:
        """Highlight [start, end) (code points of the reading text). Any thread."""
        result = notes.create(
            self.store,
            article_id,
            start,
            end,
            color=color,
            note=note,
            tags=tuple(tags),
            annotation_id=annotation_id,
        )
        self._changed(Changes.of_passages(result))
        return result

    def annotate_quote(
        self,
        article_id: int,
        quote: str,
        *,
        occurrence: int = 1,
        color: str = "yellow",
        note: str = "",
        tags: Iterable[str] = (),
    ) -> Annotation:
        """Highlight the N-th occurrence of `quote`; AnnotationError when it is not there."""
        from index.passages.anchoring import same_form, select_occurrence

        text = self.get_article(article_id).reading_text
        selector = select_occurrence(text, quote, occurrence) if quote else None
        if selector is None:
            count = text.count(same_form(text, quote)) if quote else 0
            where = f"only {count} times" if count else "not"
            raise AnnotationError(
                f"the quote occurs {where} in article {article_id}"
                + (f" (asked for occurrence {occurrence})" if count else "")
            )
        return self.annotate(
            article_id, selector.start, selector.end, color=color, note=note, tags=tags
        )

    def update_annotation(
        self,
        annotation_id: str,
        *,
        color: str | None = None,
        note: str | None = None,
        tags: Iterable[str] | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> Annotation:
        """Change a passage's colour, note, tags or extent. Any thread."""
        result = notes.update(
            self.store,
            passage_id(annotation_id),
            color=color,
            note=note,
            tags=None if tags is None else tuple(tags),
            start=start,
            end=end,
        )
        self._changed(Changes.of_passages(result, tags=tags is not None))
        return result

    def delete_annotation(self, annotation_id: str) -> Annotation:
        """Delete a passage; returns it as it was (for undo). Any thread."""
        annotation_id = passage_id(annotation_id)
        result = notes.delete(self.store, annotation_id)
        self._changed(Changes.of_passages(result) | Changes(trash=True))
        return result

    def restore_annotation(self, annotation: Annotation) -> Annotation:
        """Re-create a deleted passage with its id, selectors and times. Any thread."""
        result = notes.restore(self.store, annotation)
        self._changed(Changes.of_passages(result))
        return result

    def get_annotation(self, annotation_id: str) -> Annotation:
        """One passage; AnnotationError when absent. Any thread."""
        annotation_id = passage_id(annotation_id)
        return notes.get(self.store, annotation_id)

    def annotations(
        self,
        *,
        article_id: int | None = None,
        tag: str | None = None,
        orphaned: bool | None = None,
    ) -> list[Annotation]:
        """Passages, filtered. Any thread."""
        return notes.find(self.store, article_id=article_id, tag=tag, orphaned=orphaned)

    def tags(self) -> list[tuple[str, int]]:
        """(display name, uses) for every tag. Any thread."""
        return notes.tag_counts(self.store)

    def rename_tag(self, old: str, new: str) -> int:
        """Rename a tag on every passage and article in one transaction. Any thread."""
        result = notes.rename_tag(self.store, old, new)
        self._changed(Changes(tags=True, everything=True))
        return result

    def merge_tags(self, source: str, target: str) -> int:
        """Fold tag `source` into `target`. Any thread."""
        result = notes.merge_tags(self.store, source, target)
        self._changed(Changes(tags=True, everything=True))
        return result

    def delete_tag(self, name: str) -> int:
        """Remove a tag everywhere; passages stay. Any thread."""
        result = notes.delete_tag(self.store, name)
        self._changed(Changes(tags=True, everything=True))
        return result

    def set_article_tags(self, article_id: int, tags: Iterable[str]) -> list[str]:
        """Replace an article's whole-article tags. Any thread."""
        result = notes.set_article_tags(self.store, article_id, list(tags))
        self._changed(Changes(articles=frozenset({article_id}), tags=True))
        return result

    def article_tags(self, article_id: int) -> list[str]:
        """The whole-article tags of one article. Any thread."""
        return notes.article_tags(self.store, article_id)

    # -- colour legend, history, trash, anchoring reports (issue 7) ---------------------

    def legend(self) -> dict[str, str]:
        """{colour: name} for every palette colour, in palette order. Any thread."""
        from index.passages import legend

        return legend.legend(self.store)

    def set_legend(self, color: str, name: str | None) -> dict[str, str]:
        """Name a colour (None or "" restores its default); returns the new legend. Any thread."""
        from index.passages import legend

        result = legend.set_name(self.store, color, name)
        self._changed(Changes(legend=True))
        return result

    def history(self, annotation_id: str) -> list[Version]:
        """Every version of a passage, oldest first: Version(seq, at, action, annotation)."""
        annotation_id = passage_id(annotation_id)
        from index.passages import history

        return history.history(self.store, annotation_id)

    def restore_version(self, annotation_id: str, seq: int) -> Annotation:
        """Bring back version `seq` (from the trash too); itself a new version. Any thread."""
        annotation_id = passage_id(annotation_id)
        from index.passages import history

        result = history.restore_version(self.store, annotation_id, seq)
        self._changed(Changes.of_passages(result))
        return result

    def take_back(self, annotation_id: str, state: Annotation) -> Annotation | None:
        """Undo a passage's latest change (`state`: what that change returned): the passage
        goes back to its version before and the undone version is forgotten, so undo and
        redo add no versions. None when the passage is gone (its creation undone) or back
        in the trash. AnnotationError when it changed since. Any thread."""
        from index.passages import history

        result = history.take_back(self.store, annotation_id, state)
        self._changed()
        return result

    def trash(self) -> list[Trashed]:
        """Deleted passages, newest first: Trashed(annotation, deleted, article_title)."""
        from index.passages import history

        return history.trash(self.store)

    def restore_from_trash(self, annotation_id: str) -> Annotation:
        """Take a passage out of the trash as it was deleted (same id). Any thread."""
        annotation_id = passage_id(annotation_id)
        from index.passages import history

        result = history.restore_from_trash(self.store, annotation_id)
        self._changed(Changes.of_passages(result))
        return result

    def empty_trash(self, annotation_ids: Iterable[str] | None = None) -> int:
        """Forget trashed passages (all, or the given ids) and their history; returns how many."""
        from index.passages import history

        ids = None if annotation_ids is None else [passage_id(i) for i in annotation_ids]
        gone = history.empty_trash(self.store, ids)
        self._changed(Changes(trash=True))
        return gone

    def anchoring_reports(self, article_id: int) -> list[AnchoringReport]:
        """What each re-import did to the article's passages, newest first. Any thread."""
        from index.passages import history

        return history.reports(self.store, article_id)

    def pending_anchoring(self, article_id: int) -> list[dict[str, Any]]:
        """Entries of the newest report still to look at: unresolved fuzzy or orphaned."""
        from index.passages import history

        return history.pending(self.store, article_id)

    def accept_fuzzy(self, annotation_id: str) -> Annotation:
        """Confirm the place a fuzzy re-anchoring chose for a passage. Any thread."""
        annotation_id = passage_id(annotation_id)
        from index.passages import history

        result = history.accept_fuzzy(self.store, annotation_id)
        self._changed(Changes.of_passages(result, tags=False))
        return result

    def reattach(self, annotation_id: str, start: int, end: int) -> Annotation:
        """Re-attach a passage (an orphan) to [start, end); note and tags stay. Any thread."""
        annotation_id = passage_id(annotation_id)
        from index.passages import history

        result = history.reattach(self.store, annotation_id, start, end)
        self._changed(Changes.of_passages(result, tags=False))
        return result

    def color_aliases(self) -> dict[str, str]:
        """Query words for colours from the legend ("question" -> "blue"). Any thread."""
        from index.passages import legend

        return legend.aliases(self.legend())
