"""Selectors and re-anchoring: code-point offsets, exact and moved quotes, fuzzy or orphaned.

The texts here are written for these tests. The property tests build texts from
a vocabulary in which every word appears at most once, so "the place the
passage really is now" is well defined: nothing else in the text repeats it.
"""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from index.passages.anchoring import (
    CONTEXT_CHARS,
    FUZZY_THRESHOLD,
    MEDIUM_QUOTE,
    SCAN_RADIUS,
    AnchorResult,
    Selector,
    find_occurrences,
    make_selector,
    reanchor,
    select_occurrence,
)

PROPERTY = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # 👩‍👩‍👧: five code points
E_ACUTE = "e\u0301"  # e + combining acute accent: two code points

ARTICLE = (
    "Harbour lights return to the old town\n"
    "The council agreed on Monday to restore the lamps along the quay, which "
    "have been dark since the storm two winters ago.\n"
    "Engineers say the work will take three months and cost less than first "
    "feared, because most of the iron posts can be saved.\n"
    "Shop owners on the waterfront welcomed the news, saying evening trade had "
    "fallen by a third since the lights went out.\n"
    "The first lamps should shine again before the spring festival."
)


def _span(text: str, quote: str, nth: int = 1) -> Selector:
    selector = select_occurrence(text, quote, nth)
    assert selector is not None, quote
    return selector


def _placed(result: AnchorResult) -> tuple[int, int]:
    assert result.selector is not None, result
    return result.selector.start, result.selector.end


# --- selectors ---------------------------------------------------------------


def test_make_selector_takes_quote_and_context() -> None:
    start = ARTICLE.index("restore the lamps")
    sel = make_selector(ARTICLE, start, start + len("restore the lamps"))
    assert sel.exact == "restore the lamps"
    assert len(sel.prefix) == len(sel.suffix) == CONTEXT_CHARS
    assert ARTICLE.endswith(sel.prefix, 0, start)
    assert ARTICLE.startswith(sel.suffix, sel.end)


def test_make_selector_at_the_edges_of_the_text() -> None:
    first = make_selector(ARTICLE, 0, 7)
    assert (first.exact, first.prefix) == ("Harbour", "")
    last = make_selector(ARTICLE, len(ARTICLE) - 9, len(ARTICLE))
    assert (last.exact, last.suffix) == ("festival.", "")


@pytest.mark.parametrize("start,end", [(5, 5), (6, 5), (-1, 3), (0, len(ARTICLE) + 1)])
def test_make_selector_refuses_empty_or_outside_spans(start: int, end: int) -> None:
    with pytest.raises(ValueError):
        make_selector(ARTICLE, start, end)


def test_offsets_are_code_points_after_emoji_and_combining_accents() -> None:
    text = f"Hi 😀 and {FAMILY} then caf{E_ACUTE}: the passage here."
    sel = _span(text, "the passage")
    # 3 + 1 (😀) + 5 + 5 (family) + 6 + 7 (café with a combining accent, colon, space)
    assert sel.start == 27
    assert sel.end == 38
    assert text[sel.start : sel.end] == "the passage"
    assert sel.prefix.endswith(f"caf{E_ACUTE}: ")
    # Qt would count UTF-16 units: four more for the four astral code points.
    assert len(text[: sel.start].encode("utf-16-le")) // 2 == 31


def test_select_occurrence_counts_from_one() -> None:
    text = f"{FAMILY} a cat, a cat, and a cat 😀"
    starts = find_occurrences(text, "a cat")
    assert starts == [6, 13, 24]
    assert _span(text, "a cat", 2).start == 13
    assert _span(text, "a cat", 3).suffix == " 😀"
    assert select_occurrence(text, "a cat", 4) is None
    assert select_occurrence(text, "a dog") is None
    with pytest.raises(ValueError):
        select_occurrence(text, "a cat", 0)
    with pytest.raises(ValueError):
        select_occurrence(text, "")


def test_find_occurrences_includes_overlapping_ones() -> None:
    assert find_occurrences("aaaa", "aa") == [0, 1, 2]
    assert find_occurrences("abc", "x") == []
    with pytest.raises(ValueError):
        find_occurrences("abc", "")


