"""Passages out (Markdown, W3C Web Annotation JSON-LD, CSV), and W3C JSON read back.

The JSON export is an AnnotationCollection with its one page embedded; each
annotation keeps its UUID (`urn:uuid:…`), both selectors, the note as a
`commenting` body and each tag as a `tagging` body, its colour as the target's
`styleClass` (with the colour's name), and its `created` and `modified` times;
the collection carries the library's colour legend (`gloss:legend`).

What the selectors count in: the target's `source` is the article's reading text
as Gloss reads it, named `urn:gloss:article:<content hash>` (the SHA-256 of the
imported file). `TextPositionSelector` offsets are Unicode code points of that
reading text (the blocks' text joined by single newlines), not of the original
file or web page, which the target names as its `scope` (its URL, else its file).
A library holding the same article finds it by that hash, then by its address,
then by its title, and takes the passages back.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from index.exchange.foreign import FORMULA_STARTS, Foreign, own_id
from index.passages import annotations as notes
from index.passages.anchoring import Selector
from index.passages.annotations import PALETTE, Annotation, AnnotationError
from index.passages.legend import legend as legend_names
from index.store.articles import get_article
from index.store.database import Store

W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
ARTICLE_IRI = "urn:gloss:article:"  # + content hash: the reading text positions count in
GLOSS_TERMS = "https://gloss.invalid/ns#"
CONTEXT = [W3C_CONTEXT, {"gloss": GLOSS_TERMS}]
FORMATS = ("markdown", "json", "csv")
# A Markdown export shows the images its passages cover from this folder beside the file.
EXPORT_IMAGES = "images"
_EXPORTED_IMAGE = re.compile(
    r"\]\(" + EXPORT_IMAGES + r"/([0-9a-f]{64}\.(?:png|jpg|gif|webp|bmp))\)"
)
# The colours as CSS, so the styleClass of an exported target means something elsewhere.
CSS_COLORS = {
    "yellow": "background-color: #fbe38e",
    "green": "background-color: #b9e4b0",
    "blue": "background-color: #b5d5f5",
    "pink": "background-color: #f6bfd6",
    "purple": "background-color: #d7c4f0",
    "underline": "text-decoration: underline",
}


def _article_info(store: Store, article_id: int, cache: dict[Any, Any]) -> Any:
    if article_id not in cache:
        cache[article_id] = get_article(store, article_id)
    return cache[article_id]


def _color_name(store: Store, color: str, cache: dict[Any, Any]) -> str:
    """The legend's name for a colour, read once per export (cached under key "legend")."""
    if "legend" not in cache:
        cache["legend"] = legend_names(store)
    return cache["legend"].get(color, color)


def _address(article: Any) -> str:
    """Where the article came from: its URL, else its file as a `file:` URI."""
    if article.url:
        return str(article.url)
    path = Path(article.source_path)
    try:
        if path.is_absolute():
            return path.resolve().as_uri()
    except (OSError, ValueError):
        pass
    return f"urn:sha256:{article.content_hash}"


