"""Importers on real files: the seed article, the BBC folder, encodings, bad files."""

from __future__ import annotations

import codecs
import os
import socket

import pytest

from index.importers import ImportProblem, read_article, walk
from index.importers.dates import parse_date
from index.importers.decode import decode_bytes


def test_seed_metadata_and_text(seed_path):
    article = read_article(seed_path)
    assert article.title == "Mass unrest continues in Peru following police massacres"
    assert article.author == "Don Knowland"
    assert article.date == "2023-01-13"
    assert article.source_format == "markdown"
    text = article.reading_text
    assert text.startswith("Mass unrest continued in Peru this week")
    assert "Don Knowland" not in text and "13 January 2023" not in text
    assert "*" not in text, "emphasis markers must become styles, not text"
    assert "El Sol" in text


def test_seed_paragraphs_cut_by_page_breaks_are_joined(seed_path):
    text = read_article(seed_path).reading_text
    assert "intensified in 31 provinces of 12 regions in response" in text
    assert "investment—which the economy is heavily reliant on" in text
    paragraphs = text.split("\n")
    assert not any(p.endswith("provinces of") for p in paragraphs)
    assert not any(p.startswith("12 regions") for p in paragraphs)


def test_seed_keeps_emphasis_and_links_as_spans(seed_path):
    article = read_article(seed_path)
    styles = {span.style for block in article.blocks for span in block.spans}
    assert "emphasis" in styles
    links = [s for b in article.blocks for s in b.spans if s.style == "link"]
    assert links and all(s.href.startswith(("http://", "https://")) for s in links)


def test_reading_text_has_one_line_per_block(seed_path):
    article = read_article(seed_path)
    assert article.reading_text.split("\n") == [b.text for b in article.blocks]
    assert all("\n" not in b.text and b.text == b.text.strip() for b in article.blocks)


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("13 January 2023", "2023-01-13"),
        ("January 13, 2023", "2023-01-13"),
        ("2023-01-13", "2023-01-13"),
        ("Fri 13 Jan. 2023", "2023-01-13"),
        ("31 February 2023", None),
        ("Don Knowland", None),
        ("in 2023", None),
    ],
)
def test_dates_in_usual_english_forms(line, iso):
    assert parse_date(line) == iso


def test_bbc_story_has_title_and_no_invented_metadata(bbc_path):
    article = read_article(bbc_path / "business" / "001.txt")
    assert article.title == "Ad sales boost Time Warner profit"
    assert article.author is None and article.date is None
    assert article.reading_text.startswith("Quarterly profits at US media giant TimeWarner")
    assert len(article.blocks) > 3


def test_latin1_pound_sign_decodes(bbc_path):
    article = read_article(bbc_path / "sport" / "199.txt")
    assert "£15.8m" in article.reading_text


def test_every_bbc_file_imports(bbc_path):
    items = list(walk([bbc_path]))
    assert len(items) == 2225
    assert not [i for i in items if i.error]
    for item in items[::50]:
        assert read_article(item.path).reading_text


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (codecs.BOM_UTF8 + "Café – naïve\n\nBody text.".encode(), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + "Café – naïve\n\nBody text.".encode("utf-16-le"), "utf-16"),
        ("Café – naïve\n\nBody text.".encode("utf-16-le"), "utf-16-le"),
        ("Café – naïve\n\nBody text.".encode("cp1252"), "cp1252"),
    ],
)
def test_encodings(tmp_path, encoded, encoding):
    path = tmp_path / "story.txt"
    path.write_bytes(encoded)
    assert decode_bytes(encoded).encoding == encoding
    article = read_article(path)
    assert article.title == "Café – naïve"
    assert article.reading_text == "Body text."


def test_truncated_utf8_is_utf8_with_a_warning_not_mojibake(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes("Señor García\n\nEl niño está aquí ✓".encode()[:-2])
    article = read_article(path)
    assert article.title == "Señor García"
    assert "niño" in article.reading_text
    assert any("invalid UTF-8" in w for w in article.warnings)


def _reason(path) -> str:
    with pytest.raises(ImportProblem) as caught:
        read_article(path)
    reason = str(caught.value)
    assert reason and "\n" not in reason and "Traceback" not in reason
    return reason


def test_bad_files_get_one_line_reasons(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert "empty" in _reason(empty)
    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 64)
    assert "binary" in _reason(binary)
    large = tmp_path / "large.txt"
    with open(large, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    assert "too large" in _reason(large)
    assert "gone" in _reason(tmp_path / "missing.txt")


def test_fifo_and_socket_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert "not a regular file" in _reason(fifo)
    sock_path = tmp_path / "sock.txt"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        reason = _reason(sock_path)
    assert reason


def test_symlink_loop_is_reported_not_followed_forever(tmp_path):
    folder = tmp_path / "articles"
    (folder / "inner").mkdir(parents=True)
    (folder / "inner" / "a.md").write_text("# A\n\nText.\n", encoding="utf-8")
    (folder / "inner" / "loop").symlink_to(folder, target_is_directory=True)
    items = list(walk([folder]))
    files = [i for i in items if not i.error]
    problems = [i for i in items if i.error]
    assert [os.path.basename(i.path) for i in files] == ["a.md"]
    assert any("loop" in p.error for p in problems)


def test_raw_html_in_markdown_stays_text(tmp_path):
    path = tmp_path / "raw.md"
    path.write_text(
        '# Raw\n\nBefore <img src="file:///etc/passwd"> after <b>bold</b>.\n', encoding="utf-8"
    )
    text = read_article(path).reading_text
    assert '<img src="file:///etc/passwd">' in text
    assert "<b>bold</b>" in text


def test_markdown_link_schemes_other_than_web_are_dropped(tmp_path):
    path = tmp_path / "links.md"
    path.write_text(
        "# Links\n\n[web](https://example.org) [script](javascript:alert(1)) [file](file:///etc)\n",
        encoding="utf-8",
    )
    spans = [s for b in read_article(path).blocks for s in b.spans]
    hrefs = [s.href for s in spans if s.href]
    assert hrefs == ["https://example.org"]
    assert "script" in "".join(s.text for s in spans)


def test_control_characters_and_qt_separators_never_reach_the_text(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text("Title\n\nOne\u2029two\u2028three\x0bfour\x00five\ufffcsix\n", encoding="utf-8")
    article = read_article(path)
    assert article.reading_text == "One two three fourfivesix"


@pytest.mark.parametrize(
    "byline",
    [
        "Ines Marlowe · 11 April 2024",
        "11 April 2024 | Ines Marlowe",
        "By Ines Marlowe — April 11, 2024",
    ],
)
def test_a_name_and_a_date_on_one_line_under_the_title_are_the_byline(tmp_path, byline):
    clipping = tmp_path / "harbour.md"
    clipping.write_text(
        f"# The harbour wall\n\n{byline}\n\nThe wall was finished before the winter storms.\n",
        encoding="utf-8",
    )
    article = read_article(str(clipping))
    assert article.author == "Ines Marlowe"
    assert article.date == "2024-04-11"
    assert article.reading_text == "The wall was finished before the winter storms."


def test_a_sentence_with_a_dash_and_a_date_stays_text(tmp_path):
    clipping = tmp_path / "note.md"
    clipping.write_text(
        "# Notes\n\nThe tide rose fast — 11 April 2024\n\nMore text follows.\n", encoding="utf-8"
    )
    article = read_article(str(clipping))
    assert article.author is None
    assert article.reading_text.startswith("The tide rose fast")
