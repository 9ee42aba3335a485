"""The article part of a web page, as blocks: depth guard, extraction, tree to blocks.

trafilatura finds the article (its own heuristics, with readability and jusText
as fallbacks inside it) and hands back a small tree of its own tags (`p`,
`head`, `list`/`item`, `quote`, `code`, `hi`, `ref`, `lb`, `table`/`row`/`cell`).
`blocks_from_tree` turns that tree, or plain HTML with the usual tags, into
our blocks; `restore_inline` then gives each block the links and emphasis of
the page element it came from. Nothing is ever fetched: trafilatura gets text,
never a URL to download, and images are not asked for.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from index.importers.blocks import normalize_blocks
from index.model import Block, Span

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


# --- links ------------------------------------------------------------------

_SAFE_SCHEMES = ("http", "https", "mailto")
_URL_EDGES = "".join(map(chr, range(0x21)))  # C0 controls and space
_URL_CONTROLS = re.compile(r"[\x00-\x1f\x7f]+")


def safe_href(href: str | None, base: str | None = None) -> str | None:
    """An http, https or mailto address for a link, resolved against `base`; else None.

    As browsers do, spaces and control characters at the ends and tabs and
    newlines anywhere are removed first, so `java\\nscript:` is seen for what
    it is; other control characters are dropped and inner spaces encoded.
    """
    if not href:
        return None
    href = _URL_CONTROLS.sub("", href.strip(_URL_EDGES)).replace(" ", "%20")
    if not href or href.startswith("#"):
        return None
    if base:
        try:
            href = urljoin(base, href)
        except ValueError:
            return None
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES:
        return None
    if parts.scheme.lower() != "mailto" and not parts.netloc:
        return None
    return href


# --- tree to blocks ---------------------------------------------------------

# Our tags for both trafilatura's tree and plain HTML (readability's summary).
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCK_KIND = {"p": "paragraph", "quote": "quote", "blockquote": "quote", "item": "list_item"}
_BLOCK_KIND |= {"li": "list_item", "dd": "list_item", "dt": "list_item", "figcaption": "paragraph"}
_CONTAINERS = frozenset(
    (
        "doc",
        "body",
        "main",
        "div",
        "list",
        "ul",
        "ol",
        "dl",
        "section",
        "article",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "figure",
        "header",
        "footer",
        "aside",
        "center",
    )
)
_ROW_TAGS = frozenset(("row", "tr"))
_CELL_TAGS = frozenset(("cell", "td", "th"))
_DROP = frozenset(
    (
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "form",
        "button",
        "select",
        "textarea",
        "input",
        "nav",
        "graphic",
        "img",
        "video",
        "audio",
        "canvas",
        "title",
        "meta",
        "link",
    )
)
_STRONG = frozenset(("strong", "b"))
_EMPHASIS = frozenset(("em", "i", "cite", "dfn", "var"))
_HI_STYLE = {"#b": "strong", "#strong": "strong", "#i": "emphasis", "#em": "emphasis"}
_CELL_SEPARATOR = " | "


class _Builder:
    """Collects spans into the block being built and closes it when the kind changes."""

    def __init__(self, base: str | None) -> None:
        self.base = base
        self.blocks: list[Block] = []
        self.kind = "paragraph"
        self.level = 0
        self.spans: list[Span] = []

    def add(self, text: str | None, kind: str, level: int, style: str, href: str | None) -> None:
        if not text:
            return
        if (kind, level) != (self.kind, self.level):
            self.close()
            self.kind, self.level = kind, level
        self.spans.append(Span(text, style, href))

    def close(self) -> None:
        if not self.spans:
            return
        if self.kind == "code":
            for line in "".join(s.text for s in self.spans).split("\n"):
                self.blocks.append(Block("code", [Span(line, "code")]))
        elif any(s.text.strip() for s in self.spans):
            self.blocks.append(Block(self.kind, self.spans, self.level))
        self.spans = []

    def walk(self, element: etree._Element, kind: str, level: int, style: str, href: str | None):
        """Add `element` (not its tail) with the block kind and inline style it implies."""
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if not tag or tag in _DROP:
            return
        if tag in ("lb", "br"):
            if kind == "code":
                self.add("\n", kind, level, style, href)
            else:
                self.close()
            return
        kind, level, style, href, is_block = self._context(element, tag, kind, level, style, href)
        if is_block:
            self.close()
        self.add(element.text, kind, level, style, href)
        for child in element:
            self.walk(child, kind, level, style, href)
            if tag in _ROW_TAGS and child.tag in _CELL_TAGS and child.getnext() is not None:
                self.add(_CELL_SEPARATOR, kind, level, "plain", None)
            self.add(child.tail, kind, level, style, href)
        if is_block:
            self.close()

    def _context(self, element, tag, kind, level, style, href):
        """Kind, level, style and href inside `element`, and whether it starts a block."""
        if tag == "head":
            return "heading", _HEADINGS.get(element.get("rend", ""), 2), "plain", None, True
        if tag in _HEADINGS:
            return "heading", _HEADINGS[tag], "plain", None, True
        if tag in ("code", "pre"):
            if tag == "pre" or _is_code_block(element):
                return "code", 0, "code", None, True
            return kind, level, "code" if style != "link" else style, href, False
        if tag in _BLOCK_KIND:
            new_kind = _BLOCK_KIND[tag]
            if tag == "p" and kind in ("quote", "list_item"):
                new_kind = kind
            return new_kind, 0, "plain", None, True
        if tag in _ROW_TAGS:
            return "paragraph", 0, "plain", None, True
        if tag in _CONTAINERS:
            return kind, level, style, href, True
        if tag in ("ref", "a"):
            target = safe_href(element.get("target" if tag == "ref" else "href"), self.base)
            if target and kind != "code":
                return kind, level, "link", target, False
            return kind, level, style, href, False
        if style == "plain":
            if tag == "hi":
                style = _HI_STYLE.get(element.get("rend", ""), style)
            elif tag in _STRONG:
                style = "strong"
            elif tag in _EMPHASIS:
                style = "emphasis"
        return kind, level, style, href, False


def _is_code_block(element: etree._Element) -> bool:
    """A `code` element is a block when it stands between blocks or spans several lines."""
    parent = element.getparent()
    return parent is None or parent.tag in _CONTAINERS or "\n" in "".join(element.itertext())


def blocks_from_tree(root: etree._Element, base: str | None = None) -> list[Block]:
    """Blocks (not yet normalised) from trafilatura's output tree or from plain HTML."""
    builder = _Builder(base)
    builder.walk(root, "paragraph", 0, "plain", None)
    builder.close()
    return builder.blocks


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
_INLINE_TAGS = ("a", "em", "i", "strong", "b", "code", "cite", "dfn", "var")
_WHITESPACE = re.compile(r"\s+")


def restore_inline(blocks: list[Block], root: etree._Element, base: str | None) -> list[Block]:
    """Give each block the inline spans (links, emphasis) of the page element it came from.

    A block takes the spans of a paragraph, list item, heading, … of the page
    whose text is the same but for white space (the page's spacing wins, as
    trafilatura drops the space at some link edges). Blocks not found keep
    trafilatura's spans. Code blocks are left alone. `blocks` must be normalised.
    """
    wanted = {_squash(b.text) for b in blocks if b.kind != "code"}
    found: dict[str, list[Span]] = {}
    for element in root.iter(_SOURCE_TAGS):
        if next(element.iter(_INLINE_TAGS), None) is None:
            continue  # nothing to restore: trafilatura has its text
        for block in normalize_blocks(blocks_from_tree(element, base)):
            key = _squash(block.text)
            if key in wanted:
                found.setdefault(key, block.spans)
    out = []
    for block in blocks:
        spans = found.get(_squash(block.text)) if block.kind != "code" else None
        if spans:
            block = Block(block.kind, [Span(s.text, s.style, s.href) for s in spans], block.level)
        out.append(block)
    return out


def _squash(text: str) -> str:
    return _WHITESPACE.sub("", text)


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
