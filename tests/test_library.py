"""The Library on a real folder: creation, import, duplicates, updates, search, checks."""

from __future__ import annotations

import shutil

from index.library import Library


def test_new_library_opens_with_the_welcome_article_once(tmp_path):
    with Library.open(tmp_path / "lib") as lib:
        titles = [a.title for a in lib.list_articles()]
        assert titles == ["Welcome to Gloss"]
        assert (tmp_path / "lib" / "library.sqlite3").exists()
        assert (tmp_path / "lib" / "search-index").is_dir()
    with Library.open(tmp_path / "lib") as lib:
        welcome = lib.list_articles()[0]
        lib.store.connection().execute("DELETE FROM articles WHERE id = ?", (welcome.id,))
    with Library.open(tmp_path / "lib") as lib:
        assert lib.list_articles() == [], "a deleted welcome article never comes back"


def test_library_folder_from_environment(tmp_path, monkeypatch):
    from index.library import default_library_path

    monkeypatch.setenv("GLOSS_LIBRARY", str(tmp_path / "elsewhere"))
    assert default_library_path() == tmp_path / "elsewhere"


def test_sqlite_settings_and_schema_version(library):
    conn = library.store.connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert library.store.schema_version() >= 1


def test_seed_import_keeps_everything(library, seed_path):
    report = library.import_paths([seed_path])
    assert (report.imported, report.duplicates, report.failed) == (1, 0, [])
    article = library.get_article(report.article_ids[0])
    assert article.title.startswith("Mass unrest continues in Peru")
    assert article.author == "Don Knowland" and article.date == "2023-01-13"
    assert article.source_format == "markdown"
    assert article.content_hash and article.imported_at
    assert "31 provinces of 12 regions" in article.reading_text
    assert seed_path.read_text(encoding="utf-8") == library.original_text(article.id)
    assert article.reading_text == "\n".join(b.text for b in article.blocks)


def test_same_content_twice_is_a_duplicate(library, seed_path, tmp_path):
    copy = tmp_path / "copy.txt"
    shutil.copy(seed_path, copy)
    library.import_paths([seed_path])
    report = library.import_paths([seed_path, copy])
    assert (report.imported, report.duplicates) == (0, 2)
    assert len(library.list_articles()) == 1


def test_changed_file_at_same_path_updates_the_article(library, tmp_path):
    path = tmp_path / "note.md"
    path.write_text("# First title\n\nOriginal words here.\n", encoding="utf-8")
    first = library.import_paths([path])
    path.write_text("# Second title\n\nRevised words here.\n", encoding="utf-8")
    second = library.import_paths([path])
    assert (second.imported, second.updated) == (0, 1)
    assert second.article_ids == first.article_ids
    article = library.get_article(first.article_ids[0])
    assert article.title == "Second title" and article.reading_text == "Revised words here."
    assert library.search("revised").total == 1
    assert library.search("original").total == 0


