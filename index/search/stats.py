"""Index-wide statistics for ranking (document frequencies, average field lengths), kept
for the life of one searcher.

BM25's idf needs a word's document frequency over the whole index, and whoosh answers
that with a term lookup in every segment on every call: for a query of three words over
four fields and a dozen segments, over a hundred lookups before anything is scored. A
term's postings in each segment are read for scoring anyway (postings.PostingCache), and
their length is that segment's document frequency (deleted documents included, as in
whoosh's term statistics), so the frequency is summed from them once per searcher; the
average field lengths are asked once per searcher too. A searcher sees one unchanging
generation of the index, so nothing here goes stale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from whoosh.searching import Searcher

from index.search.bm25f import B, bm25_idf

if TYPE_CHECKING:
    from index.search.engine import SearchIndex

Count = Callable[[str, str], int]  # (field, text) -> documents holding it, in every segment


class Statistics:
    """One searcher's document frequencies, idfs and field-length norms, made on demand."""

    def __init__(self, index: SearchIndex, searcher: Searcher) -> None:
        self.index = index
        self.searcher = searcher
        self.leaves: list[tuple[int, Any]] = [
            (offset, sub.reader())
            for sub, offset in searcher.subsearchers or [(searcher, 0)]
            if sub.reader().doc_count_all()
        ]
        self.doc_count = searcher.reader().doc_count_all()
        self._frequencies: dict[tuple[str, str], int] = {}
        self._averages: dict[str, float] = {}

    def doc_frequency(self, fieldname: str, text: str, count: Count | None = None) -> int:
        """How many documents (deleted ones included) hold `text` in `fieldname`.

        `count(fieldname, text)` gives it from postings already read (the scorer's, joined
        over every segment); by default each segment's postings from the index's cache."""
        key = (fieldname, text)
        found = self._frequencies.get(key)
        if found is None:
            if count is not None:
                found = count(fieldname, text)
            else:
                found = 0
                for _, leaf in self.leaves:
                    postings = self.index.postings(leaf, fieldname, text)
                    if postings is not None:
                        found += len(postings)
            self._frequencies[key] = found
        return found

    def idf(self, fieldname: str, text: str, count: Count | None = None) -> float:
        """BM25's idf of one field's term (bm25f.Weighting.idf, from the sums above)."""
        return bm25_idf(self.doc_count, self.doc_frequency(fieldname, text, count))

    def fields_idf(self, terms: list, count: Count | None = None) -> float:
        """One idf for a word in several fields (bm25f.fields_idf, from the sums above)."""
        having = max((self.doc_frequency(t.fieldname, t.text, count) for t in terms), default=0)
        return bm25_idf(self.doc_count, having)

    def avg_length(self, fieldname: str) -> float:
        """The field's average length over the index (1.0 for a field without lengths)."""
        found = self._averages.get(fieldname)
        if found is None:
            found = self._averages[fieldname] = self.searcher.avg_field_length(fieldname) or 1.0
        return found

    def norm(self, fieldname: str) -> tuple[float, float]:
        """(1 - b, b / average length): bm25f.field_norm, once per field."""
        return 1.0 - B, B / self.avg_length(fieldname)
