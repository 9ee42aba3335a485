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
from datetime import date
from html import unescape as html_unescape
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from index.importers.blocks import clean_inline, finish_blocks, looks_like_author
from index.importers.dates import iso_date, parse_date
from index.importers.html_extract import (
    blocks_from_tree,
    extract_blocks,
    flatten_deep_nesting,
    guessed_metadata,
    restore_inline,
    rough_word_count,
    safe_href,
    tree_word_count,
)
from index.importers.html_structure import find_notes, restore_structure, unwrap_heading_blocks
from index.model import Article, Block

# Characters no parser accepts in a string (C0 controls other than tab/newlines, surrogates).
_UNPARSABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_XML_PROLOG = re.compile(r"^\s*<\?xml[^>]*>", re.I)
# `<meta charset>` and `http-equiv` Content-Type: the text is decoded already, and a
# parser handed bytes again (trafilatura retries a page as UTF-8 bytes) would obey them.
_CHARSET_META = re.compile(
    r"<meta\b[^>]*?(?:\bcharset\s*=|\bhttp-equiv\s*=\s*[\"']?\s*content-type)[^>]*>", re.I
)
_SPACE = re.compile(r"\s+")


def import_html(data: str, source_path: str = "") -> Article:
    """Find the article in a web page; raise ValueError when the page has no readable text."""
    html = _XML_PROLOG.sub("", _UNPARSABLE.sub("", data), count=1)
    html = _CHARSET_META.sub("", html)
    warnings: list[str] = []
    html, flattened = flatten_deep_nesting(html)
    root = _parse(html)
    if root is None:
        raise ValueError("not a web page that can be read")
    if flattened:
        warnings.append("nested too deeply: the page's layout was flattened to read it")
    if tree_word_count(root) < 0.9 * rough_word_count(html) - 20:
        warnings.append("nested too deeply, partial text")
    base = _base_url(root)
    notes, note_elements = find_notes(root)
    page = unwrap_heading_blocks(html, root)  # a heading keeps every word (ec3878db)
    blocks = finish_blocks(extract_blocks(page, base), repair=False)
    if not blocks:
        body = root.find("body")
        blocks = (
            finish_blocks(blocks_from_tree(body, base, notes), repair=False)
            if body is not None
            else []
        )
        if blocks:
            warnings.append("no article found in the page: all of its text is shown")
    blocks = restore_inline(blocks, root, base, notes)
    blocks = restore_structure(blocks, root, base, notes, note_elements)
    meta = read_metadata(root)
    if not meta["title"] or not meta["author"]:
        guessed_title, guessed_author = guessed_metadata(root)
        meta["title"] = meta["title"] or _text(guessed_title)
        meta["author"] = meta["author"] or _guessed_author(guessed_author)
    title = meta.get("title") or ""
    if not title and blocks and blocks[0].kind == "heading":
        title = blocks[0].text
    blocks = _drop_header_blocks(blocks, title, meta.get("author"))
    if not blocks:
        raise ValueError("no article text found in the page")
    title = title or _fallback_title(blocks, source_path)
    # Paragraphs in HTML are the author's: no joining of "split" ones (table rows would merge).
    blocks = finish_blocks(blocks, repair=False)
    return Article(
        title=title,
        blocks=blocks,
        source_format="html",
        author=meta.get("author"),
        date=meta.get("date"),
        url=meta.get("url"),
        warnings=warnings,
    )


def _base_url(root: etree._Element) -> str | None:
    """The address relative links are read against: <base href>, else the page's own."""
    for element in root.iter("base"):
        if href := safe_href(element.get("href")):
            return href
    return _canonical_url(root, _meta_tags(root), {})


def _parse(html: str) -> etree._Element | None:
    """The page as an lxml tree (comments and processing instructions dropped)."""
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        return lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError):
        return None


