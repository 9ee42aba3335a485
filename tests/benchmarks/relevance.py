"""Ranking quality against SQLite FTS5's BM25 and plain whoosh, on a judged test collection.

    .venv/bin/python tests/benchmarks/relevance.py [COLLECTION_DIR ...] [--quick] [--json FILE]

Default collection: ../shared/corpora/ir-cacm. Each record becomes a plain-text article
(title line, blank line, abstract) imported through the command line (`main.py import`);
each judged query is sent as the OR of its words (lower-cased, stop words out) through
`main.py search --batch FILE --json --limit 100`, as the corpora README describes. In the
same run, in this process, the same records and the same OR queries go to:

- SQLite FTS5: `porter unicode61`, `bm25(t, 2.0, 1.0)` (title weighted 2), top 100;
- plain whoosh: whoosh's StemmingAnalyzer, BM25F with its defaults, title boost 2, top 100.

A second Gloss row sends each query as typed (the sentence, newlines made spaces): what a
user pasting the question gets. A query Gloss refuses scores 0 and is counted.

Measures (binary relevance): nDCG@10, MAP (average precision over the top 100) and P@10,
means over the judged queries.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.benchmarks.relevance_data import (  # noqa: E402
    Collection,
    load,
    query_words,
    record_file_text,
)

DEFAULT = REPO.parent / "shared" / "corpora" / "ir-cacm"
DEPTH = 100  # results asked for, and the depth of average precision
QUICK_QUERIES, QUICK_EVERY = 10, 5  # --quick: 10 queries, their records and a fifth of the rest


@dataclass
class Scores:
    """Mean measures of one system over one collection's judged queries."""

    ndcg10: float
    map: float
    p10: float
    refused: int = 0
    accepted: float | None = None  # nDCG@10 over the queries Gloss ran, when it refused some

    def row(self) -> str:
        return f"{self.ndcg10:.3f}  {self.map:.3f}  {self.p10:.3f}"


def ndcg_at_10(ranked: list[str], relevant: set[str]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:10]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    return dcg / ideal if ideal else 0.0


def average_precision(ranked: list[str], relevant: set[str]) -> float:
    found, total = 0, 0.0
    for i, d in enumerate(ranked[:DEPTH]):
        if d in relevant:
            found += 1
            total += found / (i + 1)
    return total / len(relevant) if relevant else 0.0


def precision_at_10(ranked: list[str], relevant: set[str]) -> float:
    return sum(1 for d in ranked[:10] if d in relevant) / 10


def evaluate(runs: dict[str, list[str] | None], qrels: dict[str, set[str]]) -> Scores:
    """Means over the queries of `runs` (None: a refused query, scoring 0)."""
    n = len(runs)
    ndcg = ap = p10 = 0.0
    refused = 0
    for qid, ranked in runs.items():
        if ranked is None:
            refused += 1
            continue
        ndcg += ndcg_at_10(ranked, qrels[qid])
        ap += average_precision(ranked, qrels[qid])
        p10 += precision_at_10(ranked, qrels[qid])
    return Scores(ndcg / n, ap / n, p10 / n, refused)


# -- the systems -------------------------------------------------------------------------


