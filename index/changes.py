"""What one engine mutation changed, so that a window redraws only that.

Every write of the Library ends by publishing a `Changes` (Anki's "changes"
objects follow the same idea): the articles and passages it touched, and
whether tag names or counts, the colour legend or the "recently read" order
moved. Bulk work (an import, a restore) says `everything`. The window's writer
collects the changes of each job it runs (`Library.collect_changes`) and
refreshes the rows they name; listeners (`Library.on_changes`) hear every one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class Changes:
    """Articles and passages a write touched, and which shared lists it moved."""

    articles: frozenset[int] = frozenset()
    passages: frozenset[str] = frozenset()
    tags: bool = False  # tag names or their counts
    legend: bool = False  # colour names
    opened: bool = False  # the "recently read" order
    trash: bool = False  # what waits in the trash
    saved_searches: bool = False
    everything: bool = False  # bulk work: redraw all

    def __or__(self, other: Changes) -> Changes:
        values = {f.name: getattr(self, f.name) | getattr(other, f.name) for f in fields(Changes)}
        return Changes(**values)

    @property
    def empty(self) -> bool:
        return self == NOTHING

    def touches_article(self, article_id: int) -> bool:
        return self.everything or article_id in self.articles

    @staticmethod
    def merge(all_changes: list[Changes]) -> Changes:
        """One Changes for several writes."""
        out = NOTHING
        for changes in all_changes:
            out = out | changes
        return out

    @classmethod
    def of_passages(cls, *passages: object, tags: bool = True) -> Changes:
        """The passages (anything with `id` and `article_id`) and their articles."""
        return cls(
            articles=frozenset(getattr(p, "article_id") for p in passages),  # noqa: B009
            passages=frozenset(getattr(p, "id") for p in passages),  # noqa: B009
            tags=tags,
        )


NOTHING = Changes()
EVERYTHING = Changes(
    tags=True, legend=True, opened=True, trash=True, saved_searches=True, everything=True
)
