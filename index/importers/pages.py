"""A page's HTML from an archive or an export into an Article, with what the archive says.

WARC records, wallabag entries and Omnivore content files all hand over HTML with
metadata the container knows better than the page (its address, when it was saved, the
user's tags). The page's own date and author, read by the HTML importer, are kept.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from index.model import Article

_IMG_SRC = re.compile(r"""<(?:img|source)\b[^>]*?\b(src|srcset)\s*=\s*(["'])(.*?)\2""", re.I | re.S)


def article_from_html(
    html: str,
    source_path: str,
    *,
    url: str | None = None,
    saved_at: str | None = None,
    source_format: str = "html",
    digest_of: bytes | None = None,
) -> Article:
    """The article in `html` (ValueError when there is none), marked with the container's
    address and saved date; its hash is of `digest_of` (the captured bytes) when given."""
    from index.importers.blocks import nfc
    from index.importers.html import import_html

    html = nfc(html)  # the reading text is NFC, as for every file (index/importers)
    article = import_html(html, source_path)
    if url:
        article.url = url
    article.saved_at = saved_at
    article.source_format = source_format
    article.source_path = source_path
    article.original_text = html
    data = digest_of if digest_of is not None else html.encode("utf-8", "surrogatepass")
    article.content_hash = hashlib.sha256(data).hexdigest()
    return article


def image_addresses(html: str, page_url: str) -> list[str]:
    """The addresses of the images a page shows (`<img src>`, the first `srcset` entry),
    resolved against the page's address, in page order, without repeats."""
    found: list[str] = []
    for match in _IMG_SRC.finditer(html):
        value = match.group(3).strip()
        if match.group(1).lower() == "srcset":
            value = value.split(",")[0].strip().split(" ")[0]
        if not value or value.startswith("data:"):
            continue
        address = urljoin(page_url, value.replace("&amp;", "&"))
        if urlsplit(address).scheme in ("http", "https") and address not in found:
            found.append(address)
    return found


def iso_timestamp(value: str | int | float | None) -> str | None:
    """An ISO UTC time (`2024-01-02T09:00:00Z`) for ISO text (any zone), `20240102090000`
    (WARC and WACZ `ts`), or Unix seconds; None for anything else."""
    if value is None or value == "":
        return None
    when: datetime | None = None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        digits = str(value)
        if len(digits) == 14:
            when = datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        elif 9 <= len(digits) <= 11:
            when = datetime.fromtimestamp(int(digits), UTC)
    else:
        text = str(value).strip().replace("Z", "+00:00")
        text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)  # wallabag's +0200
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"
