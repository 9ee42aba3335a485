"""Web archives: WARC and WARC.GZ files (ISO 28500) and WACZ packages, read with warcio.

Every captured HTML page that holds an article becomes an article with its address,
the capture's date ("saved on"), the page's own date and author where it states them,
and the images the same archive captured for it (collected as resources; nothing is
fetched). The archive is read twice as a stream, never whole:

1. a scan of every record's headers: pages (HTML responses and resources), redirects,
   revisits (a later capture whose content is an earlier record's), images, the rest;
2. for each page kept, its record read again at its offset, and its images at theirs.

Of several captures of one address the newest wins; the others are reported as older
captures. A revisit counts as a capture on its own date with its original's content.
Redirects, error answers and revisits of records not in the archive are reported;
records that are not pages (requests, metadata, styles, scripts) are counted.

A WACZ is a zip holding WARCs under `archive/` and a `pages/pages.jsonl` index: when
that index lists pages, only those addresses are articles (not frames or embeds).
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from index.importers.items import Item, skipped
from index.importers.mhtml import decode_html
from index.importers.pages import article_from_html, image_addresses, iso_timestamp
from index.model import Resource

MAX_PAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGES_PER_PAGE = 50
MAX_IMAGE_BYTES_PER_PAGE = 40 * 1024 * 1024
HTML_TYPES = ("text/html", "application/xhtml+xml")

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]


@dataclass(slots=True)
class Capture:
    """One record the scan kept: where it is and what its headers say."""

    url: str
    date: str  # WARC-Date as ISO UTC
    member: str  # the WARC inside a WACZ ("" for a WARC file)
    offset: int
    mime: str
    status: int | None
    kind: str  # "response", "resource" or "revisit"
    location: str = ""
    digest: str = ""
    refers: tuple[str, str] | None = None
    via_revisit: bool = False


class _Source:
    """The WARC streams of a file: itself, or each WARC inside a WACZ."""

    def __init__(self, path: str, wacz: bool) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if wacz else None
        self._handles: dict[str, IO[bytes]] = {}
        if self.zip is not None:
            self.members = sorted(
                n
                for n in self.zip.namelist()
                if n.startswith("archive/") and n.lower().endswith((".warc", ".warc.gz"))
            )
        else:
            self.members = [""]

    def size(self) -> int:
        if self.zip is not None:
            return sum(self.zip.getinfo(m).file_size for m in self.members) or 1
        import os

        return os.path.getsize(self.path) or 1

    def open(self, member: str) -> IO[bytes]:
        if self.zip is not None:
            return self.zip.open(member)
        return open(self.path, "rb")

    def record_at(self, member: str, offset: int) -> Any:
        """The record starting at `offset` (a handle per member, kept open for the reads)."""
        handle = self._handles.get(member)
        if handle is None:
            handle = self._handles[member] = self.open(member)
        handle.seek(offset)
        return next(iter(ArchiveIterator(handle)))

    def pages_index(self) -> dict[str, str]:
        """A WACZ's listed pages (address → title); empty for a WARC or without an index."""
        if self.zip is None:
            return {}
        pages: dict[str, str] = {}
        for name in ("pages/pages.jsonl", "pages/extraPages.jsonl"):
            if name not in self.zip.namelist():
                continue
            with self.zip.open(name) as handle:
                for line in handle:
                    try:
                        entry = json.loads(line)
                    except (json.JSONDecodeError, UnicodeDecodeError):
                        continue
                    if isinstance(entry, dict) and entry.get("url") and "format" not in entry:
                        pages[str(entry["url"])] = str(entry.get("title") or "")
        return pages

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()
        if self.zip is not None:
            self.zip.close()


