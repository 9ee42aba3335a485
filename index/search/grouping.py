"""Shaping a search's scores: groups by article, their rank, facets, tagged passages.

The scores come from scorer.py (docnum → score over every match); grouping, ranking
and counting facets over every match keep the total and the facets exact. These are the
dict versions: search runs matches.py's array versions (the tests hold the two equal),
and ranks by date through `rank_groups` here.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from typing import TYPE_CHECKING, Any

from whoosh import query as wq
from whoosh.searching import Searcher

if TYPE_CHECKING:
    from index.search.scorer import Scorer
    from index.search.table import Table

FACET_LIMIT = 100


def tagged_documents(scorer: Scorer, q) -> set[int]:
    """The documents (index-wide numbers) the query's `tag:` words matched; empty for none."""
    tagged: set[int] = set()
    for leaf_query in tag_leaves(q, True):
        hits = scorer.results.get(id(leaf_query))
        if hits is not None:
            tagged.update(hits[0].tolist())
    return tagged


def tag_passages(s: Searcher, scorer: Scorer, q, table: Table, groups, scores) -> None:
    """List the passages whose tags made their article match.

    An article's `tag` field holds its passages' tags too, so `tag:roads
    juliaca` finds the articles about Juliaca with a passage tagged Roads;
    those passages go into the article's group, though they do not say
    "Juliaca" themselves.
    """
    tagged = tagged_documents(scorer, q)
    if not tagged:
        return
    reader = s.reader()
    for art, docs in groups.items():
        if table.article_doc(art) not in scores:
            continue
        for note in table.note_docs(art):
            if note in tagged and note not in scores and not reader.is_deleted(note):
                scores[note] = 1.0
                docs.append(note)


def tag_leaves(q, positive: bool) -> list:
    """The `tag:` leaves of `q` that must match (not those under NOT)."""
    if isinstance(q, wq.AndNot):
        return tag_leaves(q.a, positive) + tag_leaves(q.b, not positive)
    if isinstance(q, (wq.And, wq.Or)):
        return [leaf for sub in q.subqueries for leaf in tag_leaves(sub, positive)]
    fieldname = q.field() if hasattr(q, "field") else getattr(q, "fieldname", None)
    return [q] if positive and fieldname == "tag" else []


def leave_out(scores: dict[int, float], table: Table, hidden: frozenset[int]) -> None:
    """Drop the documents of the `hidden` articles (theirs and their passages') from `scores`."""
    for article_id in hidden:
        own = table.article_doc(article_id)
        for docnum in (*([] if own is None else [own]), *table.note_docs(article_id)):
            scores.pop(docnum, None)


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
