"""`make fuzz`: run each atheris target for a while; crash inputs land in tests/fuzz/crashes/.

Usage: python tests/fuzz/run.py [SECONDS]. A saved crash input becomes a
regular test at once: tests/test_fuzz_library.py replays every file there.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = {"import": "fuzz_import.py", "query": "fuzz_query.py"}


def main(seconds: int) -> int:
    crashes = HERE / "crashes"
    crashes.mkdir(exist_ok=True)
    failed = 0
    for name, script in TARGETS.items():
        corpus = Path(tempfile.gettempdir()) / "gloss-fuzz-corpus" / name  # kept between runs
        corpus.mkdir(parents=True, exist_ok=True)
        print(f"fuzzing {name} for {seconds} s", flush=True)
        done = subprocess.run(
            [
                sys.executable,
                str(HERE / script),
                f"-max_total_time={seconds}",
                f"-artifact_prefix={crashes}/{name}-",
                "-rss_limit_mb=4096",
                str(corpus),
            ],
            cwd=HERE,
        )
        failed += done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 60))
