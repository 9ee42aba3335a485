"""The environment fails: a full disk, a file-size limit, a read-only library, a folder
that vanished, a database locked by another program, a second Gloss on the same library.

Each gives one clear line (the command line: stderr and a non-zero exit),
loses nothing committed, and the next write after the cause is gone succeeds
and the index catches up. Tests run as root, where `chmod` stops nothing:
read-only and full disks are real mounts (skipped, saying why, where mounting
is not allowed), the file-size limit is `RLIMIT_FSIZE` in a child process.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from crash_child import write_samples

from index.library import Library
from index.store.database import DB_NAME, StoreError

ROOT = Path(__file__).resolve().parents[1]
MAIN = ROOT / "main.py"


def _gloss(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MAIN), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        timeout=120,
        **kw,
    )


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip() or 'mount failed'})")


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs (SQLite says SQLITE_FULL on it when it is full)."""
    point = tmp_path / "disk"
    point.mkdir()
    _mount("-t", "tmpfs", "-o", "size=3m", "tmpfs", str(point))
    yield point
    subprocess.run(["umount", "-l", str(point)], check=False)


def _fill(disk: Path) -> Path:
    """Take every free byte of the disk; return the filler to delete later."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
    finally:
        os.close(fd)
    return filler


def _library(folder: Path, articles: Path) -> None:
    with Library.open(folder, create_welcome=False) as lib:
        lib.import_paths(write_samples(articles))
        lib.annotate_quote(lib.list_articles()[0].id, "the", note="kept")
    Library.open(folder, create_welcome=False).close()  # a new index is finished here


def test_a_full_disk_refuses_writes_loses_nothing_and_recovers(small_disk, tmp_path):
    folder = small_disk / "library"
    _library(folder, tmp_path / "articles")
    lib = Library.open(folder, create_welcome=False)
    try:
        before = [a.to_json() for a in lib.annotations()]
        article = lib.list_articles()[0].id
        filler = _fill(small_disk)
        with pytest.raises(StoreError, match=r"disk is full|disk refused"):
            for n in range(200):  # the WAL may hold a few pages before the disk says no
                lib.annotate_quote(article, "the", note=f"too many {n} " + "x" * 4000)
        assert lib.search("sluice").total >= 0  # reading and searching still work
        filler.unlink()
        lib.annotate_quote(article, "the", note="after space came back")
        assert lib.wait_indexed()
        after = {a.id: a.to_json() for a in lib.annotations()}
        assert all(after[b["id"]] == b for b in before)
        assert lib.search('note:"after space came back"').total == 1
        assert lib.check() == []
    finally:
        lib.close()


def test_a_whoosh_commit_that_fails_on_a_full_disk_releases_its_lock(small_disk, tmp_path):
    folder = small_disk / "library"
    _library(folder, tmp_path / "articles")
    lib = Library.open(folder, create_welcome=False)
    try:
        article = lib.list_articles()[0].id
        made = [lib.annotate_quote(article, "the", note="n" * 20000) for _ in range(3)]
        filler = _fill(small_disk)
        with pytest.raises(StoreError, match=r"search index cannot be updated .the disk is full"):
            lib.indexer.drain()  # the exception (and its traceback) is kept, as a log would
        assert lib.indexer.pending() > 0  # the outbox kept the changes
        result = lib.search("sluice")  # searches what is indexed, and says why it is behind
        assert result.total == 1 and "cannot be updated" in result.message
        filler.unlink()
        assert lib.wait_indexed() and lib.indexer.pending() == 0  # no LockError: released
        assert lib.check() == []
        assert {m.id for m in made} <= {a.id for a in lib.annotations()}
    finally:
        lib.close()


def test_the_command_line_says_disk_full_in_one_line(small_disk, tmp_path):
    folder = small_disk / "library"
    _library(folder, tmp_path / "articles")
    _fill(small_disk)
    article = tmp_path / "big.md"
    article.write_text("# Big\n\n" + "word " * 200_000, encoding="utf-8")
    done = _gloss("--library", str(folder), "import", str(article))
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "full" in lines[0] and "Traceback" not in done.stderr


def test_a_file_size_limit_is_told_and_the_library_survives(tmp_path):
    import resource

    folder = tmp_path / "library"
    _library(folder, tmp_path / "articles")
    limit = (folder / DB_NAME).stat().st_size + 64 * 1024
    article = tmp_path / "long.md"
    article.write_text("# Long\n\n" + "another word " * 100_000, encoding="utf-8")

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = _gloss("--library", str(folder), "import", str(article), preexec_fn=cap)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "refused a write" in done.stderr or "full" in done.stderr or "limit" in done.stderr
    with Library.open(folder, create_welcome=False) as lib:
        assert lib.store.one("PRAGMA integrity_check")[0] == "ok"
        assert [a.note for a in lib.annotations()] == ["kept"]
        report = lib.import_paths([article])  # no limit now: it goes in
        assert report.imported == 1 and lib.wait_indexed() and lib.check() == []


def test_a_read_only_mount_opens_for_reading_and_searching(tmp_path):
    folder = tmp_path / "library"
    _library(folder, tmp_path / "articles")
    view = tmp_path / "view"
    view.mkdir()
    _mount("--bind", str(folder), str(view))
    try:
        _mount("-o", "remount,bind,ro", str(view))
        with Library.open(view, create_welcome=False) as lib:
            assert lib.read_only and "read-only" in lib.notices[0]
            assert lib.search("sluice").total == 1
            assert [a.note for a in lib.annotations()] == ["kept"]
            with pytest.raises(StoreError, match="read-only"):
                lib.annotate_quote(lib.list_articles()[0].id, "the")
        done = _gloss("--library", str(view), "annotate", "1", "--quote", "the")
        assert done.returncode == 1 and "read-only" in done.stderr
        listed = _gloss("--library", str(view), "list")
        assert listed.returncode == 0 and "tide mills" in listed.stdout
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)


def test_mode_ro_refuses_writes_with_a_clear_message(tmp_path):
    folder = tmp_path / "library"
    _library(folder, tmp_path / "articles")
    with Library.open(folder, read_only=True) as lib:
        assert lib.read_only and lib.search("lighthouse").total == 1
        with pytest.raises(StoreError, match="read-only"):
            lib.delete_annotation(lib.annotations()[0].id)


def test_a_library_folder_that_vanished_while_open(tmp_path):
    folder = tmp_path / "library"
    _library(folder, tmp_path / "articles")
    lib = Library.open(folder, create_welcome=False)
    article = lib.list_articles()[0].id
    shutil.rmtree(folder)
    with pytest.raises(StoreError, match="gone"):
        lib.annotate_quote(article, "the")
    lib.close()  # no crash at close either
    missing = _gloss("--library", str(tmp_path / "nowhere" / "x"), "list")
    assert missing.returncode == 2 and "there is no library at" in missing.stderr
    assert not (tmp_path / "nowhere").exists()  # a read command makes no library
    gone = _gloss("--library", str(folder), "list")  # the one that vanished: said so too
    assert gone.returncode == 2 and "there is no library at" in gone.stderr


def test_a_database_locked_by_another_program(tmp_path):
    folder = tmp_path / "library"
    _library(folder, tmp_path / "articles")
    other = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with Library.open(folder, create_welcome=False) as lib:
            lib.store.connection().execute("PRAGMA busy_timeout = 200")
            with pytest.raises(StoreError, match="busy in another program"):
                lib.annotate_quote(lib.list_articles()[0].id, "the")
            other.execute("ROLLBACK")
            lib.annotate_quote(lib.list_articles()[0].id, "the", note="now")
            assert lib.wait_indexed() and lib.check() == []
    finally:
        other.close()


# --- one library, one writer ---------------------------------------------------------------


def _holder(folder: Path, tmp_path: Path) -> subprocess.Popen:
    """A second Gloss process holding the library open for writing until its stdin closes."""
    acks = tmp_path / "holder.jsonl"
    child = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "crash_child.py"),
            "hold",
            str(folder),
            str(acks),
            "1",
        ],
        stdin=subprocess.PIPE,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while not (acks.exists() and "opened" in acks.read_text()):
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    return child


def test_a_second_process_opens_read_only_naming_the_writer(tmp_path):
    folder = tmp_path / "library"
    _library(folder, tmp_path / "articles")
    child = _holder(folder, tmp_path)
    try:
        with Library.open(folder, writer_wait=0.2) as lib:
            assert lib.read_only
            assert f"process {child.pid}" in lib.notices[0] and "read-only" in lib.notices[0]
            assert lib.search("orchard").total == 1
            with pytest.raises(StoreError, match=f"process {child.pid}"):
                lib.annotate_quote(lib.list_articles()[0].id, "the")
        done = _gloss("--library", str(folder), "unannotate", "x", env={"GLOSS_WRITER_WAIT": "0.3"})
        assert done.returncode == 1 and f"process {child.pid}" in done.stderr
        listed = _gloss("--library", str(folder), "list")
        assert listed.returncode == 0 and "orchard" in listed.stdout.lower()
    finally:
        child.stdin.close()
        child.wait(timeout=60)
    with Library.open(folder, writer_wait=5) as lib:
        assert not lib.read_only


def test_a_second_writer_waits_for_the_first_to_finish(tmp_path):
    folder = tmp_path / "library"
    _library(folder, tmp_path / "articles")
    child = _holder(folder, tmp_path)
    child.stdin.close()  # it closes the library and exits while we wait for it
    try:
        with Library.open(folder, writer_wait=60) as lib:
            assert not lib.read_only and not lib.notices
    finally:
        child.wait(timeout=60)


def test_two_commands_writing_at_once_both_succeed(tmp_path):
    folder = tmp_path / "library"
    _library(folder, tmp_path / "articles")
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                str(MAIN),
                "--library",
                str(folder),
                "annotate",
                "1",
                "--quote",
                "the",
                "--note",
                f"writer {n}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for n in range(3)
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0 and "LockError" not in err, err
    with Library.open(folder, create_welcome=False) as lib:
        notes = sorted(a.note for a in lib.annotations())
        assert notes == ["kept", "writer 0", "writer 1", "writer 2"]
        assert lib.check() == []
