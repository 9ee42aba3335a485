"""Search results as data: hits, and snippets as plain-text pieces with match flags.

The window escapes and styles what it shows, so nothing here is HTML. Fragments are
chosen as whoosh's highlighter chooses them (`PinpointFragmenter` with autotrim,
`BasicFragmentScorer`, the best two in text order), computed here on (start, end, term)
tuples rather than on whoosh's Token and Fragment objects, and returned as `Fragment`
pieces instead of a marked-up string. Character offsets come from the index's postings
when it stored them (article bodies), or from running the same analysis over the text
(short annotation quotes and notes, or a body whose text changed since indexing).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from index.search.analysis import one_word_term, tokens
from index.search.fields import shown_metadata

SNIPPET_CHARS = 160  # longest run of text a fragment may span between its first and last match
SURROUND = 60  # context kept either side of the matches
TOP_FRAGMENTS = 2
ELLIPSIS = "…"
MAX_SPANS = 48


@dataclass(slots=True)
class Fragment:
    """One piece of a snippet: plain text, and whether it is a matched term."""

    text: str
    match: bool

    def to_json(self) -> dict:
        return {"text": self.text, "match": self.match}


class _Piece:
    """A fragment being chosen: its span of the text and the matches inside it. Ordered by
    where it starts, as whoosh's highlight.Fragment is (ties in `top_fragments` fall to
    the same side as they did with whoosh's objects)."""

    __slots__ = ("end", "matches", "start")

    def __init__(self, start: int, end: int, matches: list[tuple[int, int, str]]) -> None:
        self.start = start
        self.end = end
        self.matches = matches

    def __lt__(self, other: _Piece) -> bool:
        return self.start < other.start


def _flat(text: str) -> str:
    """Block breaks and table cells' tabs become spaces (a snippet is one line); the object
    character a figure's image stands on is left out."""
    return text.replace("\n", " ").replace("\t", " ").replace("\ufffc", "")


def _merge(pieces: list[Fragment]) -> list[Fragment]:
    """Join neighbouring pieces with the same flag (and drop empty ones)."""
    out: list[Fragment] = []
    for piece in pieces:
        if not piece.text:
            continue
        if out and out[-1].match == piece.match:
            out[-1] = Fragment(out[-1].text + piece.text, piece.match)
        else:
            out.append(piece)
    return out


def _groups(marks: list[tuple[int, int, str]], maxchars: int) -> list[tuple[int, int, int]]:
    """(score, first, last) of each run of matches no wider than `maxchars` (whoosh's
    PinpointFragmenter's runs), scored as whoosh's BasicFragmentScorer scores them: more
    matches and more different words score higher."""
    out = []
    last = len(marks) - 1
    i = 0
    while i <= last:
        left, right, _ = marks[i]
        j = i
        width = right - left
        while j < last and width < maxchars:
            next_start, next_end, _ = marks[j + 1]
            if next_end - right <= SURROUND and next_end - left <= maxchars:
                j += 1
                right = next_end
                width += next_end - next_start
            else:
                break
        if i == j:
            out.append((100, i, j))
        else:
            out.append(((j - i + 1) * len({m[2] for m in marks[i : j + 1]}) * 100, i, j))
        i = j + 1
    return out


def _piece(text: str, marks: list[tuple[int, int, str]], first: int, last: int) -> _Piece:
    """A run of matches widened by SURROUND either side and trimmed to whole words
    (whoosh's PinpointFragmenter with autotrim)."""
    left, right = marks[first][0], marks[last][1]
    start, end = max(0, left - SURROUND), min(len(text), right + SURROUND)
    space = text.find(" ", start, end)
    if space > 0:
        start = space + 1
    space = text.rfind(" ", start, end)
    if space > 0:
        end = space
    return _Piece(min(start, left), max(end, right), marks[first : last + 1])


def _best(text: str, marks: list[tuple[int, int, str]], maxchars: int) -> list[_Piece]:
    """The TOP_FRAGMENTS best runs, as whoosh's top_fragments chose them (the highest
    scores, then the later start), in text order. Only the runs that can be chosen are
    widened and trimmed; an exact tie at the cut is left to heapq, as whoosh left it."""
    groups = _groups(marks, maxchars)
    if len(groups) <= TOP_FRAGMENTS:
        # all of them are chosen, and in text order already: a run starts no earlier than
        # the run before it once widened and trimmed (two that start together overlap,
        # and `_joined` makes them one whichever comes first)
        return [_piece(text, marks, i, j) for _, i, j in groups]
    pieces: dict[int, _Piece] = {}
    floor = sorted((g[0] for g in groups), reverse=True)[TOP_FRAGMENTS - 1]
    kept = [g for g in groups if g[0] >= floor]
    for _, i, j in kept:
        pieces[i] = _piece(text, marks, i, j)
    ranked = sorted(((g[0], pieces[g[1]]) for g in kept), key=_rank, reverse=True)
    if len(ranked) > TOP_FRAGMENTS and _rank(ranked[TOP_FRAGMENTS - 1]) == _rank(
        ranked[TOP_FRAGMENTS]
    ):
        every = [(g[0], pieces.get(g[1]) or _piece(text, marks, g[1], g[2])) for g in groups]
        ranked = heapq.nlargest(TOP_FRAGMENTS, every)
    best = [piece for _, piece in ranked[:TOP_FRAGMENTS]]
    best.sort(key=lambda f: f.start)
    return best


