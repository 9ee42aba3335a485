"""The article part of a web page, as blocks: depth guard, extraction, inline restoring.

trafilatura finds the article (its own heuristics, with readability and jusText
as fallbacks inside it) and hands back a small tree of its own tags, which
`html_tree.blocks_from_tree` turns into our blocks; `restore_inline` then gives
each block the links, emphasis and footnote markers of the page element it came
from. Nothing is ever fetched: trafilatura gets text, never a URL to download,
and images are not asked for.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from lxml import etree

from index.importers.blocks import normalize_blocks
from index.importers.html_tree import Notes, blocks_from_tree, safe_href
from index.model import Block, Span

__all__ = [
    "blocks_from_tree",
    "extract_blocks",
    "flatten_deep_nesting",
    "restore_inline",
    "rough_word_count",
    "safe_href",
    "tree_word_count",
]

# --- the depth guard --------------------------------------------------------

# libxml2 stops at a nesting depth of 256 and silently drops the rest of the
# page; trafilatura and readability also walk trees recursively. Pages nested
# deeper than this lose their extra container tags (the text stays).
MAX_DEPTH = 160

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)\b[^>]*?(/?)>|<!--.*?-->", re.DOTALL)
_VOID = frozenset(
    (
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "basefont",
        "frame",
    )
)
# Elements the parser closes on its own when a sibling of the same name opens.
_SELF_CLOSING_SIBLINGS = frozenset(("p", "li", "dt", "dd", "tr", "td", "th", "option"))
_RAW_TEXT = frozenset(("script", "style", "textarea", "title", "xmp", "noscript"))


def flatten_deep_nesting(html: str, limit: int = MAX_DEPTH) -> tuple[str, bool]:
    """The page with opening tags beyond `limit` levels (and their closing tags) removed.

    Returns the page unchanged and False when it never goes that deep. The
    stack follows the HTML rules that matter for depth (void elements,
    closing tags that close what they match, `p`/`li`/… closing their
    previous sibling) closely enough for the rare page that needs it.
    """
    stack: list[str] = []
    dropped: dict[str, int] = {}
    cuts: list[tuple[int, int]] = []
    raw_until: str | None = None
    for match in _TAG.finditer(html):
        closing, name, self_closed = match.group(1), match.group(2), match.group(3)
        if name is None:
            continue
        name = name.lower()
        if raw_until is not None:
            if closing and name == raw_until:
                raw_until = None
                if stack and stack[-1] == name:
                    stack.pop()
            continue
        if closing:
            if dropped.get(name):
                dropped[name] -= 1
                cuts.append(match.span())
            elif name in stack:
                while stack.pop() != name:
                    pass
            continue
        if name in _VOID or self_closed:
            continue
        if name in _SELF_CLOSING_SIBLINGS and stack and stack[-1] == name:
            stack.pop()
        if len(stack) >= limit:
            dropped[name] = dropped.get(name, 0) + 1
            cuts.append(match.span())
            continue
        stack.append(name)
        if name in _RAW_TEXT:
            raw_until = name
    if not cuts:
        return html, False
    parts, start = [], 0
    for begin, end in cuts:
        parts.append(html[start:begin])
        start = end
    parts.append(html[start:])
    return "".join(parts), True


# --- rough text, to notice a parse that lost part of the page ---------------

_INVISIBLE = re.compile(
    r"<(script|style|noscript|template|textarea|title)\b.*?</\1\s*>|<!--.*?-->", re.DOTALL | re.I
)
_ANY_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"\w+")


def rough_word_count(html: str) -> int:
    """Words of the page's text with tags cut out by regex: a parser-independent yardstick."""
    return len(_WORD.findall(_ANY_TAG.sub(" ", _INVISIBLE.sub(" ", html))))


def tree_word_count(root: etree._Element) -> int:
    """Words of a parsed page, skipping the same invisible elements as `rough_word_count`."""
    count = 0
    for element in root.iter():
        if not isinstance(element.tag, str):
            count += len(_WORD.findall(element.tail or ""))
            continue
        if element.tag.lower() not in _INVISIBLE_TAGS:
            count += len(_WORD.findall(element.text or ""))
        count += len(_WORD.findall(element.tail or ""))
    return count


