"""Our array scorer against whoosh's own searcher (its matchers, with our weighting and
the BM25F `Fields` node of bm25f.py), and the whoosh wall.

Gloss scores queries over whole posting lists as arrays (index/search/scorer.py) instead
of through whoosh's matchers, for speed; it must give the same answers. On an
index of several segments with deleted documents, every query class (terms,
AND, OR, NOT, phrases, prefixes, fields) must match the same documents with the
same scores (to 1e-9) and the same top ten as whoosh's searcher. And a whoosh
that lacks one of the internals we read must stop the opening with one line,
touching neither the index nor the store.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from index.search import whoosh_wall
from index.search.engine import SearchIndex
from index.search.expansion import expand_query
from index.search.query import parse_query
from index.search.scorer import Scorer
from tests.conftest import BBC, need

QUERIES = [
    "economy",
    "market growth",
    "oil prices rise sharply",  # an AND of four words: the later ones scored where needed
    "oil OR gas",
    "shares -profits",
    '"interest rates"',
    '"chief executive"',
    '"rates rise"~4',  # a phrase with slop: each word within four of the one before
    '"oil price" OR "gas price"',
    "econom*",
    "title:profits",
    "title:bank OR body:inflation",
    "(growth OR recession) AND euro",
    '"the bank"',
    "compan* -title:firm",
    "which firms reported profits and growth of their shares in europe?",  # a sentence: a bag
    # dates: read from the facet table's dates (scorer.dates), not a term per day
    "date:[2005-02 to 2005-03]",
    "market date:2005-02",
    "date:>2005-03-15",
    "date:<=2005-01-20 OR date:>=2010-07",
    "growth date:[2007 to *]",
    "date:2005-01-10",
    "date:<2005-01-21",  # the end itself left out
]


def _docs(topic: str, count: int, first_id: int) -> list[dict]:
    root = need(BBC) / topic
    out = []
    for i, path in enumerate(sorted(root.glob("*.txt"))[:count]):
        lines = [x.strip() for x in path.read_bytes().decode("latin-1").splitlines() if x.strip()]
        art_id = first_id + i
        out.append(
            {
                "kind": "article",
                "id": f"a:{art_id}",
                "article_id": art_id,
                "title": lines[0],
                "author": None,
                "date": (date(2005, 1, 1) + timedelta(days=art_id)).isoformat(),
                "body": "\n".join(lines[1:]),
                "tags": [],
            }
        )
    return out


@pytest.fixture(scope="module")
def segmented(tmp_path_factory):
    """Three commits (three segments, none merged away) and deletions in two of them."""
    ix = SearchIndex.open(tmp_path_factory.mktemp("parity") / "search-index")
    ix.rebuild([])
    ix.apply(_docs("business", 120, 1), [])
    ix.apply(_docs("politics", 120, 1001), [])
    ix.apply(_docs("tech", 120, 2001), [f"a:{n}" for n in range(5, 60, 7)])
    ix.apply([], [f"a:{n}" for n in range(1003, 1100, 11)])
    yield ix
    ix.close()


def test_the_index_under_test_has_segments_and_deletions(segmented):
    reader = segmented._searcher().reader()
    leaves = [leaf for leaf, _ in reader.leaf_readers()]
    assert len(leaves) >= 2
    assert any(leaf.has_deletions() for leaf in leaves)


@pytest.mark.parametrize("text", QUERIES)
def test_our_scores_equal_whooshs_bm25f(segmented, text):
    s = segmented._searcher()
    q, _, _ = expand_query(parse_query(text).query, s.reader())
    ours = Scorer(segmented, s).run(q)
    theirs = {hit.docnum: hit.score for hit in s.search(q, limit=None)}
    assert ours, f"{text} matched nothing: not a useful case"
    assert set(ours) == set(theirs), text
    for docnum, score in theirs.items():
        assert ours[docnum] == pytest.approx(score, abs=1e-9, rel=1e-9), (text, docnum)
    top = [d for d, _ in sorted(ours.items(), key=lambda kv: (-kv[1], kv[0]))[:10]]
    their_top = [d for d, _ in sorted(theirs.items(), key=lambda kv: (-kv[1], kv[0]))[:10]]
    assert top == their_top, text


def test_a_missing_whoosh_internal_is_one_line_and_touches_nothing(tmp_path, monkeypatch):
    """A whoosh release that renamed an internal: the library does not open, says why in
    one line naming the version, and leaves the index and the database as they were."""
    from whoosh.index import FileIndex

    from index import Library, StoreError

    folder = tmp_path / "lib"
    note = tmp_path / "note.md"
    note.write_text("# Tides\n\nThe tide tables of the estuary, kept since 1901.\n")
    with Library.open(folder, create_welcome=False) as library:
        library.import_paths([note])
        assert library.search("estuary").total == 1

    def snapshot() -> dict[str, bytes]:
        return {
            str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and "backups" not in p.parts and not p.name.startswith("gloss.lock")
        }

    before = snapshot()
    whoosh_wall.check.cache_clear()
    monkeypatch.delattr(FileIndex, "_read_toc")
    try:
        with pytest.raises(StoreError) as refused:
            Library.open(folder, create_welcome=False)
    finally:
        monkeypatch.undo()
        whoosh_wall.check.cache_clear()
    message = str(refused.value)
    assert "\n" not in message
    assert "whoosh-reloaded" in message and "not one Gloss supports" in message
    assert "FileIndex._read_toc" in message
    assert snapshot() == before
    with Library.open(folder, create_welcome=False) as library:  # and it opens once fixed
        assert library.search("estuary").total == 1


@pytest.mark.parametrize("text", QUERIES)
def test_groups_and_facets_on_arrays_equal_the_dict_versions_across_segments(segmented, text):
    """matches.py joins each segment's facet columns; the answer is the same as counting
    over the whole table with dicts (grouping.py)."""
    from index.search import grouping
    from index.search.matches import Matches

    s = segmented._searcher()
    table = segmented._table(s)
    q, _, _ = expand_query(parse_query(text).query, s.reader())
    ids, scores = Scorer(segmented, s).run_arrays(q)
    matches = Matches(ids, scores, table)
    groups, best = grouping.group_hits(dict(zip(ids.tolist(), scores.tolist(), strict=True)), table)
    assert len(table.parts) >= 2
    assert len(matches) == len(groups)
    assert matches.facets() == grouping.facet_counts(groups, table)
    chosen = [int(matches.arts[g]) for g in matches.rank(10, "relevance")]
    assert chosen == grouping.rank_groups(groups, best, table, 10, "relevance")


def test_postings_joined_over_segments_are_each_segments_own_shifted(segmented):
    """joined.py: a term's postings over every segment are each segment's, in segment
    order, document numbers shifted by the segment's offset; weights and places alike,
    whether all rows are asked for or only some of them."""
    import numpy as np

    from index.search import joined
    from index.search.postings import places as segment_places

    s = segmented._searcher()
    segments = joined.Segments(segmented, s)
    assert len(segments.leaves) >= 3
    for term in ("econom", "market", "the", "rate"):
        found = segments.postings("body", term)
        own = [
            (offset, leaf, p)
            for offset, leaf in segments.leaves
            if (p := segmented.postings(leaf, "body", term)) is not None and len(p)
        ]
        assert found is not None and len(found.parts) >= 2, term
        assert found.ids.tolist() == [d + o for o, _, p in own for d in p.ids.tolist()]
        every = np.arange(len(found))
        some = every[::3]
        expected = np.concatenate([p.weights for _, _, p in own])
        assert found.weights_at(some).tolist() == expected[some].tolist()
        assert found.weights.tolist() == expected.tolist()
        owner, spots = joined.places("body", term, found, some)
        rows, first, want_spots = [], 0, []
        for _, leaf, p in own:
            local = some[(some >= first) & (some < first + len(p))] - first
            o, sp = segment_places(leaf, "body", term, p, local)
            rows += (o + first).tolist()
            want_spots += sp.tolist()
            first += len(p)
        assert owner.tolist() == rows and spots.tolist() == want_spots, term


def test_located_rows_equal_those_of_the_joined_ids(segmented):
    """JoinedPostings.locate finds which documents a term holds, and their rows, in each
    segment's own ids (a phrase's common words are never joined): the same as a search of
    the joined ids, for documents of every segment, held or not, and none."""
    import random

    import numpy as np

    from index.search import joined

    s = segmented._searcher()
    segments = joined.Segments(segmented, s)
    rng = random.Random(4)
    tried = 0
    for term in ("econom", "market", "the", "rate", "estuari", "said"):
        found = segments.postings("body", term)
        if found is None:
            continue
        every = found.ids
        for size in (0, 1, 5, 50, 400):
            size = min(size, segments.doc_count)
            docs = np.array(sorted(rng.sample(range(segments.doc_count), size)), np.int64)
            if size and rng.random() < 0.5:  # some that it surely holds
                docs = np.unique(
                    np.concatenate([docs, rng.sample(every.tolist(), min(3, len(every)))])
                )
            fresh = joined.JoinedPostings(found.parts)  # not joined yet
            held, rows = fresh.locate(docs)
            want = np.isin(docs, every)
            assert held.tolist() == want.tolist(), term
            assert rows.tolist() == np.searchsorted(every, docs[want]).tolist(), term
            assert len(fresh) == len(every)
            tried += 1
    assert tried >= 20


def test_a_small_bound_on_joined_postings_changes_no_answer(segmented, monkeypatch):
    """Joined postings are kept per searcher up to a bound; with almost none kept, every
    query still scores as it did."""
    from index.search import joined

    s = segmented._searcher()
    wanted = {}
    for text in QUERIES:
        q, _, _ = expand_query(parse_query(text).query, s.reader())
        wanted[text] = Scorer(segmented, s).run(q)
    monkeypatch.setattr(joined, "JOINED_LIMIT_BYTES", 1)
    segmented._local.segments = None
    for text in QUERIES:
        q, _, _ = expand_query(parse_query(text).query, s.reader())
        assert Scorer(segmented, s).run(q) == wanted[text], text
