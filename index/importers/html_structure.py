"""What trafilatura drops of a page's structure, found again in the page itself.

trafilatura keeps the article's words but not all of its shape: an `<ol start>`
and `<li value>`, task boxes, table captions, horizontal rules, figures and
their captions, footnotes, and the words of a heading after a block element
inside it. Each block it gives back is matched, in order, to the page element
with the same text; what sits between two matched elements in the page (a rule,
a figure) is put between their blocks, and what a matched element says about
itself (its number, its check box) is given to its block.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import replace

import lxml.html
from lxml import etree

from index.importers.blocks import normalize_blocks
from index.importers.html_extract import squash
from index.importers.html_tree import (
    CONTAINERS,
    HEADINGS,
    Notes,
    TreeReader,
    stands_alone,
    tag_of,
)
from index.model import Block, Span, footnote_back_href

BACK_MARK = "↩"
_LABEL = re.compile(r"^\W{0,2}(\w{1,4})\W{0,2}$")
_NOTE_TAGS = frozenset(("li", "p", "div", "aside", "dd", "span", "td"))
# A class, role, rel or id word that marks a link as a note's marker (footnote-ref, doc-noteref…).
_NOTE_MARKS = re.compile(r"^(?:fn|ref|note|cite|footnote|doc-noteref)|footnote|noteref|fnref", re.I)
MAX_NOTE_CHARS = 3000  # a longer "note" is a part of the page, not a note
_BLOCK_IN_HEADING = ("div", "p", "section", "article", "header", "figure", "blockquote", "ul")
_TEXT_TAGS: tuple[str, ...] = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote")
_TEXT_TAGS += ("dd", "dt", "pre", "figcaption", "table", "td", "th")


# --- headings -----------------------------------------------------------------------


def unwrap_heading_blocks(html: str, root: etree._Element) -> str:
    """The page with block elements inside headings unwrapped (their words kept), for a
    heading such as `<h2><strong><div></div>5 Tips to Enjoy Game D</strong><strong>ay…`
    that trafilatura would cut after the inner block. The page itself when none is."""
    found = [
        inner
        for heading in root.iter(*HEADINGS)
        for inner in heading.iterdescendants(*_BLOCK_IN_HEADING)
    ]
    if not found:
        return html
    for inner in found:
        inner.drop_tag()
    return lxml.html.tostring(root, encoding="unicode")


# --- footnotes ----------------------------------------------------------------------


def find_notes(root: etree._Element) -> tuple[Notes, dict[int, etree._Element]]:
    """The page's footnotes: markers are short labels (`1`, `[2]`, `a`) linking to an
    element of the page by its id, raised (`<sup>`) or marked as a note reference; the
    notes are numbered in the order they are first cited. Also each note's element."""
    ids = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    notes = Notes()
    elements: dict[int, etree._Element] = {}
    for link in root.iter("a"):
        href = (link.get("href") or "").strip()
        target = ids.get(href[1:]) if href.startswith("#") and len(href) > 1 else None
        if target is None or tag_of(target) not in _NOTE_TAGS or not _is_marker(link):
            continue
        if len(_text(target)) > MAX_NOTE_CHARS:
            continue
        if target is link or _contains(target, link):
            continue
        key = href[1:]
        if key not in notes.numbers:
            notes.numbers[key] = len(notes.numbers) + 1
            elements[notes.numbers[key]] = target
        marker_ids = [link.get("id"), *[a.get("id") for a in link.iterancestors()][:2]]
        notes.back_ids.update(i for i in marker_ids if i)
    return notes, elements


def _is_marker(link: etree._Element) -> bool:
    text = "".join(link.itertext()).strip()
    if not _LABEL.match(text):
        return False
    parent = link.getparent()
    in_sup = parent is not None and tag_of(parent) == "sup"
    raised = in_sup or next(link.iter("sup"), None) is not None
    marks = " ".join(link.get(a) or "" for a in ("class", "role", "rel", "id")).split()
    return raised or any(_NOTE_MARKS.search(mark) for mark in marks)


def _contains(ancestor: etree._Element, element: etree._Element) -> bool:
    return any(a is ancestor for a in element.iterancestors())


