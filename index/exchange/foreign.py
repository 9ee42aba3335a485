"""Annotations from other tools: a Hypothesis JSON export and a Readwise CSV export.

Formats, as their public documentation describes them:

- **Hypothesis**: the client's export file (`{"export_date", "export_userid",
  "client_version", "annotations": [...]}`), an API search answer
  (`{"total", "rows": [...]}`), a bare list, or one annotation. Each
  annotation has `id`, `uri`, `text` (the note, Markdown), `tags`, `created`,
  `document.title` (a list) and `target[].selector[]`: a TextQuoteSelector
  (`exact`, `prefix`, `suffix`), a TextPositionSelector (`start`, `end`, in
  the web page's text, so only a hint here) and a RangeSelector (XPath
  ranges into the page's DOM, meaningless for our reading text: ignored).
  Replies (`references`) and page notes (no quote) are not passages.
- **Readwise**: the CSV export, columns `Highlight`, `Book Title`,
  `Book Author`, `Amazon Book ID`, `Note`, `Color`, `Tags`, `Location Type`,
  `Location`, `Highlighted at`, `Document tags` (the CSV import template's
  `Title`, `Author`, `URL` are read too). No context, no position.

Each annotation is matched to an article of the store by its source URL,
then its title, then the text it quotes, and anchored by its quote with the
re-import rules (`index.passages.anchoring.reanchor`). One whose article is found but
whose words are not is kept, orphaned, like any passage after a re-import;
one with no article is reported, never guessed. Ids are derived from the
source's own ids (or, for Readwise, from the row's contents), so importing the
same file twice adds nothing the second time.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from index.passages import annotations as notes
from index.passages.anchoring import Selector, reanchor, same_form
from index.passages.annotations import PALETTE, AnnotationError
from index.store.articles import get_article
from index.store.database import Store, now_iso

# A namespace of our own for ids derived from other tools' ids.
ID_NAMESPACE = uuid.UUID("5b0f6c2e-8f8e-4d59-9a8c-3f2e6d1c7a10")
READWISE_COLORS = {
    "yellow": "yellow",
    "green": "green",
    "blue": "blue",
    "pink": "pink",
    "purple": "purple",
    "red": "pink",
    "orange": "yellow",
}
MAX_CANDIDATES = 200  # articles a quote is tried in when matched by its words alone
_QUOTE_CLASSES = {
    "'": "['‘’]",
    "‘": "['‘’]",
    "’": "['‘’]",
    '"': '["“”]',
    "“": '["“”]',
    "”": '["“”]',
}


@dataclass(slots=True)
class Foreign:
    """One annotation read from another tool, before it is matched to an article."""

    source_id: str
    gloss_id: str
    quote: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    uri: str = ""
    title: str = ""
    note: str = ""
    tags: list[str] = field(default_factory=list)
    color: str = "yellow"
    created: str = ""
    document_tags: list[str] = field(default_factory=list)
    problem: str = ""  # set when the annotation cannot be a passage at all


# --- format detection -------------------------------------------------------------------


def detect(text: str) -> str:
    """ "w3c", "hypothesis" or "readwise" for an annotations file; AnnotationError if none."""
    body = text.lstrip("\ufeff").lstrip()
    if body[:1] in ("{", "["):
        try:
            data = json.loads(body)
        except json.JSONDecodeError as error:
            raise AnnotationError(f"not JSON: {error.msg} at line {error.lineno}") from None
        return "hypothesis" if _hypothesis_items(data) is not None else "w3c"
    header = next(csv.reader(io.StringIO(body)), [])
    if "highlight" in {h.strip().casefold() for h in header}:
        return "readwise"
    raise AnnotationError(
        "not an annotations file this version reads (W3C JSON, Hypothesis JSON, Readwise CSV)"
    )


def _is_hypothesis(item: Any) -> bool:
    """A Hypothesis annotation: a `uri` and a list of targets, and no W3C typing."""
    return (
        isinstance(item, dict)
        and isinstance(item.get("uri"), str)
        and isinstance(item.get("target"), list)
        and "@context" not in item
        and item.get("type") != "Annotation"
    )


def _hypothesis_items(data: Any) -> list[dict[str, Any]] | None:
    """The annotations of a Hypothesis file, or None when it is not one."""
    if isinstance(data, dict):
        for key in ("annotations", "rows"):
            if isinstance(data.get(key), list):
                items = [i for i in data[key] if isinstance(i, dict)]
                if ("export_date" in data and key == "annotations") or any(
                    _is_hypothesis(i) for i in items
                ):
                    return items
        return [data] if _is_hypothesis(data) else None
    if isinstance(data, list):
        items = [i for i in data if isinstance(i, dict)]
        return items if items and any(_is_hypothesis(i) for i in items) else None
    return None


# --- reading ----------------------------------------------------------------------------


def read_hypothesis(text: str) -> list[Foreign]:
    """The annotations of a Hypothesis JSON file, each with a problem when it is no passage."""
    items = _hypothesis_items(json.loads(text.lstrip("\ufeff"))) or []
    out = []
    for n, item in enumerate(items, start=1):
        source_id = str(item.get("id") or f"item {n}")
        found = Foreign(
            source_id=source_id,
            gloss_id=str(uuid.uuid5(ID_NAMESPACE, f"hypothesis:{source_id}")),
            quote="",
            uri=str(item.get("uri") or ""),
            title=_first(item.get("document", {}).get("title"))
            if isinstance(item.get("document"), dict)
            else "",
            note=str(item.get("text") or ""),
            tags=[str(t) for t in item.get("tags") or [] if str(t).strip()],
            created=str(item.get("created") or ""),
        )
        if item.get("references"):
            found.problem = "a reply to another annotation, not a passage"
        for target in item.get("target") or []:
            if not isinstance(target, dict):
                continue
            found.uri = found.uri or _first(target.get("source"))
            for selector in target.get("selector") or []:
                if not isinstance(selector, dict):
                    continue
                kind = selector.get("type")
                if kind == "TextQuoteSelector" and selector.get("exact"):
                    found.quote = str(selector["exact"])
                    found.prefix = str(selector.get("prefix") or "")
                    found.suffix = str(selector.get("suffix") or "")
                elif kind == "TextPositionSelector":
                    with contextlib.suppress(KeyError, TypeError, ValueError):
                        found.start, found.end = int(selector["start"]), int(selector["end"])
        if not found.quote and not found.problem:
            found.problem = "a page note: it quotes no text"
        out.append(found)
    return out


def read_readwise(text: str) -> list[Foreign]:
    """The highlights of a Readwise CSV export (or of its import template)."""
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    out = []
    for n, raw in enumerate(rows, start=2):  # row 1 is the header
        row = {(k or "").strip().casefold(): (v or "").strip() for k, v in raw.items() if k}
        quote = row.get("highlight", "")
        title = row.get("book title") or row.get("title", "")
        key = "\x1f".join(
            [
                title,
                quote,
                row.get("location", ""),
                row.get("highlighted at") or row.get("date", ""),
            ]
        )
        found = Foreign(
            source_id=f"row {n}",
            gloss_id=str(uuid.uuid5(ID_NAMESPACE, f"readwise:{key}")),
            quote=quote,
            uri=row.get("url", ""),
            title=title,
            note=row.get("note", ""),
            tags=_split_tags(row.get("tags", "")),
            color=READWISE_COLORS.get(row.get("color", "").casefold(), "yellow"),
            created=_iso_time(row.get("highlighted at") or row.get("date", "")),
            document_tags=_split_tags(row.get("document tags", "")),
        )
        if not quote:
            found.problem = "no highlighted text in this row"
        out.append(found)
    return out


def _first(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value) if value else ""


def _split_tags(text: str) -> list[str]:
    return [t.strip() for t in re.split(r"[,;]", text) if t.strip().lstrip("#").strip()]


def _iso_time(text: str) -> str:
    """ "2023-01-20 14:03:00" (with or without seconds / zone) as ISO; anything else as given."""
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?(.*)", text.strip())
    if not m:
        return text.strip()
    zone = m.group(4).strip()
    zone = "Z" if zone in ("", "Z", "+00:00", "UTC") else zone
    return f"{m.group(1)}T{m.group(2)}{m.group(3) or ':00'}{zone}"


# --- matching articles ---------------------------------------------------------------------


def normalize_url(url: str) -> str:
    """A URL as two copies of one page agree on it: no scheme, www., fragment or end slash."""
    url = url.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme == "file":
        return urlunsplit(parts._replace(fragment=""))
    host = parts.netloc.lower().removeprefix("www.")
    query = "&".join(
        p for p in parts.query.split("&") if p and not p.startswith(("utm_", "fbclid", "gclid"))
    )
    path = parts.path.rstrip("/") or ""
    return f"{host}{path}" + (f"?{query}" if query else "")


def _title_key(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


class ArticleMatcher:
    """Finds the article an outside annotation belongs to: URL, then title, then quote."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.by_url: dict[str, int] = {}
        self.by_title: dict[str, int] = {}
        for row in store.read("SELECT id, url, source_path, title FROM articles"):
            if row["url"]:
                self.by_url.setdefault(normalize_url(row["url"]), row["id"])
            try:
                uri = Path(row["source_path"]).resolve().as_uri()
                self.by_url.setdefault(normalize_url(uri), row["id"])
            except ValueError:
                pass
            self.by_title.setdefault(_title_key(row["title"]), row["id"])
        self._texts: dict[int, str] = {}

    def text(self, article_id: int) -> str:
        if article_id not in self._texts:
            self._texts[article_id] = get_article(self.store, article_id).reading_text
        return self._texts[article_id]

    def find(self, item: Foreign) -> tuple[int | None, str]:
        """(article id, how it was found: "url" | "title" | "quote"), or (None, "")."""
        found = self.by_url.get(normalize_url(item.uri)) if item.uri else None
        if found is not None:
            return found, "url"
        if item.title:
            key = _title_key(item.title)
            found = self.by_title.get(key)
            if found is None:
                # "Title | Site" and "Title - Site" as page titles often are
                head = re.split(r"\s+[|–—-]\s+", item.title.strip())[0]
                found = self.by_title.get(_title_key(head))
            if found is not None:
                return found, "title"
        found = self._by_quote(item)
        return (found, "quote") if found is not None else (None, "")

    def _by_quote(self, item: Foreign) -> int | None:
        """The article whose text holds the quote (best context wins among several).

        Candidates are the articles holding the longest stretch of the quote
        that whitespace or quote marks cannot have changed; the quote is then
        placed in each with the re-import rules.
        """
        for piece in _stable_pieces(item.quote)[:3]:
            rows = self.store.read(
                "SELECT id FROM articles WHERE instr(reading_text, ?) > 0 ORDER BY id LIMIT ?",
                (piece, MAX_CANDIDATES),
            )
            best, best_score = None, 0.0
            for row in rows:
                placed = place(self.text(row["id"]), item)
                if placed is not None and placed[0] != "orphaned" and placed[2] > best_score:
                    best, best_score = row["id"], placed[2]
            if best is not None:
                return best
        return None


