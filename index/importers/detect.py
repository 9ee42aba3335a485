"""Which kind of file this is, told from its first bytes (never from its name).

Two questions, asked in two places:

- `sniff(path)`, in the importing thread, for every item `walk` found: is it an archive
  that must be streamed where it is (`"warc"`, `"wacz"`, `"omnivore"`: many articles, up to
  gigabytes, read record by record), or a file a worker reads whole (`"file"`)?
- `kind_of(head)`, in a worker, for a file read whole: an export that lists many articles
  or links (`"wallabag"`, `"pocket-html"`, `"pocket-csv"`, `"instapaper-csv"`), a
  single-file page (`"mhtml"`), or one article (`"article"`: text, Markdown, HTML).
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import zipfile
import zlib

HEAD_BYTES = 64 * 1024
STREAMED = ("warc", "wacz", "omnivore")
EXPORTS = ("wallabag", "pocket-html", "pocket-csv", "instapaper-csv")

_OMNIVORE_METADATA = re.compile(r"(?:^|/)metadata_\d+_to_\d+\.json$")
_WARC_NAME = re.compile(r"\.warc(?:\.gz)?$", re.I)


def sniff(path: str) -> str:
    """ "warc", "wacz" or "omnivore" for an archive streamed in place; else "file".

    Never raises: a file that cannot be opened is a "file", whose reading then says why.
    """
    if os.path.isdir(path):
        return "omnivore" if omnivore_folder(path) else "file"
    head = read_head(path, 4096)
    if head is None:
        return "file"
    if is_warc(head):
        return "warc"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    return "file"


def read_head(path: str, size: int) -> bytes | None:
    """The first bytes of a regular file; None for anything else (a FIFO would block on
    open, a socket cannot be opened) or when it cannot be read."""
    try:
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, size)
    except OSError:
        return None
    finally:
        os.close(fd)


def is_warc(head: bytes) -> bool:
    """A WARC file, plain or gzipped record by record (its first record is readable)."""
    if head.startswith(b"WARC/"):
        return True
    if head.startswith(b"\x1f\x8b"):
        try:
            text = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error:
            return False
        return text.startswith(b"WARC/")
    return False


def _zip_kind(path: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return "file"
    if any(_OMNIVORE_METADATA.search(n) for n in names):
        return "omnivore"
    if "datapackage.json" in names or any(
        n.startswith("archive/") and _WARC_NAME.search(n) for n in names
    ):
        return "wacz"
    return "file"


def omnivore_folder(path: str) -> bool:
    """An unpacked Omnivore export: a folder holding `metadata_N_to_M.json` files."""
    try:
        with os.scandir(path) as scan:
            return any(_OMNIVORE_METADATA.search(e.name) for e in scan if e.is_file())
    except OSError:
        return False


def kind_of(head: bytes) -> str:
    """The kind of a file read whole, from its first bytes (see the module's docstring)."""
    text = head[:HEAD_BYTES].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    lowered = text[:4096].lower()
    if _looks_like_mhtml(lowered):
        return "mhtml"
    if text[:1] in "[{" and _looks_like_wallabag(text):
        return "wallabag"
    if "<title>pocket export</title>" in lowered or (
        "time_added=" in lowered and "<ul>" in lowered
    ):
        return "pocket-html"
    header = _csv_header(text)
    if {"url", "title", "time_added"} <= header:
        return "pocket-csv"
    if {"url", "title", "folder"} <= header and ("timestamp" in header or "selection" in header):
        return "instapaper-csv"
    return "article"


def _looks_like_mhtml(lowered: str) -> bool:
    headers = lowered.split("\n\n", 1)[0].split("\r\n\r\n", 1)[0]
    return "mime-version:" in headers and "multipart/related" in headers


def _looks_like_wallabag(text: str) -> bool:
    """wallabag's JSON export: a list of entries with `url`, `content` and wallabag's own
    fields (`is_archived`, `reading_time`, `domain_name`)."""
    window = text[:HEAD_BYTES]
    has_entry = '"url"' in window and '"content"' in window
    return has_entry and any(
        key in window for key in ('"is_archived"', '"reading_time"', '"domain_name"')
    )


def _csv_header(text: str) -> set[str]:
    first = text.split("\n", 1)[0]
    if "," not in first or "<" in first:
        return set()
    try:
        row = next(csv.reader(io.StringIO(first)))
    except (csv.Error, StopIteration):
        return set()
    return {cell.strip().casefold() for cell in row}
