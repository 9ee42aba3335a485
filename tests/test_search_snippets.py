"""Snippets are chosen on tuples (index/search/snippets.py) exactly as whoosh's highlighter
chose them on its Token and Fragment objects, which Gloss used before.

The reference below is that former code: whoosh's PinpointFragmenter (autotrim, the
whole text), BasicFragmentScorer and top_fragments, with the pieces formatter Gloss had.
Over BBC articles and sets of their words (common, rare, several, stop words, none),
the two must give the same pieces; and the analysis helpers must find what whoosh's
analyzer interface finds.
"""

from __future__ import annotations

import random

from whoosh import highlight
from whoosh.analysis import Token

from index.search import snippets
from index.search.analysis import STEM_ANALYZER
from index.search.snippets import (
    ELLIPSIS,
    MAX_SPANS,
    SNIPPET_CHARS,
    SURROUND,
    TOP_FRAGMENTS,
    Fragment,
    analyzed_spans,
    snippet_from_spans,
    spans_agree,
)
from tests.benchmarks import bench_corpus as corpus
from tests.conftest import BBC, need


def _whoosh_snippet(
    text: str, spans, maxchars: int = SNIPPET_CHARS, join: bool = True
) -> list[Fragment]:
    tokens = []
    last_start = -1
    for start, end, term in sorted(spans)[:MAX_SPANS]:
        if start == last_start:
            continue
        last_start = start
        tok = Token(text=term, startchar=start, endchar=end, chars=True)
        tok.matched = True
        tokens.append(tok)
    if not tokens:
        return snippets.opening(text, maxchars + 2 * SURROUND)
    if len(text) <= maxchars + 2 * SURROUND:
        best = [highlight.Fragment(text, tokens, 0, len(text))]
    else:
        fragmenter = highlight.PinpointFragmenter(
            maxchars=maxchars, surround=SURROUND, autotrim=True, charlimit=0
        )
        fragments = fragmenter.fragment_matches(text, tokens)
        best = highlight.top_fragments(
            fragments, TOP_FRAGMENTS, highlight.BasicFragmentScorer(), highlight.FIRST
        )
        if join:  # the one change from the former code, on purpose: see the test below
            best = _joined(text, best)
    out: list[Fragment] = []
    for frag in best:
        if frag.startchar > 0 or out:
            out.append(Fragment(ELLIPSIS, False))
        index = frag.startchar
        for tok in sorted(frag.matches, key=lambda t: (t.startchar, t.startchar - t.endchar)):
            if tok.endchar <= index:
                continue
            start = max(tok.startchar, index)
            if start > index:
                out.append(Fragment(snippets._flat(text[index:start]), False))
            out.append(Fragment(snippets._flat(text[start : tok.endchar]), True))
            index = tok.endchar
        if index < frag.endchar:
            out.append(Fragment(snippets._flat(text[index : frag.endchar]), False))
    if best and best[-1].endchar < len(text):
        out.append(Fragment(ELLIPSIS, False))
    return snippets._merge(out)


def _joined(text: str, best: list) -> list:
    """whoosh shows the text two chosen fragments share twice ("…supply if…Asia. "I
    agree … supply if…"): Gloss shows overlapping or touching fragments as one."""
    out: list = []
    for frag in best:
        if out and frag.startchar <= out[-1].endchar:
            last = out[-1]
            matches = {(m.startchar, m.endchar): m for m in last.matches + frag.matches}
            end = max(last.endchar, frag.endchar)
            out[-1] = highlight.Fragment(text, list(matches.values()), last.startchar, end)
        else:
            out.append(frag)
    return out


def _texts() -> list[str]:
    stories = corpus.read_stories(need(BBC))
    return ["\n".join(s.paragraphs) for s in stories[::7]]


def test_snippets_equal_whooshs_highlighter_over_bbc_articles():
    rng = random.Random(11)
    compared = multi = joined = 0
    for text in _texts():
        words = [t.text for t in STEM_ANALYZER(text, mode="index")]
        vocab = sorted(set(words))
        choices = [
            [rng.choice(words)],  # a word of the text, as often as it comes
            rng.sample(vocab, min(3, len(vocab))),
            [w for w in vocab if words.count(w) == 1][:2],  # rare in it
            ["the", "of", rng.choice(vocab)],  # stop words: many matches
            ["absentword"],
        ]
        for terms in choices:
            spans = analyzed_spans(text, terms)
            for maxchars in (SNIPPET_CHARS, 60):
                got = snippet_from_spans(text, spans, maxchars=maxchars)
                assert got == _whoosh_snippet(text, spans, maxchars), (terms, text[:60])
                compared += 1
                multi += "".join(f.text for f in got).count(ELLIPSIS) >= 3
                joined += got != _whoosh_snippet(text, spans, maxchars, join=False)
    assert compared > 1500 and multi > 100  # many of two fragments among them
    assert joined > 10  # and some whose two fragments overlapped: shown once now


def test_analysed_spans_are_those_of_the_whoosh_analyzer():
    for text in _texts()[:60]:
        # the analyzer yields one Token object again and again: read each as it comes
        found = [
            (t.startchar, t.endchar, t.text) for t in STEM_ANALYZER(text, chars=True, mode="index")
        ]
        terms = {term for _, _, term in found[::5]}
        expected = [place for place in found if place[2] in terms]
        assert analyzed_spans(text, terms) == expected
        assert spans_agree(text, expected)
        assert not spans_agree("x" + text, expected)  # a changed text is noticed


def test_a_plain_words_term_is_the_tokenizers():
    """spans_agree's short road (analysis.one_word_term) against the tokenizer itself."""
    from index.search.analysis import one_word_term, tokens

    checked = 0
    for text in _texts()[:80]:
        for term, _, _, start, end, _, _ in tokens(text):
            piece = text[start:end]
            plain = one_word_term(piece)
            if plain is not None:
                assert [plain] == [t[0] for t in tokens(piece)] == [term], piece
                checked += 1
    assert checked > 10_000
    assert one_word_term("U.S.") is None and one_word_term("naïve") is None


def test_snippets_equal_whooshs_highlighter_on_random_tie_heavy_texts():
    """Short words, tabs, line breaks, images' object characters and overlapping matches:
    the cases where pieces are left empty, joined, or tied at the cut."""
    rng = random.Random(5)
    alphabet = "ab c\n\t\ufffc d e "
    emptied = 0
    for _ in range(4000):
        size = rng.choice([20, 200, 400, 900])
        text = "".join(rng.choice(alphabet) for _ in range(size))
        spans = []
        for _ in range(rng.randint(0, 12)):
            start = rng.randrange(size)
            spans.append((start, min(size, start + rng.randint(1, 9)), rng.choice("xyz")))
        maxchars = rng.choice([SNIPPET_CHARS, 60, 30])
        got = snippet_from_spans(text, spans, maxchars=maxchars)
        assert got == _whoosh_snippet(text, spans, maxchars), (text, spans, maxchars)
        emptied += any(text[s:e] == "\ufffc" for s, e, _ in spans)
    assert emptied > 100
