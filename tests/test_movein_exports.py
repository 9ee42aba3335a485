"""Moving in: clippings with front matter and read-later exports (wallabag, Omnivore,
Pocket, Instapaper), in the shapes those tools document, imported through the Library."""

from __future__ import annotations

import json
import zipfile

import movein_files as files
import pytest

OBSIDIAN = """---
title: "The Keeper of the Northern Light"
source: "https://coast.example/lighthouse"
author:
  - "[[Mara Quill]]"
  - "[[Tom Reed]]"
published: 2021-03-04
created: 2024-02-01
description: "A keeper remembers."
tags:
  - "clippings"
  - "coast"
---
The keeper of the northern light climbed the iron stairs every evening at dusk.

![the lamp](assets/lamp.png)

Ships passing the headland still looked for the beam long after radio beacons were common.
"""

MARKDOWNLOAD = """---
created: 2024-02-01T10:15:00 (UTC +01:00)
tags: [orchards, village life]
source: https://coast.example/orchard
author: Ivo Brand
---

# Saving the Hill Orchard

> ## Excerpt
> Volunteers keep rare apples alive.

---
The old orchard on the hill had been planted by the first families who farmed the valley.

Each spring the blossom drew bees from miles around and the hives were moved up the slope.
"""


def test_obsidian_clipping_front_matter_becomes_metadata_and_tags(library, tmp_path):
    (tmp_path / "clips" / "assets").mkdir(parents=True)
    (tmp_path / "clips" / "assets" / "lamp.png").write_bytes(files.PNG)
    (tmp_path / "secret.png").write_bytes(files.PNG)
    clip = tmp_path / "clips" / "keeper.md"
    clip.write_text(OBSIDIAN + "\n![outside](../secret.png)\n", encoding="utf-8")
    report = library.import_paths([clip])
    article = library.get_article(report.article_ids[0])
    assert article.title == "The Keeper of the Northern Light"
    assert article.url == "https://coast.example/lighthouse"
    assert article.author == "Mara Quill, Tom Reed"
    assert article.date == "2021-03-04"
    assert article.saved_at == "2024-02-01"
    assert library.article_tags(article.id) == ["clippings", "coast"]
    assert "---" not in article.reading_text and "source:" not in article.reading_text
    assert article.reading_text.startswith("The keeper of the northern light")
    from index.importers.sources import read_source

    [image] = read_source(clip).resources  # beside the clipping; ../secret.png is not read
    assert (image.url, image.mime, image.data) == ("assets/lamp.png", "image/png", files.PNG)


def test_markdownload_clipping(library, tmp_path):
    clip = tmp_path / "Saving the Hill Orchard.md"
    clip.write_text(MARKDOWNLOAD, encoding="utf-8")
    article = library.get_article(library.import_paths([clip]).article_ids[0])
    assert (article.title, article.author, article.url) == (
        "Saving the Hill Orchard",
        "Ivo Brand",
        "https://coast.example/orchard",
    )
    assert article.saved_at == "2024-02-01T10:15:00"
    assert library.article_tags(article.id) == ["orchards", "village life"]
    assert "created:" not in article.reading_text


def test_front_matter_that_is_not_yaml_is_left_out_with_a_warning(library, tmp_path):
    clip = tmp_path / "broken.md"
    clip.write_text("---\ntitle: [unclosed\n---\nThe body is kept as it is.\n", encoding="utf-8")
    report = library.import_paths([clip])
    article = library.get_article(report.article_ids[0])
    assert article.reading_text == "The body is kept as it is."
    assert any("front matter could not be read" in w.error for w in report.warnings)


def test_yaml_tags_cannot_construct_objects(library, tmp_path):
    clip = tmp_path / "hostile.md"
    clip.write_text(
        "---\ntitle: !!python/object/apply:os.system ['echo owned']\n---\nText.\n",
        encoding="utf-8",
    )
    report = library.import_paths([clip])
    article = library.get_article(report.article_ids[0])
    assert article.reading_text == "Text."
    assert "owned" not in article.title


@pytest.fixture
def wallabag_file(tmp_path):
    path = tmp_path / "wallabag-export.json"
    path.write_text(json.dumps(files.wallabag_export(), indent=1), encoding="utf-8")
    return path


