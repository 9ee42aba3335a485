"""A query against an index's words: wildcards and fuzzy words expanded to the index's
terms, a pasted paragraph's most telling words chosen, and "Did you mean".
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh import query as wq

from index.search.analysis import fold, is_stopped, stem_word
from index.search.query import (
    DEFAULT_FIELDS,
    STEMMED_FIELDS,
    AndNot,
    BagOfWords,
    ParsedQuery,
    VocabularyPattern,
    combine,
    fields_query,
)

SPELL_FIELDS = ("title", "body", "tagtext")  # the fields that keep unstemmed words
MAX_EXPANSIONS = 200  # words one wildcard or fuzzy term may stand for
_MAX_SCAN = 20_000  # words looked at before a pattern gives up scanning
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
    parts = [fields_query(term, BAG_FIELDS, node.counts[term]) for term in sorted(chosen)]
    return combine(wq.Or, parts) or wq.NullQuery, sorted(chosen)


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
            parts = [fields_query(s, node.fields) for s in sorted(stems)]
            return combine(wq.Or, parts) or wq.NullQuery
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
