"""The colour legend: names per colour, in the query language, in exports, on the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest
from cli_runner import gloss

from index.library import Library
from index.passages.annotations import AnnotationError
from index.passages.legend import DEFAULT_NAMES
from index.search.engine import QueryError


def test_defaults_cover_the_palette_in_order(library):
    legend = library.legend()
    assert list(legend) == list(library.PALETTE)
    assert legend["yellow"] == "key point" and legend["blue"] == "question"
    assert legend == DEFAULT_NAMES


def test_rename_persists_and_reset_restores_default(tmp_path):
    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        assert lib.set_legend("pink", "  counter   argument ")["pink"] == "counter argument"
    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        assert lib.legend()["pink"] == "counter argument"
        assert lib.set_legend("pink", None)["pink"] == DEFAULT_NAMES["pink"]
        assert lib.set_legend("pink", "")["pink"] == DEFAULT_NAMES["pink"]


@pytest.mark.parametrize(
    ("color", "name", "message"),
    [
        ("pink", "blue", "already a colour"),
        ("pink", "Question", "already names blue"),
        ("magenta", "rude", "unknown colour"),
        ("green", "x" * 41, "at most"),
        ("green", "   ", None),
    ],
)
def test_names_that_would_be_ambiguous_are_refused(library, color, name, message):
    if message is None:  # blank means "back to the default", not an error
        assert library.set_legend(color, name)[color] == DEFAULT_NAMES[color]
        return
    with pytest.raises(AnnotationError, match=message):
        library.set_legend(color, name)


def _ids(result):
    return sorted(a.annotation_id for hit in result.hits for a in hit.annotations)


def test_color_name_searches_like_the_colour(library, seed_id):
    blue = library.annotate_quote(seed_id, "state of emergency", color="blue")
    library.annotate_quote(seed_id, "Juliaca", color="green")
    under = library.annotate_quote(seed_id, "Lake Titicaca", color="underline")
    assert _ids(library.search("color:question")) == _ids(library.search("color:blue")) == [blue.id]
    assert _ids(library.search("color:Question")) == [blue.id]
    for query in ('color:"follow up"', "color:follow-up", "color:followup"):
        assert _ids(library.search(query)) == [under.id], query
    library.set_legend("blue", "open issue")
    assert _ids(library.search('color:"open issue"')) == [blue.id]
    assert _ids(library.search("color:open-issue")) == [blue.id]
    with pytest.raises(QueryError, match="question"):
        library.search("color:question")  # nothing is called that any more
    assert _ids(library.search("color:blue")) == [blue.id]


def test_a_name_given_on_another_thread_is_searched_at_once(library, seed_id):
    """A search keeps the legend until the next commit: one from any connection counts."""
    import threading

    blue = library.annotate_quote(seed_id, "state of emergency", color="blue")
    assert library.search("color:question").color_names["blue"] == "question"
    renaming = threading.Thread(target=library.set_legend, args=("blue", "puzzle"))
    renaming.start()
    renaming.join()
    result = library.search("color:puzzle")
    assert _ids(result) == [blue.id] and result.color_names["blue"] == "puzzle"


def test_exports_carry_colour_names(library, seed_id):
    library.set_legend("green", "proof")
    library.annotate_quote(seed_id, "Juliaca", color="green", tags=["peru"])
    markdown = library.export_annotations("markdown")
    assert "*proof* (green)" in markdown
    rows = list(csv.DictReader(io.StringIO(library.export_annotations("csv"))))
    assert rows[0]["color"] == "green" and rows[0]["color_name"] == "proof"
    data = json.loads(library.export_annotations("json"))
    target = data["first"]["items"][0]["target"]
    assert target["styleClass"] == "green" and target["gloss:colorName"] == "proof"


def test_command_line_lists_and_renames(tmp_path):
    folder = tmp_path / "lib"
    Library.open(folder, create_welcome=False).close()  # `legend` makes no library
    listed = json.loads(gloss(folder, "legend", "--json").stdout)["legend"]
    assert listed == DEFAULT_NAMES
    renamed = json.loads(
        gloss(folder, "legend", "set", "purple", "term", "to", "learn", "--json").stdout
    )
    assert renamed["legend"]["purple"] == "term to learn"
    text = gloss(folder, "legend").stdout
    assert "purple" in text and "term to learn" in text
    refused = gloss(folder, "legend", "set", "purple", "yellow", code=1)
    assert "already a colour" in refused.stderr
    assert gloss(folder, "legend", "set", "purple", code=2).stderr
    reset = json.loads(gloss(folder, "legend", "reset", "purple", "--json").stdout)["legend"]
    assert reset["purple"] == DEFAULT_NAMES["purple"]