def _drop_header_blocks(blocks: list[Block], title: str, author: str | None) -> list[Block]:
    """Leading blocks that repeat the title, byline or date (the reader's header shows those);
    a lead figure among them stays."""
    header = {_key(title)} if title else set()
    if author:
        header |= {_key(author), _key(f"by {author}")}
    kept: list[Block] = []
    start = 0
    while start < min(len(blocks), 6):
        block = blocks[start]
        text = block.text
        if block.kind == "figure":
            kept.append(block)
        elif not (_key(text) in header or parse_date(text) or _similar(text, title)):
            break
        start += 1
    return kept + blocks[start:]


def _similar(first: str, second: str) -> bool:
    """Two headlines that differ by a word or two ("HS Roundup" / "High School Roundup")."""
    a, b = set(_key(first).split()), set(_key(second).split())
    if min(len(a), len(b)) < 3:
        return False
    return 2 * len(a & b) >= 0.8 * (len(a) + len(b))


def _key(text: str) -> str:
    """Text compared loosely: case and punctuation ignored."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def _fallback_title(blocks: list[Block], source_path: str) -> str:
    """The file's name, else the start of the text (repeated: the page names itself nowhere)."""
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
        "title": _title(root, metas, ld, url),
        "author": _author(root, metas, ld),
        "date": _date(root, metas, ld, url),
        "url": url,
    }


def _text(value: Any) -> str:
    return _SPACE.sub(" ", clean_inline(str(value))).strip() if value is not None else ""


def _shown_text(element: etree._Element) -> str:
    """An element's text with line breaks and blocks read as spaces, scripts skipped."""
    pieces: list[str] = []
    skip = 0
    for event, node in etree.iterwalk(element, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if tag in ("script", "style"):
                skip += 1
            elif not skip:
                pieces.append(" " if tag in _SPACED else "")
                pieces.append(node.text or "")
        else:
            if tag in ("script", "style"):
                skip -= 1
            if node is not element and not skip:
                pieces.append(" " if tag in _SPACED else "")
                pieces.append(node.tail or "")
    return _text("".join(pieces))


_SPACED = frozenset(("br", "p", "div", "li", "span", "td", "h1", "h2", "h3", "time"))


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
    """The JSON-LD properties of the article (article types first, then a WebPage)."""
    best: dict[str, Any] = {}
    pages: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError):
            continue
        for item in _ld_objects(data):
            kinds = item.get("@type")
            kinds = [k.lower() for k in (kinds if isinstance(kinds, list) else [kinds]) if k]
            kinds = [k for k in kinds if isinstance(k, str)]
            if kinds and all(k == "webpage" for k in kinds):
                pages.append(item)
            elif any(_ARTICLE_TYPES.search(k) for k in kinds):
                for key, value in item.items():
                    best.setdefault(key, value)
    for item in pages:
        for key, value in item.items():
            best.setdefault(key, value)
    return best


