"""Search results that stay true while an import is indexed, and reader marks that show
exactly what the search matched (issue 14, items 5 and 6), driven through the window."""

from __future__ import annotations

import pytest

from conftest import BBC, article_id, need
from index import Library
from ui.search.results import ARTICLE_ROLE

ELECTIONS = """# Elections in the valley

Mara Quispe
4 May 2023

The elections were held on a Sunday. Electricity failed in three villages, so the count
went on by lamplight.

A state of emergency was declared in the north after the vote.
"""

LAMPS = """# Lamps of the villages

The villages kept their lamps lit all night.
"""


@pytest.fixture
def live_library(tmp_path):
    """An empty library indexing in the background, as the window's is."""
    lib = Library.open(tmp_path / "live", create_welcome=False, background=True)
    yield lib
    lib.close()


@pytest.fixture
def politics_library(tmp_path):
    lib = Library.open(tmp_path / "politics", create_welcome=False)
    lib.import_paths([need(BBC) / "politics"])
    yield lib
    lib.close()


@pytest.fixture
def elections_library(tmp_path):
    """Two articles of ours: the elections one, with a blue passage, and a short one."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "elections.md").write_text(ELECTIONS, encoding="utf-8")
    (folder / "lamps.md").write_text(LAMPS, encoding="utf-8")
    lib = Library.open(tmp_path / "lib", create_welcome=False)
    lib.import_paths([folder])
    yield lib
    lib.close()


def test_results_typed_during_an_import_catch_up_without_typing(qtbot, live_library, open_window):
    bbc = need(BBC)
    window = open_window(live_library)
    controller, panel = window.search, window.search_panel
    answers = []
    controller.results_ready.connect(answers.append)
    assert window.import_paths([str(bbc / "politics"), str(bbc / "business")])
    # type while the import is still running: stored articles wait to be indexed
    qtbot.waitUntil(lambda: live_library.counts()["articles"] > 0, timeout=30000)
    with qtbot.waitSignal(controller.results_ready, timeout=30000):
        qtbot.keyClicks(window.search_box.line, "election")
    first = answers[0]
    assert first.query == "election"
    assert first.pending > 0, "the first answer was computed while the index was behind"
    assert panel.pending.isVisible()
    assert "not yet searchable" in panel.pending.text()
    assert f"{first.pending_articles:,} article" in panel.pending.text()

    # no more typing: each index commit asks the query again, until the index caught up
    qtbot.waitUntil(lambda: panel.result.pending == 0, timeout=120000)
    final = panel.result
    assert window.search_box.text() == "election"
    assert final.query == "election" and len(answers) >= 2
    assert final.total > first.total
    assert final.total == live_library.search("election").total
    assert panel.summary.text().startswith(f"{final.total} articles")
    assert not panel.pending.isVisible()


def test_a_view_chosen_instead_is_not_taken_back_by_a_commit(qtbot, live_library, open_window):
    window = open_window(live_library)
    controller = window.search
    assert window.import_paths([str(need(BBC) / "politics")])
    qtbot.waitUntil(lambda: live_library.counts()["articles"] > 0, timeout=30000)
    with qtbot.waitSignal(controller.results_ready, timeout=30000) as answer:
        qtbot.keyClicks(window.search_box.line, "election")
    assert answer.args[0].pending > 0
    window.choose_entry("view", "all")  # the user leaves the results for the article list
    if live_library.index_state() != "index up to date":
        with qtbot.waitSignal(window.index_watch.changed, timeout=60000):
            pass
    assert not controller.refresh_timer.isActive()
    qtbot.waitUntil(lambda: live_library.index_state() == "index up to date", timeout=60000)
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=10000)
    assert window.middle.currentWidget() is window.article_list
    assert window.search_panel.result is None or window.search_panel.result.pending > 0


def test_a_refreshed_answer_keeps_the_selected_row_and_the_scroll(politics_library, open_window):
    window = open_window(politics_library)
    panel = window.search_panel
    panel.show_result(politics_library.search("government", limit=50))
    assert panel.model.rowCount() == 50
    row = panel.model.index(12, 0)
    panel.view.setCurrentIndex(row)
    panel.view.scrollTo(row)
    chosen, scroll = row.data(ARTICLE_ROLE), panel.view.verticalScrollBar().value()
    assert scroll > 0

    panel.show_result(politics_library.search("government", limit=50))  # answered again
    assert panel.view.currentIndex().data(ARTICLE_ROLE) == chosen
    assert panel.view.verticalScrollBar().value() == scroll

    panel.show_result(politics_library.search("minister", limit=50))  # a new query: the top
    assert panel.view.currentIndex().row() == 0


def _marked(window) -> list[str]:
    return [window.reader.text[a:b] for a, b in window.reader.marks]


def _search(qtbot, window, query: str) -> None:
    with qtbot.waitSignal(window.search.results_ready, timeout=10000):
        window.search_box.set_text(query)


def test_the_reader_marks_what_the_search_matched_and_follows_the_query(
    qtbot, elections_library, open_window
):
    lib = elections_library
    article = article_id(lib, "Elections")
    passage = lib.annotate_quote(article, "count went on", color="blue")
    window = open_window(lib)
    _search(qtbot, window, "election")
    window.open_result(article, "")
    # the engine's words, not a prefix: "Electricity" shares "elect" but is another word
    qtbot.waitUntil(lambda: _marked(window) == ["elections"], timeout=10000)
    assert window.reader.mark_index == 0

    _search(qtbot, window, '"state of emergency" OR vote')
    qtbot.waitUntil(lambda: _marked(window) == ["state of emergency", "vote"], timeout=10000)

    _search(qtbot, window, "color:blue")  # the passage matches; no word of the text does
    assert window.search_panel.result.hits[0].annotations[0].annotation_id == passage.id
    qtbot.waitUntil(lambda: window.reader.marks == [], timeout=10000)

    _search(qtbot, window, "villages")
    qtbot.waitUntil(lambda: _marked(window) == ["villages"], timeout=10000)
    window.clear_search()
    qtbot.waitUntil(lambda: window.reader.marks == [], timeout=10000)


def test_marks_are_those_of_the_article_now_open(qtbot, elections_library, open_window):
    lib = elections_library
    window = open_window(lib)
    _search(qtbot, window, "villages OR lamps")
    window.open_result(article_id(lib, "Elections"), "")
    window.open_result(article_id(lib, "Lamps"), "")  # before the first one's marks came
    qtbot.waitUntil(lambda: bool(window.reader.marks), timeout=10000)
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=10000)
    assert window.article.title == "Lamps of the villages"
    assert _marked(window) == ["villages", "lamps"]
