"""The library's own copies of the images articles carry, checked before anything decodes them.

An importer collects the images a file carries (`Article.resources`: a `data:` URI, a
file beside a clipping, a WARC record, an MHTML part). Here each figure whose address
names one of them gets the library's copy: the bytes written once under
`LIBRARY/images/ab/<sha256>.<ext>` (content-addressed: the same picture in two articles
is one file), and the figure block's `image` names that file. Nothing here reads a file
or the network: a figure whose image the article did not carry keeps its placeholder.

Every image is checked by its bytes, never its name: its format from its first bytes
(PNG, JPEG, GIF, WebP, BMP), its width and height from its header (a picture declaring
more than MAX_PIXELS is refused before anything decodes it), its end present (a
truncated file is refused), and its size (MAX_IMAGE_BYTES each, MAX_ARTICLE_BYTES an
article). SVG is refused: it is a program as much as a picture (scripts, references to
other files and addresses), and the reader draws none of it. Whatever is refused is a
one-line warning on the article; the article is imported all the same. The window
decodes a stored image once, under Qt's allocation limit (ui/reader/figure.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin

from index.model import Article, Block, Resource

IMAGE_FOLDER = "images"
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_ARTICLE_BYTES = 100 * 1024 * 1024
MAX_IMAGES = 200  # an article's stored images
MAX_PIXELS = 50_000_000  # ~ 8,660 × 5,770; a 50,000 × 50,000 "bomb" is 2.5 billion
MAX_SIDE = 30_000
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/bmp": "bmp",
}
_NAME = re.compile(r"^([0-9a-f]{64})\.(png|jpg|gif|webp|bmp)$")
_WEB = ("http://", "https://", "//")


class ImageProblem(ValueError):
    """Why an image is not kept, in one line."""


@dataclass(slots=True, frozen=True)
class ImageInfo:
    """What an image's header says: its type and its size in pixels."""

    mime: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.mime]


# --- reading headers -----------------------------------------------------------------


def check_image(data: bytes) -> ImageInfo:
    """The image's type and size from its header; ImageProblem when it is not an image
    this library keeps (unknown or SVG, too many pixels, truncated, too large)."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageProblem(f"too large ({len(data) / 2**20:.0f} MB; the limit is 20 MB)")
    info = _header(data)
    if info.width <= 0 or info.height <= 0:
        raise ImageProblem(f"its header declares no size ({info.width} × {info.height})")
    if info.width * info.height > MAX_PIXELS or max(info.width, info.height) > MAX_SIDE:
        raise ImageProblem(
            f"it declares {info.width:,} × {info.height:,} pixels (the limit is"
            f" {MAX_PIXELS // 1_000_000} million): not decoded"
        )
    if not _complete(info.mime, data):
        raise ImageProblem("the file is cut short (truncated)")
    return info


def _header(data: bytes) -> ImageInfo:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if data[12:16] != b"IHDR" or len(data) < 24:
            raise ImageProblem("a PNG without its header")
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("image/png", width, height)
    if data.startswith(b"\xff\xd8\xff"):
        width, height = _jpeg_size(data)
        return ImageInfo("image/jpeg", width, height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageInfo("image/gif", width, height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        width, height = _webp_size(data)
        return ImageInfo("image/webp", width, height)
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return ImageInfo("image/bmp", width, abs(height))
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) and b"<svg" in data[:4096].lower():
        raise ImageProblem("an SVG image is not kept (it can run scripts and name other files)")
    raise ImageProblem("not an image this reader keeps (PNG, JPEG, GIF, WebP or BMP)")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from the first start-of-frame marker of a JPEG."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise ImageProblem("a JPEG whose markers are damaged")
        marker = data[at + 1]
        if marker == 0xFF:  # fill bytes
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if at + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    raise ImageProblem("the file is cut short (truncated): a JPEG without its frame header")


def _webp_size(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    raise ImageProblem("a WebP without its header")


def _complete(mime: str, data: bytes) -> bool:
    """The file's end is there: a truncated image is refused before it is decoded."""
    tail = data.rstrip(b"\x00")
    if mime == "image/png":
        return b"IEND" in data[-64:]
    if mime == "image/jpeg":
        return tail.endswith(b"\xff\xd9")
    if mime == "image/gif":
        return tail.endswith(b";")
    if mime == "image/webp":
        return int.from_bytes(data[4:8], "little") + 8 <= len(data)
    if mime == "image/bmp":
        return int.from_bytes(data[2:6], "little") <= len(data)
    return False


# --- where copies live ----------------------------------------------------------------


def image_folder(library_folder: Path) -> Path:
    return Path(library_folder) / IMAGE_FOLDER


def image_path(library_folder: Path, name: str) -> Path | None:
    """The file of a stored image named `name` (a figure's `image`), None for any other
    name: the name is checked, so it can never lead outside the images folder."""
    match = _NAME.match(name or "")
    if match is None:
        return None
    return image_folder(library_folder) / match.group(1)[:2] / name


