"""A tree of HTML, or of trafilatura's own tags, as blocks (not yet normalised).

trafilatura hands back a small tree of its own tags (`p`, `head`, `list` and
`item` with their `rend`, `quote`, `code`, `hi`, `ref`, `lb`, `del`, `table`,
`row` and `cell`); readability and the page itself give the usual HTML tags.
`blocks_from_tree` reads both: headings (keeping every word of the markup inside
them), paragraphs, quotes, lists nested and numbered, definition lists, task
boxes, tables with their header rows and caption, code with every space, figures,
rules, strikethrough, links (http, https, mailto only) and footnote markers.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree

from index.model import Block, Span, TableCell, TableRow, footnote_href

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


def data_image_key(mime: str, data: bytes) -> str:
    """How a figure names an image its page holds as a `data:` URI: its type and the start
    of its SHA-256 (`data:image/png;sha256=…`), so the library's copy can be found."""
    return f"data:{mime.lower()[:40]};sha256={hashlib.sha256(data).hexdigest()[:32]}"


def image_address(src: str | None, base: str | None = None) -> str:
    """Where an image is, as the figure records it (never fetched): an address resolved
    against `base`, a `data:` image cut to its type (the picture stays in the original)."""
    src = _URL_CONTROLS.sub("", (src or "").strip(_URL_EDGES))
    if src.lower().startswith("data:"):
        head, _, payload = src.partition(",")
        if head.lower().endswith(";base64"):
            with contextlib.suppress(binascii.Error, ValueError):
                data = base64.b64decode(re.sub(r"\s+", "", payload))
                return data_image_key(head[5:].split(";", 1)[0], data)
        return head[:80]
    if base and not re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
        try:
            return urljoin(base, src)
        except ValueError:
            return src
    return src


# --- tags -------------------------------------------------------------------

HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCK_KIND = {"p": "paragraph", "quote": "quote", "blockquote": "quote", "figcaption": "paragraph"}
_BLOCK_KIND |= {"dt": "term", "dd": "definition", "caption": "paragraph"}
CONTAINERS = frozenset(
    (
        "doc",
        "body",
        "main",
        "div",
        "dl",
        "section",
        "article",
        "tbody",
        "thead",
        "tfoot",
        "header",
        "footer",
        "aside",
        "center",
        "details",
        "summary",
    )
)
_LISTS = frozenset(("list", "ul", "ol", "menu"))
_ITEMS = frozenset(("item", "li"))
_ROWS = frozenset(("row", "tr"))
_CELLS = frozenset(("cell", "td", "th"))
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
        "video",
        "audio",
        "canvas",
        "title",
        "meta",
        "link",
        "picture",
        "source",
    )
)
_STRONG = frozenset(("strong", "b"))
_EMPHASIS = frozenset(("em", "i", "cite", "dfn", "var"))
_STRIKE = frozenset(("del", "s", "strike"))
_HI_STYLE = {"#b": "strong", "#strong": "strong", "#i": "emphasis", "#em": "emphasis"}
_LABEL = re.compile(r"^\W*(\w{1,4})\W*$")


def tag_of(element: etree._Element) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


@dataclass
class Notes:
    """The page's footnotes: the number of each note by the id its markers link to."""

    numbers: dict[str, int] = field(default_factory=dict)
    back_ids: set[str] = field(default_factory=set)  # ids of the markers (a way back links there)

    def number_of(self, href: str | None) -> int | None:
        if not href or not href.startswith("#"):
            return None
        return self.numbers.get(href[1:])


@dataclass
class _Context:
    kind: str = "paragraph"
    level: int = 0
    style: str = "plain"
    href: str | None = None


@dataclass
class _OpenList:
    ordered: bool
    next_number: int
    item_done: bool = False  # the current item already has its list_item block
    checked: bool | None = None


