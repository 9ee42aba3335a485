"""The search box's language: query text in, a whoosh query out.

Syntax (see `parse_query`): plain words search every text field; `field:value`
narrows to one field (`title:`, `author:`, `body:`, `tag:`, `note:`, `quote:`,
`color:`, `date:`, `is:`, `has:`); "phrases" (with `"..."~N` slop); AND, OR,
NOT (upper case) and `-word`; parentheses; `protest*` / `pr?test` wildcards;
`word~` / `word~2` fuzzy terms; `date:2023`, `date:2023-01`, `date:>=2023-06`,
`date:[2023-01-01 to 2023-01-31]` with either end open.

The parser is ours rather than whoosh's QueryParser: every odd input gets a
sensible reading or a one-line `QueryError`, limits are checked on the token
list before any tree is built, and the analyzers here are the ones the index
uses, so the query and the index always agree on what a term is.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh import query as wq
from whoosh.matching import AndNotMatcher

from index.model import PALETTE
from index.search.analysis import fold, is_stopped, stem_word
from index.search.analysis import tokens as text_tokens
from index.search.bm25f import Fields

MAX_QUERY_CHARS = 1000  # a query written by hand...
MAX_QUERY_TERMS = 64
MAX_QUERY_DEPTH = 16
MAX_PASTE_CHARS = 10_000  # ...and a pasted paragraph, searched as a bag of words
MAX_PASTE_WORDS = 1_000
NOTHING_TO_SEARCH = "The query found nothing to search for"


class QueryError(ValueError):
    """A query that cannot run; str(error) is a one-line message for the user."""


STEMMED_FIELDS = ("title", "ctx_title", "body", "tagtext", "quote", "note")
NAME_FIELDS = ("author", "ctx_author")
# Fields a plain word searches, with their boosts (title counts most). An
# annotation's quote and note are in its `body`; its article's title is not.
DEFAULT_FIELDS = {"title": 2.5, "author": 1.5, "body": 1.0, "tagtext": 1.5}
# Fields a `name:` prefix searches: title: and author: also reach the
# annotations of articles with that title or author.
FIELD_TARGETS = {
    "title": {"title": 1.0, "ctx_title": 1.0},
    "author": {"author": 1.0, "ctx_author": 1.0},
    "body": {"body": 1.0},
    "quote": {"quote": 1.0},
    "note": {"note": 1.0},
}
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
FLAG_WORDS = {
    ("is", "orphaned"): "orphaned",
    ("is", "orphan"): "orphaned",
    ("is", "annotation"): "annotation",
    ("is", "highlight"): "annotation",
    ("is", "article"): "article",
    ("has", "note"): "note",
    ("has", "notes"): "note",
    ("has", "tag"): "tagged",
    ("has", "tags"): "tagged",
}


def normalize_tag(name: str) -> str:
    """The indexed form of a tag name: case-folded, inner spaces collapsed."""
    return " ".join(name.split()).casefold()


def analyze(text: str, fieldname: str) -> list[str]:
    """The terms `text` becomes in `fieldname`, in order (query mode, stop words left out)."""
    return [term for term, stopped in query_terms(text, fieldname) if not stopped]


def query_terms(text: str, fieldname: str) -> list[tuple[str, bool]]:
    """(term, stopped) for each term `text` becomes in `fieldname`, stop words included."""
    stem = fieldname not in NAME_FIELDS
    return [(t[0], t[5]) for t in text_tokens(text, stem=stem, query=True)]


def _word_terms(text: str, fieldname: str) -> list[str]:
    """The terms a plain word looks for: stop words at its ends left out, those inside
    kept (state-of-the-art is a phrase of four words, Peru's is peru)."""
    found = query_terms(text, fieldname)
    kept = [i for i, (_, stopped) in enumerate(found) if not stopped]
    if not kept:
        return []
    return [term for term, _ in found[kept[0] : kept[-1] + 1]]


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


@dataclass
class ParsedQuery:
    """What the parser made of a query string."""

    text: str
    query: wq.Query | None
    message: str | None = None
    # Positive plain words (unfielded or in a text field): the spelling corrector's input.
    words: list[Leaf] = field(default_factory=list)


class _AndNotMatcher(AndNotMatcher):
    """whoosh's AndNotMatcher, fixed: its first document may be an excluded one.

    whoosh 2.7.5 only checks the first positive document against the
    excluded matcher when both happen to start on the same document; when the
    excluded matcher starts earlier, the first positive document is returned
    even if it is excluded (`is:orphaned -otters` found the orphaned otter).
    """

    def _find_first(self) -> None:
        if self.a.is_active() and self.b.is_active():
            self._find_next()


class AndNot(wq.AndNot):
    """`a` without the documents matching `b`, using the fixed matcher."""

    def matcher(self, searcher, context=None):
        positive = self.a.matcher(searcher, context)
        negative = self.b.matcher(searcher, searcher.boolean_context())
        return _AndNotMatcher(positive, negative)


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


class _Parser:
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


def parse_query(text: str, color_aliases: dict[str, str] | None = None) -> ParsedQuery:
    """Turn the search box's text into a whoosh query, or explain why it cannot be one.

    Raises QueryError for input that cannot run (too long, a bad date, an
    unknown colour); returns query=None with a message when nothing is left
    to search for (empty, only stop words or punctuation). The text is read in NFC,
    as reading texts are: a word pasted with decomposed accents finds its articles.
    """
    text = unicodedata.normalize("NFC", text)
    if len(text) > MAX_PASTE_CHARS:
        raise QueryError(
            f"The query is too long ({len(text):,} characters; the limit is {MAX_PASTE_CHARS:,})"
        )
    tokens = tokenize(text)
    if is_pasted(text, tokens) or is_sentence(tokens):
        return _bag_of_words(text, tokens)
    check_limits(text, tokens)
    tree = _Parser(tokens).parse()
    compiler = _Compiler(color_aliases or {})
    q = compiler.compile(tree, negated=False) if tree is not None else None
    if q is None:
        return ParsedQuery(text, None, NOTHING_TO_SEARCH)
    return ParsedQuery(text, q, None, compiler.words)


def _bag_of_words(text: str, tokens: list[Token]) -> ParsedQuery:
    """A pasted paragraph as one BagOfWords query: every word but the stop words, each
    counted as often as it occurs; its syntax (quotes, dashes, parentheses) is prose."""
    words = sum(1 for tok in tokens if tok.kind == "WORD") + sum(
        len(tok.text.split()) for tok in tokens if tok.kind == "PHRASE"
    )
    if words > MAX_PASTE_WORDS:
        raise QueryError(
            f"The pasted text has too many words ({words:,}; the limit is {MAX_PASTE_WORDS:,})"
        )
    counts: dict[str, int] = {}
    for term, _, _, _, _, stopped, _ in text_tokens(text, query=True):
        if not stopped:
            counts[term] = counts.get(term, 0) + 1
    if not counts:
        return ParsedQuery(text, None, NOTHING_TO_SEARCH)
    return ParsedQuery(text, BagOfWords(counts), None, [])


class BagOfWords(wq.Query):
    """A pasted paragraph's words with their counts, waiting for the index's statistics.

    `expand_query` replaces it with an OR of the BAG_TERMS most telling words (highest
    count × idf) over the default fields, each boosted by its count, so that the
    paragraph ranks what is most like it; words most articles hold add little to a
    BM25 score and much to its cost. It is never run as it is.
    """

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.boost = 1.0

    def __str__(self) -> str:
        return f"<bag of {len(self.counts)} words>"

    __unicode__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BagOfWords) and self.counts == other.counts

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.counts.items())))

    def matcher(self, searcher, context=None):
        raise RuntimeError("expand_query() must replace BagOfWords before searching")


