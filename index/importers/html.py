"""A saved web page into an Article: the article's text as blocks, and its metadata.

The article is found by `html_extract` (trafilatura, no network); title, author,
date and address come from what the page declares about itself (JSON-LD,
`<meta>` tags, `<time datetime>`, a byline), in that order of trust. A date is
only ever one the page states in full: never guessed from a year or a copyright
line. Nothing the page names (images, styles, scripts, links) is ever loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from index.importers.html_extract import (
    extract_blocks,
    flatten_deep_nesting,
    rough_word_count,
    safe_href,
    tree_word_count,
)
from index.model import Article, Block
from index.text import clean_inline, finish_blocks, looks_like_author, parse_date

# Characters no parser accepts in a string (C0 controls other than tab/newlines, surrogates).
_UNPARSABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_XML_PROLOG = re.compile(r"^\s*<\?xml[^>]*>", re.I)
_SPACE = re.compile(r"\s+")


def import_html(data: str, source_path: str = "") -> Article:
    """Find the article in a web page; raise ValueError when the page has no readable text."""
    html = _XML_PROLOG.sub("", _UNPARSABLE.sub("", data), count=1)
    warnings: list[str] = []
    html, flattened = flatten_deep_nesting(html)
    root = _parse(html)
    if root is None:
        raise ValueError("not a web page that can be read")
    if flattened:
        warnings.append("nested too deeply: the page's layout was flattened to read it")
    if tree_word_count(root) < 0.9 * rough_word_count(html) - 20:
        warnings.append("nested too deeply, partial text")
    meta = read_metadata(root)
    blocks = extract_blocks(html, meta.get("url"))
    if not blocks:
        raise ValueError("no article text found in the page")
    blocks = finish_blocks(blocks, repair=False)
    title = meta.get("title") or ""
    blocks = _drop_header_blocks(blocks, title, meta.get("author"))
    if not blocks:
        raise ValueError("no article text found in the page")
    if not title:
        title = _fallback_title(blocks, source_path)
    return Article(
        title=title,
        blocks=blocks,
        source_format="html",
        author=meta.get("author"),
        date=meta.get("date"),
        url=meta.get("url"),
        warnings=warnings,
    )


def _parse(html: str) -> etree._Element | None:
    """The page as an lxml tree (comments and processing instructions dropped)."""
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        return lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError):
        return None


def _drop_header_blocks(blocks: list[Block], title: str, author: str | None) -> list[Block]:
    """Leading blocks that repeat the title, byline or date (the reader's header shows those)."""
    header = {_key(title)} if title else set()
    if author:
        header |= {_key(author), _key(f"by {author}")}
    start = 0
    while start < min(len(blocks), 4):
        text = blocks[start].text
        key = _key(text)
        if key in header or parse_date(text):
            start += 1
            continue
        break
    return blocks[start:]


def _key(text: str) -> str:
    """Text compared loosely: case and punctuation ignored."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def _fallback_title(blocks: list[Block], source_path: str) -> str:
    """The first heading, else the file's name, else the start of the text."""
    for block in blocks[:3]:
        if block.kind == "heading":
            return block.text
    if source_path:
        name = re.split(r"[\\/]", source_path)[-1]
        return re.sub(r"\.[A-Za-z]{2,6}$", "", name) or name
    words = blocks[0].text.split()
    return " ".join(words[:12]) + (" …" if len(words) > 12 else "")


# --- metadata ---------------------------------------------------------------


def read_metadata(root: etree._Element) -> dict[str, str | None]:
    """Title, author, date (ISO) and canonical address the page states about itself."""
    metas = _meta_tags(root)
    ld = _json_ld_article(root)
    url = _canonical_url(root, metas, ld)
    return {
        "title": _title(root, metas, ld),
        "author": _author(root, metas, ld),
        "date": _date(root, metas, ld, url),
        "url": url,
    }


def _text(value: Any) -> str:
    return _SPACE.sub(" ", clean_inline(str(value))).strip() if value is not None else ""


def _meta_tags(root: etree._Element) -> dict[str, list[str]]:
    """Every `<meta>` content by its lowercased property, name or itemprop."""
    found: dict[str, list[str]] = {}
    for element in root.iter("meta"):
        content = element.get("content")
        if content is None:
            continue
        for attribute in ("property", "name", "itemprop"):
            key = (element.get(attribute) or "").strip().lower()
            if key:
                found.setdefault(key, []).append(_text(content))
    return found


_ARTICLE_TYPES = re.compile(r"article|posting|report|blog|story|webpage|review", re.I)


def _json_ld_article(root: etree._Element) -> dict[str, Any]:
    """The first JSON-LD object that describes an article (merged over all found)."""
    best: dict[str, Any] = {}
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError):
            continue
        for item in _ld_objects(data):
            kinds = item.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and _ARTICLE_TYPES.search(k) for k in kinds):
                is_page = all(isinstance(k, str) and k.lower() == "webpage" for k in kinds)
                for key, value in item.items():
                    if is_page and key in best:
                        continue
                    best.setdefault(key, value)
    return best


