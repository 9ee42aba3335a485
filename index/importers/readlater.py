"""Read-later exports read whole: wallabag's JSON, Pocket's HTML and CSV, Instapaper's CSV.

Formats, as the services published them (and as wallabag's own importers read them):

- **wallabag** (Export › JSON): a list of entries with `id`, `title`, `url`, `content`
  (the article's HTML), `tags` (labels), `created_at` (when it was saved, `+0200` zones),
  `published_at`, `published_by` (a list of names), `is_archived`, `reading_time`,
  `domain_name`, and `annotations` in the annotator.js shape: `quote`, `text` (the note),
  `created_at`, `ranges` (`start`/`end` XPaths into the content, `startOffset`/`endOffset`).
- **Pocket** HTML (`ril_export.html`): `<h1>Unread</h1>` / `<h1>Read Archive</h1>`, each
  followed by a `<ul>` of `<a href time_added tags>title</a>`; Pocket's CSV:
  `title,url,time_added,tags,status` with tags joined by `|`.
- **Instapaper** CSV: `URL,Title,Selection,Folder,Timestamp` and, in newer exports,
  `Tags` as a JSON list.

wallabag entries become articles with their tags and highlights; an entry with no text
is listed as a link. Pocket and Instapaper hold no text: their items are links the user
saved elsewhere, listed so the window can show them, never fetched.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from index.importers.items import Item, SavedLink
from index.importers.pages import article_from_html, iso_timestamp
from index.model import CarriedHighlight

PREFIX_CHARS = 32


def read_export(kind: str, data: bytes, source_path: str) -> list[Item]:
    """The items of an export of `kind` (see index.importers.detect.EXPORTS)."""
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    if kind == "wallabag":
        return read_wallabag(text, source_path)
    if kind == "pocket-html":
        return read_pocket_html(text)
    if kind == "pocket-csv":
        return read_pocket_csv(text)
    if kind == "instapaper-csv":
        return read_instapaper_csv(text)
    raise ValueError(f"not an export this version reads ({kind})")


# --- wallabag ------------------------------------------------------------------------------


def read_wallabag(text: str, source_path: str) -> list[Item]:
    """Each wallabag entry as an article (tags, saved date, highlights) or a link."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON: {error.msg} at line {error.lineno}") from None
    entries = data if isinstance(data, list) else [data]
    items = []
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            items.append(Item(f"entry {n}", f"entry {n}", status="failed", reason="not an entry"))
            continue
        items.append(_wallabag_entry(entry, n, source_path))
    return items


def _wallabag_entry(entry: dict[str, Any], n: int, source_path: str) -> Item:
    url = str(entry.get("url") or entry.get("given_url") or "").strip()
    key = f"wallabag:{entry.get('id', n)}"
    label = url or str(entry.get("title") or key)
    tags = _labels(entry.get("tags"))
    saved = iso_timestamp(entry.get("created_at"))
    content = str(entry.get("content") or "")
    try:
        article = article_from_html(
            content,
            f"{source_path}#{key}",
            url=url or None,
            saved_at=saved,
            source_format="wallabag",
        )
    except (ValueError, RecursionError):
        link = SavedLink(url, str(entry.get("title") or ""), tags, saved, _state(entry))
        return (
            Item(key, label, link=link)
            if url
            else Item(key, label, status="failed", reason="no text and no address")
        )
    title = " ".join(str(entry.get("title") or "").split())
    if title:
        article.title = title
    authors = [str(a).strip() for a in entry.get("published_by") or [] if str(a).strip()]
    if authors:
        article.author = ", ".join(authors)
    published = iso_timestamp(entry.get("published_at"))
    if published:
        article.date = published[:10]
    article.tags = tags
    article.highlights = wallabag_highlights(
        entry.get("annotations"), content, article.reading_text, key
    )
    return Item(key, label, article=article)


def _labels(value: Any) -> list[str]:
    """Tags as wallabag writes them: strings, or objects with a `label`."""
    out: list[str] = []
    for tag in value or []:
        name = tag.get("label") if isinstance(tag, dict) else tag
        name = " ".join(str(name or "").split())
        if name and name not in out:
            out.append(name)
    return out


def _state(entry: dict[str, Any]) -> str:
    return "archive" if entry.get("is_archived") in (1, True, "1") else "unread"


def wallabag_highlights(
    annotations: Any, content: str, reading_text: str, key: str
) -> list[CarriedHighlight]:
    """wallabag's annotations (annotator.js) as highlights: the quote, the note, and where
    the ranges point in the content as a hint and context for placing the quote."""
    out = []
    located = _RangeLocator(content) if annotations else None
    for n, note in enumerate(annotations or [], start=1):
        if not isinstance(note, dict):
            continue
        found = CarriedHighlight(
            source_id=f"{key}:annotation:{note.get('id', n)}",
            quote=str(note.get("quote") or ""),
            note=str(note.get("text") or ""),
            created=iso_timestamp(note.get("created_at")) or "",
        )
        if not found.quote.strip():
            found.problem = "a note with no highlighted text"
        elif located is not None:
            hint = located.locate(note.get("ranges"), len(reading_text))
            if hint is not None:
                found.start, found.end, found.prefix, found.suffix = hint
        out.append(found)
    return out


