"""Scoring a query over the index's segments, on arrays.

`Scorer` evaluates whoosh query trees on whole posting lists decoded into NumPy arrays
(codec.py, postings.py), once over the whole index: each term's postings in every segment
joined into index-wide arrays (joined.py), not once per segment. BM25 and BM25F
(bm25f.py) are array expressions, AND is an intersection, OR and prefixes a sum by
document (`bincount`), NOT a set difference, and a phrase an intersection of (document,
position) keys. Anything else still runs as a whoosh matcher. Every match is scored, so
the total, the facets and the group ranking (grouping.py) are exact without a second pass.

The arithmetic is that of whoosh's own scorer, term by term and in the same order (the
parity tests hold the scores equal to 1e-9 or closer).
"""

from __future__ import annotations

import bisect
import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from index.search import whoosh_wall as wall
from index.search.bm25f import Fields
from index.search.codec import TermPostings
from index.search.errors import QueryError
from index.search.joined import JoinedPostings, places

if TYPE_CHECKING:
    from index.search.engine import SearchIndex

Hits = tuple[np.ndarray, np.ndarray]  # ascending docnums (int64), their scores (float64)


def no_hits() -> Hits:
    return np.zeros(0, np.int64), np.zeros(0, np.float64)


class SearchTimeout(QueryError):
    """A search that ran past its deadline; str() says so in one line."""


