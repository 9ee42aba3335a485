"""Annotation files read into one shape (`Foreign`): other tools' and Gloss's own.

Formats, as their public documentation describes them:

- **Hypothesis**: the client's export file (`{"export_date", "export_userid",
  "client_version", "annotations": [...]}`), an API search answer
  (`{"total", "rows": [...]}`), a bare list, or one annotation. Each
  annotation has `id`, `uri`, `text` (the note, Markdown), `tags`, `created`,
  `document.title` (a list) and `target[].selector[]`: a TextQuoteSelector
  (`exact`, `prefix`, `suffix`), a TextPositionSelector (`start`, `end`, in
  the web page's text, so only a hint here) and a RangeSelector (XPath
  ranges into the page's DOM, meaningless for our reading text: ignored).
  Replies (`references`) and page notes (no quote) are not passages.
- **Readwise**: the CSV export, columns `Highlight`, `Book Title`,
  `Book Author`, `Amazon Book ID`, `Note`, `Color`, `Tags`, `Location Type`,
  `Location`, `Highlighted at`, `Document tags` (the CSV import template's
  `Title`, `Author`, `URL` are read too). No context, no position.

- **Gloss's CSV export** (`article`, `quote`, `note`, `tags`, `color`, `created`,
  `id`, … and, since it round-trips, `modified`, `source`, `content_hash`,
  `start`, `end`, `prefix`, `suffix`); Gloss's W3C JSON is read by export.py.

A CSV is read in whatever encoding the spreadsheet wrote (UTF-8 with or without
a BOM, UTF-16, cp1252: importers.decode's rule) and with whichever separator it
used (comma, semicolon, tab). Where each annotation goes is placement.py's job.
Ids are derived from the source's own ids (or, for Readwise, from the row's
contents), so importing the same file twice adds nothing the second time.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from index.importers.decode import NotText, decode_bytes
from index.passages.annotations import PALETTE, AnnotationError

# A namespace of our own for ids derived from other tools' ids.
ID_NAMESPACE = uuid.UUID("5b0f6c2e-8f8e-4d59-9a8c-3f2e6d1c7a10")
READWISE_COLORS = {
    "yellow": "yellow",
    "green": "green",
    "blue": "blue",
    "pink": "pink",
    "purple": "purple",
    "red": "pink",
    "orange": "yellow",
}


@dataclass(slots=True)
class Foreign:
    """One annotation read from another tool, before it is matched to an article."""

    source_id: str
    gloss_id: str
    quote: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    uri: str = ""
    title: str = ""
    note: str = ""
    tags: list[str] = field(default_factory=list)
    color: str = "yellow"
    created: str = ""
    document_tags: list[str] = field(default_factory=list)
    problem: str = ""  # set when the annotation cannot be a passage at all
    # What Gloss's own files carry besides:
    content_hash: str = ""  # the article's, as Gloss hashed its file
    scope: str = ""  # the article's original address, when `uri` is Gloss's article IRI
    modified: str = ""
    color_name: str = ""  # the exporting library's name for the colour
    orphaned: bool = False


# --- format detection -------------------------------------------------------------------


def detect(text: str) -> str:
    """ "w3c", "hypothesis", "readwise" or "gloss-csv" for an annotations file;
    AnnotationError if none."""
    body = text.lstrip("\ufeff").lstrip()
    if body[:1] in ("{", "["):
        try:
            data = json.loads(body)
        except json.JSONDecodeError as error:
            raise AnnotationError(f"not JSON: {error.msg} at line {error.lineno}") from None
        return "hypothesis" if _hypothesis_items(data) is not None else "w3c"
    header = {h.strip().casefold() for h in next(_csv_rows(body), [])}
    if "highlight" in header:
        return "readwise"
    if {"article", "quote", "id"} <= header:
        return "gloss-csv"
    raise AnnotationError(
        "not an annotations file this version reads (W3C JSON or CSV from Gloss, "
        "Hypothesis JSON, Readwise CSV)"
    )


def decode(data: bytes) -> str:
    """An annotations file's bytes as text, in the encoding it was written in."""
    try:
        return decode_bytes(data).text
    except NotText as error:
        raise AnnotationError(str(error)) from None


def _csv_rows(text: str) -> Iterator[list[str]]:
    """CSV rows with the separator the file uses: comma, semicolon or tab (as spreadsheets
    write them in various countries), told from the header line."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _csv_dicts(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {casefolded column: stripped cell}) for each row after the header."""
    rows = _csv_rows(text)
    header = [(h or "").strip().casefold() for h in next(rows, [])]
    for n, row in enumerate(rows, start=2):
        if any(cell.strip() for cell in row):
            yield n, {k: (v or "").strip() for k, v in zip(header, row, strict=False) if k}


def _is_hypothesis(item: Any) -> bool:
    """A Hypothesis annotation: a `uri` and a list of targets, and no W3C typing."""
    return (
        isinstance(item, dict)
        and isinstance(item.get("uri"), str)
        and isinstance(item.get("target"), list)
        and "@context" not in item
        and item.get("type") != "Annotation"
    )


def _hypothesis_items(data: Any) -> list[dict[str, Any]] | None:
    """The annotations of a Hypothesis file, or None when it is not one."""
    if isinstance(data, dict):
        for key in ("annotations", "rows"):
            if isinstance(data.get(key), list):
                items = [i for i in data[key] if isinstance(i, dict)]
                if ("export_date" in data and key == "annotations") or any(
                    _is_hypothesis(i) for i in items
                ):
                    return items
        return [data] if _is_hypothesis(data) else None
    if isinstance(data, list):
        items = [i for i in data if isinstance(i, dict)]
        return items if items and any(_is_hypothesis(i) for i in items) else None
    return None


# --- reading ----------------------------------------------------------------------------


