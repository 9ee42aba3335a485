"""The command line as a user runs it: real processes, real folders, JSON shapes, exit codes."""

from __future__ import annotations

import json
import shutil

import pytest
from cli_runner import gloss


def as_json(done):
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def bbc_library(tmp_path_factory):
    """A library holding the whole BBC folder, imported once through the command line."""
    from conftest import BBC, need

    need(BBC)
    library = tmp_path_factory.mktemp("bbc") / "lib"
    done = gloss(library, "import", BBC, "--json")
    return library, as_json(done)


def test_bbc_import_counts(bbc_library):
    _, report = bbc_library
    assert set(report) >= {"imported", "duplicates", "failed", "took_s"}
    assert report["failed"] == []
    near = report["near_duplicates"]
    assert report["imported"] + report["duplicates"] + len(near) == 2225
    assert report["duplicates"] == 98
    # same title and at least 98 % the same text: tech/225 is tech/212 with one byte changed
    assert len(near) == 19
    lifestyle = next(n for n in near if n["path"].endswith("tech/225.txt"))
    assert lifestyle["kept_path"].endswith("tech/212.txt") and lifestyle["similarity"] > 0.99


def test_list_and_show(bbc_library):
    library, _ = bbc_library
    articles = as_json(gloss(library, "list", "--json"))["articles"]
    assert len(articles) == 2108 + 1  # the welcome article
    assert set(articles[0]) >= {"id", "title", "author", "date", "source", "words"}
    tech = next(a for a in articles if a["title"] == "Ad sales boost Time Warner profit")
    assert tech["author"] is None and tech["date"] is None
    shown = gloss(library, "show", tech["id"]).stdout
    assert shown.startswith("Quarterly profits at US media giant TimeWarner")
    data = as_json(gloss(library, "show", tech["id"], "--json"))
    assert data["blocks"] and data["text"] == shown.rstrip("\n")


def search(library, query, *extra):
    return as_json(gloss(library, "search", query, "--json", *extra))


def test_search_json_shape(bbc_library):
    library, _ = bbc_library
    result = search(library, "broadband")
    assert set(result) >= {"query", "total", "took_ms", "suggestion", "hits", "facets"}
    hit = result["hits"][0]
    assert hit["kind"] == "article"
    assert set(hit) >= {"article_id", "title", "author", "date", "score", "snippet"}
    assert any(f["match"] for f in hit["snippet"])
    assert all(set(f) == {"text", "match"} for f in hit["snippet"])
    assert set(result["facets"]) >= {"authors", "years"}


def test_search_phrase_field_fuzzy_and_stemming(bbc_library):
    library, _ = bbc_library
    phrase = search(library, '"mobile phone"', "--limit", "50")
    assert phrase["total"] > 10
    titled = search(library, "title:Mutu")
    assert titled["hits"] and all("mutu" in h["title"].lower() for h in titled["hits"])
    fuzzy = search(library, "arsenel~")
    assert fuzzy["total"] > 0
    stem = search(library, "protests", "--limit", "200")
    snippets = " ".join(f["text"].lower() for h in stem["hits"] for f in h["snippet"] if f["match"])
    assert "protesters" in snippets or "protested" in snippets


def test_search_suggests_a_spelling(bbc_library):
    library, _ = bbc_library
    result = search(library, "elecion")
    assert result["suggestion"] and "election" in result["suggestion"]


def test_malformed_queries_never_traceback(bbc_library):
    library, _ = bbc_library
    for query in ('"unbalanced', "(((", "*", "title:", "NOT"):
        done = gloss(library, "search", query, "--json", code=None)
        assert done.returncode in (0, 1), query
        if done.returncode == 1:
            assert done.stderr.strip().count("\n") == 0


def test_search_batch_prints_one_object_a_line(bbc_library, tmp_path):
    library, _ = bbc_library
    queries = tmp_path / "queries.txt"
    queries.write_text("economy\nfootball\n", encoding="utf-8")
    lines = gloss(library, "search", "--batch", queries, "--json").stdout.splitlines()
    assert [json.loads(line)["query"] for line in lines] == ["economy", "football"]


def test_date_range_on_the_seed(tmp_path, seed_path):
    library = tmp_path / "lib"
    gloss(library, "import", seed_path)
    for query in ("date:2023", "date:[2023-01-01 to 2023-01-31] juliaca", "date:2023-01"):
        assert search(library, query)["total"] == 1, query
    assert search(library, "date:[2022-01-01 to 2022-12-31] juliaca")["total"] == 0


def test_import_exit_codes(tmp_path, seed_path):
    library = tmp_path / "lib"
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed_path, folder / "seed.txt")
    (folder / "bad.txt").write_bytes(b"\x00\x01\x02" * 100)
    done = gloss(library, "import", folder, "--json", code=1)
    report = as_json(done)
    assert report["imported"] == 1
    assert [f["path"].rsplit("/", 1)[-1] for f in report["failed"]] == ["bad.txt"]
    assert gloss(library, "import", code=2).returncode == 2
    assert gloss(library, "frobnicate", code=2).returncode == 2


def test_annotate_then_find_in_another_process(tmp_path, seed_path):
    library = tmp_path / "lib"
    gloss(library, "import", seed_path)
    seed_id = next(
        a["id"]
        for a in as_json(gloss(library, "list", "--json"))["articles"]
        if a["author"] == "Don Knowland"
    )
    passage = gloss(
        library,
        "annotate",
        seed_id,
        "--quote",
        "Juliaca",
        "--occurrence",
        "2",
        "--note",
        "airport clash",
        "--tag",
        "police",
        "--color",
        "pink",
    ).stdout.strip()
    listed = as_json(gloss(library, "annotations", "--json"))["annotations"]
    assert [a["id"] for a in listed] == [passage]
    assert set(listed[0]) >= {
        "id",
        "article_id",
        "quote",
        "prefix",
        "suffix",
        "start",
        "end",
        "color",
        "note",
        "tags",
        "orphaned",
        "created",
        "updated",
    }
    for query in ("tag:police", "note:airport", "quote:juliaca color:pink"):
        hits = search(library, query)["hits"]
        assert hits[0]["article_id"] == seed_id, query
        assert hits[0]["annotations"][0]["annotation_id"] == passage, query
    w3c = as_json(gloss(library, "annotate", seed_id, "--quote", "Lima", "--json"))
    assert w3c["type"] == "Annotation" and w3c["id"].startswith("urn:uuid:")
    missing = gloss(library, "annotate", seed_id, "--quote", "nowhere to be found", code=1)
    assert "not" in missing.stderr
    gloss(library, "unannotate", passage)
    assert search(library, "tag:police")["total"] == 0


def test_check_and_reindex(tmp_path, seed_path):
    library = tmp_path / "lib"
    gloss(library, "import", seed_path)
    assert as_json(gloss(library, "check", "--json")) == {"ok": True, "problems": []}
    assert as_json(gloss(library, "reindex", "--json"))["documents"] == 2
