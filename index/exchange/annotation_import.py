"""Import an annotations file: read it, place each annotation by evidence, write, report.

Every format goes the same way: Gloss's W3C JSON and CSV, a Hypothesis JSON
export or API answer, a Readwise CSV export (format told from the content, text
in whatever encoding it was saved in). Each annotation is placed by
placement.py's rule, and all new passages are written in one transaction. An
annotation whose id the library already holds (or holds in the trash) is left
alone, so importing the same file twice adds nothing.

The report (`AnnotationImportReport`) is what the command line prints and the
window's import dialog shows: what was placed where and by what evidence, what
was not and why, how many passages are orphaned, and the colour names the file
brings (offered, never applied unless asked: `take_legend=True`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from index.exchange import foreign
from index.exchange.export import read_w3c
from index.exchange.foreign import Foreign
from index.exchange.placement import ArticleMatcher, Candidates, Placement, place
from index.passages import annotations as notes
from index.passages import legend as colour_names
from index.passages.anchoring import Selector
from index.passages.annotations import PALETTE, AnnotationError
from index.store.database import Store, now_iso

OWN_FORMATS = ("w3c", "gloss-csv")  # positions in Gloss's reading text


@dataclass(slots=True)
class PlacedAnnotation:
    """One annotation that became a passage: where, and by what evidence."""

    id: str  # the passage's id in this library
    source_id: str  # the annotation's id (or row) in the file
    article_id: int
    article_title: str
    matched_by: str  # "hash" | "url" | "title" | "quote"
    status: str  # "exact" | "fuzzy" | "orphaned"
    similarity: float
    start: int | None
    end: int | None
    quote: str


@dataclass(slots=True)
class UnplacedAnnotation:
    """One annotation that did not become a passage, and why (one line)."""

    id: str  # its id or row in the file
    quote: str
    reason: str


@dataclass(slots=True)
class AnnotationImportReport:
    """What importing an annotations file did. `summary()` is its one line."""

    format: str
    imported: int = 0
    existing: int = 0
    orphaned: int = 0
    placed: list[PlacedAnnotation] = field(default_factory=list)
    unplaced: list[UnplacedAnnotation] = field(default_factory=list)
    # Colour names the file gives that differ from this library's: {colour: name}.
    legend_offered: dict[str, str] = field(default_factory=dict)
    legend_taken: bool = False
    legend_problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """ "imported 3, already there 1, orphaned 1, not placed 2"."""
        return (
            f"imported {self.imported}, already there {self.existing}, "
            f"orphaned {self.orphaned}, not placed {len(self.unplaced)}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "imported": self.imported,
            "existing": self.existing,
            "orphaned": self.orphaned,
            "placed": [asdict(p) for p in self.placed],
            "unplaced": [asdict(u) for u in self.unplaced],
            "legend_offered": self.legend_offered,
            "legend_taken": self.legend_taken,
            "legend_problems": self.legend_problems,
        }


def read(text: str) -> tuple[str, list[Foreign], dict[str, str]]:
    """(format, annotations, the file's colour legend) of an annotations file's text."""
    fmt = foreign.detect(text)
    if fmt == "w3c":
        items, legend = read_w3c(text)
        return fmt, items, legend
    if fmt == "hypothesis":
        return fmt, foreign.read_hypothesis(text), {}
    if fmt == "readwise":
        return fmt, foreign.read_readwise(text), {}
    items = foreign.read_gloss_csv(text)
    return fmt, items, {i.color: i.color_name for i in items if i.color_name}


def import_annotations(
    store: Store, data: str | bytes, *, candidates: Candidates, take_legend: bool = False
) -> AnnotationImportReport:
    """Add the annotations of a file's content; see the module docstring.

    `candidates(quote, limit)` gives the articles holding every word of a quote (the
    search index's answer; see placement.py).
    """
    text = foreign.decode(data) if isinstance(data, bytes) else data
    fmt, items, legend = read(text)
    report = AnnotationImportReport(fmt)
    matcher = ArticleMatcher(store, candidates)
    known = {
        r[0] for r in store.read("SELECT id FROM annotations UNION SELECT annotation_id FROM trash")
    }
    to_write: list[tuple[Foreign, int, Selector]] = []
    for item in items:
        if item.problem:
            report.unplaced.append(_unplaced(item, item.problem))
            continue
        if item.gloss_id in known:
            report.existing += 1
            continue
        found = matcher.find(item)
        if found.article_id is None:
            report.unplaced.append(_unplaced(item, found.reason))
            continue
        text_now = matcher.text(found.article_id)
        placed = place(text_now, item, own=fmt in OWN_FORMATS)
        selector = placed.selector or _unanchored(item)
        item.orphaned = placed.selector is None
        known.add(item.gloss_id)
        to_write.append((item, found.article_id, selector))
        report.placed.append(_placed(item, found.article_id, matcher, found.matched_by, placed))
        report.orphaned += int(item.orphaned)
    _write(store, fmt, to_write)
    report.imported = len(to_write)
    current = colour_names.legend(store)
    report.legend_offered = {
        color: name
        for color, name in legend.items()
        if color in PALETTE and name and name != current.get(color)
    }
    if take_legend and report.legend_offered:
        _take_legend(store, report)
    return report


def _placed(
    item: Foreign, article_id: int, matcher: ArticleMatcher, how: str, placed: Placement
) -> PlacedAnnotation:
    sel = placed.selector
    return PlacedAnnotation(
        id=item.gloss_id,
        source_id=item.source_id,
        article_id=article_id,
        article_title=matcher.title(article_id),
        matched_by=how,
        status=placed.status,
        similarity=round(placed.similarity, 3),
        start=sel.start if sel else None,
        end=sel.end if sel else None,
        quote=_short(sel.exact if sel else item.quote),
    )


def _unplaced(item: Foreign, reason: str) -> UnplacedAnnotation:
    return UnplacedAnnotation(item.source_id, _short(item.quote), reason)


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:79] + "…"


def _unanchored(item: Foreign) -> Selector:
    """The selector an orphan keeps: its quote and context, at the position it gave."""
    hint = item.start or 0
    return Selector(hint, hint + len(item.quote), item.quote, item.prefix, item.suffix)


def _take_legend(store: Store, report: AnnotationImportReport) -> None:
    """Give the colours the file's names (all cleared first, so names may swap)."""
    for color in report.legend_offered:
        colour_names.set_name(store, color, None)
    for color, name in report.legend_offered.items():
        try:
            colour_names.set_name(store, color, name)
        except AnnotationError as error:
            report.legend_problems.append(f"{color}: {error}")
    report.legend_taken = True


def _write(store: Store, fmt: str, rows: list[tuple[Foreign, int, Selector]]) -> None:
    """Insert the new passages (and any Readwise document tags) in one transaction."""
    if not rows:
        return
    source = {"w3c": "W3C JSON", "gloss-csv": "CSV"}.get(fmt, fmt)
    with store.write() as conn:
        stamp = now_iso()
        for item, article_id, selector in rows:
            tags = notes.usable_tags(item.tags)
            notes.insert_row(
                conn,
                item.gloss_id,
                article_id,
                selector,
                item.color if item.color in PALETTE else "yellow",
                item.note,
                item.orphaned,
                item.created or stamp,
                item.modified or item.created or stamp,
            )
            notes.set_tags(conn, item.gloss_id, list(dict.fromkeys(tags)))
            notes.touch(conn, item.gloss_id, article_id, f"imported from {source}")
            for tag in item.document_tags:
                try:
                    tag_id = notes.tag_id(conn, tag)
                except AnnotationError:
                    continue
                conn.execute(
                    "INSERT OR IGNORE INTO article_tags(article_id, tag_id) VALUES (?, ?)",
                    (article_id, tag_id),
                )
                notes.queue_documents(conn, f"a:{article_id}")