BAG_TERMS = 120  # words of a pasted paragraph that are searched
BAG_FIELDS = {f: b for f, b in DEFAULT_FIELDS.items() if f in STEMMED_FIELDS}


def _bag_query(node: BagOfWords, reader) -> tuple[wq.Query, list[str]]:
    """The OR query a BagOfWords stands for in `reader`, and its terms."""
    total = max(1, reader.doc_count())
    weights = {}
    for term, count in node.counts.items():
        df = sum(reader.doc_frequency(f, term) for f in BAG_FIELDS)
        if df:
            weights[term] = count * math.log(1 + total / df)
    chosen = sorted(sorted(weights), key=weights.__getitem__, reverse=True)[:BAG_TERMS]
    parts = [_fields(term, BAG_FIELDS, node.counts[term]) for term in sorted(chosen)]
    return _combine(wq.Or, parts) or wq.NullQuery, sorted(chosen)


def _fields(term: str, fields: dict[str, float], boost: float = 1.0) -> wq.Query:
    """One indexed term looked for in `fields` (name → weight), ranked as one BM25F term."""
    parts = [wq.Term(f, term, boost=b) for f, b in fields.items()]
    return Fields(parts, boost=boost) if len(parts) > 1 else parts[0]


class _Compiler:
    """AST to whoosh queries, one field at a time with that field's analyzer."""

    def __init__(self, color_aliases: dict[str, str]) -> None:
        self.colors = {k.casefold(): v for k, v in color_aliases.items()}
        self.colors.update({c: c for c in PALETTE})
        self.words: list[Leaf] = []

    def compile(self, node: Node | Leaf | None, negated: bool) -> wq.Query | None:
        if node is None:
            return None
        if isinstance(node, Leaf):
            return self.leaf(node, negated)
        if node.op == "not":
            inner = self.compile(node.items[0], not negated)
            return None if inner is None else AndNot(wq.Every(), inner)
        if node.op == "or":
            parts = [self.compile(item, negated) for item in node.items]
            parts = [p for p in parts if p is not None]
            return _combine(wq.Or, parts)
        positives, negatives = [], []
        for item in node.items:
            if isinstance(item, Node) and item.op == "not":
                q = self.compile(item.items[0], not negated)
                if q is not None:
                    negatives.append(q)
            else:
                q = self.compile(item, negated)
                if q is not None:
                    positives.append(q)
        if not positives and not negatives:
            return None
        base = _combine(wq.And, positives) if positives else wq.Every()
        if negatives:
            return AndNot(base, _combine(wq.Or, negatives))
        return base

    def leaf(self, leaf: Leaf, negated: bool) -> wq.Query | None:
        name = leaf.field
        if leaf.kind == "range" and name != "date":
            raise QueryError(
                f"Only date: takes a range like [2023-01-01 to 2023-03-31], not {name}:"
            )
        if name == "date":
            return date_query(leaf.text, is_range=leaf.kind == "range")
        if name in ("is", "has"):
            return self.flag(name, leaf.text)
        if name == "color":
            return self.color(leaf.text)
        if name == "tag":
            return self.tag(leaf)
        fields = FIELD_TARGETS[name] if name else DEFAULT_FIELDS
        if leaf.kind == "phrase":
            parts = [self.phrase(f, leaf.text, leaf.slop, boost) for f, boost in fields.items()]
        else:
            parts = self.word(leaf, fields)
        parts = [p for p in parts if p is not None]
        if parts and not negated and leaf.kind == "word" and not re.search(r"[*?~]", leaf.text):
            self.words.append(leaf)
        if name is None and len(parts) > 1 and all(isinstance(p, wq.Term) for p in parts):
            return Fields(parts)  # one word in every field: one BM25F term (bm25f.py)
        return _combine(wq.Or, parts)

    def word(self, leaf: Leaf, fields: dict[str, float]) -> list[wq.Query | None]:
        text = leaf.text
        fuzzy = re.fullmatch(r"(.*?\w)~([0-9]?)", text)
        if fuzzy:
            base, dist = fuzzy.group(1), min(2, int(fuzzy.group(2) or 1))
            word = fold(base)
            if dist == 0 or not re.fullmatch(r"\w+", word):
                return [_terms_query(f, _word_terms(base, f), 1, b) for f, b in fields.items()]
            return _vocabulary(fields, "fuzzy", word, dist)
        if "*" in text or "?" in text:
            pattern = re.sub(r"[^\w*?]", "", fold(text))
            if not re.search(r"\w", pattern):
                raise QueryError("A wildcard needs letters to go with it, e.g. protest*")
            kind = "prefix" if re.fullmatch(r"[^*?]+\*", pattern) else "wildcard"
            return _vocabulary(fields, kind, pattern.rstrip("*") if kind == "prefix" else pattern)
        return [_terms_query(f, _word_terms(text, f), 1, boost) for f, boost in fields.items()]

    def phrase(self, fieldname: str, text: str, slop: int, boost: float) -> wq.Query | None:
        """Every word of the phrase, stop words too, in its exact order."""
        terms = [term for term, _ in query_terms(text, fieldname)]
        return _terms_query(fieldname, terms, slop, boost)

    def tag(self, leaf: Leaf) -> wq.Query | None:
        value = normalize_tag(leaf.text)
        if not value:
            return None
        if leaf.kind == "word" and ("*" in value or "?" in value):
            if not re.search(r"\w", value):
                raise QueryError("A wildcard needs letters to go with it, e.g. tag:clim*")
            if re.fullmatch(r"[^*?]+\*", value):
                return wq.Prefix("tag", value[:-1])
            return wq.Wildcard("tag", value)
        return wq.Term("tag", value)

    def flag(self, name: str, value: str) -> wq.Query:
        flag = FLAG_WORDS.get((name, value.strip().casefold()))
        if flag is None:
            known = ", ".join(f"{n}:{v}" for n, v in FLAG_WORDS if n == name)
            raise QueryError(f"Unknown {name}:{value} (try {known})")
        return wq.Term("flags", flag)

    def color(self, value: str) -> wq.Query:
        key = " ".join(value.split()).casefold()
        color = self.colors.get(key)
        if color is None or color not in PALETTE:
            names = ", ".join(sorted(set(self.colors)))
            raise QueryError(f"Unknown colour “{value}” (known: {names})")
        return wq.Term("color", color)


