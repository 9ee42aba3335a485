"""A big backlog (an import) is indexed by worker processes, a segment each, in rounds.

The thresholds are lowered so that 300 BBC files take the path 44,500 would: several
rounds, several segments, the first small. The index must hold exactly what the one-writer
path gives: the same documents, once each, and the same answers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.library import Library
from index.search import indexer
from index.search import merge as search_merge
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


def test_a_tidy_merges_the_small_segments_commits_leave_beside_the_archive():
    archive = _Sized(44_000)
    passages = [_Sized(n) for n in (3_330, 1_079, 134, 61, 12, 12, 12, 2, 1)]
    (group,) = search_merge.plan([archive, *passages])
    assert archive not in group and sorted(group, key=id) == sorted(passages, key=id)
    # a few small ones beside it are left for later: merging them buys too little
    few = passages[-search_merge.SMALL_TIDY_AT + 1 :]
    assert search_merge.plan([archive, *few]) == []
    # once merged, that segment is far bigger than new passages' ones: they merge alone
    merged = _Sized(4_645)
    fresh = [_Sized(1) for _ in range(search_merge.SMALL_TIDY_AT)]
    (group,) = search_merge.plan([archive, merged, *fresh])
    assert group == fresh
    # no archive far bigger than the rest: everything becomes one
    even = [_Sized(3_000), _Sized(2_000), *(_Sized(500) for _ in range(5))]
    (group,) = search_merge.plan(even)
    assert len(group) == 7


def test_the_next_start_merges_the_segments_passages_left(tmp_path, small_rounds, monkeypatch):
    from index.search import fields

    monkeypatch.setattr(fields, "MERGE_AT", 1_000)  # each commit keeps its own segment
    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        lib.import_paths([three_hundred(tmp_path)])
        assert lib.wait_indexed(timeout=120)
        for article in lib.list_articles()[:8]:
            lib.annotate(article.id, 0, 20, note="quayside", tags=["harbour"])
            assert lib.wait_indexed(timeout=30)
        before = len(lib.index._ix._segments())
        expected = answers(lib), lib.search("note:quayside").total, lib.search("tag:harbour").total
    assert before >= 1 + search_merge.SMALL_TIDY_AT
    with Library.open(tmp_path / "lib", background=True, create_welcome=False) as lib:
        deadline = time.monotonic() + 120
        while lib.index.tidy_plan(1) or not lib.indexer.settled():
            assert time.monotonic() < deadline, "the start's tidy did not finish"
            time.sleep(0.05)
        sizes = sorted(s.doc_count_all() for s in lib.index._ix._segments())
        assert len(sizes) <= 2, sizes
        got = answers(lib), lib.search("note:quayside").total, lib.search("tag:harbour").total
        assert got == expected and expected[1:] == (8, 8)
        assert lib.check() == []


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
        sizes = [seg.doc_count_all() for seg in pooled.index._ix._segments()]
        assert len(sizes) <= segments_before + 1
        assert len([n for n in sizes if n >= search_merge.BIG]) == 1  # ...into one
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


def _orphaned_workers(since: float) -> set[int]:
    """Worker processes (multiprocessing spawn) left without their parent since `since`."""
    found = set()
    boot = time.time() - float(Path("/proc/uptime").read_text().split()[0])
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        started = boot + int(fields[19]) / ticks
        if b"multiprocessing.spawn" in cmdline and fields[1] == "1" and started >= since - 1:
            found.add(int(entry.name))
    return found


def test_workers_end_when_the_program_is_killed(tmp_path):
    """A kill -9 of Gloss mid-import leaves no worker process behind."""
    folder = three_hundred(tmp_path)
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        "from index.importers import pool as workers\n"
        "workers.POOL_FROM_FILES = 10\n"
        "from index.library import Library\n"
        "def progress(done, total, path):\n"
        "    if done == 40: print('reading', flush=True); sys.stdin.read()\n"
        "if __name__ == '__main__':\n"
        f"    Library.open({str(tmp_path / 'lib')!r}).import_paths([{str(folder)!r}],"
        " progress=progress)\n"
    )
    (tmp_path / "child.py").write_text(script)
    since = time.time()
    child = subprocess.Popen(
        [sys.executable, str(tmp_path / "child.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout.readline().strip() == b"reading"
        assert _orphaned_workers(since) == set()
        child.kill()
        child.wait()
    finally:
        child.stdin.close()
        child.stdout.close()
    deadline = time.monotonic() + 10
    while _orphaned_workers(since) and time.monotonic() < deadline:
        time.sleep(0.1)  # polling the process table: there is no signal to wait on
    assert _orphaned_workers(since) == set()


def test_workers_that_cannot_start_leave_the_indexing_to_the_indexer_thread(
    tmp_path, small_rounds, monkeypatch
):
    """Builder processes that die at start (here: they abort) break their pool: the
    indexer notices, writes alone, and every article still becomes searchable once."""
    import contextlib
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from index.importers import pool as workers

    @contextlib.contextmanager
    def dying_pool():
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=context, initializer=os.abort) as pool:
            yield pool

    monkeypatch.setattr(workers, "builder_pool", dying_pool)
    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        lib.import_paths([three_hundred(tmp_path)])
        assert lib.wait_indexed(timeout=120)
        assert lib.indexer.no_builders
        assert lib.check() == [] and once_each(lib)
        assert lib.search("market").total > 0


class _Sized:
    """A segment as the tidy plan sees it: its number of documents."""

    def __init__(self, docs: int) -> None:
        self.docs = docs

    def doc_count_all(self) -> int:
        return self.docs


def test_a_tidy_makes_one_segment_but_never_rewrites_a_far_bigger_archive():
    imported = [_Sized(3_000) for _ in range(8)]
    small = [_Sized(12), _Sized(400)]  # passages' segments: merged by commits, not here
    (group,) = search_merge.plan(imported + small)
    assert sorted(s.docs for s in group) == [3_000] * 8
    archive = _Sized(200_000)  # 8 × 3,000 is far less than a quarter of it: it stays
    (group,) = search_merge.plan([archive, *imported, *small])
    assert archive not in group and len(group) == 8
    close = _Sized(60_000)  # not far bigger than the import: all of it becomes one
    (group,) = search_merge.plan([close, *imported])
    assert close in group and len(group) == 9
    # a few segments of like size stay as they are; SMALL_TIDY_AT of them become one
    assert search_merge.plan(imported[: search_merge.SMALL_TIDY_AT - 1]) == []
    (group,) = search_merge.plan(imported[: search_merge.SMALL_TIDY_AT])
    assert len(group) == search_merge.SMALL_TIDY_AT


def test_an_imports_backlog_goes_to_the_indexer_while_the_import_still_runs(tmp_path, small_rounds):
    """Once an import has written a backlog worth the workers, the indexer starts on it at
    once: it used to wait for its next look, up to 5 s, with the workers idle."""
    indexing_seen = []
    with Library.open(tmp_path / "lib", background=True, create_welcome=False) as lib:

        def progress(done: int, total: int, _path: str) -> None:
            if done >= 200 and lib.indexer.drain_lock.locked():
                indexing_seen.append(done)

        lib.import_paths([three_hundred(tmp_path)], progress=progress)
        assert indexing_seen, "the indexer did not start while the import ran"
        assert lib.wait_indexed(timeout=120)
        assert once_each(lib)


def test_a_segment_a_kill_left_half_built_beside_the_index_is_removed_at_the_next_start(
    tmp_path,
):
    """Segments are built in folders beside the index; a kill leaves one half written. The
    next start removes it (the index itself never lists it)."""
    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        side = search_merge.side_folder(lib.index.folder)
        (side / "gloss4_half.pst").write_bytes(b"\0" * 4096)
    assert side.exists()
    with Library.open(tmp_path / "lib", background=True, create_welcome=False) as lib:
        deadline = time.monotonic() + 30
        while side.exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # the indexer's thread removes it as it starts: no signal to wait on
        assert not side.exists()
        assert lib.check() == []
