"""Issue 6 figures on the BBC corpus: backup time and size, passages recovered from the
JSON mirror alone, and the query limits with the slowest accepted query.

Usage: python tests/benchmarks/data_safety.py [PASSAGES]   (default 1,000 passages)

1. Imports ../shared/corpora/bbc into a new library and adds PASSAGES random
   passages (colours, notes, tags), then times `backup` and states its size.
2. Deletes the database: a new library imports the same folder and
   `restore --from-annotations` reads the old library's annotations/ folder;
   the passages are compared field by field (id, selectors, note, tags, colour).
3. Runs hard queries through `python main.py search` (the real command line):
   limits rejected at once, and the slowest query that is accepted.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from index.library import Library  # noqa: E402

BBC = ROOT.parent / "shared" / "corpora" / "bbc"
COLORS = ["yellow", "green", "blue", "pink", "purple", "underline"]
TAGS = ["economy", "sport", "Policy", "tech", "to read", "quote"]


def fields(a) -> tuple:
    return (a.id, a.start, a.end, a.exact, a.prefix, a.suffix, a.color, a.note, tuple(a.tags))


def build(folder: Path, passages: int) -> None:
    rng = random.Random(6)
    with Library.open(folder, create_welcome=False) as lib:
        started = time.monotonic()
        report = lib.import_paths([BBC])
        lib.wait_indexed(timeout=900)
        print(f"imported {report.imported} + {report.duplicates} duplicates "
              f"in {time.monotonic() - started:.1f} s (indexed)")  # fmt: skip
        articles = [a.id for a in lib.list_articles()]
        for n in range(passages):
            article = rng.choice(articles)
            text = lib.get_article(article).reading_text
            start = rng.randrange(0, max(1, len(text) - 80))
            lib.annotate(
                article,
                start,
                start + rng.randrange(10, 80),
                color=rng.choice(COLORS),
                note=rng.choice(["", f"note {n} <b>with markup</b> & “quotes” 😀"]),
                tags=rng.sample(TAGS, rng.randrange(0, 3)),
            )
        lib.wait_indexed(timeout=900)


def backups(folder: Path) -> None:
    with Library.open(folder, create_welcome=False) as lib:
        times = []
        for _ in range(5):
            info = lib.backup()
            times.append(info.took_s)
        size = info.bytes / 1024 / 1024
        median = sorted(times)[2] * 1000
        print(f"backup (backup API + integrity_check + rotation): median {median:.0f} ms, "
              f"{size:.1f} MB, {len(lib.backups())} kept")  # fmt: skip


def mirror(folder: Path, fresh: Path) -> None:
    with Library.open(folder, create_welcome=False, writer_wait=5) as lib:
        want = {a.id: fields(a) for a in lib.annotations()}
    with Library.open(fresh, create_welcome=False) as lib:
        lib.import_paths([BBC])
        started = time.monotonic()
        report = lib.restore_from_annotations(folder / "annotations")
        took = time.monotonic() - started
        got = {a.id: fields(a) for a in lib.annotations()}
    same = sum(1 for pid, f in want.items() if got.get(pid) == f)
    unplaced = len(report["unplaced"])
    print(f"recovered from the JSON mirror alone: {same} / {len(want)} passages identical "
          f"(restored {report['restored']}, unplaced {unplaced}, {took:.1f} s)")  # fmt: skip


QUERIES = [
    "the",
    "*",
    "s*",
    "*tion",
    "econom~2",
    '"the government said"',
    "(a OR b OR c OR d OR e OR f OR g OR h) AND NOT (i OR j)",
    "title:market AND date:[2004-01-01 to 2005-12-31]",
    "th*",
    "*e*",
    "a* OR b* OR c* OR d* OR e*",
    "govern~2 OR minist~2 OR elect~2 OR parliam~2",
    "x" * 999,
    " ".join(f"w{n}" for n in range(64)),
    "(" * 16 + "market" + ")" * 16,
    "x" * 1000,
    " ".join(f"w{n}" for n in range(65)),
    "(" * 17 + "market" + ")" * 17,
    "word " * 10_000,
    "(" * 2_000 + "a" + ")" * 2_000,
    "(((",
    "NOT",
    "date:notadate",
]


def queries(folder: Path) -> None:
    slowest = (0.0, "")
    for query in QUERIES:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "--library", str(folder), "search",
             query, "--json"],
            capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip
        wall = time.monotonic() - started
        shown = query if len(query) < 50 else f"{query[:30]}… ({len(query)} chars)"
        if done.returncode == 0:
            result = json.loads(done.stdout)
            took = result.get("took_ms", 0)
            message = result.get("message") or ""
            print(f"  accepted  {took:7.0f} ms  {result['total']:5} hits  {shown!r} {message}")
            slowest = max(slowest, (took, shown))
        else:
            print(f"  refused   {wall * 1000:7.0f} ms (whole command)  {shown!r}: "
                  f"{done.stderr.strip()}")  # fmt: skip
    print(f"slowest accepted query: {slowest[1]!r} in {slowest[0]:.0f} ms")


def main() -> None:
    passages = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "library"
        build(folder, passages)
        backups(folder)
        mirror(folder, Path(temp) / "fresh")
        queries(folder)


if __name__ == "__main__":
    main()
