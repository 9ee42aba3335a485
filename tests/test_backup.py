"""Backups (verified, rotating, at start when changed, before repairs), restoring a backup
file, and the JSON mirror of every passage with `restore --from-annotations`."""

from __future__ import annotations

import json
import sqlite3

import pytest
from crash_child import write_samples

from index.cli.commands import run_command
from index.library import Library
from index.safety import backup, mirror
from index.store.database import StoreError


@pytest.fixture
def library(tmp_path):
    lib = Library.open(tmp_path / "library", create_welcome=False)
    lib.import_paths(write_samples(tmp_path / "articles"))
    yield lib
    lib.close()


def _ids(library) -> dict[str, int]:
    return {a.title: a.id for a in library.list_articles()}


def _passage(library, title: str, words: str, **kw):
    article = _ids(library)[title]
    return library.annotate_quote(article, words, **kw)


def _fields(a) -> tuple:
    return (a.id, a.article_id, a.start, a.end, a.exact, a.prefix, a.suffix, a.color, a.note,
            sorted(a.tags), a.orphaned, a.created, a.updated)  # fmt: skip


def test_a_backup_is_one_verified_file_and_the_oldest_rotate_out(library):
    _passage(library, "Notes on tide mills", "sluice gate", note="first")
    made = [backup.make_backup(library.store.connection(), library.path, keep=3) for _ in range(5)]
    kept = library.backups()
    assert [b.path for b in kept] == [m.path for m in reversed(made)][:3]
    for info in kept:
        assert info.reason == "manual" and info.articles == 3 and info.annotations == 1
        assert backup.check_library_file(info.path) is None
        assert not info.path.with_name(info.path.name + "-wal").exists()
        conn = sqlite3.connect(info.path)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        conn.close()
    assert not list((library.path / "backups").glob(".*part"))
    assert len(list((library.path / "backups").glob("*.sqlite3"))) == 3


def test_a_start_makes_a_backup_only_when_something_changed(tmp_path):
    folder = tmp_path / "library"
    with Library.open(folder, create_welcome=False) as lib:
        lib.import_paths(write_samples(tmp_path / "articles"))
    with Library.open(folder, create_welcome=False) as lib:
        first = lib.backups()
        assert [b.reason for b in first] == ["start"]
    with Library.open(folder, create_welcome=False) as lib:
        assert lib.backups() == first  # nothing changed: no new backup
        _passage(lib, "Grafting an old orchard", "Scions", color="green")
    with Library.open(folder, create_welcome=False) as lib:
        assert len(lib.backups()) == 2
        assert lib.backups()[0].annotations == 1


def test_restore_refuses_what_is_not_a_gloss_library(library, tmp_path):
    kept = _passage(library, "The lighthouse keeper's log", "short light")
    text = tmp_path / "notes.sqlite3"
    text.write_text("not a database", encoding="utf-8")
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t(x)").connection.close()
    damaged = tmp_path / "damaged.sqlite3"
    good = library.backup().path
    data = bytearray(good.read_bytes())
    data[4096 * 2 : 4096 * 4] = b"\x00" * 8192
    damaged.write_bytes(bytes(data))
    for path, reason in [(text, "not an SQLite"), (other, "not a Gloss"), (damaged, "damaged")]:
        with pytest.raises(StoreError, match=reason):
            library.restore_database(path)
    assert [a.id for a in library.annotations()] == [kept.id]
    assert all(b.reason == "manual" for b in library.backups())  # no backup for a refusal


def test_restoring_a_backup_brings_its_state_back_and_keeps_the_current_one(library):
    old = _passage(library, "Notes on tide mills", "tide mill", note="before")
    snapshot = library.backup()
    library.delete_annotation(old.id)
    new = _passage(library, "Grafting an old orchard", "diagonal cut", tags=["craft"])
    library.wait_indexed()
    result = library.restore_database(snapshot.path)
    assert [a.id for a in library.annotations()] == [old.id]
    assert library.check() == []
    assert library.search("diagonal").total == 1  # the article, not the vanished passage
    assert not library.search("tag:craft").hits
    kept_aside = result["backup_before"]
    conn = sqlite3.connect(kept_aside)
    assert conn.execute("SELECT id FROM annotations").fetchall() == [(new.id,)]
    conn.close()
    files = {p.name: json.loads(p.read_text()) for p in library.path.glob("annotations/*.json")}
    assert files[f"article-{old.article_id}.json"]["total"] == 1
    assert files[f"article-{new.article_id}.json"]["total"] == 0


