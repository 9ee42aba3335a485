"""The search index on real text: 300 BBC articles plus small documents written here.

The BBC texts are read from the shared corpus at run time (never copied);
the small articles and annotations below are ours and carry the tags, notes,
colours and dates the BBC files do not have.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from index.search import engine as search_module
from index.search import whoosh_wall as wall
from index.search.engine import (
    INDEX_NAME,
    IndexBusy,
    IndexDamaged,
    QueryError,
    SearchIndex,
    SearchResult,
)
from index.search.snippets import term_spans
from tests.conftest import BBC, REPO, need

PER_TOPIC = 60  # 5 topics x 60 = 300 BBC articles

# Our own articles: (id, title, author, date, body, tags incl. their passages' tags)
OURS = [
    (
        9001,
        "Farmers march against the new water rules",
        "Juliana Okafor",
        "2023-01-12",
        "Hundreds of protesters marched through the valley on Sunday.\n"
        "The farmers protested outside the council offices until dusk. glossfixture",
        ["Human Rights", "Farming", "Questions"],
    ),
    (
        9002,
        "Strike called off at the bottling plant",
        "Juliana Okafor",
        "2023-02-03",
        "The union protested the night shifts for a month before the talks. glossfixture",
        ["Labour"],
    ),
    (
        9003,
        "A quiet harbour town",
        "Martin Byrne",
        None,
        "Fishing boats come back at noon and the market opens after them. glossfixture",
        ["Human Rights"],
    ),
    (
        9004,
        "Notes on river ecology",
        "Martin Byrne",
        "2022-11-30",
        "Otters returned to the river after the weir was taken down. glossfixture",
        ["Ecology"],
    ),
]
# (annotation id, article id, quote, note, tags, colour, orphaned)
NOTES = [
    (
        "n-1",
        9003,
        "Fishing boats",
        "ask the harbour master about licences",
        ["Human Rights"],
        "blue",
        False,
    ),
    ("n-2", 9004, "Otters returned", "", [], "yellow", True),
    ("n-3", 9001, "Hundreds of protesters", "the count seems high", ["Questions"], "pink", False),
]
ALIASES = {"question": "blue", "Important": "pink"}


def bbc_articles() -> list[tuple[int, str, str, str]]:
    """(id, title, date, body) for 300 BBC files, dated one a day from 2004-01-01."""
    root = need(BBC)
    files = []
    for topic in sorted(p for p in root.iterdir() if p.is_dir()):
        files += sorted(topic.glob("*.txt"))[:PER_TOPIC]
    out = []
    for i, path in enumerate(files):
        lines = [line.strip() for line in path.read_bytes().decode("latin-1").splitlines()]
        lines = [line for line in lines if line]
        day = (date(2004, 1, 1) + timedelta(days=i)).isoformat()
        out.append((i + 1, lines[0], day, "\n".join(lines)))
    return out


def article_doc(art_id, title, author, day, body, tags) -> dict:
    return {
        "kind": "article",
        "id": f"a:{art_id}",
        "article_id": art_id,
        "title": title,
        "author": author,
        "date": day,
        "body": body,
        "tags": list(tags),
    }


def note_doc(note_id, art_id, quote, note, tags, color, orphaned) -> dict:
    title, author, day = next((t, a, d) for i, t, a, d, _, _ in OURS if i == art_id)
    return {
        "kind": "annotation",
        "id": f"n:{note_id}",
        "annotation_id": note_id,
        "article_id": art_id,
        "title": title,
        "author": author,
        "date": day,
        "quote": quote,
        "note": note,
        "tags": list(tags),
        "color": color,
        "orphaned": orphaned,
    }


def our_docs() -> list[dict]:
    return [article_doc(*a) for a in OURS] + [note_doc(*n) for n in NOTES]


@pytest.fixture(scope="module")
def texts() -> dict[int, str]:
    out = {art_id: body for art_id, _, _, body in bbc_articles()}
    out.update({a[0]: a[4] for a in OURS})
    return out


@pytest.fixture(scope="module")
def bbc_index(tmp_path_factory, texts):
    """One index shared by the read-only tests below."""
    docs = [article_doc(i, t, None, d, b, []) for i, t, d, b in bbc_articles()] + our_docs()
    ix = SearchIndex.open(tmp_path_factory.mktemp("bbc") / "search-index")
    assert ix.needs_rebuild
    assert ix.rebuild(docs) == len(docs)
    assert not ix.needs_rebuild
    yield ix
    ix.close()


@pytest.fixture
def small_index(tmp_path):
    ix = SearchIndex.open(tmp_path / "search-index")
    ix.rebuild(our_docs())
    yield ix
    ix.close()


def run(ix: SearchIndex, q: str, texts=None, **kw) -> SearchResult:
    bodies = texts if texts is not None else {a[0]: a[4] for a in OURS}
    return ix.search(q, text_for=bodies.__getitem__, color_aliases=ALIASES, **kw)


def ids(result: SearchResult) -> list[int]:
    return [h.article_id for h in result.hits]


def marked(snippet) -> list[str]:
    return [f.text for f in snippet if f.match]


# -- words, stems, phrases, fields ------------------------------------------------------


def test_stemming_finds_protesters_and_protested(bbc_index, texts):
    result = run(bbc_index, "protests", texts, limit=100)
    found = set(ids(result))
    assert {9001, 9002} <= found  # neither says "protests": protesters, protested
    assert result.terms == ["protest"]
    hit = next(h for h in result.hits if h.article_id == 9001)
    assert {"protesters", "protested"} <= {t.lower() for t in marked(hit.snippet)}
    for art in found:  # every BBC hit really has a word of that family
        assert re.search(r"\bprotest", texts[art], re.IGNORECASE), art


def test_phrase_matches_exactly_the_articles_with_it(bbc_index, texts):
    result = run(bbc_index, '"prime minister"', texts, limit=300)
    expected = {i for i, body in texts.items() if re.search(r"\bprime\W+ministers?\b", body, re.I)}
    assert len(expected) > 10
    assert set(ids(result)) == expected
    assert result.total == len(expected)
    joined = " ".join(marked(result.hits[0].snippet)).lower()
    assert "prime" in joined and "minister" in joined


def test_title_field_only_looks_at_titles(bbc_index, texts):
    result = run(bbc_index, "title:election", texts, limit=300)
    titles = {i: t for i, t, _, _ in bbc_articles()}
    expected = {i for i, t in titles.items() if re.search(r"\belection", t, re.I)}
    assert expected and set(ids(result)) >= expected
    for art in ids(result):
        assert re.search(r"\belect", titles[art], re.I)
    in_body_only = run(bbc_index, "election -title:election", texts, limit=300)
    assert in_body_only.total > 0 and not set(ids(in_body_only)) & set(ids(result))


def test_title_weighs_more_than_body(small_index):
    # "harbour" is 9003's title and only a note of n-1; "river" is 9004's title and body
    result = run(small_index, "river OR fishing")
    assert ids(result)[0] == 9004


def test_date_range_prefix_and_open_ends(bbc_index, texts):
    feb = run(bbc_index, "date:[2004-02-01 to 2004-02-29]", texts, limit=100)
    assert feb.total == 29  # one BBC article a day, 2004 is a leap year
    assert all(h.date.startswith("2004-02") for h in feb.hits)
    assert run(bbc_index, "date:2004-02", texts).total == 29
    assert run(bbc_index, "date:[2004-02 to 2004-02]", texts).total == 29
    assert run(bbc_index, "date:2023", texts).total == 2
    assert run(bbc_index, "date:[2023-01-13 to]", texts).total == 1
    assert run(bbc_index, "date:[to 2004-01-10]", texts).total == 10
    assert run(bbc_index, "date:>=2022", texts).total == 3
    assert run(bbc_index, "date:<2004-01-04", texts).total == 3


def test_fuzzy_terms(bbc_index, texts):
    assert run(bbc_index, "juliaka", texts).total == 0
    assert set(ids(run(bbc_index, "juliaka~", texts))) == {9001, 9002}  # Juliana: one edit
    assert set(ids(run(bbc_index, "julianna~2", texts))) == {9001, 9002}
    fuzzy = run(bbc_index, "protestors~", texts, limit=100)
    assert {9001, 9002} <= set(ids(fuzzy))  # protesters is one edit away
    assert "protest" in fuzzy.terms


def test_wildcards(bbc_index, texts):
    result = run(bbc_index, "protest*", texts, limit=100)
    assert {9001, 9002} <= set(ids(result))
    demo = run(bbc_index, "demonstrat*", texts, limit=100)  # indexed as the stem "demonstr"
    assert demo.total > 0
    for art in ids(demo):
        assert re.search(r"demonstrat", texts[art], re.I), art
    assert run(bbc_index, "o?ters", texts).total >= 1


def test_boolean_operators(bbc_index, texts):
    both = set(ids(run(bbc_index, "protesters AND valley", texts)))
    assert both == {9001}
    either = set(ids(run(bbc_index, "otters OR harbour", texts)))
    assert {9003, 9004} <= either
    without = set(ids(run(bbc_index, "glossfixture -otters", texts)))
    assert without == {9001, 9002, 9003}
    assert set(ids(run(bbc_index, "glossfixture NOT (otters OR union)", texts))) == {9001, 9003}


# -- annotations, tags, colours, grouping -----------------------------------------------


def test_annotation_only_match_is_a_group_without_article_match(small_index):
    result = run(small_index, "licences")
    assert result.total == 1
    hit = result.hits[0]
    assert (hit.article_id, hit.matched, hit.snippet) == (9003, False, [])
    assert (hit.title, hit.author, hit.date) == ("A quiet harbour town", "Martin Byrne", None)
    assert [a.annotation_id for a in hit.annotations] == ["n-1"]
    note = hit.annotations[0]
    assert marked(note.snippet) == ["licences"]
    assert (note.color, note.tags, note.orphaned) == ("blue", ["Human Rights"], False)
    assert hit.score == note.score > 0


def test_article_and_its_annotation_share_one_group(small_index):
    result = run(small_index, "hundreds")
    assert result.total == 1
    hit = result.hits[0]
    assert hit.matched and hit.article_id == 9001
    assert [a.annotation_id for a in hit.annotations] == ["n-3"]
    assert hit.score == max(hit.score, hit.annotations[0].score)


def test_a_plain_word_in_an_article_title_does_not_list_its_passages(small_index):
    hit = run(small_index, "ecology").hits[0]
    assert hit.article_id == 9004 and hit.matched and hit.annotations == []


def test_passages_whose_tags_made_their_article_match_are_listed(small_index):
    # n-3 is tagged Questions (so its article is too); "valley" is only in the article's text
    hit = run(small_index, "tag:questions valley").hits[0]
    assert (hit.article_id, hit.matched) == (9001, True)
    assert [a.annotation_id for a in hit.annotations] == ["n-3"]
    assert run(small_index, "valley").hits[0].annotations == []  # no tag asked for
    # a passage's own text still decides everything else
    assert run(small_index, "color:pink valley").total == 0
    alone = run(small_index, "tag:questions -valley")
    assert [(h.article_id, h.matched) for h in alone.hits] == [(9001, False)]


def test_tags_are_case_insensitive_and_may_have_spaces(small_index):
    result = run(small_index, 'tag:"HUMAN   rights"')
    assert set(ids(result)) == {9001, 9003}
    group = next(h for h in result.hits if h.article_id == 9003)
    assert group.matched and [a.annotation_id for a in group.annotations] == ["n-1"]
    assert set(ids(run(small_index, "tag:ecology"))) == {9004}
    mixed = run(small_index, 'tag:"human rights" protesters')
    assert ids(mixed) == [9001]
    assert run(small_index, "rights").total == 2  # plain words reach tag words too


def test_note_quote_colour_and_flags(small_index):
    assert ids(run(small_index, "note:licences")) == [9003]
    assert run(small_index, "note:fishing").total == 0  # in the quote, not the note
    assert ids(run(small_index, "quote:otters")) == [9004]
    by_alias = run(small_index, "color:question")
    assert [a.annotation_id for h in by_alias.hits for a in h.annotations] == ["n-1"]
    assert ids(run(small_index, "colour:IMPORTANT")) == [9001]
    orphaned = run(small_index, "is:orphaned")
    assert [(h.article_id, h.matched) for h in orphaned.hits] == [(9004, False)]
    assert orphaned.hits[0].annotations[0].orphaned
    assert set(ids(run(small_index, "has:note"))) == {9001, 9003}
    mixed = run(small_index, "has:note harbour")
    assert [(h.article_id, h.matched) for h in mixed.hits] == [(9003, False)]
    assert run(small_index, "is:orphaned -otters").total == 0
    assert ids(run(small_index, "color:pink count")) == [9001]


def test_author_field_reaches_articles_and_their_passages(small_index):
    result = run(small_index, "author:byrne")
    assert set(ids(result)) == {9003, 9004}
    assert {a.annotation_id for h in result.hits for a in h.annotations} == {"n-1", "n-2"}
    assert set(ids(run(small_index, "author:byrne has:note"))) == {9003}


# -- facets, sorting, suggestions -------------------------------------------------------


def test_facets_count_every_matching_group_not_just_the_page(small_index):
    result = run(small_index, "glossfixture OR licences", limit=1)
    assert result.total == 4 and len(result.hits) == 1
    assert result.facets["authors"] == {"Juliana Okafor": 2, "Martin Byrne": 2}
    assert result.facets["years"] == {"2023": 2, "2022": 1}
    assert result.facets["tags"] == {
        "Human Rights": 2,
        "Ecology": 1,
        "Farming": 1,
        "Labour": 1,
        "Questions": 1,
    }
    notes_only = run(small_index, "licences OR otters")
    assert notes_only.facets["tags"] == {"Ecology": 1, "Human Rights": 1}


def test_sort_by_date_puts_unknown_dates_last(small_index):
    assert ids(run(small_index, "glossfixture", sort="newest")) == [9002, 9001, 9004, 9003]
    assert ids(run(small_index, "glossfixture", sort="oldest")) == [9004, 9001, 9002, 9003]
    with pytest.raises(ValueError):
        run(small_index, "glossfixture", sort="sideways")


def test_relevance_pages_are_consistent(bbc_index, texts):
    full = run(bbc_index, "government", texts, limit=500)
    top = run(bbc_index, "government", texts, limit=10)
    assert full.total == top.total > 50
    assert ids(top) == ids(full)[:10]
    scores = [h.score for h in full.hits]
    assert scores == sorted(scores, reverse=True)


def test_spelling_suggestion(bbc_index, texts):
    result = run(bbc_index, "goverment", texts)  # one BBC text has this very typo
    assert result.total <= 1 and result.suggestion == "government"
    assert bbc_index.suggest("goverment policy") == "government policy"
    assert run(bbc_index, "government", texts).suggestion is None
    assert bbc_index.suggest("government") is None
    assert run(bbc_index, "juliaka", texts).suggestion == "juliana"


# -- malformed queries and limits -------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["", "   ", "(((", ")))", "NOT", "AND OR", "the of and", "-", '""', "a OR"]
)
def test_nothing_to_search_gives_a_message(small_index, query):
    result = run(small_index, query)
    assert result.total == 0 and result.hits == [] and result.message


@pytest.mark.parametrize(
    "query",
    [
        "*",
        "date:notadate",
        "title:",
        "title: AND",
        "date:2023-13",
        "color:mauve",
        "is:lost",
        "title:[a to b]",
        "date:[soon to later]",
    ],
)
def test_queries_that_cannot_run_raise_query_error(small_index, query):
    with pytest.raises(QueryError) as err:
        run(small_index, query)
    message = str(err.value)
    assert message and "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"unbalanced quote fishing', set()),
        ('"fishing boats', {9003}),
        ("((fishing", {9003}),
        ("fishing)))", {9003}),
        ("fishing AND", {9003}),
        ("fishing:boats", {9003}),
        ("NOT NOT fishing", {9003}),
    ],
)
def test_odd_queries_get_a_sensible_reading(small_index, query, expected):
    assert set(ids(run(small_index, query))) == expected


def test_limits_are_checked_before_parsing(small_index):
    """A hand-written query (one with operators) keeps its limits; past them, text without
    operators is a pasted paragraph (tests/test_analysis.py), up to its own limits."""
    with pytest.raises(QueryError, match="too long"):
        run(small_index, "a AND " + "a" * 1001)
    with pytest.raises(QueryError, match="too long"):
        run(small_index, "a" * 10_001)
    with pytest.raises(QueryError, match="too many terms"):
        run(small_index, " AND ".join(f"w{i}" for i in range(65)))
    with pytest.raises(QueryError, match="too many words"):
        run(small_index, " ".join(f"w{i}" for i in range(1001)))
    with pytest.raises(QueryError, match="too deeply"):
        run(small_index, "(" * 17 + "fishing" + ")" * 17)
    started = time.perf_counter()
    with pytest.raises(QueryError):
        run(small_index, " OR ".join(["fishing"] * 10_000))
    assert time.perf_counter() - started < 1.0
    assert run(small_index, "(" * 16 + "fishing" + ")" * 16).total == 1


# -- results as data ------------------------------------------------------------------


def test_json_shape_and_term_spans(small_index):
    result = run(small_index, "otters")
    data = result.to_json()
    assert set(data) >= {"query", "total", "took_ms", "suggestion", "hits", "facets"}
    hit = data["hits"][0]
    assert hit["kind"] == "article" and hit["matched"] is True
    assert {"text", "match"} == set(hit["snippet"][0])
    assert hit["annotations"][0]["kind"] == "annotation"
    text = OURS[3][4]
    spans = term_spans(text, result.terms)
    assert [text[s:e] for s, e in spans] == ["Otters"]


def test_snippet_survives_a_changed_text(small_index):
    changed = {a[0]: a[4] for a in OURS}
    changed[9004] = "Rewritten entirely. Now the otters are mentioned much later on."
    hit = small_index.search("otters", text_for=changed.__getitem__).hits[0]
    assert marked(hit.snippet) == ["otters"]


# -- writes, threads --------------------------------------------------------------------


class SearchThread:
    """A thread that keeps its own searcher and runs queries it is handed."""

    def __init__(self, ix: SearchIndex) -> None:
        self.ix = ix
        self.jobs: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while (q := self.jobs.get()) is not None:
            try:
                self.results.put(set(ids(run(self.ix, q))))
            except Exception as exc:  # handed back to the test
                self.results.put(exc)

    def ask(self, q: str) -> set[int]:
        self.jobs.put(q)
        answer = self.results.get(timeout=30)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def stop(self) -> None:
        self.jobs.put(None)
        self.thread.join(timeout=30)


def test_apply_is_seen_by_another_threads_searcher(small_index):
    worker = SearchThread(small_index)
    try:
        assert worker.ask("otters") == {9004}
        new = article_doc(9005, "Otters everywhere", None, "2023-05-01", "Otters again.", [])
        small_index.apply([new], ["a:9004", "n:n-2"])
        assert worker.ask("otters") == {9005}
        changed = dict(new, body="Beavers, not the other ones.")
        small_index.apply([changed], [])
        assert worker.ask("beavers") == {9005}
        assert worker.ask("otters") == {9005}  # still in its title
        small_index.apply([dict(changed, title="Beavers")], [])
        assert worker.ask("otters") == set()
    finally:
        worker.stop()
    assert small_index.doc_ids() == {"a:9001", "a:9002", "a:9003", "a:9005", "n:n-1", "n:n-3"}


def test_a_commit_by_another_process_is_seen_without_listing_the_folder(small_index, monkeypatch):
    """A searcher is known current from the folder's time and this process's commits (no
    listing per search, stamps trusted at once here); another process's commit (a second
    SearchIndex on the folder) changes the folder, so the next search reads it."""
    monkeypatch.setattr(search_module, "SETTLED_NS", 0)
    listed = []
    up_to_date = search_module.Searcher.up_to_date
    monkeypatch.setattr(
        search_module.Searcher, "up_to_date", lambda s: listed.append(1) or up_to_date(s)
    )
    texts = {9004: "Otters.", 9006: "Otters in the weir."}
    assert {h.article_id for h in small_index.search("otters", text_for=texts.get).hits} == {9004}
    small_index.search("otters", text_for=texts.get)
    checks = len(listed)
    small_index.search("otters", text_for=texts.get)
    assert len(listed) == checks  # current: the folder was not listed again
    other = SearchIndex.open(small_index.folder)
    try:
        # the folder's time comes from a coarse clock: wait until it has moved past the
        # stamp, so that the commit below leaves a later one (as any real commit would)
        stamp = os.stat(small_index.folder).st_mtime_ns
        coarse = getattr(time, "CLOCK_REALTIME_COARSE", time.CLOCK_REALTIME)
        while time.clock_gettime_ns(coarse) <= stamp:
            time.sleep(0.001)
        new = article_doc(9006, "Weir otters", None, "2023-05-02", texts[9006], [])
        other.apply([new], [])
    finally:
        other.close()
    found = small_index.search("otters", text_for=texts.get)
    assert {h.article_id for h in found.hits} == {9004, 9006}


def test_searches_run_while_the_indexer_writes(small_index):
    errors: list[BaseException] = []
    stop = threading.Event()

    def searching() -> None:
        try:
            while not stop.is_set():
                result = run(small_index, "glossfixture OR otters")
                assert result.total >= 4
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=searching) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(25):
            doc = article_doc(9100 + i, f"Extra {i}", None, None, "glossfixture extra", [])
            small_index.apply([doc], [f"a:{9099 + i}"] if i else [])
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not errors
    assert run(small_index, "extra").total == 1


def test_a_failed_write_releases_the_lock(small_index):
    bad = article_doc(9009, "Bad", None, None, 12345, [])  # not text: whoosh cannot analyse it
    with pytest.raises(Exception):  # noqa: B017 - whatever whoosh raises, the lock must go
        small_index.apply([bad], [])
    small_index.apply([article_doc(9010, "Fine", None, None, "lanterns", [])], [])
    assert ids(run(small_index, "lanterns")) == [9010]


def test_rebuild_cancelled_keeps_the_old_index(small_index):
    docs = [article_doc(i, f"t{i}", None, None, "replacement", []) for i in range(1, 500)]
    assert small_index.rebuild(docs, cancel=lambda: True) == 0
    assert run(small_index, "glossfixture").total == 4
    assert small_index.needs_rebuild
    seen: list[int] = []
    assert small_index.rebuild(docs, progress=seen.append) == 499
    assert seen[-1] == 499 and not small_index.needs_rebuild
    assert run(small_index, "glossfixture").total == 0
    assert run(small_index, "replacement").total == 499


# -- damage and locks -------------------------------------------------------------------


def segment_file(folder: Path, suffix: str) -> Path:
    (path,) = folder.glob(f"{INDEX_NAME}_*{suffix}")
    return path


@pytest.fixture
def built_folder(tmp_path) -> Path:
    folder = tmp_path / "search-index"
    ix = SearchIndex.open(folder)
    ix.rebuild(our_docs())
    ix.close()
    return folder


@pytest.mark.parametrize(
    ("damage", "suffix"),
    [
        ("zero", ".pst"),
        ("truncate", ".pst"),
        ("zero", ".trm"),
        ("truncate", ".trm"),
        ("zero", "._stored.col"),
        ("zero", ".facets.col"),
        ("delete", ".pst"),
        ("delete", ".toc"),
        ("garbage", ".toc"),
    ],
)
def test_damaged_index_raises_index_damaged_then_recreates(built_folder, damage, suffix):
    path = (
        next(built_folder.glob(f"_{INDEX_NAME}_*.toc"))
        if suffix == ".toc"
        else segment_file(built_folder, suffix)
    )
    size = path.stat().st_size
    if damage == "zero":
        path.write_bytes(bytes(size))
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[: size // 2])
    elif damage == "delete":
        path.unlink()
    else:
        path.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(IndexDamaged):
        SearchIndex.open(built_folder)
    ix = SearchIndex.open(built_folder, recreate=True)
    try:
        assert ix.needs_rebuild and ix.doc_ids() == set()
        ix.rebuild(our_docs())
        assert run(ix, "otters").total == 1
    finally:
        ix.close()
    SearchIndex.open(built_folder).close()  # healthy again


def test_damage_found_after_opening_is_reported_not_raised_raw(built_folder):
    ix = SearchIndex.open(built_folder)
    try:
        postings = segment_file(built_folder, ".pst")
        with open(postings, "r+b") as f:  # same size (never shrink a mapped file), zeroed
            f.write(bytes(postings.stat().st_size))
        for q in ("otters", '"fishing boats"', "protest*", "glossfixture", "has:note"):
            # zeroed tables may simply read as "nothing here"; any error is IndexDamaged
            with contextlib.suppress(IndexDamaged):
                run(ix, q)
    finally:
        ix.close()
    with pytest.raises(IndexDamaged):
        SearchIndex.open(built_folder)


def test_an_unfinished_rebuild_is_reported_at_the_next_open(built_folder):
    (built_folder / search_module.REBUILD_MARKER).touch()
    with pytest.raises(IndexDamaged):
        SearchIndex.open(built_folder)


def test_index_files_from_another_version_are_damage(tmp_path):
    folder = tmp_path / "search-index"
    folder.mkdir()
    (folder / "_gloss0_3.toc").write_bytes(b"old")
    with pytest.raises(IndexDamaged):
        SearchIndex.open(folder)
    (folder / "notes.txt").write_text("not ours")
    SearchIndex.open(folder, recreate=True).close()
    assert (folder / "notes.txt").exists() and not (folder / "_gloss0_3.toc").exists()


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from whoosh.filedb.filestore import FileStorage
    ix = FileStorage(sys.argv[1]).open_index(sys.argv[2])
    writer = ix.writer()
    print("locked", flush=True)
    time.sleep(120)
    """
)


