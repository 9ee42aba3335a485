"""Where an annotation read from a file belongs: placed by evidence, never by a guess.

The rule, in order (the README's "Annotations from other tools" says the same):

1. **Its address** names an article: Gloss's own article IRI or content hash, the
   article's URL, or its file (as a `file:` URI).
2. **Its title** names an article: the same words, case and punctuation aside, also
   as the head of "Title | Site" or "Title - Site". When several articles share the
   title, the one holding the quote.
3. **Its quote alone**, only when the annotation carries no address and no title at
   all: the quote must be at least QUOTE_MIN_WORDS words and QUOTE_MIN_CHARS
   characters long, and occur exactly once in the whole library, on word boundaries.
   Candidates come from the search index (every article holding all its words); only
   those are read.
4. Anything else is **not placed**, with its reason. An annotation whose metadata
   names something that is not in the library (a book, a tweet, another site) stays
   out, however common its words are here.

Within its article, another tool's quote is placed on word boundaries, never inside
a word ("nd Thursday" never lands in "and Thursdays"), flexible only about
whitespace and quote marks; among several occurrences, the one whose context agrees
best. Failing that, a fuzzy match whose ends fall on word boundaries; failing that,
the passage is kept on its article, orphaned, as after a re-import. Gloss's own
files (W3C JSON, CSV) carry positions in Gloss's reading text and are re-anchored
with the re-import rules (a Gloss passage may start inside a word).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from index.exchange.export import ARTICLE_IRI
from index.exchange.foreign import Foreign, title_key
from index.importers.addresses import address_key
from index.passages.anchoring import (
    Selector,
    context_similarity,
    make_selector,
    reanchor,
    same_form,
)
from index.store.database import Store

# (quote, limit) -> the articles holding every word of the quote, None when more than
# `limit` do: the search index's answer (Library.articles_with_words).
Candidates = Callable[[str, int], list[int] | None]

QUOTE_MIN_WORDS = 8  # a quote placed by its words alone: at least this many words
QUOTE_MIN_CHARS = 40  # ... and this many characters
MAX_CANDIDATES = 200  # articles holding every word of a quote; beyond: too common to tell

_QUOTE_CLASSES = {
    "'": "['‘’]",
    "‘": "['‘’]",
    "’": "['‘’]",
    '"': '["“”]',
    "“": '["“”]',
    "”": '["“”]',
}


@dataclass(slots=True)
class Found:
    """Which article an annotation belongs to, and by what evidence; or why none."""

    article_id: int | None
    matched_by: str = ""  # "hash" | "url" | "title" | "quote"
    reason: str = ""  # when article_id is None


@dataclass(slots=True)
class Placement:
    """Where in its article the quote went: status "exact" | "fuzzy" | "orphaned"."""

    status: str
    selector: Selector | None
    similarity: float


def word_pattern(quote: str) -> re.Pattern[str] | None:
    """The quote as a regular expression: its words in order, any whitespace between
    them, any kind of quote mark, and no word character just outside a word end."""
    words = quote.split()
    if not words:
        return None
    body = r"\s+".join(
        "".join(_QUOTE_CLASSES.get(ch, re.escape(ch)) for ch in word) for word in words
    )
    head = r"(?<!\w)" if re.match(r"\w", words[0][0]) else ""
    tail = r"(?!\w)" if re.match(r"\w", words[-1][-1]) else ""
    return re.compile(head + body + tail)


def word_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Every place the quote stands in `text` as whole words (see word_pattern)."""
    pattern = word_pattern(quote)
    return [] if pattern is None else [m.span() for m in pattern.finditer(text)]


def place(text: str, item: Foreign, *, own: bool = False) -> Placement:
    """Where the item's quote goes in `text` (see the module docstring).

    `own`: a Gloss file, whose position and context are in Gloss's reading text.
    """
    quote = same_form(text, item.quote)  # the text's Unicode form (reading texts are NFC)
    hint = item.start if item.start is not None else 0
    end = item.end if item.end is not None and item.end > hint else hint + len(quote)
    old = Selector(hint, end, quote, item.prefix, item.suffix)
    if own:
        result = reanchor(text, old)
        if result.selector is None:
            return Placement("orphaned", None, result.similarity)
        status = "fuzzy" if result.status == "fuzzy" else "exact"
        return Placement(status, result.selector, result.similarity)
    spans = word_spans(text, quote)
    if spans:
        size = max(len(text), 1)

        def agreement(span: tuple[int, int]) -> float:
            near = 1.0 - min(1.0, abs(span[0] - hint) / size)
            return context_similarity(text, span[0], span[1], old) + 0.01 * near

        start, stop = max(spans, key=agreement)
        return Placement("exact", make_selector(text, start, stop), 1.0)
    result = reanchor(text, old)
    sel = result.selector
    if result.status == "fuzzy" and sel and on_word_boundaries(text, sel.start, sel.end):
        return Placement("fuzzy", sel, result.similarity)
    return Placement("orphaned", None, result.similarity if result.status == "fuzzy" else 0.0)


