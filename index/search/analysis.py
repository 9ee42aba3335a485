"""Text analysis for every script: one analyzer for the index, the query, snippets and marks.

What a piece of text becomes, token by token (each with its position and its code-point
span in the text, so that snippets and the reader can mark the very characters):

- Words of alphabetic scripts (Latin, Cyrillic, Greek, Arabic, Hebrew, Indic…): NFKC,
  case folding (ß = ss) and accent folding (crème = creme = cre◌̀me, ø = o, Arabic
  vowel marks and tatweel dropped), then the English (Porter2) stem when the folded
  word is plain ASCII. Marks that change a letter of their script (Indic vowel signs,
  kana voicing) are kept: only the diacritics of the shared blocks are dropped.
- Han, Hiragana, Katakana and Hangul runs: overlapping bigrams, as Lucene's CJK
  analyzer makes them, plus each character on its own, so that a two-character word
  and a single character both find their text (see `_cjk`).
- Thai, Lao, Khmer and Myanmar runs: words from ICU's dictionary-based word breaker
  (the icu4py wheel); the bigram rule of CJK when it cannot be imported.
- Emoji: each one (with its skin tone and presentation selectors dropped, ZWJ
  sequences and flags kept whole) is a token of its own.

Stop words are indexed like any word and keep their positions, so a phrase matches the
exact sequence it names ("state of emergency" is not "states and emerging"); tokens are
flagged `stopped` (English stop words, single letters and digits) so that the query side
can leave them out of plain, unquoted words. The folded, unstemmed form of each
alphabetic word is kept as its `word` (the spelling and wildcard word lists).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import numpy as np
from whoosh.analysis import STOP_WORDS
from whoosh.analysis import Token as AnalysisToken
from whoosh.analysis.acore import Composable
from whoosh.lang.porter2 import stem as _porter2

WordBreaker: Any
try:  # a dictionary word breaker for Thai, Lao, Khmer and Myanmar
    from icu4py.breakers import WordBreaker
except ImportError:  # pragma: no cover - the wheel is pinned; bigrams are the fallback
    WordBreaker = None


@lru_cache(maxsize=200_000)
def stem_word(word: str) -> str:
    """English (Porter2) stem of a lower-case word, cached and thread-safe.

    whoosh's own stem cache is not safe to share between threads, and the
    analyzers are shared by the indexer thread and every search thread.
    """
    return _porter2(word)


def _ranges(*spans: tuple[int, int]) -> str:
    return "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in spans)


def _marks() -> str:
    """A character class body of every combining mark (Mn, Mc, Me), as ranges."""
    spans: list[list[int]] = []
    for cp in [*range(0x300, 0x20000), *range(0xE0100, 0xE01F0)]:
        if unicodedata.category(chr(cp))[0] == "M":
            if spans and spans[-1][1] == cp - 1:
                spans[-1][1] = cp
            else:
                spans.append([cp, cp])
    return _ranges(*((a, b) for a, b in spans))


# Scripts written without spaces between words.
_CJK = _ranges(
    (0x1100, 0x11FF),  # Hangul jamo
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3031, 0x3035),  # kana repeat marks
    (0x303B, 0x303C),
    (0x3040, 0x30FF),  # Hiragana, Katakana (with the voicing marks)
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0x31A0, 0x31BF),  # Bopomofo extended
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul jamo extended A
    (0xAC00, 0xD7FF),  # Hangul syllables, jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x323AF),  # CJK extensions B–H
)
_SEA = _ranges(
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x19E0, 0x19FF),  # Khmer symbols
    (0xA9E0, 0xA9FF),  # Myanmar extended B
    (0xAA60, 0xAA7F),  # Myanmar extended A
)
_PICTOGRAPHS = _ranges((0x2300, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF))
_EMOJI_TAIL = _ranges((0xFE0E, 0xFE0F), (0x1F3FB, 0x1F3FF)) + "\u20e3"


@lru_cache(maxsize=1)
def token_pattern() -> re.Pattern[str]:
    """A token: an emoji (flag pair, or pictograph with modifiers and ZWJ partners), else a
    run of word characters and marks (dots inside join U.S.A and 3.5, as before). Built on
    first use: the scan for marks costs ~30 ms, not wanted before the window's first paint."""
    word_chars = rf"[\w{_marks()}]"
    return re.compile(
        rf"(?P<emoji>[\U0001F1E6-\U0001F1FF]{{2}}"
        rf"|[{_PICTOGRAPHS}](?:[{_EMOJI_TAIL}]|\u200d[{_PICTOGRAPHS}])*)"
        rf"|{word_chars}+(?:\.{word_chars}+)*"
    )