def write_image(library_folder: Path, data: bytes, info: ImageInfo) -> str:
    """Keep `data` in the images folder (once: the name is its SHA-256); its name.

    Written to a temporary file and renamed, so a half-written image never has the
    final name. Files are written before the transaction that names them: a crash
    between the two leaves an unnamed file (harmless), never a name without a file.
    """
    name = f"{hashlib.sha256(data).hexdigest()}.{info.extension}"
    path = image_path(library_folder, name)
    assert path is not None
    if path.is_file() and path.stat().st_size == len(data):
        return name
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{name}.{os.getpid()}.part")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    return name


# --- an article's figures and the images it carried --------------------------------------


def keep_images(article: Article, library_folder: Path) -> None:
    """Give each figure of `article` the library's copy of the image it names, when the
    article carried that image; one warning line per kind of image not kept.

    Runs outside any transaction (it writes files). Never reads anything but the bytes
    the importer collected: an address on the web or elsewhere on disk is not followed.
    """
    figures = [b for b in article.blocks if b.kind == "figure" and b.src]
    if not figures:
        article.resources = []
        return
    carried = _by_address(article.resources)
    article.resources = []  # the bytes are not needed past this point
    kept: dict[bytes, str] = {}
    total = 0
    on_web: list[str] = []
    elsewhere: list[str] = []
    refused: list[str] = []
    page = article.url if (article.url or "").lower().startswith(_WEB) else ""
    for block in figures:
        # A page's relative address is read against the page's own (a WARC's capture).
        address = urljoin(page, block.src) if page and ":" not in block.src[:12] else block.src
        resource = _find(carried, block.src) or _find(carried, address)
        if resource is None:
            if address.lower().startswith(_WEB):
                on_web.append(address)
            elif not address.lower().startswith("data:"):
                elsewhere.append(address)
            continue
        digest = hashlib.sha256(resource.data).digest()
        if digest in kept:
            block.image = kept[digest]
            continue
        try:
            info = check_image(resource.data)
        except ImageProblem as problem:
            refused.append(f"{_short(block.src)}: {problem}")
            continue
        if len(kept) >= MAX_IMAGES or total + len(resource.data) > MAX_ARTICLE_BYTES:
            refused.append(f"{_short(block.src)}: over the article's limit of images")
            continue
        try:
            block.image = kept[digest] = write_image(library_folder, resource.data, info)
        except OSError as error:
            refused.append(f"{_short(block.src)}: it could not be written ({error.strerror})")
            continue
        total += len(resource.data)
    article.warnings.extend(_warnings(on_web, elsewhere, refused))


def _warnings(on_web: list[str], elsewhere: list[str], refused: list[str]) -> list[str]:
    out = []
    if on_web:
        out.append(f"{_count(on_web)} only on the web, not fetched: {_list(on_web)}")
    if elsewhere:
        out.append(f"{_count(elsewhere)} not in the article's folder, not read: {_list(elsewhere)}")
    out += [f"an image not kept: {line}" for line in refused]
    return out


def _count(items: list[str]) -> str:
    return "1 image" if len(items) == 1 else f"{len(items)} images"


def _list(items: list[str]) -> str:
    shown = ", ".join(_short(s) for s in items[:3])
    return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")


def _short(src: str) -> str:
    src = src.replace("\n", " ")
    return src if len(src) <= 80 else src[:60] + "…" + src[-15:]


def _key(address: str) -> str:
    """An address as figures and resources are compared: no fragment, unquoted, no `./`."""
    if address.lower().startswith("data:"):
        return address
    address = unquote(urldefrag(address.strip())[0])
    while address.startswith("./"):
        address = address[2:]
    return address


def _by_address(resources: list[Resource]) -> dict[str, Resource]:
    found: dict[str, Resource] = {}
    for resource in resources:
        if resource.url:
            found.setdefault(_key(resource.url), resource)
    return found


def _find(carried: dict[str, Resource], src: str) -> Resource | None:
    """The carried image a figure's address names: the same address, or for a page saved
    with its files (`page_files/x.png` read against the page's own address) the same path
    at the end of the address."""
    key = _key(src)
    if key in carried:
        return carried[key]
    if "://" in key:
        for address, resource in carried.items():
            relative = "://" not in address and not address.startswith(("data:", "/"))
            if relative and key.endswith("/" + address):
                return resource
    return None


# --- which article shows which image ---------------------------------------------------------


def link_images(conn: sqlite3.Connection, article_id: int, blocks: list[Block]) -> None:
    """Record which stored images an article's figures show (inside its write)."""
    conn.execute("DELETE FROM article_images WHERE article_id = ?", (article_id,))
    for block in blocks:
        if block.kind == "figure" and block.image:
            conn.execute(
                "INSERT OR IGNORE INTO article_images(article_id, src, image) VALUES (?, ?, ?)",
                (article_id, block.src, block.image),
            )


def images_of(conn: sqlite3.Connection) -> list[str]:
    """Every stored image some article shows (a backup carries these)."""
    try:
        rows = conn.execute("SELECT DISTINCT image FROM article_images ORDER BY image")
        return [row[0] for row in rows]
    except sqlite3.Error:  # a library made before images
        return []