# --- re-anchoring: cases -------------------------------------------------------


def test_unchanged_text_is_exact() -> None:
    old = _span(ARTICLE, "three months")
    result = reanchor(ARTICLE, old)
    assert result == AnchorResult("exact", old, 1.0)


def test_text_inserted_before_moves_the_passage_by_code_points() -> None:
    old = _span(ARTICLE, "cost less than first feared")
    added = f"Update 😀 {FAMILY} caf{E_ACUTE}.\n"
    result = reanchor(added + ARTICLE, old)
    assert result.status == "moved"
    assert _placed(result) == (old.start + len(added), old.end + len(added))


def test_duplicate_quote_is_told_apart_by_its_context() -> None:
    text = (
        "In the north the river rose fast. Farmers moved sheep uphill.\n"
        "In the south the river rose fast. Nobody had expected it there."
    )
    old = _span(text, "the river rose fast", 2)
    # The southern paragraph now comes first and grows: the old offset is
    # nearer the northern copy, the context points to the southern one.
    new = (
        "In the south the river rose fast. Nobody had expected it there after a dry week.\n"
        "In the north the river rose fast. Farmers moved sheep uphill."
    )
    result = reanchor(new, old)
    assert result.status == "moved"
    start, end = _placed(result)
    assert new[start:end] == "the river rose fast"
    assert start == new.index("the river rose fast")
    assert "Nobody" in result.selector.suffix


def test_short_duplicate_word_goes_to_the_copy_with_its_context() -> None:
    text = "One lamp, two lamps. The lamp by the gate is old. A lamp was sold."
    old = _span(text, "lamp", 3)  # "The lamp by the gate"
    new = "Prologue. " + text.replace("One lamp, two lamps. ", "")
    start, end = _placed(reanchor(new, old))
    assert new[start - 4 : end + 7] == "The lamp by the"


def test_deleted_paragraph_orphans_its_passage() -> None:
    old = _span(ARTICLE, "most of the iron posts can be saved")
    paragraph = next(p for p in ARTICLE.split("\n") if "iron posts" in p)
    new = ARTICLE.replace(paragraph + "\n", "")
    result = reanchor(new, old)
    assert result.status == "orphaned"
    assert result.selector is None
    assert result.similarity < FUZZY_THRESHOLD


def test_one_word_changed_in_a_sentence_is_fuzzy() -> None:
    old = _span(ARTICLE, "Engineers say the work will take three months")
    new = ARTICLE.replace("take three months", "take four months")
    result = reanchor(new, old)
    assert result.status == "fuzzy"
    assert FUZZY_THRESHOLD <= result.similarity < 1.0
    start, end = _placed(result)
    assert new[start:end] == "Engineers say the work will take four months"


def test_short_quote_spelling_change_is_fuzzy_in_its_context() -> None:
    text = "The harbour colour was grey. Boats waited for the tide."
    old = _span(text, "colour")
    new = text.replace("colour", "color")
    result = reanchor(new, old)
    assert result.status == "fuzzy"
    assert new[slice(*_placed(result))] == "color"


def test_short_quote_rewritten_is_orphaned_not_moved_to_its_twin() -> None:
    text = (
        "The report was late. Ministers blamed the weather and the printers.\n"
        "A second paragraph says the report will be read in June by everyone."
    )
    old = _span(text, "The report")
    new = text.replace("The report was late", "The review was late")
    result = reanchor(new, old)
    # "the report" survives in the second paragraph, but not in this context.
    assert result.status in ("orphaned", "fuzzy")
    if result.selector is not None:
        assert result.selector.start == 0


def test_word_replaced_in_a_short_quote_is_orphaned() -> None:
    old = _span(ARTICLE, "three months")
    new = ARTICLE.replace("three months", "nine weeks")
    result = reanchor(new, old)
    assert result.status == "orphaned"
    assert 0.0 <= result.similarity < FUZZY_THRESHOLD


def test_unrelated_text_orphans_everything() -> None:
    other = (
        "A recipe for bread: flour, water, salt and yeast, mixed and left to rise "
        "overnight before baking in a hot oven for forty minutes."
    )
    for quote in ("restore the lamps", "the news", "evening trade had fallen by a third"):
        assert reanchor(other, _span(ARTICLE, quote)).status == "orphaned"
    assert reanchor("", _span(ARTICLE, "the news")) == AnchorResult("orphaned", None, 0.0)


