"""Searches while the start backup runs beside them, then after it: what a reader who opens
a big changed library and searches at once pays for the backup.

Usage: python tests/benchmarks/start_backup_beside.py LIBRARY PLAN
  LIBRARY  a scratch copy of a library (its backups/ folder is deleted: a backup is then due)
  PLAN     the bench's search plan (bench.py writes DIR/search-plan.json)

Queries (every third of the plan's) run back to back while the start backup's thread is
alive, then as many again after it; prints p50/p95 of both and how long the backup took.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from index.library import Library  # noqa: E402


def _ms(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    library, plan = Path(argv[1]), json.loads(Path(argv[2]).read_text(encoding="utf-8"))
    shutil.rmtree(library / "backups", ignore_errors=True)
    queries = [q["gloss"] for q in plan["queries"]][::3]
    lib = Library.open(library, background=True, create_welcome=False)
    try:
        for query in queries[:20]:
            lib.search(query)  # warm, as a window's first searches would be
        began = time.perf_counter()
        during: list[float] = []
        backup = lib._start_backup
        while backup is not None and backup.is_alive():
            start = time.perf_counter()
            lib.search(queries[len(during) % len(queries)])
            during.append(time.perf_counter() - start)
        took = time.perf_counter() - began
        after: list[float] = []
        for n in range(max(len(during), 60)):
            start = time.perf_counter()
            lib.search(queries[n % len(queries)])
            after.append(time.perf_counter() - start)
    finally:
        lib.close()
    if during:
        print(
            f"backup beside {took:.1f} s; {len(during)} searches during it: "
            f"p50 {_ms(during, 0.5):.1f} p95 {_ms(during, 0.95):.1f} ms"
        )
    print(f"after it: p50 {_ms(after, 0.5):.1f} p95 {_ms(after, 0.95):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