def note_blocks(
    elements: dict[int, etree._Element], base: str | None, notes: Notes
) -> dict[int, Block]:
    """Each note as a footnote block: its words on one line, then the way back."""
    out: dict[int, Block] = {}
    for number, element in elements.items():
        reader = TreeReader(base, notes)
        spans = normalize_blocks([Block("footnote", reader.inline_spans(element))])
        if spans:
            text = spans[0].spans
            while text and text[-1].style == "plain" and not text[-1].text.strip(_BACK_MARKS + " "):
                text.pop()
            text += [Span(" "), Span(BACK_MARK, "footnote_back", footnote_back_href(number))]
            out[number] = Block("footnote", text, number=number)
    return out


# --- matching blocks to the page --------------------------------------------------------


class _Page:
    """The page's elements in document order, to match blocks to and look between."""

    def __init__(self, root: etree._Element) -> None:
        self.order: dict[etree._Element, int] = {}
        for index, element in enumerate(root.iter()):
            self.order[element] = index
        self.by_text: dict[str, list[tuple[int, etree._Element]]] = {}
        for element in root.iter(*_TEXT_TAGS):
            key = squash(_text(element))
            if key:
                self.by_text.setdefault(key, []).append((self.order[element], element))

    def end(self, element: etree._Element) -> int:
        """The document-order index of the last element inside `element`."""
        last = element
        while len(last):
            last = last[-1]
        while not isinstance(last.tag, str) and last.getprevious() is not None:
            last = last.getprevious()
        return self.order.get(last, self.order[element])

    def match(self, blocks: list[Block]) -> list[etree._Element | None]:
        """For each block, the first page element after the previous match with its text."""
        found: list[etree._Element | None] = []
        after = -1
        for block in blocks:
            key = squash(block.text) if block.kind not in ("figure", "rule") else ""
            places = self.by_text.get(key, []) if key else []
            at = bisect_right(places, after, key=lambda place: place[0])
            if at < len(places):
                after, hit = places[at]
                found.append(hit)
            else:
                found.append(None)
        return found


def _text(element: etree._Element) -> str:
    """An element's words; a list item's or definition's without the lists nested in it."""
    if tag_of(element) not in ("li", "dd"):
        return "".join(t for t in element.itertext() if isinstance(t, str))
    pieces = [element.text or ""]
    for child in element:
        if tag_of(child) not in ("ul", "ol", "dl", "table", "pre", "blockquote"):
            pieces.append(_text(child))
        pieces.append(child.tail or "")
    return "".join(pieces)


# --- restoring ----------------------------------------------------------------------


def restore_structure(
    blocks: list[Block],
    root: etree._Element,
    base: str | None,
    notes: Notes,
    note_elements: dict[int, etree._Element],
) -> list[Block]:
    """The blocks with what the page says about them restored (see the module's docstring).
    `blocks` must be normalised."""
    page = _Page(root)
    matched = page.match(blocks)
    notes_by_number = note_blocks(note_elements, base, notes)
    note_keys = {_note_key(b.text): n for n, b in notes_by_number.items()}
    reader = TreeReader(base, notes)
    between = _between_candidates(root, page)
    out: list[Block] = []
    previous_end: int | None = None
    shift: dict[int, int] = {}  # by list depth: the page's number minus trafilatura's
    for block, element in zip(blocks, matched, strict=True):
        if block.kind in ("list_item", "paragraph") and _note_key(block.text) in note_keys:
            continue  # a note trafilatura kept as text: it goes to the end as a footnote
        if element is not None and previous_end is not None:
            start = page.order[element]
            out += _inserted(between, previous_end, start, reader)
        given = block.number
        if element is not None:
            block = _restore_block(block, element, reader)
            previous_end = page.end(element)
        if block.kind == "list_item" and given is not None:
            if given == 1:
                shift[block.level] = 0  # trafilatura numbers each list from 1
            if element is not None and block.number is not None:
                shift[block.level] = block.number - given
            elif element is None:
                block = replace(block, number=given + shift.get(block.level, 0))
        out.append(block)
    cited = {span.href for b in out for span in b.spans if span.style == "footnote_ref"}
    cited |= {
        span.href
        for b in out
        for row in b.rows
        for cell in row.cells
        for span in cell.spans
        if span.style == "footnote_ref"
    }
    out += [b for n, b in sorted(notes_by_number.items()) if f"#fn:{n}" in cited]
    return _drop_caption_repeats(out)