def test_passages_at_both_ends_of_the_text() -> None:
    head, tail = _span(ARTICLE, "Harbour lights"), _span(ARTICLE, "spring festival.")
    new = ARTICLE.replace("Harbour lights", "Harbor lights").replace("festival.", "festival!")
    assert reanchor(new, head).status == "fuzzy"
    assert new[slice(*_placed(reanchor(new, head)))] == "Harbor lights"
    assert new[slice(*_placed(reanchor(new, tail)))] == "spring festival!"


def test_accent_added_after_a_passage_is_not_split_off() -> None:
    text = "Breakfast: bread and cafe au lait, then a walk by the harbour."
    old = _span(text, "bread and cafe")
    new = text.replace("cafe", f"caf{E_ACUTE}")
    result = reanchor(new, old)
    # "bread and cafe" still occurs letter for letter, but cut before the accent.
    assert result.status == "fuzzy"
    assert new[slice(*_placed(result))] == f"bread and caf{E_ACUTE}"


def test_far_move_in_a_long_text_is_found_and_fast() -> None:
    filler = " ".join(f"word{i:06d}" for i in range(100_000))  # about 1.1 MB
    passage = "the lamps along the quay have been dark since the storm two winters ago"
    text = "Harbour news in brief: " + passage + ". " + filler
    old = _span(text, passage)
    assert len(filler) > 2 * SCAN_RADIUS
    edited = passage.replace("dark", "unlit")
    new = filler + ". Harbour news in brief: " + edited + "."
    began = time.perf_counter()
    result = reanchor(new, old)
    elapsed = time.perf_counter() - began
    assert result.status == "fuzzy"
    assert new[slice(*_placed(result))] == edited
    assert elapsed < 2.0  # about 0.02 s on the reference machine; the bound is generous


# --- re-anchoring: properties ---------------------------------------------------

WORDS = """harbour lamp quay storm winter engineer council iron post shop owner trade
        evening spring festival river north south farmer sheep hill bridge road market
        bread flour water salt yeast oven minute hour morning night week month year
        green blue red grey white black small large old new early late quiet loud
        walk run carry open close build mend paint sell buy read write speak listen
        under over between beside through across behind before after during without
        because although while unless since until whether therefore however meanwhile
        teacher doctor sailor baker farmer miller weaver potter singer painter
        window door roof wall floor garden field forest meadow valley island coast
        and the of to in on at by for with from is was are were be been has had
        a an this that these those it its they them their we our you your he she"""
VOCAB = sorted(
    set(WORDS.split()) | {f"caf{E_ACUTE}", "naïve", "😀", FAMILY, "façade", "Zürich", "smörgås"}
)

texts = st.lists(st.sampled_from(VOCAB), min_size=40, max_size=140, unique=True).map(
    lambda words: "\n".join(" ".join(words[i : i + 17]) for i in range(0, len(words), 17))
)
inserts = st.one_of(
    st.sampled_from(VOCAB).map(lambda w: f" {w} "),
    st.text(alphabet=f"abcxyz \n.,é\u0301😀{FAMILY}", min_size=1, max_size=12),
)


def _edit(data: st.DataObject, text: str, lo: int, hi: int, count: int) -> tuple[str, int]:
    """`text` with `count` random edits between offsets lo and hi; returns the new hi."""
    for _ in range(count):
        op = data.draw(st.sampled_from(("insert", "delete", "replace")))
        at = data.draw(st.integers(lo, hi))
        stop = data.draw(st.integers(at, min(hi, at + 20)))
        new = "" if op == "delete" else data.draw(inserts)
        if op == "insert":
            stop = at
        text = text[:at] + new + text[stop:]
        hi += len(new) - (stop - at)
    return text, hi


def _joins(ch: str) -> bool:
    """A character glued to the one before it: a combining mark or a zero-width joiner."""
    return unicodedata.combining(ch) != 0 or ch == "\u200d"


