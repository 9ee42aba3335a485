"""Gloss's posting format (index/search/codec.py) against whoosh's own, on the BBC corpus.

The same 2,225 articles and 300 passages are indexed twice: with GlossCodec (flat arrays,
the index Gloss writes) and with whoosh's W3Codec and whoosh's pickled positions (what
indexes before gloss4 held). Every query of the benchmark's classes must give the same
answer on both: matches and scores (to 1e-9), totals, top ten, snippets, facets, and the
same positions and characters for each matched term. Then: an index written by the old
codec opens (it is rebuilt, with the notice, and nothing is lost), and the cache of
decoded postings makes search-as-you-type decode a term once.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pytest
from whoosh.codec.whoosh3 import W3Codec

from index.search import codec
from index.search import engine as search_engine
from index.search import postings as postings_module
from index.search import whoosh_wall as wall
from index.search.engine import INDEX_NAME, SearchIndex
from index.search.expansion import expand_query
from index.search.fields import SpellingWriter, document_fields, schema
from index.search.postings import places
from index.search.query import parse_query
from index.search.scorer import Scorer
from tests.benchmarks import bench_corpus as corpus
from tests.benchmarks.bench import TAGS
from tests.conftest import BBC, need

PASSAGES = 300
PER_CLASS = 50  # queries of each bench class compared (half of them: the test stays near 30 s)


def _corpus() -> tuple[list[dict], dict[int, str], list[str], list]:
    stories = corpus.read_stories(need(BBC))
    rng = random.Random(7)
    docs, texts = [], {}
    for i, story in enumerate(stories, 1):
        body = "\n".join(story.paragraphs)
        texts[i] = body
        day = (date(2004, 1, 1) + timedelta(days=i % 700)).isoformat()
        docs.append(
            {
                "kind": "article",
                "id": f"a:{i}",
                "article_id": i,
                "title": story.title,
                "author": None,
                "date": day,
                "body": body,
                "tags": [],
            }
        )
    df, _, _ = corpus._vocabulary(stories)
    note_words = sorted(w for w, n in df.items() if 30 <= n <= 300)
    note_words = rng.sample(note_words, 60)
    for n in range(PASSAGES):
        art = rng.randrange(1, len(stories) + 1)
        words = texts[art].split()
        start = rng.randrange(max(1, len(words) - 12))
        docs.append(
            {
                "kind": "annotation",
                "id": f"n:p{n}",
                "annotation_id": f"p{n}",
                "article_id": art,
                "title": docs[art - 1]["title"],
                "author": None,
                "date": docs[art - 1]["date"],
                "quote": " ".join(words[start : start + 10]),
                "note": " ".join(rng.sample(note_words, rng.randint(1, 4))),
                "tags": rng.sample(TAGS, rng.randint(1, 2)),
                "color": rng.choice(("yellow", "green", "blue", "pink")),
                "orphaned": False,
            }
        )
    queries = corpus.make_queries(stories, TAGS, note_words)
    return docs, texts, note_words, queries


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """(new index, old-codec index, article texts, queries)."""
    docs, texts, _, queries = _corpus()
    new = SearchIndex.open(tmp_path_factory.mktemp("flat") / "search-index")
    new.rebuild(docs)
    folder = tmp_path_factory.mktemp("whoosh3") / "search-index"
    folder.mkdir()
    old = _old_codec_index(folder, docs, INDEX_NAME)
    yield new, old, texts, queries
    new.close()
    old.close()


def _old_codec_index(folder, docs: list[dict], name: str) -> SearchIndex:
    """An index as Gloss wrote it before gloss4: whoosh's codec and pickled positions."""
    storage = search_engine.MappedStorage(str(folder))
    ix = storage.create_index(schema(flat=False), name)
    writer = SpellingWriter(ix, limitmb=128, compound=False, codec=W3Codec())
    for doc in docs:
        writer.add_document(**document_fields(doc))
    writer.commit()
    return SearchIndex(folder, storage, ix)


