"""A page's address as two copies of the page agree on it, for telling that they are one.

Two tools that saved the same article rarely write its address alike: one keeps
`https://www.example.com/a/?utm_source=feed#top`, the other `http://example.com/a`.
`address_key` reduces both to `example.com/a`: courlan (already installed with
trafilatura, made for exactly this) drops the tracking parameters and sorts the query;
the scheme, `www.`, the fragment and an end slash are dropped here. Used where an
annotation export names its page (exchange/placement) and where an import meets a page
the library already has (store/intake).
"""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit, urlunsplit

import courlan


def address_key(url: str) -> str:
    """The address reduced to what identifies the page; "" for none."""
    url = url.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme == "file":
        return urlunsplit(parts._replace(fragment=""))
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return url
    with contextlib.suppress(ValueError):
        parts = urlsplit(courlan.normalize_url(url))
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")
