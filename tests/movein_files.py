"""Files other tools write, made here with their own libraries or by their published shapes.

WARCs are written with warcio (as Webrecorder, ArchiveBox and browsertrix do), a WACZ is
a zip of one of those with `pages/pages.jsonl` and `datapackage.json`, MHTML is built
with the standard library's `email` package the way Chrome lays it out, a SingleFile
page carries the extension's comment and `data:` images, and the exports follow the
formats wallabag and Omnivore published. Every text here is ours.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# A real 1x1 PNG (the smallest valid one), and a 2x1 GIF: images by their bytes.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
GIF = base64.b64decode("R0lGODlhAgABAIAAAP///wAAACwAAAAAAgABAAACAoRRADs=")

LIGHTHOUSE = [
    "The keeper of the northern light climbed the iron stairs every evening at dusk.",
    "Storms that autumn broke three of the lower windows and flooded the store room.",
    "Ships passing the headland still looked for the beam long after radio beacons were common.",
    "When the station was automated the keeper moved to the village to write it down.",
    "His notebooks describe the weight of the lens and the smell of paraffin in the lamp room.",
]
ORCHARD = [
    "The old orchard on the hill had been planted by the first families who farmed the valley.",
    "Each spring the blossom drew bees from miles around and the hives were moved up the slope.",
    "A late frost in one year destroyed almost the whole crop and the cider press stood idle.",
    "Volunteers now graft cuttings from the surviving trees so that the rare varieties are kept.",
    "The harvest festival returned after a long pause and the whole village came to the hill.",
]


def article_html(
    title: str,
    paragraphs: list[str],
    *,
    author: str = "",
    published: str = "",
    images: list[str] = (),
) -> str:
    """A plain news page: headline, byline, date, paragraphs, images by address."""
    meta = ""
    if author:
        meta += f'<meta name="author" content="{author}">'
    if published:
        meta += f'<meta property="article:published_time" content="{published}">'
    pictures = "".join(f'<figure><img src="{src}" alt="a picture"></figure>' for src in images)
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title>{meta}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{title}</h1>{pictures}{body}</article>"
        "<footer>Copyright the Coast Gazette</footer></body></html>"
    )


def write_response(
    writer: WARCWriter,
    url: str,
    body: bytes,
    mime: str,
    date: str,
    status="200 OK",
    extra: list[tuple[str, str]] = (),
) -> object:
    headers = StatusAndHeaders(status, [("Content-Type", mime), *extra], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=headers,
        warc_headers_dict={"WARC-Date": date},
    )
    writer.write_record(record)
    return record


def write_warc(path: Path, *, gzip: bool = True) -> Path:
    """Two pages (one captured twice, the second time as a revisit), a redirect, an image,
    a stylesheet and a request record: the shapes a crawler leaves."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gzip)
        writer.write_record(
            writer.create_warcinfo_record(path.name, {"software": "gloss tests", "format": "WARC"})
        )
        lighthouse = article_html(
            "The Keeper of the Northern Light",
            LIGHTHOUSE,
            author="Mara Quill",
            published="2021-03-04T08:00:00Z",
            images=["/img/lamp.png"],
        ).encode()
        first = write_response(
            writer,
            "https://coast.example/lighthouse",
            lighthouse,
            "text/html; charset=utf-8",
            "2023-05-01T10:00:00Z",
        )
        request = writer.create_warc_record(
            "https://coast.example/lighthouse",
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                "GET /lighthouse HTTP/1.1", [("Host", "coast.example")], is_http_request=True
            ),
            warc_headers_dict={"WARC-Date": "2023-05-01T10:00:00Z"},
        )
        writer.write_record(request)
        write_response(
            writer, "https://coast.example/img/lamp.png", PNG, "image/png", "2023-05-01T10:00:01Z"
        )
        write_response(
            writer,
            "https://coast.example/style.css",
            b"body{margin:0}",
            "text/css",
            "2023-05-01T10:00:01Z",
        )
        write_response(
            writer,
            "https://coast.example/old-orchard",
            b"",
            "text/html",
            "2023-05-01T10:00:02Z",
            status="301 Moved Permanently",
            extra=[("Location", "https://coast.example/orchard")],
        )
        orchard = article_html(
            "Saving the Hill Orchard", ORCHARD, author="Ivo Brand", published="2022-09-10"
        ).encode()
        write_response(
            writer, "https://coast.example/orchard", orchard, "text/html", "2023-05-01T10:00:03Z"
        )
        revisit = writer.create_revisit_record(
            "https://coast.example/lighthouse",
            digest=first.rec_headers.get_header("WARC-Payload-Digest"),
            refers_to_uri="https://coast.example/lighthouse",
            refers_to_date="2023-05-01T10:00:00Z",
            http_headers=StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            ),
            warc_headers_dict={"WARC-Date": "2024-02-02T09:30:00Z"},
        )
        writer.write_record(revisit)
    return path


