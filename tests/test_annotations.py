"""Passages through the Library: create, edit, tags, search, re-anchoring, export round trip."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import W3C_TESTS, need
from index.library import Library
from index.passages.annotations import AnnotationError

EMOJI_ARTICLE = """# Offsets

Café 😀 naïve e\u0301tude 👩‍👩‍👧 before the passage: the harbour froze over in March.

A second paragraph about the harbour and its boats.
"""


def test_annotate_stores_selectors_and_metadata(library, seed_id):
    a = library.annotate_quote(
        seed_id, "state of emergency", color="blue", note="Check\nthe date", tags=["Peru", "law"]
    )
    text = library.get_article(seed_id).reading_text
    assert text[a.start : a.end] == "state of emergency" == a.exact
    assert text[: a.start].endswith(a.prefix) and text[a.end :].startswith(a.suffix)
    assert 0 < len(a.prefix) <= 32 and 0 < len(a.suffix) <= 32
    assert (a.color, a.note, a.tags, a.orphaned) == (
        "blue",
        "Check\nthe date",
        ["law", "Peru"],
        False,
    )
    assert a.created and a.updated
    assert library.annotations(article_id=seed_id) == [a]


def test_offsets_are_code_points_after_emoji_and_combining_accents(library, tmp_path):
    path = tmp_path / "offsets.md"
    path.write_text(EMOJI_ARTICLE, encoding="utf-8")
    article_id = library.import_paths([path]).article_ids[0]
    a = library.annotate_quote(article_id, "the harbour froze")
    text = library.get_article(article_id).reading_text
    assert text[a.start : a.end] == "the harbour froze"
    assert a.start == text.index("the harbour froze")


def test_nth_occurrence_and_missing_quote(library, seed_id):
    first = library.annotate_quote(seed_id, "Puno", occurrence=1)
    third = library.annotate_quote(seed_id, "Puno", occurrence=3)
    assert third.start > first.start
    with pytest.raises(AnnotationError, match="not"):
        library.annotate_quote(seed_id, "words that are not in the article")
    with pytest.raises(AnnotationError, match="occurrence 99"):
        library.annotate_quote(seed_id, "Puno", occurrence=99)


def test_bad_colour_is_refused(library, seed_id):
    with pytest.raises(AnnotationError, match="unknown colour"):
        library.annotate_quote(seed_id, "Puno", color="magenta")


def test_passage_is_searchable_by_tag_note_and_quote_right_away(library, seed_id):
    a = library.annotate_quote(
        seed_id, "highway blockades", note="Compare with the 2020 strikes", tags=["Roads"]
    )
    for query in ("tag:roads", "note:strikes", "quote:blockades", "tag:Roads juliaca"):
        result = library.search(query)
        assert result.total == 1, query
        group = result.hits[0]
        assert group.article_id == seed_id
        assert [h.annotation_id for h in group.annotations] == [a.id], query
    library.update_annotation(a.id, note="now about ports")
    assert library.search("note:ports").total == 1
    assert library.search("note:strikes").total == 0
    library.delete_annotation(a.id)
    assert library.search("tag:roads").total == 0


def test_tags_rename_merge_delete(library, seed_id):
    a = library.annotate_quote(seed_id, "Juliaca", tags=["Police"])
    b = library.annotate_quote(seed_id, "Lima", tags=["police", "Capital"])
    assert library.get_annotation(b.id).tags == ["Capital", "Police"]  # case-insensitive
    assert dict(library.tags()) == {"Capital": 1, "Police": 2}
    library.rename_tag("POLICE", "Security forces")
    assert library.get_annotation(a.id).tags == ["Security forces"]
    assert library.search('tag:"security forces"').total == 1
    library.merge_tags("capital", "security forces")
    assert library.get_annotation(b.id).tags == ["Security forces"]
    assert dict(library.tags()) == {"Security forces": 2}
    library.delete_tag("Security forces")
    assert library.get_annotation(a.id).tags == [] and library.get_annotation(b.id)
    assert library.tags() == []


def test_article_tags_are_searched_like_passage_tags(library, seed_id):
    library.set_article_tags(seed_id, ["Latin America"])
    assert library.article_tags(seed_id) == ["Latin America"]
    assert library.search('tag:"latin america"').hits[0].article_id == seed_id
    assert [a.id for a in library.list_articles(tag="latin america")] == [seed_id]


def test_reimport_of_edited_seed_reanchors(library, seed_path, tmp_path):
    """A sentence inserted before one passage, a word changed inside another, a paragraph gone."""
    path = tmp_path / "seed.txt"
    original = seed_path.read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    article_id = library.import_paths([path]).article_ids[0]
    moved = library.annotate_quote(article_id, "Reportedly, 25,000 indigenous Aymaras have arrived")
    changed = library.annotate_quote(
        article_id, "a three-day curfew was ordered in Puno city", note="keep me"
    )
    gone_paragraph = "Thousands also protested in the capital Lima on Wednesday"
    gone = library.annotate_quote(article_id, "resulting in dozens of arrests", tags=["arrests"])
    assert gone_paragraph in original
    edited = original.replace(
        "Many protests have been centered",
        "A new sentence arrives here to push the rest along. Many protests have been centered",
    )
    edited = edited.replace("three-day curfew was ordered", "three-day curfew was decreed")
    start = edited.index(gone_paragraph)
    end = edited.index("\n\n", start)
    edited = edited[:start] + edited[end + 2 :]
    path.write_text(edited, encoding="utf-8")
    report = library.import_paths([path])
    assert report.updated == 1
    outcome = {e["annotation_id"]: e for e in report.anchoring}
    assert outcome[moved.id]["status"] == "moved"
    assert outcome[changed.id]["status"] in ("fuzzy", "orphaned")
    assert outcome[gone.id]["status"] == "orphaned"
    text = library.get_article(article_id).reading_text
    now_moved = library.get_annotation(moved.id)
    assert text[now_moved.start : now_moved.end] == moved.exact
    now_changed = library.get_annotation(changed.id)
    assert now_changed.note == "keep me"
    if not now_changed.orphaned:
        assert "curfew was decreed" in text[now_changed.start : now_changed.end]
    now_gone = library.get_annotation(gone.id)
    assert now_gone.orphaned and now_gone.exact == "resulting in dozens of arrests"
    assert now_gone.tags == ["arrests"]
    orphaned_ids = {a.id for a in library.annotations(orphaned=True)}
    assert gone.id in orphaned_ids and moved.id not in orphaned_ids
    assert library.search("is:orphaned").hits[0].article_id == article_id


def _seed_library(path, seed_path) -> tuple[Library, int]:
    lib = Library.open(path, create_welcome=False)
    return lib, lib.import_paths([seed_path]).article_ids[0]


def test_json_export_round_trip(tmp_path, seed_path):
    first, article_id = _seed_library(tmp_path / "one", seed_path)
    made = [
        first.annotate_quote(article_id, "Juliaca", color="green", note="where", tags=["place"]),
        first.annotate_quote(article_id, "state of emergency", color="underline"),
        first.annotate_quote(article_id, "Lake Titicaca", note="two\nlines", tags=["a b", "c"]),
    ]
    exported = first.export_annotations("json")
    first.close()
    second, _ = _seed_library(tmp_path / "two", seed_path)
    result = second.import_annotations(exported)
    assert (result.imported, result.existing, result.unplaced) == (3, 0, [])
    again = second.import_annotations(exported)
    assert (again.imported, again.existing) == (0, 3), "never duplicated"
    back = {a.id: a for a in second.annotations()}
    for a in made:
        b = back[a.id]
        assert (b.start, b.end, b.exact, b.prefix, b.suffix) == (
            a.start,
            a.end,
            a.exact,
            a.prefix,
            a.suffix,
        )
        assert (b.note, b.tags, b.color) == (a.note, a.tags, a.color)
    second.close()


def test_json_export_passes_the_w3c_suite(tmp_path, seed_path, library, seed_id):
    suite = need(W3C_TESTS) / "validate.py"
    library.annotate_quote(seed_id, "Juliaca", note="a note", tags=["one", "two"])
    library.annotate_quote(seed_id, "Lima", color="pink")
    out = tmp_path / "export.json"
    out.write_text(library.export_annotations("json"), encoding="utf-8")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "AnnotationCollection" and data["total"] == 2
    done = subprocess.run(
        [sys.executable, str(suite), "-q", str(out)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1].endswith(" 0 failed")


def test_markdown_and_csv_exports(library, seed_id):
    library.annotate_quote(seed_id, "Juliaca", note="=SUM(A1)", tags=["peru now"])
    markdown = library.export_annotations("markdown")
    assert "## Mass unrest continues in Peru" in markdown
    assert "> Juliaca" in markdown and "#peru-now" in markdown
    csv_text = library.export_annotations("csv")
    header, row = csv_text.splitlines()[:2]
    assert header.startswith("article,author,date,quote,note,tags,color,created")
    assert "'=SUM(A1)" in row, "formulas are defused"


def test_an_export_of_chosen_passages_holds_only_those(library, seed_id):
    keep = library.annotate_quote(seed_id, "Juliaca", note="keep me")
    library.annotate_quote(seed_id, "Lake Titicaca", note="leave me out")
    markdown = library.export_annotations("markdown", ids=[keep.id])
    assert "keep me" in markdown and "leave me out" not in markdown
    data = json.loads(library.export_annotations("json", ids=[keep.id]))
    assert data["total"] == 1