def _chosen(queries) -> list[str]:
    by_kind: dict[str, list[str]] = {}
    for q in queries:
        by_kind.setdefault(q.kind, []).append(q.gloss)
    return [g for kind in corpus.CLASSES for g in by_kind.get(kind, [])[:PER_CLASS]]


def assert_same_answers(new, old, text: str, texts: dict, *, exact: bool = False) -> int:
    """Both indexes answer `text` alike: totals, terms, suggestion, facets, the top ten
    with their scores (equal, or to 1e-9), snippets and passages; returns the total."""
    a = new.search(text, text_for=texts.__getitem__, limit=10)
    b = old.search(text, text_for=texts.__getitem__, limit=10)
    assert (a.total, a.terms, a.suggestion, a.facets) == (
        b.total,
        b.terms,
        b.suggestion,
        b.facets,
    ), text
    assert [h.article_id for h in a.hits] == [h.article_id for h in b.hits], text
    for x, y in zip(a.hits, b.hits, strict=True):
        if exact:
            assert x.score == y.score, text
        else:
            assert x.score == pytest.approx(y.score, abs=1e-9, rel=1e-9), text
        assert x.snippet == y.snippet, (text, x.article_id)
        assert [n.annotation_id for n in x.annotations] == [
            n.annotation_id for n in y.annotations
        ], text
        for m, n in zip(x.annotations, y.annotations, strict=True):
            assert m.snippet == n.snippet, text
    return a.total


def test_the_two_indexes_differ_in_format(both):
    new, old, _, _ = both
    new_leaf = new._searcher().reader()
    old_leaf = old._searcher().reader()
    assert type(new_leaf.segment().codec()).__name__ == "GlossCodec"
    assert type(old_leaf.segment().codec()) is W3Codec
    pst = [p for p in new.folder.iterdir() if p.suffix == ".pst"]
    assert pst and b"GLP1" in pst[0].read_bytes()[:4096]


def test_every_bench_query_answers_the_same_on_both_codecs(both):
    new, old, texts, queries = both
    chosen = _chosen(queries)
    assert {q.kind for q in queries} == set(corpus.CLASSES)
    matched = sum(assert_same_answers(new, old, text, texts) > 0 for text in chosen)
    assert matched > 0.9 * len(chosen)


def test_scores_of_every_match_are_equal_on_both_codecs(both):
    new, old, _, queries = both
    for text in _chosen(queries):
        parsed = parse_query(text).query
        if parsed is None:  # only stop words: nothing to score
            continue
        scores = []
        for ix in (new, old):
            s = ix._searcher()
            q, _, _ = expand_query(parsed, s.reader())
            scores.append(Scorer(ix, s).run(q))
        ours, theirs = scores
        assert set(ours) == set(theirs), text
        for d, score in theirs.items():
            assert ours[d] == pytest.approx(score, abs=1e-9, rel=1e-9), (text, d)


def test_positions_and_characters_are_equal_on_both_codecs(both):
    new, old, _, queries = both
    terms: set[str] = set()
    for text in _chosen(queries):
        parsed = parse_query(text).query
        if text.startswith('"') and parsed is not None:
            _, found, _ = expand_query(parsed, new._searcher().reader())
            terms.update(found)
    assert len(terms) > 50
    for fieldname in ("body", "title"):
        for term in sorted(terms):
            got = []
            for ix in (new, old):
                leaf = ix._searcher().reader()
                p = ix.postings(leaf, fieldname, term)
                if p is None:
                    got.append(None)
                    continue
                owner, spots = places(leaf, fieldname, term, p, np.arange(len(p)))
                got.append((p.ids.tolist(), p.weights.tolist(), owner.tolist(), spots.tolist()))
            assert got[0] == got[1], (fieldname, term)


