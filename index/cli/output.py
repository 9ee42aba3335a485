"""What every command prints, and how it ends: the command line's conventions in one place.

- 0: the command did what was asked (also when its reader closed the pipe early);
- 1: something was refused, or only part was done (a file not imported, a passage
  not placed, a query that cannot run);
- 2: a usage error, or a thing that does not exist (an article, a passage, a tag,
  a library).

Errors are one line on stderr, `gloss: …`; with `--json` the same message is also
printed on stdout as `{"error": "…"}`, so a script reading stdout sees it too.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

OK, PARTIAL, USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments, or a thing that does not exist: exit 2."""


class Refused(Exception):
    """The command could not do (all of) what was asked: exit 1, with this one line."""


def fail(message: str, *, as_json: bool = False) -> None:
    """One line on stderr; with `--json` also `{"error": message}` on stdout."""
    print(f"gloss: {message}", file=sys.stderr)
    if as_json:
        print_json({"error": message})


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=None))


def quiet_pipe() -> int:
    """After stdout's reader went away (`gloss list | head -1`): end quietly, exit 0.

    Python would otherwise report a second BrokenPipeError when it flushes stdout
    at exit; pointing stdout at /dev/null leaves it nothing to flush.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a real file (a test's capture): nothing to do
        pass
    return OK


def progress_bar(label: str) -> Callable[[int, int, str], None] | None:
    """A one-line progress bar on stderr when it is a terminal, else nothing."""
    if not sys.stderr.isatty():
        return None
    last = [0.0]

    def show(done: int, total: int, _current: str) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < 0.1:
            return
        last[0] = now
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total else ""
        print(f"\r{label} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def plural(count: int, word: str, many: str | None = None) -> str:
    """ "1 passage", "2 passages"."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
