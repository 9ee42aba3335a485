"""Which words of an article's reading text a query matched: the reader's search marks.

The query is taken as the search ran it (parsed, wildcards and fuzzy words expanded to
the index's terms); only what it looks for in an article's text counts: its plain words
and `body:` words, and its phrases, but not `title:`, `tag:`, `color:` or anything under
NOT. The text is read with the analyzer that indexed it, so a word is marked exactly
when the search matches it there (`election` marks "elections", never "electricity"),
and a phrase only where its words stand in order.
"""

from __future__ import annotations

from whoosh import query as wq

from index.search.analysis import tokens as text_tokens

TEXT_FIELD = "body"


def text_leaves(q) -> tuple[set[str], list[tuple[list[str], int]]]:
    """The terms, and the phrases (words, slop), that `q` looks for in the reading text."""
    terms: set[str] = set()
    phrases: list[tuple[list[str], int]] = []
    parts = list(q.subqueries) if isinstance(q, wq.CompoundQuery) else []
    if isinstance(q, wq.AndNot):
        parts = [q.a]  # what follows NOT is never marked
    for part in parts:
        more_terms, more_phrases = text_leaves(part)
        terms |= more_terms
        phrases += more_phrases
    if parts or getattr(q, "fieldname", None) != TEXT_FIELD:
        return terms, phrases
    if isinstance(q, wq.Term):
        terms.add(q.text)
    elif isinstance(q, wq.Phrase):
        phrases.append((list(q.words), max(1, q.slop)))
    return terms, phrases


def spans(q, text: str) -> list[tuple[int, int]]:
    """Code-point (start, end) of what `q` matches in `text`, in order, overlaps merged."""
    terms, phrases = text_leaves(q)
    if not text or (not terms and not phrases):
        return []
    wanted = terms | {w for words, _ in phrases for w in words}
    places: dict[str, list[tuple[int, int, int]]] = {}  # term -> (position, start, end)
    for term, _, pos, start, end, _, _ in text_tokens(text):  # as the index read it
        if term in wanted:
            places.setdefault(term, []).append((pos, start, end))
    found = [(start, end) for t in terms for _, start, end in places.get(t, ())]
    for words, slop in phrases:
        found += _phrase_spans(words, slop, places)
    return _merged(found)


def _phrase_spans(words: list[str], slop: int, places) -> list[tuple[int, int]]:
    """Each place where `words` stand in order (each within `slop` positions of the last),
    from the first word's start to the last word's end."""
    if any(w not in places for w in words):
        return []
    at = [{pos: (start, end) for pos, start, end in places[w]} for w in words]
    out = []
    for pos, start, end in places[words[0]]:
        here, last_end = pos, end
        for later in at[1:]:
            step = next((here + k for k in range(1, slop + 1) if here + k in later), None)
            if step is None:
                break
            here, last_end = step, later[step][1]
        else:
            out.append((start, last_end))
    return out


def _merged(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out