# A non-ASCII word split into runs: CJK, South-East Asian, everything else.
_RUNS = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<sea>[{_SEA}]+)|[^{_CJK}{_SEA}]+")
_EMOJI_DROP = dict.fromkeys([0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)])


def _fold_table() -> dict[int, str | None]:
    """Diacritics to drop after NFKD, and Latin letters NFKD leaves alone, to map."""
    table: dict[int, str | None] = {}
    blocks = [(0x300, 0x36F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF)]
    blocks += [(0xFE20, 0xFE2F), (0x591, 0x5C7), (0x64B, 0x65F), (0x670, 0x670)]
    for a, b in blocks:
        for cp in range(a, b + 1):
            if unicodedata.category(chr(cp)) == "Mn":
                table[cp] = None
    table[0x640] = None  # Arabic tatweel (a stretching stroke, not a letter)
    letters = {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
    letters |= {"ı": "i", "ħ": "h", "ŧ": "t", "ŀ": "l", "ƒ": "f", "ɨ": "i"}
    for source, target in letters.items():
        table[ord(source)] = target
    return table


_FOLD = _fold_table()


@lru_cache(maxsize=100_000)
def _fold_complex(word: str) -> str:
    return unicodedata.normalize(
        "NFKC", unicodedata.normalize("NFKD", word.casefold()).translate(_FOLD)
    )


def fold(word: str) -> str:
    """A word's folded form: NFKC, case folded, accents dropped (crème, CRÈME → creme)."""
    return word.lower() if word.isascii() else _fold_complex(word)


def is_stopped(word: str) -> bool:
    """True for the words a plain query leaves out: English stop words, single letters
    and digits (a phrase keeps them)."""
    return word in STOP_WORDS or (len(word) == 1 and word.isascii())


# kinds of token
WORD, CJK, SEA, EMOJI = "word", "cjk", "sea", "emoji"


def one_word_term(piece: str) -> str | None:
    """The term `tokens` makes of `piece` when it is one plain ASCII word (letters and
    digits only), without the tokenizer; None for anything else."""
    if not (piece.isascii() and piece.isalnum()):
        return None
    return plain_term(piece.lower())


def tokens(text: str, *, stem: bool = True, query: bool = False) -> Iterator[tuple]:
    """(term, word, pos, start, end, stopped, kind) for each token of `text`, in order.

    `word` is the folded unstemmed form for alphabetic words, None for the others.
    With `query`, CJK runs give only their bigrams (or their single character), the
    terms a query looks for; the index also gets each character (see `_cjk`).
    """
    pos = 0
    for match in token_pattern().finditer(text):
        raw = match.group()
        if raw.isascii():
            word = raw.lower()
            stopped = word in STOP_WORDS or len(word) == 1
            term = stem_word(word) if stem and not stopped else word
            yield term, word, pos, match.start(), match.end(), stopped, WORD
            pos += 1
            continue
        start = match.start()
        if match.lastgroup == "emoji":
            yield raw.translate(_EMOJI_DROP), None, pos, start, match.end(), False, EMOJI
            pos += 1
            continue
        for run in _RUNS.finditer(raw):
            kind = run.lastgroup
            at = start + run.start()
            if kind == "cjk" or (kind == "sea" and WordBreaker is None):
                yield from _cjk(run.group(), at, pos, query)
                pos += max(1, _units_count(run.group()) - 1)
            elif kind == "sea":
                for s, e in WordBreaker(run.group(), "und").segments():
                    term = fold(run.group()[s:e])
                    if term.strip():
                        yield term, None, pos, at + s, at + e, False, SEA
                        pos += 1
            else:
                word = fold(run.group())
                if not word or not any(c.isalnum() for c in word):
                    continue
                stopped = is_stopped(word)
                term = stem_word(word) if stem and not stopped and word.isascii() else word
                yield term, word, pos, at, at + len(run.group()), stopped, WORD
                pos += 1


def _units(run: str, at: int) -> list[tuple[str, int, int]]:
    """A CJK run's characters, NFKC folded, with their spans (a half-width voicing mark
    joins the character before it)."""
    if unicodedata.is_normalized("NFKC", run):
        return [(c, at + i, at + i + 1) for i, c in enumerate(run)]
    units: list[tuple[str, int, int]] = []
    for i, c in enumerate(run):
        folded = unicodedata.normalize("NFKC", c)
        if units and unicodedata.combining(folded[0]):
            text, s, _ = units[-1]
            units[-1] = (unicodedata.normalize("NFC", text + folded), s, at + i + 1)
        else:
            units.append((folded, at + i, at + i + 1))
    return units


def _units_count(run: str) -> int:
    if unicodedata.is_normalized("NFKC", run):
        return len(run)
    return len(_units(run, 0))


def _cjk(run: str, at: int, pos: int, query: bool) -> Iterator[tuple]:
    """Overlapping bigrams of a run, each at the position of its first character; in the
    index also every character, the last one sharing the last bigram's position.

    A run of n characters takes max(1, n - 1) positions, in the index and in a query
    alike, so phrases mixing runs and words line up: "北京大学" is 北京 京大 大学 at
    three positions, 北 京 大 at the first three and 学 with 大学; a query for 学 finds
    the character, one for 大学 the bigram, one for 北京大学 the three bigrams in order.
    """
    units = _units(run, at)
    n = len(units)
    if n == 1:
        text, s, e = units[0]
        yield text, None, pos, s, e, False, CJK
        return
    for i in range(n - 1):
        (a, s, _), (b, _, e) = units[i], units[i + 1]
        if not query:
            yield a, None, pos + i, s, units[i][2], False, CJK
        yield a + b, None, pos + i, s, e, False, CJK
    if not query:
        text, s, e = units[-1]
        yield text, None, pos + n - 2, s, e, False, CJK


class TextAnalyzer(Composable):
    """The module's analysis as a whoosh analyzer (whoosh's fields and formats call it).

    In "index" mode every token is given, stop words included (`stopword` says which
    are); otherwise those are left out when `removestops` (whoosh's default) is true.
    """

    def __init__(self, stem: bool) -> None:
        self.stem = stem
        self.is_morph = stem  # has_morph() makes TEXT(spelling=True) keep unstemmed words

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextAnalyzer) and self.stem == other.stem

    def __hash__(self) -> int:
        return hash(("gloss-analyzer", self.stem))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        no_morph: bool = False,
        **kwargs,
    ):
        token = AnalysisToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stem = self.stem and not no_morph
        drop = removestops and mode != "index"
        query = mode == "query"
        for term, word, pos, start, end, stopped, _kind in tokens(value, stem=stem, query=query):
            if stopped and drop:
                continue
            token.text = term
            token.word = word  # the unstemmed form, for the spelling word lists
            token.stopword = stopped
            token.stopped = stopped and drop  # whoosh's formats skip stopped tokens
            token.boost = 1.0
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