class Scorer:
    """Scores every document a query matches, over all segments at once (see the module)."""

    def __init__(self, index: SearchIndex, searcher: Searcher, deadline: float = math.inf) -> None:
        self.index = index
        self.deadline = deadline  # perf_counter() time past which scoring gives up
        self.searcher = searcher
        weighting = searcher.weighting
        self.B, self.K1 = weighting.B, weighting.K1
        self.schema = searcher.schema
        self.segments = index.segments(searcher)  # index-wide arrays, kept for the searcher
        self.fieldnames = self.segments.fieldnames  # the schema's names (a set test)
        self.leaves: list[tuple[int, Any]] = self.segments.leaves  # (offset, leaf reader)
        self.scored: dict[tuple, Hits] = {}
        self.results: dict[int, Hits] = {}  # id(leaf query) -> hits (index-wide docnums)
        self.read: dict[tuple, TermPostings | None] = {}  # (offset, field, text)
        self.joined: dict[tuple[str, str], JoinedPostings | None] = {}
        self.idfs: dict[tuple, float] = {}  # a Fields word's idf (index-wide)
        self.stats = index.statistics(searcher)  # index-wide, kept for the searcher

    def run(self, q) -> dict[int, float]:
        """Every matching live document's score, by docnum."""
        ids, scores = self.run_arrays(q)
        return dict(zip(ids.tolist(), scores.tolist(), strict=True))

    def run_arrays(self, q) -> Hits:
        """Every matching live document (ascending docnums) and its score."""
        if not self.leaves:
            return no_hits()
        ids, scores = self.node(q)
        alive = self.segments.alive()
        if alive is not None and len(ids):
            keep = alive[ids]
            ids, scores = ids[keep], scores[keep]
        return ids, scores

    def node(self, q) -> Hits:
        """The documents `q` matches, with their scores."""
        out = self._node(q)
        if not isinstance(q, (wq.And, wq.Or, wq.AndNot)):
            self.results[id(q)] = out  # for grouping.tag_passages
        return out

    def _node(self, q) -> Hits:
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text, q.boost)
        if isinstance(q, Fields):
            return self.fields(q)
        if isinstance(q, wq.Or):
            parts = sorted((self.node(c) for c in q.subqueries), key=_size)
            if not parts:
                return no_hits()
            return _boosted(_sum([parts[-1], *parts[:-1]]), q.boost)
        if isinstance(q, wq.And):
            # the likely-smallest part first; an empty intersection stops the rest
            children = list(q.subqueries)
            if not children:
                return no_hits()
            if len(children) > 1:
                children.sort(key=self.estimate)
            out = self.node(children[0])
            for child in children[1:]:
                if not len(out[0]):
                    break
                if isinstance(child, Fields):  # a word: scored at the documents left only
                    out = _both(out, self.fields(child, within=out[0]))
                else:
                    out = _both(out, self.node(child))
            return _boosted(out, q.boost)
        if isinstance(q, wq.AndNot):
            out = self.node(q.a)
            if not len(out[0]):
                return out
            excluded = self.node(q.b)[0]
            keep = ~np.isin(out[0], excluded, assume_unique=True)
            return out[0][keep], out[1][keep]
        if isinstance(q, wq.Every) and not q.fieldname:
            count = self.segments.doc_count
            return np.arange(count, dtype=np.int64), np.full(count, float(q.boost))
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return no_hits()
        if isinstance(q, wq.Phrase) and q.fieldname in self.segments.positioned:
            return self.phrase(q)
        if isinstance(q, (wq.TermRange, wq.Prefix)) and q.fieldname == "date":
            return self.dates(q)
        if isinstance(q, wq.MultiTerm) and q.field() in self.fieldnames:
            return self.multiterm(q)
        return self.matched(q)

    def matched(self, q) -> Hits:
        """Any other query, through whoosh's matchers, segment by segment."""
        scores: dict[int, float] = {}
        context = self.searcher.context()
        for sub, offset in self.segments.subsearchers:
            matcher = q.matcher(sub, context)
            while matcher.is_active():
                scores[matcher.id() + offset] = matcher.score()
                matcher.next()
        return _from_dict(scores)

    def estimate(self, q) -> float:
        """About how many documents `q` matches, from term statistics alone."""
        if isinstance(q, wq.Term):  # the postings are read anyway: their length, cached
            return float(len(self.postings(q.fieldname, q.text) or ()))
        if isinstance(q, wq.Or):
            if len(q.subqueries) > 8:  # an expanded wildcard: not worth counting
                return math.inf
            return sum(self.estimate(c) for c in q.subqueries)
        if isinstance(q, wq.And):
            return min((self.estimate(c) for c in q.subqueries), default=0.0)
        if isinstance(q, wq.Phrase):
            sizes = (len(self.postings(q.fieldname, w) or ()) for w in q.words)
            return float(min(sizes, default=0))
        if isinstance(q, wq.AndNot):
            return self.estimate(q.a)
        return math.inf

    def postings(self, fieldname: str, text: str) -> JoinedPostings | None:
        """A term's postings over every segment (joined.py), kept for this query."""
        key = (fieldname, text)
        if key in self.joined:
            return self.joined[key]
        found = self.joined[key] = self.segments.postings(fieldname, text)
        return found

    def frequency(self, fieldname: str, text: str) -> int:
        """How many documents of the index (deleted ones included) hold the term."""
        return len(self.postings(fieldname, text) or ())

    def postings_at(self, offset: int, leaf, fieldname: str, text: str) -> TermPostings | None:
        """A term's decoded postings in the segment at `offset` (from the index's cache
        when it has them), kept for the rest of this query (the statistics read every
        segment's, which scoring then needs again)."""
        key = (offset, fieldname, text)
        if key in self.read:
            return self.read[key]
        found = self.read[key] = self.index.postings(leaf, fieldname, text)
        return found

    def term(self, fieldname: str, text: str, boost: float) -> Hits:
        """BM25 of one term: top · w / (w + k1 (1 - b) + k1 b · length / average)."""
        key = (fieldname, text, boost)
        if key in self.scored:
            return self.scored[key]
        self._check_deadline()
        p = self.postings(fieldname, text)
        if p is None or not len(p):
            out = no_hits()
        elif not self.schema[fieldname].scorable:
            out = p.ids, np.full(len(p), float(boost))
        else:
            lengths = self.segments.lengths(fieldname)
            avg = self.stats.avg_length(fieldname)
            top = self.stats.idf(fieldname, text, self.frequency) * boost * (self.K1 + 1)
            base = self.K1 * (1 - self.B)
            slope = self.K1 * self.B / avg
            w = p.weights
            out = p.ids, top * w / (w + base + slope * lengths[p.ids])
        self.scored[key] = out
        return out

    def _check_deadline(self) -> None:
        if time.perf_counter() > self.deadline:
            raise SearchTimeout(
                "This search took too long and was stopped: try more specific words"
                " or fewer wildcards"
            )

    def fields(self, q: Fields, within: np.ndarray | None = None) -> Hits:
        """One word in several fields as one BM25F term (see index/search/bm25f.py): each
        field's frequency normalised by its length and weighted, added, saturated once.

        With `within` (ascending docnums), only those documents are scored: the same
        arithmetic on fewer of them (an AND's later words, after its rarest)."""
        terms = [t for t in q.subqueries if t.fieldname in self.fieldnames]
        word = tuple((t.fieldname, t.text, t.boost) for t in terms)
        key = ("+fields", word)
        if key in self.scored:
            return self.scored[key]
        self._check_deadline()
        read: list[tuple[Any, JoinedPostings]] = []
        for t in terms:
            found = self.postings(t.fieldname, t.text)
            if found is not None and len(found):
                read.append((t, found))
        out = no_hits()
        if read:
            idf = self.idfs.get(word)
            if idf is None:  # a statistic of the whole index: the same in every segment
                idf = self.idfs[word] = self.stats.fields_idf(terms, self.frequency)
            top, k1 = idf * q.boost * (self.K1 + 1), self.K1  # bm25f.saturate, inlined
            # the longest postings (the text's, usually) last: the shorter fields' (title,
            # tags) frequencies are added to them, in the order whoosh's scorer adds them
            read.sort(key=lambda tp: len(tp[1]))
            views = [(t, *_restricted(p, within)) for t, p in read]
            small = _sum([(ids, self._frequencies(t, ids, w)) for t, ids, w in views[:-1]])
            t, longest, weights = views[-1]
            tf = self._frequencies(t, longest, weights)
            if len(small[0]):
                tf = tf + _values_at(small, longest)
                alone = ~np.isin(small[0], longest, assume_unique=True)
                ids = np.concatenate([longest, small[0][alone]])
                tf = np.concatenate([tf, small[1][alone]])
                order = np.argsort(ids, kind="stable")
                ids, tf = ids[order], tf[order]
            else:
                ids = longest
            out = ids, top * tf / (tf + k1)
        if within is None:
            self.scored[key] = out
        return out

    def _frequencies(self, t, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """A field's normalised, weighted frequencies of a word: boost · w / (base + slope · l)."""
        lengths = self.segments.lengths(t.fieldname)
        base, slope = self.stats.norm(t.fieldname)
        return t.boost * weights / (base + slope * lengths[ids])

    def multiterm(self, q) -> Hits:
        """Prefixes, wildcards, ranges: each expanded term's postings, constant or BM25
        (the terms of every segment, in the order each segment lists them)."""
        fieldname, field = q.field(), self.schema[q.field()]
        found: set = set()
        for _, leaf in self.leaves:
            found.update(wall.term_texts(q, leaf))
        parts = []
        for btext in sorted(found):
            text = btext if isinstance(btext, str) else field.from_bytes(btext)
            parts.append(self.term(fieldname, text, q.boost))
        ids, scores = _sum(parts)
        if q.constantscore:
            return ids, np.full(len(ids), float(q.boost))
        return ids, scores

    def dates(self, q) -> Hits:
        """A date range or prefix (`date:2023`, `date:[2023-01 to 2023-03]`) from the
        segment's dates in its facet table: one comparison per distinct date, not the
        postings of every day in the range. Dates are ISO strings, compared as whoosh
        compares the terms of a TermRange (each end included unless excluded)."""
        if not q.constantscore:  # never made so by the query language: whoosh's own way
            return self.multiterm(q)
        names, codes = self.segments.dates()
        if isinstance(q, wq.Prefix):
            lo = bisect.bisect_left(names, q.text)
            hi = bisect.bisect_left(names, q.text + "\U0010ffff")
        else:
            lo = 0
            if q.start is not None:
                lo = (bisect.bisect_right if q.startexcl else bisect.bisect_left)(names, q.start)
            hi = len(names)
            if q.end is not None:
                hi = (bisect.bisect_left if q.endexcl else bisect.bisect_right)(names, q.end)
        ids = np.flatnonzero((codes >= lo) & (codes < hi)).astype(np.int64)
        return ids, np.full(len(ids), float(q.boost))

    def phrase(self, q) -> Hits:
        """Documents holding the words in order (each within `slop` of the one before),
        scored as the sum of their terms.

        The documents holding every word come first (an intersection, rarest word
        first); then each word's (document, position) keys are read for those documents
        only, and each start is carried to the nearest next word's key within `slop`.
        """
        for word in q.words:  # a word missing here: no need to read the others
            if not len(self.postings(q.fieldname, word) or ()):
                return no_hits()
        self._check_deadline()
        found = [self.postings(q.fieldname, word) for word in q.words]
        if not found:
            return no_hits()
        # the documents holding every word (rarest word first), and each word's rows of them
        order = sorted(range(len(found)), key=lambda k: len(found[k]))  # type: ignore[arg-type]
        candidates = found[order[0]].ids  # type: ignore[union-attr]
        rows_of = {order[0]: np.arange(len(candidates))}
        for k in order[1:]:
            held, rows = found[k].locate(candidates)  # type: ignore[union-attr]
            if len(rows) < len(candidates):
                candidates = candidates[held]
                rows_of = {other: before[held] for other, before in rows_of.items()}
            rows_of[k] = rows
            if not len(candidates):
                return no_hits()
        at = None
        for k, word in enumerate(q.words):
            p = found[k]
            assert p is not None  # it matched above
            rows = rows_of[k]
            owner, spots = places(q.fieldname, word, p, rows, positions_only=True)
            docs = candidates[np.searchsorted(rows, owner)]  # each place's document
            keys = (docs << 32) | spots.astype(np.int64)
            if at is None:
                at = keys
                continue
            nearest = np.searchsorted(keys, at, side="right")
            inside = nearest < len(keys)
            at, nearest = at[inside], keys[nearest[inside]]
            at = nearest[nearest - at <= q.slop]
            if not len(at):
                return no_hits()
        assert at is not None
        owners = at >> 32  # ascending, as the keys are
        docs = owners[np.concatenate(([True], owners[1:] != owners[:-1]))]
        among = np.searchsorted(candidates, docs)  # each word's rows of the matches
        scores = self._term_at(q.fieldname, q.words[0], q.boost, docs, rows_of[0][among])
        for k, word in enumerate(q.words[1:], 1):
            scores = scores + self._term_at(q.fieldname, word, q.boost, docs, rows_of[k][among])
        return docs, scores

    def _term_at(
        self, fieldname: str, text: str, boost: float, docs, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """`term`'s scores of `docs` (each of which holds the term), worked out for them
        alone rather than for every document holding the term (the same arithmetic);
        `rows`, when given, are the term's rows of `docs`."""
        if not self.schema[fieldname].scorable:
            return np.full(len(docs), float(boost))
        p = self.postings(fieldname, text)
        assert p is not None  # the phrase matched it
        lengths = self.segments.lengths(fieldname)
        avg = self.stats.avg_length(fieldname)
        top = self.stats.idf(fieldname, text, self.frequency) * boost * (self.K1 + 1)
        base = self.K1 * (1 - self.B)
        slope = self.K1 * self.B / avg
        w = p.weights_at(np.searchsorted(p.ids, docs) if rows is None else rows)
        return top * w / (w + base + slope * lengths[docs])

    def holds(self, docnum: int, fieldname: str, terms: list[str]) -> bool:
        """True when document `docnum` (index-wide) holds any of `terms` in `fieldname`,
        from the postings (a passage's quote need not be analysed to learn that it holds
        none of the query's words)."""
        if not terms:
            return False
        for offset, leaf in reversed(self.stats.leaves):
            if offset <= docnum:
                local = docnum - offset
                for term in terms:
                    p = self.postings_at(offset, leaf, fieldname, term)
                    if p is not None and len(p):
                        row = int(np.searchsorted(p.ids, local))
                        if row < len(p.ids) and p.ids[row] == local:
                            return True
                return False
        return False

    def body_spans(self, docnums: list[int], terms: list[str]) -> dict[int, list]:
        """(start, end, term) of the query's terms in some article bodies, from the
        body's stored character positions (each term's joined postings, one pass)."""
        out: dict[int, list] = {d: [] for d in docnums}
        if not docnums or not terms:
            return out
        wanted = np.array(sorted(set(docnums)), dtype=np.int64)
        for term in terms:
            p = self.postings("body", term)
            if p is None or not p.stride:
                continue
            held, rows = p.locate(wanted)  # without joining a common word's postings
            if not len(rows):
                continue
            owner, spots = places("body", term, p, rows)
            docs = wanted[held][np.searchsorted(rows, owner)]
            for d, (_, start, end) in zip(docs.tolist(), spots.tolist(), strict=True):
                out[d].append((start, end, term))
        return out


def _restricted(p: JoinedPostings, within: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """A term's document numbers and weights, only those in `within` when it is given."""
    if within is None:
        return p.ids, p.weights
    rows = np.searchsorted(p.ids, within)
    inside = rows < len(p.ids)
    rows, wanted = rows[inside], within[inside]
    rows = rows[p.ids[rows] == wanted]
    return p.ids[rows], p.weights_at(rows)


def _size(hits: Hits) -> int:
    return len(hits[0])


def _boosted(hits: Hits, boost: float) -> Hits:
    if boost != 1.0:
        return hits[0], hits[1] * boost
    return hits


def _sum(parts: list[Hits]) -> Hits:
    """Scores added by document, in the order of `parts` (from 0.0, as a dict adds them)."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return no_hits()
    if len(parts) == 1:
        return parts[0]
    ids, where = np.unique(np.concatenate([p[0] for p in parts]), return_inverse=True)
    return ids, np.bincount(where, weights=np.concatenate([p[1] for p in parts]))


def _both(a: Hits, b: Hits) -> Hits:
    """The documents in both, each with a's score plus b's (the shorter list's documents
    looked up in the longer one: no sort of the two together)."""
    small, large = (a, b) if len(a[0]) <= len(b[0]) else (b, a)
    rows = np.searchsorted(large[0], small[0])
    found = np.zeros(len(rows), dtype=bool)
    inside = rows < len(large[0])
    found[inside] = large[0][rows[inside]] == small[0][inside]
    rows = rows[found]
    return small[0][found], small[1][found] + large[1][rows]


def _values_at(hits: Hits, docs: np.ndarray) -> np.ndarray:
    """The scores of `docs` in `hits` (0.0 for a document not there)."""
    ids, scores = hits
    out = np.zeros(len(docs))
    if not len(ids):
        return out
    rows = np.searchsorted(ids, docs)
    inside = rows < len(ids)
    hit = np.zeros(len(docs), dtype=bool)
    hit[inside] = ids[rows[inside]] == docs[inside]
    out[hit] = scores[rows[hit]]
    return out


def _from_dict(scores: dict[int, float]) -> Hits:
    if not scores:
        return no_hits()
    ids = np.fromiter(scores, np.int64, len(scores))
    values = np.fromiter(scores.values(), np.float64, len(scores))
    order = np.argsort(ids)
    return ids[order], values[order]
