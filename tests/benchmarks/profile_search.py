"""Where a search class's time goes: cProfile over its 100 benchmark queries.

Usage: python tests/benchmarks/profile_search.py LIBRARY CLASS [SORT] [ROWS] [PLAN]
  LIBRARY  a library made by `make bench` (bench.py --keep DIR leaves DIR/library)
  CLASS    one of common, rare, terms, phrase, prefix, field, annotation
  SORT     cProfile order: tottime (default) or cumulative
  PLAN     the bench's DIR/search-plan.json: its very queries (else they are made again
           from the BBC corpus, with stand-in words for the note: queries)

Each query runs once unprofiled first (so that caches are warm as in the benchmark's
later queries), then all of them under the profiler.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from index.library import Library  # noqa: E402
from tests.benchmarks import bench_corpus as corpus  # noqa: E402
from tests.benchmarks.bench import BBC, TAGS  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[2] not in corpus.CLASSES:
        print(__doc__)
        return 2
    library, kind = argv[1], argv[2]
    order = argv[3] if len(argv) > 3 else "tottime"
    rows = int(argv[4]) if len(argv) > 4 else 30
    lib = Library.open(library, background=True, create_welcome=False)
    try:
        if len(argv) > 5:
            plan = json.loads(Path(argv[5]).read_text(encoding="utf-8"))
            queries = [corpus.Query(**{**q, "date_range": None}) for q in plan["queries"]]
        else:
            stories = corpus.read_stories(BBC)
            note_words = ["economy", "market", "government"] * 50  # note: queries, as words
            queries = corpus.make_queries(stories, TAGS, note_words)
        queries = [q for q in queries if q.kind == kind]
        for query in queries:
            lib.search(query.gloss)
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        for query in queries:
            lib.search(query.gloss)
        profile.disable()
        took = (time.perf_counter() - start) / len(queries) * 1000
        print(f"{kind}: {len(queries)} queries, {took:.2f} ms each under the profiler")
        pstats.Stats(profile).sort_stats(order).print_stats(rows)
    finally:
        lib.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
