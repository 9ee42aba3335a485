"""Files to Articles: pick the importer by extension (and content), walk folders safely.

`read_article` is the one entry point: it refuses what is not a regular file
or is too large, decodes the bytes (as the file declares, else as they look:
`decode`), hands the text in NFC to the format's importer and fills in what
every article carries (source path, hash, the original text as decoded).
Every refusal is an `ImportProblem` with a one-line reason for the user.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from index.importers import detect
from index.importers.blocks import nfc
from index.importers.decode import NotText, decode_bytes
from index.model import Article

# The format modules are imported where a file needs them (as html already was): opening a
# library, and the window's start, then load no Markdown or YAML parser.

# The version of each format's importer. Raise one when the blocks it makes change: the
# library then reads again, from the stored original, every article an older one made
# (index/store/reread.py). 2: the reading text in NFC; tables, numbered and nested lists,
# code with its spaces, footnotes, figures, rules, definition and task lists.
# Pages kept as HTML by an archive, an export or a single-file page are read by the
# HTML importer: they are as new as it is, and read again with it (index/store/reread.py).
HTML_PAGE_FORMATS = ("warc", "wallabag", "omnivore", "mhtml", "singlefile")
# 3 (Markdown and pages): the images an article carries are kept (issue 12); read again, a
# SingleFile page gains its data: images, a clipping or saved page the files still beside it.
PARSER_VERSIONS = {"markdown": 3, "html": 3, "text": 2}
PARSER_VERSIONS.update(dict.fromkeys(HTML_PAGE_FORMATS, PARSER_VERSIONS["html"]))

# Articles are rarely over 1 MB; 20 MB keeps one import's memory bounded (the
# original, the blocks and the reading text are all held while it is stored).
MAX_FILE_BYTES = 20 * 1024 * 1024
# Single-file pages (their images inside) and exports (many articles) may be larger.
MAX_BUNDLE_BYTES = 100 * 1024 * 1024

MARKDOWN_EXTENSIONS = {".md", ".markdown", ".mdown", ".mkd"}
TEXT_EXTENSIONS = {".txt", ".text"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml", ".shtml"}
ARCHIVE_EXTENSIONS = {".warc", ".wacz", ".mht", ".mhtml"}
KNOWN_EXTENSIONS = MARKDOWN_EXTENSIONS | TEXT_EXTENSIONS | HTML_EXTENSIONS | ARCHIVE_EXTENSIONS
# Taken from a folder only when their content is an export this version reads.
EXPORT_EXTENSIONS = {".json", ".csv", ".zip", ".gz"}


class ImportProblem(Exception):
    """A file that cannot be imported; str() is the one-line reason shown to the user."""


@dataclass(slots=True)
class WalkItem:
    """A file found by `walk`, or a problem found on the way (error set, path as given)."""

    path: str
    error: str | None = None


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as text that can always be stored and printed (undecodable bytes escaped)."""
    text = os.fspath(path)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def read_article(path: str | os.PathLike[str]) -> Article:
    """Import one file; raise ImportProblem with a one-line reason when it can't be."""
    return article_from_bytes(read_regular_file(path), path)


def article_from_bytes(data: bytes, path: str | os.PathLike[str]) -> Article:
    """The article in a file's bytes (text, Markdown, HTML, a single-file page)."""
    shown = display_path(path)
    digest = hashlib.sha256(data).hexdigest()
    try:
        decoded = decode_bytes(data)
    except NotText as error:
        raise ImportProblem(str(error)) from None
    if not decoded.text.strip():
        raise ImportProblem("the file is empty")
    try:
        text = nfc(decoded.text)
        article = _parse(text, shown, Path(os.fspath(path)).suffix.lower())
    except ValueError as error:
        raise ImportProblem(str(error).splitlines()[0] if str(error) else "unreadable") from None
    except RecursionError:
        raise ImportProblem("nested too deeply to read") from None
    if not article.blocks and not article.title.strip():
        raise ImportProblem("no readable text in the file")
    article.source_path = shown
    article.content_hash = digest
    article.original_text = article.original_text or decoded.text
    article.warnings[:0] = decoded.warnings
    return article