def _stable_pieces(quote: str) -> list[str]:
    """Stretches of the quote between line breaks, runs of spaces, sentence ends (where a
    paragraph break may have become one space) and quote marks, longest first."""
    chunks = (c.strip() for c in re.split(r"\s{2,}|(?<=[.!?:;])\s+|[\n\t\r'‘’\"“”]", quote))
    return sorted((c for c in chunks if len(c) >= 8), key=len, reverse=True)


# --- anchoring ----------------------------------------------------------------------------------


def flexible_find(text: str, quote: str, near: int = 0) -> tuple[int, int] | None:
    """Where `quote` stands in `text` when only whitespace and quote marks differ."""
    words = quote.split()
    if not words:
        return None
    pattern = r"\s+".join(
        "".join(_QUOTE_CLASSES.get(ch, re.escape(ch)) for ch in word) for word in words
    )
    spans = [(m.start(), m.end()) for m in re.finditer(pattern, text)]
    if not spans:
        return None
    return min(spans, key=lambda s: abs(s[0] - near))


def place(text: str, item: Foreign) -> tuple[str, Selector | None, float] | None:
    """(status, selector, score) for the item's quote in `text`, with the re-import rules.

    Where the quote differs from the text only in whitespace, quote marks or
    Unicode normalisation form, the text's own words are taken as the quote first.
    """
    if not item.quote.strip():
        return None
    quote = same_form(text, item.quote)
    start = item.start if item.start is not None else 0
    if quote not in text:
        span = flexible_find(text, quote, start)
        if span is not None:
            quote = text[span[0] : span[1]]
    end = item.end if item.end is not None and item.end > start else start + len(quote)
    result = reanchor(text, Selector(start, end, quote, item.prefix, item.suffix))
    if result.selector is None:
        return "orphaned", None, result.similarity
    status = result.status if result.status in ("fuzzy",) else "exact"
    return status, result.selector, result.similarity


