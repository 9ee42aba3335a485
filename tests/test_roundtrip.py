"""What Gloss writes comes back: every export format through `import-annotations`, files
saved by spreadsheets in any encoding, mirror files that pass the W3C suite."""

from __future__ import annotations

import codecs
import csv
import io
import json
import subprocess
import sys

import pytest
from cli_runner import gloss

from conftest import W3C_TESTS, need
from index import Library

NOTE = "=SUM(A1) is not a formula here\n'quoted' on a second line"


@pytest.fixture
def two_libraries(tmp_path, seed_path):
    """A library with passages (colour names, notes, tags, an edit, an orphan), and an
    empty one holding the same article."""
    first = Library.open(tmp_path / "one", create_welcome=False)
    article_id = first.import_paths([seed_path]).article_ids[0]
    first.set_legend("blue", "open question")
    first.set_legend("green", "source found")
    made = [
        first.annotate_quote(article_id, "Juliaca", color="green", note="where", tags=["place"]),
        first.annotate_quote(article_id, "state of emergency", color="blue", note=NOTE),
        first.annotate_quote(article_id, "Lake Titicaca", color="underline", tags=["a b", "c"]),
    ]
    with first.store.write() as conn:  # made last spring, so that an edit today shows
        conn.execute("UPDATE annotations SET created = '2024-03-01T09:00:00Z'")
    made[2] = first.update_annotation(made[2].id, note="edited later")  # modified != created
    made[:2] = [first.get_annotation(a.id) for a in made[:2]]
    second = Library.open(tmp_path / "two", create_welcome=False)
    second.import_paths([seed_path])
    opened = [first, second]
    yield first, second, made
    for lib in opened:
        if lib.store is not None and not getattr(lib, "_closed_by_test", False):
            lib.close()


def _close_for_the_command_line(lib: Library):
    """Close the library (the command line needs its writer lock); return its folder."""
    lib.close()
    lib._closed_by_test = True
    return lib.path


def _same(a, b) -> None:
    assert (b.start, b.end, b.exact, b.prefix, b.suffix) == (
        a.start,
        a.end,
        a.exact,
        a.prefix,
        a.suffix,
    )
    assert (b.color, b.note, b.tags, b.created, b.updated) == (
        a.color,
        a.note,
        a.tags,
        a.created,
        a.updated,
    )
    assert b.orphaned == a.orphaned


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_every_export_comes_back_without_loss(two_libraries, fmt):
    first, second, made = two_libraries
    assert made[2].updated != made[2].created
    report = second.import_annotations(first.export_annotations(fmt))
    assert report.format == {"json": "w3c", "csv": "gloss-csv"}[fmt]
    assert (report.imported, report.existing, report.unplaced, report.orphaned) == (3, 0, [], 0)
    assert {p.matched_by for p in report.placed} == {"hash"}
    back = {a.id: a for a in second.annotations()}
    for a in made:
        _same(a, back[a.id])
    # the colour names travel with the file: offered, not forced
    assert report.legend_offered == {"blue": "open question", "green": "source found"}
    assert second.legend()["blue"] == "question"  # its own, untouched
    assert (second.import_annotations(first.export_annotations(fmt))).existing == 3


def test_the_colour_names_are_taken_when_asked(two_libraries, tmp_path):
    first, second, _ = two_libraries
    out = tmp_path / "passages.json"
    out.write_text(first.export_annotations("json"), encoding="utf-8")
    folder = _close_for_the_command_line(second)
    done = gloss(folder, "import-annotations", out)
    assert "blue “open question”" in done.stdout and "--legend" in done.stdout
    gloss(folder, "search", 'color:"open question"', code=1)  # not a colour name here yet
    gloss(folder, "import-annotations", out, "--legend")
    found = json.loads(gloss(folder, "search", 'color:"open question"', "--json").stdout)
    assert found["total"] == 1
    with Library.open(folder, create_welcome=False) as reopened:
        assert reopened.legend()["green"] == "source found"