def test_lock_left_by_a_killed_process_is_not_stale(built_folder, monkeypatch):
    monkeypatch.setattr(search_module, "LOCK_TIMEOUT", 0.3)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(built_folder), INDEX_NAME],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    ix = SearchIndex.open(built_folder)
    try:
        assert holder.stdout.readline().strip() == "locked"
        doc = article_doc(9020, "Kites", None, None, "kites over the dunes", [])
        with pytest.raises(IndexBusy):
            ix.apply([doc], [])
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        ix.apply([doc], [])  # the OS dropped the dead writer's lock
        assert ids(run(ix, "kites")) == [9020]
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.stdout.close()
        ix.close()


def test_closed_index_refuses_work(small_index):
    small_index.close()
    with pytest.raises(RuntimeError):
        run(small_index, "otters")


def test_many_small_commits_keep_few_segments(small_index):
    for i in range(40):
        doc = article_doc(9200 + i, f"Note {i}", None, None, "pebbles on the shore", [])
        small_index.apply([doc], [f"a:{9199 + i}"] if i % 3 else [])
    segments = list(small_index.folder.glob(f"{INDEX_NAME}_*.trm"))
    assert 1 <= len(segments) <= 9
    kept = [i for i in range(40) if (i + 1) % 3 == 0 or i == 39]  # not deleted by the next
    assert run(small_index, "pebbles", limit=100).total == len(kept) == 14
    assert sorted(ids(run(small_index, "pebbles", limit=100))) == [9200 + i for i in kept]
    assert run(small_index, "glossfixture").total == 4


