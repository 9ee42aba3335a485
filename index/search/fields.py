"""What goes into the search index: the schema, its fields, and the fields of one document.

The write side of index/search.py: `document_fields` turns a Library document (an
article or an annotation, as index/indexer.py builds them) into whoosh fields;
`SpellingWriter` is the segment writer every commit uses, and `merge_tiers` the merge
policy of small commits.
"""

from __future__ import annotations

import re
import threading

from whoosh import fields, formats, writing
from whoosh.analysis import RegexTokenizer
from whoosh.columns import VarBytesColumn
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length

from index.search import bulk_merge
from index.search import whoosh_wall as wall
from index.search.analysis import NAME_ANALYZER, STEM_ANALYZER
from index.search.analysis import postings as analysed_postings
from index.search.codec import FlatCharacters, FlatPositions, GlossCodec
from index.search.query import normalize_tag

SEP, TAGSEP = "\x1f", "\x1e"

_spelled = threading.local()  # words already listed by the writer running in this thread


class SpelledText(fields.TEXT):
    """TEXT whose unstemmed word list is filled in the same pass, each word once per segment.

    whoosh keeps a field's unstemmed words (for spelling and, here, for
    wildcards) as postings of document 0: it analyses every text a second
    time and posts every word of every document again, as many postings as
    the field itself. Only the words are ever read. Inside a _Writer the words
    are taken from the indexing pass and each new one is listed once.
    """

    def index(self, value, **kwargs):
        seen = getattr(_spelled, "seen", None)
        if seen is None or not isinstance(value, str) or self.analyzer is not STEM_ANALYZER:
            yield from super().index(value, **kwargs)
            return
        postings, words = self.postings(value)
        fresh = [w for w in words if w not in seen]
        seen.update(fresh)
        yield from postings
        _spelled.fresh = fresh

    def postings(self, value: str) -> tuple[list[tuple], list[str]]:
        """What `index` yields for `value` (term, frequency, weight, encoded places), and
        its unstemmed words."""
        chars = isinstance(self.format, formats.Characters)
        places_by_stem, words = analysed_postings(value, chars)
        boost, encode = self.format.field_boost, self.format.encode
        postings = [
            (stem.encode("utf-8"), len(places), len(places) * boost, encode(places))
            for stem, places in places_by_stem.items()
        ]
        return postings, words

    def spellable_words(self, value):
        fresh = getattr(_spelled, "fresh", None)
        if fresh is None:
            return super().spellable_words(value)
        _spelled.fresh = None
        return iter(sorted(fresh))


def schema(flat: bool = True) -> fields.Schema:
    """Indexed fields, plus one stored dict per document (`doc`) holding what a hit shows.

    An annotation carries its article's title and author for display and for
    `title:` / `author:` filters, indexed as ctx_title / ctx_author so that a
    plain word matching an article's title does not drag in every passage of it.
    Its quote and note also go into `body`, so plain words search four fields.
    Places (positions, characters) are encoded as codec.py's flat int32 arrays;
    `flat=False` gives whoosh's pickled lists, as indexes before gloss4 held them.
    """
    stem, name = STEM_ANALYZER, NAME_ANALYZER
    made = fields.Schema(
        id=fields.ID(),
        doc=fields.STORED(),
        flags=fields.KEYWORD(),
        title=SpelledText(analyzer=stem, spelling=True),
        author=fields.TEXT(analyzer=name),
        ctx_title=fields.TEXT(analyzer=stem),
        ctx_author=fields.TEXT(analyzer=name),
        date=fields.ID(),
        body=SpelledText(analyzer=stem, chars=True, spelling=True),
        tag=fields.KEYWORD(analyzer=RegexTokenizer(r"[^\x1f]+")),
        tagtext=SpelledText(analyzer=stem, spelling=True),
        quote=fields.TEXT(analyzer=stem),
        note=fields.TEXT(analyzer=stem),
        color=fields.ID(),
        facets=fields.COLUMN(VarBytesColumn()),
    )
    if flat:
        for _, field in made.items():
            fmt = field.format
            if type(fmt) is formats.Characters:
                field.format = FlatCharacters(field_boost=fmt.field_boost)
            elif type(fmt) is formats.Positions:
                field.format = FlatPositions(field_boost=fmt.field_boost)
    return made


SCHEMA = schema()


def _pack(
    doc_id: str, article_id: int, date: str | None, author: str | None, tags, color: str = ""
) -> bytes:
    """The facet column's value: id, article, date, author, tags and (passages) colour."""
    clean = [t.replace(SEP, " ").replace(TAGSEP, " ") for t in tags]
    values = [doc_id, str(article_id), date or "", (author or "").replace(SEP, " ")]
    return SEP.join([*values, TAGSEP.join(clean), color]).encode("utf-8")


