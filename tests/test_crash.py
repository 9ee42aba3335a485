"""kill -9 harness: the real engine in a child process, killed at a random moment, reopened.

The child (tests/crash_child.py) acknowledges every committed operation in a
log. After each SIGKILL, at a seeded random 50-1,500 ms after the library was
open, the parent reopens the library as the app does (Library.open: writer
lock, database probe, index probe) and checks:

- `PRAGMA integrity_check` is ok, and opening restored no backup;
- every acknowledged passage is present and unchanged, no acknowledged delete
  came back (the one operation in flight may have landed or not: both states
  are accepted, nothing else);
- after the outbox replays, the index holds exactly the store's article and
  passage ids (Library.check);
- no article is half imported, and the import run again ends with
  imported + duplicates = every file.

`make test` runs a short version (about 20 kills); `make crash` the full one
(200 kills of the passage stream, 30 of the BBC import, 30 of reindexing).
GLOSS_CRASH_SEED=N replays a run; every test prints its seed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from crash_child import state, write_samples

from conftest import BBC, need
from index.library import Library
from index.model import blocks_from_json

CHILD = Path(__file__).resolve().parent / "crash_child.py"
SEED = int(os.environ.get("GLOSS_CRASH_SEED") or random.SystemRandom().randrange(1, 1 << 30))
pytestmark = pytest.mark.crash


@dataclass
class Tally:
    scenario: str
    kills: int = 0
    lost: int = 0
    resurrected: int = 0
    inconsistent: int = 0
    in_flight_landed: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        index = "consistent" if not self.inconsistent else f"{self.inconsistent} times wrong"
        return (
            f"{self.kills} kill -9 during {self.scenario}: {self.lost} lost, "
            f"{self.resurrected} resurrected, index {index} after every restart "
            f"(seed {SEED}; in-flight operation landed {self.in_flight_landed} times)"
        )


def _events(path: Path) -> list[dict]:
    events = []
    if not path.exists():
        return events
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            break  # a line cut by the kill
    return events


def _kill_at_random(
    args: list[str], acks: Path, rng: random.Random, delays: tuple[float, float] = (0.05, 1.5)
) -> None:
    """Start the child, wait until it has the library open, SIGKILL it 50-1,500 ms later
    (or within `delays`)."""
    delay = rng.uniform(*delays)
    child = subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(CHILD.parent.parent),
    )
    try:
        deadline = time.monotonic() + 120
        while not any("ack" in e and e["ack"].get("op") == "opened" for e in _events(acks)):
            if child.poll() is not None:
                raise AssertionError(f"the child died early: {child.stderr.read().decode()}")
            assert time.monotonic() < deadline, "the child never opened the library"
            time.sleep(0.01)
        try:
            child.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
        child.wait()
        if child.returncode not in (0, -signal.SIGKILL):
            raise AssertionError(f"the child failed: {child.stderr.read().decode()[-2000:]}")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stderr.close()
        child.stdin.close()


def _reopen(folder: Path, tally: Tally) -> Library:
    library = Library.open(folder, create_welcome=False, writer_wait=30.0)
    restored = [n for n in library.notices if "backup" in n or "damaged" in n]
    if restored:
        tally.problems.append(f"reopening had to repair: {restored}")
    verdict = library.store.one("PRAGMA integrity_check")[0]
    if verdict != "ok":
        tally.problems.append(f"integrity_check: {verdict}")
    return library


def _check_index(library: Library, tally: Tally) -> None:
    assert library.wait_indexed(timeout=600)
    problems = library.check()
    if problems:
        tally.inconsistent += 1
        tally.problems.extend(problems)


def _compare_passages(library: Library, expected: dict, deleted: set, pending, tally: Tally):
    """Count lost and resurrected passages against the acknowledged model; return the new model."""
    actual = {a.id: state(a) for a in library.annotations()}
    flight_after = {s["id"]: s for s in (pending or {}).get("after", []) if s.get("id")}
    flight_deleted = set((pending or {}).get("deleted", []))
    landed = False
    for pid, want in expected.items():
        have = actual.get(pid)
        if have == want:
            continue
        if pid in flight_after and have == flight_after[pid]:
            landed = True
            continue
        if pid in flight_deleted and have is None:
            landed = True
            continue
        tally.lost += 1
        tally.problems.append(f"passage {pid}: acknowledged {want}, found {have}")
    for pid in deleted & actual.keys():
        tally.resurrected += 1
        tally.problems.append(f"deleted passage {pid} came back")
    extra = [pid for pid in actual if pid not in expected and pid not in deleted]
    creating = (pending or {}).get("op") == "create"
    for pid in extra:
        want = dict(pending["after"][0], id=pid) if creating else None
        if creating and actual[pid] == want and len(extra) == 1:
            landed = True
            continue
        tally.problems.append(f"unacknowledged passage {pid}: {actual[pid]}")
    tally.in_flight_landed += int(landed)
    return actual


def _replay(events: list[dict], expected: dict, deleted: set) -> dict | None:
    """Apply acknowledged operations to the model; return the operation left in flight."""
    pending = None
    for event in events:
        if "intent" in event:
            pending = event["intent"]
            continue
        ack = event["ack"]
        for s in ack.get("after", []):
            expected[s["id"]] = s
        for pid in ack.get("deleted", []):
            expected.pop(pid, None)
            deleted.add(pid)
        if ack.get("op") not in ("opened", "indexed"):
            pending = None
    return pending


def _report(tally: Tally, capsys) -> None:
    with capsys.disabled():
        print(f"\n{tally.line()}")
    assert not tally.problems, f"seed {SEED}: {tally.problems[:10]}"


# --- (a) a stream of passage changes -------------------------------------------------------


def run_annotation_kills(tmp_path: Path, kills: int, capsys) -> Tally:
    folder = tmp_path / "library"
    with Library.open(folder, create_welcome=False) as library:
        library.import_paths(write_samples(tmp_path / "articles"))
    rng = random.Random(SEED)
    tally = Tally("passage writes")
    expected: dict = {}
    deleted: set = set()
    for round_ in range(kills):
        acks = tmp_path / f"acks-{round_}.jsonl"
        _kill_at_random(["annotations", str(folder), str(acks), str(SEED + round_)], acks, rng)
        tally.kills += 1
        pending = _replay(_events(acks), expected, deleted)
        library = _reopen(folder, tally)
        try:
            expected = _compare_passages(library, expected, deleted, pending, tally)
            _check_index(library, tally)
        finally:
            library.close()
        if tally.problems:
            break
    _report(tally, capsys)
    return tally


def test_kill_during_passage_writes(tmp_path, capsys):
    run_annotation_kills(tmp_path, 14, capsys)


@pytest.mark.slow
def test_kill_during_passage_writes_full(tmp_path, capsys):
    run_annotation_kills(tmp_path, 200, capsys)


# --- (b) a folder import -------------------------------------------------------------------


def _check_articles(library: Library, tally: Tally) -> None:
    """Every stored article is whole: its text is its blocks', its hash its file's."""
    rows = library.store.read("SELECT id, source_path, content_hash, blocks, reading_text, words"
                              " FROM articles")  # fmt: skip
    for row in rows:
        blocks = blocks_from_json(json.loads(row["blocks"]))
        text = "\n".join(b.text for b in blocks)
        source = Path(row["source_path"])
        whole = text == row["reading_text"] and row["words"] == len(text.split())
        if whole and source.exists():
            whole = hashlib.sha256(source.read_bytes()).hexdigest() == row["content_hash"]
        if not whole:
            tally.problems.append(f"article {row['id']} ({source}) is not whole")


def run_import_kills(tmp_path: Path, corpus: Path, kills: int, capsys) -> Tally:
    files = sum(1 for p in corpus.rglob("*.txt"))
    rng = random.Random(SEED)
    tally = Tally(f"the import of {files} files")
    for round_ in range(kills):
        folder = tmp_path / f"library-{round_}"
        Library.open(folder, create_welcome=False).close()
        acks = tmp_path / f"acks-{round_}.jsonl"
        _kill_at_random(["import", str(folder), str(acks), str(SEED), str(corpus)], acks, rng)
        tally.kills += 1
        library = _reopen(folder, tally)
        try:
            _check_articles(library, tally)
            _check_index(library, tally)
            again = library.import_paths([corpus])
            kept = again.imported + again.duplicates + len(again.near_duplicates)
            if kept != files or again.failed or again.updated:
                tally.lost += files - kept
                tally.problems.append(
                    f"re-import: imported {again.imported} + duplicates {again.duplicates}"
                    f" != {files} (updated {again.updated}, failed {len(again.failed)})"
                )
        finally:
            library.close()
        shutil.rmtree(folder, ignore_errors=True)
        if tally.problems:
            break
    _report(tally, capsys)
    return tally


def test_kill_during_import(tmp_path, capsys):
    run_import_kills(tmp_path, need(BBC) / "tech", 3, capsys)


@pytest.mark.slow
def test_kill_during_import_full(tmp_path, capsys):
    run_import_kills(tmp_path, need(BBC), 30, capsys)


# --- (c) reindex and whoosh commits --------------------------------------------------------


def run_reindex_kills(
    tmp_path: Path,
    corpus: Path,
    kills: int,
    capsys,
    scenario: str = "reindex",
    delays: tuple[float, float] = (0.05, 1.5),
) -> Tally:
    ready = tmp_path / "ready"
    with Library.open(ready, create_welcome=False) as library:
        library.import_paths([corpus])
        library.wait_indexed(timeout=600)
    rng = random.Random(SEED)
    tally = Tally(f"reindexing ({sum(1 for _ in corpus.rglob('*.txt'))} files) and commits")
    expected: dict = {}
    deleted: set = set()
    for round_ in range(kills):
        folder = tmp_path / f"library-{round_}"
        shutil.copytree(ready, folder)
        acks = tmp_path / f"acks-{round_}.jsonl"
        _kill_at_random([scenario, str(folder), str(acks), str(SEED + round_)], acks, rng, delays)
        tally.kills += 1
        expected, deleted = {}, set()
        pending = _replay(_events(acks), expected, deleted)
        library = _reopen(folder, tally)
        try:
            _compare_passages(library, expected, deleted, pending, tally)
            _check_index(library, tally)
        finally:
            library.close()
        shutil.rmtree(folder, ignore_errors=True)
        if tally.problems:
            break
    _report(tally, capsys)
    return tally


def test_kill_during_reindex(tmp_path, capsys):
    run_reindex_kills(tmp_path, need(BBC) / "sport", 3, capsys)


def test_kill_during_a_reindex_built_by_workers_and_merged(tmp_path, capsys):
    """The rebuild's segments written by worker processes, merged in one, committed:
    killed anywhere (the workers too, then), nothing is lost."""
    run_reindex_kills(tmp_path, need(BBC) / "sport", 4, capsys, "reindex-pooled", (0.3, 4.0))


@pytest.mark.slow
def test_kill_during_reindex_full(tmp_path, capsys):
    run_reindex_kills(tmp_path, need(BBC), 30, capsys)
