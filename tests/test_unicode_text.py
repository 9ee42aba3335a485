"""One Unicode form: the reading text is NFC, and quotes in any form find their words.

Text whose accents are decomposed ("e" + U+0301, as macOS file names and some
editors write it) reads, searches and anchors like the same text typed on a
keyboard; the store keeps what the file held.
"""

from __future__ import annotations

import json
import unicodedata

from cli_runner import gloss

from index.importers import read_article
from index.library import Library

ACUTE, GRAVE, CIRCUMFLEX = "\u0301", "\u0300", "\u0302"

# Written with every accent as a letter and a combining mark.
DECOMPOSED = (
    "# Le cafe" + ACUTE + " du port\n\n"
    "Nina Castell\n\n"
    "A small cafe"
    + ACUTE
    + " on the corner of the harbour serves cre"
    + GRAVE
    + "me bru"
    + CIRCUMFLEX
    + "le"
    + ACUTE
    + "e to the fishermen at dawn. 😀 The owner says the "
    "recipe came from her grandmother in Lyon, who baked it in a wood oven.\n\n"
    "On Sundays the queue reaches the pier, and the fishermen wait with the tourists.\n"
)


def composed(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_decomposed_text_reads_as_nfc_and_the_store_keeps_the_file(tmp_path, library):
    path = tmp_path / "cafe.md"
    path.write_text(DECOMPOSED, encoding="utf-8")
    article = read_article(path)
    assert article.title == "Le café du port"
    assert "A small café on the corner" in article.reading_text
    assert unicodedata.is_normalized("NFC", article.reading_text)
    article_id = library.import_paths([path]).article_ids[0]
    assert library.get_article(article_id).reading_text == article.reading_text
    assert library.original_text(article_id) == DECOMPOSED  # as the file held it


def test_html_entities_that_decompose_are_composed(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Entities</title></head><body><article><h1>Entities</h1>"
        "<p>The cafe&#769; on the corner serves cre&#x300;me brûlée every morning, and "
        "the <b>cafe</b>&#769; is full by eight o'clock on market days in the town.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    text = read_article(page).reading_text
    assert "The café on the corner serves crème brûlée" in text
    assert "café is full by eight" in text
    assert unicodedata.is_normalized("NFC", text)


def test_search_and_annotate_typed_precomposed_on_a_decomposed_file(tmp_path):
    """The issue's case, through the command line: `search crème`, `annotate --quote`."""
    path = tmp_path / "cafe.md"
    path.write_text(DECOMPOSED, encoding="utf-8")
    library = tmp_path / "lib"
    gloss(library, "import", path)
    hits = json.loads(gloss(library, "search", "crème", "--json").stdout)["hits"]
    assert [h["title"] for h in hits] == ["Le café du port"]
    article_id = hits[0]["article_id"]
    typed = "café on the corner"
    assert unicodedata.is_normalized("NFC", typed)
    made = json.loads(gloss(library, "annotate", article_id, "--quote", typed, "--json").stdout)
    quote = next(s for s in made["target"]["selector"] if s["type"] == "TextQuoteSelector")
    assert quote["exact"] == typed
    decomposed = unicodedata.normalize("NFD", "crème brûlée")
    second = gloss(library, "annotate", article_id, "--quote", decomposed, "--json")
    quote = next(
        s
        for s in json.loads(second.stdout)["target"]["selector"]
        if s["type"] == "TextQuoteSelector"
    )
    assert quote["exact"] == "crème brûlée"


def test_emoji_and_accents_before_a_highlight_count_as_code_points_of_the_nfc_text(
    tmp_path, library
):
    path = tmp_path / "cafe.md"
    path.write_text(DECOMPOSED, encoding="utf-8")
    article_id = library.import_paths([path]).article_ids[0]
    text = library.get_article(article_id).reading_text
    quote = "The owner says"
    passage = library.annotate_quote(article_id, quote)
    # 😀 is one code point (two in UTF-16); each accent is one code point, not two.
    assert passage.start == text.index(quote)
    assert passage.start == len(composed(DECOMPOSED.split("Nina Castell\n\n")[1]).split(quote)[0])
    exported = json.loads(library.export_annotations("json"))
    [item] = exported["first"]["items"] if "first" in exported else exported["items"]
    selectors = {s["type"]: s for s in item["target"]["selector"]}
    position = selectors["TextPositionSelector"]
    assert (
        text[position["start"] : position["end"]]
        == quote
        == selectors["TextQuoteSelector"]["exact"]
    )


def test_a_w3c_file_from_a_tool_that_kept_decomposed_text_anchors(tmp_path):
    """Another tool quoted the decomposed words and counted positions in them."""
    path = tmp_path / "cafe.md"
    path.write_text(DECOMPOSED, encoding="utf-8")
    first = Library.open(tmp_path / "first", create_welcome=False)
    try:
        article_id = first.import_paths([path]).article_ids[0]
        first.annotate_quote(article_id, "crème brûlée to the fishermen", note="dessert")
        exported = json.loads(first.export_annotations("json"))
    finally:
        first.close()
    items = exported["first"]["items"] if "first" in exported else exported["items"]
    raw_body = DECOMPOSED.split("Nina Castell\n\n")[1].rstrip("\n").replace("\n\n", "\n")
    for item in items:
        for selector in item["target"]["selector"]:
            if selector["type"] == "TextQuoteSelector":
                for key in ("exact", "prefix", "suffix"):
                    selector[key] = unicodedata.normalize("NFD", selector[key])
                exact = selector["exact"]
        for selector in item["target"]["selector"]:
            if selector["type"] == "TextPositionSelector":
                selector["start"] = raw_body.index(exact)
                selector["end"] = selector["start"] + len(exact)
    second = Library.open(tmp_path / "second", create_welcome=False)
    try:
        article_id = second.import_paths([path]).article_ids[0]
        result = second.import_annotations(json.dumps(exported))
        assert (result.imported, result.orphaned) == (1, 0)
        [passage] = second.annotations(article_id=article_id)
        text = second.get_article(article_id).reading_text
        assert passage.exact == "crème brûlée to the fishermen"
        assert (passage.start, passage.end) == (
            text.index(passage.exact),
            text.index(passage.exact) + len(passage.exact),
        )
        assert passage.note == "dessert"
    finally:
        second.close()


def test_passages_made_on_decomposed_text_find_their_words_in_the_nfc_text():
    """A library made before reading texts were NFC: its passages move to the new text."""
    from index.passages.anchoring import make_selector, reanchor

    old_text = unicodedata.normalize("NFD", composed(DECOMPOSED))
    quote = unicodedata.normalize("NFD", "crème brûlée to the fishermen")
    start = old_text.index(quote)
    old = make_selector(old_text, start, start + len(quote))
    new_text = composed(old_text)
    result = reanchor(new_text, old)
    assert result.status in ("exact", "moved")
    assert result.selector.exact == "crème brûlée to the fishermen"
    assert new_text[result.selector.start : result.selector.end] == result.selector.exact
    # And the other way: a passage of NFC text, looked for in text still decomposed.
    back = reanchor(old_text, result.selector)
    assert back.selector is not None and back.selector.exact == quote


def test_a_search_or_a_find_pasted_with_decomposed_accents_finds_the_words(library, tmp_path):
    from ui.reader.textfind import TextFinder

    path = tmp_path / "cafe.md"
    path.write_text(composed(DECOMPOSED), encoding="utf-8")  # this file is precomposed
    article_id = library.import_paths([path]).article_ids[0]
    pasted = unicodedata.normalize("NFD", "crème brûlée")
    assert [h.article_id for h in library.search(pasted).hits] == [article_id]
    assert [h.article_id for h in library.search(f'"{pasted}"').hits] == [article_id]
    text = library.get_article(article_id).reading_text
    start = text.index("crème brûlée")
    found = TextFinder(text).find_all(pasted, ignore_accents=False)
    assert found == [(start, start + len("crème brûlée"))]


def test_a_typed_quote_finds_its_words_in_a_text_still_decomposed():
    from index.passages.anchoring import select_occurrence

    old_text = unicodedata.normalize("NFD", "Un café au lait, s'il vous plaît.")
    selector = select_occurrence(old_text, "café au lait")
    assert selector is not None
    assert old_text[selector.start : selector.end] == unicodedata.normalize("NFD", "café au lait")
