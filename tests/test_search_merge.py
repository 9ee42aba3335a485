"""The tidy's merge (index/search/bulk_merge.py) against whoosh's own merge (add_reader).

An index of BBC articles, passages and texts in many scripts is built as four segments,
three by the import's builders and one by whoosh's writer (a commit's), and some of
their documents are deleted. The same segments are merged twice: by concatenating their
postings (merge.merge, what the tidy runs) and through whoosh's writer. The two merged
segments must hold the same postings and term table byte for byte, the same stored
fields, lengths, columns and spelling words, and answer the bench's queries alike;
segments in whoosh's older codec still merge (through whoosh).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from whoosh import writing
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader

from index.search import bulk_merge, rebuilding
from index.search import merge as search_merge
from index.search import whoosh_wall as wall
from index.search.engine import INDEX_NAME, REBUILD_MARKER, SearchIndex
from index.search.fields import SCHEMA, SpellingWriter, document_fields
from tests.test_search_bulk import _documents, written_by_whoosh
from tests.test_search_codec import _chosen, assert_same_answers

ARTICLES = 1_500  # with "the" in each: terms of more than one 1,024-posting block


def _segments(index: SearchIndex) -> list:
    return wall.index_segments(index._ix)


def _build(folder: Path, docs: list[dict]) -> SearchIndex:
    """Three builder segments (articles in thirds), then one commit of the rest."""
    index = SearchIndex.open(folder)
    index.rebuild([])
    articles = [d for d in docs if d["kind"] == "article"]
    others = [d for d in docs if d["kind"] != "article"]
    third = len(articles) // 3 + 1
    batches = [articles[i : i + third] for i in range(0, len(articles), third)]
    with ThreadPoolExecutor(max_workers=1) as pool:
        index.add_segments(pool, batches, [])
    index.apply(others, [])
    return index


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """(index of four segments with deletions, texts, queries, deleted ids)."""
    docs, texts, queries = _documents()
    articles = [d for d in docs if d["kind"] == "article"]
    docs = articles[:ARTICLES] + articles[-13:] + [d for d in docs if d["kind"] != "article"]
    docs = [d for d in docs if d["kind"] == "article" or d["article_id"] <= ARTICLES]
    index = _build(tmp_path_factory.mktemp("sources") / "search-index", docs)
    assert len(_segments(index)) == 4
    # deleted: the second article of each third and a few passages, never a segment's
    # first document (whoosh lists a segment's spelling words as its postings)
    gone = [f"a:{n}" for n in (2, 3, 503, 1004, 1400)]
    gone += [d["id"] for d in docs if d["kind"] == "annotation"][1:40:7]
    index.apply([], gone)
    yield index, texts, queries, gone
    index.close()


def _merge_both(index: SearchIndex, tmp: Path, segments: list, monkeypatch):
    """(ours, whoosh's): each merged segment's folder, its Segment and its `live` list."""
    out = []
    for how in ("ours", "whoosh"):
        side = tmp / how
        side.mkdir()
        if how == "ours":
            with monkeypatch.context() as patched:  # no falling back to whoosh's merge
                patched.setattr(search_merge, "_merge_by_whoosh", None)
                merged, live = search_merge.merge(
                    str(index.folder), str(side), INDEX_NAME, segments
                )
        else:
            ix = FileStorage(str(side)).create().create_index(SCHEMA, INDEX_NAME)
            merged, live = search_merge._merge_by_whoosh(
                ix, FileStorage(str(index.folder)), segments
            )
        out.append((side, merged, live))
    return out


def _total_length(index: SearchIndex, segments: list, name: str) -> int:
    """A field's length over the live documents of `segments`: a segment's own total
    where it lost no document, else the sum of its documents' one-byte lengths (what
    whoosh's merge sums for every segment)."""
    total = 0
    for seg in segments:
        reader = SegmentReader(FileStorage(str(index.folder)), SCHEMA, seg)
        try:
            if not seg.has_deletions():
                total += reader.field_length(name)
            else:
                total += sum(reader.doc_field_length(d, name) or 0 for d in reader.all_doc_ids())
        finally:
            reader.close()
    return total


def _file(side: Path, merged, ext: str) -> bytes:
    return (side / merged.make_filename(ext)).read_bytes()


def _reader(side: Path, merged) -> SegmentReader:
    return SegmentReader(FileStorage(str(side)), SCHEMA, merged)


def test_the_merged_segment_is_the_one_whooshs_merge_writes(sources, tmp_path, monkeypatch):
    index, _, _, gone = sources
    monkeypatch.setattr(bulk_merge, "CHUNK_POSTINGS", 5_000)  # many term ranges per field
    monkeypatch.setattr(bulk_merge, "TERMS_AT_ONCE", 3_000)  # ...and many term tables' pieces
    monkeypatch.setattr(bulk_merge, "CUT_EVERY", 64)
    monkeypatch.setattr(bulk_merge, "CHECK_TERMS", 1_000)
    segments = _segments(index)
    assert sum(seg.has_deletions() for seg in segments) >= 3
    (ours, o_seg, o_live), (theirs, t_seg, t_live) = _merge_both(
        index, tmp_path, segments, monkeypatch
    )
    assert o_live == t_live
    assert o_seg.doc_count_all() == t_seg.doc_count_all() == index._searcher().doc_count()
    assert _file(ours, o_seg, ".pst") == _file(theirs, t_seg, ".pst")
    assert _file(ours, o_seg, ".trm") == _file(theirs, t_seg, ".trm")
    columns = {p.name.split(".", 1)[1] for p in ours.iterdir() if p.suffix == ".col"}
    assert {"_body_len.col", "_title_len.col", "facets.col", "_stored.col"} <= columns
    assert columns == {p.name.split(".", 1)[1] for p in theirs.iterdir() if p.suffix == ".col"}
    for kind in columns - {"_stored.col"}:  # (stored dicts: their keys' order may differ)
        assert _file(ours, o_seg, "." + kind) == _file(theirs, t_seg, "." + kind), kind
    a, b = _reader(ours, o_seg), _reader(theirs, t_seg)
    try:
        assert list(a.all_stored_fields()) == list(b.all_stored_fields())
        for name in ("body", "title", "author", "quote", "note", "tagtext"):
            assert a.field_length(name) == _total_length(index, segments, name) > 0, name
            assert abs(a.field_length(name) - b.field_length(name)) < 0.01 * a.field_length(name)
        ids = {
            f["doc"]["article_id"] for f in a.all_stored_fields() if f["doc"]["kind"] == "article"
        }
        assert not {int(g[2:]) for g in gone if g.startswith("a:")} & ids
        words = {t for f, t in a.all_terms() if f == "spell_body"}
        assert b"economy" in words and words == {t for f, t in b.all_terms() if f == "spell_body"}
    finally:
        a.close()
        b.close()


def _postings(reader: SegmentReader, skip: set[str]) -> dict:
    """Every term's ids, weights and values, but for the fields in `skip`."""
    out = {}
    for field, term in reader.all_terms():
        if field not in skip:
            m, items = reader.postings(field, term), []
            while m.is_active():
                items.append((m.id(), m.weight(), m.value()))
                m.next()
            out[field, term] = items
    return out


def test_a_merge_keeps_the_spelling_words_whooshs_merge_drops(tmp_path, monkeypatch):
    """A segment's first document deleted: whoosh's merge drops every spelling word the
    segment listed (they are that document's postings); ours keeps them, and is the
    same in everything else."""
    docs, _, _ = _documents()
    articles = [d for d in docs if d["kind"] == "article"][:300]
    index = _build(tmp_path / "search-index", articles)
    try:
        first = index._searcher().reader().leaf_readers()[0]
        first_id = first[0].stored_fields(0)["doc"]["article_id"]
        index.apply([], [f"a:{first_id}"])
        segments = _segments(index)
        (ours, o_seg, _), (theirs, t_seg, _) = _merge_both(index, tmp_path, segments, monkeypatch)
        a, b = _reader(ours, o_seg), _reader(theirs, t_seg)
        try:
            spelling = {"spell_body", "spell_title", "spell_tagtext"}
            assert _postings(a, spelling) == _postings(b, spelling)
            for field in ("spell_body", "spell_title"):
                kept = {t for f, t in a.all_terms() if f == field}
                dropped = {t for f, t in b.all_terms() if f == field}
                listed = set()
                for seg in segments:
                    source = SegmentReader(FileStorage(str(index.folder)), SCHEMA, seg)
                    listed |= {t for f, t in source.all_terms() if f == field}
                    source.close()
                assert dropped < kept == listed, field
        finally:
            a.close()
            b.close()
    finally:
        index.close()


def test_segments_in_whooshs_older_codec_are_merged_by_whoosh(tmp_path, monkeypatch):
    docs, _, _ = _documents()
    articles = [d for d in docs if d["kind"] == "article"][:120]
    index = _build(tmp_path / "search-index", articles[:90])
    try:
        writer = SpellingWriter(index._ix, codec=W3Codec(), compound=False)
        for doc in articles[90:]:
            writer.add_document(**document_fields(doc))
        writer.commit(mergetype=writing.NO_MERGE)
        segments = _segments(index)
        assert len(segments) == 4 and not bulk_merge.mergeable(segments)
        side = tmp_path / "side"
        side.mkdir()
        merged, live = search_merge.merge(str(index.folder), str(side), INDEX_NAME, segments)
        assert merged.doc_count_all() == 120 == sum(len(docnums) for _, docnums in live)
        reader = _reader(side, merged)
        try:
            ids = [f["doc"]["article_id"] for f in reader.all_stored_fields()]
            assert ids == [d["article_id"] for d in articles]
            the = reader.postings("body", b"the")
            assert len(list(the.all_ids())) == sum("the" in d["body"].lower() for d in articles)
        finally:
            reader.close()
    finally:
        index.close()


def _listed_files_only(index: SearchIndex) -> bool:
    """Every segment file in the index folder belongs to a segment its table lists."""
    listed = {seg.segment_id() for seg in _segments(index)}
    for path in index.folder.iterdir():
        segment, dot, kind = path.name.partition(".")
        if segment.startswith(INDEX_NAME + "_") and dot and kind != "toc" and segment not in listed:
            return False
    return not list(index.folder.parent.glob(index.folder.name + search_merge.SIDE_PREFIX + "*"))


def _segment_files(index: SearchIndex) -> list[str]:
    return sorted(
        p.name
        for p in index.folder.iterdir()
        if p.name.startswith(INDEX_NAME + "_") and "." in p.name and p.suffix != ".toc"
    )


def test_a_rebuild_writes_what_whooshs_writer_writes(tmp_path, monkeypatch):
    """Built as segments of 150 documents in a pool, merged once, committed alone: the
    postings, lengths, stored fields and answers of one whoosh writer given every
    document (but for which field lists a spelling word)."""
    monkeypatch.setattr(rebuilding, "SEGMENT_DOCS", 150)
    docs, texts, queries = _documents()
    articles = [d for d in docs if d["kind"] == "article"]
    docs = articles[:600] + articles[-13:]
    docs += [d for d in _documents()[0] if d["kind"] != "article" and d["article_id"] <= 600]
    ours = SearchIndex.open(tmp_path / "ours" / "search-index")
    theirs = SearchIndex.open(tmp_path / "theirs" / "search-index")
    try:
        ours.rebuild([d for d in docs[:40] if d["kind"] == "article"])  # something to replace
        seen: list[int] = []
        with ThreadPoolExecutor(max_workers=2) as pool:
            assert ours.rebuild(docs, progress=seen.append, pool=pool) == len(docs)
        assert seen[0] == 150 and seen[-1] == len(docs) and seen == sorted(seen)
        assert not ours.needs_rebuild and _listed_files_only(ours)
        theirs.rebuild([])
        written_by_whoosh(theirs, docs)
        (a,) = [leaf for leaf, _ in ours._searcher().reader().leaf_readers()]
        (b,) = [leaf for leaf, _ in theirs._searcher().reader().leaf_readers()]
        spelling = {"spell_body", "spell_title", "spell_tagtext"}
        assert _postings(a, spelling) == _postings(b, spelling)
        # a word is listed once per segment, under the first field it came in: each
        # built segment lists under a field some words the one writer listed elsewhere
        ours_words = {(f, t) for f, t in a.all_terms() if f in spelling}
        their_words = {(f, t) for f, t in b.all_terms() if f in spelling}
        assert their_words <= ours_words
        assert {t for _, t in ours_words} == {t for _, t in their_words}
        assert list(a.all_stored_fields()) == list(b.all_stored_fields())
        for name in ("body", "title", "author", "quote", "note", "tagtext"):
            assert a.field_length(name) == b.field_length(name) > 0, name
            lengths = [a.doc_field_length(d, name) for d in range(a.doc_count_all())]
            assert lengths == [b.doc_field_length(d, name) for d in range(b.doc_count_all())]
        chosen = _chosen(queries)[::3]
        matched = sum(assert_same_answers(ours, theirs, t, texts, exact=True) > 0 for t in chosen)
        assert matched > 0.5 * len(chosen)
    finally:
        ours.close()
        theirs.close()


def test_a_rebuild_cancelled_midway_keeps_the_old_index_and_leaves_no_files(tmp_path, monkeypatch):
    monkeypatch.setattr(rebuilding, "SEGMENT_DOCS", 100)
    articles = [d for d in _documents()[0] if d["kind"] == "article"]
    index = SearchIndex.open(tmp_path / "search-index")
    try:
        index.rebuild(articles[:30])
        before = _segment_files(index)
        for when in (2, 5):  # cancelled while building; after the merge, before the commit
            reports: list[int] = []

            def cancel(reports=reports, when=when) -> bool:
                return len(reports) >= when

            with ThreadPoolExecutor(max_workers=1) as pool:
                assert index.rebuild(articles[:500], reports.append, cancel, pool=pool) == 0
            assert reports[-1] == (200 if when == 2 else 500)
            assert _segment_files(index) == before
            assert (index.folder / REBUILD_MARKER).exists()
            assert index.needs_rebuild and _listed_files_only(index)
            assert index.doc_ids() == {f"a:{n}" for n in range(1, 31)}
    finally:
        index.close()


def test_small_commits_merge_their_segments_beside_the_commits_own(tmp_path):
    """Five one-document segments are merged by bulk_merge into one beside the sixth
    commit's (whoosh's add_reader put them into it); deletions made along the way stay,
    and every article is found once."""
    articles = [d for d in _documents()[0] if d["kind"] == "article"][:40]
    texts = {d["article_id"]: d["body"] for d in articles}
    index = SearchIndex.open(tmp_path / "search-index")
    try:
        index.rebuild([])
        for doc in articles[:6]:
            index.apply([doc], [])
        assert sorted(seg.doc_count_all() for seg in _segments(index)) == [1, 5]
        for n, doc in enumerate(articles[6:], 6):
            index.apply([doc], [f"a:{n - 3}"] if n % 4 == 0 else [])
        index.apply([{**articles[1], "title": "Zanzibarite headline"}], [])  # replaced
        gone = {f"a:{n - 3}" for n in range(6, 40) if n % 4 == 0}
        assert index.doc_ids() == {d["id"] for d in articles} - gone
        assert len(_segments(index)) <= 8
        for doc in articles:
            words = f'title:"{doc["title"]}"' if doc["id"] != "a:2" else "zanzibarite"
            found = index.search(words, text_for=texts.__getitem__, limit=50)
            ids = {h.article_id for h in found.hits}
            assert (doc["article_id"] in ids) == (doc["id"] not in gone), doc["title"]
    finally:
        index.close()
