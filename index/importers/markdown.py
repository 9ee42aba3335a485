"""Markdown and Markdown-like text (the form of `corpora/seed/`) into an Article.

The `# ` title line becomes the title; a byline and a date line right under it
become author and date (they are shown in the reader's header, not in the
text). Raw HTML in the file stays text: markdown-it runs with `html` off.

Beyond CommonMark, what clipping tools write is read as structure: tables,
strikethrough, footnotes (mdit-py-plugins), definition lists, task lists
(`- [x] done`), and an image alone in its paragraph as a figure (its title, or
the line under it, as the caption). Nothing an image names is ever read.
A YAML front matter (`---` lines around `key: value` lines, as clipping tools
write it) is not text: it may name the file's encoding (read by `decode`), and
its title, author, date and address are taken when the article does not say them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from index.importers.blocks import clean_inline, finish_blocks, looks_like_author
from index.importers.dates import parse_date
from index.model import (
    Article,
    Block,
    Span,
    TableCell,
    TableRow,
    footnote_back_href,
    footnote_href,
)

_PARSER = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable(["table", "strikethrough"])
    .use(footnote_plugin)
    .use(deflist_plugin)
)
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_WORD = re.compile(r"\w+")
_LINK_TARGET = re.compile(r"\]\([^)]*\)|<[a-z]+:[^>\s]*>|https?://\S+")
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
# What a source has that is not text: footnote labels, task boxes, fence languages.
_NOT_TEXT = re.compile(
    r"\[\^[^\]]*\]|^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]|^\s*(?:```|~~~)\S*",
    re.M,
)
_TASK = re.compile(r"^\[([ xX])\]\s+")
_ALIGN = re.compile(r"text-align:\s*(left|center|right)")
# Obsidian's embed of an attachment, `![[harbour.png]]` or `![[harbour.png|the quay]]`
# (a number after the bar is a width, not words); only image files become figures.
_WIKI_EMBED = re.compile(
    r"!\[\[([^\]|#]+\.(?:png|jpe?g|gif|webp|bmp|svg))(?:\|([^\]]*))?\]\]", re.IGNORECASE
)
BACK_MARK = "↩"


def import_markdown(text: str, source_path: str = "") -> Article:
    """Parse Markdown into title, byline, date and blocks; raise ValueError when empty."""
    text, front = _without_front_matter(text.replace("\r\n", "\n"))
    tokens = _PARSER.parse(text)
    reader = _TokenReader()
    reader.read(tokens)
    blocks, lines_of = reader.blocks, reader.lines_of
    title = ""
    if blocks and blocks[0].kind == "heading" and blocks[0].level == 1:
        title = clean_inline(blocks.pop(0).text).strip()
        lines_of.pop(0)
    author, date = _take_byline(blocks, lines_of)
    title = title or front.get("title", "")
    author = author or front.get("author") or None
    date = date or parse_date(front.get("published") or front.get("date") or "")
    blocks = finish_blocks(blocks)
    if not title:
        title = _fallback_title(blocks, source_path)
    if not blocks and not title:
        raise ValueError("no readable text in the file")
    url = front.get("source") or front.get("url") or ""
    article = Article(
        title=title,
        blocks=blocks,
        author=author,
        date=date,
        url=url if url.lower().startswith(("http://", "https://")) else None,
        source_format="markdown",
    )
    _check_nothing_dropped(text, article)
    return article


def _without_front_matter(text: str) -> tuple[str, dict[str, str]]:
    """The text after a leading YAML front matter, and what the front matter says."""
    found = _FRONT_MATTER.match(text)
    if not found:
        return text, {}
    return text[found.end() :], _front_matter(found.group(1) or "")


@dataclass
class _List:
    ordered: bool
    next_number: int
    items: int = 0


@dataclass
class _TokenReader:
    """Walks markdown-it's block tokens, keeping the context each inline token sits in."""

    blocks: list[Block] = field(default_factory=list)
    lines_of: list[list[str]] = field(default_factory=list)
    lists: list[_List] = field(default_factory=list)
    context: list[str] = field(default_factory=list)  # quote, item, dt, dd, footnote
    heading_level: int = 0
    item_started: bool = False  # the current list item has its first block
    item_number: int | None = None
    footnote: Block | None = None
    table: Block | None = None
    row: TableRow | None = None
    cell_align: str = ""

    def read(self, tokens: list[Token]) -> None:
        for token in tokens:
            handler = getattr(self, "_on_" + token.type, None)
            if handler is not None:
                handler(token)

    # --- containers ---------------------------------------------------------------

    def _on_blockquote_open(self, _token: Token) -> None:
        self.context.append("quote")

    def _on_blockquote_close(self, _token: Token) -> None:
        self.context.pop()

    def _on_bullet_list_open(self, _token: Token) -> None:
        self.lists.append(_List(ordered=False, next_number=1))

    def _on_ordered_list_open(self, token: Token) -> None:
        start = token.attrs.get("start", 1)
        self.lists.append(_List(ordered=True, next_number=int(start)))

    def _on_bullet_list_close(self, _token: Token) -> None:
        self.lists.pop()

    _on_ordered_list_close = _on_bullet_list_close

    def _on_list_item_open(self, _token: Token) -> None:
        current = self.lists[-1]
        self.item_number = current.next_number if current.ordered else None
        current.next_number += 1
        self.item_started = False
        self.context.append("item")

    def _on_list_item_close(self, _token: Token) -> None:
        self.context.pop()
        self.item_started = True  # text after a nested list continues the outer item

    def _on_dt_open(self, _token: Token) -> None:
        self.context.append("dt")

    def _on_dd_open(self, _token: Token) -> None:
        self.context.append("dd")

    def _on_dt_close(self, _token: Token) -> None:
        self.context.pop()

    _on_dd_close = _on_dt_close

    def _on_heading_open(self, token: Token) -> None:
        self.heading_level = int(token.tag[1])

    def _on_heading_close(self, _token: Token) -> None:
        self.heading_level = 0

    def _on_footnote_open(self, token: Token) -> None:
        self.footnote = Block("footnote", [], number=int(token.meta["id"]) + 1)
        self.context.append("footnote")

    def _on_footnote_close(self, _token: Token) -> None:
        self.context.pop()
        note = self.footnote
        self.footnote = None
        if note is not None and note.spans and note.number is not None:
            back = Span(BACK_MARK, "footnote_back", footnote_back_href(note.number))
            note.spans += [Span(" "), back]
            self._add(note, [])

    # --- tables --------------------------------------------------------------------

    def _on_table_open(self, _token: Token) -> None:
        self.table = Block("table", [], level=self._depth())

    def _on_table_close(self, _token: Token) -> None:
        if self.table is not None:
            self._add(self.table, [])
        self.table = None

    def _on_tr_open(self, _token: Token) -> None:
        self.row = TableRow([])

    def _on_tr_close(self, _token: Token) -> None:
        if self.table is not None and self.row is not None:
            self.table.rows.append(self.row)
        self.row = None

    def _on_th_open(self, token: Token) -> None:
        if self.row is not None:
            self.row.header = True
        self._on_td_open(token)

    def _on_td_open(self, token: Token) -> None:
        match = _ALIGN.search(str(token.attrs.get("style", "")))
        self.cell_align = match.group(1) if match else ""

    # --- leaves --------------------------------------------------------------------

    def _on_hr(self, _token: Token) -> None:
        self._add(Block("rule", []), [])

    def _on_fence(self, token: Token) -> None:
        language = token.info.split()[0] if token.info.strip() else ""
        block = Block("code", [Span(token.content, "code")], self._depth(), language=language)
        self._add(block, token.content.splitlines())

    _on_code_block = _on_fence

    def _on_inline(self, token: Token) -> None:
        spans, lines = _spans(token.children or [])
        if self.row is not None:
            self.row.cells.append(TableCell(spans, self.cell_align))
            return
        inner = self.context[-1] if self.context else ""
        if self.heading_level:
            self._add(Block("heading", spans, self.heading_level), lines)
        elif inner == "footnote" and self.footnote is not None:
            if self.footnote.spans:
                self.footnote.spans.append(Span(" "))
            self.footnote.spans += spans
        elif inner == "item" and not self.item_started:
            self.item_started = True
            checked = _take_task_mark(spans)
            block = Block("list_item", spans, self._depth(), number=self.item_number)
            block.checked = checked
            self._add(block, lines)
        elif inner in ("dt", "dd"):
            self._add(Block("term" if inner == "dt" else "definition", spans), lines)
        elif (figure := _figure(token.children or [])) is not None:
            figure.level = self._depth()
            self._add(figure, lines)
        else:
            kind = "quote" if inner == "quote" else "paragraph"
            self._add(Block(kind, spans, self._depth()), lines)

    def _depth(self) -> int:
        return len(self.lists)

    def _add(self, block: Block, lines: list[str]) -> None:
        self.blocks.append(block)
        self.lines_of.append(lines)


