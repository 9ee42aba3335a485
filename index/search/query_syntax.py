"""The search box's syntax: query text into tokens, limits, and a tree of words.

`tokenize` never fails (an open quote runs to the end); `check_limits` refuses, in one
line, a query too long, too wide or too deep before any tree is built; `is_pasted` and
`is_sentence` tell a pasted paragraph or a typed question (searched as a bag of words)
from a query; `Parser` makes the tree of `Node`s and `Leaf`s that query.py compiles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.search.errors import QueryError

MAX_QUERY_CHARS = 1000  # a query written by hand...
MAX_QUERY_TERMS = 64
MAX_QUERY_DEPTH = 16
MAX_PASTE_CHARS = 10_000  # ...and a pasted paragraph, searched as a bag of words
MAX_PASTE_WORDS = 1_000

# What the user may type before a colon, and the field (or special) it means.
FIELD_NAMES = {
    "title": "title",
    "author": "author",
    "by": "author",
    "body": "body",
    "text": "body",
    "tag": "tag",
    "tags": "tag",
    "note": "note",
    "notes": "note",
    "quote": "quote",
    "color": "color",
    "colour": "color",
    "date": "date",
    "is": "is",
    "has": "has",
}


@dataclass(slots=True)
class Token:
    kind: str  # WORD PHRASE RANGE FIELD ( ) AND OR NOT - +
    text: str
    start: int
    end: int
    slop: int = 1


@dataclass(slots=True)
class Leaf:
    """One searchable piece: a word, phrase or range, maybe bound to a field."""

    kind: str  # "word" | "phrase" | "range"
    text: str
    field: str | None
    start: int
    end: int
    slop: int = 1


@dataclass(slots=True)
class Node:
    op: str  # "and" | "or" | "not"
    items: list


_OPERATORS = {"AND": "AND", "OR": "OR", "NOT": "NOT", "&&": "AND", "||": "OR"}
_FIELD_PREFIX = re.compile(r"([A-Za-z]+):")


def tokenize(text: str) -> list[Token]:
    """Split query text into tokens; never fails (an open quote runs to the end)."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append(Token(c, c, i, i + 1))
            i += 1
        elif c == '"':
            close = text.find('"', i + 1)
            end = n if close < 0 else close
            tok = Token("PHRASE", text[i + 1 : end], i + 1, end)
            i = end + 1
            slop = re.match(r"~(\d{1,2})", text[i:])
            if slop:
                tok.slop = max(1, int(slop.group(1)))
                i += slop.end()
            tokens.append(tok)
        elif c in "-+" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] not in "-+)":
            tokens.append(Token(c, c, i, i + 1))
            i += 1
        elif c in "[{" and tokens and tokens[-1].kind == "FIELD" and tokens[-1].end == i:
            closing = re.compile(r"[\]}]").search(text, i + 1)
            end = n if closing is None else closing.start()
            tokens.append(Token("RANGE", text[i + 1 : end], i + 1, end))
            i = end + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '()"':
                j += 1
            word = text[i:j]
            prefix = _FIELD_PREFIX.match(word)
            if prefix and prefix.group(1).lower() in FIELD_NAMES:
                name = FIELD_NAMES[prefix.group(1).lower()]
                tokens.append(Token("FIELD", name, i, i + prefix.end()))
                i += prefix.end()
                continue
            if word in _OPERATORS:
                tokens.append(Token(_OPERATORS[word], word, i, j))
            else:
                tokens.append(Token("WORD", word, i, j))
            i = j
    return tokens


def check_limits(text: str, tokens: list[Token] | None = None) -> list[Token]:
    """Raise QueryError for a query too long, too wide or too deep to run; return its tokens."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"The query is too long ({len(text):,} characters; the limit is {MAX_QUERY_CHARS:,})"
        )
    if tokens is None:
        tokens = tokenize(text)
    terms, deepest = _measure(tokens)
    if terms > MAX_QUERY_TERMS:
        raise QueryError(f"The query has too many terms ({terms}; the limit is {MAX_QUERY_TERMS})")
    if deepest > MAX_QUERY_DEPTH:
        raise QueryError(
            f"The query nests parentheses too deeply ({deepest}; the limit is {MAX_QUERY_DEPTH})"
        )
    return tokens


def _measure(tokens: list[Token]) -> tuple[int, int]:
    """A token list's number of terms and deepest nesting of parentheses."""
    terms = depth = deepest = 0
    for tok in tokens:
        if tok.kind == "WORD":
            terms += 1
        elif tok.kind == "PHRASE":
            terms += max(1, len(tok.text.split()))
        elif tok.kind == "RANGE":
            terms += 1
        elif tok.kind == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif tok.kind == ")":
            depth = max(0, depth - 1)
    return terms, deepest


