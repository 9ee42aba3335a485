"""Search for every script, exact phrases, pasted paragraphs, the welcome article out of the
way, colour facets (issue 14, items 1, 2, 3, 7 and 8), on a real library of articles we write."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.library import Library
from index.search.analysis import check_breaker, tokens
from index.search.snippets import term_spans

ROOT = Path(__file__).resolve().parents[1]

ARTICLES = {
    "chinese.txt": (
        "北京博览会开幕\n\n2024年的北京国际博览会今天开幕，来自世界各地的展商参加。"
        "博览会将持续五天。"
    ),
    "japanese.txt": (
        "桜の季節\n\n東京の公園では桜が満開になりました。週末には多くの人が花見を楽しみます。"
    ),
    "korean.txt": (
        "서울의 봄\n\n서울에서 벚꽃 축제가 열렸습니다. 많은 시민들이 한강 공원을 찾았습니다."
    ),
    "thai.txt": "ภาษาไทย\n\nภาษาไทยเป็นภาษาที่สวยงามและมีประวัติศาสตร์ยาวนาน",
    "arabic.txt": "المكتبة\n\nزرتُ المَكْتَبَةَ الوطنية في القاهرة أمس، وكانت مليئة بالكتب القديمة.",
    "russian.txt": (
        "Зимний город\n\nЁлка стоит на площади. Жители Москвы готовятся к празднику и покупают "
        "подарки."
    ),
    "german.txt": (
        "Das Gericht\n\nDas Bundesverfassungsgericht entschied über die Straße vor dem "
        "Rathaus; die Donaudampfschifffahrt fährt weiter."
    ),
    "french.txt": "La crème\n\nLe chef prépare une cre\u0301me brûlée pour le dessert du soir.",
    "emoji.txt": "Party notes\n\nThe party was great 🎉 and the cake 🍰 was gone by nine 👍🏽.",
    "emergency.txt": (
        "Peru declares\n\nThe government declared a state of emergency in the southern regions "
        "after the protests."
    ),
    "markets.txt": (
        "Trade talks\n\nThe United States and emerging markets signed a new trade agreement "
        "on Tuesday."
    ),
    "hamlet.txt": (
        "A famous line\n\nThe prince asks whether to be or not to be is the question, and waits."
    ),
    "stones.txt": "Stone walls\n\nThe old stone walls of the valley were built without mortar.",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A library (with its welcome article) holding the articles above; {file: id}."""
    folder = tmp_path_factory.mktemp("scripts")
    source = folder / "articles"
    source.mkdir()
    for name, text in ARTICLES.items():
        (source / name).write_text(text, encoding="utf-8")
    lib = Library.open(folder / "lib")
    report = lib.import_paths(sorted(source.iterdir()))
    ids = {}
    for article_id in report.article_ids:
        path = Path(lib.get_article(article_id).source_path)
        ids[path.name] = article_id
    lib.wait_indexed()
    yield lib, ids
    lib.close()


def found(lib: Library, query: str) -> set[int]:
    return {hit.article_id for hit in lib.search(query, limit=50).hits}


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("北京", "chinese.txt"),  # a two-character word inside a run
        ("博览会", "chinese.txt"),  # three characters: its bigrams in order
        ("京", "chinese.txt"),  # a single character
        ("満開", "japanese.txt"),
        ("桜", "japanese.txt"),
        ("花見", "japanese.txt"),
        ("서울", "korean.txt"),
        ("벚꽃", "korean.txt"),
        ("ภาษา", "thai.txt"),
        ("ประวัติศาสตร์", "thai.txt"),
        ("المكتبة", "arabic.txt"),  # written with its vowel marks in the text
        ("القاهرة", "arabic.txt"),
        ("елка", "russian.txt"),  # ё folded to е
        ("ЁЛКА", "russian.txt"),
        ("москвы", "russian.txt"),
        ("Bundesverfassungsgericht", "german.txt"),  # a compound is one word...
        ("bundes*", "german.txt"),  # ...and its first part finds it as a prefix
        ("strasse", "german.txt"),  # ß = ss
        ("STRASSE", "german.txt"),
        ("crème", "french.txt"),  # composed query, decomposed text
        ("creme", "french.txt"),
        ("cre\u0301me", "french.txt"),
        ("brulee", "french.txt"),
        ("🎉", "emoji.txt"),
        ("👍", "emoji.txt"),  # the skin tone folded away
        ("👍🏿", "emoji.txt"),
    ],
)
def test_every_script_finds_its_article(world, query, name):
    lib, ids = world
    assert ids[name] in found(lib, query), query