_FRONT_KEY = re.compile(r"^([A-Za-z_][\w -]*):\s*(.*)$")
_FRONT_ITEM = re.compile(r"^\s+-\s+(.*)$")


def _front_matter(content: str) -> dict[str, str]:
    """The scalar values of a simple YAML front matter, by lowercased key (the first item
    of a list); quotes and wiki-link brackets taken off. Anything else is ignored."""
    found: dict[str, str] = {}
    key = ""
    for line in content.splitlines():
        if match := _FRONT_KEY.match(line):
            key, value = match.group(1).strip().lower(), match.group(2)
        elif (match := _FRONT_ITEM.match(line)) and key and key not in found:
            value = match.group(1)
        else:
            continue
        value = value.strip().strip("\"'").removeprefix("[[").removesuffix("]]").strip()
        if value and key not in found:
            found[key] = clean_inline(value)
    return found


def _take_task_mark(spans: list[Span]) -> bool | None:
    """`[ ] ` or `[x] ` at the start of a list item: its check state, taken out of the text."""
    if not spans or spans[0].style != "plain":
        return None
    match = _TASK.match(spans[0].text)
    if not match:
        return None
    spans[0].text = spans[0].text[match.end() :]
    return match.group(1) != " "


def _figure(children: list[Token]) -> Block | None:
    """A paragraph that is one image (maybe inside a link), and perhaps a caption on the
    next line, as a figure; None for any other paragraph."""
    items = [c for c in children if not (c.type == "text" and not c.content.strip())]
    if items and items[0].type == "link_open" and len(items) >= 3 and items[2].type == "link_close":
        items = [items[1], *items[3:]]
    if not items:
        return None
    rest = items[1:]
    if rest and rest[0].type not in ("softbreak", "hardbreak"):
        return None
    if items[0].type == "text" and (embed := _WIKI_EMBED.fullmatch(items[0].content.strip())):
        alias = (embed.group(2) or "").strip()
        alt = "" if re.fullmatch(r"\d+(?:x\d+)?", alias) else alias
        caption, _ = _spans(rest[1:]) if rest else ([], [])
        return Block("figure", caption, src=embed.group(1).strip(), alt=alt)
    if items[0].type != "image":
        return None
    image = items[0]
    caption, _ = _spans(rest[1:]) if rest else ([], [])
    title = str(image.attrs.get("title") or "")
    if not caption and title:
        caption = [Span(title)]
    alt = "".join(c.content for c in image.children or [])
    return Block("figure", caption, src=str(image.attrs.get("src", "")), alt=alt)


