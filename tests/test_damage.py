"""Damaged index or database: each case is detected at open and answered without a crash.

Index (derived): no folder, a deleted / truncated / zeroed segment file, a
missing table of contents, a write lock left by a killed writer → the index
is rebuilt from SQLite with progress. Database (the truth): header
overwritten, a stale `-wal` beside a restored file, a damaged newest backup →
the damaged file kept aside, the newest good backup restored, the passages
the JSON mirror holds that are newer put back, and a precise notice.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from crash_child import write_samples

from index.library import Library
from index.safety import backup
from index.safety.recovery import DAMAGED_FOLDER
from index.search.engine import INDEX_NAME
from index.store.database import DB_NAME


@pytest.fixture
def folder(tmp_path) -> Path:
    """A closed library: 3 articles, 2 passages, indexed, with one start backup."""
    path = tmp_path / "library"
    with Library.open(path, create_welcome=False) as lib:
        lib.import_paths(write_samples(tmp_path / "articles"))
        ids = {a.title: a.id for a in lib.list_articles()}
        lib.annotate_quote(ids["Notes on tide mills"], "sluice gate", note="gate", tags=["water"])
        lib.annotate_quote(ids["The lighthouse keeper's log"], "short light", color="blue")
    Library.open(path, create_welcome=False).close()  # the start backup holds both passages
    return path


def _open_with_progress(folder: Path) -> tuple[Library, list]:
    seen: list = []
    lib = Library.open(folder, create_welcome=False, progress=lambda *a: seen.append(a))
    return lib, seen


def _healthy(lib: Library) -> None:
    assert lib.check() == []
    assert lib.search("sluice").total >= 1
    assert lib.search("tag:water").total == 1


def _segments(folder: Path) -> list[Path]:
    index = folder / "search-index"
    return sorted(p for p in index.iterdir() if p.suffix in (".pst", ".trm", ".col"))


def _biggest_segment_file(folder: Path) -> Path:
    return max(_segments(folder), key=lambda p: p.stat().st_size)


INDEX_DAMAGE = {
    "no index folder": lambda f: shutil.rmtree(f / "search-index"),
    "deleted segment file": lambda f: _biggest_segment_file(f).unlink(),
    "truncated segment file": lambda f: os.truncate(_biggest_segment_file(f), 100),
    "zeroed segment file": lambda f: _biggest_segment_file(f).write_bytes(
        b"\x00" * _biggest_segment_file(f).stat().st_size
    ),
    "missing table of contents": lambda f: [p.unlink() for p in f.glob("search-index/*.toc")],
    "emptied folder": lambda f: [p.unlink() for p in f.glob("search-index/*") if p.is_file()],
}


@pytest.mark.parametrize("case", sorted(INDEX_DAMAGE))
def test_a_damaged_index_is_rebuilt_from_sqlite_at_open(folder, case):
    INDEX_DAMAGE[case](folder)
    lib, progress = _open_with_progress(folder)
    try:
        assert progress and progress[-1][:2] == (5, 5) and progress[-1][2] == "indexing"
        assert [n for n in lib.notices if n.startswith("The search index was rebuilt")]
        _healthy(lib)
    finally:
        lib.close()


def test_a_write_lock_left_by_a_killed_writer_does_not_block(folder):
    """A child takes whoosh's write lock and is killed holding it; the next write goes on."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
        from index.search.engine import SearchIndex
        index = SearchIndex.open({str(folder / "search-index")!r})
        writer = index._writer(limitmb=8)
        print("locked", flush=True)
        sys.stdin.read()
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout.readline().strip() == b"locked"
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        child.stdin.close()
        child.stdout.close()
    assert (folder / "search-index" / f"{INDEX_NAME}_WRITELOCK").exists()  # the file stays behind
    with Library.open(folder, create_welcome=False) as lib:
        article = lib.list_articles()[0].id
        lib.annotate_quote(article, lib.get_article(article).reading_text.split()[1], tags=["x"])
        assert lib.wait_indexed(timeout=10)
        assert lib.check() == []


# --- the database ----------------------------------------------------------------------


def _overwrite_header(db: Path) -> None:
    with open(db, "r+b") as handle:
        handle.write(b"this is not a database header!!!" * 4)


def test_an_overwritten_header_is_kept_aside_and_the_backup_restored(folder):
    with Library.open(folder, create_welcome=False) as lib:
        article = lib.list_articles()[0].id
        later = lib.annotate_quote(article, lib.get_article(article).reading_text.split()[2])
        lib.wait_indexed()  # the mirror file for `later` is written
    _overwrite_header(folder / DB_NAME)
    lib, _ = _open_with_progress(folder)
    try:
        notice = " ".join(lib.notices)
        assert "damaged" in notice and "Restored the backup of" in notice
        assert "1 restored" in notice and "nothing else is missing" in notice
        aside = list((folder / DAMAGED_FOLDER).glob(f"*/{DB_NAME}"))
        assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
        ids = {a.id for a in lib.annotations()}
        assert later.id in ids and len(ids) == 3
        _healthy(lib)
    finally:
        lib.close()


def test_a_damaged_newest_backup_is_skipped_for_an_older_good_one(folder):
    with Library.open(folder, create_welcome=False) as lib:
        newest = lib.backup()
    with open(newest.path, "r+b") as handle:
        handle.seek(4096)
        handle.write(b"\xff" * 4096 * 3)
    _overwrite_header(folder / DB_NAME)
    with Library.open(folder, create_welcome=False) as lib:
        restored = next(b for b in backup.list_backups(folder) if b.path != newest.path)
        assert f"Restored {restored.describe()}" in " ".join(lib.notices)
        assert len(lib.annotations()) == 2