class TreeReader:
    """Collects spans into the block being built and closes it when the kind changes."""

    def __init__(self, base: str | None, notes: Notes | None = None) -> None:
        self.base = base
        self.notes = notes or Notes()
        self.blocks: list[Block] = []
        self.current: Block | None = None
        self.lists: list[_OpenList] = []

    # --- building blocks -------------------------------------------------------------

    def add(self, text: str | None, ctx: _Context) -> None:
        if text:
            self.append(Span(text, ctx.style, ctx.href if ctx.style == "link" else None), ctx)

    def append(self, span: Span, ctx: _Context) -> None:
        """Add a span to the block `ctx` calls for, opening that block when it is not open."""
        kind, level = ctx.kind, ctx.level
        number, checked = None, None
        if kind == "list_item":
            item = self.lists[-1] if self.lists else None
            if item is None or item.item_done:
                kind = "paragraph"  # text after a nested block continues the item
            elif self.current is None or self.current.kind != "list_item":
                number = item.next_number - 1 if item.ordered else None
                checked = item.checked
        current = self.current
        if current is None or (current.kind, current.level) != (kind, level):
            self.close()
            current = Block(kind, [], level, number=number, checked=checked)
            self.current = current
        current.spans.append(span)

    def close(self) -> None:
        block, self.current = self.current, None
        if block is None or not block.spans:
            return
        if block.kind == "code" or any(s.text.strip() for s in block.spans):
            self.blocks.append(block)
            if block.kind == "list_item" and self.lists:
                self.lists[-1].item_done = True

    # --- walking -----------------------------------------------------------------------

    def walk(self, element: etree._Element, ctx: _Context) -> None:
        """Add `element` (not its tail) with the block kind and inline style it implies."""
        tag = tag_of(element)
        if not tag:
            return
        if tag == "input":
            self._task_box(element)
            return
        if tag in _DROP:
            return
        if tag in ("lb", "br"):
            if ctx.kind == "code":
                self.add("\n", ctx)
            elif ctx.kind == "heading":
                self.add(" ", ctx)
            else:
                self.close()
            return
        if tag == "hr":
            self.close()
            self.blocks.append(Block("rule", []))
            return
        if tag == "table":
            self.close()
            self.blocks.append(self.table(element, ctx.level))
            return
        if tag in ("figure", "img"):
            if tag == "figure" or stands_alone(element):
                self.close()
                if figure := self.figure(element):
                    figure.level = ctx.level
                    self.blocks.append(figure)
            return
        if tag in _LISTS or (tag == "list" and element.get("rend")):
            self._list(element, ctx)
            return
        if tag in _ITEMS:
            self._item(element, ctx)
            return
        if tag in ("a", "ref") and ctx.kind != "code":
            target = element.get("target" if tag == "ref" else "href") or ""
            number = self.notes.number_of(target)
            if number is not None:
                self.append(footnote_marker(number), ctx)
                return
            if target.startswith("#") and target[1:] in self.notes.back_ids:
                return  # a note's own way back: the reader draws one
        inner, is_block = self._context(element, tag, ctx)
        if is_block:
            self.close()
        self.add(element.text, inner)
        for child in element:
            self.walk(child, inner)
            self.add(child.tail, inner)
        if is_block:
            self.close()

    def _context(self, element: etree._Element, tag: str, ctx: _Context) -> tuple[_Context, bool]:
        """The context inside `element`, and whether it starts a block."""
        if tag == "head":
            level = HEADINGS.get(element.get("rend", ""), 2)
            return _Context("heading", level), True
        if tag in HEADINGS:
            return _Context("heading", HEADINGS[tag]), True
        if ctx.kind == "heading" and (tag in CONTAINERS or tag in _BLOCK_KIND):
            return ctx, False  # a heading keeps every word of what its markup holds
        if ctx.kind == "code":
            return ctx, False
        if tag in ("code", "pre"):
            if tag == "pre" or _is_code_block(element):
                return _Context("code", ctx.level, "code"), True
            style = "code" if ctx.style != "link" else ctx.style
            return _Context(ctx.kind, ctx.level, style, ctx.href), False
        if tag in _BLOCK_KIND:
            kind = _BLOCK_KIND[tag]
            if tag == "p" and ctx.kind in ("quote", "list_item", "definition", "footnote"):
                kind = ctx.kind
            return _Context(kind, ctx.level), True
        if tag in CONTAINERS:
            return ctx, True
        if tag in ("ref", "a"):
            href = safe_href(element.get("target" if tag == "ref" else "href"), self.base)
            if href and ctx.kind != "code":
                return _Context(ctx.kind, ctx.level, "link", href), False
            return ctx, False
        style = ctx.style
        if style == "plain":
            if tag == "hi":
                style = _HI_STYLE.get(element.get("rend", ""), style)
            elif tag in _STRONG:
                style = "strong"
            elif tag in _EMPHASIS:
                style = "emphasis"
            elif tag in _STRIKE:
                style = "strike"
        return _Context(ctx.kind, ctx.level, style, ctx.href), False

    # --- lists ---------------------------------------------------------------------------

    def _list(self, element: etree._Element, ctx: _Context) -> None:
        rend = (element.get("rend") or tag_of(element)).lower()
        if rend == "dl":
            self.close()
            for child in element:
                self.walk(child, _Context())
                self.add(child.tail, _Context())
            self.close()
            return
        start = element.get("start", "1").strip()
        ordered = rend == "ol"
        self.close()
        self.lists.append(_OpenList(ordered, int(start) if start.isdigit() else 1))
        inner = _Context("list_item", len(self.lists))
        for child in element:
            self.walk(child, inner)
        self.close()
        self.lists.pop()

    def _item(self, element: etree._Element, ctx: _Context) -> None:
        rend = (element.get("rend") or "").lower()
        if rend.startswith(("dt", "dd")) or not self.lists:
            kind = {"dt": "term", "dd": "definition"}.get(rend[:2], "paragraph")
            inner = _Context(kind)
            self.close()
            self.add(element.text, inner)
            for child in element:
                self.walk(child, inner)
                self.add(child.tail, inner)
            self.close()
            return
        current = self.lists[-1]
        value = (element.get("value") or "").strip()
        if value.isdigit():
            current.next_number = int(value)
        current.next_number += 1
        current.item_done = False
        current.checked = None
        self.close()
        inner = _Context("list_item", len(self.lists))
        self.add(element.text, inner)
        for child in element:
            self.walk(child, inner)
            self.add(child.tail, inner)
        self.close()

    def _task_box(self, element: etree._Element) -> None:
        """A check box at the start of a list item makes it a task (done when checked)."""
        if (element.get("type") or "").lower() != "checkbox" or not self.lists:
            return
        current = self.lists[-1]
        if not current.item_done and (self.current is None or not self.current.text.strip()):
            current.checked = element.get("checked") is not None
            if self.current is not None and self.current.kind == "list_item":
                self.current.checked = current.checked

    # --- tables and figures --------------------------------------------------------------

    def table(self, element: etree._Element, level: int = 0) -> Block:
        """A table block: rows of cells (each cell's inline text on one line), header rows
        (`th` or trafilatura's `role="head"` cells, or a `thead`), the `caption`."""
        rows: list[TableRow] = []
        caption: list[Span] = []
        for child in element.iter():
            tag = tag_of(child)
            if tag == "caption" and _nearest_table(child) is element:
                caption = self.inline_spans(child)
            if tag not in _ROWS or _nearest_table(child) is not element:
                continue
            cells: list[TableCell] = []
            heads = 0
            for cell in child:
                if tag_of(cell) not in _CELLS:
                    continue
                if tag_of(cell) == "th" or cell.get("role") == "head":
                    heads += 1
                cells.append(TableCell(self.inline_spans(cell), _align(cell)))
                span = cell.get("colspan", "1").strip()
                extra = min(int(span), 50) - 1 if span.isdigit() else 0
                cells += [TableCell([]) for _ in range(max(extra, 0))]
            in_head = next(child.iterancestors("thead"), None) is not None
            all_heads = heads == sum(1 for c in child if tag_of(c) in _CELLS)
            header = bool(cells) and (all_heads or in_head)
            rows.append(TableRow(cells, header))
        return Block("table", caption, level, rows=rows)

    def figure(self, element: etree._Element) -> Block | None:
        """A figure block from a `figure` (its first image, its `figcaption`) or an `img`."""
        image = element if tag_of(element) == "img" else next(element.iter("img"), None)
        found = next(element.iter("figcaption"), None) if tag_of(element) == "figure" else None
        caption = self.inline_spans(found) if found is not None else []
        if image is None and not caption:
            return None
        src = image_address(_image_src(image), self.base) if image is not None else ""
        alt = (image.get("alt") or image.get("title") or "") if image is not None else ""
        return Block("figure", caption, src=src, alt=alt)

    def inline_spans(self, element: etree._Element) -> list[Span]:
        """Everything inside `element` as spans of one line (blocks joined by a space)."""
        reader = TreeReader(self.base, self.notes)
        reader.walk(element, _Context())
        reader.close()
        spans: list[Span] = []
        for block in reader.blocks:
            if spans:
                spans.append(Span(" "))
            spans += block.spans if block.kind != "table" else [Span(r.text) for r in block.rows]
        return spans


