"""A big backlog (an import) is indexed by worker processes, a segment each, in rounds.

The thresholds are lowered so that 300 BBC files take the path 44,500 would: several
rounds, several segments, the first small. The index must hold exactly what the one-writer
path gives: the same documents, once each, and the same answers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index import indexer
from index.library import Library
from tests.conftest import BBC, need


@pytest.fixture
def small_rounds(monkeypatch):
    monkeypatch.setattr(indexer, "BULK_AT", 50)
    monkeypatch.setattr(indexer, "FIRST_SEGMENT_DOCS", 40)
    monkeypatch.setattr(indexer, "SEGMENT_DOCS", 90)
    monkeypatch.setattr(indexer, "BATCH", 30)


def three_hundred(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    for topic in ("business", "sport", "tech"):
        (folder / topic).mkdir(parents=True)
        for path in sorted((need(BBC) / topic).glob("*.txt"))[:100]:
            shutil.copy(path, folder / topic / path.name)
    return folder


def once_each(lib: Library) -> bool:
    """The index holds one document per article, none twice."""
    return lib.index._searcher().doc_count() == lib.counts()["articles"]


def answers(lib: Library) -> dict[str, tuple]:
    out = {}
    for query in ("market", '"chief executive"', "econom*", "title:profits", "game OR film"):
        result = lib.search(query, limit=50)
        out[query] = (result.total, sorted(h.article_id for h in result.hits))
    return out


def test_workers_build_the_same_index_as_one_writer(tmp_path, small_rounds, monkeypatch):
    folder = three_hundred(tmp_path)
    with Library.open(tmp_path / "pooled", create_welcome=False) as pooled:
        pooled.import_paths([folder])
        segments_before = len(pooled.index._ix._segments())
        assert pooled.wait_indexed(timeout=120)
        built = len(pooled.index._ix._segments()) - segments_before
        assert built >= 3  # several rounds of segments, not one writer
        assert pooled.check() == [] and once_each(pooled)
        expected = answers(pooled)
    monkeypatch.setenv("GLOSS_WORKERS", "0")
    with Library.open(tmp_path / "single", create_welcome=False) as single:
        single.import_paths([folder])
        assert single.wait_indexed(timeout=120)
        assert single.check() == [] and once_each(single)
        assert answers(single) == expected
    assert expected["market"][0] > 0 and expected['"chief executive"'][0] > 0


def test_a_changed_file_in_a_big_reimport_replaces_its_old_copy(tmp_path, small_rounds):
    folder = three_hundred(tmp_path)
    changed = sorted((folder / "tech").glob("*.txt"))[0]
    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        lib.import_paths([folder])
        assert lib.wait_indexed(timeout=120)
        changed.write_text(changed.read_text(encoding="utf-8") + "\n\nZanzibarite gadgets.\n")
        with lib.store.write() as conn:  # every article queued again: a backlog of updates
            conn.execute("INSERT INTO outbox(doc_id) SELECT 'a:' || id FROM articles")
        report = lib.import_paths([folder])
        assert report.updated == 1 and report.duplicates == 299
        assert lib.wait_indexed(timeout=120)
        assert lib.search("zanzibarite").total == 1
        assert lib.check() == [] and once_each(lib)
