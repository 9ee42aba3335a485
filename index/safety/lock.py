"""One library, one writer: an operating-system lock on a file in the library folder.

A process that opens a library for writing holds an exclusive lock on
`<library>/gloss.lock` (through `filelock`: `flock` on POSIX, `msvcrt.locking`
on Windows) and writes who it is (pid, host, program, since when) into
`gloss.lock.json` beside it: a locked file cannot be read on every system, and
the lock file is truncated by whoever tries it. A second process that wants to
write waits for the lock up to a timeout; then it either opens the library
read-only (the window) or stops with a message naming the holder (the command
line). The system drops the lock when its holder dies, so a killed process
never leaves a stale lock: the holder file is only ever read to name a holder
that is still alive.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_NAME = "gloss.lock"
HOLDER_NAME = "gloss.lock.json"
POLL_SECONDS = 0.05

_program_label: str | None = None


def set_program_label(label: str) -> None:
    """Name this process in the holder file ("gloss import", "the Gloss window").

    The entry point calls it; the engine never asks the command line who it is.
    """
    global _program_label
    _program_label = label


class WriterLock:
    """The exclusive right to write to one library folder, held until `release()`."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_NAME
        self.holder_path = Path(folder) / HOLDER_NAME
        # Not thread-local: the library may be closed on another thread than it was opened.
        self._lock = FileLock(self.path, thread_local=False, is_singleton=False)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self, timeout: float = 0.0) -> bool:
        """Take the lock, waiting up to `timeout` seconds; True when this process holds it.

        Raises OSError when the lock file cannot be created (a read-only folder).
        """
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire(timeout=max(0.0, timeout), poll_interval=POLL_SECONDS)
        except Timeout:
            return False
        with contextlib.suppress(OSError):  # naming ourselves is a courtesy, not a need
            self.holder_path.write_text(json.dumps(_whoami()) + "\n", encoding="utf-8")
        return True

    def release(self) -> None:
        """Give the lock up (also done by the system when the process ends)."""
        if not self._lock.is_locked:
            return
        with contextlib.suppress(OSError):
            self.holder_path.write_text("", encoding="utf-8")
        self._lock.release(force=True)

    def holder(self) -> dict | None:
        """Who holds the lock, as it wrote itself down; None when unknown or not held."""
        try:
            text = self.holder_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        try:
            data = json.loads(text) if text.strip() else None
        except json.JSONDecodeError:
            return None
        return data if isinstance(data, dict) else None

    def busy_message(self) -> str:
        """One line naming the process that writes to the library now."""
        who = self.holder()
        if not who:
            return "the library is open for writing in another Gloss"
        since = who.get("since", "")
        with contextlib.suppress(ValueError, TypeError):
            since = datetime.fromisoformat(since).strftime("%H:%M on %Y-%m-%d")
        where = "" if who.get("host") == socket.gethostname() else f" on {who.get('host')}"
        program = who.get("program") or "Gloss"
        return (
            f"the library is open for writing in another Gloss ({program}, "
            f"process {who.get('pid')}{where}, since {since})"
        )


def _whoami() -> dict:
    program = _program_label
    if program is None:
        program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "program": program,
        "since": datetime.now().astimezone().replace(microsecond=0).isoformat(),
    }