class _RangeLocator:
    """Where annotator.js ranges (XPaths relative to the content, offsets in the text
    content of the element they name) fall in the content's text."""

    def __init__(self, content: str) -> None:
        import lxml.html
        from lxml import etree

        self.root = None
        self.text = ""
        try:
            self.root = lxml.html.fragment_fromstring(content or "<p></p>", create_parent="div")
        except (etree.ParserError, ValueError):
            return
        self.starts: dict[Any, int] = {}
        parts: list[str] = []
        size = 0
        for event, element in etree.iterwalk(self.root, events=("start", "end")):
            if event == "start":
                self.starts[element] = size
                if isinstance(element.tag, str) and element.text:
                    parts.append(element.text)
                    size += len(element.text)
            elif element is not self.root and element.tail:
                parts.append(element.tail)
                size += len(element.tail)
        self.text = "".join(parts)

    def offset(self, path: Any, offset: Any) -> int | None:
        if self.root is None or not isinstance(path, str):
            return None
        try:
            nodes = self.root.xpath("." + path if path.startswith("/") else path)
            within = int(offset)
        except Exception:  # lxml raises several kinds for a malformed XPath
            return None
        if not nodes or not hasattr(nodes[0], "tag") or nodes[0] not in self.starts:
            return None
        return self.starts[nodes[0]] + max(0, within)

    def locate(self, ranges: Any, reading_length: int) -> tuple[int, int, str, str] | None:
        """(start, end) scaled into the reading text, with prefix and suffix from the content."""
        if not isinstance(ranges, list) or not ranges or not isinstance(ranges[0], dict):
            return None
        first = ranges[0]
        start = self.offset(first.get("start"), first.get("startOffset"))
        end = self.offset(first.get("end"), first.get("endOffset"))
        if start is None or end is None or end < start or not self.text:
            return None
        prefix = " ".join(self.text[max(0, start - PREFIX_CHARS * 2) : start].split())
        suffix = " ".join(self.text[end : end + PREFIX_CHARS * 2].split())
        scale = reading_length / max(1, len(self.text))
        return (
            int(start * scale),
            int(end * scale),
            prefix[-PREFIX_CHARS:],
            suffix[:PREFIX_CHARS],
        )


# --- Pocket and Instapaper ---------------------------------------------------------------------


def read_pocket_html(text: str) -> list[Item]:
    """Pocket's `ril_export.html`: every link under its section heading ("Unread"…)."""
    import lxml.html

    root = lxml.html.document_fromstring(text)
    items = []
    state = ""
    for element in root.iter("h1", "h2", "a"):
        if element.tag in ("h1", "h2"):
            state = " ".join(element.text_content().split()).casefold()
            state = {"read archive": "archive"}.get(state, state)
            continue
        url = (element.get("href") or "").strip()
        if not url:
            continue
        tags = [t.strip() for t in (element.get("tags") or "").split(",") if t.strip()]
        title = " ".join(element.text_content().split())
        link = SavedLink(url, title, tags, iso_timestamp(element.get("time_added")), state)
        items.append(Item(url, url, link=link))
    return items


def read_pocket_csv(text: str) -> list[Item]:
    """Pocket's CSV: `title,url,time_added,tags,status`, tags joined by `|`."""
    items = []
    for row in _rows(text):
        url = row.get("url", "")
        if not url:
            continue
        tags = [t.strip() for t in row.get("tags", "").split("|") if t.strip()]
        added = iso_timestamp(row.get("time_added"))
        link = SavedLink(url, row.get("title", ""), tags, added, row.get("status", ""))
        items.append(Item(url, url, link=link))
    return items


def read_instapaper_csv(text: str) -> list[Item]:
    """Instapaper's CSV: `URL,Title,Selection,Folder,Timestamp[,Tags]`."""
    items = []
    for row in _rows(text):
        url = row.get("url", "")
        if not url:
            continue
        tags = _instapaper_tags(row.get("tags", ""))
        added = iso_timestamp(row.get("timestamp"))
        link = SavedLink(url, row.get("title", ""), tags, added, row.get("folder", "").casefold())
        items.append(Item(url, url, link=link))
    return items


def _rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    return [
        {(k or "").strip().casefold(): (v or "").strip() for k, v in row.items() if k}
        for row in reader
    ]


def _instapaper_tags(value: str) -> list[str]:
    if value.startswith("["):
        try:
            data = json.loads(value)
        except json.JSONDecodeError:
            data = []
        return [str(t).strip() for t in data if str(t).strip()]
    return [t.strip() for t in value.split(",") if t.strip()]
