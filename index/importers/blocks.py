"""Blocks to canonical reading text: inline clean-up, paragraph repair, dates.

Every importer ends with `finish_blocks`, so the reading text of any article
obeys the same rules: Unicode NFC (a decomposed "e" + U+0301 reads, searches and
anchors as "é"), no newline inside a block, no control characters, no characters
Qt would treat as a block or object boundary, single spaces between words
(no-break spaces are kept: they are the author's).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from index.model import CELL_ALIGNMENTS, Block, Span, TableCell, TableRow

# Characters that end a block in Qt or that Qt reserves inside a document.
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")
_QT_RESERVED = dict.fromkeys(map(ord, "\ufffc\ufdd0\ufdd1\ufeff"), None)
_SPACES = re.compile(r" {2,}")
# Control characters (Cc), lone surrogates (Cs) and private-use characters (Co): dropped.
# One regex over the text instead of a category lookup per character (that loop was most
# of what reading a plain-text file cost).
_BAD_CHARS = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]"
)


def nfc(text: str) -> str:
    """`text` in Unicode Normalization Form C (cheap when it already is)."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


# Anything clean_inline would change, but NFC: one scan finds that most spans are clean.
_UNCLEAN = re.compile(
    f"{_LINE_BREAKS.pattern}|{_BAD_CHARS.pattern}|[{''.join(map(chr, _QT_RESERVED))}]|  "
)


def surely_clean(text: str) -> bool:
    """True only for text _UNCLEAN finds nothing in, in one C pass for most spans (the
    regex's alternatives, tried at each character, were a sixth of reading a plain file):
    `isprintable` is false for every control, format, surrogate, private-use, unassigned
    and separator character but the space, which leaves U+FFFC and two spaces to look for.
    A test holds it over every code point."""
    return text.isprintable() and "\ufffc" not in text and "  " not in text


def clean_inline(text: str) -> str:
    """Text of one span made safe for a reading block, in NFC (spaces are not trimmed here)."""
    if (surely_clean(text) or _UNCLEAN.search(text) is None) and unicodedata.is_normalized(
        "NFC", text
    ):
        return text  # what _clean_steps gives back unchanged (a test holds it so)
    return _clean_steps(text)


def _clean_steps(text: str) -> str:
    """clean_inline's steps, each over the whole span."""
    text = nfc(_LINE_BREAKS.sub(" ", text))
    text = text.translate(_QT_RESERVED)
    if _BAD_CHARS.search(text):
        text = _BAD_CHARS.sub("", text)
    return _SPACES.sub(" ", text)


def _is_bad_char(ch: str) -> bool:
    """What _BAD_CHARS matches, by the character's Unicode category (the tests hold the
    two equal over every code point)."""
    cat = unicodedata.category(ch)
    return cat == "Cc" or cat == "Cs" or cat == "Co"


def normalize_spans(spans: list[Span]) -> list[Span]:
    """Clean each span, fold spaces across span edges, trim the block, merge like spans."""
    out: list[Span] = []
    for span in spans:
        text = clean_inline(span.text)
        if not text:
            continue
        if out and out[-1].text.endswith(" ") and text.startswith(" "):
            text = text[1:]
            if not text:
                continue
        prev = out[-1] if out else None
        if prev and prev.style == span.style and prev.href == span.href:
            prev.text += text
        else:
            out.append(Span(text, span.style, span.href))
    while out and not out[0].text.lstrip(" "):
        out.pop(0)
    if out:
        out[0].text = out[0].text.lstrip(" ")
    while out and not out[-1].text.rstrip(" "):
        out.pop()
    if out:
        out[-1].text = out[-1].text.rstrip(" ")
    return _nfc_across_spans(out)


def _nfc_across_spans(spans: list[Span]) -> list[Span]:
    """Spans whose joined text is NFC, as each span's own text already is.

    NFC pieces can join into text that is not NFC: a combining accent in its own
    span (`e<b>\u0301</b>`) composes with the letter before it. Such a span edge
    moves: the characters that compose join the span before, which keeps its style.
    """
    if unicodedata.is_normalized("NFC", "".join(s.text for s in spans)):
        return spans
    out: list[Span] = []
    for span in spans:
        text = span.text
        while out and text and _composes(out[-1].text, text[0]):
            out[-1].text = nfc(out[-1].text + text[0])
            text = text[1:]
        if not text:
            continue
        if out and (out[-1].style, out[-1].href) == (span.style, span.href):
            out[-1].text = nfc(out[-1].text + text)
        else:
            out.append(Span(text, span.style, span.href))
    if not unicodedata.is_normalized("NFC", "".join(s.text for s in out)):
        # Some other interplay of edges (rare): one span keeps every character in NFC.
        first = out[0]
        return [Span(nfc("".join(s.text for s in out)), first.style, first.href)]
    return out


def _composes(before: str, ch: str) -> bool:
    """True when `ch` changes under NFC after `before` (it composes or reorders with it)."""
    start = len(before) - 1
    while start > 0 and unicodedata.combining(before[start]):
        start -= 1
    tail = before[start:] + ch
    return nfc(tail) != tail


