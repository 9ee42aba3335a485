"""`make bench`: Gloss at archive scale, against SQLite FTS5 in the same run.

Usage: python tests/benchmarks/bench.py [--scale N] [--out bench-results.json] [--keep DIR]

Builds the scaled BBC corpus (tests/benchmarks/bench_corpus.py; ×20 = 44,500 articles by
default), imports it through the real Library in a child process, builds the references in
this process (FTS5, and a plain whoosh writer), adds 2,000 passages, then measures search per
query class, a passage becoming searchable, a cold open, and the window offscreen. Prints a
table (each figure beside the reference and the ratio) and writes the JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from index.library import Library  # noqa: E402
from tests.benchmarks import bench_corpus as corpus  # noqa: E402
from tests.benchmarks.bench_reference import Fts5, plain_whoosh  # noqa: E402

BBC = ROOT.parent / "shared" / "corpora" / "bbc"
CHILD = Path(__file__).with_name("bench_children.py")
PASSAGES = 2000
TAGS = [
    "economy", "politics", "question", "source", "follow up", "to read", "quote", "data",
    "europe", "asia", "energy", "health", "courts", "music", "film", "football", "tennis",
    "mobile", "internet", "games", "tax", "jobs", "trade", "elections", "security",
    "education", "transport", "climate", "media", "science",
]  # fmt: skip


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def child(mode: str, library: Path, arg: str) -> dict:
    """Run one measurement in a fresh process; its JSON line."""
    done = subprocess.run(
        [sys.executable, str(CHILD), mode, str(library), arg],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: the {mode} measurement failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_backup_done(lib: Library) -> None:
    """Wait for the backup a library makes when it opens changed (minutes for a big one): it
    competes with the searches for the machine, so the steady state is measured after it."""
    thread = getattr(lib, "_start_backup", None)
    if thread is not None:
        thread.join()


def settled_after_restart(lib: Library, library: Path) -> Library:
    """Close and open the library again, and wait for what its start does in the background:
    the backup of a changed library, and the tidy that merges the small segments the
    passages' commits left (merge.plan). The searches are measured in that steady state, as
    a user's next session has it; the tidy's own time is reported by the import's figures."""
    from index.importers import pool as workers

    lib.close()
    lib = Library.open(library, background=True, create_welcome=False)
    start_backup_done(lib)
    while lib.index.tidy_plan(workers.builder_count()) or not lib.indexer.settled():
        time.sleep(0.1)
    return lib


def compile_bytecode() -> None:
    """Compile Gloss's own modules, as `make run` does before a start: where
    PYTHONDONTWRITEBYTECODE is set, each window child would otherwise compile ~18,000 lines
    (about 140 ms of its first paint) that a user's second start never pays."""
    import compileall

    for part in ("index", "ui"):
        compileall.compile_dir(str(ROOT / part), quiet=1)
    compileall.compile_file(str(ROOT / "main.py"), quiet=1)


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def add_passages(lib: Library, rng: random.Random, note_words: list[str]) -> list[tuple]:
    """PASSAGES passages on random articles: a span of whole words, colour, note, tags."""
    ids = [a.id for a in lib.list_articles()]
    made = []
    for _ in range(PASSAGES):
        article = lib.get_article(rng.choice(ids))
        text = article.reading_text
        starts = [i for i in range(1, len(text)) if text[i - 1] == " " and text[i].isalpha()]
        if len(starts) < 30:
            continue
        first = rng.randrange(len(starts) - 25)
        start, end = starts[first], starts[first + rng.randint(4, 20)] - 1
        note = " ".join(rng.sample(note_words, rng.randint(0, 5)))
        tags = rng.sample(TAGS, rng.randint(0, 2))
        color = rng.choice(Library.PALETTE)
        lib.annotate(article.id, start, end, color=color, note=note, tags=tags)
        made.append((text[start:end], note, " ".join(tags)))
    return made


def passage_latency(lib: Library, rng: random.Random, times: int = 100) -> list[float]:
    """Seconds from `annotate` returning to the passage found by a search, `times` times."""
    ids = [a.id for a in lib.list_articles()][:500]
    seconds = []
    for i in range(times):
        article = lib.get_article(rng.choice(ids))
        lib.annotate(article.id, 0, min(40, len(article.reading_text)), note=f"marker{i}q")
        start = time.perf_counter()
        while True:
            lib.wait_indexed(timeout=10)
            if lib.search(f"note:marker{i}q", limit=1).total:
                break
        seconds.append(time.perf_counter() - start)
    return seconds


