"""The anchoring report: a re-import of an edited copy of the seed article, one passage of
each outcome (exact, moved, fuzzy, orphaned), then accepting and re-attaching."""

from __future__ import annotations

import json

import pytest
from cli_runner import gloss

from index.library import Library
from index.passages.anchoring import FUZZY_THRESHOLD
from index.passages.annotations import AnnotationError

# Quotes from the seed article, and the edits made to a copy of it.
EXACT = "the massacre of 17 persons"
MOVED = "which borders on Lake Titicaca, and has a largely indigenous population"
FUZZY = (
    "Repression from security forces in Puno city, the most important commercial city"
    " of the Southern Andes, has been the most violent."
)
ORPHAN = (
    "Thousands also protested in the capital Lima on Wednesday, resulting in dozens of arrests."
)
INSERTED = "A paragraph written for this test stands here now, before the Puno region."


def edit(text: str) -> str:
    """A paragraph inserted (after EXACT, before MOVED), FUZZY reworded, ORPHAN removed."""
    out = text.replace(
        "Many protests have been centered", f"{INSERTED}\n\nMany protests have been centered", 1
    )
    out = out.replace("Repression from security", "Repression by security", 1)
    out = out.replace("commercial city of the Southern", "commercial centre of the Southern", 1)
    out = out.replace(ORPHAN + " ", "", 1)
    assert out.count(INSERTED) == 1 and ORPHAN not in out and FUZZY not in out
    return out


@pytest.fixture
def setup(tmp_path, seed_path):
    """A library holding a copy of the seed with four passages; the copy then edited."""
    source = tmp_path / "peru.txt"
    original = seed_path.read_text(encoding="utf-8")
    source.write_text(original, encoding="utf-8")
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    article = lib.import_paths([source]).article_ids[0]
    passages = {
        "exact": lib.annotate_quote(article, EXACT),
        "moved": lib.annotate_quote(article, MOVED, color="green", tags=["puno"]),
        "fuzzy": lib.annotate_quote(article, FUZZY, note="who commands them?"),
        "orphaned": lib.annotate_quote(article, ORPHAN, note="Lima too", tags=["capital"]),
    }
    source.write_text(edit(original), encoding="utf-8")
    yield lib, article, source, passages
    lib.close()


def test_reimport_reports_one_passage_of_each_kind(setup):
    lib, article, source, passages = setup
    report = lib.import_paths([source])
    assert report.updated == 1
    by_id = {e["annotation_id"]: e for e in report.anchoring}
    assert {kind: by_id[p.id]["status"] for kind, p in passages.items()} == {
        "exact": "exact",
        "moved": "moved",
        "fuzzy": "fuzzy",
        "orphaned": "orphaned",
    }
    text = lib.get_article(article).reading_text
    exact, moved = by_id[passages["exact"].id], by_id[passages["moved"].id]
    assert exact["new_start"] == exact["old_start"] == passages["exact"].start
    assert moved["old_start"] == passages["moved"].start
    assert moved["new_start"] == passages["moved"].start + len(INSERTED) + 1
    assert text[moved["new_start"] : moved["new_end"]] == MOVED
    fuzzy = by_id[passages["fuzzy"].id]
    assert fuzzy["threshold"] == FUZZY_THRESHOLD <= fuzzy["similarity"] < 1.0
    assert text[fuzzy["new_start"] : fuzzy["new_end"]] == fuzzy["new_quote"]
    assert fuzzy["new_quote"].startswith("Repression by security forces")
    orphan = by_id[passages["orphaned"].id]
    assert orphan["new_start"] is None and orphan["similarity"] < FUZZY_THRESHOLD
    assert orphan["quote"] == ORPHAN

    # kept with the article, and nothing deleted
    stored = lib.anchoring_reports(article)
    assert len(stored) == 1 and stored[0].counts() == {
        "exact": 1,
        "moved": 1,
        "fuzzy": 1,
        "orphaned": 1,
    }
    assert stored[0].entries == report.anchoring
    assert len(lib.annotations(article_id=article)) == 4
    orphaned = lib.get_annotation(passages["orphaned"].id)
    assert orphaned.orphaned and orphaned.note == "Lima too" and orphaned.exact == ORPHAN
    assert lib.history(orphaned.id)[-1].action == "reanchored (orphaned)"
    pending = lib.pending_anchoring(article)
    assert {e["annotation_id"] for e in pending} == {passages["fuzzy"].id, orphaned.id}