def _spans(children: list[Token]) -> tuple[list[Span], list[str]]:
    spans: list[Span] = []
    styles: list[str] = []
    href: str | None = None
    lines = [""]
    for child in children:
        kind = child.type
        if kind in ("em_open", "strong_open", "s_open"):
            styles.append({"em_open": "emphasis", "strong_open": "strong"}.get(kind, "strike"))
        elif kind in ("em_close", "strong_close", "s_close") and styles:
            styles.pop()
        elif kind == "link_open":
            target = str(child.attrs.get("href", ""))
            href = target if target.lower().startswith(_SAFE_SCHEMES) else None
        elif kind == "link_close":
            href = None
        elif kind in ("softbreak", "hardbreak"):
            spans.append(Span(" "))
            lines.append("")
        elif kind in ("text", "code_inline", "html_inline"):
            style = "code" if kind == "code_inline" else _style(styles, href)
            spans.append(Span(child.content, style, href if style == "link" else None))
            lines[-1] += child.content
        elif kind == "footnote_ref":
            number = int(child.meta["id"]) + 1
            spans.append(Span(f"[{number}]", "footnote_ref", footnote_href(number)))
        elif kind == "image":
            alt = "".join(c.content for c in child.children or [])
            if alt:
                spans.append(Span(alt, _style(styles, href)))
                lines[-1] += alt
    return spans, lines