# Line breaks inside code: each becomes "\n"; a tab stop every TAB_WIDTH columns.
_CODE_BREAKS = re.compile(r"\r\n?|[\v\f\x85\u2028\u2029]")
TAB_WIDTH = 4


def clean_code(text: str) -> str:
    """A code block's text with every space and line kept: line breaks made `\\n`, tabs
    expanded, characters Qt reserves and control characters removed, and only the blank
    lines before the first line and after the last dropped."""
    lines = _CODE_BREAKS.sub("\n", text).split("\n")
    lines = [nfc(line.expandtabs(TAB_WIDTH)).translate(_QT_RESERVED) for line in lines]
    if any(_is_bad_char(ch) for line in lines for ch in line):
        lines = ["".join(ch for ch in line if not _is_bad_char(ch)) for line in lines]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def with_spans(block: Block, spans: list[Span]) -> Block:
    """`replace(block, spans=spans)` without dataclasses.replace's walk over the fields at
    each call (a paragraph's few microseconds, a twelfth of reading a plain file). A test
    holds the fields named here to Block's own."""
    return Block(
        block.kind,
        spans,
        block.level,
        block.number,
        block.checked,
        block.language,
        block.rows,
        block.src,
        block.alt,
        block.image,
    )


def normalize_blocks(blocks: list[Block]) -> list[Block]:
    """Clean every block and drop the ones left empty (and rules at the ends or repeated)."""
    result: list[Block] = []
    for block in blocks:
        kind = block.kind
        if kind == "code":
            text = clean_code("".join(span.text for span in block.spans))
            if text:
                result.append(replace(block, spans=[Span(text, "code")]))
        elif kind == "table":
            table = _normalize_table(block)
            if table is not None:
                result.append(table)
        elif kind == "figure":
            alt = _SPACES.sub(" ", clean_inline(block.alt)).strip()
            src = clean_inline(block.src).strip()
            result.append(replace(block, spans=normalize_spans(block.spans), alt=alt, src=src))
        elif kind == "rule":
            if result and result[-1].kind != "rule":
                result.append(replace(block, spans=[]))
        else:
            spans = normalize_spans(block.spans)
            if spans:
                result.append(with_spans(block, spans))
    while result and result[-1].kind == "rule":
        result.pop()
    return result


def _normalize_table(block: Block) -> Block | None:
    """Cells cleaned, empty rows and empty trailing columns dropped, every row as wide as
    the widest; None when no cell holds text."""
    rows = []
    for row in block.rows:
        cells = [
            TableCell(normalize_spans(c.spans), c.align if c.align in CELL_ALIGNMENTS else "")
            for c in row.cells
        ]
        if any(cell.spans for cell in cells):
            rows.append(TableRow(cells, row.header))
    if not rows:
        return None
    width = max(i + 1 for row in rows for i, cell in enumerate(row.cells) if cell.spans)
    for row in rows:
        row.cells = row.cells[:width] + [TableCell([]) for _ in range(width - len(row.cells))]
    return replace(block, spans=normalize_spans(block.spans), rows=rows)


_CLOSING = tuple('.!?:;…"”’»)]}*_')


def needs_join(first: Block, second: Block) -> bool:
    """True when `first` looks like a paragraph cut in two by a page break.

    The rule: both are paragraphs, the first has no closing punctuation and the
    second starts in lower case or with a digit.
    """
    if first.kind != "paragraph" or second.kind != "paragraph" or first.level != second.level:
        return False
    head, tail = first.text.rstrip(), second.text.lstrip()
    if not head or not tail or head.endswith(_CLOSING):
        return False
    lead = tail[0]
    return lead.islower() or lead.isdigit()


def repair_paragraphs(blocks: list[Block]) -> list[Block]:
    """Join paragraphs split by page breaks (see `needs_join`), keeping inline styles."""
    out: list[Block] = []
    for block in blocks:
        if out and needs_join(out[-1], block):
            prev = out[-1]
            out[-1] = with_spans(prev, normalize_spans([*prev.spans, Span(" "), *block.spans]))
        else:
            out.append(block)
    return out


def finish_blocks(blocks: list[Block], *, repair: bool = True) -> list[Block]:
    """The last step of every importer: normalise, then repair split paragraphs."""
    blocks = normalize_blocks(blocks)
    return repair_paragraphs(blocks) if repair else blocks


def plain_blocks(paragraphs: list[str], kind: str = "paragraph") -> list[Block]:
    """Blocks of plain text, one per paragraph string."""
    return [Block(kind, [Span(p)]) for p in paragraphs]


_AUTHOR_WORD = re.compile(
    r"^(?:[A-Z\u00c0-\u024f][\w.'’-]*|de|da|del|della|van|von|der|le|la|y|and|&)$"
)


def looks_like_author(line: str) -> bool:
    """A short line of capitalised name words, such as `Don Knowland` or `By Ana de la Cruz`."""
    line = line.removeprefix("By ").removeprefix("by ").strip()
    words = line.replace(",", " ").split()
    if not 1 <= len(words) <= 6 or len(line) > 60 or line.endswith((".", "!", "?", ":")):
        return False
    return all(_AUTHOR_WORD.match(word) for word in words) and words[0][0].isupper()