def test_passages_deleted_after_the_backup_stay_deleted(folder):
    with Library.open(folder, create_welcome=False) as lib:
        victim = lib.annotations()[0]
        lib.delete_annotation(victim.id)
        lib.wait_indexed()
    _overwrite_header(folder / DB_NAME)
    with Library.open(folder, create_welcome=False) as lib:
        assert victim.id not in {a.id for a in lib.annotations()}
        assert victim.id in {t.annotation.id for t in lib.trash()}
        assert "1 deleted again" in " ".join(lib.notices)


def test_without_a_backup_the_library_starts_empty_and_the_mirror_brings_passages_back(folder):
    with Library.open(folder, create_welcome=False) as lib:
        want = {a.id: (a.exact, a.note, a.color, a.tags) for a in lib.annotations()}
    shutil.rmtree(folder / "backups")
    _overwrite_header(folder / DB_NAME)
    with Library.open(folder, create_welcome=False) as lib:
        assert "no usable backup" in " ".join(lib.notices)
        assert lib.counts()["articles"] == 0
        lib.import_paths([folder.parent / "articles"])
        report = lib.restore_from_annotations()
        got = {a.id: (a.exact, a.note, a.color, a.tags) for a in lib.annotations()}
        assert got == want and report["restored"] == len(want)


def test_a_stale_wal_beside_a_restored_file_is_set_aside(folder, tmp_path):
    """A journal left from another library is not applied to the file beside it."""
    other = tmp_path / "other"
    with Library.open(other, create_welcome=False) as lib:
        lib.import_paths([folder.parent / "articles" / "orchard.md"])
    # A -wal with committed frames, as a killed writer leaves it: copy it while the
    # writer still holds it open.
    import sqlite3

    conn = sqlite3.connect(other / DB_NAME, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    for n in range(30):
        conn.execute("INSERT INTO saved_searches VALUES (?, ?, 'x')", (f"s{n}", "q" * 3000))
    conn.execute("UPDATE articles SET title = 'changed'")
    stale = Path(f"{other / DB_NAME}-wal").read_bytes()
    conn.close()
    assert len(stale) > 4096
    Path(f"{folder / DB_NAME}-wal").write_bytes(stale)
    with Library.open(folder, create_welcome=False) as lib:
        notice = " ".join(lib.notices)
        assert "did not belong" in notice, lib.notices
        assert lib.counts() == {
            "articles": 3,
            "annotations": 2,
            "orphaned": 0,
            "trash": 0,
            "highlighted": 2,
        }
        assert lib.check() == []
    assert list((folder / DAMAGED_FOLDER).glob(f"*/{DB_NAME}-wal"))


def test_an_unclean_shutdown_gets_the_full_integrity_check(folder, tmp_path):
    """A non-empty -wal at open (a killed writer) is checked with integrity_check and kept."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
        from index.library import Library
        lib = Library.open({str(folder)!r}, create_welcome=False)
        article = lib.list_articles()[0].id
        lib.annotate_quote(article, "the", note="written just before the kill")
        print("done", flush=True)
        sys.stdin.read()
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout.readline().strip() == b"done"
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        child.stdin.close()
        child.stdout.close()
    assert Path(f"{folder / DB_NAME}-wal").stat().st_size > 0
    with Library.open(folder, create_welcome=False) as lib:
        assert not lib.notices
        notes = [a.note for a in lib.annotations()]
        assert "written just before the kill" in notes
        assert lib.check() == []


def _damage_a_table(db: Path, table: str = "articles") -> None:
    """Garbage over the first page of `table` (the schema on page 1 stays readable)."""
    import sqlite3

    conn = sqlite3.connect(db)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(db, "r+b") as handle:
        handle.seek((root[0] - 1) * size)
        handle.write(b"\xa5\x5a" * (size // 2))


def test_a_window_start_checks_the_database_after_opening_and_restores_at_the_next(folder):
    """The window opens a cleanly closed library without reading every page (the quick
    check grows with the library): the check runs beside it, tells the damage at once,
    backs nothing up over the good backups, and the next start restores the newest."""
    _damage_a_table(folder / DB_NAME)
    kept = [b.path for b in backup.list_backups(folder)]
    lib = Library.open(folder, create_welcome=False, background=True, defer_index=True)
    assert not (folder / DAMAGED_FOLDER).exists()  # not checked before opening: no repair
    lib.begin_start_backup()  # as the window asks after its first paint
    lib.close()  # waits for the check beside it
    told = " ".join(lib.notices)
    assert "database is damaged" in told and "next start" in told
    assert [b.path for b in backup.list_backups(folder)] == kept  # no backup of the damage
    lib, _ = _open_with_progress(folder)
    try:
        notice = " ".join(lib.notices)
        assert "was damaged" in notice and "Restored the backup of" in notice
        assert len(list((folder / DAMAGED_FOLDER).glob(f"*/{DB_NAME}"))) == 1
        assert len(lib.annotations()) == 2
        _healthy(lib)
    finally:
        lib.close()
    with Library.open(folder, create_welcome=False, background=True, defer_index=True) as lib:
        pass
    assert not any("damaged" in n for n in lib.notices)  # the mark went with the repair
