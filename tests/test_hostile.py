"""Hostile input: files a user (or a web page they saved) throws at the importer.

One folder holds every kind at once and goes through the real command line
(`gloss import DIR --json`, in a child process with a timeout, so that a FIFO
that blocks would fail the test instead of hanging it). Each file's outcome is
then checked: imported as text with a warning, or refused with a one-line
reason, and the library stays whole. `python tests/test_hostile.py` prints the
outcome table.

The active-content fixtures (tests/fixtures/hostile/) were written for these tests.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import socket
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from index.importers import MAX_FILE_BYTES
from index.library import Library

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "hostile"
PROSE = (
    "The harbour wall was rebuilt every spring with stones carried up from the beach, "
    "and every winter the storms took part of it back. "
)
# What must never come out of active.html (raw HTML in Markdown is kept as visible text).
MARKERS = (
    *("SCRIPTTEXT", "ONLOADTEXT", "CLICKTEXT", "JSLINK", "IMGTEXT", "SVGSCRIPT"),
    *("tracker.invalid", "javascript:", "file:", "data:"),
)
WORDS = ["harbour", "ledger", "lantern", "orchard", "sluice", "barometer", "wick", "meadow"]


def _body(n: int = 3) -> str:
    return "\n\n".join(PROSE * 2 for _ in range(n))


def build_hostile_folder(folder: Path) -> dict[str, str]:
    """Write every hostile file into `folder`; return {file name shown: what it is}."""
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, str] = {}

    def put(name: str | bytes, data: bytes, what: str) -> None:
        path = os.path.join(os.fsencode(folder), os.fsencode(name))
        with open(path, "wb") as handle:
            handle.write(data)
        made[os.fsdecode(name) if isinstance(name, str) else _shown(name)] = what

    for fixture in sorted(FIXTURES.iterdir()):
        put(fixture.name, fixture.read_bytes(), f"fixture {fixture.name}")
    deep = "<div>" * 20_000 + "<h1>Deep page</h1><p>" + " ".join(WORDS * 20) + "</p>"
    put("deep-20000.html", f"<html><body>{deep}{'</div>' * 20_000}</body></html>".encode(),
        "HTML nested 20,000 deep")  # fmt: skip
    quoted = "> " * 120 + " ".join(WORDS * 4)
    put("deep-quotes.md", f"# Deep quotes\n\n{quoted}\n\n{_body(1)}\n".encode(),
        "Markdown quotes nested 120 deep (past markdown-it's limit)")  # fmt: skip
    put("nul-bytes.txt", b"Title with NUL\n\n" + _body().encode().replace(b"the ", b"the\0 "),
        "NUL bytes")  # fmt: skip
    cut = ("Caf\u00e9 au bord de l'eau\n\n" + _body()).encode()[:-1] + b"\xe2\x82"
    put("truncated-utf8.txt", cut, "UTF-8 cut in the middle of a character")
    put("utf16-no-bom.txt", ("A UTF-16 title\n\n" + _body()).encode("utf-16-le"),
        "UTF-16 without a BOM")  # fmt: skip
    put("utf16-bom.txt", codecs.BOM_UTF16_BE + ("Big endian\n\n" + _body()).encode("utf-16-be"),
        "UTF-16 BE with a BOM")  # fmt: skip
    put("binary.txt", bytes(range(256)) * 64, "binary bytes named .txt")
    put("empty.txt", b"", "an empty file")
    put("quote \"double\" 'single'.txt", b"Quotes\n\n" + _body().encode(), "quotes in the name")
    put("new\nline.txt", b"Newline\n\n" + _body().encode(), "a newline in the name")
    put("-leading-dash.txt", b"Dash\n\n" + _body().encode(), "a name starting with -")
    put(b"caf\xe9-latin1-name.txt", b"Latin-1 name\n\n" + _body().encode(), "a name not UTF-8")
    put("<b>html-name.md", b"# <i>Title</i> & <script>x</script>\n\n" + _body().encode(),
        "HTML in the name and the title")  # fmt: skip
    fifo = folder / "fifo.txt"
    os.mkfifo(fifo)
    made["fifo.txt"] = "a FIFO named .txt"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "socket.txt"))
    sock.close()
    made["socket.txt"] = "a socket named .txt"
    loop = folder / "loop"
    loop.mkdir()
    (loop / "back").symlink_to(folder, target_is_directory=True)
    made["loop/back"] = "a symlink loop back to the folder"
    (folder / "dangling.txt").symlink_to(folder / "nowhere.txt")
    made["dangling.txt"] = "a symlink to nothing"
    return made


def _shown(name: bytes) -> str:
    return (
        name.decode("utf-8", "surrogateescape")
        .encode("utf-8", "surrogateescape")
        .decode("utf-8", "backslashreplace")
    )


def run_import(folder: Path, library: Path, timeout: float = 300) -> tuple[dict, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--library", str(library), "import",
         str(folder), "--json"],
        capture_output=True,
        timeout=timeout,
        cwd=ROOT,
    )  # fmt: skip
    assert b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    assert done.returncode in (0, 1)
    return json.loads(done.stdout), time.monotonic() - started


def outcomes(report: dict, library: Path, made: dict[str, str]) -> dict[str, str]:
    """{file: "imported (warnings)" | "refused: reason"} for every hostile file."""
    result: dict[str, str] = {}
    for item in report["failed"]:
        name = os.path.relpath(item["path"], report.get("_folder", ""))
        result[Path(item["path"]).name if "loop" not in item["path"] else "loop/back"] = (
            f"refused: {item['error']}"
        )
        del name
    warnings: dict[str, list[str]] = {}
    for item in report["warnings"]:
        warnings.setdefault(Path(item["path"]).name, []).append(item["warning"])
    with Library.open(library, read_only=True) as lib:
        for article in lib.list_articles():
            name = Path(article.source_path).name
            if name in made:
                notes = "; ".join(warnings.get(name, [])) or "no warning"
                result[name] = f"imported as “{article.title}” ({notes})"
    return result


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    made = build_hostile_folder(base / "files")
    report, took = run_import(base / "files", base / "library")
    return base, made, report, outcomes(report, base / "library", made), took


def test_every_hostile_file_has_an_outcome_and_nothing_hangs(imported):
    _, made, report, result, took = imported
    assert took < 120
    missing = set(made) - set(result)
    assert not missing, result
    assert report["imported"] == 13 and len(report["failed"]) == 6


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fifo.txt", "refused: not a regular file"),
        ("socket.txt", "refused: not a regular file"),
        ("binary.txt", "refused: not a text file"),
        ("empty.txt", "refused: the file is empty"),
        ("loop/back", "refused: symlink loop"),
        ("dangling.txt", "refused"),
        ("nul-bytes.txt", "NUL characters removed"),
        ("truncated-utf8.txt", "invalid UTF-8 at the end"),
        ("deep-20000.html", "nested too deeply"),
        ("deep-quotes.md", "could not be read"),
    ],
)
def test_outcome(imported, name, expected):
    assert expected in imported[3][name]


def test_text_comes_out_as_text_never_as_markup_or_mojibake(imported):
    base, *_ = imported
    with Library.open(base / "library", read_only=True) as lib:
        by_name = {Path(a.source_path).name: lib.get_article(a.id) for a in lib.list_articles()}
        everything = json.dumps(by_name["active.html"].to_json(), ensure_ascii=False)
        raw = by_name["raw.md"]
        assert 'alert("MDSCRIPT")' in raw.reading_text  # raw HTML in Markdown is text
        raw_links = [s.href for b in raw.blocks for s in b.spans if getattr(s, "href", None)]
        assert raw_links == ["https://example.org/notes"]
        for marker in MARKERS:
            assert marker not in everything, marker
        active = by_name["active.html"]
        links = [s.href for b in active.blocks for s in b.spans if getattr(s, "href", None)]
        assert sorted(links) == ["https://example.org/harbour", "mailto:keeper@example.org"]
        assert "harbour wall" in active.reading_text and "following winter" in active.reading_text
        assert "<b>markup</b>" in raw.title  # shown as text by the window, never as markup
        assert "\x00" not in by_name["nul-bytes.txt"].reading_text
        assert "Café" in by_name["truncated-utf8.txt"].title
        assert "Ã" not in by_name["truncated-utf8.txt"].reading_text
        assert by_name["utf16-no-bom.txt"].title == "A UTF-16 title"
        assert by_name["utf16-bom.txt"].title == "Big endian"
        deep = by_name["deep-20000.html"].reading_text
        assert all(word in deep for word in WORDS)
        odd = [n for n in by_name if "\\x" in n or "\n" in n or n.startswith("-") or '"' in n]
        assert len(odd) == 4, sorted(by_name)


def test_odd_names_print_and_export_without_crashing(imported):
    base, *_ = imported
    for args in (["list", "--json"], ["list"], ["check"]):
        done = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "--library", str(base / "library"), *args],
            capture_output=True,
            timeout=120,
            cwd=ROOT,
        )
        assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    listed = json.loads(
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "main.py"),
                "--library",
                str(base / "library"),
                "list",
                "--json",
            ],
            capture_output=True,
            timeout=120,
            cwd=ROOT,
            check=True,
        ).stdout
    )
    assert any("caf\\xe9" in a["source"] for a in listed["articles"])


def test_html_in_notes_tags_and_titles_is_escaped_in_exports(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# <img src=x onerror=alert(1)> Title\n\n" + _body(), encoding="utf-8")
    with Library.open(tmp_path / "library", create_welcome=False) as lib:
        lib.import_paths([page])
        article = lib.list_articles()[0]
        lib.annotate_quote(article.id, "harbour wall", note="<script>alert(2)</script> **x**",
                           tags=["<b>tag</b>"])  # fmt: skip
        markdown = lib.export_annotations("markdown")
        assert "\\<script\\>" in markdown and "\\<img" in markdown
        assert not re.search(r"(?<!\\)<(script|img)", markdown)
        data = json.loads(lib.export_annotations("json"))
        item = data["first"]["items"][0]
        assert "<script>alert(2)</script>" in json.dumps(item["body"])  # kept as data
        csv_text = lib.export_annotations("csv")
        assert "<script>alert(2)</script>" in csv_text  # a CSV cell is text to its reader


def test_html_in_tags_is_escaped_in_the_markdown_export(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n" + _body(), encoding="utf-8")
    with Library.open(tmp_path / "library", create_welcome=False) as lib:
        lib.import_paths([page])
        lib.annotate_quote(lib.list_articles()[0].id, "harbour wall", tags=["<b>tag</b>"])
        assert "<b>" not in lib.export_annotations("markdown")


def test_a_file_that_vanishes_between_listing_and_reading(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    for n in range(4):
        (folder / f"{n}.txt").write_text(f"Title {n}\n\n{_body()}{n}", encoding="utf-8")

    def progress(done: int, _total: int, _path: str) -> None:
        if done == 1:
            (folder / "2.txt").unlink()  # gone after the walk listed it
            (folder / "3.txt").write_text("", encoding="utf-8")  # emptied meanwhile

    with Library.open(tmp_path / "library", create_welcome=False) as lib:
        report = lib.import_paths([folder], progress=progress)
        failed = {Path(f.path).name: f.error for f in report.failed}
        assert failed == {"2.txt": "the file is gone (moved or deleted)",
                          "3.txt": "the file is empty"}  # fmt: skip
        assert report.imported == 2 and lib.check() == []


def test_a_file_over_the_size_limit_is_refused_with_its_reason(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with Library.open(tmp_path / "library", create_welcome=False) as lib:
        report = lib.import_paths([big])
        assert report.imported == 0
        assert "too large" in report.failed[0].error and "20 MB" in report.failed[0].error


def test_a_million_word_line(tmp_path):
    line = tmp_path / "line.txt"
    words = " ".join(WORDS[i % len(WORDS)] + str(i % 97) for i in range(1_000_000))
    line.write_text(f"One long line\n\n{words}\n", encoding="utf-8")
    with Library.open(tmp_path / "library", create_welcome=False) as lib:
        tracemalloc.start()
        started = time.monotonic()
        report = lib.import_paths([line])
        took = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert report.imported == 1 and not report.failed
        assert lib.get_article(report.article_ids[0]).words == 1_000_000
        assert took < 60 and peak < 400 * 2**20
        assert lib.search("lantern42").total == 1


if __name__ == "__main__":  # the outcome table for the closing note
    import tempfile

    with tempfile.TemporaryDirectory() as temp:
        base = Path(temp)
        made = build_hostile_folder(base / "files")
        report, took = run_import(base / "files", base / "library")
        table = outcomes(report, base / "library", made)
        print(f"| file | what it is | outcome |  (import of the folder: {took:.1f} s)")
        print("|---|---|---|")
        for name, what in made.items():
            print(f"| `{name!r}` | {what} | {table.get(name, 'MISSING')} |")