def _rank(scored: tuple[int, _Piece]) -> tuple[int, int]:
    return scored[0], scored[1].start


def _pieces(text: str, chosen: list[_Piece]) -> list[Fragment]:
    """The chosen fragments as plain pieces with match flags, an ellipsis where text is
    left out (overlapping matches, the bigrams of a CJK word, join up). Neighbouring
    pieces of one flag are joined before they are made one line and a Fragment; a piece
    left empty (an image's object character alone) is dropped, and its neighbours of one
    flag joined (as `_merge` would)."""
    parts: list[str] = []
    flags: list[bool] = []
    for frag in chosen:
        if frag.start > 0 or parts:
            parts.append(ELLIPSIS)
            flags.append(False)
        index = frag.start
        # a fragment's matches ascend by start, no two starting together (the marks were
        # sorted and one kept per start; `_joined` sorts a union of them)
        for start, end, _ in frag.matches:
            if end <= index:
                continue
            if start > index:
                parts.append(text[index:start])
                flags.append(False)
            else:
                start = index
            parts.append(text[start:end])
            flags.append(True)
            index = end
        if index < frag.end:
            parts.append(text[index : frag.end])
            flags.append(False)
    if chosen and chosen[-1].end < len(text):
        parts.append(ELLIPSIS)
        flags.append(False)
    flat = _flat if "\t" in text or "\ufffc" in text else _flat_lines
    out: list[Fragment] = []
    at, count = 0, len(parts)
    while at < count:
        flag = flags[at]
        upto = at + 1
        while upto < count and flags[upto] == flag:
            upto += 1
        piece = flat(parts[at] if upto == at + 1 else "".join(parts[at:upto]))
        at = upto
        if not piece:
            continue
        if out and out[-1].match == flag:
            out[-1] = Fragment(out[-1].text + piece, flag)
        else:
            out.append(Fragment(piece, flag))
    return out


def _flat_lines(text: str) -> str:
    """`_flat` for a text with neither tabs nor object characters."""
    return text.replace("\n", " ")


def snippet_from_spans(
    text: str, spans: Iterable[tuple[int, int, str]], *, maxchars: int = SNIPPET_CHARS
) -> list[Fragment]:
    """The best fragments of `text` around the matched (start, end, term) spans.

    The fragments and their choice are whoosh's (PinpointFragmenter with autotrim,
    BasicFragmentScorer, the TOP_FRAGMENTS best in text order), computed on tuples;
    two chosen fragments that overlap are shown as one.
    """
    marks = []
    last_start = -1
    # the first matches are plenty to choose a fragment from (a long article can hold hundreds)
    for mark in sorted(spans)[:MAX_SPANS]:
        if mark[0] == last_start:
            continue
        last_start = mark[0]
        marks.append(mark)
    if not marks:
        return opening(text, maxchars + 2 * SURROUND)
    if len(text) <= maxchars + 2 * SURROUND:
        return _pieces(text, [_Piece(0, len(text), marks)])  # short: show all of it
    return _pieces(text, _joined(_best(text, marks, maxchars)))


def _joined(chosen: list[_Piece]) -> list[_Piece]:
    """Fragments that overlap or touch made one: whoosh's highlighter shows the shared
    text twice ("…cut supply if…Asia. "I agree that we do not need to cut supply if…")."""
    out: list[_Piece] = []
    for frag in chosen:
        if out and frag.start <= out[-1].end:
            last = out[-1]
            matches = sorted(set(last.matches) | set(frag.matches))
            out[-1] = _Piece(last.start, max(last.end, frag.end), matches)
        else:
            out.append(frag)
    return out