def to_w3c(store: Store, annotation: Annotation, cache: dict[Any, Any] | None = None) -> dict:
    """One passage as a W3C Web Annotation (with its own @context)."""
    cache = cache if cache is not None else {}
    article = _article_info(store, annotation.article_id, cache)
    bodies: list[dict[str, Any]] = []
    if annotation.note:
        bodies.append(
            {
                "type": "TextualBody",
                "value": annotation.note,
                "format": "text/plain",
                "purpose": "commenting",
            }
        )
    bodies.extend(
        {"type": "TextualBody", "value": t, "purpose": "tagging"} for t in annotation.tags
    )
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"urn:uuid:{annotation.id}",
        "type": "Annotation",
        "motivation": "commenting" if annotation.note else "highlighting",
        "created": annotation.created,
        "modified": annotation.updated,
        "stylesheet": {
            "type": "CssStylesheet",
            "value": f".{annotation.color} {{ {CSS_COLORS[annotation.color]} }}",
        },
        "target": {
            "type": "SpecificResource",
            "source": f"{ARTICLE_IRI}{article.content_hash}",
            "scope": _address(article),
            "styleClass": annotation.color,
            "selector": [
                {"type": "TextPositionSelector", "start": annotation.start, "end": annotation.end},
                {
                    "type": "TextQuoteSelector",
                    "exact": annotation.exact,
                    "prefix": annotation.prefix,
                    "suffix": annotation.suffix,
                },
            ],
            "gloss:contentHash": article.content_hash,
            "gloss:title": article.title,
            "gloss:colorName": _color_name(store, annotation.color, cache),
        },
    }
    if bodies:
        data["body"] = bodies if len(bodies) > 1 else bodies[0]
    if annotation.orphaned:
        data["gloss:orphaned"] = True
    return data


def export(
    store: Store,
    fmt: str,
    *,
    article_id: int | None = None,
    tag: str | None = None,
    ids: Iterable[str] | None = None,
) -> str:
    """Passages (optionally of one article or tag, or only those `ids`) as text in one
    of FORMATS."""
    passages = notes.find(store, article_id=article_id, tag=tag)
    if ids is not None:
        wanted = set(ids)
        passages = [p for p in passages if p.id in wanted]
    if fmt == "json":
        return _json(store, passages)
    if fmt == "csv":
        return _csv(store, passages)
    if fmt == "markdown":
        return _markdown(store, passages)
    raise AnnotationError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")


