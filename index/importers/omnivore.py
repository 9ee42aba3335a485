"""Omnivore's export: its zip, or that zip unpacked into a folder.

Omnivore's exporter (packages/api/src/jobs/export.ts, before the service closed in
November 2024) wrote, per batch of items, `metadata_<from>_to_<to>.json` (a list of
`id`, `slug`, `title`, `description`, `author`, `url`, `state`, `labels`, `savedAt`,
`updatedAt`, `publishedAt`, …), each item's readable page as `content/<slug>.html`, and
its highlights as `highlights/<slug>.md`: one block per highlight, `> quote` (blank lines
inside the quote written as `> `), then optionally a line of `#label`s and the note, the
blocks separated by blank lines. A page note (a note with no quote) is its text alone.

Items are read one at a time (a large export is never loaded whole); an item with no
content file is listed as a link, never fetched.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from index.importers.items import Item, SavedLink
from index.importers.mhtml import decode_html
from index.importers.pages import article_from_html, iso_timestamp
from index.model import CarriedHighlight

_METADATA = re.compile(r"(?:^|/)metadata_(\d+)_to_\d+\.json$")
_LABELS = re.compile(r"^#\S+(?:\s+#\S+)*$")
MAX_MEMBER_BYTES = 50 * 1024 * 1024


class _Files:
    """The export's files by their name inside it, in a zip or a folder alike."""

    def __init__(self, path: str) -> None:
        self.folder = Path(path) if os.path.isdir(path) else None
        self.zip = None if self.folder else zipfile.ZipFile(path)
        if self.zip is not None:
            names = self.zip.namelist()
        else:
            base = Path(path)
            names = [
                str(p.relative_to(base)).replace(os.sep, "/")
                for p in base.rglob("*")
                if p.is_file() and not p.is_symlink()
            ]
        self.names = set(names)
        # an export unpacked inside one more folder: names relative to the metadata's folder
        metadata = sorted((n for n in names if _METADATA.search(n)), key=_batch_start)
        self.root = metadata[0].rsplit("/", 1)[0] + "/" if metadata and "/" in metadata[0] else ""
        self.metadata = metadata

    def read(self, name: str) -> bytes | None:
        name = self.root + name
        if name not in self.names:
            return None
        if self.zip is not None:
            info = self.zip.getinfo(name)
            if info.file_size > MAX_MEMBER_BYTES:
                return None
            return self.zip.read(info)
        assert self.folder is not None
        file = self.folder / name
        if file.stat().st_size > MAX_MEMBER_BYTES:
            return None
        return file.read_bytes()

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _batch_start(name: str) -> int:
    match = _METADATA.search(name)
    return int(match.group(1)) if match else 0


def read_omnivore(path: str, source_path: str) -> Iterator[Item]:
    """Each item of the export: an article with labels and highlights, or a link."""
    try:
        files = _Files(path)
    except (OSError, zipfile.BadZipFile) as error:
        yield Item(source_path, source_path, status="failed", reason=f"unreadable: {error}")
        return
    try:
        for name in files.metadata:
            raw = files.read(name[len(files.root) :])
            try:
                entries = json.loads(raw or b"[]")
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                reason = f"{name} is not JSON ({error})"
                yield Item(name, name, status="failed", reason=reason)
                continue
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    yield _item(entry, files, source_path)
    finally:
        files.close()


def _item(entry: dict[str, Any], files: _Files, source_path: str) -> Item:
    slug = str(entry.get("slug") or entry.get("id") or "")
    url = str(entry.get("url") or entry.get("originalUrl") or "").strip()
    key = f"omnivore:{entry.get('id') or slug}"
    label = url or str(entry.get("title") or key)
    tags = [str(t).strip() for t in entry.get("labels") or [] if str(t).strip()]
    saved = iso_timestamp(entry.get("savedAt"))
    raw = files.read(f"content/{slug}.html") if slug else None
    article = None
    if raw:
        html = decode_html(raw, None)
        try:
            article = article_from_html(
                html,
                f"{source_path}#{key}",
                url=url or None,
                saved_at=saved,
                source_format="omnivore",
                digest_of=raw,
            )
        except (ValueError, RecursionError):
            article = None
    if article is None:
        if not url:
            return Item(key, label, status="failed", reason="no content file and no address")
        title = str(entry.get("title") or "")
        return Item(
            key, label, link=SavedLink(url, title, tags, saved, str(entry.get("state") or ""))
        )
    title = " ".join(str(entry.get("title") or "").split())
    if title:
        article.title = title
    author = " ".join(str(entry.get("author") or "").split())
    if author:
        article.author = author
    published = iso_timestamp(entry.get("publishedAt"))
    if published:
        article.date = published[:10]
    article.tags = tags
    notes = files.read(f"highlights/{slug}.md")
    if notes:
        article.highlights = omnivore_highlights(notes.decode("utf-8", "replace"), key)
    return Item(key, label, article=article)


def omnivore_highlights(markdown: str, key: str) -> list[CarriedHighlight]:
    """The highlights of one `highlights/<slug>.md` file (see the module's docstring)."""
    out: list[CarriedHighlight] = []
    current: CarriedHighlight | None = None
    for block in re.split(r"\n[ \t]*\n", markdown.replace("\r\n", "\n")):
        block = block.strip("\n")
        if not block.strip():
            continue
        if block.startswith(">"):
            lines = [re.sub(r"^>[ \t]?", "", line) for line in block.split("\n")]
            current = CarriedHighlight(f"{key}:highlight:{len(out) + 1}", "\n".join(lines).strip())
            out.append(current)
        elif current is not None and _LABELS.match(block.strip()) and not current.note:
            current.tags = [t.lstrip("#") for t in block.split()]
        elif current is not None:
            current.note = f"{current.note}\n\n{block}".strip() if current.note else block.strip()
        else:
            page_note = CarriedHighlight(f"{key}:note:{len(out) + 1}", "", note=block.strip())
            page_note.problem = "a note on the whole page: it quotes no text"
            out.append(page_note)
    return out
