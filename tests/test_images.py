"""Images, safely, offline (issue 12 item 4, issue 16's images): the pictures an article
carries are kept in the library, checked by their bytes; nothing else is read or fetched.

Every image is made here (tests/image_files.py); archives come from tests/movein_files.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import image_files as pictures
import movein_files as files
import pytest
from cli_runner import gloss

from index.store.images import MAX_PIXELS, ImageProblem, check_image, image_path

CLIPPING = """---
title: The Harbour Ledger
source: https://harbour.example/ledger
---

The harbour master wrote each ship into the ledger as it came past the breakwater.

![The ledger, open](assets/ledger.png)
The ledger at the first week of March.

The tide tables were pinned to the wall beside the window of the office.
"""


def _figures(library, article_id: int) -> list:
    return [b for b in library.get_article(article_id).blocks if b.kind == "figure"]


def _stored(library, name: str) -> bytes:
    path = library.image_file(name)
    assert path is not None and path.is_file()
    assert path.is_relative_to(library.path / "images")
    return path.read_bytes()


def test_a_clippings_image_is_kept_in_the_library_and_show_json_names_it(
    library, tmp_path, no_network
):
    folder = tmp_path / "clips"
    (folder / "assets").mkdir(parents=True)
    picture = pictures.png(40, 30)
    (folder / "assets" / "ledger.png").write_bytes(picture)
    (folder / "ledger.md").write_text(CLIPPING, encoding="utf-8")
    report = library.import_paths([folder])
    assert report.imported == 1 and report.warnings == []
    [figure] = _figures(library, report.article_ids[0])
    assert figure.src == "assets/ledger.png"
    assert figure.image is not None and figure.image.endswith(".png")
    assert _stored(library, figure.image) == picture
    # content-addressed: its name is the SHA-256 of its bytes, in a folder of its first two
    assert library.image_file(figure.image).parent.name == figure.image[:2]
    out = gloss(library.path, "show", str(report.article_ids[0]), "--json")
    [shown] = [b for b in json.loads(out.stdout)["blocks"] if b["kind"] == "figure"]
    assert shown["image"] == figure.image
    assert shown["caption"] == [{"text": "The ledger at the first week of March."}]


def test_an_obsidian_embed_is_a_figure_drawn_from_the_attachments_folder(
    library, tmp_path, no_network
):
    folder = tmp_path / "vault"
    (folder / "attachments").mkdir(parents=True)
    picture = pictures.png(32, 20, (200, 120, 40))
    (folder / "attachments" / "quay at dawn.png").write_bytes(picture)
    note = (
        "# The Quay\n\nThe boats left the quay before the light came up over the hill.\n\n"
        "![[quay at dawn.png|400]]\nThe quay at dawn.\n\n"
        "Inline mentions like ![[quay at dawn.png]] in a sentence stay words.\n\n"
        "```\n![[not an embed.png]]\n```\n"
    )
    (folder / "quay.md").write_text(note, encoding="utf-8")
    report = library.import_paths([folder / "quay.md"])
    assert report.imported == 1 and report.warnings == []
    [figure] = _figures(library, report.article_ids[0])
    assert figure.src == "quay at dawn.png" and figure.alt == ""  # "400" is a width
    assert figure.text.endswith("\nThe quay at dawn.")  # the picture, then its caption
    assert _stored(library, figure.image) == picture
    text = library.get_article(report.article_ids[0]).reading_text
    assert "![[not an embed.png]]" in text and "stay words" in text


def test_a_singlefile_pages_data_uri_image_is_kept(library, tmp_path, no_network):
    page = files.write_singlefile(tmp_path / "orchard.html")
    report = library.import_paths([page])
    [figure] = _figures(library, report.article_ids[0])
    assert figure.src.startswith("data:image/png;sha256=")
    assert _stored(library, figure.image) == files.PNG


def test_a_page_saved_complete_brings_its_files_folder(library, tmp_path, no_network):
    folder = tmp_path / "saved"
    (folder / "Harbour Ledger_files").mkdir(parents=True)
    picture = pictures.png(24, 24, (30, 90, 160))
    (folder / "Harbour Ledger_files" / "ledger.png").write_bytes(picture)
    html = files.article_html(
        "The Harbour Ledger",
        files.LIGHTHOUSE,
        images=["Harbour%20Ledger_files/ledger.png"],
    )
    (folder / "Harbour Ledger.html").write_text(html, encoding="utf-8")
    # a clipping beside it showing the same picture from that folder
    (folder / "Harbour Ledger.md").write_text(
        "# Notes on the ledger\n\nThe ledger was kept in the office by the quay.\n\n"
        "![The ledger](<Harbour Ledger_files/ledger.png>)\n",
        encoding="utf-8",
    )
    report = library.import_paths([folder])
    assert report.imported == 2
    for article_id in report.article_ids:
        [figure] = _figures(library, article_id)
        assert _stored(library, figure.image) == picture


def test_warc_mhtml_and_wacz_images_are_drawn_from_the_archive(library, tmp_path, no_network):
    warc = files.write_warc(tmp_path / "crawl.warc.gz")
    mhtml = files.write_mhtml(tmp_path / "page.mhtml")
    report = library.import_paths([warc, mhtml], keep_near_duplicates=True)
    by_url = {}
    for article_id in report.article_ids:
        article = library.get_article(article_id)
        by_url.setdefault(article.url, []).append(article_id)
    kept = [
        f.image
        for ids in by_url.values()
        for article_id in ids
        for f in _figures(library, article_id)
        if f.image
    ]
    # the WARC's lighthouse page and the MHTML page each show their captured picture
    assert len(kept) >= 2
    assert all(_stored(library, name) == files.PNG for name in kept)


def test_hostile_images_are_warnings_and_nothing_outside_is_read(library, tmp_path, no_network):
    folder = tmp_path / "hostile"
    (folder / "assets").mkdir(parents=True)
    (folder / "assets" / "bomb.png").write_bytes(pictures.bomb_png())
    (folder / "assets" / "cut.jpg").write_bytes(pictures.truncated_jpeg())
    (folder / "assets" / "evil.svg").write_bytes(pictures.SCRIPTED_SVG)
    (folder / "assets" / "passwd.png").symlink_to("/etc/passwd")
    (folder / "assets" / "fine.png").write_bytes(pictures.png(10, 10))
    (folder / "hostile.md").write_text(
        "# A hostile clipping\n\nThe words of this clipping are all that should be kept here.\n\n"
        "![bomb](assets/bomb.png)\n\n![cut](assets/cut.jpg)\n\n![svg](assets/evil.svg)\n\n"
        "![link](assets/passwd.png)\n\n![up](../../../../../../etc/passwd)\n\n"
        "![web](http://tracker.invalid/pixel.png)\n\n![fine](assets/fine.png)\n",
        encoding="utf-8",
    )
    (folder / "page.html").write_text(
        files.article_html(
            "A hostile page",
            files.ORCHARD,
            images=["file:///etc/passwd", "http://tracker.invalid/a.png", "/etc/passwd"],
        ),
        encoding="utf-8",
    )
    report = library.import_paths([folder])
    assert report.imported == 2 and report.failed == []
    warnings = {w.path.rsplit("/", 1)[-1]: [] for w in report.warnings}
    for w in report.warnings:
        warnings[w.path.rsplit("/", 1)[-1]].append(w.error)
    clip = "\n".join(warnings["hostile.md"])
    assert "bomb.png: it declares 50,000 × 50,000 pixels" in clip
    assert "cut.jpg: the file is cut short" in clip
    assert "evil.svg: an SVG image is not kept" in clip
    assert "only on the web, not fetched: http://tracker.invalid/pixel.png" in clip
    assert "not in the article's folder, not read" in clip and "passwd" in clip
    page = "\n".join(warnings["page.html"])
    assert "file:///etc/passwd" in page and "http://tracker.invalid/a.png" in page
    assert all("\n" not in w.error for w in report.warnings)  # each one line
    ids = {library.get_article(i).title: i for i in report.article_ids}
    kept = [f for f in _figures(library, ids["A hostile clipping"]) if f.image]
    assert [f.alt for f in kept] == ["fine"]
    assert [f.image for f in _figures(library, ids["A hostile page"])] == [None, None, None]
    # nothing of /etc/passwd in the library, in any file
    secret = Path("/etc/passwd").read_bytes()[:40]
    for path in library.path.rglob("*"):
        if path.is_file() and path.stat().st_size < 50_000_000:
            assert secret not in path.read_bytes(), path


def test_header_checks_refuse_before_any_decoding():
    assert check_image(pictures.png(3, 2)).width == 3
    with pytest.raises(ImageProblem, match="50,000 × 50,000"):
        check_image(pictures.bomb_png())
    side = int(MAX_PIXELS**0.5) + 1
    with pytest.raises(ImageProblem, match="pixels"):
        check_image(pictures.bomb_png(side))
    with pytest.raises(ImageProblem, match="cut short"):
        check_image(pictures.png(8, 8)[:-20])
    with pytest.raises(ImageProblem, match="not an image"):
        check_image(b"PK\x03\x04 a zip, named .png")
    # a name that is not a stored image's never becomes a path
    for name in ("../../etc/passwd", "/etc/passwd", "x.png", "a" * 64 + ".svg"):
        assert image_path(Path("/lib"), name) is None


def test_a_backup_carries_the_images_and_a_restore_brings_them_back(library, tmp_path):
    folder = tmp_path / "clips"
    (folder / "assets").mkdir(parents=True)
    picture = pictures.png(16, 12)
    (folder / "assets" / "ledger.png").write_bytes(picture)
    (folder / "ledger.md").write_text(CLIPPING, encoding="utf-8")
    article_id = library.import_paths([folder]).article_ids[0]
    [figure] = _figures(library, article_id)
    info = library.backup()
    kept = image_path(info.path.parent, figure.image)
    assert kept is not None and kept.read_bytes() == picture
    # the images folder lost (a bad sync, a hand clean-up): the restore brings it back
    library.image_file(figure.image).unlink()
    result = library.restore_database(info.path)
    assert "images_missing" not in result
    [figure] = _figures(library, article_id)
    assert _stored(library, figure.image) == picture


def test_old_articles_gain_their_images_when_read_again(library, tmp_path):
    folder = tmp_path / "clips"
    (folder / "assets").mkdir(parents=True)
    picture = pictures.png(12, 12)
    (folder / "assets" / "ledger.png").write_bytes(picture)
    (folder / "ledger.md").write_text(CLIPPING, encoding="utf-8")
    page = files.write_singlefile(tmp_path / "orchard.html")
    ids = library.import_paths([folder, page]).article_ids
    with library.store.write() as conn:  # as an importer before images left them
        conn.execute(
            "UPDATE articles SET parser = 2, blocks = replace(blocks, ?, 'null')",
            ('"' + _figures(library, ids[0])[0].image + '"',),
        )
        conn.execute("DELETE FROM article_images")
    assert _figures(library, ids[0])[0].image is None
    report = library.reread_articles()
    assert report.read == 2
    assert _stored(library, _figures(library, ids[0])[0].image) == picture
    assert _stored(library, _figures(library, ids[1])[0].image) == files.PNG


def test_a_markdown_export_shows_the_images_its_passages_cover_and_carries_them(library, tmp_path):
    folder = tmp_path / "clips"
    (folder / "assets").mkdir(parents=True)
    picture = pictures.png(20, 20)
    (folder / "assets" / "ledger.png").write_bytes(picture)
    (folder / "ledger.md").write_text(CLIPPING, encoding="utf-8")
    article_id = library.import_paths([folder]).article_ids[0]
    text = library.get_article(article_id).reading_text
    start = text.index("breakwater")
    end = text.index("first week of March") + len("first week of March")
    library.annotate(article_id, start, end, note="the ledger itself")
    [figure] = _figures(library, article_id)
    out = tmp_path / "export" / "passages.md"
    out.parent.mkdir()
    gloss(library.path, "export", "--format", "markdown", "--out", str(out))
    written = out.read_text(encoding="utf-8")
    assert f"> ![The ledger, open](images/{figure.image})" in written
    assert "\ufffc" not in written
    assert (out.parent / "images" / figure.image).read_bytes() == picture
