"""Moving in: web archives (WARC, WARC.GZ, WACZ) and single-file pages (MHTML, SingleFile).

Files are made with the tools' own library (warcio) or by the published format (WACZ,
MHTML via the `email` package, SingleFile's comment), then imported through the real
Library into a library in tmp_path.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import movein_files as files
import pytest

from index.importers.detect import kind_of, sniff


def _by_url(library) -> dict[str, object]:
    return {a.url: a for a in (library.get_article(s.id) for s in library.list_articles()) if a.url}


def _resources(tmp_path: Path, path: Path):
    """The articles (with their collected resources) a file reads into, before storing."""
    from index.importers.sources import stream_source

    kind = sniff(str(path))
    return [i for i in stream_source(str(path), kind) if i.article is not None]


@pytest.mark.parametrize("gzip", [True, False])
def test_warc_pages_become_articles_with_capture_date_metadata_and_images(library, tmp_path, gzip):
    warc = files.write_warc(tmp_path / ("crawl.warc.gz" if gzip else "crawl.warc"), gzip=gzip)
    assert sniff(str(warc)) == "warc"
    report = library.import_paths([warc])
    assert (report.imported, report.failed) == (2, [])
    articles = _by_url(library)
    lighthouse = articles["https://coast.example/lighthouse"]
    assert lighthouse.title == "The Keeper of the Northern Light"
    assert lighthouse.author == "Mara Quill"
    assert lighthouse.date == "2021-03-04"  # the page's own date
    # the newest capture wins: the revisit of 2024, carrying the 2023 record's content
    assert lighthouse.saved_at == "2024-02-02T09:30:00Z"
    assert lighthouse.source_format == "warc"
    assert "paraffin in the lamp room" in lighthouse.reading_text
    assert "Copyright the Coast Gazette" not in lighthouse.reading_text
    orchard = articles["https://coast.example/orchard"]
    assert (orchard.author, orchard.date, orchard.saved_at) == (
        "Ivo Brand",
        "2022-09-10",
        "2023-05-01T10:00:03Z",
    )
    statuses = {(i["item"], i["status"]) for i in report.items}
    assert ("https://coast.example/old-orchard", "skipped") in statuses  # the redirect
    assert ("https://coast.example/lighthouse", "duplicate") in statuses  # the older capture
    redirect = next(i for i in report.items if i["item"].endswith("old-orchard"))
    assert redirect["reason"] == "a redirect to https://coast.example/orchard"
    left_out = next(i for i in report.items if i["item"] == i["source"])
    assert "1 request" in left_out["reason"] and "1 text/css" in left_out["reason"]
    # the image the page shows was captured: collected with its bytes, type and address
    pages = {i.article.url: i.article for i in _resources(tmp_path, warc)}
    [image] = pages["https://coast.example/lighthouse"].resources
    assert (image.url, image.mime, image.data) == (
        "https://coast.example/img/lamp.png",
        "image/png",
        files.PNG,
    )
    assert pages["https://coast.example/orchard"].resources == []


def test_importing_the_same_archive_again_adds_nothing(library, tmp_path):
    warc = files.write_warc(tmp_path / "crawl.warc.gz")
    library.import_paths([warc])
    again = library.import_paths([warc])
    assert again.imported == 0 and again.updated == 0
    assert len(library.list_articles()) == 2


def test_wacz_reads_its_warc_and_keeps_only_listed_pages(library, tmp_path):
    warc = files.write_warc(tmp_path / "data.warc.gz")
    wacz = files.write_wacz(tmp_path / "site.wacz", warc)
    warc.unlink()
    assert sniff(str(wacz)) == "wacz"
    report = library.import_paths([wacz])
    assert report.imported == 2 and not report.failed
    articles = _by_url(library)
    assert articles["https://coast.example/lighthouse"].saved_at == "2024-02-02T09:30:00Z"
    [image] = _resources(tmp_path, wacz)[0].article.resources
    assert image.data == files.PNG


def test_a_wacz_page_index_leaves_out_what_it_does_not_list(library, tmp_path):
    warc = files.write_warc(tmp_path / "data.warc.gz")
    wacz = files.write_wacz(tmp_path / "site.wacz", warc, only_lighthouse=True)
    report = library.import_paths([wacz])
    assert report.imported == 1
    [left_out] = [i for i in report.items if i["item"] == "https://coast.example/orchard"]
    assert left_out["status"] == "skipped" and "not one of its pages" in left_out["reason"]


def test_a_damaged_archive_reports_why_and_keeps_what_it_read(library, tmp_path):
    plain = files.write_warc(tmp_path / "crawl.warc", gzip=False)
    data = plain.read_bytes()
    plain.write_bytes(data[: data.index(b"coast.example/orchard") + 300])  # cut mid-record
    packed = files.write_warc(tmp_path / "crawl.warc.gz")
    packed.write_bytes(packed.read_bytes()[: int(packed.stat().st_size * 0.7)])
    report = library.import_paths([packed])
    assert report.failed and "damaged" in report.failed[0].error
    report = library.import_paths([plain])
    assert report.failed and "damaged" in report.failed[0].error
    assert "https://coast.example/lighthouse" in _by_url(library)


def test_mhtml_saved_as_chrome_does(library, tmp_path):
    page = files.write_mhtml(tmp_path / "keeper.mhtml")
    assert kind_of(page.read_bytes()) == "mhtml"
    report = library.import_paths([page])
    assert report.imported == 1, report.to_json()
    article = library.get_article(report.article_ids[0])
    assert article.title == "The Keeper of the Northern Light"
    assert (article.url, article.author, article.date) == (
        "https://coast.example/lighthouse",
        "Mara Quill",
        "2021-03-04",
    )
    assert article.saved_at == "2025-01-14T10:00:00Z"
    assert article.source_format == "mhtml"
    assert "From: <Saved by Blink>" not in article.reading_text
    from index.importers.sources import read_source

    [image] = read_source(page).resources
    assert (image.url, image.mime, image.data) == (
        "https://coast.example/img/lamp.png",
        "image/png",
        files.PNG,
    )


def test_mhtml_is_told_from_its_content_not_its_name(library, tmp_path):
    page = files.write_mhtml(tmp_path / "saved-page.txt")
    report = library.import_paths([page])
    article = library.get_article(report.article_ids[0])
    assert article.source_format == "mhtml" and article.url == "https://coast.example/lighthouse"


def test_singlefile_page_with_its_inline_image(library, tmp_path):
    page = files.write_singlefile(tmp_path / "orchard.html")
    report = library.import_paths([page])
    article = library.get_article(report.article_ids[0])
    assert (article.title, article.url, article.author) == (
        "Saving the Hill Orchard",
        "https://coast.example/orchard",
        "Ivo Brand",
    )
    assert article.saved_at == "2024-01-18T09:00:00Z"
    assert "Page saved with SingleFile" not in article.reading_text
    from index.importers.sources import read_source

    [image] = read_source(page).resources
    assert image.url.startswith("data:image/png;sha256=")  # as the page's figure names it
    assert (image.mime, image.data) == ("image/png", files.PNG)


def test_an_archive_in_a_folder_is_found_by_its_content(library, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    files.write_warc(folder / "crawl-without-extension")  # no name to go by: not walked
    files.write_warc(folder / "crawl.warc.gz")
    (folder / "notes.json").write_text('{"not": "an export"}')  # not ours: left alone
    (folder / "logs.gz").write_bytes(gzip.compress(b"a log, not an archive"))  # left alone
    report = library.import_paths([folder])
    assert report.imported == 2 and not report.failed
    named = library.import_paths([folder / "crawl-without-extension"])  # named: its content
    assert named.duplicates >= 2 and not named.failed


def test_archived_pages_read_as_nfc_like_every_file(library, tmp_path):
    from warcio.warcwriter import WARCWriter

    page = files.article_html(
        "The Cafe\u0301 on the Quay",
        [p.replace("keeper", "cafe\u0301 owner") for p in files.LIGHTHOUSE],
    ).encode()
    path = tmp_path / "nfd.warc.gz"
    with open(path, "wb") as out:
        files.write_response(
            WARCWriter(out, gzip=True),
            "https://coast.example/cafe",
            page,
            "text/html; charset=utf-8",
            "2023-05-01T10:00:00Z",
        )
    article = library.get_article(library.import_paths([path]).article_ids[0])
    assert "café owner" in article.reading_text and "\u0301" not in article.reading_text
    assert article.title == "The Café on the Quay"
