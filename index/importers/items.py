"""What one file can hold besides one article: many articles, links without text, and
per item why something was not imported.

A plain file is one `Article`. An archive or an export (a WARC, a wallabag or Omnivore
export, a Pocket or Instapaper list) is a sequence of `Item`s, each reported on its own:
an article, a link the user saved without its text, or a reason it was skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from index.model import Article


@dataclass(slots=True)
class SavedLink:
    """A link a read-later service kept without its text: listed, never fetched."""

    url: str
    title: str = ""
    tags: list[str] = field(default_factory=list)
    added: str | None = None  # when it was saved there (ISO), when the export says
    state: str = ""  # the service's word: "unread", "archive", a folder name


@dataclass(slots=True)
class Item:
    """One thing found inside a file.

    `key` is its identity inside the file (an address, an entry id), so that importing
    the file again updates the same article; `label` is how the report names it.
    Exactly one of `article` and `link` is set, or neither with `status` ("skipped",
    "duplicate", "failed") and a one-line `reason`.
    """

    key: str
    label: str
    article: Article | None = None
    link: SavedLink | None = None
    status: str = ""
    reason: str = ""


def skipped(key: str, reason: str, status: str = "skipped") -> Item:
    """An item that is reported but becomes nothing."""
    return Item(key=key, label=key, status=status, reason=reason)