def test_the_fast_indexing_pass_gives_the_analyzers_postings_and_words():
    """index/search_fields.py analyses titles and bodies in one loop of its own: the same
    stems, positions, character spans and spelling words as the analyzer's tokens give."""
    from index.search import fields as search_fields
    from index.search.analysis import STEM_ANALYZER

    text = (
        "The U.S. café owners' protests, protesting and PROTESTERS: a 3.5% rise in\n"
        "Zürich; the it is of an naïve résumé and résumés again protest"
    )
    for name in ("body", "title"):
        field = search_fields.SCHEMA[name]
        expected = sorted(
            (w.encode("utf-8"), freq, weight, value)
            for w, freq, weight, value in field.format.word_values(
                text, STEM_ANALYZER, mode="index"
            )
        )
        search_fields._spelled.seen = {"protest"}
        try:
            got = sorted(field.index(text))
            fresh = list(field.spellable_words(text))
        finally:
            search_fields._spelled.seen = search_fields._spelled.fresh = None
        assert got == expected
        words = {t.word for t in STEM_ANALYZER(text, mode="index") if not t.stopword}
        assert fresh == sorted(words - {"protest"})
        assert b"of" in {w for w, *_ in got} and "of" not in fresh  # stop words: indexed only
        assert "protesters" in fresh and "café" not in fresh and "cafe" in fresh