def test_the_mirror_follows_every_change_in_w3c_form(library):
    a = _passage(library, "Notes on tide mills", "by the moon", note="<b>bold?</b>", tags=["sea"])
    b = _passage(library, "Notes on tide mills", "🌊 and keeps", color="blue")
    library.update_annotation(b.id, tags=["Sea", "night"])
    library.rename_tag("sea", "tides")
    library.wait_indexed()
    path = mirror.file_for(library.path, a.article_id)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "AnnotationCollection" and data["total"] == 2
    items = {i["id"].removeprefix("urn:uuid:"): i for i in data["first"]["items"]}
    now = {x.id: x for x in library.annotations(article_id=a.article_id)}
    assert items.keys() == now.keys()
    for pid, item in items.items():
        position, quote = item["target"]["selector"]
        assert (position["start"], position["end"]) == (now[pid].start, now[pid].end)
        assert quote["exact"] == now[pid].exact and item["target"]["styleClass"] == now[pid].color
        bodies = item.get("body", [])
        bodies = bodies if isinstance(bodies, list) else [bodies]
        assert sorted(x["value"] for x in bodies if x["purpose"] == "tagging") == sorted(
            now[pid].tags
        )
    assert "tides" in now[a.id].tags
    library.delete_annotation(a.id)
    library.delete_annotation(b.id)
    library.wait_indexed()
    tombstone = json.loads(path.read_text(encoding="utf-8"))  # says when they went
    assert tombstone["total"] == 0 and tombstone["gloss:written"] > data["gloss:written"]
    assert mirror.pending(library.store) == 0
    other = _ids(library)["Grafting an old orchard"]
    assert not mirror.file_for(library.path, other).exists()  # never had a passage


def test_restore_from_annotations_rebuilds_every_passage_in_a_new_library(library, tmp_path):
    made = [
        _passage(library, "Notes on tide mills", "🌊 and keeps", note="emoji before", tags=["a"]),
        _passage(library, "Notes on tide mills", "sluice gate", color="pink"),
        _passage(library, "The lighthouse keeper's log", "trust the barometer", tags=["b", "c"]),
        _passage(library, "Grafting an old orchard", "Labels rot", note='"quoted" & <tag>'),
    ]
    library.update_annotation(made[1].id, note="edited later")
    library.wait_indexed()
    want = sorted(_fields(a) for a in library.annotations())
    with Library.open(tmp_path / "fresh", create_welcome=False) as fresh:
        fresh.import_paths(sorted((tmp_path / "articles").glob("*.md"), reverse=True))
        report = fresh.restore_from_annotations(library.path / "annotations")
        assert (report["restored"], report["total"], report["unplaced"]) == (4, 4, [])
        got = fresh.annotations()
        assert fresh.wait_indexed() and fresh.check() == []
        by_title = {a.id: a.title for a in fresh.list_articles()}
        old_titles = {a.id: a.title for a in library.list_articles()}
        assert sorted(_fields(a)[2:] for a in got) == sorted(w[2:] for w in want)
        assert {a.id: by_title[a.article_id] for a in got} == {w[0]: old_titles[w[1]] for w in want}
        again = fresh.restore_from_annotations(library.path / "annotations")
        assert (again["restored"], again["unchanged"]) == (0, 4)


def test_a_passage_on_an_article_that_is_not_there_is_reported(library, tmp_path):
    _passage(library, "Grafting an old orchard", "Scions")
    library.wait_indexed()
    with Library.open(tmp_path / "fresh", create_welcome=False) as fresh:
        fresh.import_paths([tmp_path / "articles" / "lighthouse.md"])
        report = fresh.restore_from_annotations(library.path / "annotations")
        assert report["restored"] == 0
        assert report["unplaced"][0]["passages"] == 1
        assert report["unplaced"][0]["article"].endswith("orchard.md")


