"""Passage digests: every passage that matches a query, gathered into one document.

A digest is what a reader writes up from: all the passages on one subject
(`tag:police date:2023`, `color:evidence juliaca`) across the archive, not
only the first page of search results, grouped by article in date order or
by tag. A passage belongs to it when the passage itself matches: its quote,
note, tags and colour, and its article's title, author and date through
`title:`, `author:` and `date:`. An empty query gathers every passage.

Each entry links back to its place as `gloss://article/ID#START-END`
(code points of the reading text). A digest renders as JSON, Markdown or a
self-contained HTML page (every text escaped, no remote resource, and a
Content-Security-Policy that forbids loading any).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from index.passages import annotations as notes
from index.passages.annotations import AnnotationError
from index.passages.legend import legend as legend_names
from index.passages.legend import name_of
from index.store.database import Store

if TYPE_CHECKING:
    from index.search.engine import SearchResult

# Every match of a query, oldest first: the Library's search, for the whole index.
SearchAll = Callable[[str], "SearchResult"]

GROUPINGS = ("article", "tag")
FORMATS = ("markdown", "html", "json")
UNTAGGED = "(untagged)"
ALL = 1_000_000_000  # "every group": the search layer slices by this


@dataclass(slots=True)
class DigestEntry:
    """One passage in a digest, with enough of its article to stand alone."""

    annotation_id: str
    article_id: int
    article_title: str
    article_date: str | None
    start: int
    end: int
    quote: str
    note: str
    tags: list[str]
    color: str
    color_name: str
    orphaned: bool

    @property
    def link(self) -> str:
        """Where the passage is: the window opens the article and selects [start, end)."""
        return f"gloss://article/{self.article_id}#{self.start}-{self.end}"

    def to_json(self) -> dict[str, Any]:
        return {
            "annotation_id": self.annotation_id,
            "article_id": self.article_id,
            "article_title": self.article_title,
            "article_date": self.article_date,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "note": self.note,
            "tags": list(self.tags),
            "color": self.color,
            "color_name": self.color_name,
            "orphaned": self.orphaned,
            "link": self.link,
        }


@dataclass(slots=True)
class DigestGroup:
    """A heading and its passages: one article (with its metadata) or one tag."""

    key: str
    title: str
    article_id: int | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None
    entries: list[DigestEntry] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "article_id": self.article_id,
            "author": self.author,
            "date": self.date,
            "url": self.url,
            "entries": [e.to_json() for e in self.entries],
        }


@dataclass(slots=True)
class Digest:
    """Every passage matching `query`, in `groups`; `total` counts distinct passages."""

    query: str
    group_by: str
    total: int
    articles: int
    groups: list[DigestGroup]
    legend: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "group_by": self.group_by,
            "total": self.total,
            "articles": self.articles,
            "legend": dict(self.legend),
            "groups": [g.to_json() for g in self.groups],
        }

    def render(self, fmt: str) -> str:
        """The digest as text in one of FORMATS."""
        if fmt == "markdown":
            return to_markdown(self)
        if fmt == "html":
            return to_html(self)
        if fmt == "json":
            import json

            return json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n"
        raise AnnotationError(f"unknown digest format {fmt!r}: use one of {', '.join(FORMATS)}")


LINK = re.compile(r"gloss://article/(\d+)#(\d+)-(\d+)")


def parse_link(link: str) -> tuple[int, int, int] | None:
    """(article id, start, end) of a `gloss://article/ID#START-END` link, None if not one."""
    m = LINK.fullmatch(link.strip())
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


# --- gathering ---------------------------------------------------------------------


def build(store: Store, query: str, *, search: SearchAll, group_by: str = "article") -> Digest:
    """Search for `query` and gather every matching passage (see the module docstring).

    `search(query)` answers with every match, oldest first (the Library's own
    search, with what it leaves out). The caller makes sure the index is up to
    date (Library.digest drains it). Raises QueryError for a query that cannot run.
    """
    if group_by not in GROUPINGS:
        raise AnnotationError(f"group by {' or '.join(GROUPINGS)}, not {group_by!r}")
    legend = legend_names(store)
    if query.strip():
        ids = matching_ids(search, query)
        passages = [p for aid in sorted(ids) for p in notes.find(store, article_id=aid)]
        passages = [p for p in passages if p.id in ids[p.article_id]]
    else:
        passages = notes.find(store)
    meta = _articles(store, {p.article_id for p in passages})
    entries = [
        DigestEntry(
            annotation_id=p.id,
            article_id=p.article_id,
            article_title=meta[p.article_id]["title"],
            article_date=meta[p.article_id]["date"],
            start=p.start,
            end=p.end,
            quote=p.exact,
            note=p.note,
            tags=list(p.tags),
            color=p.color,
            color_name=name_of(legend, p.color),
            orphaned=p.orphaned,
        )
        for p in passages
    ]
    entries.sort(key=lambda e: (_date_key(meta[e.article_id]), e.article_id, e.start, e.end))
    groups = _by_article(entries, meta) if group_by == "article" else _by_tag(entries)
    return Digest(query, group_by, len(entries), len(meta), groups, legend)


def matching_ids(search: SearchAll, query: str) -> dict[int, set[str]]:
    """{article id: ids of its passages that match `query`}, over the whole index."""
    result = search(query)
    out: dict[int, set[str]] = {}
    for hit in result.hits:
        if hit.annotations:
            out[hit.article_id] = {a.annotation_id for a in hit.annotations}
    return out


def _articles(store: Store, ids: set[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    ordered = sorted(ids)
    for at in range(0, len(ordered), 500):
        chunk = ordered[at : at + 500]
        marks = ",".join("?" * len(chunk))
        for row in store.read(
            f"SELECT id, title, author, date, url FROM articles WHERE id IN ({marks})", tuple(chunk)
        ):
            out[row["id"]] = dict(row)
    return out


def _date_key(article: dict[str, Any]) -> tuple[int, str, str]:
    """Dated articles first, oldest first; undated ones after, by title."""
    date = article.get("date")
    return (0, date, "") if date else (1, "", (article.get("title") or "").casefold())


def _by_article(entries: list[DigestEntry], meta: dict[int, dict[str, Any]]) -> list[DigestGroup]:
    groups: dict[int, DigestGroup] = {}
    for entry in entries:
        group = groups.get(entry.article_id)
        if group is None:
            info = meta[entry.article_id]
            group = DigestGroup(
                key=str(entry.article_id),
                title=info["title"],
                article_id=entry.article_id,
                author=info["author"],
                date=info["date"],
                url=info["url"],
            )
            groups[entry.article_id] = group
        group.entries.append(entry)
    return list(groups.values())


def _by_tag(entries: list[DigestEntry]) -> list[DigestGroup]:
    """One group per tag (a passage with two tags is in both), untagged ones last."""
    groups: dict[str, DigestGroup] = {}
    untagged = DigestGroup(key="", title=UNTAGGED)
    for entry in entries:
        if not entry.tags:
            untagged.entries.append(entry)
        for tag in entry.tags:
            key = tag.casefold()
            groups.setdefault(key, DigestGroup(key=key, title=tag)).entries.append(entry)
    ordered = [groups[k] for k in sorted(groups)]
    return [*ordered, untagged] if untagged.entries else ordered


# --- rendering ----------------------------------------------------------------------


def _summary(digest: Digest) -> str:
    passages = "passage" if digest.total == 1 else "passages"
    articles = "article" if digest.articles == 1 else "articles"
    return (
        f"{digest.total} {passages} from {digest.articles} {articles}, grouped by {digest.group_by}"
    )


def _md(text: str) -> str:
    """Escape what a Markdown reader would take as markup (or raw HTML)."""
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def to_markdown(digest: Digest) -> str:
    """The digest as Markdown: a heading per group, each passage quoted with its note."""
    title = f"Digest: {_md(digest.query)}" if digest.query.strip() else "Digest: every passage"
    lines = [f"# {title}", "", _summary(digest)]
    for group in digest.groups:
        lines += ["", f"## {_md(group.title)}"]
        meta = [x for x in (group.author, group.date, group.url) if x]
        if meta:
            lines += ["", _md(" · ".join(meta))]
        for entry in group.entries:
            lines.append("")
            lines += [f"> {_md(line)}" for line in entry.quote.split("\n")]
            if entry.note:
                lines.append("")
                lines += [_md(line) for line in entry.note.split("\n")]
            extras = [f"*{_md(entry.color_name)}* ({entry.color})"]
            extras += [f"#{_md(t.replace(' ', '-'))}" for t in entry.tags]
            if digest.group_by == "tag":
                extras.append(f"from “{_md(entry.article_title)}”")
            if entry.orphaned:
                extras.append("(orphaned: its words are no longer in the article)")
            extras.append(f"[open in Gloss](<{entry.link}>)")
            lines += ["", " · ".join(extras)]
    if not digest.groups:
        lines += ["", "(no passage matches)"]
    return "\n".join(lines) + "\n"


_CSS = """
body { font: 16px/1.5 Georgia, serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
       color: #222; background: #fff; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; }
.meta, .summary, .extras { color: #666; font: 0.85em/1.4 sans-serif; }
blockquote { margin: 1em 0 0.3em; padding: 0.2em 0.8em; border-left: 4px solid #ccc;
             white-space: pre-wrap; }
.note { margin: 0.3em 0 0.3em 1.2em; white-space: pre-wrap; }
.yellow { background: #fbe38e; } .green { background: #b9e4b0; } .blue { background: #b5d5f5; }
.pink { background: #f6bfd6; } .purple { background: #d7c4f0; }
.underline { text-decoration: underline; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border: 1px solid #999;
          vertical-align: middle; margin-right: 0.3em; }
.orphaned { color: #a33; }
"""


def to_html(digest: Digest) -> str:
    """The digest as one self-contained HTML page: inline style, no script, nothing remote."""
    esc = html.escape
    title = f"Digest: {digest.query}" if digest.query.strip() else "Digest: every passage"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy"'
        " content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{esc(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="summary">{esc(_summary(digest))}</p>',
    ]
    for group in digest.groups:
        out.append("<section>")
        out.append(f"<h2>{esc(group.title)}</h2>")
        meta = [x for x in (group.author, group.date, group.url) if x]
        if meta:
            out.append(f'<p class="meta">{esc(" · ".join(meta))}</p>')
        for entry in group.entries:
            css = entry.color if entry.color in digest.legend else ""
            out.append(f'<blockquote class="{esc(css)}">{esc(entry.quote)}</blockquote>')
            if entry.note:
                out.append(f'<p class="note">{esc(entry.note)}</p>')
            extras = [
                f'<span class="swatch {esc(css)}"></span>{esc(entry.color_name)}',
                *(esc("#" + t) for t in entry.tags),
            ]
            if digest.group_by == "tag":
                extras.append(f"from “{esc(entry.article_title)}”")
            if entry.orphaned:
                extras.append('<span class="orphaned">orphaned</span>')
            extras.append(f'<a href="{esc(entry.link)}">open in Gloss</a>')
            out.append(f'<p class="extras">{" · ".join(extras)}</p>')
        out.append("</section>")
    if not digest.groups:
        out.append("<p>(no passage matches)</p>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
