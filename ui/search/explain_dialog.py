"""Why This Matched: for one search result, which fields matched and what the query became.

Edit › Why This Matched… (Ctrl+I) and the results list's context menu ask about
the chosen result. The engine (Library.explain) answers on the search worker:
the indexed forms of each word after stemming, the library's words a wildcard
or fuzzy term stood for (`protest*` → protest, protesters, protests), the
fields of the article and of its passages that matched, with the article's own
words behind each term, and the NOT terms that kept something out. The answer
is shown as item text in a tree (never as markup).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from ui.common.models import ID_ROLE
from ui.common.plain import one_line, plain_label, plain_tooltip
from ui.search.results import ARTICLE_ROLE

KINDS = {"prefix": "wildcard", "wildcard": "wildcard", "fuzzy": "fuzzy"}


def query_lines(answer: dict[str, Any]) -> list[str]:
    """Each word of the query with its indexed forms; each wildcard or fuzzy term with the
    library's words it stands for."""
    lines = []
    for word in answer.get("words", []):
        where = f"{word['field']}:" if word.get("field") else ""
        terms = ", ".join(word.get("terms") or []) or "(a common word: not searched)"
        lines.append(f"{where}{word['input']} → {terms}")
    for exp in answer.get("expansions", []):
        kind = KINDS.get(exp.get("kind", ""), exp.get("kind", ""))
        words = ", ".join(exp.get("words") or []) or "no word of the library"
        more = ", …" if exp.get("capped") else ""
        lines.append(f"{exp['input']} ({kind}) → {words}{more}")
    return lines


def field_lines(fields: dict[str, list[str]], words: dict[str, list[str]]) -> list[str]:
    """'text: protest (protesters, protests)': each field, its terms and the words behind."""
    lines = []
    for label, terms in fields.items():
        shown = []
        for term in terms:
            forms = sorted({w for part in term.split() for w in words.get(part, [])})
            extra = [f for f in forms if f != term]
            shown.append(f"{term} ({', '.join(forms)})" if extra else term)
        lines.append(f"{label}: " + "; ".join(shown))
    return lines


class ExplainDialog(QDialog):
    """The explanation of one search result: the query's expansion, then the matches."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.setObjectName("explainDialog")
        self.setWindowTitle("Why This Matched")
        self.window_ = window
        self.answer: dict[str, Any] | None = None
        self.busy = False
        self.generation = 0
        self.passage_id = ""
        self.heading = plain_label("", self)
        self.heading.setObjectName("explainHeading")
        self.heading.setWordWrap(True)
        self.status = plain_label("", self)
        self.status.setObjectName("explainStatus")
        self.status.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("explainTree")
        self.tree.setHeaderHidden(True)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.resize(600, 480)

    def explain(self, query: str, article_id: int, title: str, passage_id: str = "") -> None:
        """Ask the engine, on the search worker, why `query` matched the article."""
        self.generation += 1
        generation, library = self.generation, self.window_.library
        self.passage_id = passage_id
        self.answer = None
        self.busy = True
        self.heading.setText(f"“{one_line(query, 120)}” in “{one_line(title or 'Untitled', 120)}”")
        self.status.setText("Working…")
        self.tree.clear()

        def work(_progress, _cancel) -> dict[str, Any]:
            return library.explain(query, article_id)

        self.window_.runner.start(
            "explain",
            work,
            search=True,
            on_finished=lambda answer: self._show(generation, answer),
            on_failed=lambda message: self._fail(generation, message),
        )

    def _show(self, generation: int, answer: dict[str, Any]) -> None:
        if generation != self.generation:
            return
        self.busy = False
        self.answer = answer
        self.fill(answer)

    def _fail(self, generation: int, message: str) -> None:
        if generation != self.generation:
            return
        self.busy = False
        self.status.setText(f"No explanation: {one_line(message, 200)}")

    def _section(self, title: str, lines: list[str]) -> QTreeWidgetItem:
        head = QTreeWidgetItem([title])
        font = head.font(0)
        font.setBold(True)
        head.setFont(0, font)
        for line in lines:
            child = QTreeWidgetItem([line])
            child.setToolTip(0, plain_tooltip(line))
            head.addChild(child)
        self.tree.addTopLevelItem(head)
        return head

    def fill(self, answer: dict[str, Any]) -> None:
        """Show the answer of Library.explain (see index/explain.py for its shape)."""
        self.tree.clear()
        self.status.setText(
            "The article matches this search."
            if answer.get("matched")
            else "The article does not match this search now."
        )
        lines = query_lines(answer) or ["(no words: only dates, tags or colours)"]
        self._section("The query looked for (word → the forms searched)", lines)
        article = answer.get("article", {})
        found = field_lines(article.get("fields", {}), article.get("words", {}))
        found += [
            f"kept out by NOT {label}: {', '.join(terms)}"
            for label, terms in article.get("excluded_by", {}).items()
        ]
        self._section("The article matched in", found or ["(nothing in the article itself)"])
        passages = sorted(
            answer.get("passages", []), key=lambda p: p["annotation_id"] != self.passage_id
        )
        if passages:
            head = self._section("Its passages matched", [])
            for passage in passages:
                chosen = (
                    "  (the chosen result)" if passage["annotation_id"] == self.passage_id else ""
                )
                item = QTreeWidgetItem([f"“{one_line(passage['quote'], 200)}”{chosen}"])
                item.setToolTip(0, plain_tooltip(passage["quote"]))
                for line in field_lines(passage.get("fields", {}), passage.get("words", {})):
                    item.addChild(QTreeWidgetItem([line]))
                head.addChild(item)
        if answer.get("message"):
            self._section("Note", [one_line(answer["message"], 300)])
        self.tree.expandAll()

    def lines(self) -> list[str]:
        """Every row's text, depth first (what the reader sees, for tests)."""
        out: list[str] = []

        def walk(item: QTreeWidgetItem) -> None:
            out.append(item.text(0))
            for i in range(item.childCount()):
                walk(item.child(i))

        for i in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(i))
        return out


class ExplainActions(QObject):
    """Edit › Why This Matched… for the chosen search result, also in the results' menu."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: ExplainDialog | None = None
        action = window.registry["explain_hit"]
        action.triggered.connect(self.explain_current)
        view = window.search_panel.view
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        view.addAction(action)

    @Slot()
    def explain_current(self) -> ExplainDialog | None:
        """Explain the result chosen in the results list (its article, and its passage)."""
        window = self.window
        panel = window.search_panel
        index = panel.view.currentIndex()
        result = panel.result
        if result is None or not index.isValid() or window.middle.currentWidget() is not panel:
            window.show_message("Choose a search result to see why it matched.")
            return None
        article_id = index.data(ARTICLE_ROLE)
        passage_id = index.data(ID_ROLE) or ""
        hit = next((h for h in result.hits if h.article_id == article_id), None)
        title = hit.title if hit is not None else ""
        return self.open_for(result.query, int(article_id), title, passage_id)

    def open_for(
        self, query: str, article_id: int, title: str = "", passage_id: str = ""
    ) -> ExplainDialog:
        if self.dialog is None:
            self.dialog = ExplainDialog(self.window)
        self.dialog.explain(query, article_id, title, passage_id)
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog
