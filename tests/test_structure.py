"""The structure the author wrote, as the user meets it: the reading text and `show --json`.

Two files written for these tests in the shapes users keep: a Markdown clipping
(tables, a list starting at 3 with a nested list, code, a figure, a rule, a
definition list, a task list, strikethrough, footnotes) and a saved web page with
the same structures in HTML (and a heading split across two <strong> elements).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cli_runner import gloss

from conftest import HTML_NEWS
from index.importers import read_article
from index.importers.html import import_html
from index.importers.markdown import import_markdown
from index.model import OBJECT_CHAR

FIXTURES = Path(__file__).parent / "fixtures" / "structure"
CLIPPING = FIXTURES / "ledgers-clipping.md"
SAVED_PAGE = FIXTURES / "ledgers-saved-page.html"

CODE = (
    "def balance(inflow, outflow):\n"
    "    # what is left at the end of the week\n"
    "    return inflow - outflow"
)


@pytest.fixture(scope="module")
def shown(tmp_path_factory) -> dict[str, dict]:
    """Both files imported with the real command line, and `show --json` of each."""
    library = tmp_path_factory.mktemp("structure") / "lib"
    gloss(library, "import", CLIPPING, SAVED_PAGE)
    listed = json.loads(gloss(library, "list", "--json").stdout)["articles"]
    out = {}
    for row in listed:
        if row["source"].endswith((CLIPPING.name, SAVED_PAGE.name)):
            shown = json.loads(gloss(library, "show", row["id"], "--json").stdout)
            out["markdown" if row["source"].endswith(".md") else "html"] = shown
    return out


def _kinds(article: dict, kind: str) -> list[dict]:
    return [b for b in article["blocks"] if b["kind"] == kind]


def _text(spans: list[dict]) -> str:
    return "".join(s["text"] for s in spans)


# --- tables -------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["markdown", "html"])
def test_a_table_is_rows_of_cells_with_a_header_row(shown, form):
    article = shown[form]
    (table,) = _kinds(article, "table")
    rows = [[_text(cell["spans"]) for cell in row["cells"]] for row in table["rows"]]
    assert rows == [
        ["Town", "Receipts", "Change"],
        ["Harlow", "1,200", "+4%"],
        ["Bexley Mill", "860", "−2%"],
        ["Orford", "2,045", "+11%"],
    ]
    assert [row.get("header", False) for row in table["rows"]] == [True, False, False, False]
    assert [cell.get("align") for cell in table["rows"][1]["cells"]][1] == "right"
    # Each cell's words are in the reading text: a row is a line, a tab between cells.
    assert (
        "\nTown\tReceipts\tChange\nHarlow\t1,200\t+4%\nBexley Mill\t860\t−2%\n" in (article["text"])
    )
    assert "|" not in article["text"]


def test_a_page_table_keeps_its_caption(shown):
    (table,) = _kinds(shown["html"], "table")
    assert _text(table["caption"]) == "Weekly receipts, January 1923"
    assert "Weekly receipts, January 1923\nTown\tReceipts" in shown["html"]["text"]


def test_table_cells_are_searchable(tmp_path):
    library = tmp_path / "lib"
    gloss(library, "import", CLIPPING)
    hits = json.loads(gloss(library, "search", '"Bexley Mill"', "--json").stdout)
    assert [h["title"] for h in hits["hits"]] == ["How the mill towns kept their books"]


# --- lists --------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["markdown", "html"])
def test_a_list_that_starts_at_3_starts_at_3_and_nests(shown, form):
    items = [
        (_text(b["spans"]), b.get("level"), b.get("number"))
        for b in _kinds(shown[form], "list_item")
        if b.get("checked") is None
    ]
    assert items[0] == ("Count the receipts of the week.", 1, 3)
    assert items[1][1:] == (1, 4)
    assert items[2] == ("the day workers, by the hour;", 2, None)
    assert items[3] == ("the weavers, by the piece.", 2, None)
    assert items[4][1:] == (1, 5) and items[4][0].startswith("Carry the balance forward")
    struck = [s for b in shown[form]["blocks"] for s in b.get("spans", ())]
    assert {"text": "forward", "style": "strike"} in struck


@pytest.mark.parametrize("form", ["markdown", "html"])
def test_task_lists_and_definition_lists(shown, form):
    tasks = [
        (_text(b["spans"]), b["checked"])
        for b in _kinds(shown[form], "list_item")
        if "checked" in b
    ]
    assert tasks == [("Read the Harlow ledger", True), ("Read the Orford ledger", False)]
    pairs = [
        (b["kind"], _text(b["spans"]))
        for b in shown[form]["blocks"]
        if b["kind"] in ("term", "definition")
    ]
    assert pairs == [
        ("term", "Receipts"),
        ("definition", "Money taken in during the week, from every source."),
        ("term", "Balance"),
        ("definition", "What was left when the wages were paid."),
    ]
    assert "[ ]" not in shown[form]["text"] and "[x]" not in shown[form]["text"]


# --- code ---------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["markdown", "html"])
def test_code_keeps_every_space_and_line(shown, form):
    (code,) = _kinds(shown[form], "code")
    assert _text(code["spans"]).startswith(CODE)
    assert CODE in shown[form]["text"]


def test_code_keeps_blank_lines_and_expands_tabs():
    (code,) = [b for b in import_html(SAVED_PAGE.read_text("utf-8")).blocks if b.kind == "code"]
    # The page's third line starts with a tab; a blank line separates the call.
    assert code.text == CODE + "\n\nprint(balance(1200, 1150))"
    article = import_markdown("# T\n\n```\nif x:\n\n\ty = 1\n```\n")
    assert article.blocks[0].text == "if x:\n\n    y = 1"


# --- footnotes ----------------------------------------------------------------------


def test_markdown_footnotes_are_resolved(shown):
    article = shown["markdown"]
    refs = [
        s for b in article["blocks"] for s in b.get("spans", ()) if s.get("style") == "footnote_ref"
    ]
    assert refs == [
        {"text": "[1]", "style": "footnote_ref", "href": "#fn:1"},
        {"text": "[2]", "style": "footnote_ref", "href": "#fn:2"},
    ]
    notes = _kinds(article, "footnote")
    assert article["blocks"][-2:] == notes  # the notes sit at the end
    assert [(n["number"], _text(n["spans"])) for n in notes] == [
        (1, "The Harlow clerk, Ada Penrose, kept the books from 1911 to 1938. ↩"),
        (2, "The rule was taught at the county school from 1890. ↩"),
    ]
    assert notes[0]["spans"][-1] == {"text": "↩", "style": "footnote_back", "href": "#fnref:1"}
    assert "[^" not in article["text"]
    assert "balanced them every week.[1]\n" in article["text"]


def test_page_footnotes_are_resolved(shown):
    article = shown["html"]
    first = article["blocks"][0]
    assert {"text": "[1]", "style": "footnote_ref", "href": "#fn:1"} in first["spans"]
    last = article["blocks"][-1]
    assert last["kind"] == "footnote" and last["number"] == 1
    assert (
        _text(last["spans"]) == "The Harlow clerk, Ada Penrose, kept the books from 1911 to 1938. ↩"
    )
    assert article["text"].count("Ada Penrose") == 1  # not also kept as a list item


# --- figures and rules --------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "src", "caption"),
    [
        (
            "markdown",
            "assets/harlow-ledger.jpg",
            "The Harlow ledger, open at the first week of January.",
        ),
        (
            "html",
            "https://images.example.net/ledgers/harlow-1923.jpg",
            "The Harlow ledger, open at the first week of January 1923.",
        ),
    ],
)
def test_a_figure_is_an_image_block_with_its_caption(shown, form, src, caption):
    (figure,) = _kinds(shown[form], "figure")
    assert figure["src"] == src
    assert figure["alt"] == "An open ledger with two columns of figures"
    assert _text(figure["caption"]) == caption
    assert figure["image"] is None  # the library keeps no copy of it (yet)
    assert f"\n{OBJECT_CHAR}\n{caption}\n" in shown[form]["text"]


@pytest.mark.parametrize("form", ["markdown", "html"])
def test_a_rule_is_an_empty_line(shown, form):
    blocks = shown[form]["blocks"]
    (at,) = [i for i, b in enumerate(blocks) if b["kind"] == "rule"]
    assert blocks[at + 1]["kind"] == "term"  # the rule stands before the definition list
    assert blocks[at] == {"kind": "rule", "spans": []}


def test_a_data_image_keeps_its_type_and_a_digest_not_its_bytes():
    page = (
        "<html><body><article><p>The first week of January was the coldest of the winter "
        "and the mills ran short days, as the ledgers of all three towns record.</p>"
        '<p><img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUl'
        'EQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==" alt="A stamp"></p>'
        "<p>By February the receipts had recovered in Orford, though not yet in Harlow or in "
        "Bexley Mill, where the weavers were still on short time.</p></article></body></html>"
    )
    (figure,) = [b for b in import_html(page).blocks if b.kind == "figure"]
    # the picture stays in the original; the figure names it by its type and SHA-256's start
    digest = hashlib.sha256(base64.b64decode(page.split("base64,")[1].split('"')[0])).hexdigest()
    assert (figure.src, figure.alt, figure.text) == (
        f"data:image/png;sha256={digest[:32]}",
        "A stamp",
        OBJECT_CHAR,
    )


# --- headings -----------------------------------------------------------------------


def test_a_heading_split_across_strong_elements_keeps_every_word(shown):
    headings = [_text(b["spans"]) for b in _kinds(shown["html"], "heading")]
    assert headings == ["What the ledgers say about the winter of 1923"]


def test_the_html_news_heading_cut_mid_word_is_whole():
    page = (
        HTML_NEWS
        / "pages"
        / ("ec3878db7e49b1ed354c511b132e3de5f773ff4fc8014163df58c22fffd93d2f.html")
    )
    if not page.exists():
        pytest.skip(f"{page} is absent")
    article = read_article(page)
    headings = [b.text for b in article.blocks if b.kind == "heading"]
    assert (
        "5 Tips to Enjoy Game Day Parties While Staying on Track With Your Weight-Loss Goals:"
        in (headings)
    )
    assert not any(h.startswith("ay Parties") for h in headings)


# --- the reading text ---------------------------------------------------------------


def test_reading_text_is_the_blocks_joined(shown):
    for article in shown.values():
        from index.model import blocks_from_json, reading_text_of

        assert reading_text_of(blocks_from_json(article["blocks"])) == article["text"]


def test_front_matter_of_a_web_clipper_is_metadata_not_text():
    article = import_markdown(
        '---\ntitle: "The clerks: a short history"\nsource: "https://ledger.example.org/a"\n'
        'author:\n  - "[[Mara Quist]]"\npublished: 2023-03-21\ntags:\n  - "clippings"\n---\n\n'
        "The ledgers of the three mill towns survive almost complete.\n"
    )
    assert (article.title, article.author, article.date, article.url) == (
        "The clerks: a short history",
        "Mara Quist",
        "2023-03-21",
        "https://ledger.example.org/a",
    )
    assert article.reading_text == "The ledgers of the three mill towns survive almost complete."
    assert article.warnings == []