def test_field_lengths_read_in_one_go_equal_whooshs_own(bbc_index):
    """BM25 needs each document's field length: read from the column's bytes at once, they
    are the values whoosh's reader gives one document at a time."""
    from whoosh.util.numeric import byte_to_length

    from index.search.segments import decoded_lengths

    s = bbc_index._searcher()
    checked = 0
    for leaf, _ in s.reader().leaf_readers():
        for name in ("body", "title", "note"):
            column = wall.length_column(leaf, name)
            if column is None:
                continue
            slow = [byte_to_length(b) if b else 1.0 for b in column]
            fast = decoded_lengths(column, leaf.doc_count_all())
            assert fast == slow and len(fast) == leaf.doc_count_all()
            checked += 1
    assert checked >= 2


def test_a_search_past_its_deadline_stops_with_one_line(bbc_index, texts):
    from index.search.engine import SearchTimeout

    with pytest.raises(SearchTimeout) as stopped:
        bbc_index.search("protest* OR econom*", text_for=texts.__getitem__, deadline_s=0.0)
    assert isinstance(stopped.value, QueryError)
    assert "took too long" in str(stopped.value) and "\n" not in str(stopped.value)
    # the same search with the usual deadline answers, and the searcher is still usable
    assert bbc_index.search("protest* OR econom*", text_for=texts.__getitem__).total > 0


