"""The HTML importer on pages we wrote (tests/fixtures/html) and on real news pages."""

from __future__ import annotations

import importlib.util
import socket
import time
from pathlib import Path

import pytest

from index.importers.html import import_html
from index.importers.html_extract import flatten_deep_nesting, safe_href
from index.model import BLOCK_KINDS, SPAN_STYLES

FIXTURES = Path(__file__).parent / "fixtures" / "html"
BENCHMARK = Path(__file__).parent / "benchmarks" / "html_f1.py"


def _page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _benchmark():
    """The benchmark script as a module: its shingle F1 is the measure the tests use."""
    spec = importlib.util.spec_from_file_location("html_f1", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test on any attempt to open a network connection."""
    attempts: list[object] = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network access attempted during import")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: refuse(None, a))
    yield attempts
    assert not attempts, f"the importer tried to reach {attempts}"


# --- the news-like page ------------------------------------------------------


def test_news_page_metadata(no_network):
    article = import_html(_page("news_article.html"))
    assert article.source_format == "html"
    assert article.title == "Riverside library reopens after two years of repairs"
    assert article.author == "Jane Doe"
    assert article.date == "2023-03-14"
    assert article.url == "https://courier.example.com/2023/03/14/riverside-library-reopens"
    assert article.warnings == []


def test_news_page_drops_everything_but_the_article(no_network):
    text = import_html(_page("news_article.html")).reading_text
    for marker in ("SCRIPT-MARKER", "STYLE-MARKER", "NAV-MARKER", "COMMENT-MARKER"):
        assert marker not in text
    for marker in ("FORM-MARKER", "FOOTER-MARKER", "RELATED-MARKER", "riverwatcher"):
        assert marker not in text
    assert "<" not in text and "analyticsQueue" not in text


def test_news_page_paragraphs_in_order(no_network):
    text = import_html(_page("news_article.html")).reading_text
    expected = [
        "The Riverside branch library opened its doors again on Monday morning",
        "About two hundred people queued along the river path",
        "The repairs cost the town council",
        "A reading room with a view",
        "The largest change is upstairs",
        "We kept thinking of the people",
        "The head librarian, Martin Okafor, said",
        "a lift to the upper floor",
        "a returns box that can be used when the library is closed.",
        "The library is open from nine until seven",
    ]
    positions = [text.find(sentence) for sentence in expected]
    assert -1 not in positions, [s for s, p in zip(expected, positions, strict=True) if p < 0]
    assert positions == sorted(positions)


def test_news_page_header_is_not_repeated_in_the_text(no_network):
    article = import_html(_page("news_article.html"))
    lead, first = article.blocks[:2]
    assert lead.kind == "figure"  # the lead photograph stays, under the reader's header
    assert first.text.startswith("The Riverside branch library opened")
    assert "By Jane Doe" not in article.reading_text


def test_news_page_structure_and_inline_spans(no_network):
    article = import_html(_page("news_article.html"))
    kinds = [block.kind for block in article.blocks]
    assert {"paragraph", "heading", "quote", "list_item"} <= set(kinds)
    assert kinds.count("list_item") == 3
    heading = next(b for b in article.blocks if b.kind == "heading")
    assert (heading.text, heading.level) == ("A reading room with a view", 2)
    spans = [span for block in article.blocks for span in block.spans]
    assert ("without a single question", "emphasis") in [(s.text, s.style) for s in spans]
    assert ("Children's story time", "strong") in [(s.text, s.style) for s in spans]
    link = next(s for s in spans if s.style == "link")
    assert (link.text, link.href) == (
        "the council's final report",
        "https://council.example.org/reports/library-2023",
    )
    for block in article.blocks:
        assert block.kind in BLOCK_KINDS
        assert all(span.style in SPAN_STYLES for span in block.spans)
        if block.kind not in ("figure", "table", "code"):  # the kinds of several lines
            assert "\n" not in block.text and block.text == block.text.strip()


def test_code_block_keeps_its_lines_and_inline_code_stays_inline():
    page = (
        "<html><head><title>Using the shell</title></head><body><article>"
        "<p>To list the files in a folder, type the <code>ls</code> command and press return; "
        "it prints one name per line when its output is not a terminal.</p>"
        "<pre><code>ls -l /tmp\necho done</code></pre>"
        "<p>The second example prints a word, which is the simplest thing a program can do "
        "and a fine way to check that the shell works at all.</p></article></body></html>"
    )
    blocks = import_html(page).blocks
    assert [(b.kind, b.text) for b in blocks if b.kind == "code"] == [
        ("code", "ls -l /tmp\necho done")
    ]
    assert ("ls", "code") in [(s.text, s.style) for s in blocks[0].spans]


# --- links -------------------------------------------------------------------


def test_only_http_https_and_mailto_links_survive(no_network):
    article = import_html(_page("unsafe_links.html"))
    links = {s.text: s.href for b in article.blocks for s in b.spans if s.style == "link"}
    assert links == {
        "printable template from the society": "https://rhs.example.org/diary-template",
        "monthly version on this site": "https://garden.example.com/diary/templates/monthly.html",
        "email to the editor": "mailto:diary@garden.example.com",
    }
    text = article.reading_text
    for kept_as_text in (
        "tomatoes went in late",
        "packet I bought them from",
        "watering can had a leak",
        "this one hides its scheme",
        "this one is older still",
        "this one only jumps",
    ):
        assert kept_as_text in text
    for scheme in ("javascript", "file:", "data:", "vbscript", "base64"):
        assert scheme not in text.lower()


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("https://example.org/a", "https://example.org/a"),
        ("HTTP://example.org/", "HTTP://example.org/"),
        ("mailto:someone@example.org", "mailto:someone@example.org"),
        ("/b/c", "https://site.example/b/c"),
        ("javascript:alert(1)", None),
        ("java\nscript:alert(1)", None),
        (" \tJAVASCRIPT:alert(1)", None),
        ("file:///etc/passwd", None),
        ("data:text/html,<b>x</b>", None),
        ("ftp://example.org/file", None),
        ("#section", None),
        ("//evil.example/x", "https://evil.example/x"),
        ("https://[broken", None),
        ("https://example.org/a b", "https://example.org/a%20b"),
        ("https://example.org/\x01x\t", "https://example.org/x"),
        ("", None),
    ],
)
def test_safe_href(href, expected):
    assert safe_href(href, "https://site.example/a/") == expected


def test_relative_links_without_a_base_are_dropped():
    assert safe_href("/b/c") is None
    assert safe_href("b/c") is None


# --- JSON-LD and dates ---------------------------------------------------------


def test_json_ld_metadata(no_network):
    article = import_html(_page("json_ld.html"))
    assert article.title == "Night trains return to the northern line"
    assert article.author == "Amira Haddad, Tomasz Nowak"
    # 23:40 UTC on the 5th is 00:40 on the 6th where the page was published (its own meta tag).
    assert article.date == "2021-12-06"
    assert article.url == "https://rail.example.com/news/night-trains-return"
    assert article.blocks[0].text.startswith("Sleeper services between the capital")
    assert "Rail Weekly" not in article.reading_text


_BODY = (
    "<article>"
    + "".join(
        f"<p>Paragraph {n} of a plain page about nothing much, long enough to be kept as text "
        f"by the extractor, with a few more words to be safe.</p>"
        for n in range(6)
    )
    + "</article>"
)


def _minimal(head: str, body: str = _BODY) -> str:
    head = f"<title>A plain page</title>{head}"
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        ('<meta name="date" content="2019">', _BODY, None),
        ('<meta property="article:published_time" content="2019-11">', _BODY, None),
        ('<meta property="article:published_time" content="0001-01-01T00:00:00Z">', _BODY, None),
        ("", _BODY + "<footer><p>© 2018 A Site</p></footer>", None),
        ('<meta property="article:published_time" content="2020-02-30">', _BODY, None),
        (
            '<meta name="sailthru.date" content="Tue, 19 Nov 2019 10:00:00 -0500">',
            _BODY,
            "2019-11-19",
        ),
        ("", '<time datetime="2018-07-04T12:00:00+02:00">4 July</time>' + _BODY, "2018-07-04"),
        ("", '<p class="dateline">Published 13 January 2023</p>' + _BODY, "2023-01-13"),
    ],
)
def test_dates_are_read_never_guessed(head, body, expected):
    assert import_html(_minimal(head, body)).date == expected


@pytest.mark.parametrize(
    "page",
    [
        "<",
        "<<<>>>",
        "<html>",
        "<p>emoji 😀 and a lone \ud800 surrogate</p>",
        "<p>&#0; &#xD800; &#x1F600; entities</p>",
        "<svg><script>alert(1)</script><text>svg text</text></svg><p>para</p>",
        "<math><mi>x</mi></math><p>after the formula</p>",
        "<table>" * 5000 + "nested tables",
        "<ul><li>" * 3000 + "a deep list",
        "<p>" + "a" * 100_000 + "</p>",
        "plain text without any tags",
    ],
)
def test_odd_pages_give_an_article_or_a_value_error(page):
    try:
        article = import_html(page)
    except ValueError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert article.title and "\n" not in article.title
    for block in article.blocks:
        assert block.text and "\n" not in block.text
        assert not any("\ud800" <= ch <= "\udfff" or ch < " " for ch in block.text)


def test_xhtml_with_an_xml_declaration():
    page = (
        '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        "<head><title>An XHTML page</title></head><body><p>Its only paragraph, a real sentence."
        "</p></body></html>"
    )
    article = import_html(page)
    assert article.title == "An XHTML page"
    assert article.reading_text == "Its only paragraph, a real sentence."


def test_page_without_an_article_shows_all_its_text_with_a_warning():
    page = "<html><body>" + "<div>" * 300 + "Short note" + "</div>" * 300 + "</body></html>"
    article = import_html(page, "/archive/note.html")
    assert article.reading_text == "Short note"
    assert article.title == "note"
    assert any("all of its text" in warning for warning in article.warnings)


def test_read_article_dispatches_html_files(tmp_path):
    from index.importers import read_article

    path = tmp_path / "library story.html"
    path.write_bytes(_page("news_article.html").encode("utf-8"))
    article = read_article(path)
    assert article.source_format == "html"
    assert article.title == "Riverside library reopens after two years of repairs"
    assert article.content_hash and article.source_path.endswith("library story.html")
    lead_figure = "\ufffc\nThe new front steps of the Riverside library.\n"
    assert article.reading_text.startswith(lead_figure + "The Riverside branch library opened")


def test_no_article_text_is_a_value_error():
    with pytest.raises(ValueError, match="no article text found"):
        import_html("<html><head><title>Empty</title></head><body><nav>Home</nav></body></html>")
    with pytest.raises(ValueError):
        import_html("")


def test_script_only_page_is_a_value_error():
    page = "<html><body><script>" + "var x = 'not text';" * 200 + "</script></body></html>"
    with pytest.raises(ValueError):
        import_html(page)


# --- deep nesting ----------------------------------------------------------------


def test_deep_nesting_keeps_the_text_and_warns(no_network):
    depth = 20_000
    page = (
        "<html><head><title>Deep page</title></head><body><article>"
        + "<p>The opening paragraph of a page that nests far too deeply for any parser, "
        "written with enough words to look like an article.</p>"
        + "<div>"
        * depth
        + "<p>The buried paragraph at the bottom of twenty thousand containers, also with "
        "enough words to count as a paragraph of the article.</p>"
        + "</div>"
        * depth
        + "<p>The closing paragraph after all the containers have been closed again, once "
        "more long enough to be kept by the extractor.</p>" + "</article></body></html>"
    )
    started = time.perf_counter()
    article = import_html(page)
    elapsed = time.perf_counter() - started
    text = article.reading_text
    assert "The opening paragraph" in text
    assert "The buried paragraph" in text
    assert "The closing paragraph" in text
    assert any("nested too deeply" in warning for warning in article.warnings)
    print(f"20,000-deep page imported in {elapsed:.2f} s")


def test_flattening_leaves_ordinary_pages_alone():
    page = _page("news_article.html")
    assert flatten_deep_nesting(page) == (page, False)
    deep, changed = flatten_deep_nesting("<div>" * 300 + "x" + "</div>" * 300, limit=100)
    assert changed and deep == "<div>" * 100 + "x" + "</div>" * 100


# --- real pages ----------------------------------------------------------------------


def test_html_news_pages_shingle_f1(html_news_path):
    bench = _benchmark()
    pages = bench.load_corpus(html_news_path)[:10]
    fractions, worst = [], []
    for key, html, truth in pages:
        text = import_html(html).reading_text
        fractions.append(bench.page_fractions(truth, text))
        worst.append((bench.page_f1(truth, text), key))
    scores = bench.summarize(fractions)
    assert scores["f1"] >= 0.9, (scores, sorted(worst)[:3])
    assert min(worst)[0] >= 0.5, sorted(worst)[:3]
