"""Passage digests: every matching passage, grouped, linked back; Markdown, HTML, JSON."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from cli_runner import REPO, gloss

from index.exchange.digest import parse_link
from index.search.engine import QueryError

NEWS = REPO / "tests" / "fixtures" / "html" / "news_article.html"
HOSTILE_NOTE = "<script>alert('x')</script> & <img src=http://example.com/x.png>"


@pytest.fixture
def two(library, seed_path):
    """The seed (2023-01-13) and the news fixture (2023-03-14), news imported first."""
    news = library.import_paths([NEWS]).article_ids[0]
    seed = library.import_paths([seed_path]).article_ids[0]
    return seed, news


def test_groups_by_article_in_date_order_with_links(library, two):
    seed, news = two
    a = library.annotate_quote(news, "reading room", tags=["police"], note="not police")
    b = library.annotate_quote(seed, "Juliaca", color="green", tags=["police"])
    c = library.annotate_quote(seed, "state of emergency", color="blue", tags=["police", "law"])
    library.annotate_quote(seed, "Lake Titicaca")  # not tagged: not in the digest
    digest = library.digest("tag:police")
    assert (digest.total, digest.articles) == (3, 2)
    assert [g.article_id for g in digest.groups] == [seed, news]  # January before March
    assert [e.annotation_id for e in digest.groups[0].entries] == [b.id, c.id]  # text order
    assert [e.annotation_id for e in digest.groups[1].entries] == [a.id]
    first = digest.groups[0].entries[0]
    assert first.link == f"gloss://article/{seed}#{b.start}-{b.end}"
    assert parse_link(first.link) == (seed, b.start, b.end)
    assert parse_link("https://example.com/#1-2") is None
    assert (first.color, first.color_name, first.tags) == ("green", "evidence", ["police"])
    assert digest.groups[1].entries[0].note == "not police"
    assert digest.groups[0].date == "2023-01-13" and digest.groups[0].author == "Don Knowland"


def test_colour_name_and_words_combine(library, two):
    seed, _ = two
    hit = library.annotate_quote(seed, "Juliaca", color="green")
    library.annotate_quote(seed, "Puno", color="green")
    library.annotate_quote(seed, "the Juliaca international airport", color="yellow")
    digest = library.digest("color:evidence juliaca")
    assert [e.annotation_id for g in digest.groups for e in g.entries] == [hit.id]


def test_empty_query_gathers_every_passage(library, two):
    seed, news = two
    library.annotate_quote(seed, "Juliaca")
    library.annotate_quote(news, "reading room")
    digest = library.digest("")
    assert digest.total == 2 and [g.article_id for g in digest.groups] == [seed, news]


def test_every_match_not_only_the_first_page(library, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(27):
        (folder / f"note{n:02}.md").write_text(
            f"# Harbour log {n}\n\nThe ferry number {n} left the harbour at dawn.\n",
            encoding="utf-8",
        )
    ids = library.import_paths([folder]).article_ids
    for article in ids:
        library.annotate_quote(article, "left the harbour", tags=["ferries"])
    assert len(library.search("tag:ferries").hits) == 20
    digest = library.digest("tag:ferries")
    assert digest.total == 27 and digest.articles == 27 and len(digest.groups) == 27


def test_group_by_tag(library, two):
    seed, news = two
    both = library.annotate_quote(seed, "state of emergency", tags=["law", "Police"])
    one = library.annotate_quote(news, "reading room", tags=["police"])
    bare = library.annotate_quote(seed, "Juliaca")
    digest = library.digest("", group_by="tag")
    assert [g.title for g in digest.groups] == ["law", "Police", "(untagged)"]
    assert [e.annotation_id for e in digest.groups[1].entries] == [both.id, one.id]
    assert [e.annotation_id for e in digest.groups[2].entries] == [bare.id]
    assert digest.total == 3  # passages, not group entries


def test_markdown_rendering(library, two):
    seed, _ = two
    library.set_legend("blue", "open question")
    p = library.annotate_quote(seed, "state of emergency", color="blue", note="Since *when*?")
    text = library.digest("emergency").render("markdown")
    assert text.startswith("# Digest: emergency\n")
    assert "## Mass unrest continues in Peru following police massacres" in text
    assert "> state of emergency" in text and "Since \\*when\\*?" in text
    assert "*open question* (blue)" in text
    assert f"(<gloss://article/{seed}#{p.start}-{p.end}>)" in text


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_escaped_and_self_contained(library, two):
    seed, news = two
    library.annotate_quote(seed, "Juliaca", note=HOSTILE_NOTE, tags=["a&b"])
    library.annotate_quote(news, "reading room", tags=["a&b"])
    page = library.digest("tag:a&b").render("html")
    parser = _Tags()
    parser.feed(page)
    names = {tag for tag, _ in parser.tags}
    assert names <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p"} | {
        "section",
        "blockquote",
        "span",
        "a",
    }
    assert "script" not in names and "img" not in names
    for tag, attrs in parser.tags:
        assert "src" not in attrs
        if tag == "a":
            assert attrs["href"].startswith("gloss://article/")
    assert HOSTILE_NOTE in "".join(parser.text)  # shown as text, exactly
    assert "default-src 'none'" in page
    assert "url(" not in page and "@import" not in page


def test_bad_query_raises(library, two):
    with pytest.raises(QueryError):
        library.digest("date:2023-13")


def test_command_line_digest(tmp_path, seed_path):
    folder = tmp_path / "lib"
    gloss(folder, "import", seed_path)
    listed = json.loads(gloss(folder, "list", "--json").stdout)["articles"]
    seed = next(a["id"] for a in listed if a["title"].startswith("Mass unrest"))
    gloss(folder, "annotate", seed, "--quote", "Juliaca", "--tag", "police", "--note", "airport")
    gloss(folder, "annotate", seed, "--quote", "Lake Titicaca", "--tag", "geography")
    data = json.loads(gloss(folder, "digest", "tag:police", "--json").stdout)
    assert data["total"] == 1 and data["groups"][0]["entries"][0]["note"] == "airport"
    assert data["groups"][0]["entries"][0]["link"].startswith(f"gloss://article/{seed}#")
    markdown = gloss(folder, "digest", "--group-by", "tag").stdout
    assert "## geography" in markdown and "## police" in markdown
    out = tmp_path / "digest.html"
    done = gloss(folder, "digest", "tag:police", "--format", "html", "--out", out)
    assert "wrote" in done.stdout and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert gloss(folder, "digest", "date:2023-13", code=1).stderr