def test_and_and_phrases_read_in_part_match_what_whooshs_matchers_match(bbc_index):
    """An AND reads its later words only where its first found documents: the documents
    it matches are exactly those whoosh's own matchers find for the same query."""
    from index.search.expansion import expand_query
    from index.search.query import parse_query
    from index.search.scorer import Scorer

    s = bbc_index._searcher()
    queries = ["market growth", "prime minister election", '"chief executive"', "film -music"]
    queries += ['economy "interest rates"', "title:profits shares", '"the prime minister"']
    for text in queries:
        q, _, _ = expand_query(parse_query(text).query, s.reader())
        ours = set(Scorer(bbc_index, s).run(q))
        theirs = {hit.docnum for hit in s.search(q, limit=None)}
        assert ours == theirs, text
        assert ours, text


def test_a_query_typed_again_is_parsed_once(small_index):
    """The window runs the same text again on every commit, sort or page: it is parsed
    once (the same answer comes back), and colour names still count."""
    from index.search import query as query_module

    first = query_module.parse_query('otters "on the weir" color:question', {"question": "blue"})
    again = query_module.parse_query('otters "on the weir" color:question', {"question": "blue"})
    assert again is first
    renamed = query_module.parse_query('otters "on the weir" color:question', {"question": "pink"})
    assert renamed is not first and "pink" in str(renamed.query)
    with pytest.raises(QueryError):
        query_module.parse_query("color:question")  # no such name without the legend
    texts = {9004: "Otters."}
    found = small_index.search("otters", text_for=texts.get)
    assert found.total == small_index.search("otters", text_for=texts.get).total > 0


