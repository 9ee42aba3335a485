"""Plain data the engine passes around: articles, their blocks and inline spans.

An importer turns a file into an `Article`. Its `blocks` are the structure the
reader draws; its `reading_text` (the blocks' text joined with one newline) is
what every annotation offset counts in, as Unicode code points.

Most blocks are one line of the reading text. Three kinds are several lines,
each line one paragraph of the reader's document: a code block (its lines, every
space kept), a table (an optional caption line, then one line per row with a tab
between cells) and a figure (the object character U+FFFC where the image is
drawn, then an optional caption line). A rule is an empty line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# The highlight colours, in the order of their keys (1–6), declared once for the engine,
# the query language (`color:`) and the window.
PALETTE = ("yellow", "green", "blue", "pink", "purple", "underline")

BLOCK_KINDS = (
    "heading",
    "paragraph",
    "quote",
    "list_item",
    "code",
    "table",
    "figure",
    "rule",
    "term",
    "definition",
    "footnote",
)
SPAN_STYLES = (
    "plain",
    "emphasis",
    "strong",
    "link",
    "code",
    "strike",
    "footnote_ref",
    "footnote_back",
)
# The character a figure's image stands on in the reading text (Qt's object character).
OBJECT_CHAR = "\ufffc"
CELL_SEPARATOR = "\t"
CELL_ALIGNMENTS = ("", "left", "center", "right")


def footnote_href(number: int) -> str:
    """The address a footnote marker links to (its note at the end of the article)."""
    return f"#fn:{number}"


def footnote_back_href(number: int) -> str:
    """The address a note's way back links to (its first marker in the text)."""
    return f"#fnref:{number}"


@dataclass(slots=True)
class Span:
    """A run of inline text with one style; links carry their address.

    Footnote markers (`footnote_ref`) and a note's way back (`footnote_back`)
    carry `#fn:N` and `#fnref:N`: places inside the article, never a file or page.
    """

    text: str
    style: str = "plain"
    href: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A compact dict: style and href only when they say something."""
        out: dict[str, Any] = {"text": self.text}
        if self.style != "plain":
            out["style"] = self.style
        if self.href:
            out["href"] = self.href
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Span:
        return cls(data["text"], data.get("style", "plain"), data.get("href"))


def _spans_text(spans: list[Span]) -> str:
    return "".join(span.text for span in spans)


def _spans_json(spans: list[Span]) -> list[dict[str, Any]]:
    return [s.to_json() for s in spans]


def _spans_from(data: Any) -> list[Span]:
    return [Span.from_json(s) for s in data or ()]


@dataclass(slots=True)
class TableCell:
    """One cell of a table: inline spans on one line, and how the author aligned it."""

    spans: list[Span]
    align: str = ""

    @property
    def text(self) -> str:
        return _spans_text(self.spans)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"spans": _spans_json(self.spans)}
        if self.align:
            out["align"] = self.align
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TableCell:
        return cls(_spans_from(data.get("spans")), data.get("align", ""))


@dataclass(slots=True)
class TableRow:
    """One row of a table; `header` for the rows that name the columns."""

    cells: list[TableCell]
    header: bool = False

    @property
    def text(self) -> str:
        return CELL_SEPARATOR.join(cell.text for cell in self.cells)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cells": [c.to_json() for c in self.cells]}
        if self.header:
            out["header"] = True
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TableRow:
        cells = [TableCell.from_json(c) for c in data.get("cells", ())]
        return cls(cells, data.get("header", False))


@dataclass(slots=True)
class Block:
    """One unit the reader draws: a heading, paragraph, quote, list item, code block,
    table, figure, rule, definition-list term or definition, or footnote.

    `spans` are the inline text (a table's and a figure's: their caption).
    `level` is a heading's level (1–6), a list item's depth (1 = outermost; 0 in
    articles made before lists nested), and for any other block the depth of the
    list it continues (0 = none). `number` is an ordered list item's number or a
    footnote's. `checked` marks a task-list item (None: not a task). A code
    block's text holds its lines; `language` is what the author named. A figure
    carries the image's address (`src`, never fetched), its `alt` text and
    `image`, the library's own copy of it (None: the library has none).
    """

    kind: str
    spans: list[Span]
    level: int = 0
    number: int | None = None
    checked: bool | None = None
    language: str = ""
    rows: list[TableRow] = field(default_factory=list)
    src: str = ""
    alt: str = ""
    image: str | None = None

    @property
    def text(self) -> str:
        """This block's part of the reading text (several lines for code, tables, figures)."""
        if self.kind == "table":
            lines = [row.text for row in self.rows]
            caption = _spans_text(self.spans)
            return "\n".join([caption, *lines] if caption else lines)
        if self.kind == "figure":
            caption = _spans_text(self.spans)
            return OBJECT_CHAR + ("\n" + caption if caption else "")
        return _spans_text(self.spans)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind in ("table", "figure"):
            out["caption"] = _spans_json(self.spans)
        else:
            out["spans"] = _spans_json(self.spans)
        if self.level:
            out["level"] = self.level
        if self.number is not None:
            out["number"] = self.number
        if self.checked is not None:
            out["checked"] = self.checked
        if self.language:
            out["language"] = self.language
        if self.kind == "table":
            out["rows"] = [row.to_json() for row in self.rows]
        if self.kind == "figure":
            out.update(src=self.src, alt=self.alt, image=self.image)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Block:
        return cls(
            data["kind"],
            _spans_from(data["caption"] if "caption" in data else data.get("spans")),
            data.get("level", 0),
            number=data.get("number"),
            checked=data.get("checked"),
            language=data.get("language", ""),
            rows=[TableRow.from_json(r) for r in data.get("rows", ())],
            src=data.get("src", ""),
            alt=data.get("alt", ""),
            image=data.get("image"),
        )


