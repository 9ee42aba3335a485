"""Why this matched: fields hit, and what the query's words and patterns became."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO
from index.passages.annotations import AnnotationError
from index.search.engine import QueryError

NEWS = REPO / "tests" / "fixtures" / "html" / "news_article.html"


@pytest.fixture
def two(library, seed_path):
    seed = library.import_paths([seed_path]).article_ids[0]
    news = library.import_paths([NEWS]).article_ids[0]
    return seed, news


def test_wildcard_expansion_and_the_words_it_found(library, two):
    seed, _ = two
    why = library.explain("protest*", seed)
    assert why["matched"] and why["article"]["matched"]
    expansion = why["expansions"][0]
    assert (expansion["input"], expansion["kind"]) == ("protest*", "prefix")
    assert {"protest", "protests", "protesters"} <= set(expansion["words"])
    assert expansion["terms"] == ["protest"] == why["terms"]
    assert why["article"]["fields"] == {"text": ["protest"]}
    assert {"protests", "protesters"} <= set(why["article"]["words"]["protest"])


def test_stemmed_word_fuzzy_term_and_fields(library, two):
    seed, _ = two
    why = library.explain("title:peru demonstrators juliaka~", seed)
    assert why["words"][0] == {"input": "peru", "field": "title", "terms": ["peru"]}
    assert why["words"][1]["terms"] == ["demonstr"]
    fuzzy = next(e for e in why["expansions"] if e["kind"] == "fuzzy")
    assert fuzzy["input"] == "juliaka~" and "juliaca" in fuzzy["words"]
    fields = why["article"]["fields"]
    assert fields["title"] == ["peru"] and set(fields["text"]) == {"demonstr", "juliaca"}
    assert why["article"]["words"]["demonstr"] == ["demonstrators"]


def test_passages_say_which_of_their_fields_matched(library, two):
    seed, _ = two
    a = library.annotate_quote(
        seed, "state of emergency", color="blue", note="protesters ignored it"
    )
    b = library.annotate_quote(seed, "Lake Titicaca", tags=["geography"])
    why = library.explain("protesters", seed)
    passages = {p["annotation_id"]: p for p in why["passages"]}
    assert set(passages) == {a.id}
    assert passages[a.id]["fields"] == {"note": ["protest"]} and passages[a.id]["matched"]
    assert passages[a.id]["words"] == {"protest": ["protesters"]}

    why = library.explain("color:question", seed)
    assert not why["article"]["matched"] and why["matched"]
    assert [p["fields"] for p in why["passages"]] == [{"colour": ["blue"]}]

    why = library.explain("tag:geography titicaca", seed)
    passage = next(p for p in why["passages"] if p["annotation_id"] == b.id)
    assert passage["fields"] == {"quote": ["titicaca"], "tags": ["geography"]}
    assert passage["matched"]


def test_not_terms_are_not_reasons_and_block_the_match(library, two):
    seed, news = two
    why = library.explain('"state of emergency" -lima', seed)
    assert not why["article"]["matched"]  # the seed mentions Lima
    assert why["article"]["fields"] == {"text": ["state of emerg"]}
    assert "lima" not in why["terms"]
    assert why["article"]["excluded_by"] == {"text": ["lima"]}
    other = library.explain("juliaca", news)
    assert not other["matched"] and other["article"]["fields"] == {}


def test_errors(library, two):
    seed, _ = two
    with pytest.raises(QueryError):
        library.explain("date:2023-13", seed)
    with pytest.raises(AnnotationError, match="no article"):
        library.explain("peru", 999)
    assert library.explain("the", seed)["message"]  # only a stop word: nothing to search


def test_command_line_explain(tmp_path, seed_path):
    folder = tmp_path / "lib"
    run = [sys.executable, "main.py", "--library", str(folder)]
    subprocess.run([*run, "import", str(seed_path)], cwd=REPO, check=True, capture_output=True)
    listed = subprocess.run([*run, "list", "--json"], cwd=REPO, capture_output=True, text=True)
    seed = next(
        a["id"] for a in json.loads(listed.stdout)["articles"] if a["title"].startswith("Mass")
    )
    done = subprocess.run(
        [*run, "explain", "protest*", str(seed)], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "protest* → protest, protested, protesters, protests" in done.stdout
    assert "article: text: protest" in done.stdout
    done = subprocess.run(
        [*run, "explain", "protest*", str(seed), "--json"], cwd=REPO, capture_output=True, text=True
    )
    assert json.loads(done.stdout)["article"]["matched"] is True
