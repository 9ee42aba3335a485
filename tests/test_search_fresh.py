"""Issue 14, items 4–6 in the engine: queries written as sentences, answers that say when
the index was behind, and the words a query matched in an article (the reader's marks)."""

from __future__ import annotations

import json

import pytest
from cli_runner import gloss

from index import Library
from index.search.query import QueryError

ELECTIONS = """Elections in the valley

The elections were held on a Sunday. Electricity failed in three villages, so the count
went on by lamplight.

A state of emergency was declared in the north after the vote. The state sent an
emergency team, and the emergency ended in June.
"""

FISHING = """Fishing on the high lake

Boats from the island leave before dawn; the catch is weighed on the pier at noon.
"""


@pytest.fixture
def articles(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "elections.txt").write_text(ELECTIONS, encoding="utf-8")
    (folder / "fishing.txt").write_text(FISHING, encoding="utf-8")
    return folder


@pytest.fixture
def lib(library, articles):
    library.import_paths([articles])
    return library


def _id(lib, title: str) -> int:
    return next(a.id for a in lib.list_articles() if a.title == title)


def _marked(lib, query: str, title: str = "Elections in the valley") -> list[str]:
    article = _id(lib, title)
    text = lib.get_article(article).reading_text
    return [text[a:b] for a, b in lib.term_spans(query, article)]


def test_term_spans_are_the_words_the_search_matched(lib):
    assert _marked(lib, "election") == ["elections"]  # never "Electricity"
    assert _marked(lib, "villages lamplight") == ["villages", "lamplight"]
    assert _marked(lib, "elect*") == ["elections", "Electricity"]
    assert _marked(lib, "emergncy~") == ["emergency", "emergency", "emergency"]
    assert _marked(lib, "body:june OR title:valley") == ["June"]  # the title is not the text


def test_term_spans_mark_a_phrase_only_where_its_words_stand_in_order(lib):
    assert _marked(lib, '"state of emergency"') == ["state of emergency"]
    assert _marked(lib, '"state emergency"~3') == ["state of emergency", "state sent an emergency"]


def test_term_spans_leave_out_what_the_text_did_not_match(lib):
    lib.annotate_quote(_id(lib, "Elections in the valley"), "count went on", color="blue")
    assert _marked(lib, "emergency NOT vote") == ["emergency", "emergency", "emergency"]
    assert _marked(lib, "emergency -state") == ["emergency", "emergency", "emergency"]
    assert _marked(lib, "color:blue") == []  # a passage query: no word of the text
    assert _marked(lib, "tag:elections") == []
    assert _marked(lib, "date:[2023 to") == []  # cannot run: nothing marked, no error
    assert lib.term_spans("election", 999) == []  # no such article


CHINESE = """北京的春天

北京的春天来得很快，博览会也在城东开幕。游客来到北京大学看樱花。
"""


def test_term_spans_in_chinese_are_the_characters_the_search_matched(library, tmp_path):
    folder = tmp_path / "zh"
    folder.mkdir()
    (folder / "beijing.txt").write_text(CHINESE, encoding="utf-8")
    library.import_paths([folder])
    assert _marked(library, "北京", "北京的春天") == ["北京", "北京"]
    assert _marked(library, "博览会", "北京的春天") == ["博览会"]  # its bigrams, in order
    assert _marked(library, "樱", "北京的春天") == ["樱"]  # one character alone
    assert _marked(library, '"北京大学"', "北京的春天") == ["北京大学"]


def test_a_question_is_a_ranked_bag_of_words(lib):
    result = lib.search("Which articles tell of boats fishing on a lake at dawn?")
    assert [h.title for h in result.hits] == ["Fishing on the high lake"]
    # the words it holds rank it; a word it lacks does not keep it out
    result = lib.search("who counted the votes by lamplight in the villages")
    assert result.hits[0].title == "Elections in the valley"
    # question marks and dashes inside the prose are punctuation, not wildcards
    result = lib.search('what of "the boats"? do they leave the island?--before dawn')
    assert [h.title for h in result.hits] == ["Fishing on the high lake"]
    # a short query keeps its AND, and so does one with a wildcard (written by hand)
    assert lib.search("elections dawn").total == 0
    assert lib.search("boats island dawn pier noon elect*").total == 0


def test_a_long_or_of_words_is_a_bag_of_words_not_an_error(lib):
    """How test collections send a question: the OR of its words, past the 64 terms of a
    hand-written query. Words joined by OR and nothing else are what a bag of words is."""
    filler = [f"word{n}" for n in range(80)]
    result = lib.search(" OR ".join([*filler, "boats", "island", "dawn"]))
    assert [h.title for h in result.hits] == ["Fishing on the high lake"]
    with pytest.raises(QueryError, match="too many terms"):  # with AND it is written by hand
        lib.search(" AND ".join([*filler, "boats"]))


def test_search_says_how_much_the_index_lacks(tmp_path, articles):
    """`search --json` run while another Gloss holds the library with changes not yet
    indexed answers from the index as it is, and says how many wait."""
    holder = Library.open(tmp_path / "lib", create_welcome=False)  # indexes only when asked
    try:
        holder.import_paths([articles])
        done = gloss(tmp_path / "lib", "search", "--json", "election")
        answer = json.loads(done.stdout)
        assert answer["total"] == 0
        assert answer["pending"] == 2 and answer["pending_articles"] == 2
        text = gloss(tmp_path / "lib", "search", "election").stdout
        assert "indexing — 2 articles not yet searchable" in text

        heard = []
        holder.on_index_changed(lambda: heard.append(holder.index_state()))
        assert holder.wait_indexed()
        assert heard == ["index up to date"]  # told after the commit, the queue emptied
        answer = json.loads(gloss(tmp_path / "lib", "search", "--json", "election").stdout)
        assert answer["total"] == 1 and answer["pending"] == 0
    finally:
        holder.close()
