"""File › Import Annotations… (issue 13): a file chosen, imported on the work pool, and the
report of what was placed and what was not (with each reason), drawn from whatever rows the
engine gives."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog

from conftest import REPO, SEED, ThreadRecorder, need
from index import Library
from ui.dialogs.annotations_report import AnnotationsReport, summary_text

FOREIGN = REPO / "tests" / "fixtures" / "foreign"
READWISE = FOREIGN / "readwise_export.csv"
NEWS = REPO / "tests" / "fixtures" / "html" / "news_article.html"


@pytest.fixture
def peru_library(tmp_path):
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    lib.import_paths([need(SEED), NEWS])
    yield lib
    lib.close()


def _ids(lib) -> tuple[int, int]:
    by_title = {a.title: a.id for a in lib.list_articles()}
    seed = next(i for t, i in by_title.items() if t.startswith("Mass unrest"))
    return seed, by_title["Riverside library reopens after two years of repairs"]


def _import_through_the_menu(qtbot, window, path, monkeypatch) -> AnnotationsReport:
    starts: list[str] = []

    def choose(_parent, _title, start, *_rest):
        starts.append(start)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    with qtbot.waitSignal(window.tasks.finished, timeout=30000):
        window.registry["import_annotations"].trigger()
    report = window.annotation_import.report
    assert report is not None and report.isVisible()
    return report


def test_a_readwise_export_is_imported_off_the_gui_thread_and_reported(
    qtbot, open_window, peru_library, monkeypatch
):
    seed, _news = _ids(peru_library)
    window = open_window(peru_library)
    window.open_article(seed)
    recorder = ThreadRecorder(peru_library, ("import_annotations_file",))
    report = _import_through_the_menu(qtbot, window, READWISE, monkeypatch)
    assert recorder.calls and not recorder.on_main_thread()
    said = report.summary.text()
    assert said.startswith("Readwise CSV: 3 passages imported") and "2 not placed" in said
    unplaced = report.row_items("unplaced")
    reasons = [report.cell(item, "reason") for item in unplaced]
    assert len(reasons) == 2 and all(reasons)
    assert any("no article in this library" in r for r in reasons)  # words: the engine's
    placed = report.row_items("placed")
    assert len(placed) == 3
    articles = {report.cell(item, "article_id") for item in placed}
    assert articles == {
        "Mass unrest continues in Peru following police massacres",
        "Riverside library reopens after two years of repairs",
    }
    quotes = {report.cell(item, "quote") for item in placed}
    assert "“Thousands also protested in the capital Lima”" in quotes
    # The open article shows its new passages at once.
    assert len(window.reader.annotations) == 2
    assert "Imported 3 passages from readwise_export.csv" in window.statusBar().currentMessage()
    # A placed row opens its passage.
    lima = next(i for i in placed if "Lima" in report.cell(i, "quote"))
    report.trees["placed"].itemActivated.emit(lima, 0)
    assert window.article.id == seed
    assert window.controller.current_id == window.reader.active_id
    assert window.reader.annotations[window.controller.current_id].exact.startswith("Thousands")
    # The same file again adds nothing and says so.
    report.close()
    again = _import_through_the_menu(qtbot, window, READWISE, monkeypatch)
    assert "0 passages imported, 3 already in the library" in again.summary.text()


def test_glosss_own_w3c_export_comes_back_into_another_library(
    qtbot, open_window, peru_library, tmp_path, monkeypatch
):
    seed, _news = _ids(peru_library)
    peru_library.annotate_quote(seed, "state of emergency", color="blue", note="when?")
    peru_library.annotate_quote(seed, "Lake Titicaca", tags=["geography"])
    exported = tmp_path / "passages.jsonld"
    exported.write_text(peru_library.export_annotations("json"), encoding="utf-8")
    other = Library.open(tmp_path / "other", create_welcome=False)
    try:
        other.import_paths([need(SEED)])
        window = open_window(other)
        report = _import_through_the_menu(qtbot, window, exported, monkeypatch)
        assert report.summary.text() == "W3C JSON: 2 passages imported."
        assert {a.exact for a in other.annotations()} == {"state of emergency", "Lake Titicaca"}
        assert "geography" in [name for name, _ in other.tags()]
    finally:
        window.close()
        other.close()


def test_a_file_that_is_not_annotations_is_refused_in_one_line(
    qtbot, open_window, peru_library, tmp_path, monkeypatch
):
    window = open_window(peru_library)
    junk = tmp_path / "photo.json"
    junk.write_bytes(bytes(range(256)) * 40)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(junk), ""))
    with qtbot.waitSignal(window.tasks.failed, timeout=30000):
        window.registry["import_annotations"].trigger()
    box = window.error_box
    assert box.isVisible() and "photo.json is not a text file" in box.text()
    assert "\n" not in box.text() and "Traceback" not in box.text()
    assert not peru_library.annotations()


def test_the_report_draws_whatever_rows_and_counts_the_engine_gives(qtbot):
    result = {
        "format": "hypothesis",
        "imported": 1,
        "existing": 0,
        "orphaned": 1,
        "near_misses": 2,
        "placed": [{"id": "p1", "article_id": 7, "status": "orphaned", "matched_by": "url"}],
        "unplaced": [{"id": "h1", "quote": "a quote", "reason": "a reply, not a passage"}],
        "inside_a_word": [
            {"quote": "nd Thursday", "reason": "would start inside “Thursdays”", "score": 0.91}
        ],
    }
    report = AnnotationsReport(None, result, titles={7: "An article"})
    qtbot.addWidget(report)
    tabs = [report.tabs.tabText(n) for n in range(report.tabs.count())]
    assert tabs == ["Not placed (1)", "Placed (1)", "Inside a word (1)"]

    def headers(group: str) -> list[str]:
        tree = report.trees[group]
        return [tree.headerItem().text(c) for c in range(tree.columnCount())]

    assert headers("unplaced") == ["In the file", "Quote", "Reason"]
    assert headers("placed") == ["Article", "Status", "Matched by"]
    assert headers("inside_a_word") == ["Quote", "Reason", "Score"]
    assert report.cell(report.row_items("unplaced")[0], "source_id") == "h1"
    odd = report.row_items("inside_a_word")[0]
    assert report.cell(odd, "score") == "0.91" and report.cell(odd, "quote") == "“nd Thursday”"
    assert report.cell(report.row_items("placed")[0], "article_id") == "An article"
    said = summary_text(result)
    assert said.startswith("Hypothesis: 1 passage imported, 1 orphaned")
    assert "2 near misses" in said and "1 not placed" in said and "1 inside a word" in said


def test_the_command_has_its_place_in_the_file_menu_and_is_locked_when_read_only(qtbot, window):
    action = window.registry["import_annotations"]
    file_menu = window.menuBar().actions()[0].menu()
    assert action in file_menu.actions()
    assert action.isEnabled()
    window.library.read_only = True
    try:
        window.update_actions()
        assert not action.isEnabled()
    finally:
        window.library.read_only = False