def _style(styles: list[str], href: str | None) -> str:
    if href:
        return "link"
    return styles[-1] if styles else "plain"


def _take_byline(blocks: list[Block], lines_of: list[list[str]]) -> tuple[str | None, str | None]:
    """Take author and date from the first short paragraphs, when they are only that."""
    author: str | None = None
    date: str | None = None
    while blocks and blocks[0].kind == "paragraph" and len(lines_of[0]) <= 3:
        found_author, found_date = author, date
        for line in lines_of[0]:
            pair = _name_and_date(line.strip())
            if pair and not found_author and not found_date:
                found_author, found_date = pair
                continue
            line = line.strip()
            iso = parse_date(line)
            if iso and not found_date:
                found_date = iso
            elif looks_like_author(line) and not found_author:
                found_author = line.removeprefix("By ").removeprefix("by ").strip()
            else:
                return author, date
        author, date = found_author, found_date
        blocks.pop(0)
        lines_of.pop(0)
    return author, date


_BYLINE_SEPARATOR = re.compile(r"\s+[·|•—–-]\s+")


def _name_and_date(line: str) -> tuple[str, str] | None:
    """`Ines Marlowe · 11 April 2024` (or with |, •, a dash): a name and a date on one line."""
    parts = _BYLINE_SEPARATOR.split(line)
    if len(parts) != 2:
        return None
    for name, when in (parts, parts[::-1]):
        iso = parse_date(when.strip())
        if iso and looks_like_author(name):
            return name.strip().removeprefix("By ").removeprefix("by ").strip(), iso
    return None


def _fallback_title(blocks: list[Block], source_path: str) -> str:
    for block in blocks:
        if block.kind == "heading":
            return block.text
    stem = source_path.rsplit("/", 1)[-1].rsplit(".", 1)[0] if source_path else ""
    return stem or (blocks[0].text[:80] if blocks else "Untitled")


def _check_nothing_dropped(source: str, article: Article) -> None:
    """markdown-it drops content nested past its limit silently: compare word counts."""
    source = _WIKI_EMBED.sub(" ", source)
    source_words = len(_WORD.findall(_LINK_TARGET.sub("]", _NOT_TEXT.sub(" ", source))))
    kept = len(_WORD.findall(article.reading_text)) + len(_WORD.findall(article.title))
    kept += sum(len(_WORD.findall(b.alt)) for b in article.blocks if b.kind == "figure")
    kept += len(_WORD.findall(article.author or "")) + (3 if article.date else 0)
    if source_words > 20 and kept < 0.9 * source_words:
        lost = source_words - kept
        article.warnings.append(f"about {lost} of {source_words} words could not be read")
