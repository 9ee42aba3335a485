"""Other tools' highlights over a real library: placed only by evidence, fast.

A Readwise export of 2,400 rows generated here: books that are not in the library with
short, generic highlights ("Foreword", "Introduction", "Economists"…) and with whole
sentences made of the library's own words; tweets ("nd Thursday"); highlights of BBC
articles named by their title; and highlights with no title at all, some the words of
exactly one BBC article, some too short or too common to tell. Imported over the BBC
library: not one lands where it does not belong, in under 10 seconds.
"""

from __future__ import annotations

import csv
import io
import random
import re
import time

import pytest

from conftest import BBC, need
from index import Library

GENERIC = [
    "Foreword",
    "Introduction",
    "Conclusions",
    "important.",
    "Economists",
    "Rhetoric",
    "Founding Fathers",
    "the government said",
    "In the first quarter",
]
BOOKS = [
    "The Wealth of Nations",
    "Thinking, Fast and Slow",
    "The Federalist Papers",
    "A Brief History of Time",
    "On Rhetoric",
    "The Origin of Species",
    "Capital in the Twenty-First Century",
]
HEADER = ["Highlight", "Book Title", "Book Author", "Amazon Book ID", "Note", "Color", "Tags"]
HEADER += ["Location Type", "Location", "Highlighted at", "Document tags"]


@pytest.fixture(scope="module")
def bbc(tmp_path_factory):
    """The BBC folder imported once for this module: (library, {id: (title, text)})."""
    need(BBC)
    lib = Library.open(tmp_path_factory.mktemp("bbc") / "lib", create_welcome=False)
    lib.import_paths([BBC])
    lib.wait_indexed(timeout=600)
    texts = {a.id: (a.title, lib.get_article(a.id).reading_text) for a in lib.list_articles()}
    yield lib, texts
    lib.close()


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n", text) if 10 <= len(s.split()) <= 30]


def _holders(texts: dict[int, tuple[str, str]], quote: str, among=None) -> list[int]:
    """Articles holding `quote` as whole words (any whitespace between them), once each."""
    words = quote.split()
    head = r"(?<!\w)" if words[0][0].isalnum() else ""
    tail = r"(?!\w)" if words[-1][-1].isalnum() else ""
    pattern = re.compile(head + r"\s+".join(map(re.escape, words)) + tail)
    longest = max(words, key=len)
    found = []
    for i in among if among is not None else texts:
        hits = pattern.findall(texts[i][1]) if longest in texts[i][1] else []
        found += [i] * len(hits)
    return found


def _export(texts: dict[int, tuple[str, str]]) -> tuple[str, dict[str, tuple]]:
    """A Readwise CSV and, for each row ("row N"), what must become of it and its quote:
    ("at", ids) placed on one of these articles, ("orphan", ids) kept without a place on
    one of them (named by its title, its words not there as words), or (None, ()) not
    placed."""
    rng = random.Random(13)
    ids = sorted(texts)
    by_title: dict[str, list[int]] = {}
    for i in ids:
        by_title.setdefault(texts[i][0], []).append(i)
    vocabulary = sorted({w for _, t in texts.values() for w in t.split() if w.isalpha()})
    rows: list[list[str]] = []
    expect: dict[str, tuple] = {}

    def add(quote: str, title: str, outcome: tuple) -> None:
        n = len(rows) + 2
        rows.append([quote, title, "", "", "", "yellow", "", "order", str(n), "", ""])
        expect[f"row {n}"] = (*outcome, quote)

    def by_title_row(quote: str, title: str) -> None:
        same = by_title[title]
        holding = sorted(set(_holders(texts, quote, same)))
        add(quote, title, ("at", set(holding)) if holding else ("orphan", {same[0]}))

    for n in range(1200):  # books not in the library: never placed, however common the words
        quote = rng.choice(GENERIC) if n % 2 else " ".join(rng.choices(vocabulary, k=12))
        add(quote, rng.choice(BOOKS), (None, ()))
    for n in range(300):  # tweets and no-title fragments: too short to tell
        quote = rng.choice(["nd Thursday", "rd quarter", *GENERIC])
        add(quote, "" if n % 2 else "Tweets", (None, ()))
    for _ in range(300):  # sentences of books, no title: no article holds them
        add(" ".join(rng.choices(vocabulary, k=rng.randint(9, 20))), "", (None, ()))
    for article_id in rng.sample(ids, 300):  # BBC articles by their title
        title, text = texts[article_id]
        sentences = _sentences(text)
        if sentences:
            by_title_row(rng.choice(sentences), title)
    for article_id in rng.sample(ids, 200):  # by title, the quote cut inside a word
        title, text = texts[article_id]
        pairs = list(re.finditer(r"\b(\w{5,}) (\w+)\b", text))
        if pairs:
            m = rng.choice(pairs)
            by_title_row(text[m.start() + 2 : m.end()], title)  # "nd Thursday" of "and Thursday"
    for article_id in rng.sample(ids, 300):  # no title: placed only when the words are unique
        sentences = _sentences(texts[article_id][1])
        if sentences:
            sentence = rng.choice(sentences)
            unique = _holders(texts, sentence) == [article_id]
            add(sentence, "", ("at", {article_id}) if unique else (None, ()))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue(), expect


def test_a_readwise_export_over_the_bbc_library(bbc):
    lib, texts = bbc
    data, expect = _export(texts)
    assert len(expect) >= 2000
    started = time.perf_counter()
    report = lib.import_annotations(data)
    took = time.perf_counter() - started
    wrong = []
    for placed in report.placed:
        how, where, quote = expect[placed.source_id]
        text = texts[placed.article_id][1]
        if placed.status == "orphaned":
            if how != "orphan" or placed.article_id not in where:
                wrong.append((placed, how, where))
            continue
        span = text[placed.start : placed.end]
        inside_word = (placed.start > 0 and text[placed.start - 1].isalnum()) or (
            placed.end < len(text) and text[placed.end].isalnum()
        )
        if (
            how != "at"
            or placed.article_id not in where
            or inside_word
            or span.split() != quote.split()
        ):
            wrong.append((placed, how, where))
    assert wrong == [], wrong[:5]
    unplaced = {u.id for u in report.unplaced}
    should_place = {k for k, (how, _, _) in expect.items() if how is not None}
    assert should_place.isdisjoint(unplaced), sorted(should_place & unplaced)[:5]
    assert len(report.placed) == len(should_place)
    by_quote = sum(p.matched_by == "quote" for p in report.placed)
    assert by_quote >= 200, by_quote  # most BBC sentences are unique in the library
    print(
        f"\n{len(expect)} rows: {len(report.placed)} placed ({by_quote} by their words alone), "
        f"{report.orphaned} orphaned, {len(report.unplaced)} not placed, {took:.2f} s"
    )
    assert took < 10.0, f"{took:.1f} s"
