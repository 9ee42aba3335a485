"""One library, one writer: an advisory lock file in the library folder.

A process that opens a library for writing holds an exclusive `flock` on
`<library>/gloss.lock` and writes into it who it is (pid, host, program,
since when). A second process that wants to write waits for the lock up to
a timeout; then it either opens the library read-only (the window) or stops
with a message naming the holder (the command line). The kernel drops a
`flock` when its holder dies, so a killed process never leaves a stale lock:
the file's text is only ever read to name a holder that is still alive.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from datetime import datetime
from pathlib import Path

LOCK_NAME = "gloss.lock"
POLL_SECONDS = 0.05


class WriterLock:
    """The exclusive right to write to one library folder, held until `release()`."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, timeout: float = 0.0) -> bool:
        """Take the lock, waiting up to `timeout` seconds; True when this process holds it.

        Raises OSError when the lock file cannot be created (a read-only folder).
        """
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(POLL_SECONDS)
        self._fd = fd
        with contextlib.suppress(OSError):  # naming ourselves is a courtesy, not a need
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(_whoami()).encode("utf-8") + b"\n", 0)
        return True

    def release(self) -> None:
        """Give the lock up (also done by the kernel when the process ends)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor drops the flock

    def holder(self) -> dict | None:
        """Who holds the lock, as it wrote itself down; None when unknown or not held."""
        try:
            text = self.path.read_text(encoding="utf-8")
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
    script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
    if script == "main.py":
        from index.cli.commands import COMMANDS

        command = next((a for a in sys.argv[1:] if a in COMMANDS), None)
        program = f"gloss {command}" if command else "the Gloss window"
    else:
        program = script
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "program": program,
        "since": datetime.now().astimezone().replace(microsecond=0).isoformat(),
    }