PASTE_MAX_DEPTH = 3  # parentheses a pasted paragraph may nest; deeper is written by hand


def is_pasted(text: str, tokens: list[Token]) -> bool:
    """True for text past the limits of a hand-written query that uses no operator:
    no AND / OR / NOT, no field:, parentheses at most PASTE_MAX_DEPTH deep. Such text
    (a pasted paragraph) is searched as a ranked bag of its words. So is a long list of
    words joined by OR and nothing else: OR-ing words is what a bag of words does."""
    if len(text) <= MAX_QUERY_CHARS:
        terms, deepest = _measure(tokens)
        if terms <= MAX_QUERY_TERMS and deepest <= MAX_QUERY_DEPTH:
            return False
    kinds = {tok.kind for tok in tokens}
    if kinds <= {"WORD", "OR"}:
        return True
    if kinds & {"AND", "OR", "NOT", "FIELD", "RANGE"}:
        return False
    return _measure(tokens)[1] <= PASTE_MAX_DEPTH


SENTENCE_WORDS = 5  # bare words that make a query without operators a sentence


def is_sentence(tokens: list[Token]) -> bool:
    """True for a question or a list of words typed as such: five bare words or more and
    nothing but words, "phrases" and parentheses; no field, operator, `-`, wildcard or
    fuzzy mark (a closing question mark is punctuation). "What articles deal with time
    sharing systems?" is not ten conditions that must all hold: like a pasted paragraph
    it is searched as a ranked bag of its words, any of which may match, the articles
    holding more of them, and the rarer ones, first. Shorter queries keep their AND."""
    if any(tok.kind not in ("WORD", "PHRASE", "(", ")", "+") for tok in tokens):
        return False
    words = [
        tok.text for tok in tokens if tok.kind == "WORD" and any(c.isalnum() for c in tok.text)
    ]
    return len(words) >= SENTENCE_WORDS and not any(_PATTERN_MARK.search(w) for w in words)


# a wildcard or fuzzy mark in a word (protest*, pr?test, juliaka~2); "what?" or "cases?--"
# is punctuation
_PATTERN_MARK = re.compile(r"\w[*?]\w|\w\*(?!\w)|(?<!\w)\*\w|\w~\d?(?!\w)")


class Parser:
    """Recursive descent over the token list: OR < AND (implicit) < NOT/- < atom."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos].kind if self.pos < len(self.tokens) else None

    def next(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Node | Leaf | None:
        items = []
        while self.peek() is not None:
            if self.peek() == ")":  # a stray closing parenthesis: ignore it
                self.next()
                continue
            node = self.or_expr(None)
            if node is not None:
                items.append(node)
        return _join("and", items)

    def or_expr(self, fieldname: str | None) -> Node | Leaf | None:
        items = [self.and_expr(fieldname)]
        while self.peek() == "OR":
            self.next()
            items.append(self.and_expr(fieldname))
        return _join("or", [i for i in items if i is not None])

    def and_expr(self, fieldname: str | None) -> Node | Leaf | None:
        items = []
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.next()
                continue
            node = self.unary(fieldname)
            if node is not None:
                items.append(node)
        return _join("and", items)

    def unary(self, fieldname: str | None) -> Node | Leaf | None:
        negate = False
        while self.peek() in ("NOT", "-", "+"):
            if self.next().kind != "+":
                negate = not negate
        if self.peek() in (None, ")", "OR", "AND"):
            return None
        node = self.atom(fieldname)
        if node is None or not negate:
            return node
        return Node("not", [node])

    def atom(self, fieldname: str | None) -> Node | Leaf | None:
        tok = self.next()
        if tok.kind == "(":
            node = self.or_expr(fieldname)
            if self.peek() == ")":
                self.next()
            return node
        if tok.kind == "FIELD":
            if self.peek() not in ("WORD", "PHRASE", "RANGE", "("):
                raise QueryError(f'{tok.text}: needs a word or a "phrase" after the colon')
            return self.atom(tok.text)
        if tok.kind == "RANGE":
            return Leaf("range", tok.text, fieldname, tok.start, tok.end)
        if tok.kind == "PHRASE":
            return Leaf("phrase", tok.text, fieldname, tok.start, tok.end, tok.slop)
        return Leaf("word", tok.text, fieldname, tok.start, tok.end)


def _join(op: str, items: list) -> Node | Leaf | None:
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return Node(op, items)
