"""The window when the library is damaged, read-only, full or gone (issue 6): notices at open,
a read-only library locked for editing, refused writes told in one line, backups and
restores from the File menu, the annotation-files mirror's state, slow queries on Enter.

Every failure is real: a database whose header was overwritten, a second open of a library
whose writer lock is held, a library folder deleted under the window, a full tmpfs (skipped
where mounting is not allowed), a file that cannot be written. Nothing of our storage is
mocked; pytest-qt fails a test on any exception that reaches Qt.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from conftest import article_id, written
from index.library import Library
from index.store.database import DB_NAME
from ui.dialogs.backup_dialog import BackupDialog
from ui.dialogs.export_dialog import supports_ids
from ui.passages.passage_dialogs import TagsDialog
from ui.window.actions import COLOR_ACTIONS
from ui.window.window_actions import WRITE_ACTIONS


def _visible_box(window, name: str) -> QMessageBox | None:
    boxes = [b for b in window.findChildren(QMessageBox, name) if b.isVisible()]
    return boxes[-1] if boxes else None


def _close_boxes(window) -> None:
    for box in window.findChildren(QMessageBox):
        if box.isVisible():
            box.done(0)


def _highlight_words(window, words: str) -> None:
    start = window.reader.text.index(words)
    window.reader.select_range(start, start + len(words))
    window.registry["highlight"].trigger()


# --- at open ---------------------------------------------------------------------------


def test_a_damaged_database_restored_from_a_backup_is_told_in_a_box(
    qtbot, open_window, sample_folder, tmp_path
):
    folder = tmp_path / "damaged-lib"
    with Library.open(folder, create_welcome=False) as first:
        first.import_paths([sample_folder])
        aid = article_id(first, "Notes on tidal")
        first.annotate_quote(aid, "sluice gate", note="before the backup")
        first.backup()
        later = first.annotate_quote(aid, "the miller waited", note="after the backup")
        assert first.wait_indexed()  # its mirror file is written
    with open(folder / DB_NAME, "r+b") as handle:
        handle.write(b"this is not a database header!!!" * 4)
    lib = Library.open(folder, create_welcome=False)
    try:
        window = open_window(lib)
        qtbot.waitUntil(lambda: _visible_box(window, "noticeBox") is not None, timeout=5000)
        text = _visible_box(window, "noticeBox").text()
        assert text.startswith("Gloss repaired the library")
        assert "damaged" in text and "Restored the backup of" in text
        assert "1 restored" in text  # the passage made after the backup, from the mirror
        assert later.id in {p.id for p in lib.annotations()}
        assert not window.notices.read_only_label.isVisible()
        _close_boxes(window)
        window.close()
    finally:
        lib.close()


def test_a_mild_notice_goes_to_the_status_bar(qtbot, open_window, sample_folder, tmp_path):
    folder = tmp_path / "mild-lib"
    with Library.open(folder, create_welcome=False) as first:
        first.import_paths([sample_folder])
    shutil.rmtree(folder / "backups", ignore_errors=True)
    (folder / "backups").write_text("a file where the backups folder should be")
    lib = Library.open(folder, create_welcome=False)
    try:
        assert any(n.startswith("No backup was made at start") for n in lib.notices)
        window = open_window(lib)
        status = window.statusBar()
        qtbot.waitUntil(lambda: "No backup was made at start" in status.currentMessage())
        assert _visible_box(window, "noticeBox") is None
        window.close()
    finally:
        lib.close()


def test_a_read_only_library_says_so_and_offers_no_write(qtbot, open_window, library):
    aid = article_id(library, "Notes on tidal")
    passage = library.annotate_quote(aid, "sluice gate", note="kept", tags=["mills"])
    # `library` holds the writer lock: a second open waits 0 s and opens read-only.
    second = Library.open(library.path, writer_wait=0, create_welcome=False)
    try:
        assert second.read_only
        window = open_window(second)
        window.open_article(aid, passage_id=passage.id)
        label = window.notices.read_only_label
        qtbot.waitUntil(label.isVisible, timeout=5000)
        assert label.text().startswith("Read-only: The library is open for writing in another")
        assert _visible_box(window, "noticeBox") is None  # the label tells it; no box
        window.reader.select_range(0, 5)
        window.update_actions()
        for action_id in (*WRITE_ACTIONS, *COLOR_ACTIONS):
            assert not window.registry[action_id].isEnabled(), action_id
        assert window.registry["export"].isEnabled() and window.registry["find"].isEnabled()
        panel = window.passages
        assert panel.current_id() == passage.id
        assert panel.note.isReadOnly() and panel.tags.isReadOnly()
        assert not panel.delete_button.isEnabled()
        assert not any(b.isEnabled() for b in panel.color_buttons.values())
        assert window.reader.read_only
        # A drop of files (the one import path without an action) is refused in one line.
        assert not window.import_paths([str(library.path)])
        box = _visible_box(window, "errorBox")
        assert box is not None and "\n" not in box.text() and "another Gloss" in box.text()
        _close_boxes(window)
        # The sidebar's tag commands are refused before anything is asked.
        window.on_tag_action("delete", "mills")
        assert _visible_box(window, "errorBox") is not None
        _close_boxes(window)
        window.close()
    finally:
        second.close()
    assert [p.note for p in library.annotations()] == ["kept"]
    assert library.tags() == [("mills", 1)]


# --- writes that fail -------------------------------------------------------------------


def test_writes_into_a_vanished_library_are_told_and_the_window_goes_on(
    qtbot, open_window, library
):
    window = open_window(library)
    aid = article_id(library, "Notes on tidal")
    other = article_id(library, "Wind pumps")
    window.open_article(aid)
    written(qtbot, window)
    _highlight_words(window, "sluice gate")
    written(qtbot, window)
    [passage] = library.annotations(article_id=aid)
    shutil.rmtree(library.path)  # the folder is gone while the window is open
    written(qtbot, window)
    _highlight_words(window, "the miller waited")
    written(qtbot, window)
    box = _visible_box(window, "errorBox")
    assert box is not None
    assert box.text().startswith("The library's database is gone") and "\n" not in box.text()
    assert window.controller.undo_stack.count() == 1  # the refused change is no undo step
    window.controller.edit_note(passage.id, "a note that cannot be saved")
    written(qtbot, window)
    window.controller.delete([passage.id])
    written(qtbot, window)
    window.registry["tags"].trigger()  # the passage is chosen: its tags dialog opens
    written(qtbot, window)
    tags = window.findChild(TagsDialog, "tagsDialog")
    tags.line.setText("estuary")
    written(qtbot, tags)
    tags.accept()
    written(qtbot, tags)
    assert len([b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]) == 1
    _close_boxes(window)
    written(qtbot, tags)
    # Reading goes on: another article opens (remembering it as read fails quietly).
    assert window.open_article(other)
    written(qtbot, window)
    assert "Not remembered as recently read" in window.statusBar().currentMessage()
    assert [p.id for p in library.annotations(article_id=aid)] == [passage.id]
    assert library.get_annotation(passage.id).note == ""


def test_deleting_many_is_all_or_nothing(qtbot, open_window, library):
    window = open_window(library)
    aid = article_id(library, "Notes on tidal")
    window.open_article(aid)
    written(qtbot, window)
    first = library.annotate_quote(aid, "sluice gate")
    gone = library.annotate_quote(aid, "flour")
    window.load_passages()
    written(qtbot, window)
    library.delete_annotation(gone.id)  # deleted elsewhere (a command, another window)
    written(qtbot, window)
    window.controller.delete([first.id, gone.id])
    written(qtbot, window)
    box = _visible_box(window, "errorBox")
    assert box is not None and "\n" not in box.text()
    # The first passage, deleted before the second was refused, is back as it was.
    assert [p.to_json() for p in library.annotations()] == [first.to_json()]
    assert [window.passages.model.annotation(0).id] == [first.id]
    assert window.controller.undo_stack.count() == 0


def _mount_small_disk(point: Path) -> None:
    point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small disk here ({done.stderr.strip() or 'mount failed'})")


def test_a_full_disk_refuses_a_note_in_one_line_and_the_next_one_saves(
    qtbot, open_window, sample_folder, tmp_path
):
    disk = tmp_path / "disk"
    _mount_small_disk(disk)
    try:
        lib = Library.open(disk / "library", create_welcome=False)
        try:
            lib.import_paths([sample_folder])
            aid = article_id(lib, "Notes on tidal")
            passage = lib.annotate_quote(aid, "sluice gate", note="kept")
            assert lib.wait_indexed()
            window = open_window(lib)
            window.open_article(aid, passage_id=passage.id)
            written(qtbot, window)
            filler = disk / "filler"
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * 4096)
                    written(qtbot, window)
            os.close(fd)
            written(qtbot, window)
            for n in range(200):  # the WAL may take a few pages before the disk says no
                window.passages.note_edited.emit(passage.id, f"note {n} " + "x" * 8000)
                written(qtbot, window)
                if _visible_box(window, "errorBox") is not None:
                    break
            box = _visible_box(window, "errorBox")
            assert box is not None and "\n" not in box.text()
            assert "disk is full" in box.text() or "refused a write" in box.text()
            _close_boxes(window)
            written(qtbot, window)
            filler.unlink()
            written(qtbot, window)
            window.passages.note_edited.emit(passage.id, "after space came back")
            written(qtbot, window)
            assert lib.get_annotation(passage.id).note == "after space came back"
            assert _visible_box(window, "errorBox") is None
            window.close()
            written(qtbot, window)
        finally:
            lib.close()
            written(qtbot, window)
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
        written(qtbot, window)


def test_an_export_that_cannot_be_written_is_told_and_the_dialog_stays(
    qtbot, open_window, library, tmp_path
):
    window = open_window(library)
    library.annotate_quote(article_id(library, "Notes on tidal"), "sluice gate")
    dialog = window.ask_export()
    assert not dialog.save_to(tmp_path / "no such folder" / "passages.md")
    assert dialog.isVisible()
    assert "could not be written" in dialog.error_box.text()
    dialog.error_box.done(0)
    assert dialog.save_to(tmp_path / "passages.md")
    assert "sluice gate" in (tmp_path / "passages.md").read_text(encoding="utf-8")


# --- the mirror of the annotations ----------------------------------------------------------


def test_a_mirror_that_cannot_be_written_shows_until_it_recovers(qtbot, open_window, library):
    window = open_window(library)
    aid = article_id(library, "Notes on tidal")
    library.annotate_quote(aid, "sluice gate")
    assert library.wait_indexed()
    mirror = library.path / "annotations"
    shutil.rmtree(mirror)
    mirror.write_text("a file where the folder should be", encoding="utf-8")
    library.annotate_quote(aid, "the miller waited")
    library.wait_indexed()
    assert library.mirror_error
    label = window.notices.mirror_label
    qtbot.waitUntil(label.isVisible, timeout=5000)  # the status timer looks every second
    assert label.text().startswith("Annotation files not saved: the annotations folder")
    mirror.unlink()
    library.annotate_quote(aid, "flour")
    library.wait_indexed()
    assert library.mirror_error is None
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=5000)


# --- File › Back Up Now, Restore from Backup, Restore Passages ------------------------------


def test_back_up_now_makes_a_verified_backup_and_says_where(qtbot, open_window, library):
    window = open_window(library)
    before = {b.path for b in library.backups()}
    with qtbot.waitSignal(window.tasks.finished, timeout=30000) as blocker:
        window.registry["backup_now"].trigger()
    name, info = blocker.args
    assert name == "backup" and info.path not in before and info.path.is_file()
    assert info.path.parent == library.path / "backups" and info.articles == 2
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Backed up to {info.path}") and "KB" in message


def test_restore_from_backup_puts_back_a_deleted_passage(qtbot, open_window, library):
    window = open_window(library)
    aid = article_id(library, "Notes on tidal")
    window.open_article(aid)
    written(qtbot, window)
    _highlight_words(window, "sluice gate")
    written(qtbot, window)
    [kept] = library.annotations(article_id=aid)
    with qtbot.waitSignal(window.tasks.finished, timeout=30000):
        window.registry["backup_now"].trigger()
        written(qtbot, window)
    window.controller.delete([kept.id])
    written(qtbot, window)
    assert library.annotations() == [] and window.passages.model.rowCount() == 0
    window.registry["restore_backup"].trigger()
    written(qtbot, window)
    dialog = window.findChild(BackupDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.table.rowCount() == len(library.backups())
    assert dialog.table.item(0, 1).text() == "Backed up by you"
    assert dialog.table.item(0, 2).text() == "2 articles, 1 passage"
    with qtbot.waitSignal(window.tasks.finished, timeout=60000) as blocker:
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
        written(qtbot, dialog)
    assert blocker.args[0] == "restore"
    assert [p.id for p in library.annotations()] == [kept.id]
    assert [window.passages.model.annotation(0).id] == [kept.id]  # the panel was reloaded
    assert window.controller.undo_stack.count() == 0  # old steps named the old library
    box = _visible_box(window, "noticeBox")
    assert box is not None and box.text().startswith("The backup is restored.")
    assert "before-restore" in box.text()
    _close_boxes(window)
    written(qtbot, dialog)
    assert any(b.reason == "before-restore" for b in library.backups())
    assert library.wait_indexed()
    with qtbot.waitSignal(window.search.results_ready, timeout=10000) as found:
        window.search_box.set_text("quote:sluice")
        written(qtbot, dialog)
    assert [hit.article_id for hit in found.args[0].hits] == [aid]


def test_restore_passages_from_annotation_files(qtbot, open_window, library):
    aid = article_id(library, "Notes on tidal")
    made = library.annotate_quote(aid, "sluice gate", color="green", note="from the mirror")
    assert library.wait_indexed()  # the mirror file is written
    fresh = Library.open(library.path.parent / "fresh", create_welcome=False)
    try:
        fresh.import_paths([library.path.parent / "articles"])  # the same two
        assert fresh.wait_indexed() and fresh.annotations() == []
        shutil.copytree(library.path / "annotations", fresh.path / "annotations")
        window = open_window(fresh)
        window.registry["restore_annotations"].trigger()
        box = _visible_box(window, "restoreAnnotationsBox")
        assert box is not None and "Nothing is deleted" in box.text()
        [restore] = [b for b in box.buttons() if b.text() == "Restore Passages"]
        with qtbot.waitSignal(window.tasks.finished, timeout=30000) as blocker:
            qtbot.mouseClick(restore, Qt.MouseButton.LeftButton)
        assert blocker.args[0] == "passage restore"
        [back] = fresh.annotations()
        assert (back.id, back.color, back.note) == (made.id, "green", "from the mirror")
        told = _visible_box(window, "noticeBox")
        assert told is not None and "1 passage put back" in told.text()
        assert any(b.reason == "before-mirror-restore" for b in fresh.backups())
        _close_boxes(window)
        window.close()
    finally:
        fresh.close()


def test_a_task_that_fails_is_told_in_one_line(qtbot, open_window, library):
    window = open_window(library)
    folder = library.path / "backups"
    shutil.rmtree(folder, ignore_errors=True)
    folder.write_text("a file where the backups folder should be", encoding="utf-8")
    with qtbot.waitSignal(window.tasks.failed, timeout=30000):
        window.registry["backup_now"].trigger()
    box = _visible_box(window, "errorBox")
    assert box is not None and box.text().startswith("The backup stopped: the backup could")
    assert "\n" not in box.text()
    _close_boxes(window)
    folder.unlink()
    with qtbot.waitSignal(window.tasks.finished, timeout=30000):
        window.registry["backup_now"].trigger()


# --- slow queries wait for Enter ------------------------------------------------------------


def test_a_leading_wildcard_runs_only_on_enter(qtbot, open_window, library):
    window = open_window(library)
    box, controller = window.search_box, window.search
    seen: list[str] = []
    controller.results_ready.connect(lambda result: seen.append(result.query))
    qtbot.keyClicks(box.line, "*ills")
    # Nothing is queued: no debounce running, no search job on the pool.
    assert not controller.timer.isActive() and not window.runner.jobs
    assert box.hint.isVisible()
    assert box.hint.text() == "Press Enter to search words ending in “ills”"
    with qtbot.waitSignal(controller.results_ready, timeout=10000) as blocker:
        qtbot.keyClick(box.line, Qt.Key.Key_Return)
    assert blocker.args[0].query == "*ills" and blocker.args[0].total == 2  # mills, wind mills
    assert not box.hint.isVisible()
    # An ordinary query still runs as you type.
    box.line.clear()
    with qtbot.waitSignal(controller.results_ready, timeout=10000) as typed:
        qtbot.keyClicks(box.line, "polders")
    assert typed.args[0].query == "polders" and not box.hint.isVisible()
    assert seen == ["*ills", "polders"]


def test_a_bare_star_on_enter_says_what_is_wrong(qtbot, open_window, library):
    window = open_window(library)
    qtbot.keyClicks(window.search_box.line, "*")
    assert window.search_box.hint.isVisible() and not window.runner.jobs
    with qtbot.waitSignal(window.search.failed, timeout=10000) as blocker:
        qtbot.keyClick(window.search_box.line, Qt.Key.Key_Return)
    assert "wildcard" in blocker.args[0]


# --- export of the chosen passages ------------------------------------------------------------


@pytest.mark.skipif(
    not supports_ids(Library), reason="Library.export_annotations takes no ids= yet"
)
def test_exporting_the_selected_passages_writes_only_those(qtbot, open_window, library, tmp_path):
    aid = article_id(library, "Notes on tidal")
    chosen = [library.annotate_quote(aid, w) for w in ("sluice gate", "flour")]
    library.annotate_quote(aid, "the miller waited")
    window = open_window(library)
    dialog = window.export_passages([p.id for p in chosen])
    assert dialog.scope.currentData() == "ids"
    assert dialog.save_to(tmp_path / "chosen.md")
    text = (tmp_path / "chosen.md").read_text(encoding="utf-8")
    assert "sluice gate" in text and "flour" in text and "miller waited" not in text
