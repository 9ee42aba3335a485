"""The relevance benchmark's pipeline, small: CACM's first judged queries on a sample of its
records, imported and searched through the command line, beside FTS5 in the same run
(`make relevance` runs the whole collections)."""

from __future__ import annotations

from conftest import CORPORA, need
from tests.benchmarks.relevance import QUICK_EVERY, QUICK_QUERIES, measure, sample
from tests.benchmarks.relevance_data import load

FLOOR = 0.85  # of FTS5's nDCG@10 on the same sample; the full collections say how far above


def test_gloss_ranks_the_judged_queries_about_as_well_as_fts5(tmp_path):
    coll = sample(load(need(CORPORA / "ir-cacm")), QUICK_QUERIES, QUICK_EVERY)
    results = measure(coll, tmp_path)

    fts = results["SQLite FTS5 BM25"]
    assert fts.ndcg10 > 0.2  # the measure itself works: a real ranker scores well above 0
    gloss, typed = results["Gloss"], results["Gloss, query as typed"]
    assert gloss.refused == typed.refused == 0
    # the OR of the words, as the measure sends them
    assert gloss.ndcg10 >= FLOOR * fts.ndcg10
    assert gloss.map >= FLOOR * fts.map
    # the question as a user would type it: a ranked bag of words, not an AND of them all
    assert typed.ndcg10 >= FLOOR * fts.ndcg10