def on_word_boundaries(text: str, start: int, end: int) -> bool:
    """Neither end of text[start:end] cuts a word in two."""
    cuts_start = 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum()
    cuts_end = 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum()
    return not (cuts_start or cuts_end)


class ArticleMatcher:
    """Finds the article an annotation belongs to, by the rule of the module docstring."""

    def __init__(self, store: Store, candidates: Candidates) -> None:
        self.store = store
        self.candidates = candidates
        self.by_hash: dict[str, int] = {}
        self.by_url: dict[str, int] = {}
        self.by_title: dict[str, list[int]] = {}
        self.titles: dict[int, str] = {}
        rows = store.read(
            "SELECT id, url, source_path, title, content_hash FROM articles ORDER BY id"
        )
        for row in rows:
            self.by_hash.setdefault(row["content_hash"], row["id"])
            if row["url"]:
                self.by_url.setdefault(address_key(row["url"]), row["id"])
            for uri in _file_uris(row["source_path"]):
                self.by_url.setdefault(address_key(uri), row["id"])
            self.by_title.setdefault(title_key(row["title"]), []).append(row["id"])
            self.titles[row["id"]] = row["title"]
        self._texts: dict[int, str] = {}

    def title(self, article_id: int) -> str:
        return self.titles.get(article_id, "")

    def text(self, article_id: int) -> str:
        """The article's reading text (read once per import)."""
        if article_id not in self._texts:
            row = self.store.one("SELECT reading_text FROM articles WHERE id = ?", (article_id,))
            self._texts[article_id] = row["reading_text"] if row else ""
        return self._texts[article_id]

    def find(self, item: Foreign) -> Found:
        """The article `item` belongs to, or the reason there is none."""
        content_hash = item.content_hash
        if not content_hash and item.uri.startswith(ARTICLE_IRI):
            content_hash = item.uri.removeprefix(ARTICLE_IRI)
        if content_hash and content_hash in self.by_hash:
            return Found(self.by_hash[content_hash], "hash")
        for uri in (item.uri, item.scope):
            found = self.by_url.get(address_key(uri)) if uri else None
            if found is not None:
                return Found(found, "url")
        if item.title:
            ids = self.by_title.get(title_key(item.title))
            if ids is None:
                head = re.split(r"\s+[|–—-]\s+", item.title.strip())[0]
                ids = self.by_title.get(title_key(head))
            if ids:
                holding = [i for i in ids if word_spans(self.text(i), item.quote)]
                return Found((holding or ids)[0], "title")
        said = _what_it_names(item)
        if said:
            verb = "name" if len(said) > 1 else "names"
            return Found(None, reason=f"{' and '.join(said)} {verb} no article in this library")
        return self._by_quote(item)

    def _by_quote(self, item: Foreign) -> Found:
        """With no address and no title: the one article holding the quote, if it is
        long enough to tell and occurs exactly once in the library."""
        quote = unicodedata.normalize("NFC", " ".join(item.quote.split()))
        if len(quote.split()) < QUOTE_MIN_WORDS or len(quote) < QUOTE_MIN_CHARS:
            return Found(
                None,
                reason="no address or title, and its quote is too short to be placed by its "
                f"words alone (fewer than {QUOTE_MIN_WORDS} words or {QUOTE_MIN_CHARS} "
                "characters)",
            )
        candidates = self.candidates(quote, MAX_CANDIDATES)
        if candidates is None:
            return Found(None, reason="no address or title, and its words are too common to tell")
        pattern = word_pattern(quote)
        assert pattern is not None  # the quote has words: it passed the length rule
        hits = [(i, m.span()) for i in candidates for m in pattern.finditer(self.text(i))]
        if not hits:
            return Found(None, reason="no address or title, and no article holds its words")
        if len(hits) > 1:
            articles = len({i for i, _ in hits})
            return Found(
                None,
                reason=f"no address or title, and its words occur {len(hits)} times "
                f"(in {articles} article{'s' if articles > 1 else ''}): which is meant is unsure",
            )
        return Found(hits[0][0], "quote")


def _what_it_names(item: Foreign) -> list[str]:
    """["its address …", "title “…”"]: what the item says of its source."""
    parts = []
    address = item.scope or item.uri
    if address and not address.startswith(ARTICLE_IRI):
        parts.append(f"its address {address}")
    if item.title:
        parts.append(f"title “{item.title}”" if parts else f"its title “{item.title}”")
    if item.content_hash and not parts:
        parts.append("its article's content hash")
    return parts


def _file_uris(source_path: str) -> list[str]:
    """The file's `file:` URI as written and with links resolved (exports use either)."""
    path = Path(source_path)
    if not path.is_absolute():
        return []
    uris = [path.as_uri()]
    try:
        resolved = path.resolve().as_uri()
    except (OSError, ValueError):
        return uris
    return uris if resolved == uris[0] else [*uris, resolved]
