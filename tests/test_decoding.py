"""Files in legacy encodings read as their authors wrote them: declared, then detected.

Every fixture is built here by encoding a story from `world_texts` (written for
these tests) in the encoding under test, then imported through `read_article`,
the Library and the command line as a user would.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from cli_runner import gloss
from world_texts import JAPANESE, RUSSIAN, SAMPLES, Sample, encode

from index.importers import read_article
from index.importers.decode import decode_bytes

# The label a page of that time would carry in its <meta charset>.
LABELS = {
    "cp1251": "windows-1251",
    "koi8-r": "KOI8-R",
    "iso-8859-5": "ISO-8859-5",
    "shift_jis": "Shift_JIS",
    "euc-jp": "EUC-JP",
    "gb2312": "GB2312",
    "gbk": "GBK",
    "gb18030": "GB18030",
    "big5": "Big5",
    "euc-kr": "EUC-KR",
    "iso-8859-7": "ISO-8859-7",
    "cp1253": "windows-1253",
    "iso-8859-2": "ISO-8859-2",
    "cp1250": "windows-1250",
    "iso-8859-9": "ISO-8859-9",
    "cp1254": "windows-1254",
    "iso-8859-8": "ISO-8859-8",
    "cp1255": "windows-1255",
    "iso-8859-6": "ISO-8859-6",
    "cp1256": "windows-1256",
    "iso-8859-4": "ISO-8859-4",
    "iso-8859-13": "ISO-8859-13",
    "cp1257": "windows-1257",
    "cp1258": "windows-1258",
    "iso-8859-1": "ISO-8859-1",
    "cp1252": "windows-1252",
    "iso-8859-15": "ISO-8859-15",
    "iso-8859-16": "ISO-8859-16",
    "iso-8859-3": "ISO-8859-3",
    "iso-8859-10": "ISO-8859-10",
    "iso-8859-14": "ISO-8859-14",
    "iso-8859-11": "TIS-620",
    "cp874": "windows-874",
}
CASES = [
    pytest.param(sample, encoding, id=f"{sample.language.split()[0]}-{encoding}")
    for sample in SAMPLES
    for encoding in sample.encodings
]


def page(sample: Sample, head: str = "") -> str:
    """A saved news page holding the story, with `head` inside its <head>."""
    paragraphs = "".join(f"<p>{p}</p>\n" for p in sample.paragraphs)
    return (
        f"<!DOCTYPE html>\n<html><head>{head}<title>{sample.title}</title></head>\n"
        f'<body><nav><a href="/">Home</a></nav>\n<article><h1>{sample.title}</h1>\n'
        f"{paragraphs}</article></body></html>\n"
    )


def plain(sample: Sample) -> str:
    """The story as a text file: the title line, then paragraphs between blank lines."""
    return sample.title + "\n\n" + "\n\n".join(sample.paragraphs) + "\n"


def reading(sample: Sample) -> str:
    """What the reader must show: the paragraphs, in NFC."""
    return unicodedata.normalize("NFC", sample.body)


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def encoding_warnings(article) -> list[str]:
    return [
        w for w in article.warnings if any(k in w for k in ("encod", "UTF", "read as", "invalid"))
    ]


@pytest.mark.parametrize(("sample", "encoding"), CASES)
def test_a_declared_encoding_is_read_as_declared(tmp_path, sample, encoding):
    head = f'<meta charset="{LABELS[encoding]}">'
    path = write(tmp_path, "page.html", encode(page(sample, head), encoding))
    article = read_article(path)
    assert article.title == unicodedata.normalize("NFC", sample.title)
    assert article.reading_text == reading(sample)
    assert encoding_warnings(article) == []


@pytest.mark.parametrize(("sample", "encoding"), CASES)
def test_an_undeclared_encoding_is_guessed_right_and_said(tmp_path, sample, encoding):
    path = write(tmp_path, "story.txt", encode(plain(sample), encoding))
    article = read_article(path)
    assert article.title == unicodedata.normalize("NFC", sample.title)
    assert article.reading_text == reading(sample)
    [warning] = encoding_warnings(article)
    assert warning.startswith("no encoding declared: read as ")
    assert warning.endswith("(guessed from the bytes)")
    assert "invalid" not in warning


@pytest.mark.parametrize(
    ("sample", "encoding", "named"),
    [
        (RUSSIAN, "cp1251", "windows-1251"),
        (RUSSIAN, "koi8-r", "KOI8-R"),
        (JAPANESE, "shift_jis", "Shift_JIS"),
        (JAPANESE, "euc-jp", "EUC-JP"),
    ],
)
def test_an_undeclared_web_page_is_guessed_from_its_text(tmp_path, sample, encoding, named):
    # A long ASCII head (styles, scripts) before the first letter of the story.
    head = "<style>" + "p { margin: 0 0 1em 0; }\n" * 400 + "</style>"
    path = write(tmp_path, "saved.html", encode(page(sample, head), encoding))
    article = read_article(path)
    assert article.reading_text == reading(sample)
    assert encoding_warnings(article) == [
        f"no encoding declared: read as {named} (guessed from the bytes)"
    ]


@pytest.mark.parametrize(
    ("head", "encoding"),
    [
        ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', "cp1251"),
        ("<META HTTP-EQUIV=content-type CONTENT='text/html;charset=koi8-r'>", "koi8-r"),
        ('<meta name="viewport" content="width=device-width"><meta charset=koi8-r>', "koi8-r"),
    ],
)
def test_meta_http_equiv_and_unquoted_charsets(tmp_path, head, encoding):
    path = write(tmp_path, "page.htm", encode(page(RUSSIAN, head), encoding))
    article = read_article(path)
    assert article.reading_text == reading(RUSSIAN)
    assert "Москвы" in article.title
    assert encoding_warnings(article) == []


def test_a_meta_after_a_long_head_and_a_comment_is_still_found(tmp_path):
    head = (
        "<!-- <meta charset='iso-8859-5'> an old template -->"
        + "<script>var layout = 'wide';</script>\n" * 200
        + '<meta charset="EUC-JP">'
    )
    path = write(tmp_path, "page.html", encode(page(JAPANESE, head), "euc-jp"))
    article = read_article(path)
    assert article.reading_text == reading(JAPANESE)
    assert encoding_warnings(article) == []


def test_the_xml_declaration_of_an_xhtml_page(tmp_path):
    body = page(RUSSIAN).replace("<!DOCTYPE html>\n", "")
    text = '<?xml version="1.0" encoding="KOI8-R"?>\n' + body
    path = write(tmp_path, "page.xhtml", encode(text, "koi8-r"))
    article = read_article(path)
    assert article.reading_text == reading(RUSSIAN)
    assert encoding_warnings(article) == []


def test_markdown_front_matter_names_the_encoding(tmp_path):
    text = (
        f"---\ntitle: {JAPANESE.title}\nsource: https://example.jp/library\n"
        "encoding: shift_jis\n---\n\n" + "\n\n".join(JAPANESE.paragraphs) + "\n"
    )
    path = write(tmp_path, "clip.md", encode(text, "shift_jis"))
    article = read_article(path)
    assert article.title == JAPANESE.title  # from the front matter, which is not text
    assert article.reading_text == reading(JAPANESE)
    assert encoding_warnings(article) == []


def test_shift_jis_pages_read_with_the_windows_characters_they_use(tmp_path):
    # Pages labelled Shift_JIS were written by Windows (cp932): circled numbers, ㈱.
    text = page(JAPANESE).replace("土曜日の朝", "①土曜日の朝、㈱東京書房によると")
    path = write(
        tmp_path, "page.html", text.replace("<head>", '<head><meta charset="sjis">').encode("cp932")
    )
    article = read_article(path)
    assert "①土曜日の朝、㈱東京書房によると" in article.reading_text
    assert encoding_warnings(article) == []


def test_gb18030_beyond_gbk(tmp_path):
    text = page(JAPANESE).replace("土曜日の朝", "土曜日の朝 𠀋 😀")
    path = write(
        tmp_path,
        "page.html",
        encode(text.replace("<head>", '<head><meta charset="gb2312">'), "gb18030"),
    )
    assert "土曜日の朝 𠀋 😀" in read_article(path).reading_text


def test_a_page_resaved_as_utf8_with_its_old_meta_is_utf8(tmp_path):
    text = page(RUSSIAN, '<meta charset="windows-1251">')
    path = write(tmp_path, "page.html", text.encode("utf-8"))
    article = read_article(path)
    assert article.reading_text == reading(RUSSIAN)
    assert encoding_warnings(article) == [
        "its <meta charset> says windows-1251, but the text is UTF-8: read as UTF-8"
    ]


def test_a_page_that_claims_utf8_but_is_not(tmp_path):
    path = write(tmp_path, "page.html", encode(page(RUSSIAN, '<meta charset="utf-8">'), "cp1251"))
    article = read_article(path)
    assert article.reading_text == reading(RUSSIAN)
    assert encoding_warnings(article) == [
        "its <meta charset> says UTF-8, but the text is not: "
        "read as windows-1251 (guessed from the bytes)"
    ]


def test_an_unknown_label_is_said_and_the_bytes_guessed(tmp_path):
    path = write(
        tmp_path, "page.html", encode(page(RUSSIAN, '<meta charset="x-cyrillic-fancy">'), "cp1251")
    )
    article = read_article(path)
    assert article.reading_text == reading(RUSSIAN)
    assert encoding_warnings(article) == [
        "its <meta charset> names an unknown encoding “x-cyrillic-fancy”",
        "no encoding declared: read as windows-1251 (guessed from the bytes)",
    ]


def test_a_declared_encoding_with_damage_says_where(tmp_path):
    data = encode(page(JAPANESE, '<meta charset="EUC-JP">'), "euc-jp")
    cut = data.index("広場".encode("euc-jp"))
    data = data[:cut] + b"\xff" + data[cut:]  # a byte EUC-JP never uses
    article = read_article(write(tmp_path, "page.html", data))
    assert "\ufffd広場" in article.reading_text
    assert "静かに本を読める場所" in article.reading_text
    assert encoding_warnings(article) == [
        f"invalid EUC-JP at byte {cut}: damaged characters shown as \ufffd"
    ]


def test_iso_2022_jp_without_a_declaration(tmp_path):
    path = write(tmp_path, "mail.txt", plain(JAPANESE).encode("iso2022_jp"))
    article = read_article(path)
    assert article.reading_text == reading(JAPANESE)
    assert encoding_warnings(article) == [
        "no encoding declared: read as ISO-2022-JP (guessed from the bytes)"
    ]


@pytest.mark.parametrize("encoding", ["shift_jis", "gb2312", "big5", "euc-kr", "cp1251"])
def test_never_a_misleading_invalid_utf8_warning(encoding):
    sample = next(s for s in SAMPLES if encoding in s.encodings)
    decoded = decode_bytes(encode(plain(sample), encoding))
    assert not any("UTF-8" in w for w in decoded.warnings)
    assert unicodedata.normalize("NFC", decoded.text) == plain(sample)


def test_broken_utf8_is_still_utf8_with_its_warning():
    text = "Señor García\n\n" + "El niño está aquí, en la montaña. " * 20
    data = text.encode()
    data = data[:200] + b"\xff" + data[200:]
    decoded = decode_bytes(data)
    assert decoded.encoding == "utf-8"
    assert decoded.warnings == ["invalid UTF-8 at byte 200: damaged characters shown as \ufffd"]


def test_the_original_is_kept_as_the_file_held_it(tmp_path):
    path = write(tmp_path, "story.txt", encode(plain(RUSSIAN), "cp1251"))
    article = read_article(path)
    assert article.original_text == plain(RUSSIAN)


def test_search_and_annotate_a_windows_1251_page_from_the_command_line(tmp_path):
    """The issue's case: a Russian page declaring windows-1251, and one not declaring it."""
    folder = tmp_path / "saved"
    folder.mkdir()
    write(folder, "declared.html", encode(page(RUSSIAN, '<meta charset="windows-1251">'), "cp1251"))
    other = page(JAPANESE)
    write(folder, "undeclared.html", encode(other, "shift_jis"))
    library = tmp_path / "lib"
    report = json.loads(gloss(library, "import", folder, "--json").stdout)
    assert report["failed"] == []
    assert [w["warning"] for w in report["warnings"]] == [
        "no encoding declared: read as Shift_JIS (guessed from the bytes)"
    ]
    hits = json.loads(gloss(library, "search", "Москвы", "--json").stdout)["hits"]
    assert [h["title"] for h in hits] == [RUSSIAN.title]
    russian = hits[0]["article_id"]
    shown = json.loads(gloss(library, "show", russian, "--json").stdout)
    assert shown["text"] == reading(RUSSIAN)
    assert shown["warnings"] == []
    quote = "открылась городская библиотека"
    made = json.loads(gloss(library, "annotate", russian, "--quote", quote, "--json").stdout)
    [selector] = [s for s in made["target"]["selector"] if s["type"] == "TextQuoteSelector"]
    assert selector["exact"] == quote
    hits = json.loads(gloss(library, "search", "図書館", "--json").stdout)["hits"]
    assert [h["title"] for h in hits] == [JAPANESE.title]
    japanese = hits[0]["article_id"]
    assert gloss(library, "show", japanese).stdout == reading(JAPANESE) + "\n"