def _combine(cls: type, parts: list[wq.Query]) -> wq.Query | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return cls(parts)


def _terms_query(fieldname: str, terms: list[str], slop: int, boost: float) -> wq.Query | None:
    if not terms:
        return None
    if len(terms) == 1:
        return wq.Term(fieldname, terms[0], boost=boost)
    return wq.Phrase(fieldname, terms, slop=slop, boost=boost)


class VocabularyPattern(wq.Query):
    """A wildcard or fuzzy word, waiting to be matched against the index's words.

    The index holds stems, which are the wrong thing to match a pattern
    against (`demonstrat*` must find demonstration, indexed as `demonstr`).
    So patterns run over the unstemmed word lists whoosh keeps for spelling,
    and `expand_query` replaces this node with the stems of the words found.
    It is never run as it is.
    """

    def __init__(self, kind: str, text: str, maxdist: int, fields: dict[str, float]) -> None:
        self.kind = kind  # "prefix" | "wildcard" | "fuzzy"
        self.text = text
        self.maxdist = maxdist
        self.fields = fields
        self.boost = 1.0

    def __str__(self) -> str:
        return f"<{self.kind} {self.text!r} in {','.join(self.fields)}>"

    __unicode__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VocabularyPattern) and (
            (self.kind, self.text, self.maxdist, self.fields)
            == (other.kind, other.text, other.maxdist, other.fields)
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.text, self.maxdist, tuple(self.fields)))

    def matcher(self, searcher, context=None):
        raise RuntimeError("expand_query() must replace VocabularyPattern before searching")


