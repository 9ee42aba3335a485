"""Ranking: BM25's inverse document frequency, and one word searched in several fields
scored as a single BM25F term.

whoosh's BM25F scores each field of a document on its own and adds the scores: a word
in the title and in the text is counted twice over, each time saturating on its own,
and its title part is weighted by the title's idf, which is far higher than the word's
own (titles are short, so few of them hold any word). Over long queries this lets a
common word in a title outweigh a rare word in the text. Robertson, Zaragoza and
Taylor ("Simple BM25 extension to multiple weighted fields", CIKM 2004) give the fix
used here: normalise each field's frequency by that field's length, weight it by the
field's boost, add the fields up, and only then saturate, with one idf for the word.

`Fields` is that query node. Our scorer (scorer.py) evaluates it on whole posting
lists as arrays; `Fields.matcher` gives whoosh's own searcher the same scores (the parity test
holds the two equal), so explain and anything else that runs whoosh's matchers agree.
"""

from __future__ import annotations

import math

from whoosh import matching, scoring
from whoosh import query as wq

K1, B = 1.2, 0.75  # BM25's usual constants (Robertson & Zaragoza 2009), as whoosh and FTS5


def bm25_idf(docs: int, having: int) -> float:
    """BM25's inverse document frequency (Robertson–Spärck Jones, kept positive as Lucene
    does): a word in half the documents is worth little, a rare one much more. whoosh's
    own, log(N / (n + 1)) + 1, gives every word at least 1, so the common words of a
    long query weigh nearly as much as its rare ones."""
    return math.log(1.0 + (docs - having + 0.5) / (having + 0.5))


class Weighting(scoring.BM25F):
    """whoosh's BM25 (k1, b) with BM25's own idf, for single-field terms, whether our
    scorer or whoosh's searcher scores them."""

    def __init__(self) -> None:
        super().__init__(B=B, K1=K1)

    def idf(self, searcher, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        return bm25_idf(parent.doc_count_all(), parent.doc_frequency(fieldname, text))


def fields_idf(searcher, terms: list[wq.Term]) -> float:
    """One idf for a word searched in several fields: taken from the field where the word
    is most common (the number of documents holding it in any field is at least that;
    Lucene's CombinedFieldQuery makes the same estimate), over the whole index."""
    parent = searcher.get_parent()
    having = max((parent.doc_frequency(t.fieldname, t.text) for t in terms), default=0)
    return bm25_idf(parent.doc_count_all(), having)


def field_norm(searcher, fieldname: str) -> tuple[float, float]:
    """(1 - b, b / average length) of a field: its frequencies are divided by
    `base + slope * length` before they are added up."""
    avg = searcher.get_parent().avg_field_length(fieldname) or 1.0
    return 1.0 - B, B / avg


def saturate(tf: float, top: float) -> float:
    """BM25's saturation of the fields' combined frequency, times idf · (k1 + 1) · boost."""
    return top * tf / (tf + K1)


class Fields(wq.Or):
    """One word looked for in several fields at once (title, author, text, tags), each
    field's term with its weight: matched as an Or, ranked as one BM25F term."""

    def matcher(self, searcher, context=None):
        terms = [t for t in self.subqueries if t.fieldname in searcher.schema]
        present = [t for t in terms if (t.fieldname, t.text) in searcher.reader()]
        if not present:
            return matching.NullMatcher()
        top = fields_idf(searcher, terms) * self.boost * (K1 + 1)
        parts = []
        for t in present:
            base, slope = field_norm(searcher, t.fieldname)
            postings = searcher.postings(t.fieldname, t.text)
            parts.append((postings, t.fieldname, t.boost, base, slope))
        return _FieldsMatcher(searcher, parts, top)


class _FieldsMatcher(matching.Matcher):
    """The documents of several fields' postings of one word, scored as in `Fields`."""

    def __init__(self, searcher, parts: list[tuple], top: float) -> None:
        self._searcher = searcher
        self._parts = parts
        self._top = top

    def _active(self) -> list[tuple]:
        return [p for p in self._parts if p[0].is_active()]

    def is_active(self) -> bool:
        return bool(self._active())

    def id(self) -> int:
        return min(p[0].id() for p in self._active())

    def next(self) -> None:
        here = self.id()
        for postings, *_ in self._active():
            if postings.id() == here:
                postings.next()

    def skip_to(self, target: int) -> None:
        for postings, *_ in self._active():
            if postings.id() < target:
                postings.skip_to(target)

    def weight(self) -> float:
        here = self.id()
        return sum(p[0].weight() for p in self._active() if p[0].id() == here)

    def score(self) -> float:
        here, tf = self.id(), 0.0
        for postings, fieldname, boost, base, slope in self._active():
            if postings.id() == here:
                length = self._searcher.doc_field_length(here, fieldname, 1)
                tf += boost * postings.weight() / (base + slope * length)
        return saturate(tf, self._top)

    def children(self) -> list:
        return [p[0] for p in self._parts]

    def copy(self) -> _FieldsMatcher:
        parts = [(p[0].copy(), *p[1:]) for p in self._parts]
        return _FieldsMatcher(self._searcher, parts, self._top)

    def reset(self) -> None:
        for postings, *_ in self._parts:
            postings.reset()

    def supports(self, astype: str) -> bool:
        return all(p[0].supports(astype) for p in self._parts)

    def value(self):
        raise NotImplementedError("a Fields match spans several fields: no single value")

    def value_as(self, astype: str):
        raise NotImplementedError("a Fields match spans several fields: no single value")