@pytest.mark.parametrize(
    ("sample", "encoding", "author"),
    [(JAPANESE, "shift_jis", "山田 花子"), (RUSSIAN, "cp1251", "Анна Смирнова")],
)
def test_an_author_named_in_a_script_without_capitals_is_kept(tmp_path, sample, encoding, author):
    head = f'<meta charset="{LABELS[encoding]}"><meta name="author" content="{author}">'
    path = write(tmp_path, "page.html", encode(page(sample, head), encoding))
    assert read_article(path).author == author


@pytest.mark.parametrize("label", ["utf-7", "base64", "x-none", "../../etc/passwd"])
def test_a_label_that_is_no_document_encoding_is_not_obeyed(tmp_path, label):
    head = f'<meta charset="{label}">'
    path = write(tmp_path, "page.html", page(RUSSIAN, head).encode("utf-8"))
    article = read_article(path)
    assert article.reading_text == reading(RUSSIAN)
    assert encoding_warnings(article) == [
        f"its <meta charset> names an unknown encoding “{label.lower()}”"
    ]


def test_an_english_page_with_windows_quotes_is_windows_1252(tmp_path):
    """Curly quotes, dashes and a soft hyphen, no accented letter: nothing to mistake."""
    text = (
        "The harbour’s last mill\n\n"
        + "It’s the mill’s “last season” — so the miller says… The wa\u00adter wheel turns. " * 30
    )
    path = write(tmp_path, "mill.txt", text.encode("cp1252"))
    article = read_article(path)
    assert article.title == "The harbour’s last mill"
    assert "It’s the mill’s “last season” — so the miller says…" in article.reading_text
    assert encoding_warnings(article) == [
        "no encoding declared: read as windows-1252 (guessed from the bytes)"
    ]