def stands_alone(image: etree._Element) -> bool:
    """An image that is a block of its own: no text beside it in its paragraph."""
    parent = image.getparent()
    while parent is not None and tag_of(parent) in ("a", "span", "picture"):
        parent = parent.getparent()
    if parent is None:
        return True
    text = "".join(t for t in parent.itertext() if t).strip()
    return not text


def _image_src(image: etree._Element) -> str:
    for name in ("src", "data-src", "data-original"):
        value = image.get(name)
        if value and value.strip():
            return value
    return ""


def _align(cell: etree._Element) -> str:
    align = (cell.get("align") or "").lower()
    if not align:
        match = re.search(r"text-align\s*:\s*(left|center|right)", cell.get("style") or "", re.I)
        align = match.group(1).lower() if match else ""
    return align if align in ("left", "center", "right") else ""


def _nearest_table(element: etree._Element) -> etree._Element | None:
    return next(element.iterancestors("table"), None)


def _is_code_block(element: etree._Element) -> bool:
    """A `code` element is a block when it stands between blocks or spans several lines."""
    parent = element.getparent()
    return parent is None or tag_of(parent) in CONTAINERS or "\n" in "".join(element.itertext())


def blocks_from_tree(
    root: etree._Element, base: str | None = None, notes: Notes | None = None
) -> list[Block]:
    """Blocks (not yet normalised) from trafilatura's output tree or from plain HTML."""
    reader = TreeReader(base, notes)
    reader.walk(root, _Context())
    reader.close()
    return reader.blocks


def footnote_marker(number: int) -> Span:
    return Span(f"[{number}]", "footnote_ref", footnote_href(number))