def read_regular_file(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """Open only regular files (a FIFO would block forever) and only up to the size limit."""
    try:
        # O_NONBLOCK (POSIX) keeps a FIFO from blocking the open; Windows has no FIFOs to
        # fear and no such flag, O_BINARY there keeps the bytes as they are.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ImportProblem("the file is gone (moved or deleted)") from None
    except PermissionError:
        raise ImportProblem("permission denied") from None
    except OSError as error:
        if error.errno == errno.ENXIO:  # what opening a Unix socket says
            raise ImportProblem("not a regular file (a socket)") from None
        raise ImportProblem(error.strerror or str(error)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ImportProblem("not a regular file")
        if info.st_size > limit:
            raise ImportProblem(too_large(info.st_size, limit))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise ImportProblem(error.strerror or str(error)) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ImportProblem(too_large(len(data), limit))
    return data


def parser_version(source_format: str) -> int:
    """The version of the importer that reads `source_format` now."""
    return PARSER_VERSIONS.get(source_format, 1)


def parse_again(text: str, source_format: str, source_path: str = "") -> Article:
    """An article read again from its stored original (decoded text) by the importer of
    its format; ImportProblem with a one-line reason when it cannot be."""
    from index.importers import frontmatter
    from index.importers.markdown import import_markdown
    from index.importers.plaintext import import_plaintext

    try:
        if source_format == "html" or source_format in HTML_PAGE_FORMATS:
            from index.importers.html import import_html

            return import_html(text, source_path)
        if source_format == "markdown" and frontmatter.has_front_matter(text):
            return frontmatter.import_clipping(text, source_path)  # never the front matter
        if source_format == "markdown":
            return import_markdown(text, source_path)
        return import_plaintext(text, source_path)
    except ValueError as error:
        raise ImportProblem(str(error).splitlines()[0] if str(error) else "unreadable") from None
    except RecursionError:
        raise ImportProblem("nested too deeply to read") from None


def too_large(size: int, limit: int) -> str:
    """The one-line reason for a file over its size limit."""
    what = "per article" if limit == MAX_FILE_BYTES else "for a single-file page or export"
    return f"too large ({size / 1024 / 1024:.0f} MB; the limit is {limit // 2**20} MB {what})"


def _parse(text: str, source_path: str, suffix: str) -> Article:
    from index.importers import frontmatter, singlefile
    from index.importers.markdown import import_markdown
    from index.importers.plaintext import import_plaintext

    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if detect.kind_of(head.encode("utf-8", "replace")) == "mhtml":
        from index.importers.mhtml import import_mhtml

        return import_mhtml(text, source_path)
    if singlefile.is_singlefile(head):
        return singlefile.import_singlefile(text, source_path)
    if frontmatter.has_front_matter(text):
        return frontmatter.import_clipping(text, source_path)
    if suffix in HTML_EXTENSIONS or (suffix not in KNOWN_EXTENSIONS and _looks_like_html(text)):
        from index.importers.html import import_html

        return import_html(text, source_path)
    if suffix in MARKDOWN_EXTENSIONS or _looks_like_markdown(text):
        return import_markdown(text, source_path)
    return import_plaintext(text, source_path)


def _looks_like_markdown(text: str) -> bool:
    first = text.lstrip("\ufeff \t\r\n").split("\n", 1)[0]
    return first.startswith("# ")


def _looks_like_html(text: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")[:512].lower()
    return head.startswith(("<!doctype html", "<html")) or "<html" in head


def walk(paths: Iterable[str | os.PathLike[str]]) -> Iterator[WalkItem]:
    """Every importable file under `paths` (files given by name are always tried).

    Folders are walked recursively, following links to folders once: a visited
    set of (device, inode) stops symlink loops, which are reported.
    Unreadable folders are reported and skipped.
    """
    visited: set[tuple[int, int]] = set()
    for path in paths:
        path = os.fspath(path)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            yield WalkItem(display_path(path), "no such file or folder")
            continue
        except OSError as error:
            yield WalkItem(display_path(path), error.strerror or str(error))
            continue
        if stat.S_ISDIR(info.st_mode) and detect.omnivore_folder(path):
            yield WalkItem(path)
        elif stat.S_ISDIR(info.st_mode):
            yield from _walk_folder(path, info, visited)
        else:
            yield WalkItem(path)


def _walk_folder(folder: str, info: os.stat_result, visited: set) -> Iterator[WalkItem]:
    key = (info.st_dev, info.st_ino)
    if key in visited:
        yield WalkItem(display_path(folder), "symlink loop: this folder was already visited")
        return
    visited.add(key)
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as error:
        yield WalkItem(display_path(folder), f"folder not readable: {error.strerror or error}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
            if is_dir:
                sub_info = entry.stat(follow_symlinks=True)
        except OSError as error:
            yield WalkItem(display_path(entry.path), error.strerror or str(error))
            continue
        suffix = os.path.splitext(entry.name)[1].lower()
        if is_dir and detect.omnivore_folder(entry.path):
            yield WalkItem(entry.path)
        elif is_dir:
            yield from _walk_folder(entry.path, sub_info, visited)
        elif suffix in KNOWN_EXTENSIONS or (suffix in EXPORT_EXTENSIONS and _export(entry.path)):
            yield WalkItem(entry.path)


def _export(path: str) -> bool:
    """A .json, .csv, .zip or .gz in a folder is taken only when it is an archive or export
    Gloss reads (a .warc.gz, a WACZ, an Omnivore zip, a wallabag or Pocket file)."""
    if detect.sniff(path) in detect.STREAMED:
        return True
    head = detect.read_head(path, detect.HEAD_BYTES)
    return head is not None and detect.kind_of(head) in detect.EXPORTS