# --- import ---------------------------------------------------------------------------------------


def import_foreign(store: Store, text: str, fmt: str) -> dict[str, Any]:
    """Add the annotations of a Hypothesis or Readwise file; report what was placed and not.

    Returns {"format", "imported", "existing", "orphaned", "placed": [...],
    "unplaced": [{"id", "quote", "reason"}]}; all new passages are written in
    one transaction.
    """
    if fmt == "hypothesis":
        items = read_hypothesis(text)
    elif fmt == "readwise":
        items = read_readwise(text)
    else:
        raise AnnotationError(f"unknown annotations format {fmt!r}")
    result: dict[str, Any] = {
        "format": fmt,
        "imported": 0,
        "existing": 0,
        "orphaned": 0,
        "placed": [],
        "unplaced": [],
    }
    matcher = ArticleMatcher(store)
    store = store
    known = {
        r[0] for r in store.read("SELECT id FROM annotations UNION SELECT annotation_id FROM trash")
    }
    to_write: list[tuple[Foreign, int, str, Selector, bool]] = []
    for item in items:
        if item.problem:
            result["unplaced"].append(_unplaced(item, item.problem))
            continue
        if item.gloss_id in known:
            result["existing"] += 1
            continue
        article_id, how = matcher.find(item)
        if article_id is None:
            result["unplaced"].append(_unplaced(item, _no_article_reason(item)))
            continue
        placed = place(matcher.text(article_id), item)
        status, selector, score = placed if placed else ("orphaned", None, 0.0)
        orphaned = selector is None
        if selector is None:
            hint = item.start or 0
            selector = Selector(hint, hint + len(item.quote), item.quote, item.prefix, item.suffix)
        known.add(item.gloss_id)
        to_write.append((item, article_id, fmt, selector, orphaned))
        result["placed"].append(
            {
                "id": item.gloss_id,
                "source_id": item.source_id,
                "article_id": article_id,
                "matched_by": how,
                "status": status,
                "similarity": round(score, 3),
                "start": None if orphaned else selector.start,
                "end": None if orphaned else selector.end,
            }
        )
        result["orphaned"] += int(orphaned)
    _write(store, to_write)
    result["imported"] = len(to_write)
    return result


