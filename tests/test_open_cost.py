"""What opening a library reads: the articles an older importer made are found by an index,
not by reading every article's row (speed itself is measured by `make bench`)."""

from __future__ import annotations

from index.importers import PARSER_VERSIONS
from index.library import Library


def test_stale_articles_are_found_without_reading_every_row(tmp_path):
    (tmp_path / "mills.md").write_text("# Tide mills\n\nThe pond filled twice a day.\n")
    with Library.open(tmp_path / "lib", create_welcome=False) as library:
        library.import_paths([tmp_path / "mills.md"])
        clauses = " OR ".join(
            f"(source_format = '{name}' AND parser < {version})"
            for name, version in PARSER_VERSIONS.items()
        )
        plan = library.store.read(
            f"EXPLAIN QUERY PLAN SELECT id FROM articles WHERE {clauses} ORDER BY id"
        )
        steps = [row["detail"] for row in plan]
        assert not any(step.startswith("SCAN articles") for step in steps), steps
        assert any("COVERING INDEX articles_parser" in step for step in steps), steps
