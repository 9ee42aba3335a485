"""What the middle of the window lists: the article list of a view or tag (a big library's
first list read and sorted on a worker), the passages browser, the sidebar's counts. A
mixin of MainWindow (kept apart so each file stays readable)."""

from __future__ import annotations

from typing import Any

from ui.common.models import SORT_ON_WORKER_FROM, sort_order
from ui.window.sidebar import VIEWS

LIST_LATER_FROM = 5_000  # articles: from here the first list is read after the window shows
# articles: from here every list is read on a worker (178,000 took ~0.85 s to read, which
# froze the window at each click on "All articles"); below, at once, as the view is chosen
LIST_ON_WORKER_FROM = SORT_ON_WORKER_FROM  # a list this long is read, and sorted, on a worker


class WindowLists:
    """refresh_list / refresh_browser / refresh_sidebar for MainWindow."""

    library: Any
    article: Any
    article_list: Any
    browser: Any
    sidebar: Any
    passages: Any
    runner: Any
    current_view: tuple[str, str]
    list_later: bool

    def refresh_list(self) -> None:
        kind, value = self.current_view
        if kind == "tag":
            heading = f"Tagged “{value}”"

            def fetch(*_args) -> Any:
                return self.library.article_columns(tag=value)
        else:
            view = value if kind == "view" else "all"
            heading = dict(VIEWS).get(view, "All articles")

            def fetch(*_args) -> Any:
                return self.library.article_columns(view=view)

        hints = {
            "recent": "Articles you open are listed here, newest first.",
            "highlighted": "Articles with passages you highlighted are listed here.",
            "orphaned": "No passage has lost its words.",
        }

        def show(columns: Any, order: Any = None) -> None:
            self.article_list.set_articles(heading, columns, hints.get(value, ""), order)
            if self.article is not None:
                self.article_list.select(self.article.id)

        first = self.list_later  # a big library's first list: after the window has appeared
        self.list_later = False
        if not first and self.library.counts().get("articles", 0) < LIST_ON_WORKER_FROM:
            show(fetch())
            return
        if first:
            self.article_list.set_articles(heading, [], "Listing the articles…")
        column, descending = self.article_list.model.sorted_by()

        def fetch_sorted(*args: Any) -> Any:  # a sorted list is ordered there too
            columns = fetch(*args)
            order = sort_order(columns, column, descending) if column >= 0 else None
            return columns, order

        def show_sorted(made: Any) -> None:
            columns, order = made
            if self.article_list.model.sorted_by() != (column, descending):
                order = None  # sorted otherwise meanwhile: the model orders them again
            show(columns, order)

        # the search pool runs one job at a time: lists arrive in the order they were asked
        self.runner.start("list", fetch_sorted, search=True, on_finished=show_sorted)

    def refresh_browser(self) -> None:
        passages = self.library.annotations()
        # every passage's article has one (not all the library's: 178,000 rows at ×80)
        articles = {s.id: s for s in self.library.list_articles(view="highlighted")}
        self.browser.set_passages(passages, articles)

    def refresh_sidebar(self) -> None:
        counts = self.library.counts()
        view_counts = {"all": counts.get("articles", 0), "orphaned": counts.get("orphaned", 0)}
        view_counts["highlighted"] = counts.get("highlighted", 0)
        # A tag nothing carries any more (its last passage undone or deleted) is not listed.
        tags = [(name, uses) for name, uses in self.library.tags() if uses]
        self.sidebar.fill(
            view_counts,
            counts.get("annotations", 0),
            tags,
            self.library.saved_searches(),
            counts.get("trash", 0),
        )
        self.passages.set_known_tags([name for name, _ in tags])
