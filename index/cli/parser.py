"""The command line's words: every command, its arguments and its help (argparse).

Errors in the words go through the conventions of index/cli/output.py (one line
on stderr, `{"error": …}` with `--json`, exit 2). The commands themselves are in
index/cli/commands.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NoReturn

import index.cli.movein as movein
from index.cli.output import UsageError

COMMANDS = (
    "import",
    "list",
    "show",
    "search",
    "reindex",
    "check",
    "annotate",
    "annotations",
    "unannotate",
    "tag",
    "export",
    "import-annotations",
    "legend",
    "history",
    "trash",
    "restore",
    "anchoring",
    "accept-fuzzy",
    "reattach",
    "digest",
    "explain",
    "backup",
    "watch",
    "links",
)


class _Parser(argparse.ArgumentParser):
    """argparse, whose errors go through our conventions (one line, `--json` too)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    # SUPPRESS: given before or after the command word, neither default overwrites the other.
    common.add_argument(
        "--library", metavar="DIR", default=argparse.SUPPRESS, help="library folder"
    )
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    parser = _Parser(prog="gloss", parents=[common])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, parents=[common], description=help_text)

    p = add(
        "import",
        "import files and folders: Markdown, text, HTML, MHTML, web archives (WARC, WACZ), "
        "read-later exports (wallabag, Omnivore, Pocket, Instapaper)",
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--keep-near-duplicates",
        action="store_true",
        help="import a file even when an article of the same title has almost its text",
    )
    add("list", "list the articles")
    p = add("show", "print an article's reading text")
    p.add_argument("id", type=int)
    p = add("search", "search articles and passages")
    p.add_argument("query", nargs="?", default=None)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--sort", choices=("relevance", "newest", "oldest"), default="relevance")
    p.add_argument("--batch", metavar="FILE", help="one query a line; one result a line")
    add("reindex", "rebuild the search index from the database")
    add("check", "check the database and that the index matches it")
    p = add("annotate", "highlight the N-th occurrence of a quote in an article")
    p.add_argument("article_id", type=int)
    p.add_argument("--quote", required=True)
    p.add_argument("--occurrence", type=int, default=1)
    p.add_argument("--color", default="yellow")
    p.add_argument("--note", default="")
    p.add_argument("--tag", action="append", default=[], dest="tags")
    p = add("annotations", "list passages")
    p.add_argument("--article", type=int)
    p.add_argument("--tag")
    p = add("unannotate", "delete a passage")
    p.add_argument("id")
    p = add("tag", "rename, merge or delete tags")
    p.add_argument("action", choices=("rename", "merge", "delete"))
    p.add_argument("names", nargs="+", metavar="NAME")
    p = add("export", "export passages as Markdown, W3C JSON or CSV")
    p.add_argument(
        "--format",
        choices=("markdown", "json", "csv"),
        default=None,
        help="markdown (the default), json (W3C; the default with --json) or csv",
    )
    p.add_argument("--article", type=int)
    p.add_argument("--tag")
    p.add_argument("--out", metavar="FILE")
    p = add(
        "import-annotations",
        "read passages from Gloss's W3C JSON or CSV, a Hypothesis JSON export or a Readwise "
        "CSV export",
    )
    p.add_argument("file")
    p.add_argument(
        "--legend", action="store_true", help="also take the colour names the file gives"
    )
    _add_issue7_commands(add)
    p = add("backup", "make a verified backup of the library now (`backup --list` lists them)")
    p.add_argument("--list", action="store_true", help="list the backups, newest first")
    movein.add_commands(add)
    return parser


def _add_issue7_commands(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Colour legend, history and trash, anchoring reports, digests, explanations."""
    p = add("legend", "list the colour names; `legend set COLOR NAME` renames, `reset` restores")
    p.add_argument("action", nargs="?", choices=("list", "set", "reset"), default="list")
    p.add_argument("color", nargs="?")
    p.add_argument("name", nargs="*")
    p = add("history", "every version of a passage")
    p.add_argument("id")
    p = add("trash", "list deleted passages; `trash empty` forgets them for good")
    p.add_argument("action", nargs="?", choices=("list", "empty"), default="list")
    p = add(
        "restore",
        "bring a passage back from the trash (ID; one of its versions: --version), "
        "the whole library from a backup FILE, or every passage from the annotations "
        "folder (--from-annotations)",
    )
    p.add_argument("target", nargs="?", metavar="ID|FILE")
    p.add_argument("--version", type=int, metavar="SEQ", help="a version number from `history`")
    p.add_argument(
        "--from-annotations",
        nargs="?",
        const="",
        default=None,
        metavar="DIR",
        help="rebuild passages from the JSON mirror (the library's annotations/, or DIR)",
    )
    p = add("anchoring", "what re-imports did to an article's passages (newest report first)")
    p.add_argument("article_id", type=int)
    p.add_argument("--all", action="store_true", help="every report, not only the newest")
    p = add("accept-fuzzy", "confirm where a fuzzy re-anchoring put a passage")
    p.add_argument("id")
    p = add("reattach", "attach a passage (an orphan) to other words of its article")
    p.add_argument("id")
    p.add_argument("--quote", help="the words to attach it to")
    p.add_argument("--occurrence", type=int, default=1)
    p.add_argument("--start", type=int)
    p.add_argument("--end", type=int)
    p = add("digest", "every passage matching a query, grouped by article or tag")
    p.add_argument("query", nargs="?", default="")
    p.add_argument("--group-by", choices=("article", "tag"), default="article")
    p.add_argument("--format", choices=("markdown", "html", "json"), default="markdown")
    p.add_argument("--out", metavar="FILE")
    p = add("explain", "why an article matched a query: fields and expanded terms")
    p.add_argument("query")
    p.add_argument("article_id", type=int)
