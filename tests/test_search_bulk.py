"""The import's segment writer (index/search/bulk.py) against whoosh's own writer.

The same documents (BBC articles, some tagged; passages with notes, tags and colours;
stories in many scripts; texts with emoji, flags, dotted words, curly quotes and symbols)
are written once by whoosh's writer (what every small commit still uses)
and once by bulk.py (what the worker processes use for an import's backlog). The
segments must be the same bytes, file by file, and each index must answer every bench
class alike: totals, top ten, scores, snippets. Then: the fast token table gives what the
analyzer gives, and a kill in the middle of an import's rounds loses nothing.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import writing

from index.library import Library
from index.search import analysis
from index.search.engine import INDEX_NAME, SearchIndex
from index.search.fields import SpellingWriter, document_fields
from tests import world_texts
from tests.conftest import BBC, need
from tests.test_search_codec import _chosen, _corpus, assert_same_answers

ARTICLES = 2_225  # all of them: the segment holds multi-block terms (over 1,024 postings)

ODD_TEXTS = [
    "The U.S.A. café’s “quoted” words — a 3.5% rise, £5 and €3, a..b x.y. _under_ score",
    "Emoji 😀👍🏽 and a flag 🇬🇧 beside 北京大学 and ÅNGSTRÖM in İstanbul (K for Kelvin)",
    "naïve résumé crème brûlée; Zürich’s œuvre — the Straße, ﬁne ligatures",
    "Tabs\tand\u00a0no-break spaces, a soft\u00adhyphen, ZWJ\u200dhere, ① ② Ⅻ ½",
    "",
    "   ",
    "…",
]


def _documents() -> tuple[list[dict], dict[int, str], list]:
    docs, texts, _, queries = _corpus()
    articles = [d for d in docs if d["kind"] == "article"][:ARTICLES]
    passages = [d for d in docs if d["kind"] == "annotation" and d["article_id"] <= ARTICLES]
    for i, doc in enumerate(articles):
        if i % 7 == 0:
            doc["tags"] = ["Energy policy", "markets"] if i % 2 else ["Zürich notes"]
    extra = [world_texts.RUSSIAN, world_texts.JAPANESE, world_texts.CHINESE,
             world_texts.KOREAN, world_texts.GREEK, world_texts.ARABIC]  # fmt: skip
    bodies = [(s.title, s.body) for s in extra] + [(t[:20] or "untitled", t) for t in ODD_TEXTS]
    for n, (title, body) in enumerate(bodies, ARTICLES + 1):
        texts[n] = body
        articles.append(
            {"kind": "article", "id": f"a:{n}", "article_id": n, "title": title,
             "author": "Ann Hale" if n % 2 else None, "date": "2005-03-04", "body": body,
             "tags": ["world"]}
        )  # fmt: skip
    return articles + passages, texts, queries


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """(index written by whoosh's writer, index written by bulk.py, texts, queries)."""
    docs, texts, queries = _documents()
    old = SearchIndex.open(tmp_path_factory.mktemp("whoosh") / "search-index")
    old.rebuild([])
    written_by_whoosh(old, docs)
    new = SearchIndex.open(tmp_path_factory.mktemp("bulk") / "search-index")
    new.rebuild([])  # an empty index, as a new library starts with
    with ThreadPoolExecutor(max_workers=1) as pool:  # engine.build_segment, as a worker runs it
        new.add_segments(pool, [docs], [])
    yield old, new, texts, queries
    old.close()
    new.close()


def written_by_whoosh(index: SearchIndex, docs: list[dict]) -> None:
    """`docs` committed to `index` as one segment by whoosh's own writer (add_document)."""
    writer = SpellingWriter(index._ix, limitmb=256, compound=False)
    for doc in docs:
        writer.add_document(**document_fields(doc))
    writer.commit(mergetype=writing.CLEAR)


def _files(index: SearchIndex) -> dict[str, bytes]:
    """The segment's files by their kind (the part of the name after the segment id)."""
    out = {}
    for path in index.folder.iterdir():
        if path.name.startswith(INDEX_NAME + "_") and "." in path.name and path.suffix != ".toc":
            out[path.name.split(".", 1)[1]] = path.read_bytes()
    return out


def test_the_bulk_segment_is_the_bytes_whooshs_writer_writes(written):
    old, new, _, _ = written
    assert len(old._searcher().reader().leaf_readers()) == 1
    assert len(new._searcher().reader().leaf_readers()) == 1
    theirs, ours = _files(old), _files(new)
    assert {"pst", "trm", "_stored.col", "facets.col", "_body_len.col"} <= set(ours)
    assert ours.keys() == theirs.keys()
    for kind in ours:
        assert ours[kind] == theirs[kind], kind
    reader = new._searcher().reader()
    fields = {f for f, _ in reader.all_terms()}
    assert {"body", "title", "tag", "tagtext", "quote", "note", "spell_body"} <= fields


def test_every_bench_query_answers_the_same_from_either_writer(written):
    old, new, texts, queries = written
    chosen = _chosen(queries)
    matched = sum(assert_same_answers(new, old, t, texts, exact=True) > 0 for t in chosen)
    assert matched > 0.9 * len(chosen)
    for text in ("北京", "😀", "cafe", "zurich", "tag:markets", '"energy policy"'):
        a = new.search(text, text_for=texts.__getitem__, limit=10)
        b = old.search(text, text_for=texts.__getitem__, limit=10)
        assert a.total == b.total > 0, text
        assert [h.snippet for h in a.hits] == [h.snippet for h in b.hits], text


PLAIN = "Plain ASCII words, U.S. and 3.5 and e.g. this; “quoted” — £5 a..b x.y. _u_ 42"
LONG_PLAIN = " ".join([PLAIN] * 5)  # past analysis._SHORT: the NumPy road


@pytest.mark.parametrize("text", [*ODD_TEXTS, PLAIN, LONG_PLAIN, LONG_PLAIN + " café"])
def test_the_token_table_gives_the_analyzers_postings(text):
    for chars in (True, False):
        expected, words = analysis.postings(text, chars)
        terms, table, spelled = analysis.token_table(text)
        got: dict[str, list] = {}
        for term, (pos, start, end) in zip(terms, table.tolist(), strict=True):
            got.setdefault(term, []).append((pos, start, end) if chars else pos)
        assert got == expected
        assert spelled == set(words)


@given(st.text(alphabet="ab Z9_.,;-'\n\u201c\u201d\u2014\u00a3\u00e9", max_size=400))
@settings(max_examples=300, deadline=None)
def test_the_token_table_of_random_plain_text_gives_the_analyzers_postings(text):
    """Letters, digits, dots (joining or not), underscores, inert non-ASCII marks, an
    accented letter (the slow road), short and long texts: the same tokens either way."""
    long = (text + " ") * (1 + 2 * analysis._SHORT // (len(text) + 1))  # the NumPy road
    for sample in (text, long, long.replace("\u00e9", "e")):
        expected, words = analysis.postings(sample, True)
        terms, table, spelled = analysis.token_table(sample)
        got: dict[str, list] = {}
        for term, (pos, start, end) in zip(terms, table.tolist(), strict=True):
            got.setdefault(term, []).append((pos, start, end))
        assert got == expected and spelled == set(words)


def test_the_token_table_takes_the_fast_road_for_plain_text_only():
    assert analysis.plain_tokens("The “plain” text — £5, U.S. rates") is not None
    for text in ("café", "😀 here", "flag 🇬🇧", "北京", "İstanbul", "x\u0301"):
        assert analysis.plain_tokens(text) is None, text


def test_a_kill_between_an_imports_rounds_loses_nothing(tmp_path):
    """Killed right after the first round of worker-built segments is committed, the
    library reopens with every article stored and catches the index up."""
    folder = tmp_path / "files"
    (folder / "tech").mkdir(parents=True)
    for path in sorted((need(BBC) / "tech").glob("*.txt"))[:160]:
        (folder / "tech" / path.name).write_bytes(path.read_bytes())
    library = tmp_path / "lib"
    script = (
        "import os, signal, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        "from index.search import indexer\n"
        "indexer.BULK_AT, indexer.FIRST_SEGMENT_DOCS, indexer.SEGMENT_DOCS = 20, 20, 40\n"
        "indexer.BATCH = 10\n"
        "from index.store import intake\n"
        "intake.BATCH_FILES, intake.BATCH_SECONDS = 500, 60.0  # one transaction: a backlog\n"
        "from index.library import Library\n"
        "if __name__ == '__main__':\n"
        f"    lib = Library.open({str(library)!r}, background=True, create_welcome=False)\n"
        "    def killed():\n"
        "        if lib.indexer.pending():\n"
        "            print('committed', lib.indexer.pending(), flush=True)\n"
        "            os.kill(os.getpid(), signal.SIGKILL)\n"
        "    lib.indexer.listeners.append(killed)\n"
        f"    lib.import_paths([{str(folder)!r}])\n"
        "    lib.wait_indexed(timeout=120)\n"
    )
    (tmp_path / "child.py").write_text(script)
    env = {**os.environ, "GLOSS_WORKERS": "2"}
    done = subprocess.run(
        [sys.executable, str(tmp_path / "child.py")], capture_output=True, env=env, timeout=300
    )
    assert done.returncode == -9, done.stderr.decode()
    said = done.stdout.split()
    assert said[0] == b"committed" and int(said[1]) > 0  # killed with changes still queued
    with Library.open(library, create_welcome=False) as lib:
        stored = lib.counts()["articles"]
        assert 0 < stored <= 160  # (three of the files are copies of others)
        assert lib.wait_indexed(timeout=120)
        assert lib.index._searcher().doc_count() == stored  # the index caught up, once each
        assert _indexed(lib) == _stored(lib)
        again = lib.import_paths([folder])  # the rest of the folder, as a re-run brings it
        assert again.imported + again.duplicates == 160 and not again.failed
        assert lib.wait_indexed(timeout=120)
        assert lib.index._searcher().doc_count() == lib.counts()["articles"] >= stored
        assert _indexed(lib) == _stored(lib)
        assert lib.search("technology", limit=500).total > 10


def _stored(lib: Library) -> set[int]:
    return {row["id"] for row in lib.store.read("SELECT id FROM articles")}


def _indexed(lib: Library) -> set[int]:
    return {f["doc"]["article_id"] for f in lib.index._searcher().all_stored_fields()}


@pytest.mark.parametrize("count", [300, 9_000])  # the second: places past 65,535 bytes
def test_the_term_table_taking_runs_writes_the_bytes_of_whooshs_hash_writer(tmp_path, count):
    """codec._TermTable (keys and values in runs, each hash table in one write) against
    whoosh's OrderedHashWriter given the same keys one by one."""
    from whoosh.filedb.filetables import OrderedHashWriter
    from whoosh.filedb.structfile import StructFile

    from index.search.codec import _TermTable

    keys = sorted({f"w{n * 7919 % 100_003:06d}".encode() for n in range(count)})
    values = [bytes(n % 40) + b"v" for n in range(len(keys))]
    written = []
    for name in ("whoosh", "runs"):
        path = tmp_path / name
        table = OrderedHashWriter(StructFile(open(path, "wb")))  # noqa: SIM115 - closed by close
        if name == "whoosh":
            for key, value in zip(keys, values, strict=True):
                table.add(key, value)
        else:
            table = _TermTable.taking_over(table)
            half = len(keys) // 2
            table.add_run(keys[:half], values[:half])
            table.add_run(keys[half:], values[half:])
        table.close()
        written.append(path.read_bytes())
    assert written[0] == written[1]


class _GatedPool:
    """A one-thread pool whose jobs start only once `gate` is set: a worker still building."""

    def __init__(self) -> None:
        import threading

        self.gate = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1)

    def submit(self, fn, *args):
        def held():
            assert self.gate.wait(timeout=60)
            return fn(*args)

        return self._pool.submit(held)

    def shutdown(self) -> None:
        self.gate.set()
        self._pool.shutdown()


def test_commits_made_while_a_segment_is_built_beside_the_index_keep_it(tmp_path):
    """A segment is built in a folder of its own: commits made meanwhile (a passage, another
    segment) delete the index files they do not list, and must not touch it; committed
    later, its documents are all found, each once, beside the others."""
    docs = _corpus()[0]
    articles = [d for d in docs if d["kind"] == "article"][:60]
    index = SearchIndex.open(tmp_path / "search-index")
    index.rebuild([])
    pool = _GatedPool()
    try:
        first = index.start_segment(pool, articles[:40])
        with index.batch() as add:  # a passage's commit while the first segment waits
            add([articles[50]], [])
        index.add_segments(ThreadPoolExecutor(max_workers=1), [articles[40:50]], [])
        pool.gate.set()
        index.add_built(first, [d["id"] for d in articles[:40]])
    finally:
        pool.shutdown()
    assert not first.side.exists()  # the side folder is gone once its segment moved in
    searcher = index._searcher()
    assert searcher.doc_count() == 51
    found = {searcher.stored_fields(n)["doc"]["article_id"] for n in range(searcher.doc_count())}
    assert found == {d["article_id"] for d in articles[:51]}
    for doc in (articles[3], articles[45], articles[50]):  # found by their ids' terms
        assert searcher.document_number(id=doc["id"]) is not None
    index.close()


def test_runs_laid_out_together_are_the_bytes_of_runs_made_one_by_one(tmp_path, monkeypatch):
    """A field's runs laid out in groups of terms (codec_runs) are the bytes the run-by-run
    writing gives, groups as small as one run included; term infos are TERMINFO's bytes."""
    from index.search import codec, codec_runs

    docs = _documents()[0][:400] + _documents()[0][-20:]  # BBC, passages, odd texts
    written = {}
    for name, at_once, group in (
        ("one", False, 4 << 20),
        ("small", True, 64),
        ("big", True, 4 << 20),
    ):
        monkeypatch.setattr(codec.FlatFieldWriter, "runs_at_once", at_once)
        monkeypatch.setattr(codec_runs, "_GROUP_BYTES", group)
        index = SearchIndex.open(tmp_path / name / "search-index")
        index.rebuild([])
        with ThreadPoolExecutor(max_workers=1) as pool:
            index.add_segments(pool, [docs], [])
        written[name] = _files(index)
        index.close()
    assert written["small"] == written["one"] and written["big"] == written["one"]
    info = codec_runs.term_infos(
        np.array([2.5]), np.array([3]), (np.array([1]), np.array([9])), np.array([1.5]),
        (np.array([4]), np.array([70000])), np.array([123456789012]), np.array([40]),
    )  # fmt: skip
    packed = codec_runs.TERMINFO.pack(0, 2.5, 3, 1, 9, 1.5, 4, 70000)
    assert info == [packed + struct.pack("!qi", 123456789012, 40)]