def _ld_objects(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Dicts in a JSON-LD value: top-level objects, lists of them, and `@graph` members."""
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _ld_objects(data["@graph"], depth + 1)


def _first(metas: dict[str, list[str]], *keys: str) -> str:
    for key in keys:
        for value in metas.get(key, ()):
            if value:
                return value
    return ""


# Separators between a headline and a site name in <title> and og:title.
_SITE_SUFFIX = re.compile(r"\s+(?:[|–—:·•»]|-|::)\s+")


def _title(root: etree._Element, metas: dict[str, list[str]], ld: dict[str, Any]) -> str:
    """The headline: an <h1> that a declared title contains, else the declared title, trimmed."""
    declared = [
        _text(ld.get("headline")) if isinstance(ld.get("headline"), str) else "",
        _first(metas, "og:title", "twitter:title", "dc.title"),
        _text(root.findtext(".//title")),
    ]
    declared = [d for d in declared if d]
    headings = [_text(h.text_content()) for h in root.iter("h1")]
    for heading in headings:
        if heading and any(_key(heading) and _key(heading) in _key(d) for d in declared):
            return heading
    if not declared:
        return headings[0] if headings else ""
    site = _key(_first(metas, "og:site_name", "application-name"))
    title = declared[0]
    parts = _SITE_SUFFIX.split(title)
    if len(parts) > 1:
        if site and _key(parts[-1]) == site:
            title = " ".join(title.rsplit(_SITE_SUFFIX.findall(title)[-1], 1)[:1]).strip()
        elif site and _key(parts[0]) == site:
            title = title.split(_SITE_SUFFIX.findall(title)[0], 1)[1].strip()
    return title


_AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator")
_BYLINE = re.compile(r"byline|author|writer|contributor", re.I)


def _author(root: etree._Element, metas: dict[str, list[str]], ld: dict[str, Any]) -> str | None:
    """Author names from JSON-LD, then meta tags, then a visible byline ("By Jane Doe")."""
    names = _ld_names(ld.get("author"))
    if not names:
        for key in _AUTHOR_KEYS:
            names = [v for v in metas.get(key, ()) if v and not _is_address(v)]
            if names:
                break
    if not names:
        names = _byline_names(root)
    names = [_strip_by(n) for n in names]
    unique = list(dict.fromkeys(n for n in names if n and not _is_address(n)))
    return ", ".join(unique[:5]) or None


def _ld_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [_text(value)]
    if isinstance(value, dict):
        name = value.get("name")
        return [_text(name)] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for item in value[:10] for n in _ld_names(item)]
    return []


def _byline_names(root: etree._Element) -> list[str]:
    """Names in elements marked as bylines or author links, when they look like names."""
    for element in root.iter("a", "span", "p", "div", "address"):
        marks = " ".join(element.get(a) or "" for a in ("class", "id", "rel", "itemprop"))
        if not _BYLINE.search(marks) or len(element) > 6:
            continue
        text = _text(element.text_content())
        if text and len(text) <= 80 and looks_like_author(text):
            return [text]
    return []


def _strip_by(name: str) -> str:
    return re.sub(r"^by\s+", "", name.strip(), flags=re.I).strip()


def _is_address(text: str) -> bool:
    return bool(re.match(r"^(?:https?:|www\.|/)", text.strip(), re.I))


_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "published_time",
    "article.published",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "citation_publication_date",
    "date",
)
_DATE_MARK = re.compile(r"date|time|publish|posted|byline|meta", re.I)
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](\d\d?)[/-](\d\d?)(?:/|$|[-_])")


def _date(
    root: etree._Element, metas: dict[str, list[str]], ld: dict[str, Any], url: str | None
) -> str | None:
    """The publication date the page states: JSON-LD, meta tags, <time>, a dateline, the URL."""
    for key in ("datePublished", "dateCreated"):
        if isinstance(ld.get(key), str) and (found := iso_date(ld[key])):
            return found
    for key in _DATE_KEYS:
        for value in metas.get(key, ()):
            if found := iso_date(value):
                return found
    times = [t for t in root.iter("time") if t.get("datetime")]
    preferred = [
        t
        for t in times
        if "datepublished" in (t.get("itemprop") or "").lower()
        or t.get("pubdate") is not None
        or re.search(r"publish|posted", t.get("class") or "", re.I)
    ]
    for element in preferred + times[:1]:
        if found := iso_date(element.get("datetime", "")):
            return found
    for element in root.iter("time", "span", "p", "div"):
        marks = " ".join(element.get(a) or "" for a in ("class", "id", "itemprop"))
        if _DATE_MARK.search(marks) and len(element) <= 3:
            text = _text(element.text_content())
            if text and len(text) <= 60 and (found := parse_date(text)):
                return found
    if url and (match := _URL_DATE.search(urlsplit(url).path)):
        return iso_date("-".join(f"{int(g):02d}" for g in match.groups()))
    return None


_ISO_START = re.compile(r"^(\d{4})-(\d\d)-(\d\d)")


def iso_date(value: str) -> str | None:
    """YYYY-MM-DD for a full date in ISO, RFC 2822 or a usual English form; else None."""
    value = value.strip()
    if not value:
        return None
    if found := parse_date(value):
        return found
    if match := _ISO_START.match(value):
        return parse_date("-".join(match.groups()))
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    # "November 19, 2019 12:30 PM", "19 Nov 2019 | 10:00"
    head = re.split(r"\s+(?:at\s+)?\d{1,2}:\d\d|\s*[|•·]\s*", value)[0]
    return parse_date(head.rstrip(",")) if head != value else None


def _canonical_url(
    root: etree._Element, metas: dict[str, list[str]], ld: dict[str, Any]
) -> str | None:
    """The page's own address: <link rel=canonical>, og:url, then JSON-LD url (http/https)."""
    candidates = [
        link.get("href")
        for link in root.iter("link")
        if "canonical" in (link.get("rel") or "").lower().split()
    ]
    candidates += metas.get("og:url", []) + metas.get("twitter:url", [])
    if isinstance(ld.get("url"), str):
        candidates.append(ld["url"])
    for candidate in candidates:
        href = safe_href(candidate)
        if href and not href.lower().startswith("mailto:"):
            return href
    return None
