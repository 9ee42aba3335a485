"""Folders that import themselves: the list, the settling rule, a real watchdog observer,
the command line (`watch`, `links`, per-item import lines) and an archive's memory."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import movein_files as files
import pytest
from cli_runner import REPO, gloss

from index.watching.watcher import FolderWatcher

TEXT = "# Tide tables\n\nThe spring tide reached the harbour wall at noon.\n\nBoats waited.\n"


def test_a_file_is_imported_only_once_it_stops_changing(library, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    library.watch_folder(folder)
    watcher = FolderWatcher(library, settle=0.0)
    path = folder / "tides.md"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("# Tide tables\n\nThe spring")
        handle.flush()
        watcher.touched(str(path))
        assert watcher.settle_now() == ([], [])  # first look: size and time noted
        handle.write(" tide reached the harbour wall at noon.\n\nBoats waited.\n")
        handle.flush()
        assert watcher.settle_now() == ([], [])  # it grew since: still being written
    imported, _ = watcher.settle_now()  # unchanged since the last look: read now
    assert imported == [str(path)]
    [summary] = library.list_articles()
    assert "Boats waited." in library.get_article(summary.id).reading_text


def test_partial_downloads_and_hidden_files_are_not_wanted():
    from index.watching.watcher import wanted

    assert wanted("/x/a.md") and wanted("/x/b.warc.gz") and wanted("/x/export.json")
    assert not wanted("/x/a.md.part") and not wanted("/x/.a.md") and not wanted("/x/a.crdownload")
    assert not wanted("/x/photo.jpg")


def test_watched_folder_imports_changes_reanchors_and_keeps_deleted(library, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    library.watch_folder(folder)
    reports: list = []
    gone: list = []
    got_report, got_gone = threading.Event(), threading.Event()

    def on_report(report, paths):
        reports.append(report)
        got_report.set()

    def on_missing(paths, marked):
        gone.append((paths, marked))
        got_gone.set()

    watcher = FolderWatcher(
        library, on_report=on_report, on_missing=on_missing, settle=0.2, poll=0.05
    )
    watcher.start()
    try:
        path = folder / "tides.md"
        path.write_text(TEXT, encoding="utf-8")
        assert got_report.wait(15), "the new file was not imported"
        [summary] = library.list_articles()
        passage = library.annotate_quote(summary.id, "harbour wall")
        got_report.clear()
        path.write_text(TEXT.replace("# Tide tables\n\n", "# Tide tables\n\nA new first line.\n\n"))
        assert got_report.wait(15), "the change was not imported"
        assert reports[-1].updated == 1
        [entry] = reports[-1].anchoring
        assert entry["annotation_id"] == passage.id and entry["status"] in ("moved", "exact")
        moved = library.get_annotation(passage.id)
        text = library.get_article(summary.id).reading_text
        assert text[moved.start : moved.end] == "harbour wall"
        path.unlink()
        assert got_gone.wait(15), "the deletion was not noticed"
        article = library.get_article(summary.id)  # still in the library
        assert article.source_missing and "Boats waited." in article.reading_text
    finally:
        watcher.stop()


def test_what_changed_while_gloss_was_closed_is_caught_up(library, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    old = folder / "old.md"
    old.write_text(TEXT, encoding="utf-8")
    library.watch_folder(folder)
    library.import_paths([folder])
    [kept] = library.list_articles()
    # Gloss is closed: a file arrives, another is deleted.
    old.unlink()
    (folder / "new.md").write_text(TEXT.replace("Tide tables", "Neap tides"), encoding="utf-8")
    got_report, got_gone = threading.Event(), threading.Event()
    watcher = FolderWatcher(
        library,
        on_report=lambda report, paths: got_report.set(),
        on_missing=lambda paths, marked: got_gone.set(),
        settle=0.1,
        poll=0.05,
    )
    watcher.start()
    try:
        assert got_gone.wait(15) and got_report.wait(15)
    finally:
        watcher.stop()
    titles = sorted(a.title for a in library.list_articles())
    assert titles == ["Neap tides", "Tide tables"]
    assert library.get_article(kept.id).source_missing


def test_an_archive_import_reports_progress(library, tmp_path):
    warc = files.write_warc(tmp_path / "crawl.warc.gz")
    seen: list[tuple[int, int, str]] = []
    library.import_paths(
        [warc], progress=lambda done, total, label: seen.append((done, total, label))
    )
    done = [d for d, _, _ in seen]
    assert done == sorted(done) and done[-1] == seen[-1][1]
    assert any("pages" in label for _, _, label in seen)


def test_watch_and_links_on_the_command_line(tmp_path):
    lib = tmp_path / "lib"
    folder = tmp_path / "clips"
    folder.mkdir()
    (folder / "tides.md").write_text(TEXT, encoding="utf-8")
    added = gloss(lib, "watch", "add", folder)
    assert "imported 1" in added.stdout
    listed = json.loads(gloss(lib, "watch", "list", "--json").stdout)
    assert [f["path"] for f in listed["folders"]] == [str(folder.resolve())]
    assert listed["folders"][0]["articles"] == 1
    gloss(lib, "watch", "add", tmp_path / "no-such-folder", code=2)
    assert "no longer watching" in gloss(lib, "watch", "remove", folder).stdout
    assert json.loads(gloss(lib, "watch", "list", "--json").stdout)["folders"] == []
    assert "was not watched" in gloss(lib, "watch", "remove", folder, code=1).stderr
    pocket = tmp_path / "pocket.csv"
    pocket.write_text(
        "title,url,time_added,tags,status\nLater,https://a.example/l,1700000000,,unread\n"
    )
    imported = gloss(lib, "import", pocket)
    assert "link: " in imported.stdout and "see `links`" in imported.stdout
    assert "https://a.example/l  Later" in gloss(lib, "links").stdout


def test_import_lists_what_each_archive_item_became(tmp_path):
    warc = files.write_warc(tmp_path / "crawl.warc.gz")
    done = gloss(tmp_path / "lib", "import", warc)
    assert "imported 2," in done.stdout
    assert (
        "skipped: " in done.stdout and "a redirect to https://coast.example/orchard" in done.stdout
    )
    assert "duplicate: " in done.stdout and "an older capture" in done.stdout


def _measure(tmp_path: Path, pages: int) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "tests/benchmarks/warc_import.py",
            "--pages",
            str(pages),
            "--keep",
            str(tmp_path / "run"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_an_archive_of_300_pages_streams_in_bounded_memory(tmp_path):
    figures = _measure(tmp_path, 300)
    assert (figures["articles"], figures["failed"]) == (300, 0)
    assert figures["duplicates"] == 60  # every fifth page captured twice
    assert figures["peak_rss_mb"] < 500


@pytest.mark.slow
def test_an_archive_of_2000_pages_imports_under_500_mb(tmp_path):
    figures = _measure(tmp_path, 2000)
    assert (figures["articles"], figures["failed"]) == (2000, 0)
    assert figures["peak_rss_mb"] < 500