def test_wallabag_export_articles_tags_and_highlights(library, wallabag_file):
    report = library.import_paths([wallabag_file])
    assert (report.imported, report.failed) == (2, [])
    by_title = {a.title: a for a in library.list_articles()}
    keeper = library.get_article(by_title["The Keeper of the Northern Light"].id)
    assert (keeper.url, keeper.author, keeper.date) == (
        "https://coast.example/lighthouse",
        "Mara Quill",
        "2021-03-04",
    )
    assert keeper.saved_at == "2023-06-01T10:00:00Z"  # +0200 in the export
    assert library.article_tags(keeper.id) == ["coast", "history"]
    orchard = by_title["Saving the Hill Orchard"]
    assert library.article_tags(orchard.id) == ["food"]  # tags as {"label": …} objects
    passages = library.annotations(article_id=keeper.id)
    placed = [p for p in passages if not p.orphaned]
    [found] = placed
    assert found.exact == "broke three of the lower windows"
    assert keeper.reading_text[found.start : found.end] == found.exact
    assert found.note == "check the year"
    [orphan] = [p for p in passages if p.orphaned]
    assert orphan.exact == "words that the article never had"
    assert report.passages["placed"] == 1 and report.passages["orphaned"] == 1
    [unplaced] = report.passages["unplaced"]
    assert "not in the article's text" in unplaced["reason"]
    again = library.import_paths([wallabag_file])
    assert again.imported == 0 and again.passages["placed"] == 0
    assert len(library.annotations(article_id=keeper.id)) == 2


def test_wallabag_ranges_choose_between_two_occurrences(library, tmp_path):
    export = files.wallabag_export()[:1]
    twice = (
        "<p>On Monday the lamp was lit at dusk by the keeper himself.</p>"
        "<p>Nothing else happened that week on the headland.</p>"
        "<p>On Friday the lamp was lit at dusk by his daughter instead.</p>"
    )
    export[0]["content"] = twice + export[0]["content"]
    export[0]["annotations"] = [
        {
            "id": 1,
            "text": "the second one",
            "quote": "the lamp was lit at dusk",
            "ranges": [{"start": "/p[3]", "startOffset": 10, "end": "/p[3]", "endOffset": 34}],
        }
    ]
    path = tmp_path / "wallabag.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    article_id = library.import_paths([path]).article_ids[0]
    text = library.get_article(article_id).reading_text
    [passage] = library.annotations(article_id=article_id)
    assert passage.start == text.index("the lamp was lit at dusk", text.index("Friday"))


@pytest.mark.parametrize("packed", [True, False])
def test_omnivore_export_zip_or_folder(library, tmp_path, packed):
    if packed:
        export = files.write_omnivore_zip(tmp_path / "omnivore-export.zip")
    else:
        export = files.write_omnivore_folder(tmp_path / "omnivore-export")
    report = library.import_paths([export])
    assert (report.imported, report.links, report.failed) == (1, 1, [])
    [summary] = library.list_articles()
    article = library.get_article(summary.id)
    assert (article.title, article.author, article.date) == (
        "The Keeper of the Northern Light",
        "Mara Quill",
        "2021-03-04",
    )
    assert article.saved_at == "2024-03-05T10:00:00Z"
    assert library.article_tags(article.id) == ["coast", "to cite"]
    passages = {p.exact: p for p in library.annotations(article_id=article.id)}
    ships = passages["Ships passing the headland still looked for the beam"]
    assert (ships.note, sorted(ships.tags), ships.orphaned) == (
        "Compare with the harbour log.",
        ["radio", "ships"],
        False,
    )
    assert not passages["the smell of paraffin in the lamp room"].orphaned
    assert passages["a sentence that is not in this article at all"].orphaned
    [link] = library.unsaved_links()
    assert (link["url"], link["title"]) == ("https://elsewhere.example/never", "A page never read")