def test_places_of_a_few_rows_equal_the_old_codecs(both):
    """A few rows' places are sliced from the map one posting at a time (codec.FEW_ROWS);
    more rows go through the NumPy gather. Both equal the old codec's, row sets of every
    size around the switch, first and last rows included; and the positions alone (what a
    phrase reads) are the places' first column, on both codecs."""
    new, old, _, _ = both
    rng = random.Random(3)
    compared = 0
    for term in ("year", "said", "govern", "market", "film", "elect", "game", "music"):
        found = []
        for ix in (new, old):
            leaf = ix._searcher().reader()
            found.append((leaf, ix.postings(leaf, "body", term)))
        (leaf_new, p_new), (leaf_old, p_old) = found
        assert p_new is not None and p_old is not None and len(p_new) > 100, term
        for size in (1, 2, 3, 7, codec.FEW_ROWS - 1, codec.FEW_ROWS, codec.FEW_ROWS + 1, 60):
            for _ in range(12):
                rows = np.array(sorted(rng.sample(range(len(p_new)), size)), np.int64)
                if rng.random() < 0.3:
                    rows[0] = 0
                    rows = np.unique(np.append(rows, len(p_new) - 1))
                a = places(leaf_new, "body", term, p_new, rows)
                b = places(leaf_old, "body", term, p_old, rows)
                assert a[0].tolist() == b[0].tolist(), (term, rows)
                assert a[1].tolist() == b[1].tolist(), (term, rows)
                assert a[1].shape == b[1].shape and a[1].dtype == np.int32
                for leaf, p in ((leaf_new, p_new), (leaf_old, p_old)):  # a phrase's reading
                    owner, positions = places(leaf, "body", term, p, rows, positions_only=True)
                    assert owner.tolist() == a[0].tolist(), (term, rows)
                    assert positions.tolist() == a[1][:, 0].tolist(), (term, rows)
                compared += 1
    assert compared == 8 * 8 * 12


def test_terms_are_found_as_whooshs_hash_reader_finds_them(both):
    """whoosh_wall reads a term's place in the terms file with its own probe of whoosh's
    hash tables (no generators, no TermInfo): the same value for every term of a sample of
    the index's, none for words it lacks, and the postings equal those read through
    whoosh's matcher."""
    new, _, _, _ = both
    leaf = new._searcher().reader()
    terms = leaf._terms
    table = terms._tindex
    mapped = table.dbfile.mapped
    rng = random.Random(9)
    every = list(leaf.all_terms())
    assert len(every) > 20_000
    sample = rng.sample(every, 3000)
    for fieldname, btext in sample:
        key = terms._keycoder(fieldname, btext)
        assert wall._find_key(table, mapped, key) == table.range_for_key(key)
        if fieldname in ("body", "title") and rng.random() < 0.2:
            text = btext.decode("utf-8")
            read = postings_module._decode(leaf, fieldname, text)
            through = wall.term_matcher(leaf, fieldname, text).postings
            assert read.ids.tolist() == through.ids.tolist()
            assert read.weights.tolist() == through.weights.tolist()
            assert read.ends.tolist() == through.ends.tolist()
    for word in ("zzzqqq", "absentword", "governmentx", ""):
        for fieldname in ("body", "title", "tagtext"):
            key = terms._keycoder(fieldname, word.encode())
            assert wall._find_key(table, mapped, key) is None
            assert postings_module._decode(leaf, fieldname, word) is None


