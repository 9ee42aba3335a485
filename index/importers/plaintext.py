"""Plain text in the form of `corpora/bbc/`: a title line, then paragraphs.

Paragraphs are separated by blank lines (when a file has none, every line is
a paragraph). No author or date is guessed; a line right under the title that
is only a date, or `By Name`, is taken as such.
"""

from __future__ import annotations

import re

from index.importers.blocks import finish_blocks, looks_like_author, plain_blocks
from index.importers.dates import parse_date
from index.model import Article

_BLANK = re.compile(r"\n[ \t\f\v]*\n")


def import_plaintext(text: str, source_path: str = "") -> Article:
    """Title from the first non-empty line, paragraphs from the rest."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n \t\ufeff")
    if not text.strip():
        raise ValueError("the file is empty")
    title, _, rest = text.partition("\n")
    chunks = _BLANK.split(rest) if _BLANK.search("\n" + rest) else rest.split("\n")
    paragraphs = [" ".join(chunk.split()) for chunk in chunks]
    paragraphs = [p for p in paragraphs if p]
    author = date = None
    while paragraphs and len(paragraphs[0]) < 60:
        line = paragraphs[0]
        when = None if date else parse_date(line)
        if when:
            date = when
        elif not author and line.lower().startswith("by ") and looks_like_author(line):
            author = line[3:].strip()
        else:
            break
        paragraphs.pop(0)
    blocks = finish_blocks(plain_blocks(paragraphs))
    return Article(
        title=" ".join(title.split()) or "Untitled",
        blocks=blocks,
        author=author,
        date=date,
        source_format="text",
    )