def search_classes(lib: Library, fts: Fts5, queries: list[corpus.Query]) -> dict:
    """Per class: Gloss's end-to-end search and FTS5's top 20, p50 and p95 in ms."""
    timings: dict[str, dict[str, list[float]]] = {}
    for query in queries:
        per = timings.setdefault(query.kind, {"gloss": [], "fts5": [], "hits": []})
        start = time.perf_counter()
        result = lib.search(query.gloss, limit=20)
        per["gloss"].append((time.perf_counter() - start) * 1000)
        per["hits"].append(result.total)
        start = time.perf_counter()
        fts.search(query)
        per["fts5"].append((time.perf_counter() - start) * 1000)
    out = {}
    for kind, per in timings.items():
        out[kind] = {
            "gloss_p50_ms": statistics.median(per["gloss"]),
            "gloss_p95_ms": percentile(per["gloss"], 95),
            "fts5_p50_ms": statistics.median(per["fts5"]),
            "fts5_p95_ms": percentile(per["fts5"], 95),
            "median_hits": statistics.median(per["hits"]),
        }
    return out


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {os.cpu_count()} cores, {memory:.0f} GB, Python {platform.python_version()}"


def run(scale: int, work: Path, plain: bool = True) -> dict:
    results: dict = {"scale": scale, "machine": machine(), "date": time.strftime("%Y-%m-%d")}
    stories = corpus.read_stories(BBC)
    files = work / "corpus"
    step(f"writing {scale} × {len(stories)} files")
    written = sum(1 for _ in corpus.write_corpus(stories, files, scale))
    results["articles"] = written
    paths = sorted(files.rglob("*.txt"))

    library = work / "library"
    step("importing through Library (child process)")
    results["import"] = child("import", library, str(files))
    step("building the FTS5 reference")
    fts = Fts5()
    _, results["fts5_build_s"] = fts.build(paths)
    if plain:
        step("building the plain whoosh reference")
        _, results["plain_whoosh_s"] = plain_whoosh(paths, work / "plain-whoosh")
        shutil.rmtree(work / "plain-whoosh", ignore_errors=True)

    step(f"adding {PASSAGES} passages")
    rng = random.Random(corpus.SEED)
    df, _, _ = corpus._vocabulary(stories)
    note_words = sorted(w for w, n in df.items() if 30 <= n <= 300)
    note_words = rng.sample(note_words, min(200, len(note_words)))
    lib = Library.open(library, background=True, create_welcome=False)
    try:
        start_backup_done(lib)
        passages = add_passages(lib, rng, note_words)
        fts.add_passages(passages)
        lib.wait_indexed(timeout=600)
        started = time.perf_counter()
        lib = settled_after_restart(lib, library)
        results["restart_tidy_s"] = time.perf_counter() - started
        results["segments_searched"] = len(lib.index._ix._segments())
        used = [w for w in note_words if lib.search(f"note:{w}", limit=1).total][:100]
        queries = corpus.make_queries(stories, TAGS, used)
        step("passage → searchable, 100 times")
        results["passage_s"] = passage_latency(lib, rng)
        step(f"{len(queries)} searches, Gloss and FTS5")
        results["search"] = search_classes(lib, fts, queries)
    finally:
        lib.close()
    step("the same searches in a fresh process (child process)")
    plan = work / "search-plan.json"
    plan.write_text(
        json.dumps(
            {
                "corpus": str(files),
                "passages": passages,
                "queries": [dataclasses.asdict(q) for q in queries],
            }
        ),
        encoding="utf-8",
    )
    results["search_fresh"] = child("search", library, str(plan))
    step("cold open and first query (child process)")
    results["open"] = child("open", library, "government spending")
    step("the window offscreen (child process)")
    sample = work / "window-queries.txt"
    picked = random.Random(3).sample(queries, 50)
    sample.write_text("\n".join(q.gloss for q in picked), encoding="utf-8")
    compile_bytecode()  # as an installed Gloss (and `make run`) has it
    results["window"] = child("window", library, str(sample))
    step("100 highlights while the BBC folder is imported (child process, window offscreen)")
    results["highlight"] = child("highlight", work / "highlight-library", str(BBC))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=int(os.environ.get("SCALE") or 20))
    parser.add_argument("--out", default=str(ROOT / "bench-results.json"))
    parser.add_argument("--keep", help="build in this folder and leave it (default: a temp one)")
    parser.add_argument(
        "--plain-whoosh",
        choices=("auto", "yes", "no"),
        default="auto",
        help="build the plain whoosh reference (auto: below ×80, where it alone takes 20 min)",
    )
    args = parser.parse_args()
    if not BBC.is_dir():
        print(f"bench: the BBC corpus is not at {BBC}", file=sys.stderr)
        return 2
    plain = args.plain_whoosh == "yes" or (args.plain_whoosh == "auto" and args.scale < 80)
    if args.keep:
        work = Path(args.keep)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        results = run(args.scale, work, plain)
    else:
        with tempfile.TemporaryDirectory(prefix="gloss-bench-") as scratch:
            results = run(args.scale, Path(scratch), plain)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    from tests.benchmarks.bench_table import table

    print(table(results))
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
