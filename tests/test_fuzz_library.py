"""Hypothesis: the Library against a plain-Python model, the importers on random input,
the query box on random strings, and every saved atheris crash input replayed.

The state machine annotates, edits, renames / merges / deletes tags, deletes,
re-imports an edited article, reindexes and "crashes" (drops the library
without closing it: the outbox and the mirror are left behind undrained, the
writer lock goes as it does when a process dies), and after every step checks
the passages against the model, the search index against the store, and the
JSON mirror against both. GLOSS_FUZZ_EXAMPLES raises the number of runs
(make fuzz).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest
from crash_child import SAMPLES, write_samples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    precondition,
    rule,
)

from index.library import Library
from index.safety import mirror
from index.search.query import MAX_QUERY_CHARS, MAX_QUERY_DEPTH, MAX_QUERY_TERMS, QueryError

sys.path.insert(0, str(Path(__file__).resolve().parent / "fuzz"))
from targets import check_import, check_query

EXAMPLES = int(os.environ.get("GLOSS_FUZZ_EXAMPLES", "0"))
COLORS = ["yellow", "green", "blue", "pink", "purple", "underline"]
TAG_NAMES = st.sampled_from(["alpha", "Beta", "gamma", "delta", "ε-tag", "two words"])
NOTES = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40
)  # any text, markup and emoji included


def _key(tag: str) -> str:
    return " ".join(tag.split()).casefold()


class LibraryMachine(RuleBasedStateMachine):
    passages = Bundle("passages")

    @initialize()
    def open_library(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="gloss-machine-"))
        self.articles_dir = self.base / "articles"
        self.paths = write_samples(self.articles_dir)
        self.library = Library.open(self.base / "library", create_welcome=False)
        self.abandoned: list[Library] = []
        self.library.import_paths(self.paths)
        self.ids = {Path(a.source_path).name: a.id for a in self.library.list_articles()}
        self.texts = {i: self.library.get_article(i).reading_text for i in self.ids.values()}
        self.model: dict[str, dict] = {}
        self.names: dict[str, str] = {}  # tag key -> display form
        self.edits = 0

    def teardown(self) -> None:
        for lib in [*self.abandoned, getattr(self, "library", None)]:
            if lib is not None:
                lib.close()
        shutil.rmtree(getattr(self, "base", "/nonexistent"), ignore_errors=True)

    # -- the model's view of tags -------------------------------------------------------

    def _display(self, tags: list[str]) -> list[str]:
        out = {}
        for tag in tags:
            clean = " ".join(tag.split())
            out.setdefault(_key(clean), self.names.setdefault(_key(clean), clean))
        return sorted(out.values(), key=str.casefold)

    def _used(self) -> set[str]:
        return {_key(t) for p in self.model.values() for t in p["tags"]}

    # -- rules --------------------------------------------------------------------------

    @rule(
        target=passages,
        article=st.sampled_from(sorted(SAMPLES)),
        where=st.floats(0, 0.95),
        length=st.integers(12, 60),  # long enough that a quote occurs once
        color=st.sampled_from(COLORS),
        note=NOTES,
        tags=st.lists(TAG_NAMES, max_size=3),
    )
    def annotate(self, article, where, length, color, note, tags):
        article_id = self.ids[article]
        text = self.texts[article_id]
        start = int(where * (len(text) - 1))
        end = min(len(text), start + length)
        made = self.library.annotate(article_id, start, end, color=color, note=note, tags=tags)
        self.model[made.id] = {
            "article_id": article_id,
            "exact": text[made.start : made.end],
            "start": made.start,
            "color": color,
            "note": note,
            "tags": self._display(tags),
        }
        assert made.exact == self.model[made.id]["exact"]
        return made.id

    @rule(
        passage=passages,
        color=st.none() | st.sampled_from(COLORS),
        note=st.none() | NOTES,
        tags=st.none() | st.lists(TAG_NAMES, max_size=3),
    )
    def edit(self, passage, color, note, tags):
        if passage not in self.model:
            return
        self.library.update_annotation(passage, color=color, note=note, tags=tags)
        state = self.model[passage]
        if color is not None:
            state["color"] = color
        if note is not None:
            state["note"] = note
        if tags is not None:
            state["tags"] = self._display(tags)

    @rule(passage=consumes(passages))
    def delete(self, passage):
        if passage not in self.model:
            return
        self.library.delete_annotation(passage)
        del self.model[passage]

    @precondition(lambda self: self._used())
    @rule(data=st.data(), new=TAG_NAMES)
    def rename_tag(self, data, new):
        old = data.draw(st.sampled_from(sorted(self._used())))
        self.library.rename_tag(old, new)
        target = _key(new)
        if target != old and target in self.names and target in self._used():
            display = self.names[target]  # renaming onto a tag in use merges into it
        else:
            display = " ".join(new.split())
        for state in self.model.values():
            keys = {_key(t): t for t in state["tags"]}
            if old in keys:
                del keys[old]
                keys[target] = display
                state["tags"] = sorted(keys.values(), key=str.casefold)
        self.names.pop(old, None)
        self.names[target] = display

    @precondition(lambda self: len(self._used()) >= 2)
    @rule(data=st.data())
    def merge_tags(self, data):
        source, target = data.draw(st.permutations(sorted(self._used())))[:2]
        self.library.merge_tags(source, target)
        for state in self.model.values():
            keys = {_key(t): t for t in state["tags"]}
            if source in keys:
                del keys[source]
                keys[target] = self.names[target]
                state["tags"] = sorted(keys.values(), key=str.casefold)
        self.names.pop(source, None)

    @precondition(lambda self: self._used())
    @rule(data=st.data())
    def delete_tag(self, data):
        name = data.draw(st.sampled_from(sorted(self._used())))
        self.library.delete_tag(name)
        for state in self.model.values():
            state["tags"] = [t for t in state["tags"] if _key(t) != name]
        self.names.pop(name, None)

    @rule(article=st.sampled_from(sorted(SAMPLES)))
    def reimport_edited(self, article):
        """Insert a paragraph before the first one and import the file again."""
        self.edits += 1
        path = self.articles_dir / article
        head, body = path.read_text(encoding="utf-8").split("\n\n", 1)
        lines = head.splitlines()
        meta = "\n\n".join(body.split("\n\n")[:2])  # the author and date lines
        rest = "\n\n".join(body.split("\n\n")[2:])
        added = f"An added paragraph, number {self.edits}, written before the others."
        path.write_text(f"{lines[0]}\n\n{meta}\n\n{added}\n\n{rest}", encoding="utf-8")
        article_id = self.ids[article]
        old_text = self.texts[article_id]
        report = self.library.import_paths([path])
        assert report.updated == 1, report.to_json()
        new_text = self.library.get_article(article_id).reading_text
        assert new_text.endswith(old_text)
        shift = len(new_text) - len(old_text)
        self.texts[article_id] = new_text
        placed = {a.id: a.start for a in self.library.annotations(article_id=article_id)}
        for passage, state in self.model.items():
            if state["article_id"] != article_id:
                continue
            start, moved = state["start"], state["start"] + shift
            if new_text[start : start + len(state["exact"])] == state["exact"]:
                # The new paragraph begins with the passage's words, in a context one
                # character apart from its own: staying and following are both right, and
                # either is accepted; anywhere else is not.
                state["start"] = (
                    placed.get(passage) if placed.get(passage) in (start, moved) else moved
                )
            else:
                state["start"] = moved

    @rule()
    def reindex(self):
        self.library.reindex()

    @rule()
    def crash(self):
        """Drop the library without closing it, as a killed process would, and reopen."""
        lock = self.library._writer_lock
        self.abandoned.append(self.library)
        lock.release()  # the kernel does this for a dead process
        self.library._writer_lock = None
        self.library = Library.open(self.base / "library", create_welcome=False, writer_wait=5)
        assert not self.library.read_only and not self.library.notices

    # -- invariants ---------------------------------------------------------------------

    @invariant()
    def passages_match_the_model(self):
        if not hasattr(self, "library"):
            return
        actual = {}
        for a in self.library.annotations():
            actual[a.id] = {
                "article_id": a.article_id,
                "exact": a.exact,
                "start": a.start,
                "color": a.color,
                "note": a.note,
                "tags": sorted(a.tags, key=str.casefold),
            }
            assert not a.orphaned
            assert self.texts[a.article_id][a.start : a.end] == a.exact
        assert actual == self.model

    @invariant()
    def index_and_mirror_match_the_store(self):
        if not hasattr(self, "library"):
            return
        assert self.library.check() == []  # drains the outbox and the mirror first
        for article_id in self.ids.values():
            path = mirror.file_for(self.library.path, article_id)
            want = {p for p, s in self.model.items() if s["article_id"] == article_id}
            if not path.exists():
                assert not want
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            ids = {i["id"].removeprefix("urn:uuid:") for i in data["first"]["items"]}
            assert ids == want


LibraryMachine.TestCase.settings = settings(
    max_examples=EXAMPLES or 20,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLibraryMachine = LibraryMachine.TestCase


# --- importers and the query box on random input ----------------------------------------


@settings(max_examples=EXAMPLES or 150, deadline=None)
@given(st.binary(max_size=3000))
def test_importers_on_random_bytes(data):
    check_import(data)


MARKUP_BITS = [
    *("# ", "> ", "- ", "1. ", "*", "**", "`", "[", "](", ")", "<b>", "</b>", "<script>"),
    *("</div>", "<div>", "<p>", "<!--", "-->", "&amp;", "&#0;", "\n", "\n\n", "\t", "    "),
    *("word", "é", "😀", "\x00", "\u2029"),
]
MARKUP = st.lists(st.sampled_from(MARKUP_BITS), max_size=200).map("".join)


@settings(max_examples=EXAMPLES or 150, deadline=None)
@given(st.sampled_from([b"\x00", b"\x01", b"\x02"]), MARKUP)
def test_importers_on_random_markdown_and_html(suffix, text):
    check_import(suffix + text.encode("utf-8", "surrogatepass"))


QUERY_WORDS = [
    *("(", ")", '"', "*", "?", "~", "~2", "NOT", "AND", "OR", "-", "+", "title:", "tag:"),
    *("note:", "color:", "date:", "2024", "..", "[", "]", "{", "}", ":", "harbour", "tide"),
    *("mill*", "*ill", "\\", "^2", "😀", " "),
]
QUERY_BITS = st.lists(st.sampled_from(QUERY_WORDS), max_size=40).map("".join)


@settings(max_examples=EXAMPLES or 150, deadline=None)
@given(st.one_of(st.text(max_size=80), QUERY_BITS))
def test_the_query_box_on_random_strings(query):
    check_query(query.encode("utf-8", "surrogatepass"))


CRASHES = sorted((Path(__file__).resolve().parent / "fuzz" / "crashes").glob("*-*"))


@pytest.mark.parametrize("path", CRASHES, ids=[p.name for p in CRASHES])
def test_saved_fuzzer_crash_inputs(path):
    """Every input an atheris run saved in tests/fuzz/crashes/ stays fixed."""
    check = check_import if path.name.startswith("import-") else check_query
    check(path.read_bytes())


# --- query limits: checked before parsing, answered fast -----------------------------------


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("word " * 10_000, "too long"),
        (" AND ".join(f"w{n}" for n in range(MAX_QUERY_TERMS + 1)), "too many terms"),
        ("(" * (MAX_QUERY_DEPTH + 1) + "word" + ")" * (MAX_QUERY_DEPTH + 1), "too deeply"),
        ("(" * 2_000 + "word" + ")" * 2_000, "too long"),
        ("x AND " + "x" * MAX_QUERY_CHARS, "too long"),  # an operator: written by hand
        (" ".join(f"w{n}" for n in range(1_001)), "too many words"),
    ],
)
def test_query_limits_answer_at_once(query, says):
    from targets import library

    started = time.monotonic()
    with pytest.raises(QueryError, match=says):
        library().search(query)
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize("query", ["(((", "NOT", "date:notadate", "AND OR", "-", '""'])
def test_a_query_that_parses_to_nothing_says_so(query):
    from targets import library

    try:
        result = library().search(query)
    except QueryError as error:
        assert str(error)
    else:
        assert result.total == 0 and result.message