# Reading text, titles, quotes, notes, tag words: stemmed.
STEM_ANALYZER = TextAnalyzer(stem=True)
# Author names: folded but never stemmed (Jones is not Jone).
NAME_ANALYZER = TextAnalyzer(stem=False)


def postings(text: str, chars: bool) -> tuple[dict[str, list], list[str]]:
    """STEM_ANALYZER's postings in one pass: term → positions (with character spans when
    `chars`), and the unstemmed words (not stop words) in order of first use.

    The same terms, positions and spans as whoosh's `word_values` over the analyzer's
    tokens (a test holds them equal), without a Token object per word: this loop is
    most of what indexing an article costs. ASCII words take the short road.
    """
    found: dict[str, list] = {}
    words: dict[str, None] = {}
    pos = 0
    stops = STOP_WORDS
    for match in token_pattern().finditer(text):
        raw = match.group()
        if raw.isascii():
            word = raw.lower()
            if word in stops or len(word) == 1:
                term = word
            else:
                words[word] = None
                term = stem_word(word)
            place = (pos, match.start(), match.end()) if chars else pos
            found.setdefault(term, []).append(place)
            pos += 1
            continue
        last = -1
        for term, word, p, start, end, stopped, _kind in tokens(raw):
            place = (pos + p, match.start() + start, match.start() + end) if chars else pos + p
            found.setdefault(term, []).append(place)
            if word is not None and not stopped:
                words[word] = None
            last = p
        pos += last + 1
    return found, list(words)


# The token pattern restricted to ASCII: on a text whose other characters are all "inert"
# (neither word characters, marks nor emoji: quotes, dashes, currency signs…) it finds
# exactly the tokens token_pattern() finds, at the same places (see `token_table`).
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
_WORD_BYTE = np.zeros(256, np.bool_)
for _c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_":
    _WORD_BYTE[_c] = True
_SHORT = 160  # characters: shorter plain texts are split by a plain loop
_FLAGS = range(0x1F1E6, 0x1F200)  # regional indicators: a pair of them is a flag token


@lru_cache(maxsize=8192)
def _inert(char: str) -> bool:
    """True for a non-ASCII character that neither starts nor continues a token."""
    return token_pattern().match(char) is None and ord(char) not in _FLAGS


