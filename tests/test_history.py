"""Passage history and the trash: versions kept, any one restorable, across restarts."""

from __future__ import annotations

import json

import pytest
from cli_runner import gloss

from index.library import Library
from index.passages.annotations import AnnotationError

EDITS = (
    {"note": "first thought", "tags": ["peru"]},
    {"note": "second thought", "color": "green"},
    {"note": "third thought", "tags": ["peru", "law"], "color": "pink"},
)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "lib"


def _edited_then_deleted(folder, seed_path):
    """A passage created, edited three times and deleted; the library closed after."""
    with Library.open(folder, create_welcome=False) as lib:
        article = lib.import_paths([seed_path]).article_ids[0]
        passage = lib.annotate_quote(article, "state of emergency", color="blue")
        for edit in EDITS:
            lib.update_annotation(passage.id, **edit)
        lib.delete_annotation(passage.id)
        assert lib.annotations() == []
    return passage.id


@pytest.mark.parametrize("which", [0, 1, 2])
def test_each_of_three_versions_comes_back_from_the_trash_after_a_restart(folder, seed_path, which):
    passage_id = _edited_then_deleted(folder, seed_path)
    with Library.open(folder, create_welcome=False) as lib:
        assert [t.annotation.id for t in lib.trash()] == [passage_id]
        versions = lib.history(passage_id)
        assert [v.action for v in versions] == ["created", "edited", "edited", "edited", "deleted"]
        edited = [v for v in versions if v.action == "edited"]
        assert [v.annotation.note for v in edited] == [e["note"] for e in EDITS]
        wanted = edited[which]
        back = lib.restore_version(passage_id, wanted.seq)
        assert lib.trash() == []
        assert (back.note, back.color, back.tags) == (
            wanted.annotation.note,
            wanted.annotation.color,
            wanted.annotation.tags,
        )
        assert back.exact == "state of emergency" and not back.orphaned
        assert lib.annotations() == [back]
        assert lib.history(passage_id)[-1].action == f"restored version {wanted.seq}"
        hits = lib.search(f'note:"{wanted.annotation.note}"').hits
        assert [a.annotation_id for h in hits for a in h.annotations] == [passage_id]


def test_restore_from_trash_gives_the_last_state_after_a_restart(folder, seed_path):
    passage_id = _edited_then_deleted(folder, seed_path)
    with Library.open(folder, create_welcome=False) as lib:
        item = lib.trash()[0]
        assert item.annotation.note == "third thought" and item.deleted
        assert item.article_title.startswith("Mass unrest")
        back = lib.restore_from_trash(passage_id)
        assert (back.note, back.color, back.tags) == ("third thought", "pink", ["law", "peru"])
        assert lib.history(passage_id)[-1].action == "restored"
        with pytest.raises(AnnotationError, match="not in the trash"):
            lib.restore_from_trash(passage_id)


def test_restoring_a_live_passage_is_a_new_version(folder, seed_path):
    with Library.open(folder, create_welcome=False) as lib:
        article = lib.import_paths([seed_path]).article_ids[0]
        passage = lib.annotate_quote(article, "Juliaca", note="one")
        lib.update_annotation(passage.id, note="two", color="purple")
        first = lib.history(passage.id)[0]
        back = lib.restore_version(passage.id, first.seq)
        assert (back.note, back.color) == ("one", "yellow")
        actions = [v.action for v in lib.history(passage.id)]
        assert actions == ["created", "edited", f"restored version {first.seq}"]
        with pytest.raises(AnnotationError, match="no version"):
            lib.restore_version(passage.id, 10_000)


def test_a_version_from_before_a_reimport_is_reanchored(tmp_path, seed_path):
    source = tmp_path / "peru.txt"
    text = seed_path.read_text(encoding="utf-8")
    source.write_text(text, encoding="utf-8")
    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        article = lib.import_paths([source]).article_ids[0]
        passage = lib.annotate_quote(article, "Lake Titicaca", note="old")
        old = lib.history(passage.id)[0]
        lib.delete_annotation(passage.id)
        source.write_text("A paragraph added at the top.\n\n" + text, encoding="utf-8")
        lib.import_paths([source])
        back = lib.restore_version(passage.id, old.seq)
        reading = lib.get_article(article).reading_text
        assert back.start != old.annotation.start
        assert reading[back.start : back.end] == "Lake Titicaca" and not back.orphaned