def _json(store: Store, passages: list[Annotation]) -> str:
    cache: dict[int, Any] = {}
    items = []
    for passage in passages:
        item = to_w3c(store, passage, cache)
        del item["@context"]
        items.append(item)
    collection_id = f"urn:uuid:{uuid.uuid4()}"
    collection = {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": "Passages exported from Gloss",
        "total": len(items),
        "gloss:legend": legend_names(store),
        "first": {
            "id": f"{collection_id}#page-1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }
    return json.dumps(collection, ensure_ascii=False, indent=2) + "\n"


def _csv(store: Store, passages: list[Annotation]) -> str:
    cache: dict[int, Any] = {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "article",
            "author",
            "date",
            "quote",
            "note",
            "tags",
            "color",
            "created",
            "id",
            "orphaned",
            "color_name",
            "modified",
            "source",
            "content_hash",
            "start",
            "end",
            "prefix",
            "suffix",
        ]
    )
    for p in passages:
        article = _article_info(store, p.article_id, cache)
        writer.writerow(
            [
                _cell(article.title),
                _cell(article.author or ""),
                article.date or "",
                _cell(p.exact),
                _cell(p.note),
                _cell("; ".join(p.tags)),
                p.color,
                p.created,
                p.id,
                "yes" if p.orphaned else "",
                _cell(_color_name(store, p.color, cache)),
                p.updated,
                _address(article),
                article.content_hash,
                p.start,
                p.end,
                _cell(p.prefix),
                _cell(p.suffix),
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (an apostrophe first,
    which foreign.uncell takes off again; so is a text that starts with one)."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def _markdown(store: Store, passages: list[Annotation]) -> str:
    cache: dict[int, Any] = {}
    lines: list[str] = []
    current: int | None = None
    for p in passages:
        if p.article_id != current:
            current = p.article_id
            article = _article_info(store, p.article_id, cache)
            if lines:
                lines.append("")
            lines.append(f"## {_md_inline(article.title)}")
            meta = [x for x in (article.author, article.date, article.url) if x]
            if meta:
                lines.append("")
                lines.append(_md_inline(" · ".join(meta)))
        lines.append("")
        pictures = {} if p.orphaned else _pictures(article, p.start, p.end)
        for at, line in _lines(p.exact):
            if at in pictures:  # a figure's object character: its image, kept beside the file
                alt, name = pictures[at]
                lines.append(f"> ![{_md_inline(alt)}]({EXPORT_IMAGES}/{name})")
            else:
                lines.append(f"> {_md_inline(line)}")
        if p.note:
            lines.append("")
            lines.extend(_md_inline(line) for line in p.note.split("\n"))
        name = _md_inline(_color_name(store, p.color, cache))
        extras = [f"*{name}* ({p.color})" if name != p.color else f"({p.color})"]
        extras += [f"#{_md_inline(t.replace(' ', '-'))}" for t in p.tags]
        if p.orphaned:
            extras.append("(orphaned: its words are no longer in the article)")
        if extras:
            lines.append("")
            lines.append(" ".join(extras))
    header = ["# Passages from Gloss", ""] if passages else ["# Passages from Gloss", "", "(none)"]
    return "\n".join(header + lines) + "\n"


def _lines(text: str) -> list[tuple[int, str]]:
    """Each line of `text` with the code point offset where it starts."""
    out, at = [], 0
    for line in text.split("\n"):
        out.append((at, line))
        at += len(line) + 1
    return out


def _pictures(article: Any, start: int, end: int) -> dict[int, tuple[str, str]]:
    """The stored images a passage covers: offset in its quote -> (alt text, image name)."""
    found: dict[int, tuple[str, str]] = {}
    offset = 0
    for block in getattr(article, "blocks", ()):
        if block.kind == "figure" and block.image and start <= offset < end:
            found[offset - start] = (block.alt, block.image)
        offset += len(block.text) + 1
    return found


def images_in_markdown(text: str) -> list[str]:
    """The library images a Markdown export names (`![…](images/<sha256>.<ext>)`), in order."""
    return list(dict.fromkeys(_EXPORTED_IMAGE.findall(text)))


def _md_inline(text: str) -> str:
    """Escape what a Markdown reader would take as markup (or as raw HTML)."""
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


# --- import ----------------------------------------------------------------------


def _items(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [d for d in data if isinstance(d, dict)]
    if not isinstance(data, dict):
        raise AnnotationError("the file holds no Web Annotations")
    kind = data.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "AnnotationCollection" in kinds:
        first = data.get("first")
        return _items(first) if isinstance(first, dict) else []
    if "AnnotationPage" in kinds:
        return _items(data.get("items", []))
    return [data]


def read_w3c(text: str) -> tuple[list[Foreign], dict[str, str]]:
    """The annotations of a W3C JSON file (ours, or any Web Annotation with a text
    quote), and the colour legend it carries: {colour: name}."""
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as error:
        raise AnnotationError(f"not JSON: {error.msg} at line {error.lineno}") from None
    legend: dict[str, str] = {}
    if isinstance(data, dict) and isinstance(data.get("gloss:legend"), dict):
        legend = {str(k): str(v) for k, v in data["gloss:legend"].items() if isinstance(v, str)}
    out = []
    for n, item in enumerate(_items(data), start=1):
        raw_id = str(item.get("id", "") or f"item {n}")
        found = Foreign(source_id=raw_id, gloss_id=own_id(raw_id, f"w3c:item {n}"), quote="")
        parsed = parse_item(item)
        if parsed is None:
            found.problem = "no text quote in its target"
            out.append(found)
            continue
        sel, target = parsed["selector"], parsed["target"]
        found.quote, found.prefix, found.suffix = sel.exact, sel.prefix, sel.suffix
        found.start, found.end = sel.start, sel.end
        found.uri = str(target.get("source", ""))
        scope = target.get("scope", "")
        found.scope = scope if isinstance(scope, str) else str(scope.get("id", ""))
        found.content_hash = str(target.get("gloss:contentHash", ""))
        found.title = str(target.get("gloss:title", ""))
        found.note, found.tags, found.color = parsed["note"], parsed["tags"], parsed["color"]
        found.created, found.modified = parsed["created"], parsed["modified"]
        found.orphaned = bool(item.get("gloss:orphaned", False))
        name = target.get("gloss:colorName")
        if isinstance(name, str) and name:
            found.color_name = name
            legend.setdefault(found.color, name)
        out.append(found)
    return out, legend


def passage_from(
    parsed: dict, passage_id: str, article_id: int, sel, *, orphaned: bool, updated: str = ""
) -> Annotation:
    """An Annotation from a parsed W3C item (see parse_item) placed at selector `sel`."""
    return Annotation(
        id=passage_id,
        article_id=article_id,
        start=sel.start,
        end=sel.end,
        exact=sel.exact,
        prefix=sel.prefix,
        suffix=sel.suffix,
        color=parsed["color"],
        note=parsed["note"],
        tags=parsed["tags"],
        orphaned=orphaned,
        created=parsed["created"],
        updated=updated,
    )


def parse_item(item: dict[str, Any]) -> dict[str, Any] | None:
    target = item.get("target")
    target = target[0] if isinstance(target, list) and target else target
    if not isinstance(target, dict):
        return None
    selectors = target.get("selector", [])
    selectors = selectors if isinstance(selectors, list) else [selectors]
    quote = next(
        (s for s in selectors if isinstance(s, dict) and s.get("type") == "TextQuoteSelector"), None
    )
    if not quote or not quote.get("exact"):
        return None
    position = next(
        (s for s in selectors if isinstance(s, dict) and s.get("type") == "TextPositionSelector"),
        {},
    )
    start = int(position.get("start", 0) or 0)
    exact = str(quote["exact"])
    selector = Selector(
        start,
        int(position.get("end", start + len(exact)) or start + len(exact)),
        exact,
        str(quote.get("prefix", "")),
        str(quote.get("suffix", "")),
    )
    bodies = item.get("body", [])
    bodies = bodies if isinstance(bodies, list) else [bodies]
    note_parts, tags = [], []
    for body in bodies:
        if not isinstance(body, dict) or not isinstance(body.get("value"), str):
            continue
        if body.get("purpose") == "tagging":
            tags.append(body["value"])
        else:
            note_parts.append(body["value"])
    if isinstance(item.get("bodyValue"), str):
        note_parts.append(item["bodyValue"])
    color = str(target.get("styleClass", "yellow")).lower()
    return {
        "target": target,
        "selector": selector,
        "note": "\n\n".join(note_parts),
        "tags": tags,
        "color": color if color in PALETTE else "yellow",
        "created": str(item.get("created", "")),
        "modified": str(item.get("modified", "")),
    }


class ArticleFinder:
    """Finds the article an imported annotation belongs to: hash, then address, then title."""

    def __init__(self, store: Store) -> None:
        self.by_hash: dict[str, int] = {}
        self.by_source: dict[str, int] = {}
        self.by_title: dict[str, int] = {}
        for row in store.read(
            "SELECT id, content_hash, source_path, url, title FROM articles ORDER BY id"
        ):
            self.by_hash.setdefault(row["content_hash"], row["id"])
            if row["url"]:
                self.by_source.setdefault(row["url"], row["id"])
            try:
                uri = Path(row["source_path"]).resolve().as_uri()
                self.by_source.setdefault(uri, row["id"])
            except ValueError:
                pass
            self.by_title.setdefault(row["title"].casefold(), row["id"])

    def find(self, target: dict[str, Any]) -> int | None:
        source = str(target.get("source", ""))
        found = self.by_hash.get(str(target.get("gloss:contentHash", "")))
        if found is None and source.startswith(ARTICLE_IRI):
            found = self.by_hash.get(source.removeprefix(ARTICLE_IRI))
        if found is None:
            found = self.by_source.get(source) or self.by_source.get(str(target.get("scope", "")))
        if found is None and target.get("gloss:title"):
            found = self.by_title.get(str(target["gloss:title"]).casefold())
        return found