def _pick(data: st.DataObject, text: str, min_len: int, max_len: int = 200) -> Selector:
    """A random span that, like a highlight made in the reader, cuts no character cluster."""
    assume(len(text) > min_len + 2)
    start = data.draw(st.integers(0, len(text) - min_len))
    end = data.draw(st.integers(start + min_len, min(len(text), start + max_len)))
    assume(not _joins(text[start]) and not _joins(text[end - 1]))
    assume(end == len(text) or not _joins(text[end]))
    return make_selector(text, start, end)


@PROPERTY
@given(text=texts, data=st.data())
def test_edits_outside_a_long_passage_keep_it_exact(text: str, data: st.DataObject) -> None:
    old = _pick(data, text, MEDIUM_QUOTE)
    before, after = text[: old.start], text[old.end :]
    before, _ = _edit(data, before, 0, len(before), data.draw(st.integers(0, 4)))
    after, _ = _edit(data, after, 0, len(after), data.draw(st.integers(0, 4)))
    assume(not after or not _joins(after[0]))  # that would edit the passage's last letter
    new = before + old.exact + after
    result = reanchor(new, old)
    assert result.status in ("exact", "moved")
    assert result.similarity == 1.0
    start, end = _placed(result)
    assert new[start:end] == old.exact == result.selector.exact
    if len(find_occurrences(new, old.exact)) == 1:
        assert start == len(before)
        assert result.status == ("exact" if start == old.start else "moved")


@PROPERTY
@given(text=texts, data=st.data())
def test_edits_beyond_the_context_keep_any_passage_exact(text: str, data: st.DataObject) -> None:
    old = _pick(data, text, 1, 80)
    far_before = text[: max(0, old.start - CONTEXT_CHARS)]
    far_after = text[old.end + CONTEXT_CHARS :]
    kept = text[len(far_before) : len(text) - len(far_after)]
    offset_in_kept = old.start - len(far_before)
    far_before, _ = _edit(data, far_before, 0, len(far_before), data.draw(st.integers(0, 4)))
    far_after, _ = _edit(data, far_after, 0, len(far_after), data.draw(st.integers(0, 4)))
    new = far_before + kept + far_after
    result = reanchor(new, old)
    assert result.status in ("exact", "moved")
    start, end = _placed(result)
    assert new[start:end] == old.exact
    if new.count(old.prefix + old.exact + old.suffix) == 1:
        assert start == len(far_before) + offset_in_kept


@PROPERTY
@given(text=texts, data=st.data())
def test_edits_inside_a_passage_are_fuzzy_there_or_orphaned(text: str, data: st.DataObject) -> None:
    old = _pick(data, text, 4)
    edited, _ = _edit(data, old.exact, 0, len(old.exact), data.draw(st.integers(1, 6)))
    assume(edited != old.exact)
    before, after = text[: old.start], text[old.end :]
    new = before + edited + after
    truth = (len(before), len(before) + len(edited))
    result = reanchor(new, old)
    if result.status in ("exact", "moved"):
        # Only possible when the edit left an exact copy of the quote in place.
        start, end = _placed(result)
        assert new[start:end] == old.exact
        assert start < truth[1] + 1 and truth[0] < end + 1
    elif result.status == "fuzzy":
        assert result.similarity >= FUZZY_THRESHOLD
        start, end = _placed(result)
        assert start < truth[1] and truth[0] < end, (new[start:end], edited)
    else:
        assert result.status == "orphaned" and result.selector is None


@PROPERTY
@given(text=texts, data=st.data())
def test_one_letter_changed_in_a_long_passage_is_found(text: str, data: st.DataObject) -> None:
    old = _pick(data, text, MEDIUM_QUOTE)
    at = data.draw(st.integers(0, len(old.exact) - 1))
    letter = data.draw(st.sampled_from("qjxz"))
    assume(old.exact[at] != letter)
    edited = old.exact[:at] + letter + old.exact[at + 1 :]
    new = text[: old.start] + edited + text[old.end :]
    result = reanchor(new, old)
    assert result.status == "fuzzy"
    assert result.similarity >= FUZZY_THRESHOLD
    start, end = _placed(result)
    assert abs(start - old.start) <= 2 and abs(end - old.end) <= 2