def _ld_objects(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Dicts in a JSON-LD value: top-level objects, lists of them, and `@graph` members."""
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data[:50]:
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
_SITE_SEPARATOR = re.compile(r"\s+(?:[|–—:·•»]|-|::)\s+")


def _title(
    root: etree._Element, metas: dict[str, list[str]], ld: dict[str, Any], url: str | None
) -> str:
    """The visible headline (<h1>) when a declared title agrees with it, else the declared one.

    Declared titles, in order: JSON-LD headline, og:title, twitter:title, <title>;
    a site name before or after a separator (" | ", " - ", …) is cut off.
    """
    site_names = {_key(_first(metas, "og:site_name", "application-name"))}
    if url:
        host = urlsplit(url).hostname or ""
        site_names.add(_key(host.removeprefix("www.").rsplit(".", 1)[0]))
    site_names.discard("")
    headline = ld.get("headline")
    declared = [
        _text(html_unescape(headline)) if isinstance(headline, str) else "",
        _first(metas, "og:title"),
        _first(metas, "twitter:title"),
        _text(root.findtext(".//title")),
    ]
    declared = [_trim_site(d, site_names) for d in declared if d]
    for element in list(root.iter("h1"))[:5]:
        heading = _shown_text(element)
        key = _key(heading)
        if not key or key in site_names:
            continue
        for title in declared:
            title_key = _key(title)
            if _similar(heading, title) or (key in title_key and len(key) >= 0.6 * len(title_key)):
                return heading
    if declared:
        return declared[0]
    return next((_shown_text(h) for h in root.iter("h1") if _shown_text(h)), "")


def _trim_site(title: str, site_names: set[str]) -> str:
    """`title` without a leading or trailing site name set off by a separator."""
    parts = _SITE_SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    separators = _SITE_SEPARATOR.findall(title)
    if _key(parts[-1]) in site_names or _key(parts[-1]).replace(" ", "") in site_names:
        return title[: title.rfind(separators[-1])].strip()
    if _key(parts[0]) in site_names:
        return title[title.find(separators[0]) + len(separators[0]) :].strip()
    return title


_AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator")
_BYLINE_MARK = re.compile(r"(?:^|[-_])(?:byline|author|authors|writer|contributor)(?:$|[-_])", re.I)
_NOT_NAMES = frozenset(("admin", "administrator", "staff", "editor", "webmaster", "user"))


def _author(
    root: etree._Element,
    metas: dict[str, list[str]],
    ld: dict[str, Any],
) -> str | None:
    """Author names: JSON-LD, then meta tags, then a visible byline."""
    names = _ld_names(ld.get("author"))
    for key in _AUTHOR_KEYS:
        if names:
            break
        names = [v for v in metas.get(key, ()) if _is_name(v)]
    if not names:
        names = _byline_names(root)
    return _join_names(names)


def _join_names(names: list[str]) -> str | None:
    unique = list(dict.fromkeys(n for n in map(_strip_by, names) if _is_name(n)))
    return ", ".join(unique[:5]) or None


def _guessed_author(guess: str | None) -> str | None:
    """trafilatura's author guess (names split by ";"), keeping only what looks like names."""
    names = [_text(n) for n in (guess or "").split(";")]
    return _join_names([n for n in names if looks_like_author(n)])


def _is_name(text: str) -> bool:
    """Not an address, a handle, a bare user name or a role word.

    A name in a script with letter case has a capital ("jsmith" is a handle); one
    in a script without case (山田 花子, أحمد) has none to show.
    """
    text = text.strip()
    if not text or re.match(r"^(?:https?:|www\.|/|@)", text, re.I) or "@" in text:
        return False
    caseless = any(ch.isalpha() and ch.lower() == ch.upper() for ch in text)
    return text.casefold() not in _NOT_NAMES and (text != text.lower() or caseless)


def _ld_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [_text(html_unescape(value))]
    if isinstance(value, dict):
        name = value.get("name")
        return [_text(html_unescape(name))] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for item in value[:10] for n in _ld_names(item)]
    return []


def _byline_names(root: etree._Element) -> list[str]:
    """A name in an element marked as a byline or author (class, id, rel, itemprop)."""
    for element in root.iter("a", "span", "p", "div", "address", "li"):
        marks = " ".join(element.get(a) or "" for a in ("class", "id", "rel", "itemprop")).split()
        if len(element) > 6 or not any(_BYLINE_MARK.search(mark) for mark in marks):
            continue
        text = _shown_text(element)
        if text and len(text) <= 80 and looks_like_author(text):
            return [text]
    return []


def _strip_by(name: str) -> str:
    return re.sub(r"^by\s+", "", name.strip(), flags=re.I).strip(" ,;|")


# <meta> names and properties of a publication date, most specific first.
_DATE_KEY_NAMES = """article:published_time og:article:published_time datepublished
    published_time article.published pubdate og:pubdate publishdate publish-date publish_date
    parsely-pub-date sailthru.date dc.date.issued dcterms.issued dc.date dcterms.date
    datecreated citation_publication_date date"""
