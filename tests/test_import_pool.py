"""A big import's workers hand the importing thread each article ready to store: its reading
text, word count and blocks as JSON worked out where the file was parsed. The rows must be
what the importing thread made of the same files, and a figure's image, which is kept only
in the importing thread, must still reach the stored blocks."""

from __future__ import annotations

import json
import shutil

import image_files as pictures

from index.importers import pool as workers
from index.importers import read_article
from index.model import blocks_to_json
from tests.conftest import BBC, need

CLIPPING = """---
title: The Quay Ledger
---

The harbour master wrote each ship into the ledger.

![The ledger, open](assets/ledger.png)
The ledger at the first week of March.
"""


def test_rows_stored_from_the_workers_are_what_the_files_give(library, tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "POOL_FROM_FILES", 10)  # the pool, as for a big import
    folder = tmp_path / "files"
    (folder / "assets").mkdir(parents=True)
    texts = sorted((need(BBC) / "tech").glob("*.txt"))[:30]
    for path in texts:
        shutil.copy(path, folder / path.name)
    (folder / "assets" / "ledger.png").write_bytes(pictures.png(40, 30))
    (folder / "ledger.md").write_text(CLIPPING, encoding="utf-8")
    report = library.import_paths([folder])
    assert report.imported == 31 and not report.failed
    rows = library.store.read("SELECT source_path, blocks, reading_text, words FROM articles")
    by_path = {row["source_path"]: row for row in rows}
    for path in texts:
        article = read_article(folder / path.name)
        row = by_path[str(folder / path.name)]
        assert row["blocks"] == json.dumps(blocks_to_json(article.blocks), ensure_ascii=False)
        assert row["reading_text"] == article.reading_text
        assert row["words"] == len(article.reading_text.split())
    clipping = by_path[str(folder / "ledger.md")]
    [figure] = [b for b in json.loads(clipping["blocks"]) if b["kind"] == "figure"]
    assert figure["image"] and figure["image"].endswith(".png")
    linked = library.store.read("SELECT src, image FROM article_images")
    assert [(r["src"], r["image"]) for r in linked] == [("assets/ledger.png", figure["image"])]
