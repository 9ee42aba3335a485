"""A search's matches grouped by article, on arrays: the total, the rank, the facets.

A common word matches most of the archive; grouping its documents by article, ranking
the groups and counting facets over every one of them took longer, as dicts and Counters
of Python objects, than scoring them. Here they are sorts, `unique`, `reduceat` and
`bincount` over the table's columns (`Columns`), with the same results as the dict
versions in grouping.py (which still rank by date, a rarer order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from whoosh.searching import Searcher

from index.search.grouping import FACET_LIMIT, rank_groups, tagged_documents

if TYPE_CHECKING:
    from index.search.scorer import Scorer
    from index.search.table import Table


class Columns:
    """A facet table's values as code arrays (built once per searcher's table)."""

    def __init__(self, table: Table) -> None:
        self.articles = np.asarray(table.articles, dtype=np.int64)
        self.is_article = np.fromiter((i[:2] == "a:" for i in table.ids), bool, len(table.ids))
        self.authors, self.author_names = _codes(table.authors)
        self.years, self.year_names = _codes(table.years)
        self.colors, self.color_names = _codes(table.colors)
        names: dict[str, int] = {}
        codes: list[int] = []
        ends = [0]
        for tags in table.tags:
            codes.extend(names.setdefault(t, len(names)) for t in tags)
            ends.append(len(codes))
        self.tag_codes = np.asarray(codes, dtype=np.int64)
        self.tag_ends = np.asarray(ends, dtype=np.int64)
        self.tag_names = list(names)

    @classmethod
    def join(cls, parts: list[Columns]) -> Columns:
        """The columns of tables one after another (segments), their codes made common."""
        if len(parts) == 1:
            return parts[0]
        self = cls.__new__(cls)
        self.articles = np.concatenate([p.articles for p in parts])
        self.is_article = np.concatenate([p.is_article for p in parts])
        self.authors, self.author_names = _join_codes([(p.authors, p.author_names) for p in parts])
        self.years, self.year_names = _join_codes([(p.years, p.year_names) for p in parts])
        self.colors, self.color_names = _join_codes([(p.colors, p.color_names) for p in parts])
        self.tag_codes, self.tag_names = _join_codes([(p.tag_codes, p.tag_names) for p in parts])
        ends, base = [np.zeros(1, np.int64)], 0
        for p in parts:
            ends.append(p.tag_ends[1:] + base)
            base += int(p.tag_ends[-1])
        self.tag_ends = np.concatenate(ends)
        return self


def _join_codes(parts: list[tuple[np.ndarray, list]]) -> tuple[np.ndarray, list]:
    names: dict = {}
    joined = []
    for codes, own in parts:
        common = np.array([names.setdefault(n, len(names)) for n in own] + [-1], dtype=np.int64)
        joined.append(common[codes])  # -1 (None) indexes the last: stays -1
    return np.concatenate(joined) if joined else np.zeros(0, np.int64), list(names)


def _codes(values: list) -> tuple[np.ndarray, list]:
    """Each value's code (-1 for None) and the values by code."""
    names: dict = {}
    codes = [-1 if v is None else names.setdefault(v, len(names)) for v in values]
    return np.asarray(codes, dtype=np.int64), list(names)


