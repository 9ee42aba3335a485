"""The one way in: any file or folder `walk` found, whatever it holds, as articles and items.

- `read_source(path)` runs in a worker for a file read whole: one Article (text,
  Markdown, a clipping, HTML, a SingleFile or MHTML page), or the Items of an export
  (wallabag, Pocket, Instapaper). Raises ImportProblem with a one-line reason.
- `stream_source(path, kind, …)` runs in the importing thread for an archive read as a
  stream (WARC, WACZ, an Omnivore export): its Items one by one, with progress.

The kind is told from the content (index/importers/detect.py), never from the name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from index.importers import (
    MAX_BUNDLE_BYTES,
    MAX_FILE_BYTES,
    ImportProblem,
    article_from_bytes,
    display_path,
    read_regular_file,
    too_large,
)
from index.importers.detect import EXPORTS, HEAD_BYTES, kind_of
from index.importers.items import Item
from index.model import Article, Resource

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 100
ATTACHMENT_FOLDERS = ("", "assets", "attachments", "images", "_resources")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*(?:<([^>\n]+)>|([^)\s]+))(?:\s+[\"'][^)]*[\"'])?\s*\)")
_HTML_IMAGE = re.compile(
    r"""<img\b[^>]*?\s(?:src|data-src|data-original)\s*=\s*["']([^"'<>]+)["']""", re.I
)
_WIKI_IMAGE = re.compile(r"!\[\[([^\]|#]+)(?:[|#][^\]]*)?\]\]")
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def read_source(path: str | os.PathLike[str]) -> Article | list[Item]:
    """One file read whole: its Article, or its Items when it is an export."""
    data = read_regular_file(path, MAX_BUNDLE_BYTES)
    kind = kind_of(data[:HEAD_BYTES])
    shown = display_path(path)
    if kind in EXPORTS:
        from index.importers.readlater import read_export

        try:
            return read_export(kind, data, shown)
        except ValueError as error:
            raise ImportProblem(str(error).splitlines()[0] or "unreadable") from None
    if len(data) > MAX_FILE_BYTES and kind != "mhtml" and b"SingleFile" not in data[:8192]:
        raise ImportProblem(too_large(len(data), MAX_FILE_BYTES))
    article = article_from_bytes(data, path)
    collect_files(article, Path(os.fspath(path)))
    return article


def collect_again(article: Article, source_format: str, source_path: str, original: str) -> None:
    """The images an article read again from its stored original can still have: a
    SingleFile page's `data:` images (in the original itself), the files beside a clipping
    or a saved page when its folder is still there. (A page from an archive gets none: the
    archive is not opened again.)"""
    if source_format == "singlefile":
        from index.importers.singlefile import data_images

        article.resources = data_images(original)
    elif source_format in ("markdown", "html") and _readable_file(source_path):
        article.original_text = article.original_text or original
        collect_files(article, Path(source_path), source_format)


def _readable_file(source_path: str) -> bool:
    """A plain file's path that is still there (not `archive#page`)."""
    return bool(source_path) and "#" not in source_path and Path(source_path).is_file()


def collect_files(article: Article, file: Path, source_format: str = "") -> None:
    """The images a Markdown clipping or a saved page shows from beside its file."""
    source_format = source_format or article.source_format
    if source_format == "markdown":
        article.resources = attachments(article.original_text, file)
    elif source_format == "html":
        article.resources = page_files(article.original_text, file)


def stream_source(
    path: str,
    kind: str,
    *,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Iterator[Item]:
    """The Items of an archive read as a stream ("warc", "wacz" or "omnivore")."""
    shown = display_path(os.path.abspath(path))
    if kind in ("warc", "wacz"):
        from index.importers.warc import read_archive

        yield from read_archive(path, shown, wacz=kind == "wacz", progress=progress, cancel=cancel)
    elif kind == "omnivore":
        from index.importers.omnivore import read_omnivore

        for n, item in enumerate(read_omnivore(path, shown), start=1):
            yield item
            if progress and n % 20 == 0:
                progress(0.0, f"{n} items")
            if cancel and cancel():
                return
    else:
        raise ValueError(f"not an archive kind: {kind}")


def attachments(markdown: str, file: Path) -> list[Resource]:
    """The images a clipping shows from beside it (`![](assets/x.png)`, `![[x.png]]`).

    Only files inside the clipping's own folder tree are read (a link to `../../`, a
    symbolic link leading out, a `file:` or web address is not followed), up to 20 MB
    each; `![[x.png]]` is looked for beside it, in the usual attachment folders and in
    "Save Page As, complete"'s `NAME_files/`.
    """
    folder = file.parent.resolve()
    found: list[Resource] = []
    names = [m.group(1) or m.group(2) for m in _MD_IMAGE.finditer(markdown)]
    wiki = [m.group(1).strip() for m in _WIKI_IMAGE.finditer(markdown)]
    seen: set[str] = set()
    folders = [*ATTACHMENT_FOLDERS, f"{file.stem}_files"]
    for name, candidates in [(n, [n]) for n in names] + [
        (w, [f"{sub}/{w}" if sub else w for sub in folders]) for w in wiki
    ]:
        if name in seen or "://" in name or name.startswith("data:"):
            continue
        seen.add(name)
        for candidate in candidates:
            resource = _attachment(folder, candidate, name)
            if resource is not None:
                found.append(resource)
                break
        if len(found) >= MAX_ATTACHMENTS:
            break
    return found


def page_files(html: str, file: Path) -> list[Resource]:
    """The images a saved page shows from its own folder tree (`<img src="Page_files/x.png">`,
    as "Save Page As, complete" writes it). Addresses on the web, `file:` URLs and paths
    leading out of the page's folder are never read."""
    folder = file.parent.resolve()
    found: list[Resource] = []
    seen: set[str] = set()
    for match in _HTML_IMAGE.finditer(html):
        name = match.group(1).strip()
        if name in seen or ":" in name.split("/", 1)[0] or name.startswith(("/", "\\")):
            continue
        seen.add(name)
        resource = _attachment(folder, name.split("#", 1)[0].split("?", 1)[0], name)
        if resource is not None:
            found.append(resource)
        if len(found) >= MAX_ATTACHMENTS:
            break
    return found


def _attachment(folder: Path, relative: str, name: str) -> Resource | None:
    from urllib.parse import unquote

    try:
        target = (folder / unquote(relative)).resolve()
        if not target.is_relative_to(folder) or not target.is_file():
            return None
        if target.stat().st_size > MAX_ATTACHMENT_BYTES:
            return None
        data = target.read_bytes()
    except (OSError, ValueError):
        return None
    # Told by its bytes when it is stored (index/store/images.py): a file that is no
    # image this reader keeps is a warning there, with its reason.
    return Resource(name, _image_type(data) or "application/octet-stream", data)


def _image_type(data: bytes) -> str | None:
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in head:
        return "image/svg+xml"
    return None
