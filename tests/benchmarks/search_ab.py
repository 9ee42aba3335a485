"""The bench's search classes on an existing library, Gloss beside FTS5 in one process.

Usage: python tests/benchmarks/search_ab.py LIBRARY [CORPUS]
  LIBRARY  a library made by `make bench` (bench.py --keep DIR leaves DIR/library); copy its
           library.sqlite3 alone into a new folder to have a version of Gloss rebuild the
           index its way (the first open does it), then run this from that version's tree
  CORPUS   the bench's corpus folder (default: LIBRARY/../corpus)

FTS5 is built from the same files and the library's passages, then the 700 queries of
`make bench` run through `Library.search` and FTS5 alternately, as bench.py measures
them: an A/B of two versions of the search code on one library, minutes instead of the
half hour of a whole bench.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from index.library import Library  # noqa: E402
from tests.benchmarks import bench  # noqa: E402
from tests.benchmarks import bench_corpus as corpus  # noqa: E402
from tests.benchmarks.bench_reference import Fts5  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    library = Path(argv[1])
    files = Path(argv[2]) if len(argv) > 2 else library.parent / "corpus"
    fts = Fts5()
    fts.build(sorted(files.rglob("*.txt")))
    with sqlite3.connect(f"file:{library / 'library.sqlite3'}?mode=ro", uri=True) as con:
        passages = con.execute(
            "SELECT a.exact, a.note, coalesce(group_concat(t.name, ' '), '') FROM annotations a"
            " LEFT JOIN annotation_tags x ON x.annotation_id = a.id"
            " LEFT JOIN tags t ON t.id = x.tag_id GROUP BY a.id"
        ).fetchall()
    fts.add_passages(passages)
    stories = corpus.read_stories(bench.BBC)
    rng = random.Random(corpus.SEED)  # the note words bench.py draws
    df, _, _ = corpus._vocabulary(stories)
    note_words = sorted(w for w, n in df.items() if 30 <= n <= 300)
    note_words = rng.sample(note_words, min(200, len(note_words)))
    lib = Library.open(library, background=True, create_welcome=False)
    try:
        used = [w for w in note_words if lib.search(f"note:{w}", limit=1).total][:100]
        results = bench.search_classes(lib, fts, corpus.make_queries(stories, bench.TAGS, used))
    finally:
        lib.close()
    print(f"{len(passages)} passages; p50 / p95 in ms")
    for kind, v in results.items():
        ratio = v["gloss_p50_ms"] / v["fts5_p50_ms"]
        print(
            f"{kind:<10} Gloss {v['gloss_p50_ms']:6.1f} / {v['gloss_p95_ms']:6.1f}"
            f"   FTS5 {v['fts5_p50_ms']:5.1f} / {v['fts5_p95_ms']:5.1f}   p50 ratio {ratio:.2f}×"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
