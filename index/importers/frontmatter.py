"""Clippings: Markdown with YAML front matter, as web clippers write it.

Obsidian Web Clipper writes `title`, `source`, `author` (a list, often of `[[Name]]`
links), `published`, `created`, `description` and `tags`; MarkDownload writes `created`,
`tags` (a flow list), `source` and `author`, then `# Title` in the body. Other tools say
`url`, `link`, `date`, `authors`, `keywords`. All of them become the article's metadata
and its article tags; the front matter itself never shows as text. YAML is read with
`safe_load` only (no object construction from a file).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

from index.importers.markdown import import_markdown
from index.model import Article

_OPENING = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M)
_WIKILINK = re.compile(r"^\[\[(?:[^|\]]*\|)?([^\]]*)\]\]$")
MAX_FRONT_MATTER = 64 * 1024

TITLE_KEYS = ("title", "name")
URL_KEYS = ("source", "url", "link", "original_url", "canonical_url", "source_url")
AUTHOR_KEYS = ("author", "authors", "by", "byline", "creator")
DATE_KEYS = ("published", "date", "published_at", "date_published", "pubdate", "publish_date")
SAVED_KEYS = ("created", "clipped", "saved", "date_saved", "created_at", "clipped_at")
TAG_KEYS = ("tags", "keywords", "labels", "tag")


def has_front_matter(text: str) -> bool:
    """The text opens with a `---` line and closes it within the first 64 KB."""
    opening = _OPENING.match(text)
    if not opening:
        return False
    return _CLOSING.search(text, opening.end(), opening.end() + MAX_FRONT_MATTER) is not None


def split_front_matter(text: str) -> tuple[dict[str, Any] | None, str, str | None]:
    """(the front matter as a dict, the body after it, a warning when it was unreadable).

    Text without front matter comes back whole, with None.
    """
    opening = _OPENING.match(text)
    closing = (
        _CLOSING.search(text, opening.end(), opening.end() + MAX_FRONT_MATTER) if opening else None
    )
    if not opening or not closing:
        return None, text, None
    raw = text[opening.end() : closing.start()]
    body = text[closing.end() :].lstrip("\r\n")
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        return {}, body, f"the front matter could not be read{line}: it was left out"
    if data is None:
        return {}, body, None
    if not isinstance(data, dict):
        return {}, body, "the front matter is not a list of fields: it was left out"
    return {str(k).strip().casefold(): v for k, v in data.items()}, body, None


def import_clipping(text: str, source_path: str = "") -> Article:
    """A Markdown clipping: the body as Markdown, the front matter as metadata and tags."""
    data, body, warning = split_front_matter(text)
    if not body.strip():
        raise ValueError("the clipping has front matter but no text")
    article = import_markdown(body, source_path)
    if warning:
        article.warnings.append(warning)
    if not data:
        return article
    title = _first_text(data, TITLE_KEYS)
    if title:
        article.title = title
    article.url = _first_text(data, URL_KEYS) or article.url
    authors = _names(_first(data, AUTHOR_KEYS))
    if authors:
        article.author = ", ".join(authors)
    article.date = _date(_first(data, DATE_KEYS)) or article.date
    article.saved_at = _timestamp(_first(data, SAVED_KEYS))
    article.tags = _tags(_first(data, TAG_KEYS))
    return article


def _first(data: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = data.get(key)
        if value not in (None, "", []):
            return value
    return None


def _first_text(data: dict[str, Any], keys: tuple[str, ...]) -> str:
    value = _first(data, keys)
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value).split()) if value is not None else ""


def _names(value: Any) -> list[str]:
    """Author names from a string ("A, B" or "A and B" stays whole), a list, `[[A]]` links."""
    items = value if isinstance(value, list) else [value] if value is not None else []
    names = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name") or ""
        text = " ".join(str(item).split())
        link = _WIKILINK.match(text)
        text = (link.group(1) if link else text).strip()
        if text and text not in names:
            names.append(text)
    return names


def _tags(value: Any) -> list[str]:
    """Tags from a YAML list or a comma/space separated string; `#` and `[[ ]]` dropped."""
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(r"[,\s]+", value) if "," not in value else value.split(",")
    elif isinstance(value, list):
        parts = [str(v) for v in value if v is not None and not isinstance(v, (dict, list))]
    else:
        parts = [str(value)]
    tags: list[str] = []
    for part in parts:
        tag = _WIKILINK.sub(r"\1", part.strip()).strip().lstrip("#").strip()
        if tag and tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    return tags


def _date(value: Any) -> str | None:
    """YYYY-MM-DD for a YAML date, a datetime or a date string; None when it is no full date."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    from index.importers.dates import iso_date

    return iso_date(str(value).split(" (")[0])


def _timestamp(value: Any) -> str | None:
    """When it was clipped, as ISO text: a time where the value has one, else the date."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
            return value.replace(microsecond=0).isoformat() + "Z"
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, str):
        # MarkDownload: "2024-02-01T10:00:00 (UTC +01:00)"
        match = re.match(r"\s*(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?)", value)
        if match:
            return match.group(1).replace(" ", "T")
    return _date(value)