def analyzed_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of every token of `text` whose analyzed form is in `terms`."""
    termset = frozenset(terms)
    if not termset or not text:
        return []
    return [(t[3], t[4], t[0]) for t in tokens(text) if t[0] in termset]


def spans_agree(text: str, spans: Iterable[tuple[int, int, str]]) -> bool:
    """True when the spans still hold their terms: the text is the one that was indexed.

    Checks up to 6 spans spread over the text (each is a one-word analysis).
    """
    spans = list(spans)
    step = max(1, len(spans) // 6)
    size = len(text)
    for start, end, term in spans[::step]:
        if end > size:
            return False
        found = _piece_terms(text[start:end])
        if len(found) != 1 or found[0] != term:
            return False
    return True


@lru_cache(maxsize=32_768)
def _piece_terms(piece: str) -> tuple[str, ...]:
    """The terms the analysis makes of a matched piece of text; kept, since the same few
    words (a query's) are checked in every hit of a search, and again as it is typed."""
    plain = one_word_term(piece)
    return (plain,) if plain is not None else tuple(t[0] for t in tokens(piece))


def snippet_by_analysis(
    text: str, terms: Iterable[str], *, maxchars: int = SNIPPET_CHARS
) -> list[Fragment]:
    """Fragments of `text` around the query's terms, found by analysing the text."""
    return snippet_from_spans(text, analyzed_spans(text, terms), maxchars=maxchars)


def opening(text: str, maxchars: int = SNIPPET_CHARS + 2 * SURROUND) -> list[Fragment]:
    """The start of `text` (cut at a space) when nothing in it matched."""
    if not text:
        return []
    if len(text) <= maxchars:
        return [Fragment(_flat(text), False)]
    cut = text.rfind(" ", 0, maxchars)
    cut = cut if cut > maxchars // 2 else maxchars
    return [Fragment(_flat(text[:cut]), False), Fragment(ELLIPSIS, False)]


def term_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Code-point (start, end) of each word in `text` that a result's `terms` match.

    For the reader: pass `SearchResult.terms` and an article's reading text to
    mark the query's words, found with the same analyzer the index used. Spans that
    overlap (the bigrams of a CJK word) are joined into one.
    """
    out: list[tuple[int, int]] = []
    for start, end, _ in sorted(analyzed_spans(text, terms)):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


# -- results ----------------------------------------------------------------------------


@dataclass
class AnnotationHit:
    annotation_id: str
    article_id: int
    quote: str
    note: str
    tags: list[str]
    color: str
    orphaned: bool
    score: float
    snippet: list[Fragment]

    def to_json(self) -> dict:
        return {
            "kind": "annotation",
            "annotation_id": self.annotation_id,
            "quote": self.quote,
            "note": self.note,
            "tags": list(self.tags),
            "color": self.color,
            "orphaned": self.orphaned,
            "score": round(self.score, 4),
            "snippet": [f.to_json() for f in self.snippet],
        }


@dataclass
class ArticleHit:
    article_id: int
    title: str
    author: str | None
    date: str | None
    score: float  # the best of the article's own score and its annotations'
    matched: bool  # the article's own text or metadata matched, not only its annotations
    snippet: list[Fragment]  # empty when only annotations matched
    annotations: list[AnnotationHit] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "kind": "article",
            "article_id": self.article_id,
            "title": self.title,
            "author": self.author,
            "date": self.date,
            "score": round(self.score, 4),
            "matched": self.matched,
            "snippet": [f.to_json() for f in self.snippet],
            "annotations": [a.to_json() for a in self.annotations],
        }


def _empty_facets() -> dict[str, dict[str, int]]:
    return {"authors": {}, "years": {}, "tags": {}, "colors": {}}


@dataclass
class SearchResult:
    query: str
    total: int  # article groups that matched, not only those in `hits`
    took_ms: float
    suggestion: str | None
    hits: list[ArticleHit]
    facets: dict[str, dict[str, int]] = field(default_factory=_empty_facets)
    terms: list[str] = field(default_factory=list)  # indexed forms: see term_spans()
    message: str | None = None
    color_names: dict[str, str] = field(default_factory=dict)  # the legend: colour -> name
    # changed in the library but not yet in the index when the search ran: the answer may
    # lack them (the window searches again after the indexer's next commit)
    pending_articles: int = 0
    pending_passages: int = 0

    @property
    def pending(self) -> int:
        """Articles and passages whose latest change the answer may not reflect."""
        return self.pending_articles + self.pending_passages

    def pending_note(self) -> str | None:
        """ "indexing — 1,204 articles not yet searchable", or None when up to date."""
        parts = [
            f"{n:,} {noun}{'s' * (n != 1)}"
            for n, noun in ((self.pending_articles, "article"), (self.pending_passages, "passage"))
            if n
        ]
        return f"indexing — {' and '.join(parts)} not yet searchable" if parts else None

    def to_json(self) -> dict:
        """The command line's JSON shape."""
        return {
            "query": self.query,
            "total": self.total,
            "took_ms": round(self.took_ms, 2),
            "suggestion": self.suggestion,
            "hits": [h.to_json() for h in self.hits],
            "facets": self.facets,
            "legend": {c: self.color_names.get(c, c) for c in self.facets.get("colors", {})},
            "message": self.message,
            "pending": self.pending,
            "pending_articles": self.pending_articles,
            "pending_passages": self.pending_passages,
        }


STORED_KEPT = 4096  # documents' stored values a searcher keeps (a search shows 20 or so)


def stored_doc(searcher, docnum: int) -> dict:
    """A document's stored values (title, author, quote, note…), kept by its searcher.

    whoosh decompresses and unpickles them on every read; a searcher sees one unchanging
    generation of the index, and typing a query runs it again and again over much the
    same hits (passages above all: there are few), so each is read once per searcher.
    The dict is shared: read it, never change it.
    """
    kept = searcher.__dict__.get("_gloss_stored")
    if kept is None:
        kept = searcher._gloss_stored = {}
    found = kept.get(docnum)
    if found is None:
        found = searcher.stored_fields(docnum)["doc"]
        if len(kept) >= STORED_KEPT:
            kept.clear()
        kept[docnum] = found
    return found


class HitText(NamedTuple):
    """An article hit's reading text and the title, author and date it shows, read from
    the library in one query for all the hits (see `build_hits`' `texts_for`)."""

    text: str
    title: str | None
    author: str | None
    date: str | None


def build_hits(
    searcher,
    groups: list[tuple[int, int | None, list[int]]],
    scores: dict[int, float],
    terms: list[str],
    spans_by_doc: dict[int, list[tuple[int, int, str]]],
    text_for: Callable[[int], str],
    texts_for: Callable[[list[int]], dict[int, HitText]] | None = None,
    holds: Callable[[int, str, list[str]], bool] | None = None,
) -> list[ArticleHit]:
    """ArticleHits for (article_id, article docnum or None, annotation docnums) groups.

    `spans_by_doc` holds each article's matched (start, end, term) character
    spans as the index recorded them; they are checked against the text
    `text_for` gives and found again by analysis if the text has changed.
    `texts_for(article_ids)`, when given, reads the texts of all the hits at once, with
    the title, author and date each shows (so that the index's stored values, a
    decompression and an unpickling each, are read only for passages and for articles
    the library no longer holds); `holds(docnum, field, terms)`, when given, says from
    the index whether a passage's quote or note holds any of the terms (only those that
    do are analysed).
    """
    hits = []
    texts: dict[int, HitText] | None = None
    if texts_for is not None:
        texts = texts_for([art for art, doc, _ in groups if doc is not None])
    for article_id, article_doc, annotation_docs in groups:
        found = texts.get(article_id) if texts is not None and article_doc is not None else None
        if found is not None:
            title, author, date = shown_metadata(found.title, found.author, found.date)
        else:
            stored = stored_doc(
                searcher, article_doc if article_doc is not None else annotation_docs[0]
            )
            title, author, date = stored["title"], stored["author"], stored["date"]
        snippet: list[Fragment] = []
        if article_doc is not None:
            if texts is not None:
                text = found.text if found is not None else ""
            else:
                try:
                    text = text_for(article_id) or ""
                except LookupError:
                    text = ""
            spans = spans_by_doc.get(article_doc, [])
            if not spans_agree(text, spans):
                spans = analyzed_spans(text, terms)  # the text changed since it was indexed
            snippet = snippet_from_spans(text, spans)
        notes = [_annotation_hit(searcher, d, scores, terms, holds) for d in annotation_docs]
        notes.sort(key=lambda a: -a.score)
        docs = [article_doc] if article_doc is not None else []
        hits.append(
            ArticleHit(
                article_id=article_id,
                title=title,
                author=author,
                date=date,
                score=max(scores.get(d, 0.0) for d in docs + annotation_docs),
                matched=article_doc is not None,
                snippet=snippet,
                annotations=notes,
            )
        )
    return hits


def _annotation_hit(
    searcher, docnum: int, scores: dict[int, float], terms, holds=None
) -> AnnotationHit:
    stored = stored_doc(searcher, docnum)
    quote, note = stored["quote"], stored["note"]
    spans = []
    if holds is None or holds(docnum, "quote", terms):
        spans = analyzed_spans(quote, terms)
    if spans:
        snippet = snippet_from_spans(quote, spans)
    else:
        note_spans = []
        if holds is None or holds(docnum, "note", terms):
            note_spans = analyzed_spans(note, terms)
        snippet = snippet_from_spans(note, note_spans) if note_spans else opening(quote)
    return AnnotationHit(
        annotation_id=stored["annotation_id"],
        article_id=stored["article_id"],
        quote=quote,
        note=note,
        tags=list(stored["tags"]),
        color=stored["color"],
        orphaned=stored["orphaned"],
        score=scores.get(docnum, 0.0),
        snippet=snippet,
    )