def test_accept_fuzzy_and_reattach_an_orphan(setup):
    lib, article, source, passages = setup
    lib.import_paths([source])
    with pytest.raises(AnnotationError, match="fuzzy"):
        lib.accept_fuzzy(passages["moved"].id)
    accepted = lib.accept_fuzzy(passages["fuzzy"].id)
    assert accepted.note == "who commands them?"
    assert lib.history(accepted.id)[-1].action == "accepted fuzzy match"

    text = lib.get_article(article).reading_text
    words = "There have been widespread calls"
    start = text.index(words)
    moved = lib.reattach(passages["orphaned"].id, start, start + len(words))
    assert (moved.exact, moved.orphaned, moved.note, moved.tags) == (
        words,
        False,
        "Lima too",
        ["capital"],
    )
    assert lib.history(moved.id)[-1].action == "reattached"
    assert lib.pending_anchoring(article) == []
    entries = {e["annotation_id"]: e for e in lib.anchoring_reports(article)[0].entries}
    assert entries[accepted.id]["resolution"] == "accepted"
    assert entries[moved.id]["resolution"] == "reattached"
    assert lib.search('"widespread calls" note:lima').total == 1
    with pytest.raises(AnnotationError):
        lib.reattach(moved.id, 5, 5)


def test_a_second_reimport_makes_a_second_report(setup):
    lib, article, source, passages = setup
    lib.import_paths([source])
    source.write_text("One more paragraph on top.\n\n" + source.read_text(encoding="utf-8"))
    lib.import_paths([source])
    reports = lib.anchoring_reports(article)
    assert len(reports) == 2
    newest = {e["annotation_id"]: e["status"] for e in reports[0].entries}
    assert newest[passages["exact"].id] == "moved"
    assert newest[passages["orphaned"].id] == "orphaned"


def test_command_line_report(tmp_path, seed_path):
    folder, source = tmp_path / "lib", tmp_path / "peru.txt"
    original = seed_path.read_text(encoding="utf-8")
    source.write_text(original, encoding="utf-8")
    gloss(folder, "import", source)
    listed = json.loads(gloss(folder, "list", "--json").stdout)["articles"]
    article = next(a["id"] for a in listed if a["title"].startswith("Mass unrest"))
    ids = {}
    for kind, quote in (("exact", EXACT), ("moved", MOVED), ("fuzzy", FUZZY), ("orphaned", ORPHAN)):
        ids[kind] = gloss(folder, "annotate", article, "--quote", quote).stdout.strip()
    source.write_text(edit(original), encoding="utf-8")
    report = json.loads(gloss(folder, "import", source, "--json").stdout)
    entries = {e["annotation_id"]: e for e in report["anchoring"]}
    assert {k: entries[i]["status"] for k, i in ids.items()} == {k: k for k in ids}
    for entry in entries.values():
        assert set(entry) >= {"status", "old_start", "old_end", "new_start", "new_end"}
        assert set(entry) >= {"similarity", "threshold", "quote"}
    shown = json.loads(gloss(folder, "anchoring", article, "--json").stdout)
    assert shown["reports"][0]["counts"] == {"exact": 1, "moved": 1, "fuzzy": 1, "orphaned": 1}
    assert "orphaned" in gloss(folder, "anchoring", article).stdout
    gloss(folder, "accept-fuzzy", ids["fuzzy"])
    done = gloss(folder, "reattach", ids["orphaned"], "--quote", "widespread calls", "--json")
    assert json.loads(done.stdout)["reattached"]["orphaned"] is False
    text = gloss(folder, "anchoring", article).stdout
    assert "[accepted]" in text and "[reattached]" in text
    assert gloss(folder, "reattach", ids["orphaned"], code=2).stderr