def test_pocket_html_and_csv_and_instapaper_csv_are_links_never_fetched(library, tmp_path):
    pocket_html = tmp_path / "ril_export.html"
    pocket_html.write_text(
        "<!DOCTYPE html><html><head><title>Pocket Export</title></head><body>"
        "<h1>Unread</h1><ul><li><a href='https://a.example/one' time_added='1688628695'"
        " tags='coast,later'>One to read</a></li></ul>"
        "<h1>Read Archive</h1><ul><li><a href='https://a.example/two' time_added='1600000000'"
        " tags=''>Two, read</a></li></ul></body></html>",
        encoding="utf-8",
    )
    pocket_csv = tmp_path / "part_000000.csv"
    pocket_csv.write_text(
        "title,url,time_added,tags,status\n"
        "Three,https://a.example/three,1700000000,news|long read,unread\n",
        encoding="utf-8",
    )
    instapaper = tmp_path / "instapaper-export.csv"
    instapaper.write_text(
        "URL,Title,Selection,Folder,Timestamp,Tags\n"
        'https://a.example/four,Four,,Starred,1700000002,"[""social""]"\n',
        encoding="utf-8",
    )
    report = library.import_paths([pocket_html, pocket_csv, instapaper])
    assert (report.imported, report.links, report.failed) == (0, 4, [])
    assert library.list_articles() == []
    links = {link["url"]: link for link in library.unsaved_links()}
    assert links["https://a.example/one"]["tags"] == ["coast", "later"]
    assert links["https://a.example/one"]["state"] == "unread"
    assert links["https://a.example/one"]["added"] == "2023-07-06T07:31:35Z"
    assert links["https://a.example/two"]["state"] == "archive"
    assert links["https://a.example/three"]["tags"] == ["news", "long read"]
    assert (links["https://a.example/four"]["tags"], links["https://a.example/four"]["state"]) == (
        ["social"],
        "starred",
    )
    assert {i["status"] for i in report.items} == {"link"}


def test_a_link_already_read_into_the_library_is_not_listed_again(library, tmp_path):
    export = files.write_omnivore_zip(tmp_path / "omnivore.zip")
    library.import_paths([export])
    csv = tmp_path / "pocket.csv"
    csv.write_text(
        "title,url,time_added,tags,status\nK,https://coast.example/lighthouse,1700000000,,unread\n"
    )
    report = library.import_paths([csv])
    assert report.links == 0 and report.items[0]["status"] == "duplicate"


def test_one_page_saved_by_two_tools_is_known_by_its_address_however_written(library, tmp_path):
    clip = tmp_path / "keeper.md"
    clip.write_text(OBSIDIAN, encoding="utf-8")  # source: https://coast.example/lighthouse
    library.import_paths([clip])
    csv = tmp_path / "pocket.csv"
    csv.write_text(
        "title,url,time_added,tags,status\n"
        "K,http://www.coast.example/lighthouse/?utm_source=feed&utm_medium=rss#top,"
        "1700000000,,unread\n"
    )
    report = library.import_paths([csv])
    assert report.links == 0 and report.items[0]["status"] == "duplicate"
    other = tmp_path / "other.md"
    other.write_text(
        "---\nsource: https://coast.example/lighthouse?fbclid=abc\n---\n\n"
        "# Another copy\n\nThe keeper climbed the iron stairs each night, another tool said.\n",
        encoding="utf-8",
    )
    again = library.import_paths([other])
    assert again.imported == 1
    assert "has the same address (saved twice?)" in again.items[0]["reason"]


def test_a_zip_that_is_no_export_is_refused_with_a_reason(library, tmp_path):
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "hello")
    report = library.import_paths([path])
    assert report.imported == 0 and len(report.failed) == 1


def test_read_again_from_their_originals_clippings_and_pages_stay_clean(library, tmp_path):
    """When the importers grow, articles are read again from their stored originals
    (index/store/reread.py): a clipping's front matter and an archived page's markup
    must not come back as text."""
    from index.importers import PARSER_VERSIONS, parse_again

    clip = tmp_path / "keeper.md"
    clip.write_text(OBSIDIAN, encoding="utf-8")
    export = tmp_path / "wallabag.json"
    export.write_text(json.dumps(files.wallabag_export()), encoding="utf-8")
    ids = library.import_paths([clip, export]).article_ids
    for article_id in ids:
        article = library.get_article(article_id)
        assert PARSER_VERSIONS[article.source_format] == PARSER_VERSIONS["html"] or (
            article.source_format == "markdown"
        )
        again = parse_again(library.original_text(article_id), article.source_format)
        assert again.reading_text == article.reading_text