def gloss(args: list[str], library: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "main.py", "--library", str(library), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if "Traceback" in done.stderr:
        raise SystemExit(f"gloss {args[0]} failed:\n{done.stderr}")
    return done


def gloss_import(coll: Collection, work: Path) -> dict[int, list[str]]:
    """Write the records as files, import them through the CLI; Gloss id -> record ids.

    Gloss keeps one article for files of the same text: its hit stands for every record
    with that text, in file order (as FTS5 ranks exact copies side by side).
    """
    folder = work / "records"
    folder.mkdir(parents=True, exist_ok=True)
    copies: dict[str, list[str]] = {}
    for rid, (title, abstract) in coll.docs.items():
        text = record_file_text(title, abstract)
        (folder / f"{rid}.txt").write_text(text, encoding="utf-8")
        copies.setdefault(text, []).append(rid)
    same = {rids[0]: rids for rids in copies.values()}
    library = work / "library"
    done = gloss(["import", str(folder), "--json"], library)
    if done.returncode not in (0, 1):
        raise SystemExit(f"import failed: {done.stderr}")
    listed = json.loads(gloss(["list", "--json"], library).stdout)
    rows = listed["articles"] if isinstance(listed, dict) else listed
    out = {}
    for row in rows:
        path = Path(row.get("source") or "")
        if path.parent.name == "records":
            out[int(row["id"])] = same.get(path.stem, [path.stem])
    return out


def gloss_search(
    lines: list[str], work: Path, ids: dict[int, list[str]], name: str
) -> list[list[str] | None]:
    """Rankings (record ids) for each query line; None where Gloss refused the query."""
    batch = work / f"{name}.queries"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = gloss(
        ["search", "--batch", str(batch), "--json", "--limit", str(DEPTH)], work / "library"
    )
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(answers) != len(lines):
        raise SystemExit(f"search --batch answered {len(answers)} of {len(lines)} queries")
    out: list[list[str] | None] = []
    for answer in answers:
        if "error" in answer:
            out.append(None)
            continue
        hits = [h["article_id"] for h in answer["hits"] if h["article_id"] in ids]
        out.append([rid for h in hits for rid in ids[h]])
    return out


class Fts5:
    """The same records in SQLite FTS5 (porter unicode61), ranked by bm25 with title weight 2."""

    def __init__(self, coll: Collection) -> None:
        import sqlite3

        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE r USING fts5(rid UNINDEXED, title, body,"
            " tokenize='porter unicode61')"
        )
        with self.db:
            self.db.executemany(
                "INSERT INTO r(rid, title, body) VALUES (?, ?, ?)",
                [(rid, t, w) for rid, (t, w) in coll.docs.items()],
            )

    def search(self, words: list[str]) -> list[str]:
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        rows = self.db.execute(
            "SELECT rid FROM r WHERE r MATCH ? ORDER BY bm25(r, 0.0, 2.0, 1.0) LIMIT ?",
            (match, DEPTH),
        )
        return [row[0] for row in rows]


class PlainWhoosh:
    """The same records in a whoosh index made with its defaults (StemmingAnalyzer, BM25F)."""

    def __init__(self, coll: Collection, folder: Path) -> None:
        from whoosh import fields, index
        from whoosh.analysis import StemmingAnalyzer

        schema = fields.Schema(
            rid=fields.ID(stored=True),
            title=fields.TEXT(analyzer=StemmingAnalyzer()),
            body=fields.TEXT(analyzer=StemmingAnalyzer()),
        )
        folder.mkdir(parents=True, exist_ok=True)
        self.ix = index.create_in(str(folder), schema)
        with self.ix.writer() as writer:
            for rid, (title, abstract) in coll.docs.items():
                writer.add_document(rid=rid, title=title, body=abstract)
        self.searcher = self.ix.searcher()

    def search(self, words: list[str]) -> list[str]:
        from whoosh import qparser

        parser = qparser.MultifieldParser(
            ["title", "body"],
            self.ix.schema,
            fieldboosts={"title": 2.0},
            group=qparser.OrGroup,
        )
        q = parser.parse(" OR ".join(words))
        return [hit["rid"] for hit in self.searcher.search(q, limit=DEPTH)]

    def close(self) -> None:
        self.searcher.close()


# -- the run ------------------------------------------------------------------------------


def sample(coll: Collection, queries: int, every: int) -> Collection:
    """A small copy of `coll` for a quick run: its first `queries` judged queries, every
    record judged for them, and every `every`-th other record."""
    judged = coll.judged()[:queries]
    wanted = {d for q in judged for d in coll.qrels[q]}
    docs = {
        rid: rec
        for n, (rid, rec) in enumerate(coll.docs.items())
        if rid in wanted or n % every == 0
    }
    return Collection(
        f"{coll.name} (sample)",
        docs,
        {q: coll.queries[q] for q in judged},
        {q: coll.qrels[q] & set(docs) for q in judged},
    )


def measure(coll: Collection, work: Path) -> dict[str, Scores]:
    """Every system's scores on `coll`'s judged queries."""
    judged = coll.judged()
    words = {q: query_words(coll.queries[q]) for q in judged}
    started = time.perf_counter()
    ids = gloss_import(coll, work)
    imported = time.perf_counter() - started
    ors = gloss_search([" OR ".join(words[q]) for q in judged], work, ids, "or")
    typed = gloss_search([" ".join(coll.queries[q].split()) for q in judged], work, ids, "typed")
    fts = Fts5(coll)
    plain = PlainWhoosh(coll, work / "plain-whoosh")
    try:
        runs = {
            "Gloss": dict(zip(judged, ors, strict=True)),
            "Gloss, query as typed": dict(zip(judged, typed, strict=True)),
            "SQLite FTS5 BM25": {q: fts.search(words[q]) for q in judged},
            "plain whoosh BM25F": {q: plain.search(words[q]) for q in judged},
        }
    finally:
        plain.close()
    results = {name: evaluate(run, coll.qrels) for name, run in runs.items()}
    ran = [q for q in judged if runs["Gloss"][q] is not None]
    if len(ran) < len(judged):  # the same measures over the queries Gloss did not refuse
        for name, run in runs.items():
            results[name].accepted = evaluate({q: run[q] for q in ran}, coll.qrels).ndcg10
    print(
        f"{coll.name}: {len(coll.docs):,} records ({len(ids):,} articles in Gloss, exact"
        f" copies merged; imported in {imported:.1f} s), {len(judged)} judged queries",
        file=sys.stderr,
    )
    return results


def table(name: str, results: dict[str, Scores]) -> str:
    """The results as a Markdown table, with each system's nDCG@10 as a ratio to FTS5's."""
    fts = results["SQLite FTS5 BM25"]
    accepted = fts.accepted is not None
    lines = [
        f"| {name} | nDCG@10 | MAP | P@10 | nDCG@10 ÷ FTS5 | refused |"
        + (" nDCG@10 on the queries Gloss ran |" if accepted else ""),
        "|---|---|---|---|---|---|" + ("---|" if accepted else ""),
    ]
    for system, s in results.items():
        ratio = s.ndcg10 / fts.ndcg10 if fts.ndcg10 else math.nan
        line = (
            f"| {system} | {s.ndcg10:.3f} | {s.map:.3f} | {s.p10:.3f} | {ratio:.2f}× |"
            f" {s.refused or ''} |"
        )
        if accepted and s.accepted is not None:
            line += f" {s.accepted:.3f} ({s.accepted / fts.accepted:.2f}×) |"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("collections", nargs="*", type=Path, default=[DEFAULT])
    parser.add_argument(
        "--quick", action="store_true", help="the first 10 judged queries on a sample (seconds)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    report: dict[str, dict] = {}
    for folder in args.collections:
        coll = load(folder)
        if args.quick:
            coll = sample(coll, QUICK_QUERIES, QUICK_EVERY)
        with tempfile.TemporaryDirectory(prefix="gloss-relevance-") as work:
            results = measure(coll, Path(work))
        print(table(coll.name, results))
        print()
        report[coll.name] = {k: vars(v) for k, v in results.items()}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
