"""A library made before the importers read structure: opened, its articles are read again.

The library is made by this Gloss, then its rows are put back to what the
importers stored before (tests/fixtures/structure/made-before.json) and its
schema to the version before it, with passages made on that old text: what a user's library
looks like when they update. Opening it reads each article again from its stored
original, with progress; passages follow their words.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from index.importers import read_article
from index.library import Library
from index.store.database import MIGRATIONS
from index.store.reread import PROGRESS_TEXT, stale_ids

FIXTURES = Path(__file__).parent / "fixtures" / "structure"
CLIPPING = FIXTURES / "ledgers-clipping.md"
SAVED_PAGE = FIXTURES / "ledgers-saved-page.html"
BEFORE = json.loads((FIXTURES / "made-before.json").read_text(encoding="utf-8"))

QUOTES = {
    CLIPPING.name: [
        "return inflow - outflow",
        "Harlow | 1,200",
        "few towns kept their books so well",
    ],
    SAVED_PAGE.name: ["Carry the balance forward", "Ada Penrose, kept the books"],
}


def _made_before(folder: Path, *, unreadable: str | None = None) -> dict[str, int]:
    """A library in `folder` as Gloss left it before; the article id of each file."""
    library = Library.open(folder, create_welcome=False)
    try:
        library.import_paths([CLIPPING, SAVED_PAGE])
        ids = {Path(a.source_path).name: a.id for a in library.list_articles()}
        with library.store.write() as conn:
            for name, article_id in ids.items():
                old = BEFORE[name]
                conn.execute(
                    "UPDATE articles SET blocks = ?, reading_text = ?, words = ? WHERE id = ?",
                    (
                        json.dumps(old["blocks"], ensure_ascii=False),
                        old["reading_text"],
                        len(old["reading_text"].split()),
                        article_id,
                    ),
                )
                if name == unreadable:
                    conn.execute(
                        "UPDATE articles SET original_text = '' WHERE id = ?", (article_id,)
                    )
        for name, quotes in QUOTES.items():
            for quote in quotes:
                library.annotate_quote(ids[name], quote, note=f"on {quote}")
    finally:
        library.close()
    conn = sqlite3.connect(folder / "library.sqlite3")
    # A library made before `parser`: that step and the later ones (moving in, issue 16; the
    # index of stale articles) undone.
    parser_step = next(n for n, step in enumerate(MIGRATIONS) if "ADD COLUMN parser" in step)
    conn.execute("DROP INDEX articles_source_file")
    conn.execute("DROP INDEX articles_parser")
    for column in ("parser", "saved_at", "source_file", "source_missing"):
        conn.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    conn.execute("DROP TABLE unsaved_links")
    conn.execute("DROP TABLE watched_folders")
    conn.execute("DROP TABLE article_images")
    conn.execute(f"PRAGMA user_version = {parser_step}")
    conn.commit()
    conn.close()
    return ids


@pytest.fixture
def before(tmp_path) -> tuple[Path, dict[str, int]]:
    folder = tmp_path / "lib"
    return folder, _made_before(folder)


def _passages(library: Library, article_id: int) -> dict[str, object]:
    return {a.note.removeprefix("on "): a for a in library.annotations(article_id=article_id)}


def test_opening_reads_old_articles_again_with_progress(before):
    folder, ids = before
    seen: list[tuple[int, int, str]] = []
    with Library.open(folder, create_welcome=False, progress=lambda *a: seen.append(a)) as library:
        assert (2, 2, PROGRESS_TEXT) in seen
        assert any("2 articles read again from their originals" in n for n in library.notices)
        for name, article_id in ids.items():
            stored = library.get_article(article_id)
            fresh = read_article(FIXTURES / name)
            assert stored.reading_text == fresh.reading_text
            assert [b.kind for b in stored.blocks] == [b.kind for b in fresh.blocks]
            assert "table" in {b.kind for b in stored.blocks}
        # what the title, author and date were stays as it was
        assert (
            library.get_article(ids[CLIPPING.name]).title == "How the mill towns kept their books"
        )


def test_passages_follow_their_words(before):
    folder, ids = before
    with Library.open(folder, create_welcome=False) as library:
        text = library.get_article(ids[CLIPPING.name]).reading_text
        passages = _passages(library, ids[CLIPPING.name])
        for quote in ("return inflow - outflow", "few towns kept their books so well"):
            passage = passages[quote]
            assert not passage.orphaned
            assert text[passage.start : passage.end] == quote
        # The table's row is now cells: the same words, the user is asked to confirm.
        row = passages["Harlow | 1,200"]
        assert text[row.start : row.end] == "Harlow\t1,200" and not row.orphaned
        (report,) = library.anchoring_reports(ids[CLIPPING.name])
        statuses = {e["quote"]: e["status"] for e in report.entries}
        assert statuses == {
            "return inflow - outflow": "moved",
            "Harlow | 1,200": "fuzzy",
            "few towns kept their books so well": "moved",
        }
        page = library.get_article(ids[SAVED_PAGE.name]).reading_text
        for quote, passage in _passages(library, ids[SAVED_PAGE.name]).items():
            assert page[passage.start : passage.end] == quote and not passage.orphaned


def test_an_article_is_read_again_once(before):
    folder, _ids = before
    Library.open(folder, create_welcome=False).close()
    with Library.open(folder, create_welcome=False) as library:
        assert stale_ids(library.store) == []
        assert not any("read again" in n for n in library.notices)
        assert library.store.schema_version() == len(MIGRATIONS)


def test_a_read_only_opening_changes_nothing_and_the_next_one_reads(before):
    folder, ids = before
    with Library.open(folder, read_only=True, create_welcome=False) as library:
        assert (
            library.get_article(ids[CLIPPING.name]).reading_text
            == (BEFORE[CLIPPING.name]["reading_text"])
        )
    with Library.open(folder, create_welcome=False) as library:
        assert (
            library.get_article(ids[CLIPPING.name]).reading_text
            != (BEFORE[CLIPPING.name]["reading_text"])
        )


def test_an_original_that_cannot_be_read_again_stays_as_it_was(tmp_path):
    folder = tmp_path / "lib"
    ids = _made_before(folder, unreadable=SAVED_PAGE.name)
    with Library.open(folder, create_welcome=False) as library:
        page = library.get_article(ids[SAVED_PAGE.name])
        assert page.reading_text == BEFORE[SAVED_PAGE.name]["reading_text"]
        assert any("could not be read again" in w for w in page.warnings)
        assert any("1 could not be read again" in n for n in library.notices)
        assert all(not p.orphaned for p in _passages(library, ids[SAVED_PAGE.name]).values())
        assert stale_ids(library.store) == []  # not tried again at every start


def test_a_changed_file_imported_again_keeps_its_passages(before, tmp_path):
    folder, ids = before
    changed = tmp_path / "files" / CLIPPING.name
    changed.parent.mkdir()
    text = CLIPPING.read_text(encoding="utf-8")
    changed.write_text(
        text.replace("The steps the clerks", "Nobody audited them. The steps the clerks"),
        encoding="utf-8",
    )
    with Library.open(folder, create_welcome=False) as library:
        with library.store.write() as conn:  # the file was first imported from this place
            conn.execute(
                "UPDATE articles SET source_path = ? WHERE id = ?",
                (str(changed.resolve()), ids[CLIPPING.name]),
            )
        report = library.import_paths([changed])
        assert report.updated == 1
        stored = library.get_article(ids[CLIPPING.name])
        assert "Nobody audited them." in stored.reading_text
        for quote in ("return inflow - outflow", "few towns kept their books so well"):
            passage = _passages(library, ids[CLIPPING.name])[quote]
            assert stored.reading_text[passage.start : passage.end] == quote
