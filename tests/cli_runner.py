"""Run the real command line in a child process, as a user would (shared by the CLI tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def gloss(library, *args, code: int | None = 0) -> subprocess.CompletedProcess:
    """Run `main.py --library LIBRARY ARGS…`; check the exit code (unless None), no traceback."""
    done = subprocess.run(
        [sys.executable, "main.py", "--library", str(library), *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if code is not None:
        assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done
