"""Scoring a query over the index's segments, and shaping the hits: groups, rank, facets.

The read side of index/search.py. `Scorer` evaluates whoosh query trees on whole posting
blocks (see its docstring); the functions after it group matching documents by article,
rank the groups and count facets over every match.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from whoosh import query as wq
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher

from index.search import whoosh_wall as wall
from index.search.bm25f import Fields, field_norm, fields_idf
from index.search.query import QueryError

if TYPE_CHECKING:
    from index.search.engine import SearchIndex, Table

FACET_LIMIT = 100


class SearchTimeout(QueryError):
    """A search that ran past its deadline; str() says so in one line."""


class Scorer:
    """Scores every document a query matches, in one pass per segment.

    whoosh's collectors walk a tree of matchers one posting at a time (and,
    with deletions, through a filter wrapper around each term): ~10 µs per
    matching document. Terms, phrases, OR, AND, AND NOT, prefixes and ranges
    are evaluated here instead on whole posting blocks, with the same formulas and
    statistics (bm25f.py); anything else still runs as a whoosh matcher.
    Scoring every match makes the total, the facets and the group ranking
    exact without a second pass. The position blocks read on the way are
    kept, so phrases and snippets need not read them again.
    """

    def __init__(self, index: SearchIndex, searcher: Searcher, deadline: float = math.inf) -> None:
        self.index = index
        self.deadline = deadline  # perf_counter() time past which scoring gives up
        self.searcher = searcher
        weighting = searcher.weighting
        self.B, self.K1 = weighting.B, weighting.K1
        self.offset = 0
        self.leaves: list[tuple[int, Any]] = []  # (offset, leaf reader)
        self.scored: dict[tuple, dict[int, float]] = {}
        self.results: dict[tuple[int, int], dict[int, float]] = {}  # (offset, id(leaf query))
        self.kept: dict[tuple, tuple[list[int], list]] = {}  # (offset, field, text) -> blocks
        self.partial: set[tuple] = set()  # kept keys holding only the blocks an AND needed
        self.idfs: dict[tuple, float] = {}  # a Fields word's idf (index-wide)
        self.norms: dict[str, tuple[float, float]] = {}  # a field's length normalisation

    def run(self, q) -> dict[int, float]:
        out: dict[int, float] = {}
        s = self.searcher
        for sub, offset in s.subsearchers or [(s, 0)]:
            leaf = sub.reader()
            if not leaf.doc_count_all():
                continue
            self.offset = offset
            self.leaves.append((offset, leaf))
            part = self.node(q, sub, leaf)
            if leaf.has_deletions():  # usually a few documents: drop them one by one
                part = dict(part)
                for d in leaf.deleted_docs_set:
                    part.pop(d, None)
            if not out and not offset:
                out = dict(part)
            elif offset:
                out.update({d + offset: score for d, score in part.items()})
            else:
                out.update(part)
        return out

    def node(self, q, sub, leaf, within: set[int] | None = None) -> dict[int, float]:
        """Scores of the documents `q` matches in `leaf`; with `within`, only those documents
        need be right (the caller intersects with them: an AND narrowing its later parts)."""
        out = self._node(q, sub, leaf, within)
        if not isinstance(q, (wq.And, wq.Or, wq.AndNot)):
            self.results[(self.offset, id(q))] = out  # for lend() below
        return out

    def _node(self, q, sub, leaf, within: set[int] | None) -> dict[int, float]:
        if isinstance(q, wq.Term):
            return self.term(leaf, q.fieldname, q.text, q.boost, within)
        if isinstance(q, Fields):
            return self.fields(leaf, q, within)
        if isinstance(q, wq.Or):
            parts = sorted((self.node(c, sub, leaf, within) for c in q.subqueries), key=len)
            out = dict(parts.pop()) if parts else {}
            for part in parts:
                for d, score in part.items():
                    out[d] = out.get(d, 0.0) + score
            return _boosted(out, q.boost)
        if isinstance(q, wq.And):
            # the likely-smallest part first; each next part is read only where the
            # documents found so far are (its other posting blocks are never decoded)
            children = list(q.subqueries)
            if len(children) > 1:
                children.sort(key=lambda c: self.estimate(c, leaf))
            if not children:
                return {}
            out = self.node(children[0], sub, leaf, within)
            for child in children[1:]:
                if not out:
                    break
                part = self.node(child, sub, leaf, set(out))
                out = {d: score + part[d] for d, score in out.items() if d in part}
            return _boosted(out, q.boost)
        if isinstance(q, wq.AndNot):
            out = self.node(q.a, sub, leaf, within)
            excluded = self.node(q.b, sub, leaf, set(out)) if out else {}
            return {d: score for d, score in out.items() if d not in excluded}
        if isinstance(q, wq.Every) and not q.fieldname:
            return dict.fromkeys(range(leaf.doc_count_all()), q.boost)
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return {}
        if isinstance(q, wq.Phrase) and _has_positions(leaf, q.fieldname):
            return self.phrase(leaf, q, within)
        if isinstance(q, wq.MultiTerm) and q.field() in leaf.schema:
            return self.multiterm(leaf, q)  # many short lists: narrowing them costs more
        matcher = q.matcher(sub, self.searcher.context())
        out = {}
        while matcher.is_active():
            out[matcher.id()] = matcher.score()
            matcher.next()
        return out

    def estimate(self, q, leaf) -> float:
        """About how many documents of `leaf` `q` matches, from term statistics alone."""
        if isinstance(q, wq.Term):
            if q.fieldname not in leaf.schema:
                return 0.0
            return float(leaf.doc_frequency(q.fieldname, q.text))
        if isinstance(q, wq.Or):
            if len(q.subqueries) > 8:  # an expanded wildcard: not worth counting
                return math.inf
            return sum(self.estimate(c, leaf) for c in q.subqueries)
        if isinstance(q, wq.And):
            return min((self.estimate(c, leaf) for c in q.subqueries), default=0.0)
        if isinstance(q, wq.Phrase):
            if q.fieldname not in leaf.schema:
                return 0.0
            return float(min((leaf.doc_frequency(q.fieldname, w) for w in q.words), default=0))
        if isinstance(q, wq.AndNot):
            return self.estimate(q.a, leaf)
        return math.inf

    def term(
        self, leaf, fieldname: str, text: str, boost: float, within: set[int] | None = None
    ) -> dict[int, float]:
        key = (self.offset, fieldname, text, boost)
        if key in self.scored:
            return self.scored[key]
        if within is not None and fieldname == "tag":  # tags: see tag_passages
            within = None
        out: dict[int, float] = {}
        if within is None:
            self._check_deadline()
            self.scored[key] = out
        blocks = self._read(leaf, fieldname, text, within)
        if not self.searcher.schema[fieldname].scorable:
            for ids, _, _ in blocks:
                out.update((d, boost) for d in ids if within is None or d in within)
            return out
        self._bm25(leaf, fieldname, text, boost, blocks, out, within)
        return out

    def _check_deadline(self) -> None:
        if time.perf_counter() > self.deadline:
            raise SearchTimeout(
                "This search took too long and was stopped: try more specific words"
                " or fewer wildcards"
            )

    def _read(self, leaf, fieldname: str, text: str, within: set[int] | None) -> list:
        """A term's posting blocks in `leaf`: all of them, or (with `within`) only those
        that may hold one of its documents, the others passed by their header, never
        decoded. Blocks of fields with positions are kept for phrases and snippets."""
        if (fieldname, text) not in leaf:
            return []
        matcher = leaf.postings(fieldname, text)
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child  # deletions are dropped once, at the end
        keep = _has_positions(leaf, fieldname)
        key = (self.offset, fieldname, text)
        if within is None:
            blocks = list(posting_blocks(matcher, keep))
            if keep:
                self.kept[key] = ([ids[-1] for ids, _, _ in blocks], blocks)
                self.partial.discard(key)
            return blocks
        blocks = list(blocks_within(matcher, sorted(within), keep))
        if keep:  # merged with blocks kept before, so every wanted document finds its block
            if key not in self.kept:
                self.partial.add(key)
            by_last = {b[0][-1]: b for b in self.kept.get(key, ((), ()))[1]}
            by_last.update((b[0][-1], b) for b in blocks)
            self.kept[key] = (sorted(by_last), [by_last[k] for k in sorted(by_last)])
        return blocks

    def _bm25(self, leaf, fieldname, text, boost, blocks, out, within) -> None:
        """BM25 of each posting in `blocks` into `out` (only `within`'s when given)."""
        s = self.searcher
        lengths = self.index.lengths(leaf, fieldname)
        avg = s.avg_field_length(fieldname) or 1.0
        top = s.idf(fieldname, text) * boost * (self.K1 + 1)
        base = self.K1 * (1 - self.B)
        slope = self.K1 * self.B / avg
        for ids, weights, _ in blocks:
            for d, w in zip(ids, weights, strict=True):
                if within is None or d in within:
                    out[d] = top * w / (w + base + slope * lengths[d])

    def fields(self, leaf, q: Fields, within: set[int] | None = None) -> dict[int, float]:
        """One word in several fields as one BM25F term (see index/search/bm25f.py): each
        field's frequency normalised by its length and weighted, added, saturated once."""
        terms = [t for t in q.subqueries if t.fieldname in leaf.schema]
        word = tuple((t.fieldname, t.text, t.boost) for t in terms)
        key = (self.offset, "+fields", word)
        if key in self.scored:
            return self.scored[key]
        if within is None:
            self._check_deadline()
        read = [(t, self._read(leaf, t.fieldname, t.text, within)) for t in terms]
        read = [(t, blocks) for t, blocks in read if blocks]
        out: dict[int, float] = {}
        if read:
            idf = self.idfs.get(word)
            if idf is None:  # a statistic of the whole index: the same in every segment
                idf = self.idfs[word] = fields_idf(self.searcher, terms)
            top, k1 = idf * q.boost * (self.K1 + 1), self.K1  # bm25f.saturate, inlined
            # the longest postings (the text's, usually) are read last, in one pass that
            # adds what the shorter fields (title, tags) hold for the same document
            read.sort(key=lambda tb: sum(len(ids) for ids, _, _ in tb[1]))
            small: dict[int, float] = {}
            for t, blocks in read[:-1]:
                self._frequencies(leaf, t, blocks, within, small)
            t, blocks = read[-1]
            lengths = self.index.lengths(leaf, t.fieldname)
            base, slope = self._norm(t.fieldname)
            weight = t.boost
            more = small.get
            out = {
                d: top * (tf := weight * w / (base + slope * lengths[d]) + more(d, 0.0)) / (tf + k1)
                for ids, weights, _ in blocks
                for d, w in zip(ids, weights, strict=True)
                if within is None or d in within
            }
            for d, tf in small.items():
                if d not in out:
                    out[d] = top * tf / (tf + k1)
        if within is None:
            self.scored[key] = out
        return out

    def _frequencies(self, leaf, t, blocks, within, total: dict[int, float]) -> None:
        """A field's normalised, weighted frequencies of a word, added into `total`."""
        lengths = self.index.lengths(leaf, t.fieldname)
        base, slope = self._norm(t.fieldname)
        weight = t.boost
        for ids, weights, _ in blocks:
            for d, w in zip(ids, weights, strict=True):
                if within is None or d in within:
                    total[d] = total.get(d, 0.0) + weight * w / (base + slope * lengths[d])

    def _norm(self, fieldname: str) -> tuple[float, float]:
        norm = self.norms.get(fieldname)
        if norm is None:
            norm = self.norms[fieldname] = field_norm(self.searcher, fieldname)
        return norm

    def multiterm(self, leaf, q) -> dict[int, float]:
        """Prefixes, wildcards, ranges: each expanded term's postings, constant or BM25."""
        fieldname, field = q.field(), leaf.schema[q.field()]
        out: dict[int, float] = {}
        for btext in wall.term_texts(q, leaf):
            text = btext if isinstance(btext, str) else field.from_bytes(btext)
            for d, score in self.term(leaf, fieldname, text, q.boost).items():
                out[d] = out.get(d, 0.0) + score
        return dict.fromkeys(out, q.boost) if q.constantscore else out

    def phrase(self, leaf, q, within: set[int] | None = None) -> dict[int, float]:
        """Documents holding the words in order (within `slop`), scored as their terms.

        The rarest word is read first; the others only where it occurs.
        """
        order = sorted(q.words, key=lambda w: leaf.doc_frequency(q.fieldname, w))
        found: dict[str, dict[int, float]] = {}
        candidates = within
        for word in order:
            found[word] = self.term(leaf, q.fieldname, word, q.boost, candidates)
            candidates = set(found[word]) if candidates is None else candidates & set(found[word])
            if not candidates:
                return {}
        scored = [found[w] for w in q.words]
        if not candidates:
            return {}
        decode = leaf.schema[q.fieldname].format.decoder("positions")
        positions = [self.values(q.fieldname, w, candidates, decode) for w in q.words]
        return {
            d: sum(part[d] for part in scored)
            for d in candidates
            if _in_order([p[d] for p in positions], q.slop)
        }

    def values(self, fieldname: str, text: str, docs, decode) -> dict[int, object]:
        """Decoded posting values of `docs` (local docnums) from the kept blocks."""
        out = {}
        _, blocks = self.kept.get((self.offset, fieldname, text), ((), ()))
        for ids, _, values in blocks:
            for i, d in enumerate(ids):
                if d in docs:
                    out[d] = decode(values[i])
        return out

    def body_spans(self, docnums: list[int], terms: list[str]) -> dict[int, list]:
        """(start, end, term) of the query's terms in some article bodies.

        Offsets come from the body's stored character positions: from blocks
        read while scoring, or else from the postings.
        """
        decode = self.searcher.schema["body"].format.decoder("characters")
        out: dict[int, list] = {d: [] for d in docnums}
        for d in docnums:
            for offset, leaf in self.leaves:
                if offset <= d < offset + leaf.doc_count_all():
                    break
            else:
                continue
            local = d - offset
            for term in terms:
                kept = self.kept.get((offset, "body", term))
                if kept is None:
                    self.offset = offset
                    self.term(leaf, "body", term, 1.0)
                    kept = self.kept.get((offset, "body", term), ([], []))
                value = _kept_value(kept, local)
                if value is None and (offset, "body", term) in self.partial:
                    value = _posting_value(leaf, "body", term, local)  # read for an AND: a part
                if value is not None:
                    out[d].extend((start, end, term) for _, start, end in decode(value))
        return out


def _has_positions(leaf, fieldname: str) -> bool:
    if fieldname not in leaf.schema:
        return False
    fmt = leaf.schema[fieldname].format
    return fmt is not None and fmt.supports("positions")


def _in_order(positions: list, slop: int) -> bool:
    """True when some position of the first word starts the phrase in order."""
    rest = [set(p) for p in positions[1:]]
    for start in positions[0]:
        at = start
        for later in rest:
            step = next((at + k for k in range(1, slop + 1) if at + k in later), None)
            if step is None:
                break
            at = step
        else:
            return True
    return False


def tag_passages(s: Searcher, scorer: Scorer, q, table: Table, groups, scores) -> None:
    """List the passages whose tags made their article match.

    An article's `tag` field holds its passages' tags too, so `tag:roads
    juliaca` finds the articles about Juliaca with a passage tagged Roads;
    those passages go into the article's group, though they do not say
    "Juliaca" themselves.
    """
    leaves = _tag_leaves(q, True)
    if not leaves:
        return
    tagged: set[int] = set()
    for offset, _ in scorer.leaves:
        for leaf_query in leaves:
            tagged.update(d + offset for d in scorer.results.get((offset, id(leaf_query)), ()))
    reader = s.reader()
    for art, docs in groups.items():
        if table.article_doc(art) not in scores:
            continue
        for note in table.note_docs(art):
            if note in tagged and note not in scores and not reader.is_deleted(note):
                scores[note] = 1.0
                docs.append(note)


def _tag_leaves(q, positive: bool) -> list:
    """The `tag:` leaves of `q` that must match (not those under NOT)."""
    if isinstance(q, wq.AndNot):
        return _tag_leaves(q.a, positive) + _tag_leaves(q.b, not positive)
    if isinstance(q, (wq.And, wq.Or)):
        return [leaf for sub in q.subqueries for leaf in _tag_leaves(sub, positive)]
    fieldname = q.field() if hasattr(q, "field") else getattr(q, "fieldname", None)
    return [q] if positive and fieldname == "tag" else []


def _boosted(scores: dict[int, float], boost: float) -> dict[int, float]:
    if boost != 1.0:
        return {d: score * boost for d, score in scores.items()}
    return scores


def posting_blocks(matcher, values: bool = False):
    """(ids, weights, values or None) of a postings list, a block at a time when it is whoosh's."""
    if wall.has_blocks(matcher):
        while matcher.is_active():
            yield wall.read_block(matcher, values)
            wall.next_block(matcher)
        return
    ids, weights, vals = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if values:
            vals.append(matcher.value())
        matcher.next()
    yield ids, weights, vals if values else None


def _kept_value(kept, docnum: int):
    """A document's posting value from kept blocks, None when they do not hold it."""
    maxes, blocks = kept
    i = bisect.bisect_left(maxes, docnum)
    if i == len(maxes):
        return None
    ids, _, values = blocks[i]
    j = bisect.bisect_left(ids, docnum)
    return values[j] if j < len(ids) and ids[j] == docnum else None


def _posting_value(leaf, fieldname: str, text: str, docnum: int):
    """One document's posting value read from the index (None when the term is not there)."""
    if (fieldname, text) not in leaf:
        return None
    matcher = leaf.postings(fieldname, text)
    if matcher.is_active():
        matcher.skip_to(docnum)
    return matcher.value() if matcher.is_active() and matcher.id() == docnum else None


def blocks_within(matcher, wanted: list[int], values: bool):
    """Like posting_blocks, but only the blocks that may hold one of `wanted` (sorted docnums):
    a block whose last id is below the next wanted document is passed by its header."""
    if not wall.has_blocks(matcher):
        yield from posting_blocks(matcher, values)
        return
    i, count = 0, len(wanted)
    while matcher.is_active() and i < count:
        last = wall.block_last_id(matcher)
        if wanted[i] <= last:
            yield wall.read_block(matcher, values)
            i = bisect.bisect_right(wanted, last, i)
        wall.next_block(matcher)


def group_hits(scores: dict[int, float], table: Table) -> tuple[dict, dict]:
    """Matching docnums by article id, and each group's best score."""
    arts = list(map(table.articles.__getitem__, scores))
    one = dict(zip(arts, scores, strict=True))
    if len(one) == len(scores):  # the usual case: one matching document per article
        return {art: [d] for art, d in one.items()}, dict(zip(arts, scores.values(), strict=True))
    groups: dict[int, list[int]] = {}
    best: dict[int, float] = {}
    for art, (d, score) in zip(arts, scores.items(), strict=True):
        if art in groups:
            groups[art].append(d)
            if score > best[art]:
                best[art] = score
        else:
            groups[art] = [d]
            best[art] = score
    return groups, best


def rank_groups(groups, best, table: Table, limit: int, sort: str) -> list[int]:
    """The article ids of the first `limit` groups in `sort` order (unknown dates last)."""
    if not limit or not groups:
        return []
    if sort == "relevance":
        return heapq.nlargest(limit, best, key=best.__getitem__)
    dates = table.dates
    dated = [art for art, docs in groups.items() if dates[docs[0]]]
    undated = sorted(art for art, docs in groups.items() if not dates[docs[0]])
    key = {art: (dates[groups[art][0]], art) for art in dated}
    return (heapq.nlargest if sort == "newest" else heapq.nsmallest)(
        limit, dated, key=key.__getitem__
    ) + undated[: max(0, limit - len(dated))]


def facet_counts(groups: dict[int, list[int]], table: Table) -> dict[str, dict[str, int]]:
    """Counts of groups per author, year, tag and passage colour, over every matching group."""
    firsts = [docs[0] for docs in groups.values()]
    authors = Counter(map(table.authors.__getitem__, firsts))
    years = Counter(map(table.years.__getitem__, firsts))
    t_tags = table.tags
    singles = [docs[0] for docs in groups.values() if len(docs) == 1]
    tags = Counter(itertools.chain.from_iterable(map(t_tags.__getitem__, singles)))
    for docs in groups.values():
        if len(docs) > 1:
            tags.update({t for d in docs for t in t_tags[d]})
    # colours: of the matching passages in each group (what adding color: keeps)
    colors = Counter(map(table.colors.__getitem__, singles))
    for docs in groups.values():
        if len(docs) > 1:
            colors.update({table.colors[d] for d in docs})
    authors.pop(None, None)
    years.pop(None, None)
    colors.pop(None, None)

    def top(counter: Counter) -> dict[Any, int]:
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
        return dict(ranked[:FACET_LIMIT])

    return {
        "authors": top(authors),
        "years": dict(sorted(years.items(), reverse=True)),
        "tags": top(tags),
        "colors": top(colors),
    }
