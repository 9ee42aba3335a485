"""SingleFile pages: one HTML file with the page's images inside it as `data:` URIs.

The SingleFile extension writes a comment near the top of the page saying where the page
came from and when it was saved (`Page saved with SingleFile`, `url: …`, `saved date: …`).
The page is read by the HTML importer; its address and saved date come from that comment,
and every image the page holds as a `data:` URI is collected as a resource.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

from index.importers.html_tree import data_image_key
from index.model import Article, Resource

MARKER = "Page saved with SingleFile"
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGES = 200

_COMMENT = re.compile(r"<!--\s*Page saved with SingleFile(?P<body>.*?)-->", re.S)
_URL = re.compile(r"^\s*url:\s*(\S+)", re.M)
_SAVED = re.compile(r"^\s*saved date:\s*(.+?)\s*$", re.M)
_DATA_IMAGE = re.compile(
    r"""(?:src|href|srcset)\s*=\s*["']?data:(image/[\w.+-]+)((?:;[\w-]+=[^;,"']*)*);base64,([A-Za-z0-9+/=\s]+)""",
    re.I,
)


def is_singlefile(head: str) -> bool:
    """A page saved by SingleFile (its comment comes within the first few KB)."""
    return MARKER in head[:8192]


def import_singlefile(text: str, source_path: str = "") -> Article:
    """The article of a SingleFile page, with its address, saved date and images."""
    from index.importers.html import import_html

    article = import_html(text, source_path)
    comment = _COMMENT.search(text[:16384])
    if comment:
        url = _URL.search(comment.group("body"))
        if url:
            article.url = url.group(1)
        saved = _SAVED.search(comment.group("body"))
        if saved:
            article.saved_at = parse_saved_date(saved.group(1))
    article.resources = data_images(text)
    article.source_format = "singlefile"
    return article


def parse_saved_date(text: str) -> str | None:
    """SingleFile's date (JavaScript's `Date.toString()`, e.g. `Thu Jan 18 2024 10:00:00
    GMT+0100 (Central European Standard Time)`) as ISO UTC; None when it is not that."""
    head = text.split(" (")[0].strip()
    for form in ("%a %b %d %Y %H:%M:%S GMT%z", "%a, %d %b %Y %H:%M:%S %Z"):
        try:
            when = datetime.strptime(head, form)
        except ValueError:
            continue
        if when.tzinfo is not None:
            when = when.astimezone(UTC)
        return when.replace(tzinfo=None).isoformat() + "Z"
    return None


def data_images(html: str) -> list[Resource]:
    """Every distinct image held as a base64 `data:` URI in the page, each named as the
    page's figures name it (`data_image_key`)."""
    found: list[Resource] = []
    seen: set[bytes] = set()
    for match in _DATA_IMAGE.finditer(html):
        if len(found) >= MAX_IMAGES:
            break
        payload = re.sub(r"\s+", "", match.group(3))
        if len(payload) * 3 // 4 > MAX_IMAGE_BYTES:
            continue
        try:
            data = base64.b64decode(payload, validate=False)
        except (binascii.Error, ValueError):
            continue
        if not data or data in seen:
            continue
        seen.add(data)
        mime = match.group(1).lower()
        found.append(Resource(data_image_key(mime, data), mime, data))
    return found
