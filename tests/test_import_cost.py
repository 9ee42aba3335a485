"""Reading a file's text: the characters dropped from the reading text are found by one
regex, and it drops exactly the characters the Unicode categories name."""

from __future__ import annotations

from index.importers.blocks import _BAD_CHARS, _is_bad_char, clean_inline


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