def test_an_index_written_by_the_old_codec_is_rebuilt_and_loses_nothing(tmp_path):
    """A library whose search index is a gloss3 one (whoosh's codec): it opens, the index
    is rebuilt from the library with the notice, and every article is found again."""
    from index import Library

    folder = tmp_path / "lib"
    notes = []
    words = ("estuary", "lighthouse", "saltmarsh")
    for i, word in enumerate(words):
        path = tmp_path / f"note{i}.md"
        path.write_text(f"# Note {i}\n\nThe {word} at dawn, seen from the old pier.\n")
        notes.append(path)
    with Library.open(folder, create_welcome=False) as library:
        library.import_paths(notes)
        assert library.search("pier").total == 3
    index_dir = folder / "search-index"
    for path in index_dir.iterdir():
        path.unlink()
    old_docs = [  # what the old index held is never read: the library is the truth
        {
            "kind": "article",
            "id": f"a:{i}",
            "article_id": i,
            "title": f"Note {i}",
            "author": None,
            "date": None,
            "body": f"The {word} at dawn",
            "tags": [],
        }
        for i, word in enumerate(words, 1)
    ]
    _old_codec_index(index_dir, old_docs, "gloss3").close()
    assert any(p.name.startswith("_gloss3") and p.suffix == ".toc" for p in index_dir.iterdir())
    with Library.open(folder, create_welcome=False) as library:
        assert any("rebuilt" in n for n in library.notices)
        for word in words:
            assert library.search(word).total == 1, word
        assert library.search("pier").total == 3
    names = {p.name for p in index_dir.iterdir()}
    assert any(n.startswith("_gloss4") and n.endswith(".toc") for n in names)
    assert not any(n.endswith(".toc") and "gloss3" in n for n in names)


def test_typing_a_query_decodes_each_term_once(both):
    """search-as-you-type: "state of emerg", "state of emerge", "state of emergen" read
    the postings of "state" from the files once; the later searches find them cached."""
    from index.search.postings import PostingCache

    new, _, texts, _ = both
    new.posting_cache = cache = PostingCache()
    new._local.segments = None  # and the searcher's joined postings (joined.py) with it
    counts = []
    for typed in ("state of emerg", "state of emerge", "state of emergen"):
        new.search(typed, text_for=texts.__getitem__)
        counts.append(cache.decoded[("body", "state")])
    assert counts == [1, 1, 1]
    assert cache.decoded[("title", "state")] == 1
    decodes = cache.decodes
    new.search("state of emergen", text_for=texts.__getitem__)
    assert cache.decodes == decodes  # the same query again: nothing decoded


def test_the_cache_is_bounded_by_bytes_and_drops_merged_segments(both):
    from index.search.postings import PostingCache

    new, _, _, _ = both
    leaf = new._searcher().reader()
    cache = PostingCache(limit_bytes=200_000)
    for term in ("the", "said", "year", "market", "govern", "minist", "peopl"):
        cache.postings(leaf, "body", term)
    assert cache._bytes <= 200_000 or len(cache) == 1
    assert cache.decodes == 7
    cache.postings(leaf, "body", "peopl")
    assert cache.decodes == 7
    cache.keep_only(["another-segment"])
    assert len(cache) == 0


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_grouping_on_arrays_equals_grouping_on_dicts(both, sort):
    """matches.py (what search runs) against grouping.py's dict versions: the same groups,
    rank, listed passages and facets for every bench query, with a hidden article."""
    from index.search import grouping
    from index.search.matches import Matches, drop_hidden

    new, _, _, queries = both
    s = new._searcher()
    table = new._table(s)
    hidden = frozenset({1, 2, 3})
    single = tagged = 0
    for text in _chosen(queries):
        parsed = parse_query(text).query
        if parsed is None:
            continue
        q, _, _ = expand_query(parsed, s.reader())
        scorer = Scorer(new, s)
        ids, scores = scorer.run_arrays(q)
        matches = Matches(*drop_hidden(ids, scores, table, hidden), table)
        matches.add_tagged(s, scorer, q)
        chosen = matches.rank(20, sort)
        old_scores = dict(zip(ids.tolist(), scores.tolist(), strict=True))
        grouping.leave_out(old_scores, table, hidden)
        groups, best = grouping.group_hits(old_scores, table)
        grouping.tag_passages(s, scorer, q, table, groups, old_scores)
        assert len(matches) == len(groups), text
        old_chosen = grouping.rank_groups(groups, best, table, 20, sort)
        assert [int(matches.arts[g]) for g in chosen] == old_chosen, text
        assert [matches.docs(g) for g in chosen] == [groups[a] for a in old_chosen], text
        parts, shown = matches.shown(chosen)
        for (art, article_doc, notes), a in zip(parts, old_chosen, strict=True):
            own = table.article_doc(a)
            assert art == a and article_doc == (own if own in groups[a] else None), text
            assert [article_doc, *notes] == groups[a] or notes == groups[a], text
        assert shown == {d: old_scores[d] for a in old_chosen for d in groups[a]}, text
        assert matches.facets() == grouping.facet_counts(groups, table), text
        if not matches.extra and bool((matches.counts == 1).all()):  # whatever their number
            assert matches.single_facets() == matches.array_facets(), text
            single += 1
            tagged += any(
                matches.columns.tag_ends[d] < matches.columns.tag_ends[d + 1]
                for d in matches.first.tolist()
            )
    assert single > 50 and tagged > 10