class Matches:
    """Matching docnums grouped by article: `len()` groups, each with its best score.

    Groups are in the order of their first (lowest) docnum, as a dict filled from the
    scores in docnum order would hold them; a group's documents ascend, then come the
    passages `add_tagged` lists.
    """

    def __init__(self, ids: np.ndarray, scores: np.ndarray, table: Table) -> None:
        self.table = table
        self.columns = table.columns()
        arts = self.columns.articles[ids]
        if len(arts) > 1 and not (arts[1:] >= arts[:-1]).all():
            order = np.argsort(arts, kind="stable")
            ids, scores, arts = ids[order], scores[order], arts[order]
        self.doc_ids = ids
        self.doc_scores = scores
        # the groups: runs of one article in the sorted articles
        self.starts = np.flatnonzero(np.concatenate([[True], arts[1:] != arts[:-1]]))
        if not len(arts):
            self.starts = np.zeros(0, np.int64)
        self.arts = arts[self.starts]
        self.counts = np.diff(self.starts, append=len(arts))
        self.best = np.maximum.reduceat(self.doc_scores, self.starts) if len(ids) else np.zeros(0)
        self.first = self.doc_ids[self.starts]  # each group's lowest docnum
        self.extra: dict[int, list[int]] = {}  # group -> passages listed for their tags

    def __len__(self) -> int:
        return len(self.arts)

    def group_of(self, art: int) -> int | None:
        g = int(np.searchsorted(self.arts, art))
        return g if g < len(self.arts) and self.arts[g] == art else None

    def docs(self, g: int) -> list[int]:
        start = self.starts[g]
        return self.doc_ids[start : start + self.counts[g]].tolist() + self.extra.get(g, [])

    def shown(self, groups: list[int]) -> tuple[list[tuple[int, int | None, list[int]]], dict]:
        """The hits of `groups`, in their order: (article id, the article's own docnum or
        None, its passages' docnums) each, and docnum -> score of their documents (1.0 for a
        tagged passage); the documents of all the groups read at once, not group by group."""
        if not groups:
            return [], {}
        chosen = np.asarray(groups, dtype=np.int64)
        counts = self.counts[chosen]
        at = np.repeat(self.starts[chosen] - np.cumsum(counts) + counts, counts)
        at += np.arange(len(at))
        docs = self.doc_ids[at].tolist()
        scores = dict(zip(docs, self.doc_scores[at].tolist(), strict=True))
        kinds = self.columns.is_article[self.doc_ids[at]].tolist()
        parts = []
        end = 0
        for g, art, count in zip(groups, self.arts[chosen].tolist(), counts.tolist(), strict=True):
            begin, end = end, end + count
            own = docs[begin:end]
            article_doc = next((d for d, a in zip(own, kinds[begin:end], strict=True) if a), None)
            more = self.extra.get(g)  # passages only (add_tagged)
            if more:
                scores.update(dict.fromkeys(more, 1.0))
                own = own + more
            parts.append((art, article_doc, [d for d in own if d != article_doc]))
        return parts, scores

    def rank(self, limit: int, sort: str) -> list[int]:
        """The first `limit` groups (by number) in `sort` order."""
        if not limit or not len(self):
            return []
        if sort != "relevance":
            groups = {int(a): self.docs(g) for g, a in enumerate(self.arts.tolist())}
            by_first = sorted(groups, key=lambda a: groups[a][0])
            groups = {a: groups[a] for a in by_first}
            chosen = rank_groups(groups, {}, self.table, limit, sort)
            return [g for g in map(self.group_of, chosen) if g is not None]
        # best first; ties in the order of the groups' first documents (heapq.nlargest's)
        candidates = np.arange(len(self))
        if len(self) > 4 * limit:
            kth = np.partition(self.best, len(self) - limit)[len(self) - limit]
            candidates = np.nonzero(self.best >= kth)[0]
        order = np.lexsort((self.first[candidates], -self.best[candidates]))
        return candidates[order[:limit]].tolist()

    def add_tagged(self, s: Searcher, scorer: Scorer, q) -> None:
        """List the passages whose tags made their article match (grouping.tag_passages)."""
        tagged = tagged_documents(scorer, q)
        notes = sorted(d for d in tagged if not self.columns.is_article[d])
        if not notes:
            return
        matched = set(self.doc_ids.tolist())
        reader = s.reader()
        for note in notes:
            art = int(self.columns.articles[note])
            g = self.group_of(art)
            if g is None or note in matched or reader.is_deleted(note):
                continue
            if self.table.article_doc(art) not in matched:
                continue
            self.extra.setdefault(g, []).append(note)

    def facets(self) -> dict[str, dict]:
        """Counts of groups per author, year, tag and passage colour, over every group."""
        if len(self) <= FEW_GROUPS and not self.extra and bool((self.counts == 1).all()):
            return self.single_facets()
        return self.array_facets()

    def single_facets(self) -> dict[str, dict]:
        """`array_facets` when every group is one document (a search's few hits, most
        often): counted over Python lists, without the twenty NumPy calls that cost more
        than the counting itself; the same counts."""
        cols = self.columns
        first = self.first
        authors = _tally(cols.authors[first].tolist(), len(cols.author_names))
        years = _tally(cols.years[first].tolist(), len(cols.year_names))
        colors = _tally(cols.colors[first].tolist(), len(cols.color_names))
        tags = [0] * len(cols.tag_names)
        ends = cols.tag_ends
        lows, highs = ends[first].tolist(), ends[first + 1].tolist()
        tagged = [(a, b) for a, b in zip(lows, highs, strict=True) if a < b]
        for a, b in tagged:
            for code in cols.tag_codes[a:b].tolist():
                if code >= 0:
                    tags[code] += 1
        return _facet_dicts(cols, authors, years, tags, colors)

    def array_facets(self) -> dict[str, dict]:
        """Counts of groups per author, year, tag and passage colour, on arrays."""
        cols = self.columns
        sizes = self.counts.copy()
        for g, more in self.extra.items():
            sizes[g] += len(more)
        single = sizes == 1
        authors = _count(cols.authors[self.first], len(cols.author_names))
        years = _count(cols.years[self.first], len(cols.year_names))
        # every document of the groups of several, with its group
        multi = np.nonzero(~single)[0]
        docs, owners = self._docs_of(multi)
        tags = _count(_expand(cols, self.first[single])[0], len(cols.tag_names))
        if len(docs):
            codes, owner = _expand(cols, docs, owners)
            tags += _count_once(codes, owner, len(cols.tag_names))
        colors = _count(cols.colors[self.first[single]], len(cols.color_names))
        if len(docs):
            colors += _count_once(cols.colors[docs], owners, len(cols.color_names))
        return _facet_dicts(cols, authors.tolist(), years.tolist(), tags.tolist(), colors.tolist())

    def _docs_of(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The documents of `groups` and the group of each."""
        if not len(groups):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        counts = self.counts[groups]
        starts = self.starts[groups]
        at = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        docs, owners = self.doc_ids[at], np.repeat(groups, counts)
        extra = [(d, g) for g in groups.tolist() for d in self.extra.get(g, ())]
        if extra:
            docs = np.concatenate([docs, np.array([d for d, _ in extra], np.int64)])
            owners = np.concatenate([owners, np.array([g for _, g in extra], np.int64)])
        return docs, owners


def _expand(cols: Columns, docs: np.ndarray, owners: np.ndarray | None = None):
    """The tag codes of `docs` (each doc's tags in turn), and whose each one is."""
    starts, ends = cols.tag_ends[docs], cols.tag_ends[docs + 1]
    counts = ends - starts
    total = int(counts.sum())
    at = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total)
    codes = cols.tag_codes[at] if total else np.zeros(0, np.int64)
    return codes, None if owners is None else np.repeat(owners, counts)


def _count(codes: np.ndarray, size: int) -> np.ndarray:
    codes = codes[codes >= 0]
    return np.bincount(codes, minlength=size)[:size] if size else np.zeros(0, np.int64)


def _count_once(codes: np.ndarray, owners: np.ndarray, size: int) -> np.ndarray:
    """How many owners have each code (an owner counted once per code)."""
    keep = codes >= 0
    if not size or not keep.any():
        return np.zeros(size, np.int64)
    pairs = np.unique(owners[keep] * size + codes[keep])
    return _count(pairs % size, size)


FEW_GROUPS = 128  # groups whose facets are counted over lists (see Matches.single_facets)


def _tally(codes: list[int], size: int) -> list[int]:
    """How often each code in 0..size-1 comes in `codes` (-1, none, left out)."""
    out = [0] * size
    for code in codes:
        if code >= 0:
            out[code] += 1
    return out


def _facet_dicts(cols: Columns, authors: list, years: list, tags: list, colors: list) -> dict:
    """The facets as the result holds them, from the counts by code."""
    year_counts = {cols.year_names[i]: n for i, n in enumerate(years) if n}
    return {
        "authors": _top(cols.author_names, authors),
        "years": dict(sorted(year_counts.items(), reverse=True)),
        "tags": _top(cols.tag_names, tags),
        "colors": _top(cols.color_names, colors),
    }


def _top(names: list, counts: list[int]) -> dict:
    ranked = sorted(
        ((names[i], n) for i, n in enumerate(counts) if n),
        key=lambda kv: (-kv[1], kv[0].casefold()),
    )
    return dict(ranked[:FACET_LIMIT])


def drop_hidden(
    ids: np.ndarray, scores: np.ndarray, table: Table, hidden: frozenset[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Leave out the documents of the `hidden` articles (theirs and their passages')."""
    if not hidden or not len(ids):
        return ids, scores
    arts = table.columns().articles[ids]
    if len(hidden) == 1:  # the welcome article: one comparison, not isin's sort
        keep = arts != next(iter(hidden))
    else:
        keep = ~np.isin(arts, np.fromiter(hidden, np.int64, len(hidden)))
    if keep.all():
        return ids, scores
    return ids[keep], scores[keep]