def read_hypothesis(text: str) -> list[Foreign]:
    """The annotations of a Hypothesis JSON file, each with a problem when it is no passage."""
    items = _hypothesis_items(json.loads(text.lstrip("\ufeff"))) or []
    out = []
    for n, item in enumerate(items, start=1):
        source_id = str(item.get("id") or f"item {n}")
        found = Foreign(
            source_id=source_id,
            gloss_id=str(uuid.uuid5(ID_NAMESPACE, f"hypothesis:{source_id}")),
            quote="",
            uri=str(item.get("uri") or ""),
            title=_first(item.get("document", {}).get("title"))
            if isinstance(item.get("document"), dict)
            else "",
            note=str(item.get("text") or ""),
            tags=[str(t) for t in item.get("tags") or [] if str(t).strip()],
            created=str(item.get("created") or ""),
        )
        if item.get("references"):
            found.problem = "a reply to another annotation, not a passage"
        for target in item.get("target") or []:
            if not isinstance(target, dict):
                continue
            found.uri = found.uri or _first(target.get("source"))
            for selector in target.get("selector") or []:
                if not isinstance(selector, dict):
                    continue
                kind = selector.get("type")
                if kind == "TextQuoteSelector" and selector.get("exact"):
                    found.quote = str(selector["exact"])
                    found.prefix = str(selector.get("prefix") or "")
                    found.suffix = str(selector.get("suffix") or "")
                elif kind == "TextPositionSelector":
                    with contextlib.suppress(KeyError, TypeError, ValueError):
                        found.start, found.end = int(selector["start"]), int(selector["end"])
        if not found.quote and not found.problem:
            found.problem = "a page note: it quotes no text"
        out.append(found)
    return out


def read_readwise(text: str) -> list[Foreign]:
    """The highlights of a Readwise CSV export (or of its import template)."""
    out = []
    for n, row in _csv_dicts(text):
        quote = row.get("highlight", "")
        title = row.get("book title") or row.get("title", "")
        key = "\x1f".join(
            [
                title,
                quote,
                row.get("location", ""),
                row.get("highlighted at") or row.get("date", ""),
            ]
        )
        found = Foreign(
            source_id=f"row {n}",
            gloss_id=str(uuid.uuid5(ID_NAMESPACE, f"readwise:{key}")),
            quote=quote,
            uri=row.get("url", ""),
            title=title,
            note=row.get("note", ""),
            tags=_split_tags(row.get("tags", "")),
            color=READWISE_COLORS.get(row.get("color", "").casefold(), "yellow"),
            created=_iso_time(row.get("highlighted at") or row.get("date", "")),
            document_tags=_split_tags(row.get("document tags", "")),
        )
        if not quote:
            found.problem = "no highlighted text in this row"
        out.append(found)
    return out


def _first(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value) if value else ""


def _split_tags(text: str) -> list[str]:
    return [t.strip() for t in re.split(r"[,;]", text) if t.strip().lstrip("#").strip()]


def _iso_time(text: str) -> str:
    """ "2023-01-20 14:03:00" (with or without seconds / zone) as ISO; anything else as given."""
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?(.*)", text.strip())
    if not m:
        return text.strip()
    zone = m.group(4).strip()
    zone = "Z" if zone in ("", "Z", "+00:00", "UTC") else zone
    return f"{m.group(1)}T{m.group(2)}{m.group(3) or ':00'}{zone}"


# --- Gloss's own CSV --------------------------------------------------------------------


def read_gloss_csv(text: str) -> list[Foreign]:
    """The passages of a CSV that Gloss exported (older exports, without positions, too)."""
    out = []
    for n, row in _csv_dicts(text):
        raw_id = row.get("id", "")
        found = Foreign(
            source_id=raw_id or f"row {n}",
            gloss_id=own_id(raw_id, f"gloss-csv:{n}:{row.get('quote', '')}"),
            quote=uncell(row.get("quote", "")),
            prefix=uncell(row.get("prefix", "")),
            suffix=uncell(row.get("suffix", "")),
            uri=row.get("source", ""),
            title=uncell(row.get("article", "")),
            note=uncell(row.get("note", "")),
            tags=[t.strip() for t in uncell(row.get("tags", "")).split(";") if t.strip()],
            color=row.get("color", "yellow").casefold(),
            created=row.get("created", ""),
            modified=row.get("modified", ""),
            content_hash=row.get("content_hash", ""),
            color_name=uncell(row.get("color_name", "")),
            orphaned=row.get("orphaned", "") == "yes",
        )
        with contextlib.suppress(ValueError):
            found.start, found.end = int(row["start"]), int(row["end"])
        if found.color not in PALETTE:
            found.color = "yellow"
        if not found.quote:
            found.problem = "no quote in this row"
        out.append(found)
    return out


FORMULA_STARTS = ("=", "+", "-", "@", "'")


def uncell(text: str) -> str:
    """A CSV cell as Gloss wrote it, back to its text: the apostrophe that kept a
    spreadsheet from running it as a formula (export._cell) comes off."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_STARTS else text


def own_id(raw: str, fallback_key: str) -> str:
    """A Gloss passage id from a file: the uuid itself (bare or `urn:uuid:`), else a
    uuid derived from whatever id the file gives (or from `fallback_key`), so that the
    same file imported twice gives the same ids."""
    text = raw.strip()
    bare = text[9:] if text[:9].casefold() == "urn:uuid:" else text
    try:
        return str(uuid.UUID(bare))
    except ValueError:
        return str(uuid.uuid5(ID_NAMESPACE, f"w3c:{text}" if text else fallback_key))


# --- titles and addresses ---------------------------------------------------------------


def title_key(title: str) -> str:
    """A title as two copies of it agree on: case, punctuation and spacing aside."""
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())
