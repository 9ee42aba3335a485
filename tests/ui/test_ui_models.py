"""The item models, each checked first by pytest-qt's model tester."""

from __future__ import annotations

from PySide6.QtCore import Qt

from conftest import article_id
from ui.common.models import (
    ID_ROLE,
    SORT_ROLE,
    ArticleFilterProxy,
    ArticleTableModel,
    PassageListModel,
)
from ui.search.results import ResultsModel
from ui.window.sidebar import SidebarModel


def test_article_model_sorts_and_filters(qtmodeltester, library):
    model = ArticleTableModel()
    model.set_articles(library.list_articles())
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    proxy = ArticleFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.sort(ArticleTableModel.DATE, Qt.SortOrder.AscendingOrder)
    dates = [proxy.index(r, ArticleTableModel.DATE).data(SORT_ROLE) for r in range(2)]
    assert dates == sorted(dates) == ["2019-07-14", "2021-03-02"]
    assert proxy.index(0, ArticleTableModel.DATE).data() == "14 Jul 2019"
    proxy.set_filter_text("RIBEIRO")  # author, any case
    assert proxy.rowCount() == 1
    assert proxy.index(0, 0).data(ID_ROLE) == article_id(library, "Notes on tidal")
    proxy.set_filter_text("polders wind")  # every word, any order
    assert proxy.rowCount() == 1
    proxy.set_filter_text("")
    assert proxy.rowCount() == 2


def test_passage_model(qtmodeltester, library):
    aid = article_id(library, "Notes on tidal")
    text = library.get_article(aid).reading_text
    library.annotate(aid, text.index("sluice"), text.index("sluice") + 6, note="n", tags=["t"])
    library.annotate(aid, 0, 5, color="blue")
    model = PassageListModel()
    model.set_annotations(library.annotations(article_id=aid))
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    first = model.index(0, 0).data()
    assert first.startswith("“Tidal”")  # text order
    assert "#t" in model.index(1, 0).data()


def test_results_model(qtmodeltester, library):
    aid = article_id(library, "Notes on tidal")
    text = library.get_article(aid).reading_text
    library.annotate(aid, text.index("miller"), text.index("miller") + 6, note="mill keeper")
    result = library.search("mill")
    model = ResultsModel()
    model.set_hits(result.hits)
    qtmodeltester.check(model)
    assert model.rowCount() >= 1
    top = model.index(0, 0)
    assert model.rowCount(top) == len(result.hits[0].annotations)


def test_sidebar_model(qtmodeltester):
    model = SidebarModel()
    model.fill({"all": 3}, 2, [("tides", 2), ("<b>x</b>", 1)], [("mills", "mill*")])
    qtmodeltester.check(model)
    index = model.index_of("tag:<b>x</b>")
    assert index.isValid() and index.data() == "<b>x</b>"
    assert model.index_of("search:mills").isValid()


def test_a_filter_is_decided_again_for_new_rows_of_the_same_count(qtmodeltester, library):
    """The filter's verdicts are made for all rows at once: new rows (another view, as
    many as before) are filtered afresh, not by the old verdicts."""
    from index import ArticleSummary

    model = ArticleTableModel()
    proxy = ArticleFilterProxy()
    proxy.setSourceModel(model)
    model.set_articles(library.article_columns())
    proxy.set_filter_text("tidal")
    assert proxy.rowCount() == 1
    others = [
        ArticleSummary(n, title, None, None, "/x", 10, 0, None)
        for n, title in ((90, "Tidal races"), (91, "Tidal bores"))
    ]
    model.set_articles(others)
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 2
    model.set_highlights(91, 3)
    assert model.index(model.row_of(91), ArticleTableModel.HIGHLIGHTS).data() == "3"