def _unplaced(item: Foreign, reason: str) -> dict[str, str]:
    quote = item.quote if len(item.quote) <= 80 else item.quote[:79] + "…"
    return {"id": item.source_id, "quote": quote, "reason": reason}


def _no_article_reason(item: Foreign) -> str:
    said = [
        f"address {item.uri}" if item.uri else "",
        f"title “{item.title}”" if item.title else "",
    ]
    said = [s for s in said if s]
    where = f" (by {' or '.join(said)}, or by its quote)" if said else " (by its quote)"
    return "no article in this store matches" + where


def _write(store: Store, rows: list[tuple[Foreign, int, str, Selector, bool]]) -> None:
    """Insert the new passages (and any Readwise document tags) in one transaction."""
    if not rows:
        return
    with store.write() as conn:
        stamp = now_iso()
        for item, article_id, fmt, selector, orphaned in rows:
            tags = []
            for tag in item.tags:
                try:
                    tags.append(notes.clean_tag(tag))
                except AnnotationError:
                    continue
            notes.insert_row(
                conn,
                item.gloss_id,
                article_id,
                selector,
                item.color if item.color in PALETTE else "yellow",
                item.note,
                orphaned,
                item.created or stamp,
                stamp,
            )
            notes.set_tags(conn, item.gloss_id, tags)
            notes.touch(conn, item.gloss_id, article_id, f"imported from {fmt}")
            for tag in item.document_tags:
                try:
                    tag_id = notes.tag_id(conn, tag)
                except AnnotationError:
                    continue
                conn.execute(
                    "INSERT OR IGNORE INTO article_tags(article_id, tag_id) VALUES (?, ?)",
                    (article_id, tag_id),
                )
                notes.queue_documents(conn, f"a:{article_id}")