def test_did_you_mean_is_never_worked_out_for_a_query_with_enough_hits(tmp_path):
    """The spelling check reads each segment's word list (rapidfuzz over thousands of
    words): a query that found enough articles never gets that far; one that found
    too few does, and is offered the correction."""
    from index.search import expansion

    docs, texts, _, _ = _corpus()
    ix = SearchIndex.open(tmp_path / "search-index")
    ix.rebuild([d for d in docs if d["kind"] == "article"][:200])
    try:
        segments = {
            leaf.segment().segment_id() for leaf, _ in ix._searcher().reader().leaf_readers()
        }

        def word_lists_read() -> bool:
            return any(key[0] in segments for key in expansion._VOCABULARIES)

        found = ix.search("government", text_for=texts.__getitem__)
        assert found.total >= 3 and found.suggestion is None
        assert not word_lists_read()
        missed = ix.search("govenrment", text_for=texts.__getitem__)
        assert missed.total == 0 and missed.suggestion == "government"
        assert word_lists_read()
    finally:
        ix.close()


def test_passage_snippets_from_the_postings_equal_those_found_by_analysis(both):
    """A passage's quote (or note) is analysed for its snippet only when the index says it
    holds a word of the query: the snippets are those that analysing every one gives."""
    from index.search import snippets

    new, _, texts, queries = both
    s = new._searcher()
    docnums = {doc_id: d for d, doc_id in enumerate(new._table(s).ids)}
    compared = marked = 0
    for text in [q.gloss for q in queries if q.kind in ("annotation", "common", "rare")]:
        result = new.search(text, text_for=texts.__getitem__, limit=20)
        for hit in result.hits:
            for note in hit.annotations:
                doc = docnums["n:" + note.annotation_id]
                again = snippets._annotation_hit(s, doc, {}, result.terms)  # analysed
                assert again.snippet == note.snippet, text
                compared += 1
                marked += any(f.match for f in note.snippet)
    assert compared > 200 and marked > 50


def test_the_tables_article_and_passage_documents_are_those_of_a_walk(both):
    """Table's index of each article's own document and its passages' documents, made
    from the columns, equals a walk over every document (the last of an article wins)."""
    new, _, _, _ = both
    table = new._table(new._searcher())
    notes: dict[int, list[int]] = {}
    articles: dict[int, int] = {}
    for d, (doc_id, art) in enumerate(zip(table.ids, table.articles, strict=True)):
        if doc_id.startswith("n:"):
            notes.setdefault(art, []).append(d)
        else:
            articles[art] = d
    assert len(notes) > 100 and len(articles) > 2000
    for art in {*articles, *notes, -1}:
        assert table.article_doc(art) == articles.get(art)
        assert table.note_docs(art) == notes.get(art, [])
