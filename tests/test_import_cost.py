"""Reading a file's text: the characters dropped from the reading text are found by one
regex, and it drops exactly the characters the Unicode categories name."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from index.importers.blocks import (
    _BAD_CHARS,
    _UNCLEAN,
    _clean_steps,
    _is_bad_char,
    clean_inline,
    surely_clean,
)


def test_the_dropped_characters_are_exactly_controls_surrogates_and_private_use():
    differ = [
        hex(point)
        for point in range(0x110000)
        if bool(_BAD_CHARS.match(chr(point))) != _is_bad_char(chr(point))
    ]
    assert differ == []


def test_a_span_loses_its_control_and_private_characters_and_keeps_the_rest():
    text = "Tide\x00 mills\x07 \ue000ground \U000f0001flour\x9f \u00e9t\u00e9 \U0001f600"
    assert clean_inline(text) == "Tide mills ground flour été 😀"


def test_a_span_is_left_as_it_is_only_when_cleaning_would_not_change_it():
    """clean_inline skips its steps for a span in NFC that _UNCLEAN finds nothing in: the
    steps leave every such character (all of them, between letters, in one text) as it is,
    and each character they change is one _UNCLEAN finds or one that is not NFC there."""
    kept = []
    for point in range(0x110000):
        text = f"a{chr(point)}"
        if _UNCLEAN.search(text) is None and unicodedata.is_normalized("NFC", text):
            kept.append(chr(point))
    assert "\ufeff" not in kept and "\n" not in kept and "\u0301" not in kept
    assert "é" in kept and "\u00a0" in kept and "😀" in kept
    every = "a" + "a".join(kept) + "a"
    assert unicodedata.is_normalized("NFC", every) and _UNCLEAN.search(every) is None
    assert _clean_steps(every) == every
    for text in ("two  spaces", "e\u0301", "\u212b", "Fine!", "\u00a0\u00a0", "\ufeff"):
        assert clean_inline(text) == _clean_steps(text)


@given(st.text())
def test_cleaning_random_text_gives_what_the_steps_give(text):
    assert clean_inline(text) == _clean_steps(text)


def test_the_quick_test_of_a_clean_span_passes_nothing_the_regex_would_find():
    """surely_clean, the shortcut of most spans, is true of no text _UNCLEAN finds
    anything in: every code point alone and between letters, and the two spaces."""
    wrong = []
    for point in range(0x110000):
        for text in (chr(point), f"a{chr(point)}b"):
            if surely_clean(text) and _UNCLEAN.search(text) is not None:
                wrong.append(hex(point))
    assert wrong == []
    assert not surely_clean("two  spaces") and not surely_clean("an \ufffc object")
    assert surely_clean("Tide mills ground flour, été 😀")


@given(st.text())
def test_the_quick_test_agrees_with_the_regex_on_random_text(text):
    if surely_clean(text):
        assert _UNCLEAN.search(text) is None


def test_a_block_with_new_spans_keeps_every_other_field():
    """with_spans is replace(block, spans=…) spelled out: it names Block's fields in order."""
    import dataclasses

    from index.importers.blocks import with_spans
    from index.model import Block, Span, TableRow

    names = [f.name for f in dataclasses.fields(Block)]
    assert names == ["kind", "spans", "level", "number", "checked", "language", "rows",
                     "src", "alt", "image"]  # fmt: skip
    block = Block("figure", [Span("a")], 2, 7, True, "py", [TableRow([])], "s.png", "alt", "i")
    spans = [Span("b", "strong")]
    assert with_spans(block, spans) == dataclasses.replace(block, spans=spans)