def document_fields(doc: dict) -> dict:
    """The whoosh fields for one Library document (an article or annotation dict)."""
    kind = doc["kind"]
    tags = [" ".join(str(t).split()) for t in doc.get("tags") or ()]
    tags = list(dict.fromkeys(t for t in tags if t))
    article_id = int(doc["article_id"])
    title, author, date = shown_metadata(doc.get("title"), doc.get("author"), doc.get("date"))
    stored = {"kind": kind, "article_id": article_id, "title": title, "author": author}
    stored |= {"date": date, "tags": tags}
    color = (doc.get("color") or "yellow") if kind == "annotation" else ""
    facets = _pack(doc["id"], article_id, date, author, tags, color)
    out = {"id": doc["id"], "doc": stored, "facets": facets}
    flags = [kind]
    if date:
        out["date"] = date
    if tags:
        flags.append("tagged")
        out["tag"] = SEP.join(normalize_tag(t) for t in tags)
        out["tagtext"] = "\n".join(tags)
    if kind == "article":
        out["title"] = title
        if author:
            out["author"] = author
        out["body"] = doc.get("body") or ""
    elif kind == "annotation":
        quote, note = doc.get("quote") or "", doc.get("note") or ""
        orphaned = bool(doc.get("orphaned"))
        stored |= {"quote": quote, "note": note, "color": color, "orphaned": orphaned}
        stored["annotation_id"] = doc.get("annotation_id") or doc["id"].partition(":")[2]
        out |= {"ctx_title": title, "quote": quote, "note": note, "color": color}
        out["body"] = f"{quote}\n{note}" if note else quote
        if author:
            out["ctx_author"] = author
        if orphaned:
            flags.append("orphaned")
        if note.strip():
            flags.append("note")
    else:
        raise ValueError(f"unknown document kind {kind!r}")
    out["flags"] = " ".join(flags)
    return out


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def shown_metadata(
    title: str | None, author: str | None, date: str | None
) -> tuple[str, str | None, str | None]:
    """An article's title, author and date as the index stores them (and a hit shows
    them): no title is "", no author None, a date that is not YYYY-MM-DD None."""
    date = date or None
    if date is not None and not _ISO_DATE.fullmatch(date):
        date = None
    return title or "", author or None, date


class SpellingWriter(writing.SegmentWriter):
    """whoosh's segment writer, minus a stat() call per posting, listing spelling words once.

    When it writes postings, whoosh looks up each document's length in the
    posting's field; for fields that keep no lengths (ids, flags, tags, the
    spelling lists) the per-document reader asks the file system whether the
    length column exists, every time. Recording the answer once makes a
    rebuild about a fifth faster. The writer also owns the set of spelling
    words its segment already lists (see SpelledText).
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("codec", GlossCodec())  # postings as flat arrays (codec.py)
        super().__init__(*args, **kwargs)
        _spelled.seen = set()

    def _finish(self) -> None:
        self.spelled_done()
        super()._finish()

    def spelled_done(self) -> None:
        """Forget this thread's spelling words (also for a segment built without commit)."""
        _spelled.seen = _spelled.fresh = None

    def per_document_reader(self):
        return _SegmentLengths(super().per_document_reader())


class _SegmentLengths:
    """The new segment's per-document reader as its postings are written: each field's
    lengths decoded once into a list (whoosh reads a byte from the column per posting,
    and asks the file system per posting whether a field without lengths has any)."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._lengths: dict[str, list] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            column = None
            if self._reader.has_column(f"_{fieldname}_len"):
                column = wall.length_column(self._reader, fieldname)
            if column is None:
                lengths = []
            else:
                raw = [column[d] for d in range(self._reader.doc_count_all())]
                lengths = [byte_to_length(b) if b else None for b in raw]
            self._lengths[fieldname] = lengths
        if not lengths:
            return default
        return lengths[docnum]

    def __getattr__(self, name: str):
        return getattr(self._reader, name)


MERGE_AT = 5  # segments of one size tier (1-9, 10-99, ... documents) that trigger a merge
MERGE_MAX_DOCS = 999  # a small commit never rewrites a segment this big (an import's)


def merge_tiers(writer: writing.SegmentWriter, segments: list) -> list:
    """Merge policy for apply(): bounded work per commit, few segments to search.

    Segments whose documents are all deleted are dropped. Then the smallest
    size tier holding MERGE_AT segments is merged into one segment beside the
    commit's (bulk_merge: their postings concatenated, not read back through
    whoosh's writer).
    Unlike whoosh's MERGE_SMALL, a big segment is never merged here, so a
    one-document commit can never turn into a minute-long rewrite.
    """
    segments = [seg for seg in segments if seg.doc_count() > 0]
    tiers: dict[int, list] = {}
    for seg in segments:
        if seg.doc_count_all() <= MERGE_MAX_DOCS:
            tiers.setdefault(len(str(seg.doc_count_all())), []).append(seg)
    chosen = next((tiers[t] for t in sorted(tiers) if len(tiers[t]) >= MERGE_AT), [])
    kept = [seg for seg in segments if seg not in chosen]
    merged = _merged_beside(writer, chosen) if chosen else None
    if merged is not None:
        return [*kept, merged]
    for seg in chosen:  # segments in another codec: through whoosh's writer
        reader = SegmentReader(writer.storage, writer.schema, seg)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return kept


def _merged_beside(writer: writing.SegmentWriter, chosen: list):
    """`chosen` merged by bulk_merge into a segment of its own, written in the index
    folder by a writer of its own (committed by `writer`, which holds the lock); None
    for segments bulk_merge does not read (nothing is written then)."""
    storage = writer.storage
    try:
        with bulk_merge.opened(storage.folder, storage, writer.schema, chosen) as sources:
            ix = storage.open_index(writer.indexname, schema=writer.schema)
            side = SpellingWriter(ix, _lk=False, limitmb=8, compound=False)
            try:
                bulk_merge.merge_into(side, sources)
                return wall.close_built_segment(side)
            finally:
                side.spelled_done()
    except bulk_merge.Unmergeable:
        return None
