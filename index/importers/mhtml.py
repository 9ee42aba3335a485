"""MHTML (`.mht`, `.mhtml`): a page and its images in one MIME message (RFC 2557).

Chrome and Edge ("Save as single file") write a `multipart/related` message whose
headers say where the page came from (`Snapshot-Content-Location`) and when it was saved
(`Date`); the first `text/html` part (or the one the `start` parameter names) is the
page, the other parts its images, styles and frames, each with its `Content-Location`.
The standard library's `email` package reads it; the page goes to the HTML importer and
the image parts become the article's resources.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import Message
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from index.model import Article, Resource

MAX_IMAGE_BYTES = 10 * 1024 * 1024
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)


def import_mhtml(text: str, source_path: str = "") -> Article:
    """The page of an MHTML file with its address, saved date and images."""
    from index.importers.html import import_html

    message = email.message_from_string(text, policy=email.policy.compat32)
    if not message.is_multipart():
        raise ValueError("an MHTML file without parts: no page in it")
    parts = [p for p in message.walk() if not p.is_multipart()]
    page = _root_part(message, parts)
    if page is None:
        raise ValueError("no web page in the MHTML file")
    from index.importers.blocks import nfc

    payload = page.get_payload(decode=True)
    raw = payload if isinstance(payload, bytes) else b""
    html = nfc(decode_html(raw, page.get_content_charset()))
    article = import_html(html, source_path)
    url = message.get("Snapshot-Content-Location") or page.get("Content-Location")
    if url:
        article.url = url.strip()
    article.saved_at = _saved_at(message.get("Date"))
    article.resources = _images(parts, article.url or "")
    article.original_text = html
    article.source_format = "mhtml"
    return article


def _root_part(message: Message, parts: list[Message]) -> Message | None:
    """The part the `start` parameter names, else the first HTML part."""
    start = message.get_param("start")
    if isinstance(start, str):
        wanted = start.strip("<> ")
        for part in parts:
            if (part.get("Content-ID") or "").strip("<> ") == wanted:
                return part
    for part in parts:
        if part.get_content_type() in ("text/html", "application/xhtml+xml"):
            return part
    return None


def decode_html(data: bytes, charset: str | None) -> str:
    """A page's bytes as text: its declared charset (header, then `<meta>`), else the
    usual rules for text files (BOM, UTF-8, cp1252)."""
    declared = charset
    if not declared:
        meta = _META_CHARSET.search(data[:4096])
        declared = meta.group(1).decode("ascii", "replace") if meta else None
    if declared:
        try:
            return data.decode(declared, errors="replace")
        except LookupError:
            pass
    from index.importers.decode import decode_bytes

    return decode_bytes(data).text


def _saved_at(value: str | None) -> str | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is not None:  # "-0000" (no zone known) comes back naive: taken as UTC
        from datetime import UTC

        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.replace(microsecond=0).isoformat() + "Z"


def _images(parts: list[Message], page_url: str) -> list[Resource]:
    found = []
    for part in parts:
        mime = part.get_content_type()
        if not mime.startswith("image/"):
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data or len(data) > MAX_IMAGE_BYTES:
            continue
        location = (part.get("Content-Location") or "").strip()
        if not location and part.get("Content-ID"):
            location = "cid:" + part["Content-ID"].strip("<> ")
        found.append(Resource(urljoin(page_url, location) if location else "", mime, data))
    return found