_INVISIBLE_TAGS = frozenset(("script", "style", "noscript", "template", "textarea", "title"))


# --- extraction -------------------------------------------------------------


# htmldate's quick mode only: its extensive mode takes any date-like text on the page.
_DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%d"}


def extract_blocks(html: str, base: str | None = None) -> list[Block]:
    """The article's blocks (not yet normalised); readability's when trafilatura finds none.

    trafilatura runs without links: with them it loses text around links on
    some pages (a whole paragraph of ticker links on one news page) and
    spaces at link edges. `restore_inline` puts the links back.
    """
    import trafilatura

    document: Any = trafilatura.bare_extraction(
        html,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_formatting=True,
        include_links=False,
        with_metadata=False,
    )
    blocks: list[Block] = []
    if document is not None and document.body is not None:
        blocks = blocks_from_tree(document.body, base)
    if not any(b.text.strip() for b in blocks):
        summary = _readability_summary(html)
        blocks = blocks_from_tree(summary, base) if summary is not None else []
    return blocks


# Elements of the page whose text can be one of the article's blocks.
_SOURCE_TAGS: tuple[str, ...] = (
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "dd",
    "dt",
    "td",
)
_SOURCE_TAGS += ("th", "figcaption", "pre")
_INLINE_TAGS = ("a", "em", "i", "strong", "b", "code", "cite", "dfn", "var", "del", "s", "strike")


def restore_inline(
    blocks: list[Block], root: etree._Element, base: str | None, notes: Notes | None = None
) -> list[Block]:
    """Give each block the inline spans (links, emphasis, footnote markers) of the page
    element it came from.

    A block takes the spans of a paragraph, list item, heading, … of the page
    whose text is the same but for white space and the brackets of footnote
    markers (the page's spacing wins, as trafilatura drops the space at some link
    edges). Blocks not found keep trafilatura's spans. Code blocks, tables and
    figures are left alone. `blocks` must be normalised.
    """
    wanted = {squash(b.text) for b in blocks if b.kind not in _KEEP}
    found: dict[str, list[Span]] = {}
    for element in root.iter(_SOURCE_TAGS):
        if next(element.iter(_INLINE_TAGS), None) is None:
            continue  # nothing to restore: trafilatura has its text
        for block in normalize_blocks(blocks_from_tree(element, base, notes)):
            key = squash(block.text)
            if key in wanted and block.kind not in _KEEP:
                found.setdefault(key, block.spans)
    out = []
    for block in blocks:
        spans = found.get(squash(block.text)) if block.kind not in _KEEP else None
        if spans:
            block = replace(block, spans=[Span(s.text, s.style, s.href) for s in spans])
        out.append(block)
    return out


_KEEP = frozenset(("code", "table", "figure", "rule"))
_BRACKETS = re.compile(r"[\s\[\]]+")


def squash(text: str) -> str:
    """Text compared across trafilatura and the page: white space and brackets ignored."""
    return _BRACKETS.sub("", text)


def guessed_metadata(root: etree._Element) -> tuple[str | None, str | None]:
    """trafilatura's title and author for a page that declares neither (names split by ";")."""
    from copy import deepcopy

    from trafilatura.metadata import extract_metadata

    found = extract_metadata(deepcopy(root), date_config=_DATE_PARAMS)
    return found.title, found.author


def _readability_summary(html: str) -> etree._Element | None:
    """readability-lxml's idea of the article, as a tree (None when it finds no text)."""
    import lxml.html
    from readability import Document

    try:
        summary = Document(html).summary(html_partial=True)
        root = lxml.html.document_fromstring(summary)
    except Exception:  # readability's own Unparseable, lxml's ParserError, empty documents
        return None
    body = root.find("body")
    if body is None or not "".join(body.itertext()).strip():
        return None
    return body
