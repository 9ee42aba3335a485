"""Why this matched: which fields of an article (and of its passages) a query hit, and
which indexed terms the query became after stemming, wildcard and fuzzy expansion.

It reads the whoosh index directly (through `SearchIndex.folder` and the index
name `index.search.engine.INDEX_NAME`, with a searcher of its own that it closes) and
builds the query with the search layer's own parser and expander, so what it
explains is what the search ran. Each positive leaf of the expanded query
(a term, phrase, range, prefix...) is run restricted to the article's
documents; the leaves that find a document are that document's reasons.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage
from whoosh.query.compound import BinaryQuery, CompoundQuery

from index.search.analysis import STEM_ANALYZER
from index.search.expansion import SPELL_FIELDS, expand_query
from index.search.query import VocabularyPattern, analyze, parse_query

MAX_WORDS = 60  # words shown for one wildcard or fuzzy term

# Index fields as the reader knows them.
FIELD_LABELS = {
    "title": "title",
    "ctx_title": "title",
    "author": "author",
    "ctx_author": "author",
    "body": "text",
    "quote": "quote",
    "note": "note",
    "tag": "tags",
    "tagtext": "tags",
    "color": "colour",
    "date": "date",
    "flags": "kind",
}


def explain(
    search_index: Any,
    query: str,
    article_id: int,
    *,
    text: str,
    title: str = "",
    passages: Sequence[tuple[str, str, str]] = (),
    color_aliases: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Explain `query` against one article: see the module docstring.

    `text` is the article's reading text (for the words each term stands for
    there); `passages` are its (annotation id, quote, note). Returns::

        {"query", "article_id", "title", "matched": bool,
         "article": {"matched": bool, "fields": {label: [terms]}, "words": {term: [words]},
                     "excluded_by": {label: [terms]}},
         "passages": [{"annotation_id", "quote", "matched", "fields", "words", "excluded_by"}],
         "terms": [indexed terms], "expansions": [{"input", "kind", "words", "terms", "capped"}],
         "words": [{"input", "field", "terms"}], "message": str | None}

    Only passages where some part of the query matched are listed;
    `excluded_by` names the NOT terms that kept a document out. Raises
    QueryError for a query that cannot run.
    """
    from index.search.engine import INDEX_NAME

    parsed = parse_query(query, color_aliases)
    out: dict[str, Any] = {
        "query": query,
        "article_id": article_id,
        "title": title,
        "matched": False,
        "article": {"matched": False, "fields": {}, "words": {}, "excluded_by": {}},
        "passages": [],
        "terms": [],
        "expansions": [],
        "words": [],
        "message": parsed.message,
    }
    if parsed.query is None:
        return out
    out["words"] = [
        {
            "input": leaf.text,
            "field": leaf.field,
            "terms": analyze(leaf.text, "author" if leaf.field == "author" else "body"),
        }
        for leaf in parsed.words
        if not re.search(r"[*?~]", leaf.text)
    ]
    ix = FileStorage(str(search_index.folder)).open_index(INDEX_NAME)
    try:
        with ix.searcher() as searcher:
            reader = searcher.reader()
            expanded, terms, notes = expand_query(parsed.query, reader)
            out["terms"] = terms
            out["expansions"] = [_expansion(node, reader) for node in _patterns(parsed.query)]
            if notes:
                out["message"] = "; ".join(notes)
            ids = {f"a:{article_id}": None, **{f"n:{p[0]}": p for p in passages}}
            present = [d for d in ids if searcher.document_number(id=d) is not None]
            if not present:
                out["message"] = "this article is not in the search index (yet)"
                return out
            only = wq.Or([wq.Term("id", d) for d in present])
            hits_all = _matching(searcher, expanded, only)
            reasons = _reasons(searcher, expanded, only)
            obstacles = _reasons(searcher, expanded, only, want=False)
    finally:
        ix.close()
    article_key = f"a:{article_id}"
    out["article"] = {
        "matched": article_key in hits_all,
        "fields": _labels(reasons.get(article_key, {})),
        "words": _surface(text, reasons.get(article_key, {})),
        "excluded_by": _labels(obstacles.get(article_key, {})),
    }
    for doc_id, passage in ids.items():
        if passage is None or doc_id not in reasons:
            continue
        found = _split_body(reasons[doc_id], passage[1], passage[2])
        blocked = _split_body(obstacles.get(doc_id, {}), passage[1], passage[2])
        out["passages"].append(
            {
                "annotation_id": passage[0],
                "quote": passage[1],
                "matched": doc_id in hits_all,
                "fields": _labels(found),
                "words": _surface(passage[1] + "\n" + passage[2], found),
                "excluded_by": _labels(blocked),
            }
        )
    out["matched"] = bool(hits_all)
    return out


def _matching(searcher, q, only) -> set[str]:
    """Ids ("a:12", "n:<uuid>") of the documents among `only` that `q` matches."""
    results = searcher.search(q, filter=only, limit=None, scored=False)
    return {_doc_id(searcher.stored_fields(d)["doc"]) for d in results.docs()}


def _doc_id(stored: dict[str, Any]) -> str:
    if stored.get("kind") == "annotation":
        return f"n:{stored['annotation_id']}"
    return f"a:{stored['article_id']}"