def _vocabulary(
    fields: dict[str, float], kind: str, text: str, maxdist: int = 0
) -> list[wq.Query | None]:
    """Pattern queries: stemmed fields share one VocabularyPattern, names get whoosh's own."""
    stemmed = {f: b for f, b in fields.items() if f in STEMMED_FIELDS}
    out: list[wq.Query | None] = []
    if stemmed:
        out.append(VocabularyPattern(kind, text, maxdist, stemmed))
    for f, boost in fields.items():
        if f in stemmed:
            continue
        if kind == "prefix":
            out.append(wq.Prefix(f, text, boost=boost))
        elif kind == "wildcard":
            out.append(wq.Wildcard(f, text, boost=boost))
        else:
            out.append(wq.FuzzyTerm(f, text, boost=boost, maxdist=maxdist, prefixlength=1))
    return out


_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_DATE_HELP = "date: takes 2023, 2023-01, 2023-01-31, >=2023-06 or [2023-01-01 to 2023-03-31]"


def _date_value(text: str) -> str:
    """Validate and zero-pad a (partial) ISO date; raise QueryError otherwise."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        raise QueryError(f"“{text}” is not a date: {_DATE_HELP}")
    year, month, day = m.group(1), m.group(2), m.group(3)
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise QueryError(f"“{text}” is not a date: {_DATE_HELP}") from None
    parts = [year] + [f"{int(p):02d}" for p in (month, day) if p]
    return "-".join(parts)


def date_query(text: str, is_range: bool) -> wq.Query:
    """Dates are indexed as YYYY-MM-DD strings, so ranges are string ranges.

    A partial date as an upper bound is padded with "~" (after every digit
    and dash) so that `[2023 to 2023-02]` includes all of February.
    """
    text = text.strip()
    if is_range:
        parts = re.split(r"\s+to\s+|\s+TO\s+|^to\s+|\s+to$|^TO\s+|\s+TO$", text, maxsplit=1)
        if len(parts) != 2:
            raise QueryError(f"“[{text}]” is not a date range: {_DATE_HELP}")
        lo, hi = (p.strip() for p in parts)
        start = None if lo in ("", "*") else _date_value(lo)
        end = None if hi in ("", "*") else _date_value(hi) + "~"
        if start is None and end is None:
            return wq.Every("date")
        return wq.TermRange("date", start, end)
    for op in (">=", "<=", ">", "<"):
        if text.startswith(op):
            value = _date_value(text[len(op) :])
            if op == ">=":
                return wq.TermRange("date", value, None)
            if op == ">":
                return wq.TermRange("date", value + "~", None)
            if op == "<=":
                return wq.TermRange("date", None, value + "~")
            return wq.TermRange("date", None, value, endexcl=True)
    value = _date_value(text)
    if len(value) == 10:
        return wq.Term("date", value)
    return wq.Prefix("date", value)


# -- against an index: pattern expansion and spelling --------------------------------

SPELL_FIELDS = ("title", "body", "tagtext")  # the fields that keep unstemmed words
MAX_EXPANSIONS = 200  # words one wildcard or fuzzy term may stand for
_MAX_SCAN = 20_000  # words looked at before a pattern gives up scanning


def expand_query(q: wq.Query, reader) -> tuple[wq.Query, list[str], list[str]]:
    """Replace VocabularyPatterns with the stems they match in `reader`.

    Returns the runnable query, the sorted indexed terms of the stemmed fields
    that the query looks for (not those under NOT: they are for highlighting),
    and notes for the user (a pattern that matched too many words).
    """
    terms: set[str] = set()
    notes: list[str] = []

    def walk(node: wq.Query, positive: bool) -> wq.Query:
        if isinstance(node, BagOfWords):
            bag, chosen = _bag_query(node, reader)
            terms.update(chosen)
            return bag
        if isinstance(node, VocabularyPattern):
            stems, capped = _pattern_stems(node, reader)
            if capped:
                notes.append(
                    f"{node.text}{'~' if node.kind == 'fuzzy' else ''} matches many words: "
                    f"searched the {MAX_EXPANSIONS} most common"
                )
            if positive:
                terms.update(stems)
            parts = [_fields(s, node.fields) for s in sorted(stems)]
            return _combine(wq.Or, parts) or wq.NullQuery
        if isinstance(node, wq.AndNot):
            return AndNot(walk(node.a, positive), walk(node.b, not positive))
        if isinstance(node, (wq.And, wq.Or)):
            return type(node)([walk(sub, positive) for sub in node.subqueries], boost=node.boost)
        if positive and getattr(node, "fieldname", None) in STEMMED_FIELDS:
            if isinstance(node, wq.Term):
                terms.add(node.text)
            elif isinstance(node, wq.Phrase):  # its stop words are marked only when alone
                content = [w for w in node.words if not is_stopped(w)]
                terms.update(content or node.words)
        return node

    return walk(q, True), sorted(terms), notes


def _pattern_stems(node: VocabularyPattern, reader) -> tuple[set[str], bool]:
    """Stems of the index's words (in any field) that the pattern matches.

    Also says whether there were more than MAX_EXPANSIONS (the most frequent are kept).
    """
    words: set[str] = set()
    for leaf, _ in reader.leaf_readers():
        for fieldname in SPELL_FIELDS:
            if len(words) <= _MAX_SCAN:
                words.update(_leaf_words(leaf, fieldname, node))
    stems = {stem_word(w) for w in words}
    if len(stems) <= MAX_EXPANSIONS:
        return stems, False
    freq = {s: sum(reader.doc_frequency(f, s) for f in node.fields) for s in stems}
    return set(sorted(stems, key=lambda s: (-freq[s], s))[:MAX_EXPANSIONS]), True


def _leaf_words(leaf, fieldname: str, node: VocabularyPattern):
    spellfield = "spell_" + fieldname
    if node.kind == "fuzzy":
        yield from leaf.terms_within(fieldname, node.text, node.maxdist, prefix=1)
        return
    literal = re.sub(r"[*?].*", "", node.text, flags=re.S)
    regex = None
    if node.kind == "wildcard":
        regex = re.compile(
            "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in node.text)
            + r"\Z"
        )
    for n, btext in enumerate(leaf.expand_prefix(spellfield, literal)):
        if n > _MAX_SCAN:
            break
        word = btext.decode("utf-8")
        if regex is None or regex.match(word):
            yield word


def suggest_query(parsed: ParsedQuery, reader, hidden: frozenset[str] = frozenset()) -> str | None:
    """The query text with unknown or rare words replaced by close, common ones.

    A word is replaced when the index does not know it in any form, or knows
    it ten times less often than a word one edit away (two for long words).
    Returns None when nothing changed; the caller checks that the new query
    actually finds more. `hidden` holds the terms of documents left out of results
    (the welcome article): a word only they know counts for nothing.
    """
    text = parsed.text
    changed = False
    for leaf in sorted(parsed.words, key=lambda w: w.start, reverse=True):
        core = re.fullmatch(r"\W*(\w+)\W*", leaf.text)
        if not core or len(core.group(1)) < 3:
            continue
        word = fold(core.group(1))
        names = leaf.field == "author"
        must_beat = 10 * _weight(reader, word, names, hidden)
        better = _correction(reader, word, names, must_beat, hidden)
        if better is None:
            continue
        start = leaf.start + core.start(1)
        text = text[:start] + better + text[start + len(core.group(1)) :]
        changed = True
    return text if changed else None


def _weight(reader, word: str, names: bool, hidden: frozenset[str] = frozenset()) -> int:
    """How many documents know `word`: as a name, or (stemmed) in the text fields (a
    hidden document that knows it counts once less, in each field)."""
    weight = reader.doc_frequency("author", word) - (word in hidden)
    if not names:
        stem = stem_word(word)
        weight += sum(reader.doc_frequency(f, stem) for f in ("title", "body", "tagtext"))
        weight -= 2 * (stem in hidden)  # its title and body
    return max(0, weight)


def _correction(
    reader, word: str, names: bool, must_beat: int, hidden: frozenset[str] = frozenset()
) -> str | None:
    fields = ("author",) if names else ("author", *SPELL_FIELDS)
    for dist in (1, 2):
        if dist == 2 and len(word) < 5:
            break
        found: set[str] = set()
        for leaf, _ in reader.leaf_readers():
            if leaf.doc_count_all():
                for f in fields:
                    candidates = _segment_words(leaf, f).get(word[0], ())
                    matches = process.extract(
                        word, candidates, scorer=Levenshtein.distance, score_cutoff=dist, limit=None
                    )
                    found.update(m[0] for m in matches)
        found.discard(word)
        if found:
            weights = {w: _weight(reader, w, names, hidden) for w in sorted(found)}
            best = max(weights, key=weights.__getitem__)
            return best if weights[best] > must_beat else None
    return None


_VOCABULARIES: OrderedDict[tuple[str, str], dict[str, list[str]]] = OrderedDict()
_VOCABULARIES_KEPT = 256  # (segment, field) word lists; segments merged away fall out
_VOCABULARIES_LOCK = threading.Lock()


def _segment_words(leaf, fieldname: str) -> dict[str, list[str]]:
    """A segment's unstemmed words of a field, by first letter, for "Did you mean".

    Read once per segment (segments never change) so that a correction is one
    rapidfuzz pass over the words sharing its first letter, rather than whoosh's
    Levenshtein automaton walked in Python for every field of every segment.
    """
    key = (leaf.segment().segment_id(), fieldname)
    with _VOCABULARIES_LOCK:
        known = _VOCABULARIES.get(key)
        if known is not None:
            _VOCABULARIES.move_to_end(key)
            return known
    spellfield = leaf.schema[fieldname].spelling_fieldname(fieldname)
    by_first: dict[str, list[str]] = {}
    for btext in leaf.lexicon(spellfield):
        word = btext.decode("utf-8")
        by_first.setdefault(word[:1], []).append(word)
    with _VOCABULARIES_LOCK:
        _VOCABULARIES[key] = by_first
        while len(_VOCABULARIES) > _VOCABULARIES_KEPT:
            _VOCABULARIES.popitem(last=False)
    return by_first