def test_a_cjk_phrase_matches_its_exact_characters(world):
    lib, ids = world
    assert found(lib, '"北京国际博览会"') == {ids["chinese.txt"]}
    assert found(lib, '"博览北京"') == set()  # the characters in order, not each somewhere
    assert found(lib, '"桜が満開"') == {ids["japanese.txt"]}
    assert found(lib, '"2024年的北京"') == {ids["chinese.txt"]}  # digits and Han in order
    assert found(lib, "北京 博览会") == {ids["chinese.txt"]}


def test_the_reader_marks_cjk_words_whole(world):
    lib, ids = world
    result = lib.search("博览会")
    text = lib.get_article(ids["chinese.txt"]).reading_text
    spans = term_spans(text, result.terms)
    assert [text[a:b] for a, b in spans] == ["博览会", "博览会"]
    hit = next(h for h in result.hits if h.article_id == ids["chinese.txt"])
    assert [f.text for f in hit.snippet if f.match] == ["博览会", "博览会"]


def test_accented_words_are_marked_as_written(world):
    lib, ids = world
    result = lib.search("creme")
    text = lib.get_article(ids["french.txt"]).reading_text
    marked = [text[a:b] for a, b in term_spans(text, result.terms)]
    assert marked and all(m.casefold().startswith("cr") for m in marked)
    assert "cre\u0301me" in marked or "cr\u00e9me" in marked  # NFC or not, as written


def test_analysis_of_each_script():
    def terms(text: str) -> list[str]:
        return [t[0] for t in tokens(text, query=True) if not t[5]]

    assert terms("北京大学") == ["北京", "京大", "大学"]
    assert terms("桜") == ["桜"]
    assert terms("ＡＢＣ ﬁne Straße") == ["abc", "fine", "strass"]  # NFKC, ß, stemmed
    assert terms("crème CRE\u0300ME") == ["creme", "creme"]
    assert terms("👨\u200d👩\u200d👧 🇯🇵") == ["👨\u200d👩\u200d👧", "🇯🇵"]
    assert terms("protesters protesting") == ["protest", "protest"]  # English stems stay
    assert terms("Москва") == ["москва"]  # no English stem on Cyrillic
    assert check_breaker() == "icu"
    assert terms("ภาษาไทยเป็นภาษาที่สวยงาม")[:3] == ["ภาษา", "ไทย", "เป็น"]  # dictionary words


# -- exact phrases -----------------------------------------------------------------------


def test_a_phrase_matches_its_exact_words_stop_words_included(world):
    lib, ids = world
    assert found(lib, '"state of emergency"') == {ids["emergency.txt"]}
    assert ids["markets.txt"] not in found(lib, '"state of emergency"')
    assert found(lib, '"states and emerging"') == {ids["markets.txt"]}
    assert found(lib, '"state in emergency"') == set()  # another stop word is another phrase
    assert found(lib, '"to be or not to be"') == {ids["hamlet.txt"]}
    assert found(lib, '"not to be"') == {ids["hamlet.txt"]}
    assert found(lib, '"STATE OF EMERGENCIES"') == {ids["emergency.txt"]}  # case and stems fold


def test_unquoted_stop_words_are_left_out(world):
    lib, ids = world
    assert ids["emergency.txt"] in found(lib, "state of emergency")
    assert lib.search("the of").message  # nothing to search for


# -- pasted paragraphs ---------------------------------------------------------------------


def _paragraph(words: int) -> str:
    """Prose of exactly `words` words, as someone would paste it: sentences about stone walls
    with punctuation, parentheses, a colon and a quote, and many other words."""
    sentence = (
        "Walls of stone were raised in the valley (without mortar), and the builders said: "
        '"the stone must sit on stone" while word{n} and other{n} things happened.'
    )
    out: list[str] = []
    n = 0
    while len(out) < words:
        out += sentence.format(n=n).split()
        n += 1
    return " ".join(out[:words])


def test_a_pasted_paragraph_is_a_ranked_bag_of_words(world):
    lib, ids = world
    paragraph = _paragraph(900)
    assert len(paragraph.split()) == 900 and len(paragraph) < 10_000
    started = time.perf_counter()
    result = lib.search(paragraph)
    assert time.perf_counter() - started < 3.0
    assert result.hits and result.hits[0].article_id == ids["stones.txt"]
    assert result.message is None


