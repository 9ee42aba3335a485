"""Near-copies: an article almost the same as one in the library is kept once, and said so."""

from __future__ import annotations

import json
import shutil

import pytest
from cli_runner import gloss

from conftest import BBC, need
from index import Library


@pytest.fixture
def pair(tmp_path):
    """bbc/tech/212 and tech/225: the same story, one byte apart."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("212", "225"):
        shutil.copy(need(BBC) / "tech" / f"{name}.txt", folder / f"{name}.txt")
    return folder


def test_a_near_copy_is_kept_once_and_named(tmp_path, pair):
    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        report = lib.import_paths([pair])
        assert (report.imported, report.duplicates) == (1, 0)
        [near] = report.near_duplicates
        assert near["path"].endswith("225.txt") and near["kept_path"].endswith("212.txt")
        assert near["kept_id"] == report.article_ids[0] and 0.99 < near["similarity"] < 1
        assert near["title"] == "Lifestyle 'governs mobile choice'"
        assert lib.search("lifestyle handsets").total == 1
        again = lib.import_paths([pair])  # once more: the same answer, nothing added
        assert (again.imported, again.duplicates, len(again.near_duplicates)) == (0, 1, 1)
        assert len(lib.list_articles()) == 1


def test_both_when_asked(tmp_path, pair):
    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        report = lib.import_paths([pair], keep_near_duplicates=True)
        assert (report.imported, report.near_duplicates) == (2, [])
        assert lib.search("lifestyle handsets").total == 2


def test_what_is_not_a_near_copy(tmp_path, pair):
    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        first = pair / "212.txt"
        lib.import_paths([first])
        # the same file changed by a word and imported again: an update, not a near-copy
        first.write_text(first.read_text("latin-1").replace("handsets", "phones", 1), "latin-1")
        report = lib.import_paths([first])
        assert (report.updated, report.near_duplicates) == (1, [])
        # the same title over another story: a different article
        other = pair / "other.txt"
        other.write_text("Lifestyle 'governs mobile choice'\n\nA story about gardens.\n")
        report = lib.import_paths([other])
        assert (report.imported, report.near_duplicates) == (1, [])


def test_the_command_line_names_both(tmp_path, pair):
    library = tmp_path / "lib"
    done = gloss(library, "import", pair)
    assert "near-duplicates 1," in done.stdout
    line = next(x for x in done.stdout.splitlines() if x.startswith("near-duplicate"))
    assert "225.txt" in line and "212.txt" in line and "--keep-near-duplicates" in line
    gloss(library, "import", pair, "--keep-near-duplicates")
    titles = [a["title"] for a in json.loads(gloss(library, "list", "--json").stdout)["articles"]]
    assert titles.count("Lifestyle 'governs mobile choice'") == 2