@dataclass(slots=True)
class Article:
    """What an importer returns: metadata and blocks, before it has a library id.

    `date` is an ISO date (YYYY-MM-DD) or None when the source does not say;
    it is never invented. `warnings` are one-line notes about what the importer
    had to repair or could not read (shown to the user, never fatal).
    """

    title: str
    blocks: list[Block]
    source_path: str = ""
    source_format: str = "text"
    author: str | None = None
    date: str | None = None
    url: str | None = None
    original_text: str = ""
    content_hash: str = ""
    warnings: list[str] = field(default_factory=list)
    # What other tools' files carry besides the text (issue 16): when the page was saved,
    # the article's own tags, the images the file holds, highlights made in the other tool.
    saved_at: str | None = None
    tags: list[str] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    highlights: list[CarriedHighlight] = field(default_factory=list)

    @property
    def reading_text(self) -> str:
        return reading_text_of(self.blocks)

    @property
    def word_count(self) -> int:
        return len(self.reading_text.split())


def reading_text_of(blocks: list[Block]) -> str:
    """The canonical reading text: every block's text joined with a single newline."""
    return "\n".join(block.text for block in blocks)


def span_offsets(blocks: list[Block]) -> Iterator[tuple[int, Span]]:
    """Every span of the blocks (captions and table cells too) with the code point offset
    where its text starts in the reading text."""
    offset = 0
    for block in blocks:
        at = offset + (len(OBJECT_CHAR) + 1 if block.kind == "figure" else 0)
        for span in block.spans:
            yield at, span
            at += len(span.text)
        if block.kind == "table":
            at = at + 1 if block.spans else offset
            for row in block.rows:
                for cell in row.cells:
                    for span in cell.spans:
                        yield at, span
                        at += len(span.text)
                    at += 1  # the tab after a cell, or the newline after a row
        offset += len(block.text) + 1


def footnote_places(blocks: list[Block]) -> dict[str, int]:
    """Where each footnote address leads, as a code point offset of the reading text:
    `#fn:N` to the start of note N, `#fnref:N` to the first marker of note N."""
    places: dict[str, int] = {}
    offset = 0
    for block in blocks:
        if block.kind == "footnote" and block.number is not None:
            places.setdefault(footnote_href(block.number), offset)
        offset += len(block.text) + 1
    for at, span in span_offsets(blocks):
        if span.style == "footnote_ref" and span.href and span.href.startswith("#fn:"):
            places.setdefault("#fnref:" + span.href[len("#fn:") :], at)
    return places


def blocks_to_json(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_json() for b in blocks]


def blocks_from_json(data: list[dict[str, Any]]) -> list[Block]:
    return [Block.from_json(b) for b in data]


@dataclass(slots=True)
class Resource:
    """An image a file carried with its page (a WARC record, an MHTML part, a data: URI,
    a clipping's attachment): the bytes as captured, never fetched.

    `url` is the address the page names it by (resolved against the page's address; a
    clipping's file as its text writes it), or for a `data:` URI the key its figure holds
    (`data:image/png;sha256=…`). The import keeps the library's copy of each image a
    figure names (index/store/images.py); importers only collect them here.
    """

    url: str
    mime: str
    data: bytes


@dataclass(slots=True)
class CarriedHighlight:
    """A highlight (and its note) made in another tool, carried by the same export as its
    article: placed by its quote, with `start`/`end` as a hint near where it was."""

    source_id: str
    quote: str
    note: str = ""
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    tags: list[str] = field(default_factory=list)
    color: str = "yellow"
    created: str = ""
    problem: str = ""  # set when it cannot be a passage at all (a page note, no quote)


@dataclass(slots=True)
class Stored:
    """What the store keeps of an article besides its metadata: its reading text, word count
    and blocks as JSON. Worked out where the article was parsed (an import's worker process,
    index/importers/pool.py), so the importing thread, which every article passes through,
    only writes them; or by the store itself (index/store/articles.py)."""

    reading_text: str
    words: int
    blocks_json: str


def stored_forms(article: Article) -> Stored:
    """The article's Stored forms."""
    import json

    text = article.reading_text
    blocks = json.dumps(blocks_to_json(article.blocks), ensure_ascii=False)
    return Stored(text, len(text.split()), blocks)
