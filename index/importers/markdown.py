"""Markdown and Markdown-like text (the form of `corpora/seed/`) into an Article.

The `# ` title line becomes the title; a byline and a date line right under it
become author and date (they are shown in the reader's header, not in the
text). Raw HTML in the file stays text: markdown-it runs with `html` off.
A YAML front matter (`---` lines around `key: value` lines, as clipping tools
write it) is not text: it may name the file's encoding (read by `decode`) and
gives the title when the file has no `# ` line.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from index.importers.blocks import clean_inline, finish_blocks, looks_like_author, parse_date
from index.model import Article, Block, Span

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_WORD = re.compile(r"\w+")
_LINK_TARGET = re.compile(r"\]\([^)]*\)|<[a-z]+:[^>\s]*>|https?://\S+")
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_TITLE = re.compile(r"^title[ \t]*:[ \t]*(.+?)[ \t]*$", re.M | re.I)


def import_markdown(text: str, source_path: str = "") -> Article:
    """Parse Markdown into title, byline, date and blocks; raise ValueError when empty."""
    text, front_title = _without_front_matter(text.replace("\r\n", "\n"))
    tokens = _PARSER.parse(text)
    blocks, lines_of = _blocks_from_tokens(tokens)
    title = ""
    if blocks and blocks[0].kind == "heading" and blocks[0].level == 1:
        title = clean_inline(blocks.pop(0).text).strip()
        lines_of.pop(0)
    author, date = _take_byline(blocks, lines_of)
    blocks = finish_blocks(blocks)
    if not title:
        title = front_title or _fallback_title(blocks, source_path)
    if not blocks and not title:
        raise ValueError("no readable text in the file")
    article = Article(
        title=title, blocks=blocks, author=author, date=date, source_format="markdown"
    )
    _check_nothing_dropped(text, article)
    return article


def _without_front_matter(text: str) -> tuple[str, str]:
    """The text after a leading YAML front matter, and the title it gives ("" if none)."""
    found = _FRONT_MATTER.match(text)
    if not found:
        return text, ""
    title = _FRONT_TITLE.search(found.group(1) or "")
    value = title.group(1).strip("\"' ") if title else ""
    return text[found.end() :], clean_inline(value).strip()


def _blocks_from_tokens(tokens: list[Token]) -> tuple[list[Block], list[list[str]]]:
    """Blocks, and for each block its source lines (split at soft and hard breaks)."""
    blocks: list[Block] = []
    lines_of: list[list[str]] = []
    context: list[str] = []
    heading_level = 0
    for token in tokens:
        kind = token.type
        if kind in ("blockquote_open", "list_item_open"):
            context.append("quote" if kind == "blockquote_open" else "list_item")
        elif kind in ("blockquote_close", "list_item_close"):
            context.pop()
        elif kind == "heading_open":
            heading_level = int(token.tag[1])
        elif kind == "heading_close":
            heading_level = 0
        elif kind == "inline":
            spans, lines = _spans(token.children or [])
            if heading_level:
                blocks.append(Block("heading", spans, heading_level))
            else:
                blocks.append(Block(context[-1] if context else "paragraph", spans))
            lines_of.append(lines)
        elif kind in ("fence", "code_block"):
            for line in token.content.splitlines():
                blocks.append(Block("code", [Span(line, "code")]))
                lines_of.append([line])
    return blocks, lines_of


def _spans(children: list[Token]) -> tuple[list[Span], list[str]]:
    spans: list[Span] = []
    styles: list[str] = []
    href: str | None = None
    lines = [""]
    for child in children:
        kind = child.type
        if kind in ("em_open", "strong_open"):
            styles.append("emphasis" if kind == "em_open" else "strong")
        elif kind in ("em_close", "strong_close") and styles:
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


def _fallback_title(blocks: list[Block], source_path: str) -> str:
    for block in blocks:
        if block.kind == "heading":
            return block.text
    stem = source_path.rsplit("/", 1)[-1].rsplit(".", 1)[0] if source_path else ""
    return stem or (blocks[0].text[:80] if blocks else "Untitled")


def _check_nothing_dropped(source: str, article: Article) -> None:
    """markdown-it drops content nested past its limit silently: compare word counts."""
    source_words = len(_WORD.findall(_LINK_TARGET.sub("]", source)))
    kept = len(_WORD.findall(article.reading_text)) + len(_WORD.findall(article.title))
    kept += len(_WORD.findall(article.author or "")) + (3 if article.date else 0)
    if source_words > 20 and kept < 0.9 * source_words:
        lost = source_words - kept
        article.warnings.append(f"about {lost} of {source_words} words could not be read")