def test_pasted_text_past_its_limits_says_so_in_one_line(world):
    from index.search.query import QueryError

    lib, _ = world
    with pytest.raises(QueryError, match="too many words"):
        lib.search(_paragraph(1_001))
    with pytest.raises(QueryError, match="too long"):
        lib.search("stone " * 2_000)
    with pytest.raises(QueryError, match="too many terms"):  # written by hand: its limit stays
        lib.search(" AND ".join(["stone"] * 70))


def test_search_batch_answers_every_line(world, tmp_path):
    lib, ids = world
    lines = ["桜", "", "title:", _paragraph(900), '"state of emergency"']
    batch = tmp_path / "queries.txt"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "main.py", "--library", str(lib.path), "search", "--batch", str(batch)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["query"] for a in answers] == lines
    assert answers[2]["error"] and "Traceback" not in done.stderr
    assert answers[0]["hits"][0]["article_id"] == ids["japanese.txt"]
    assert answers[3]["hits"][0]["article_id"] == ids["stones.txt"]
    assert done.returncode == 1  # one line was refused


def test_a_closed_pipe_ends_the_batch_quietly(world, tmp_path):
    lib, _ = world
    batch = tmp_path / "many.txt"
    batch.write_text("stone\n" * 2_000, encoding="utf-8")
    command = [sys.executable, "main.py", "--library", str(lib.path), "search"]
    child = subprocess.Popen(
        [*command, "--batch", str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    child.stdout.read(10)
    child.stdout.close()
    _, err = child.communicate(timeout=60)
    assert b"Traceback" not in err


# -- the welcome article -------------------------------------------------------------------


def test_the_welcome_article_stays_out_of_the_way(world):
    lib, ids = world
    welcome = lib.welcome_article_id()
    assert welcome is not None and welcome not in ids.values()
    for query in ('"state of emergency"', "econ*", "juliaka", "juliaka~", "gloss"):
        assert welcome not in found(lib, query), query
    for query in ("welcome", "gloss", "stone"):
        facets = lib.search(query).facets
        assert "The Gloss Team" not in facets["authors"]
        assert "2026" not in facets["years"]
    assert welcome in {a.id for a in lib.list_articles()}  # still listed and readable
    assert lib.get_article(welcome).reading_text


def test_the_welcome_article_is_searchable_while_alone_and_stops_a_suggestion_after(tmp_path):
    with Library.open(tmp_path / "lib") as lib:
        welcome = lib.welcome_article_id()
        assert found(lib, "juliaka") == {welcome}  # alone in the library: searchable
        peru = tmp_path / "peru.txt"
        peru.write_text("Juliaca protests\n\nThe protests in Juliaca went on.", encoding="utf-8")
        lib.import_paths([peru])
        result = lib.search("juliaka")
        assert welcome not in {h.article_id for h in result.hits}
        assert result.suggestion == "juliaca"


def test_an_older_librarys_welcome_article_is_found_by_its_file_after_any_import(tmp_path):
    # a library from before the welcome's key: the article imported from assets/welcome.md
    with Library.open(tmp_path / "lib", create_welcome=False) as lib:
        peru = tmp_path / "peru.txt"
        peru.write_text("Juliaca protests\n\nThe protests in Juliaca went on.", encoding="utf-8")
        lib.import_paths([peru])
        assert found(lib, "protests")  # the lookup's answer (no welcome) is kept from here
        (tmp_path / "assets").mkdir()
        welcome = tmp_path / "assets" / "welcome.md"
        welcome.write_text("# Welcome\n\nThe protests guide for new readers.\n", encoding="utf-8")
        [welcome_id] = lib.import_paths([welcome]).article_ids
        assert welcome_id not in found(lib, "protests")  # the next import asks again


# -- colour facets -------------------------------------------------------------------------


def test_colour_facets_count_by_colour_with_the_legend_names(world, tmp_path):
    lib, ids = world
    lib.set_legend("blue", "open question")
    lib.annotate_quote(ids["stones.txt"], quote="stone walls", color="blue", note="how old?")
    lib.annotate_quote(ids["stones.txt"], quote="without mortar", color="green")
    lib.annotate_quote(ids["emergency.txt"], quote="state of emergency", color="blue")
    lib.wait_indexed()
    result = lib.search("is:annotation")
    assert result.facets["colors"] == {"blue": 2, "green": 1}
    assert result.color_names["blue"] == "open question"
    # green keeps its default name
    assert result.to_json()["legend"] == {"blue": "open question", "green": "evidence"}
    assert {h.article_id for h in lib.search('is:annotation color:"open question"').hits} == {
        ids["stones.txt"],
        ids["emergency.txt"],
    }
    assert lib.search("mortar").facets["colors"] == {"green": 1}