def test_empty_trash_forgets_passages_and_their_history(folder, seed_path):
    passage_id = _edited_then_deleted(folder, seed_path)
    with Library.open(folder, create_welcome=False) as lib:
        article = lib.list_articles()[0].id
        kept = lib.annotate_quote(article, "Juliaca")
        lib.delete_annotation(kept.id)
        assert lib.empty_trash([kept.id, "not-there"]) == 1
        assert [t.annotation.id for t in lib.trash()] == [passage_id]
        assert lib.empty_trash() == 1
        assert lib.trash() == []
        with pytest.raises(AnnotationError):
            lib.history(passage_id)


def test_command_line_history_trash_restore(folder, seed_path):
    passage_id = _edited_then_deleted(folder, seed_path)
    history = json.loads(gloss(folder, "history", passage_id, "--json").stdout)
    assert [v["action"] for v in history["versions"]][-1] == "deleted"
    second = history["versions"][2]
    assert second["annotation"]["note"] == "second thought"
    assert "second thought" in gloss(folder, "history", passage_id).stdout

    trash = json.loads(gloss(folder, "trash", "--json").stdout)
    assert [a["id"] for a in trash["annotations"]] == [passage_id]
    with Library.open(folder, create_welcome=False) as lib:
        article = history["versions"][0]["annotation"]["article_id"]
        shape = set(lib.annotate_quote(article, "Juliaca").to_json())
    assert set(trash["annotations"][0]) >= shape | {"deleted"}
    assert passage_id in gloss(folder, "trash").stdout

    restored = json.loads(
        gloss(folder, "restore", passage_id, "--version", second["seq"], "--json").stdout
    )
    assert restored["restored"]["note"] == "second thought"
    assert json.loads(gloss(folder, "trash", "--json").stdout) == {"annotations": []}
    assert "not in the trash" in gloss(folder, "restore", passage_id, code=1).stderr
    assert gloss(folder, "restore", "backup.sqlite3", code=2).stderr

    gloss(folder, "unannotate", passage_id)
    assert json.loads(gloss(folder, "trash", "empty", "--json").stdout) == {"emptied": 1}
    assert json.loads(gloss(folder, "trash", "--json").stdout) == {"annotations": []}


def test_take_back_returns_a_passage_exactly_and_forgets_the_undone_version(library, seed_id):
    """Issue 13: the window's undo (Library.take_back) adds no version; a change made since
    by something else is not silently undone."""
    made = library.annotate_quote(seed_id, "state of emergency", color="blue", tags=["peru"])
    edited = library.update_annotation(made.id, note="declared when?", start=made.start - 4)
    assert library.take_back(made.id, edited) == made  # selectors, times and tags too
    assert [v.action for v in library.history(made.id)] == ["created"]
    deleted = library.delete_annotation(made.id)
    assert library.take_back(made.id, deleted) == made and not library.trash()
    deleted = library.delete_annotation(made.id)
    when = library.trash()[0].deleted
    restored = library.restore_from_trash(made.id)
    assert library.take_back(made.id, restored) is None  # back in the trash, as deleted then
    assert [(t.annotation.id, t.deleted) for t in library.trash()] == [(made.id, when)]
    back = library.restore_from_trash(made.id)
    library.rename_tag("peru", "Peru")  # changes the passage behind the undo's back
    with pytest.raises(AnnotationError, match="changed since"):
        library.take_back(made.id, back)
    assert library.get_annotation(made.id).tags == ["Peru"]


def test_take_back_of_a_creation_leaves_nothing(library, seed_id):
    made = library.annotate_quote(seed_id, "state of emergency")
    assert library.take_back(made.id, made) is None
    assert library.annotations() == [] and library.trash() == []
    with pytest.raises(AnnotationError):
        library.history(made.id)
    library.wait_indexed()
    assert library.search("quote:emergency").total == 0
