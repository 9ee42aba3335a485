"""Per-document facet values of the index (id, article, date, author, tags, colour)."""

from __future__ import annotations

import numpy as np

from index.search.errors import IndexDamaged
from index.search.fields import SEP, TAGSEP
from index.search.matches import Columns
from index.search.whoosh_wall import var_column_block


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
        """A segment's table from its `facets` column: the whole column decoded and split
        at once where whoosh's reader lets us (`_flat_fields`), else row by row. The
        opening of the index reads it, after the window's first paint but beside the
        reader: at 178,000 articles row by row held the interpreter for ~0.8 s."""
        table = cls()
        try:
            column = reader.column_reader("facets")
            fields = _flat_fields(column)
            if fields is None:
                fields = []
                for raw in column:
                    row = raw.decode("utf-8").split(SEP)
                    if len(row) != 6:
                        raise ValueError(f"a facet row of {len(row)} fields")
                    fields += row
            # Dates, years, authors, tags and colours repeat: each distinct value is held
            # once (at 178,000 articles ~45 MB of equal strings were held apart).
            held: dict[str, str] = {}
            tag_sets: dict[str, tuple[str, ...]] = {}
            dates = [held.setdefault(d, d) for d in fields[2::6]]
            table.ids = fields[0::6]
            table.articles = list(map(int, fields[1::6]))
            table.dates = [d or None for d in dates]
            table.years = [held.setdefault(d[:4], d[:4]) or None for d in dates]
            table.authors = [held.setdefault(a, a) or None for a in fields[3::6]]
            table.tags = [
                tag_sets.setdefault(t, tuple(t.split(TAGSEP))) if t else () for t in fields[4::6]
            ]
            table.colors = [held.setdefault(c, c) or None for c in fields[5::6]]
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
        """Each article's own docnum (the last, when several) and its passages' docnums,
        from the columns: the passages are few, so only they are walked one by one (a
        Python loop over every document took ~30 ms at 44,500 articles, in the first
        search that needed it)."""
        columns = self.columns()  # made by every search already
        is_note = ~columns.is_article  # ids are "a:…" (articles) or "n:…" (passages)
        arts = columns.articles
        own = np.flatnonzero(~is_note)
        articles = dict(zip(arts[own].tolist(), own.tolist(), strict=True))  # the last wins
        notes: dict[int, list[int]] = {}
        marked = np.flatnonzero(is_note)
        for d, art in zip(marked.tolist(), arts[marked].tolist(), strict=True):
            notes.setdefault(art, []).append(d)
        self._notes, self._articles = notes, articles

    def extend(self, other: Table) -> None:
        self.ids += other.ids
        self.articles += other.articles
        self.dates += other.dates
        self.years += other.years
        self.authors += other.authors
        self.tags += other.tags
        self.colors += other.colors


def _flat_fields(column) -> list[str] | None:
    """Every row's six fields in one list, from the column read as one block
    (`whoosh_wall.var_column_block`): a separator put between the rows with NumPy, one
    decode, one split. None when the column cannot be read so (then row by row)."""
    block = var_column_block(column)
    if block is None:
        return None
    raw, lengths = block
    if not len(lengths):
        return []
    sizes = np.frombuffer(lengths, dtype=np.dtype(lengths.typecode)).astype(np.int64)
    if not sizes.all():
        return None  # an empty row: every document has one, so read it the slow way
    joined = np.insert(np.frombuffer(raw, np.uint8), np.cumsum(sizes)[:-1], ord(SEP))
    fields = joined.tobytes().decode("utf-8").split(SEP)
    if len(fields) != 6 * len(sizes):
        raise ValueError(f"{len(fields)} facet fields for {len(sizes)} documents")
    return fields
