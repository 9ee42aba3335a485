"""Plain data the engine passes around: articles, their blocks and inline spans.

An importer turns a file into an `Article`. Its `blocks` are the structure the
reader draws; its `reading_text` (the blocks' text joined with one newline) is
what every annotation offset counts in, as Unicode code points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The highlight colours, in the order of their keys (1–6), declared once for the engine,
# the query language (`color:`) and the window.
PALETTE = ("yellow", "green", "blue", "pink", "purple", "underline")

BLOCK_KINDS = ("heading", "paragraph", "quote", "list_item", "code")
SPAN_STYLES = ("plain", "emphasis", "strong", "link", "code")


@dataclass(slots=True)
class Span:
    """A run of inline text with one style; links carry their address."""

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


@dataclass(slots=True)
class Block:
    """One paragraph-like unit: a heading, paragraph, quote, list item or code block.

    Its text never holds a newline: the reading text uses newlines between blocks.
    """

    kind: str
    spans: list[Span]
    level: int = 0

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "spans": [s.to_json() for s in self.spans]}
        if self.level:
            out["level"] = self.level
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Block:
        spans = [Span.from_json(s) for s in data["spans"]]
        return cls(data["kind"], spans, data.get("level", 0))


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

    @property
    def reading_text(self) -> str:
        return reading_text_of(self.blocks)

    @property
    def word_count(self) -> int:
        return len(self.reading_text.split())


def reading_text_of(blocks: list[Block]) -> str:
    """The canonical reading text: every block's text joined with a single newline."""
    return "\n".join(block.text for block in blocks)


def blocks_to_json(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_json() for b in blocks]


def blocks_from_json(data: list[dict[str, Any]]) -> list[Block]:
    return [Block.from_json(b) for b in data]
