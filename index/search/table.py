"""Per-document facet values of the index (id, article, date, author, tags, colour)."""

from __future__ import annotations

from index.search.errors import IndexDamaged
from index.search.fields import SEP, TAGSEP
from index.search.matches import Columns


class Table:
    """Per-document facet values (id, article, date, author, tags) by docnum.

    Read once per segment from the packed `facets` column and cached by segment
    id (a segment's documents never change; deletions only hide them), so a
    search counts facets over every match with list lookups, not stored fields.
    """

    __slots__ = (
        "_articles",
        "_columns",
        "_notes",
        "articles",
        "authors",
        "colors",
        "dates",
        "ids",
        "parts",
        "tags",
        "years",
    )

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.articles: list[int] = []
        self.dates: list[str | None] = []
        self.years: list[str | None] = []
        self._notes: dict[int, list[int]] | None = None
        self._articles: dict[int, int] | None = None
        self.authors: list[str | None] = []
        self.tags: list[tuple[str, ...]] = []
        self.colors: list[str | None] = []  # a passage's colour; None for an article
        self._columns: Columns | None = None
        self.parts: list[Table] = []  # the segments' tables this one joins (each keeps its columns)

    def columns(self) -> Columns:
        """The table as NumPy code arrays (matches.py), made on first use."""
        if self._columns is None:
            if self.parts:  # a segment's columns are made once; a new commit joins them
                self._columns = Columns.join([part.columns() for part in self.parts])
            else:
                self._columns = Columns(self)
        return self._columns

    @classmethod
    def read(cls, reader) -> Table:
        table = cls()
        try:
            for raw in reader.column_reader("facets"):
                doc_id, article, date, author, tags, color = raw.decode("utf-8").split(SEP)
                table.ids.append(doc_id)
                table.articles.append(int(article))
                table.dates.append(date or None)
                table.years.append(date[:4] or None)
                table.authors.append(author or None)
                table.tags.append(tuple(tags.split(TAGSEP)) if tags else ())
                table.colors.append(color or None)
        except (ValueError, UnicodeDecodeError) as exc:
            raise IndexDamaged(f"unreadable facet column: {exc!r}") from exc
        return table

    def note_docs(self, article_id: int) -> list[int]:
        """Docnums of an article's annotations (deleted ones included)."""
        if self._notes is None:
            self._index_kinds()
        assert self._notes is not None
        return self._notes.get(article_id, [])

    def article_doc(self, article_id: int) -> int | None:
        """The docnum of an article's own document, if indexed."""
        if self._articles is None:
            self._index_kinds()
        assert self._articles is not None
        return self._articles.get(article_id)

    def _index_kinds(self) -> None:
        notes: dict[int, list[int]] = {}
        articles: dict[int, int] = {}
        for d, (doc_id, art) in enumerate(zip(self.ids, self.articles, strict=True)):
            if doc_id.startswith("n:"):
                notes.setdefault(art, []).append(d)
            else:
                articles[art] = d
        self._notes, self._articles = notes, articles

    def extend(self, other: Table) -> None:
        self.ids += other.ids
        self.articles += other.articles
        self.dates += other.dates
        self.years += other.years
        self.authors += other.authors
        self.tags += other.tags
        self.colors += other.colors