def test_cli_backup_restore_and_mirror(tmp_path, capsys):
    folder = str(tmp_path / "library")
    paths = [str(p) for p in write_samples(tmp_path / "articles")]
    assert run_command(["--library", folder, "import", *paths]) == 0
    assert run_command(["--library", folder, "annotate", "2", "--quote", "Oil deliveries"]) == 0
    capsys.readouterr()
    assert run_command(["--library", folder, "backup", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["annotations"] == 1 and made["bytes"] > 0
    assert run_command(["--library", folder, "backup", "--list"]) == 0
    assert "manual" in capsys.readouterr().out
    assert run_command(["--library", folder, "restore", str(tmp_path / "articles/orchard.md")]) == 1
    assert "not an SQLite database" in capsys.readouterr().err
    assert run_command(["--library", folder, "restore", "no-such-thing"]) == 2
    assert run_command(["--library", folder, "restore", made["file"]]) == 0
    assert "restored 4 articles and 1 passage" in capsys.readouterr().out
    other = str(tmp_path / "other")
    assert run_command(["--library", other, "import", *paths]) == 0
    capsys.readouterr()
    mirror_dir = str(tmp_path / "library" / "annotations")
    assert run_command(["--library", other, "restore", "--from-annotations", mirror_dir]) == 0
    assert "restored 1" in capsys.readouterr().out


def test_quit_and_restart_without_a_change_makes_one_backup_not_three(tmp_path):
    """Issue 13, finding 8: a session that only reads (the window marks the article it opens
    as read) is no change worth a backup; a passage made in the next session is."""
    folder = tmp_path / "library"
    with Library.open(folder, create_welcome=False) as lib:
        lib.import_paths(write_samples(tmp_path / "articles"))
    for _cycle in range(3):
        lib = Library.open(folder, create_welcome=False, background=True)
        article = _ids(lib)["Notes on tide mills"]
        lib.mark_opened(article)  # what the window does with the article it shows
        lib.search("tide")
        lib.close()
    with Library.open(folder, create_welcome=False) as lib:
        assert [b.reason for b in lib.backups()] == ["start"]
        _passage(lib, "Notes on tide mills", "sluice gate", note="a real change")
    with Library.open(folder, create_welcome=False) as lib:
        made = lib.backups()
        assert [b.reason for b in made] == ["start", "start"]
        assert made[0].annotations == 1


def test_a_paced_backup_copies_one_snapshot_while_the_reader_writes(library):
    """The start backup beside the window: in steps with rests, from one read snapshot. A
    passage saved between its steps neither restarts nor tears it (it lands in the next)."""
    import threading

    wrote: list[str] = []

    def write_meanwhile() -> None:
        if not wrote:  # another thread, as the window's writer: its own connection
            worker = threading.Thread(
                target=lambda: wrote.append(
                    _passage(library, "Notes on tide mills", "sluice gate").id
                )
            )
            worker.start()
            worker.join()

    pace = backup.Pace(step_pages=2, rest=0.0, between_steps=write_meanwhile)
    made = backup.make_backup(library.store.connection(), library.path, reason="start", pace=pace)
    assert pace.steps > 3  # copied in steps, not at once
    assert wrote and len(library.annotations()) == 1  # the write went through meanwhile
    assert backup.check_library_file(made.path) is None  # complete and verified
    assert made.articles == 3 and made.annotations == 0  # the snapshot from its first step
    conn = sqlite3.connect(made.path)
    assert conn.execute("SELECT count(*) FROM annotations").fetchone()[0] == 0
    conn.close()
    assert backup.backup_if_changed(library.store, library.path).annotations == 1


def test_a_paced_backup_hurries_when_the_library_closes(library):
    import threading

    pace = backup.Pace(step_pages=2, rest=10_000.0)  # a rest that would never end
    made = []
    worker = threading.Thread(
        target=lambda: made.append(
            backup.make_backup(library.store.connection(), library.path, pace=pace)
        )
    )
    worker.start()
    pace.hurry()
    worker.join(timeout=60)
    assert not worker.is_alive() and backup.check_library_file(made[0].path) is None