def test_failed_files_are_listed_and_the_rest_imported(library, tmp_path, seed_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(seed_path, folder / "good.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    report = library.import_paths([folder])
    assert report.imported == 1
    reasons = {f.path.rsplit("/", 1)[-1]: f.error for f in report.failed}
    assert set(reasons) == {"empty.txt", "binary.txt"}


def test_import_reports_progress_and_can_be_cancelled(library, bbc_path):
    seen = []

    def progress(done, total, path):
        seen.append((done, total))

    report = library.import_paths(
        [bbc_path / "tech"], progress=progress, cancel=lambda: len(seen) >= 50
    )
    assert report.cancelled
    assert seen[-1][0] == 50 and seen[-1][1] == 401
    assert 0 < report.imported <= 50
    assert len(library.list_articles()) == report.imported, "what was imported stays"


def test_missing_index_is_rebuilt_on_open(tmp_path, seed_path):
    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        lib.import_paths([seed_path])
    shutil.rmtree(tmp_path / "lib" / "search-index")
    steps = []
    with Library.open(tmp_path / "lib", progress=lambda d, t, _: steps.append((d, t))) as lib:
        assert lib.search("Juliaca").total == 1
        assert lib.check() == []
    assert steps and steps[-1][0] == steps[-1][1]


def test_reindex_rebuilds_from_the_store(library, seed_path):
    library.import_paths([seed_path])
    assert library.reindex() == 1
    assert library.search("Boluarte").total == 1
    assert library.check() == []


def test_check_finds_an_index_out_of_step(library, seed_path):
    article_id = library.import_paths([seed_path]).article_ids[0]
    library.search("peru")  # drains the outbox
    library.index.apply([], [f"a:{article_id}"])
    assert library.check() == ["1 document missing from the search index"]


def test_the_librarys_copy_of_the_index_names_matches_the_engine():
    """The opening tells a whole index without importing the engine: by its names."""
    from index import late_index as library
    from index.search import engine

    assert (library.INDEX_NAME, library.REBUILD_MARKER) == (
        engine.INDEX_NAME,
        engine.REBUILD_MARKER,
    )


def test_the_article_columns_hold_what_the_list_shows_in_its_order(tmp_path):
    """The window's list (Library.article_columns) is list_articles as columns, for every
    view and a tag: the same articles, titles, authors, dates and passage counts."""
    from crash_child import write_samples

    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        lib.import_paths(write_samples(tmp_path / "articles"))
        first = lib.list_articles()[0]
        words = lib.get_article(first.id).reading_text.split()[1]
        lib.annotate_quote(first.id, words, tags=["kept"])
        for kind in ({"view": "all"}, {"view": "highlighted"}, {"view": "recent"}, {"tag": "kept"}):
            rows = lib.list_articles(**kind)
            columns = lib.article_columns(**kind)
            assert list(columns.ids) == [r.id for r in rows]
            assert columns.titles == [r.title for r in rows]
            assert columns.authors == [r.author for r in rows]
            assert columns.dates == [r.date for r in rows]
            assert list(columns.highlights) == [r.highlights for r in rows]
        assert list(lib.article_columns(view="highlighted").highlights) == [1]


def test_a_late_search_index_takes_the_writes_made_before_it_opened(tmp_path):
    """A window's library opens its search index after the first paint: a passage saved
    before that is searchable once it opens; a library closed before the index ever opened
    indexes such a change as it closes, as any close does."""
    from crash_child import write_samples

    path = tmp_path / "lib"
    with Library.open(path, create_welcome=False) as lib:
        lib.import_paths(write_samples(tmp_path / "articles"))
        mills = next(a.id for a in lib.list_articles() if a.title == "Notes on tide mills")
    lib = Library.open(path, create_welcome=False, background=True, defer_index=True)
    try:
        assert not lib.index_ready()
        lib.annotate_quote(mills, "sluice gate", note="before the index opened")
        lib.open_index_later()
        assert lib.wait_indexed(timeout=60)
        assert lib.index_ready() and lib.search('note:"before the index"').total == 1
    finally:
        lib.close()
    lib = Library.open(path, create_welcome=False, background=True, defer_index=True)
    lib.annotate_quote(mills, "Most tide mills", note="closed before it opened")
    lib.close()
    with Library.open(path, create_welcome=False) as lib:
        assert lib.search('note:"closed before"').total == 1


def test_counts_follow_every_commit_whichever_thread_made_it(tmp_path):
    """The window asks for the counts every second on its thread; they are counted again
    only after a commit, by another thread (the window's writer) or by this one."""
    import threading

    from crash_child import write_samples

    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        lib.import_paths(write_samples(tmp_path / "articles"))
        mills = next(a.id for a in lib.list_articles() if a.title == "Notes on tide mills")
        assert lib.counts()["annotations"] == 0
        statements: list[str] = []
        lib.store.connection().set_trace_callback(statements.append)
        assert lib.counts()["annotations"] == 0
        assert not [s for s in statements if "count(" in s]  # nothing changed: not counted
        lib.store.connection().set_trace_callback(None)
        writer = threading.Thread(target=lambda: lib.annotate_quote(mills, "sluice gate"))
        writer.start()
        writer.join()
        assert lib.counts()["annotations"] == 1 and lib.counts()["highlighted"] == 1
        lib.annotate_quote(mills, "Most tide mills")  # this thread's own commit
        assert lib.counts()["annotations"] == 2
