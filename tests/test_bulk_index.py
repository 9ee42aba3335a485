"""A big backlog (an import) is indexed by worker processes, a segment each, in rounds.

The thresholds are lowered so that 300 BBC files take the path 44,500 would: several
rounds, several segments, the first small. The index must hold exactly what the one-writer
path gives: the same documents, once each, and the same answers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index import indexer, search_merge
from index.library import Library
from tests.conftest import BBC, need


@pytest.fixture
def small_rounds(monkeypatch):
    monkeypatch.setattr(search_merge, "BIG", 30)
    monkeypatch.setattr(search_merge, "TIDY_ABOVE", 2)
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
        result = lib.search(query, limit=300)  # every hit: merging may reorder near-ties
        out[query] = (result.total, sorted(h.article_id for h in result.hits))
    return out


def test_workers_build_the_same_index_as_one_writer(tmp_path, small_rounds, monkeypatch):
    folder = three_hundred(tmp_path)
    with Library.open(tmp_path / "pooled", create_welcome=False) as pooled:
        pooled.import_paths([folder])
        segments_before = len(pooled.index._ix._segments())
        merged = []
        adopt = pooled.index.adopt
        monkeypatch.setattr(pooled.index, "adopt", lambda *a: merged.append(adopt(*a)) or True)
        assert pooled.wait_indexed(timeout=120)
        assert merged and all(merged)
        assert not pooled.index.tidy_plan(2)  # the import's segments were merged...
        assert len(pooled.index._ix._segments()) <= segments_before + 2  # ...into two
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


def test_a_document_deleted_while_its_segment_is_merged_stays_deleted(tmp_path, small_rounds):
    folder = three_hundred(tmp_path)
    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        lib.indexer._tidy = lambda pool: 0  # keep the import's segments as built
        lib.import_paths([folder])
        assert lib.wait_indexed(timeout=120)
        (group,) = lib.index.tidy_plan(1)
        side = search_merge.side_folder(lib.index.folder)
        merged, live = search_merge.merge(
            str(lib.index.folder), str(side), indexer.INDEX_NAME, group
        )
        # while the merge "ran": an article of one of its sources is deleted from the index
        leaves = dict(
            (leaf.segment().segment_id(), leaf)
            for leaf, _ in lib.index._searcher().reader().leaf_readers()
        )
        first = leaves[live[0][0]].stored_fields(live[0][1][0])
        gone = f"a:{first['doc']['article_id']}"
        lib.index.apply([], [gone])
        assert lib.index.adopt(side, merged, live)
        assert not side.exists()
        ids = lib.index.doc_ids()
        assert gone not in ids and len(ids) == lib.counts()["articles"] - 1
        assert lib.index._searcher().doc_count() == len(ids)
