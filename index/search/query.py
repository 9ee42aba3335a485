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

import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from whoosh import query as wq
from whoosh.matching import AndNotMatcher

from index.model import PALETTE
from index.search.analysis import fold
from index.search.analysis import tokens as text_tokens
from index.search.bm25f import Fields
from index.search.errors import QueryError
from index.search.query_syntax import (
    MAX_PASTE_CHARS,
    MAX_PASTE_WORDS,
    MAX_QUERY_CHARS,
    MAX_QUERY_DEPTH,
    MAX_QUERY_TERMS,
    Leaf,
    Node,
    Parser,
    Token,
    check_limits,
    is_pasted,
    is_sentence,
    tokenize,
)

__all__ = [
    "MAX_PASTE_CHARS",
    "MAX_QUERY_CHARS",
    "MAX_QUERY_DEPTH",
    "MAX_QUERY_TERMS",
    "ParsedQuery",
    "QueryError",
    "parse_query",
]

NOTHING_TO_SEARCH = "The query found nothing to search for"


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
    return list(_analysed(text, fieldname not in NAME_FIELDS))


@lru_cache(maxsize=1024)
def _analysed(text: str, stem: bool) -> tuple[tuple[str, bool], ...]:
    """query_terms, once per text and analysis: a phrase or word of a query is analysed
    alike for every stemmed field (title, body, tags), and typing repeats the words."""
    return tuple((t[0], t[5]) for t in text_tokens(text, stem=stem, query=True))


def _word_terms(text: str, fieldname: str) -> list[str]:
    """The terms a plain word looks for: stop words at its ends left out, those inside
    kept (state-of-the-art is a phrase of four words, Peru's is peru)."""
    found = query_terms(text, fieldname)
    kept = [i for i, (_, stopped) in enumerate(found) if not stopped]
    if not kept:
        return []
    return [term for term, _ in found[kept[0] : kept[-1] + 1]]


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


PARSED_KEPT = 256  # parsed queries kept: typing, paging and re-running after a commit


def parse_query(text: str, color_aliases: dict[str, str] | None = None) -> ParsedQuery:
    """Turn the search box's text into a whoosh query, or explain why it cannot be one.

    Raises QueryError for input that cannot run (too long, a bad date, an
    unknown colour); returns query=None with a message when nothing is left
    to search for (empty, only stop words or punctuation). The text is read in NFC,
    as reading texts are: a word pasted with decomposed accents finds its articles.

    The same text (with the same colour names) parses to the same query, so the last
    PARSED_KEPT answers are kept: the window runs a query again on every change of the
    index, of the sort or of the page. The answer is shared: never change it.
    """
    key = (text, tuple(sorted((color_aliases or {}).items())))
    with _PARSED_LOCK:
        found = _PARSED.get(key)
        if found is not None:
            _PARSED.move_to_end(key)
            return found
    found = _parse(text, color_aliases)
    with _PARSED_LOCK:
        _PARSED[key] = found
        while len(_PARSED) > PARSED_KEPT:
            _PARSED.popitem(last=False)
    return found


_PARSED: OrderedDict[tuple, ParsedQuery] = OrderedDict()
_PARSED_LOCK = threading.Lock()


def _parse(text: str, color_aliases: dict[str, str] | None) -> ParsedQuery:
    text = unicodedata.normalize("NFC", text)
    if len(text) > MAX_PASTE_CHARS:
        raise QueryError(
            f"The query is too long ({len(text):,} characters; the limit is {MAX_PASTE_CHARS:,})"
        )
    tokens = tokenize(text)
    if is_pasted(text, tokens) or is_sentence(tokens):
        return _bag_of_words(text, tokens)
    check_limits(text, tokens)
    tree = Parser(tokens).parse()
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


def fields_query(term: str, fields: dict[str, float], boost: float = 1.0) -> wq.Query:
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
            return combine(wq.Or, parts)
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
        base = combine(wq.And, positives) if positives else wq.Every()
        if negatives:
            return AndNot(base, combine(wq.Or, negatives))
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
        return combine(wq.Or, parts)

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


def combine(cls: type, parts: list[wq.Query]) -> wq.Query | None:
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