def _note_key(text: str) -> str:
    """A note's words compared with what trafilatura kept of it: without the way back."""
    return squash(text).rstrip(_BACK_MARKS)


_BACK_MARKS = "↩↑^\ufe0e\ufe0f"


def _restore_block(block: Block, element: etree._Element, reader: TreeReader) -> Block:
    """A list item's number and check box, a table's caption, from its page element."""
    tag = tag_of(element)
    if block.kind == "list_item" and tag == "li":
        number, checked = _item_facts(element)
        checked = checked if checked is not None else block.checked
        return replace(block, number=number, checked=checked)
    if block.kind == "table" and tag == "table":
        caption = next(element.iter("caption"), None)
        if caption is not None and not block.spans:
            spans = reader.inline_spans(caption)
            key = squash("".join(s.text for s in spans))
            rows = block.rows
            if rows and squash(rows[0].text) == key:
                rows = rows[1:]  # trafilatura turns a caption into a first row
            block = replace(block, spans=spans, rows=rows)
        return _with_alignment(block, reader.table(element))
    return block


def _with_alignment(block: Block, page: Block) -> Block:
    """The table with each cell aligned as the page's same cell is (when the shapes agree)."""
    if len(page.rows) != len(block.rows):
        return block
    for row, page_row in zip(block.rows, page.rows, strict=True):
        if len(row.cells) != len(page_row.cells):
            return block
    for row, page_row in zip(block.rows, page.rows, strict=True):
        for cell, page_cell in zip(row.cells, page_row.cells, strict=True):
            cell.align = cell.align or page_cell.align
    return block


def _item_facts(item: etree._Element) -> tuple[int | None, bool | None]:
    """The number an `li` shows (None in a bulleted list) and its task box (None: none)."""
    parent = item.getparent()
    number = None
    if parent is not None and tag_of(parent) == "ol":
        start = (parent.get("start") or "1").strip()
        number = int(start) if start.lstrip("-").isdigit() else 1
        for sibling in parent:
            if tag_of(sibling) != "li":
                continue
            value = (sibling.get("value") or "").strip()
            if value.isdigit():
                number = int(value)
            if sibling is item:
                break
            number += 1
    box = next((i for i in item.iter("input") if (i.get("type") or "").lower() == "checkbox"), None)
    if box is not None and _nearest_item(box) is item:
        return number, box.get("checked") is not None
    return number, None


def _nearest_item(element: etree._Element) -> etree._Element | None:
    return next(element.iterancestors("li"), None)


def _between_candidates(root: etree._Element, page: _Page) -> list[tuple[int, etree._Element]]:
    """Rules, figures and images standing alone, by document order."""
    found = []
    for element in root.iter("hr", "figure", "img"):
        tag = tag_of(element)
        if tag == "img":
            in_figure = next(element.iterancestors("figure"), None) is not None
            if in_figure or not stands_alone(element) or _tiny(element):
                continue
        found.append((page.order[element], element))
    return found


def _tiny(image: etree._Element) -> bool:
    """An icon or a tracking pixel: declared smaller than 48 pixels either way."""
    for name in ("width", "height"):
        value = (image.get(name) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < 48:
            return True
    return False


def _inserted(
    candidates: list[tuple[int, etree._Element]], after: int, before: int, reader: TreeReader
) -> list[Block]:
    """Rule and figure blocks for what the page has between two matched elements."""
    keys = [order for order, _ in candidates]
    out: list[Block] = []
    skip_until = -1
    for at in range(bisect_right(keys, after), bisect_left(keys, before)):
        order, element = candidates[at]
        if order <= skip_until:
            continue
        if tag_of(element) == "hr":
            out.append(Block("rule", []))
        elif (figure := reader.figure(element)) is not None:
            out += normalize_blocks([figure])
            skip_until = order + sum(1 for _ in element.iter()) - 1
    return out


def _drop_caption_repeats(blocks: list[Block]) -> list[Block]:
    """A paragraph right after a figure that repeats its caption (trafilatura kept it)."""
    out: list[Block] = []
    for block in blocks:
        if (
            out
            and out[-1].kind == "figure"
            and block.kind == "paragraph"
            and out[-1].spans
            and squash(block.text) == squash("".join(s.text for s in out[-1].spans))
        ):
            continue
        out.append(block)
    return out


__all__ = ["CONTAINERS", "find_notes", "restore_structure", "unwrap_heading_blocks"]