def test_gloss_csv_comes_back_on_the_command_line(two_libraries, tmp_path):
    first, second, made = two_libraries
    out = tmp_path / "passages.csv"
    out.write_text(first.export_annotations("csv"), encoding="utf-8")
    folder = _close_for_the_command_line(second)
    done = gloss(folder, "import-annotations", out)
    assert done.stdout.startswith("imported 3, already there 0, orphaned 0, not placed 0")
    reopened = Library.open(folder, create_welcome=False)
    try:
        assert reopened.get_annotation(made[1].id).note == NOTE
    finally:
        reopened.close()


def _readwise(rows: list[tuple[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Highlight", "Book Title", "Note", "Tags"])
    for quote, title in rows:
        writer.writerow([quote, title, "café — “noted”", "pérou"])
    return out.getvalue()


@pytest.mark.parametrize(
    "encoding", ["cp1252", "utf-8-sig", "utf-16", "utf-16-le", "utf-8", "semicolons"]
)
def test_spreadsheet_csv_in_any_encoding(library, seed_id, tmp_path, encoding):
    title = library.get_article(seed_id).title
    text = _readwise([("Thousands also protested in the capital Lima", title)])
    if encoding == "semicolons":
        text, encoding = text.replace(",", ";"), "cp1252"
    path = tmp_path / "readwise.csv"
    data = text.encode(encoding)
    if encoding == "utf-16-le":
        data = codecs.BOM_UTF16_LE + data  # as Excel writes "Unicode text"
    path.write_bytes(data)
    report = library.import_annotations_file(path)
    assert report.imported == 1, report.to_json()
    passage = library.get_annotation(report.placed[0].id)
    assert (passage.note, passage.tags) == ("café — “noted”", ["pérou"])


def test_text_output_counts_orphaned_passages(tmp_path, seed_path):
    folder = tmp_path / "lib"
    gloss(folder, "import", seed_path)
    with Library.open(folder, create_welcome=False) as lib:
        title = next(a.title for a in lib.list_articles() if a.title.startswith("Mass unrest"))
    path = tmp_path / "rw.csv"
    path.write_text(_readwise([("words this article never held at all", title)]), "utf-8")
    done = gloss(folder, "import-annotations", path)
    assert done.stdout.splitlines()[0] == "imported 1, already there 0, orphaned 1, not placed 0"
    assert "orphaned: row 2: its words are not in article" in done.stdout


def _validate(path) -> subprocess.CompletedProcess:
    suite = need(W3C_TESTS) / "validate.py"
    return subprocess.run(
        [sys.executable, str(suite), "-q", str(path)], capture_output=True, text=True, timeout=300
    )


def test_mirror_files_pass_the_whole_w3c_suite(library, seed_id):
    library.annotate_quote(seed_id, "Juliaca", note="a note", tags=["one", "two"])
    library.annotate_quote(seed_id, "Lima", color="pink")
    library.sync_mirror()
    path = library.path / "annotations" / f"article-{seed_id}.json"
    done = _validate(path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1].endswith(" 0 failed")
    data = json.loads(path.read_text(encoding="utf-8"))
    first_id = data["id"]
    library.annotate_quote(seed_id, "Peru", color="green")
    library.sync_mirror()
    again = json.loads(path.read_text(encoding="utf-8"))
    assert again["id"] == first_id and again["first"]["id"].startswith(first_id)


def test_position_selector_counts_in_the_article_its_source_names(library, seed_id, seed_path):
    passage = library.annotate_quote(seed_id, "Juliaca")
    data = json.loads(library.export_annotations("json"))
    target = data["first"]["items"][0]["target"]
    article = library.get_article(seed_id)
    assert target["source"] == f"urn:gloss:article:{article.content_hash}"
    assert target["scope"] == seed_path.resolve().as_uri()  # the original file, as its scope
    position = next(s for s in target["selector"] if s["type"] == "TextPositionSelector")
    assert article.reading_text[position["start"] : position["end"]] == passage.exact