def _leaves(node: wq.Query, want: bool, positive: bool = True):
    """Leaf queries outside any NOT (`want` True: reasons) or under one (False: obstacles)."""
    if isinstance(node, BinaryQuery):
        yield from _leaves(node.a, want, positive)
        yield from _leaves(node.b, want, positive != isinstance(node, wq.AndNot))
    elif isinstance(node, CompoundQuery):
        for sub in node.subqueries:
            yield from _leaves(sub, want, positive)
    elif isinstance(node, wq.Every):
        return
    elif positive == want:
        yield node


def _describe(leaf: wq.Query) -> tuple[str, str] | None:
    """(field, what) for a leaf query: the term, phrase words or range it stands for."""
    fieldname = getattr(leaf, "fieldname", None)
    if fieldname is None:
        return None
    if isinstance(leaf, wq.Phrase):
        return fieldname, " ".join(leaf.words)
    if isinstance(leaf, wq.TermRange):
        return fieldname, f"{leaf.start or '…'} to {(leaf.end or '…').rstrip('~')}"
    if isinstance(leaf, (wq.Prefix,)):
        return fieldname, f"{leaf.text}*"
    if isinstance(leaf, wq.FuzzyTerm):
        return fieldname, f"{leaf.text}~{leaf.maxdist}"
    text = getattr(leaf, "text", None)
    return (fieldname, str(text)) if text is not None else None


def _reasons(searcher, q, only, want: bool = True) -> dict[str, dict[str, set[str]]]:
    """{doc id: {index field: {term or phrase}}} for every leaf that matched.

    With `want` False, the leaves under a NOT: what kept a document out.
    """
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    seen: set[tuple[str, str]] = set()
    for leaf in _leaves(q, want):
        described = _describe(leaf)
        if described is None or described in seen:
            continue
        seen.add(described)
        fieldname, what = described
        for doc_id in _matching(searcher, leaf, only):
            out[doc_id][fieldname].add(what)
        if fieldname == "body" and isinstance(leaf, (wq.Term, wq.Phrase)):
            # An annotation's body is its quote and note: say which.
            for part in ("quote", "note"):
                copy = (
                    wq.Term(part, leaf.text)
                    if isinstance(leaf, wq.Term)
                    else wq.Phrase(part, leaf.words, slop=leaf.slop)
                )
                for doc_id in _matching(searcher, copy, only):
                    if doc_id.startswith("n:"):
                        out[doc_id][part].add(what)
    return out


def _split_body(found: dict[str, set[str]], quote: str, note: str) -> dict[str, set[str]]:
    """For a passage, its body matches are already told as quote/note: drop the duplicate."""
    result = {k: set(v) for k, v in found.items() if k != "body"}
    rest = found.get("body", set()) - result.get("quote", set()) - result.get("note", set())
    if rest:
        result["quote"] = result.get("quote", set()) | rest
    return result


def _labels(found: dict[str, set[str]]) -> dict[str, list[str]]:
    """Index fields folded into the reader's labels, terms sorted."""
    out: dict[str, set[str]] = defaultdict(set)
    for fieldname, terms in found.items():
        out[FIELD_LABELS.get(fieldname, fieldname)].update(terms)
    return {label: sorted(terms) for label, terms in sorted(out.items())}


def _surface(text: str, found: dict[str, set[str]]) -> dict[str, list[str]]:
    """{indexed term: the words of `text` that became it}, for stemmed text terms."""
    wanted = set()
    for fieldname in ("body", "quote", "note", "title"):
        for what in found.get(fieldname, ()):
            wanted.update(what.split(" "))
    if not wanted or not text:
        return {}
    words: dict[str, set[str]] = defaultdict(set)
    for token in STEM_ANALYZER(text, chars=True, mode="index"):
        if token.text in wanted:
            words[token.text].add(text[token.startchar : token.endchar].casefold())
    return {term: sorted(forms) for term, forms in sorted(words.items())}


# --- wildcard and fuzzy expansions -----------------------------------------------------


def _patterns(node: wq.Query, positive: bool = True):
    if isinstance(node, VocabularyPattern):
        if positive:
            yield node
    elif isinstance(node, BinaryQuery):
        yield from _patterns(node.a, positive)
        yield from _patterns(node.b, positive != isinstance(node, wq.AndNot))
    elif isinstance(node, CompoundQuery):
        for sub in node.subqueries:
            yield from _patterns(sub, positive)


def _expansion(node: VocabularyPattern, reader) -> dict[str, Any]:
    """The index's words a wildcard or fuzzy term stands for, and their stems."""
    words: set[str] = set()
    regex = None
    if node.kind == "wildcard":
        regex = re.compile(
            "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in node.text)
            + r"\Z"
        )
    for fieldname in SPELL_FIELDS:
        if node.kind == "fuzzy":
            words.update(reader.terms_within(fieldname, node.text, node.maxdist, prefix=1))
            continue
        literal = re.sub(r"[*?].*", "", node.text, flags=re.S)
        for raw in reader.expand_prefix("spell_" + fieldname, literal):
            word = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            if regex is None or regex.match(word):
                words.add(word)
    ordered = sorted(words)
    suffix = {"prefix": "*", "fuzzy": "~"}.get(node.kind, "")
    return {
        "input": node.text + suffix,
        "kind": node.kind,
        "words": ordered[:MAX_WORDS],
        "capped": len(ordered) > MAX_WORDS,
        "terms": sorted({t for w in ordered for t in analyze(w, "body")}),
    }