_DATE_KEYS = tuple(_DATE_KEY_NAMES.split())
_DATE_KEY_LIKE = re.compile(r"(?:pub|post|creat|issue|orig).*date|date.*(?:pub|post|creat|orig)")
_DATE_MARK = re.compile(r"date|time|publish|posted|byline|meta", re.I)
_MONTH_ABBREVIATIONS: tuple[str, ...] = ("jan", "feb", "mar", "apr", "may", "jun")
_MONTH_ABBREVIATIONS += ("jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NUMBERS = {name: number for number, name in enumerate(_MONTH_ABBREVIATIONS, 1)}
_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)[/-](\d\d?|" + "|".join(_MONTH_ABBREVIATIONS) + r")[/-](\d\d?)(?=/|$|[-_.])",
    re.I,
)
_UTC = re.compile(r"(?:z|[+-]00:?00|\bgmt|\butc)\s*$", re.I)


def _date(
    root: etree._Element, metas: dict[str, list[str]], ld: dict[str, Any], url: str | None
) -> str | None:
    """The publication date the page states: JSON-LD, meta tags, <time>, the URL, a dateline.

    A time stamped in UTC can fall on another day for the publisher; when the
    page also states the same moment in local form (a time with its offset,
    else a plain date such as the one in the address) within a day of it, that
    one is taken. A dateline in the text is the last resort, as pages often
    show the day they were saved in their header.
    """
    found = [(iso, _zone(raw)) for iso, raw in _declared_dates(root, metas, ld, url) if iso]
    if not found:
        return _dateline(root)
    first, zone = found[0]
    if zone == "utc":
        for wanted in ("offset", "plain", "naive"):
            for iso, other in found[1:]:
                if other == wanted and abs(_days(iso) - _days(first)) <= 1:
                    return iso
    return first


def _zone(raw: str) -> str:
    """How a date value places itself in time: utc, offset, naive (time, no zone) or plain."""
    if _UTC.search(raw):
        return "utc"
    if re.search(r"\d:\d\d(?::\d\d(?:\.\d+)?)?\s*[+-]\d\d:?\d\d$", raw):
        return "offset"
    return "naive" if re.search(r"\d:\d\d", raw) else "plain"


def _declared_dates(
    root: etree._Element, metas: dict[str, list[str]], ld: dict[str, Any], url: str | None
) -> Iterator[tuple[str | None, str]]:
    """(ISO date or None, the value as stated) for each date the page declares, by trust."""
    raws: list[str] = [
        ld[k] for k in ("datePublished", "dateCreated") if isinstance(ld.get(k), str)
    ]
    raws += [v for key in _DATE_KEYS for v in metas.get(key, ())]
    raws += [v for key, values in metas.items() if _DATE_KEY_LIKE.search(key) for v in values]
    times = [t for t in root.iter("time") if t.get("datetime")]
    preferred = [
        t
        for t in times
        if "datepublished" in (t.get("itemprop") or "").lower()
        or t.get("pubdate") is not None
        or re.search(r"publish|posted", t.get("class") or "", re.I)
    ]
    raws += [t.get("datetime", "") for t in preferred + times[:1]]
    if url and (match := _URL_DATE.search(urlsplit(url).path)):
        year, month, day = match.groups()
        month_number = int(month) if month.isdigit() else _MONTH_NUMBERS[month.lower()]
        raws.append(f"{year}-{month_number:02d}-{int(day):02d}")
    for raw in raws:
        yield iso_date(raw), raw


def _dateline(root: etree._Element) -> str | None:
    """A short element marked as a date whose whole text is a date (`Published 13 Jan 2023`)."""
    for element in root.iter("time", "span", "p", "div"):
        marks = " ".join(element.get(a) or "" for a in ("class", "id", "itemprop"))
        if _DATE_MARK.search(marks) and len(element) <= 3:
            text = _shown_text(element)
            if text and len(text) <= 60 and (found := iso_date(text)):
                return found
    return None


def _days(iso: str) -> int:
    return date.fromisoformat(iso).toordinal()


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