def test_a_segments_facet_table_read_at_once_equals_it_read_row_by_row(small_index):
    """The opening reads each segment's facets column as one block (table.py); every
    document's id, article, date, year, author, tags and colour must be what the rows say."""
    from index.search.fields import SEP, TAGSEP
    from index.search.table import Table, _flat_fields

    ix = small_index
    ix.apply([note_doc("n-99", OURS[0][0], "a quote", "ünïcode note", ["x y", "ÿ"], "", False)], [])
    with ix._ix.searcher() as searcher:
        leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
        assert len(leaves) >= 2, "a second segment, so that more than one is read"
        for leaf in leaves:
            column = leaf.column_reader("facets")
            assert _flat_fields(column) is not None, "the block read is the one taken"
            table = Table.read(leaf)
            rows = [raw.decode("utf-8").split(SEP) for raw in column]
            assert table.ids == [r[0] for r in rows]
            assert table.articles == [int(r[1]) for r in rows]
            assert table.dates == [r[2] or None for r in rows]
            assert table.years == [r[2][:4] or None for r in rows]
            assert table.authors == [r[3] or None for r in rows]
            assert table.tags == [tuple(r[4].split(TAGSEP)) if r[4] else () for r in rows]
            assert table.colors == [r[5] or None for r in rows]
        assert any(
            {"x y", "ÿ"} <= {t for tags in Table.read(leaf).tags for t in tags} for leaf in leaves
        )


def _resident_index_kb(folder: Path) -> int:
    """Resident kB of this process's maps of the index's files (Linux: /proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and len(head) >= 5:  # a mapping's first line
            inside = len(head) >= 6 and head[5].startswith(str(folder))
        elif inside and line.startswith("Rss:"):
            total += int(head[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="needs /proc (Linux)")
def test_searches_hand_the_index_pages_they_read_back_to_the_system(bbc_index, texts):
    """A window keeps its searcher for its whole life: every page of the index's files a
    search read stayed counted as the window's memory (612 MB after 700 searches at
    178,000 articles). They are released after the searches (the answers are unchanged)."""
    queries = ['"prime minister"', "government", "elect*", "title:market", "oil prices"]
    search_module.release_mapped_pages(now=True)
    # searches within a second of a release keep their pages (typing reads the same ones)
    first = [ids(run(bbc_index, q, texts, limit=50)) for q in queries]
    touched = _resident_index_kb(bbc_index.folder)
    assert touched > 0
    search_module.release_mapped_pages(now=True)
    assert _resident_index_kb(bbc_index.folder) < touched / 4
    assert [ids(run(bbc_index, q, texts, limit=50)) for q in queries] == first
