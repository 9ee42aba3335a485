"""Annotations from other tools: Hypothesis JSON and Readwise CSV, matched and anchored."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO
from index.exchange.foreign import detect
from index.exchange.placement import word_spans
from index.importers.addresses import address_key
from index.library import Library
from index.passages.annotations import AnnotationError

FIXTURES = REPO / "tests" / "fixtures" / "foreign"
HYPOTHESIS = FIXTURES / "hypothesis_export.json"
READWISE = FIXTURES / "readwise_export.csv"
NEWS = REPO / "tests" / "fixtures" / "html" / "news_article.html"
GLOSS = (sys.executable, "main.py", "--library")


@pytest.fixture
def library(tmp_path, seed_path):
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    lib.import_paths([seed_path, NEWS])
    yield lib
    lib.close()


def _ids(library):
    by_title = {a.title: a.id for a in library.list_articles()}
    seed = next(i for t, i in by_title.items() if t.startswith("Mass unrest"))
    news = by_title["Riverside library reopens after two years of repairs"]
    return seed, news


def test_formats_are_detected_from_content():
    assert detect(HYPOTHESIS.read_text(encoding="utf-8")) == "hypothesis"
    assert detect(READWISE.read_text(encoding="utf-8")) == "readwise"
    items = json.loads(HYPOTHESIS.read_text(encoding="utf-8"))["annotations"]
    assert detect(json.dumps({"total": len(items), "rows": items})) == "hypothesis"
    assert detect(json.dumps(items)) == "hypothesis"
    assert detect(json.dumps(items[0])) == "hypothesis"
    w3c = {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "AnnotationCollection"}
    assert detect(json.dumps(w3c)) == "w3c"
    with pytest.raises(AnnotationError, match="not an annotations file"):
        detect("just some words\non two lines")
    with pytest.raises(AnnotationError, match="not JSON"):
        detect("{broken")


def test_hypothesis_export(library):
    seed, news = _ids(library)
    result = library.import_annotations(HYPOTHESIS.read_text(encoding="utf-8"))
    assert result.format == "hypothesis"
    assert (result.imported, result.existing, result.orphaned) == (3, 0, 1)
    placed = {p.source_id: p for p in result.placed}
    assert {k: (p.article_id, p.matched_by, p.status) for k, p in placed.items()} == {
        "hTq3k2ZcEe-aa01Curfew": (seed, "title", "exact"),
        "hTq3k2ZcEe-bb02Window": (news, "url", "exact"),
        "hTq3k2ZcEe-gg07Gone": (news, "title", "orphaned"),
    }
    reasons = {u.id: u.reason for u in result.unplaced}
    assert set(reasons) == {
        "hTq3k2ZcEe-cc03Copy",
        "hTq3k2ZcEe-dd04Reply",
        "hTq3k2ZcEe-ee05PageNote",
        "hTq3k2ZcEe-ff06Elsewhere",
    }
    assert "reply" in reasons["hTq3k2ZcEe-dd04Reply"]
    assert "page note" in reasons["hTq3k2ZcEe-ee05PageNote"]
    assert "name no article" in reasons["hTq3k2ZcEe-ff06Elsewhere"]
    # a repost elsewhere: its address and title say it is another page, so its words
    # (which this library holds) do not place it
    assert reasons["hTq3k2ZcEe-cc03Copy"] == (
        "its address https://mirror.example.net/reposts/4471 and title “Repost 4471” "
        "name no article in this library"
    )

    text = library.get_article(seed).reading_text
    curfew = library.get_annotation(placed["hTq3k2ZcEe-aa01Curfew"].id)
    assert text[curfew.start : curfew.end] == "a three-day curfew was ordered"
    assert (curfew.note, curfew.tags) == ("Check how long it lasted.", ["curfew", "Peru"])
    assert curfew.created.startswith("2023-01-20T08:41")
    gone = library.get_annotation(placed["hTq3k2ZcEe-gg07Gone"].id)
    assert gone.orphaned and gone.note == "Was this in the print edition only?"
    assert library.history(curfew.id)[0].action == "imported from hypothesis"
    assert library.search('tag:curfew "three-day curfew"').total == 1

    again = library.import_annotations(HYPOTHESIS.read_text(encoding="utf-8"))
    assert (again.imported, again.existing) == (0, 3)


def test_readwise_export(library):
    seed, news = _ids(library)
    result = library.import_annotations(READWISE.read_text(encoding="utf-8"))
    assert result.format == "readwise"
    assert (result.imported, result.orphaned) == (3, 0)
    placed = {p.source_id: p for p in result.placed}
    assert {k: (p.article_id, p.matched_by) for k, p in placed.items()} == {
        "row 2": (seed, "title"),
        "row 3": (news, "quote"),
        "row 4": (seed, "title"),
    }
    reasons = {u.id: u.reason for u in result.unplaced}
    assert "names no article" in reasons["row 5"] and "no highlighted text" in reasons["row 6"]
    lima = library.get_annotation(placed["row 2"].id)
    assert (lima.color, lima.tags, lima.note) == (
        "blue",
        ["peru", "protest"],
        "Compare with the 2020 marches",
    )
    assert lima.created == "2023-02-01T10:15:00Z"
    queue = library.get_annotation(placed["row 3"].id)
    assert queue.color == "yellow"  # orange has no place in the palette: the default
    congress = library.get_annotation(placed["row 4"].id)
    assert congress.color == "purple"
    assert congress.note == 'Who voted, and how? "Far right" is the article\'s phrase.\nLook it up.'
    assert library.article_tags(seed) == ["latin america"]  # the Document tags column
    again = library.import_annotations(READWISE.read_text(encoding="utf-8"))
    assert (again.imported, again.existing) == (0, 3)


def test_deleted_import_is_not_brought_back_by_a_second_import(library):
    first = library.import_annotations(READWISE.read_text(encoding="utf-8"))
    library.delete_annotation(first.placed[0].id)
    again = library.import_annotations(READWISE.read_text(encoding="utf-8"))
    assert again.imported == 0 and again.existing == 3
    assert len(library.trash()) == 1


def test_url_and_quote_helpers():
    assert (
        address_key("HTTPS://www.Example.com/a/b/?utm_source=x&id=3#top") == "example.com/a/b?id=3"
    )
    assert address_key("http://example.com/a/b") == address_key("https://example.com/a/b/")
    # other trackers (courlan's list), and the query's order, do not make another page
    assert address_key("https://ex.com/a?x=1&fbclid=9&b=2") == address_key(
        "https://ex.com/a?b=2&x=1"
    )
    assert address_key("https://ex.com/story?ref=twitter") == "ex.com/story"
    assert address_key("https://ex.com/story?id=7") != address_key("https://ex.com/story?id=8")
    assert address_key("file:///home/me/a.html#x") == "file:///home/me/a.html"
    assert address_key("not a url") == "not a url"
    text = "He said “state of emergency,”\nthen left on Thursdays."
    [(start, end)] = word_spans(text, 'said "state of emergency," then')
    assert text[start:end] == "said “state of emergency,”\nthen"
    assert word_spans(text, "nothing like it") == []
    assert word_spans(text, "nd Thursday") == []  # never inside a word
    assert word_spans(text, "aid") == []
    assert word_spans(text, "Thursdays.") == [(len(text) - 10, len(text))]


def test_command_line_reports_what_was_not_placed(tmp_path, seed_path):
    folder = tmp_path / "lib"
    subprocess.run(
        [*GLOSS, str(folder), "import", str(seed_path), str(NEWS)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [*GLOSS, str(folder), "import-annotations", str(READWISE)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr  # some rows could not be placed
    assert "imported 3" in done.stdout and "not placed: row 5" in done.stdout
    done = subprocess.run(
        [*GLOSS, str(folder), "--json", "import-annotations", str(HYPOTHESIS)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    data = json.loads(done.stdout)
    assert data["format"] == "hypothesis" and data["imported"] == 3 and len(data["unplaced"]) == 4


def test_quote_across_a_paragraph_break_is_found_by_its_words(library):
    seed, _ = _ids(library)
    row = "has been the most violent. Reportedly, 25,000 indigenous Aymaras"
    text = f"Highlight,Book Title\n{row!r},\n".replace("'", '"')
    result = library.import_annotations(text)
    assert result.imported == 1, result
    placed = result.placed[0]
    assert (placed.article_id, placed.matched_by) == (seed, "quote")
    passage = library.get_annotation(placed.id)
    assert passage.exact == "has been the most violent.\nReportedly, 25,000 indigenous Aymaras"