def plain_term(word: str) -> str:
    """The term of a lower-case ASCII word as `postings` makes it (stop words unstemmed)."""
    return word if word in STOP_WORDS or len(word) == 1 else stem_word(word)


def spelling_words(words) -> set[str]:
    """Of lower-case words, those the spelling lists keep (not stop words or single letters)."""
    return {w for w in words if len(w) > 1} - STOP_WORDS


def plain_tokens(text: str) -> tuple[list[str], np.ndarray] | None:
    """A plain text's tokens, lower-cased, and their (n, 3) int32 places (position, start
    char, end char); None for a text that is not plain.

    A plain text has only ASCII words among ASCII or inert characters (quotes, dashes,
    currency signs…): for it the ASCII token pattern finds exactly the tokens of
    token_pattern(), and every token is one position. The tokens come from one regex
    pass over the lower-cased text and their spans from a NumPy pass over the code
    points, with no Python work per token.
    """
    lower = text.lower()
    if len(lower) != len(text):
        return None
    if not text.isascii() and not all(c.isascii() or _inert(c) for c in set(text)):
        return None
    if len(text) < _SHORT:  # a title: NumPy's fixed cost is more than the loop's
        spans = [(m.group(), m.start(), m.end()) for m in _ASCII_TOKEN.finditer(lower)]
        table = np.array([(i, a, b) for i, (_, a, b) in enumerate(spans)], np.int32)
        return [w for w, _, _ in spans], table.reshape(-1, 3)
    found = _ASCII_TOKEN.findall(lower)
    if lower.isascii():  # one byte a character: the same places, a quarter of the bytes
        codes = np.frombuffer(lower.encode("ascii"), np.uint8)
    else:  # non-ASCII characters are inert here: each is one place, never a word's
        codes = np.minimum(np.frombuffer(lower.encode("utf-32-le"), np.uint32), 128)
    inside = np.zeros(len(codes) + 2, np.bool_)  # with a non-word place at either end
    inside[1:-1] = _WORD_BYTE[codes]
    if len(codes) > 2:  # a dot between two word characters joins them (U.S.A, 3.5)
        inside[2:-2] |= (codes[1:-1] == 46) & inside[1:-3] & inside[3:-1]
    edges = np.flatnonzero(inside[1:] != inside[:-1])  # a token's start, then its end
    if len(edges) != 2 * len(found):
        return None
    table = np.empty((len(found), 3), np.int32)
    table[:, 0] = np.arange(len(found))
    table[:, 1:] = edges.reshape(-1, 2)
    return found, table


def token_table(text: str) -> tuple[list[str], np.ndarray, set[str]]:
    """STEM_ANALYZER's tokens of `text` as a table: each token's term, an (n, 3) int32 array
    of (position, start char, end char), and the set of its spelling words: what
    `postings` gives, token by token (a test holds them equal). Plain texts (most) take
    `plain_tokens`' road, the others `postings`' steps."""
    plain = plain_tokens(text)
    if plain is None:
        return _token_table_slow(text)
    found, table = plain
    cache = _term_of
    terms = [cache.get(w) or _cache_term(w) for w in found]
    return terms, table, spelling_words(set(found))


_TERM_CACHE_MAX = 400_000
_term_of: dict[str, str] = {}  # lower-case ASCII word → its term


def _cache_term(word: str) -> str:
    if len(_term_of) >= _TERM_CACHE_MAX:
        _term_of.clear()
    term = _term_of[word] = plain_term(word)
    return term


def _token_table_slow(text: str) -> tuple[list[str], np.ndarray, set[str]]:
    """`token_table` for any text, token by token (the steps of `postings`)."""
    terms: list[str] = []
    flat: list[int] = []
    words: dict[str, None] = {}
    pos = 0
    for match in token_pattern().finditer(text):
        raw = match.group()
        if raw.isascii():
            word = raw.lower()
            if word in STOP_WORDS or len(word) == 1:
                term = word
            else:
                words[word] = None
                term = stem_word(word)
            terms.append(term)
            flat += (pos, match.start(), match.end())
            pos += 1
            continue
        last = -1
        for term, word, p, start, end, stopped, _kind in tokens(raw):
            terms.append(term)
            flat += (pos + p, match.start() + start, match.start() + end)
            if word is not None and not stopped:
                words[word] = None
            last = p
        pos += last + 1
    table = np.array(flat, np.int32).reshape(-1, 3)
    return terms, table, set(words)


def check_breaker() -> str:
    """Which word breaker segments Thai, Lao, Khmer and Myanmar ("icu" or "bigrams")."""
    return "bigrams" if WordBreaker is None else "icu"