def read_archive(
    path: str,
    source_path: str,
    *,
    wacz: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Iterator[Item]:
    """Each page of a WARC/WACZ as an Item (an article, or why not), in archive order."""
    try:
        source = _Source(path, wacz)
    except (OSError, zipfile.BadZipFile) as error:
        yield Item(source_path, source_path, status="failed", reason=f"unreadable: {error}")
        return
    try:
        scan = _Scan()
        total = source.size()
        done_before = 0
        for member in source.members:
            size = source.zip.getinfo(member).file_size if source.zip else total
            with source.open(member) as stream:
                problem = scan.read(stream, member, size, total, done_before, progress, cancel)
            done_before += size
            if problem:
                name = f"{source_path}#{member}" if member else source_path
                yield Item(name, name, status="failed", reason=problem)
            if cancel and cancel():
                return
        yield from _pages(scan, source, source_path, progress, cancel)
    finally:
        source.close()


class _Scan:
    """What the first pass keeps: pages by address, images, records by date and digest."""

    def __init__(self) -> None:
        self.pages: dict[str, list[Capture]] = {}
        self.images: dict[str, Capture] = {}
        self.by_capture: dict[tuple[str, str], Capture] = {}
        self.by_digest: dict[str, Capture] = {}
        self.revisits: list[Capture] = []
        self.reported: list[Item] = []
        self.other: Counter[str] = Counter()

    def read(
        self,
        stream: IO[bytes],
        member: str,
        size: int,
        total: int,
        done_before: int,
        progress: Progress | None,
        cancel: Cancel | None,
    ) -> str | None:
        """Scan one WARC stream; the reason it stopped early, or None."""
        records = ArchiveIterator(stream)
        count = 0
        damaged = "the archive is damaged after {count} records: {why}"
        try:
            for record in records:
                if record.rec_type is None:
                    return damaged.format(count=count, why="a record without a type (cut short?)")
                self._keep(record, member, records.get_record_offset())
                count += 1
                if count % 200 == 0:
                    if progress:
                        where = done_before + _position(stream)
                        progress(min(0.5, 0.5 * where / total), "reading the archive")
                    if cancel and cancel():
                        return None
        except (ArchiveLoadFailed, ValueError, OSError, EOFError) as error:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            return damaged.format(count=count, why=first)
        if count:
            read = records.get_record_offset() + (records.get_record_length() or 0)
            if size - read > 16:  # more than the blank lines that end the last record
                why = f"{size - read} bytes at the end are no record (cut short?)"
                return damaged.format(count=count, why=why)
        return None

    def _keep(self, record: Any, member: str, offset: int) -> None:
        kind = record.rec_type
        if kind not in ("response", "resource", "revisit"):
            self.other[kind] += 1
            return
        headers = record.rec_headers
        http = record.http_headers
        url = (headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
        raw_type = (http.get_header("Content-Type") if http else None) or headers.get_header(
            "Content-Type"
        )
        capture = Capture(
            url=url,
            date=iso_timestamp(headers.get_header("WARC-Date")) or "",
            member=member,
            offset=offset,
            mime=(raw_type or "").split(";")[0].strip().lower(),
            status=_status(http),
            kind=kind,
            location=(http.get_header("Location") or "") if http else "",
            digest=headers.get_header("WARC-Payload-Digest") or "",
        )
        if kind == "revisit":
            refers_url = headers.get_header("WARC-Refers-To-Target-URI") or url
            refers_date = iso_timestamp(headers.get_header("WARC-Refers-To-Date")) or ""
            capture.refers = (refers_url.strip("<>"), refers_date)
            self.revisits.append(capture)
            return
        if capture.status in (None, 200) and (
            capture.mime in HTML_TYPES or capture.mime.startswith("image/")
        ):  # what a revisit can stand for here; other records are not kept (memory)
            self.by_capture[(url, capture.date)] = capture
            if capture.digest:
                self.by_digest.setdefault(capture.digest, capture)
        if capture.status is not None and 300 <= capture.status < 400:
            where = capture.location or "nowhere"
            self.reported.append(skipped(url, f"a redirect to {where}"))
        elif capture.status is not None and capture.status != 200:
            self.reported.append(skipped(url, f"the server answered {capture.status}"))
        elif capture.mime in HTML_TYPES:
            self.pages.setdefault(url, []).append(capture)
        elif capture.mime.startswith("image/"):
            self._image(capture)
        else:
            self.other[capture.mime or "untyped"] += 1

    def _image(self, capture: Capture) -> None:
        known = self.images.get(capture.url)
        if known is None or known.date <= capture.date:
            self.images[capture.url] = capture

    def resolve_revisits(self) -> None:
        """Each revisit becomes a capture on its own date with its original's content."""
        for revisit in self.revisits:
            original = self.by_capture.get(revisit.refers) if revisit.refers else None
            if original is None and revisit.digest:
                original = self.by_digest.get(revisit.digest)
            if original is None:
                if revisit.mime in HTML_TYPES:
                    reason = "a revisit of a capture that is not in this archive"
                    self.reported.append(skipped(revisit.url, reason))
                else:
                    self.other["revisit"] += 1
                continue
            again = Capture(
                url=revisit.url,
                date=revisit.date,
                member=original.member,
                offset=original.offset,
                mime=original.mime,
                status=original.status,
                kind="revisit",
                via_revisit=True,
            )
            if original.mime in HTML_TYPES and original.status in (None, 200):
                self.pages.setdefault(revisit.url, []).append(again)
            elif original.mime.startswith("image/"):
                self._image(again)


def _status(http: Any) -> int | None:
    if http is None:
        return None
    try:
        return int(http.get_statuscode())
    except (TypeError, ValueError):
        return None


def _position(stream: IO[bytes]) -> int:
    try:
        return stream.tell()
    except (OSError, ValueError):
        return 0


def _pages(
    scan: _Scan,
    source: _Source,
    source_path: str,
    progress: Progress | None,
    cancel: Cancel | None,
) -> Iterator[Item]:
    scan.resolve_revisits()
    yield from scan.reported
    listed = source.pages_index()
    winners: list[Capture] = []
    for url, captures in scan.pages.items():
        captures.sort(key=lambda c: (c.date, c.offset))
        newest = captures[-1]
        for older in captures[:-1]:
            how = " (a revisit: same content)" if newest.via_revisit else ""
            reason = f"an older capture ({older.date}); the capture of {newest.date}{how} is kept"
            yield Item(url, url, status="duplicate", reason=reason)
        if listed and url not in listed:
            reason = "captured in the archive but not one of its pages (a frame or an embed)"
            yield skipped(url, reason)
            continue
        winners.append(newest)
    winners.sort(key=lambda c: (c.member, c.offset))
    for n, capture in enumerate(winners, start=1):
        if cancel and cancel():
            return
        yield _page(capture, scan, source, source_path)
        if progress and (n % 20 == 0 or n == len(winners)):
            progress(0.5 + 0.5 * n / len(winners), f"{n} of {len(winners)} pages")
    if scan.other:
        counted = ", ".join(f"{n} {kind}" for kind, n in scan.other.most_common(6))
        yield skipped(source_path, f"records that are not pages were left out: {counted}")


def _page(capture: Capture, scan: _Scan, source: _Source, source_path: str) -> Item:
    url = capture.url
    try:
        record = source.record_at(capture.member, capture.offset)
        payload = record.content_stream().read(MAX_PAGE_BYTES + 1)
        charset = _charset(record)
    except (ArchiveLoadFailed, StopIteration, OSError, ValueError, EOFError) as error:
        return Item(url, url, status="failed", reason=f"its record cannot be read: {error}")
    if len(payload) > MAX_PAGE_BYTES:
        return Item(url, url, status="failed", reason="the page is over 20 MB")
    html = decode_html(payload, charset)
    try:
        article = article_from_html(
            html,
            f"{source_path}#{url}",
            url=url,
            saved_at=capture.date or None,
            source_format="warc",
            digest_of=payload,
        )
    except ValueError as error:
        return skipped(url, f"no article in the page ({error})")
    except RecursionError:
        return Item(url, url, status="failed", reason="nested too deeply to read")
    article.resources = _images(html, url, scan, source)
    return Item(url, url, article=article)


def _charset(record: Any) -> str | None:
    http = record.http_headers
    value = (http.get_header("Content-Type") if http else None) or ""
    for part in value.split(";")[1:]:
        name, _, charset = part.partition("=")
        if name.strip().lower() == "charset" and charset.strip():
            return charset.strip().strip("\"'")
    return None


def _images(html: str, page_url: str, scan: _Scan, source: _Source) -> list[Resource]:
    """The images the page shows that the archive captured, up to the limits above."""
    found: list[Resource] = []
    total = 0
    for address in image_addresses(html, page_url):
        capture = scan.images.get(address)
        if capture is None:
            continue
        try:
            record = source.record_at(capture.member, capture.offset)
            data = record.content_stream().read(MAX_IMAGE_BYTES + 1)
        except (ArchiveLoadFailed, StopIteration, OSError, ValueError, EOFError):
            continue
        if not data or len(data) > MAX_IMAGE_BYTES or total + len(data) > MAX_IMAGE_BYTES_PER_PAGE:
            continue
        total += len(data)
        found.append(Resource(address, capture.mime, data))
        if len(found) >= MAX_IMAGES_PER_PAGE:
            break
    return found
