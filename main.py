"""Gloss: `python main.py` opens the window; `python main.py COMMAND` runs the command line.

Arguments are parsed before anything from Qt is imported, so every command
works on a machine without a display (a test proves the command line never
imports PySide6).
"""

from __future__ import annotations

import argparse
import sys

from index import set_program_label
from index.cli import COMMANDS, run_command


def window_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gloss",
        description="Gloss, an offline reader for your archive of articles. With no command, "
        "opens the window.",
        epilog="commands (python main.py COMMAND --help for each): " + ", ".join(COMMANDS),
    )
    parser.add_argument("--library", metavar="DIR", help="library folder (or GLOSS_LIBRARY)")
    parser.add_argument("--screenshot", metavar="FILE.png", help="render the window to a PNG")
    parser.add_argument("--open", type=int, metavar="ID", help="article to open")
    parser.add_argument("--search", metavar="QUERY", help="search to run")
    parser.add_argument("--theme", choices=("light", "sepia", "dark"), help="reader theme")
    return parser


_VALUE_OPTIONS = {"--library", "--screenshot", "--open", "--search", "--theme"}


def _first_positional(argv: list[str]) -> str | None:
    """The command word, skipping the window options and their values."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    first = _first_positional(argv)
    if first in COMMANDS:
        set_program_label(f"gloss {first}")
        return run_command(argv)
    args = window_parser().parse_args(argv)
    if first is not None:
        print(f"gloss: unknown command {first!r} (see --help)", file=sys.stderr)
        return 2
    set_program_label("the Gloss window")
    from ui.window import app  # Qt is imported only on the window path

    if args.screenshot:
        return app.screenshot(args.screenshot, args.library, args.open, args.search, args.theme)
    return app.run_window(args.library, args)


def main_entry() -> None:
    """The `gloss` command that `pip install .` / `pipx install .` makes."""
    sys.exit(main())


if __name__ == "__main__":
    main_entry()