def write_wacz(path: Path, warc: Path, *, only_lighthouse: bool = False) -> Path:
    """A WACZ (spec 1.1): the WARC stored under archive/, pages listed in pages.jsonl."""
    pages = [
        {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"},
        {
            "id": "p1",
            "url": "https://coast.example/lighthouse",
            "ts": "2023-05-01T10:00:00Z",
            "title": "The Keeper of the Northern Light",
        },
        {
            "id": "p2",
            "url": "https://coast.example/orchard",
            "ts": "2023-05-01T10:00:03Z",
            "title": "Saving the Hill Orchard",
        },
    ][: 2 if only_lighthouse else 3]
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(warc, "archive/data.warc.gz", compress_type=zipfile.ZIP_STORED)
        archive.writestr("pages/pages.jsonl", "\n".join(json.dumps(p) for p in pages) + "\n")
        archive.writestr(
            "datapackage.json",
            json.dumps({"profile": "data-package", "wacz_version": "1.1.1", "resources": []}),
        )
    return path


def write_mhtml(path: Path) -> Path:
    """A page saved as one file the way Chrome does: multipart/related, the page first."""
    page = article_html(
        "The Keeper of the Northern Light",
        LIGHTHOUSE,
        author="Mara Quill",
        published="2021-03-04",
        images=["https://coast.example/img/lamp.png"],
    )
    message = MIMEMultipart("related", type="text/html")
    message["From"] = "<Saved by Blink>"
    message["Snapshot-Content-Location"] = "https://coast.example/lighthouse"
    message["Subject"] = "The Keeper of the Northern Light"
    message["Date"] = "Tue, 14 Jan 2025 10:00:00 -0000"
    html = MIMEText(page, "html", "utf-8")
    html.replace_header("Content-Transfer-Encoding", "base64")
    html["Content-Location"] = "https://coast.example/lighthouse"
    message.attach(html)
    image = MIMEImage(PNG, "png")
    image["Content-Location"] = "https://coast.example/img/lamp.png"
    message.attach(image)
    path.write_bytes(message.as_bytes())
    return path


def write_singlefile(path: Path) -> Path:
    """A SingleFile page: its comment, then the page with its image inline."""
    data_uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    page = article_html(
        "Saving the Hill Orchard",
        ORCHARD,
        author="Ivo Brand",
        published="2022-09-10",
        images=[data_uri],
    )
    comment = (
        "<!--\n Page saved with SingleFile \n url: https://coast.example/orchard \n"
        " saved date: Thu Jan 18 2024 10:00:00 GMT+0100 (Central European Standard Time)\n-->"
    )
    path.write_text(page.replace("<html>", "<html>" + comment, 1), encoding="utf-8")
    return path


def wallabag_export() -> list[dict]:
    """A wallabag JSON export of two entries, one with two highlights (annotator.js)."""
    content = "".join(f"<p>{p}</p>" for p in LIGHTHOUSE)
    return [
        {
            "is_archived": 0,
            "is_starred": 1,
            "tags": ["coast", "history"],
            "is_public": False,
            "id": 41,
            "title": "The Keeper of the Northern Light",
            "url": "https://coast.example/lighthouse",
            "content": content,
            "created_at": "2023-06-01T12:00:00+0200",
            "updated_at": "2023-06-02T12:00:00+0200",
            "published_at": "2021-03-04T08:00:00+0000",
            "published_by": ["Mara Quill"],
            "annotations": [
                {
                    "user": "reader",
                    "annotator_schema_version": "v1.0",
                    "id": 7,
                    "text": "check the year",
                    "created_at": "2023-06-01T12:30:00+0200",
                    "updated_at": "2023-06-01T12:30:00+0200",
                    "quote": "broke three of the lower windows",
                    "ranges": [
                        {"start": "/p[2]", "startOffset": "19", "end": "/p[2]", "endOffset": "51"}
                    ],
                },
                {
                    "user": "reader",
                    "annotator_schema_version": "v1.0",
                    "id": 8,
                    "text": "",
                    "quote": "words that the article never had",
                    "ranges": [
                        {"start": "/p[9]", "startOffset": "0", "end": "/p[9]", "endOffset": "5"}
                    ],
                },
            ],
            "mimetype": "text/html",
            "language": "en",
            "reading_time": 1,
            "domain_name": "coast.example",
            "preview_picture": None,
            "http_status": "200",
        },
        {
            "is_archived": 1,
            "is_starred": 0,
            "tags": [{"id": 3, "label": "food", "slug": "food"}],
            "id": 42,
            "title": "Saving the Hill Orchard",
            "url": "https://coast.example/orchard",
            "content": "".join(f"<p>{p}</p>" for p in ORCHARD),
            "created_at": "2023-07-01T08:00:00+0000",
            "updated_at": "2023-07-01T08:00:00+0000",
            "annotations": [],
            "mimetype": "text/html",
            "language": "en",
            "reading_time": 1,
            "domain_name": "coast.example",
        },
    ]


def omnivore_files() -> dict[str, bytes]:
    """Omnivore's export (metadata batch, content/, highlights/) as name → bytes."""
    metadata = [
        {
            "id": "0f2c-lighthouse",
            "slug": "the-keeper-of-the-northern-light-18c1",
            "title": "The Keeper of the Northern Light",
            "description": "A keeper remembers.",
            "author": "Mara Quill",
            "url": "https://coast.example/lighthouse",
            "state": "Archived",
            "readingProgress": 100,
            "thumbnail": None,
            "labels": ["coast", "to cite"],
            "savedAt": "2024-03-05T10:00:00.000Z",
            "updatedAt": "2024-03-06T10:00:00.000Z",
            "publishedAt": "2021-03-04T08:00:00.000Z",
        },
        {
            "id": "77aa-only-link",
            "slug": "a-page-never-read-77aa",
            "title": "A page never read",
            "author": None,
            "url": "https://elsewhere.example/never",
            "state": "Succeeded",
            "labels": [],
            "savedAt": "2024-04-01T09:00:00.000Z",
        },
    ]
    readable = (
        '<div class="page" id="readability-page-1"><div>'
        + "".join(f"<p>{p}</p>" for p in LIGHTHOUSE)
        + "</div></div>"
    )
    highlights = (
        "> Ships passing the headland still looked for the beam \n\n#ships #radio\n\n"
        "Compare with the harbour log.\n\n"
        "> the smell of paraffin in the lamp room \n\n"
        "> a sentence that is not in this article at all "
    )
    slug = metadata[0]["slug"]
    return {
        "metadata_0_to_2.json": json.dumps(metadata, indent=2).encode(),
        f"content/{slug}.html": readable.encode(),
        f"highlights/{slug}.md": highlights.encode(),
    }


def write_omnivore_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in omnivore_files().items():
            archive.writestr(name, data)
    return path


def write_omnivore_folder(folder: Path) -> Path:
    for name, data in omnivore_files().items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder
