"""Import a WARC of N captured pages into a fresh library; print time and peak memory.

    .venv/bin/python tests/benchmarks/warc_import.py --pages 2000 [--keep DIR]

The archive is written with warcio (each page its own article, one image in ten pages,
every fifth page captured twice); the import runs in this process through the real
Library, and the peak RSS is this program's own (`VmHWM` of /proc/self/status: Linux keeps
`ru_maxrss` across exec, so a child of a big process would report its parent's peak),
printed as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from movein_files import PNG, article_html, write_response
from warcio.warcwriter import WARCWriter

WORDS = (
    "harbour",
    "keeper",
    "lamp",
    "storm",
    "orchard",
    "village",
    "valley",
    "frost",
    "hive",
    "cider",
    "bridge",
    "river",
    "mill",
    "council",
    "school",
    "market",
    "winter",
    "summer",
    "ferry",
    "road",
    "station",
    "letter",
    "archive",
    "record",
    "museum",
    "church",
    "field",
    "farm",
    "boat",
    "net",
    "tide",
    "cliff",
    "beacon",
    "signal",
    "weather",
    "season",
    "festival",
    "",
)


def write_big_warc(path: Path, pages: int, seed: int = 16) -> Path:
    """`pages` distinct article pages (about 6 KB each), images and repeat captures."""
    rng = random.Random(seed)
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n in range(pages):
            paragraphs = [
                " ".join(rng.choice(WORDS) for _ in range(40)).capitalize() + f" (page {n})."
                for _ in range(12)
            ]
            url = f"https://archive.example/story/{n}"
            images = [f"/img/{n}.png"] if n % 10 == 0 else []
            html = article_html(
                f"Story number {n} from the coast",
                paragraphs,
                author="A. Writer",
                published="2022-01-01",
                images=images,
            ).encode()
            write_response(writer, url, html, "text/html; charset=utf-8", "2023-01-01T00:00:00Z")
            if images:
                write_response(
                    writer,
                    f"https://archive.example/img/{n}.png",
                    PNG,
                    "image/png",
                    "2023-01-01T00:00:01Z",
                )
            if n % 5 == 0:  # captured again later: the newest wins
                write_response(
                    writer, url, html, "text/html; charset=utf-8", "2024-01-01T00:00:00Z"
                )
    return path


def peak_rss_mb() -> float:
    """The high-water mark of this process's resident memory, in MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = peak_rss_mb()
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--keep", metavar="DIR", help="write the archive and library here")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="gloss-warc-"))
    folder.mkdir(parents=True, exist_ok=True)
    archive = write_big_warc(folder / "big.warc.gz", args.pages)
    from index.library import Library

    before = peak_rss_mb()
    started = time.monotonic()
    with Library.open(folder / "library", create_welcome=False) as library:
        report = library.import_paths([archive])
        readable = time.monotonic() - started
        library.wait_indexed(timeout=1200)
        searchable = time.monotonic() - started
        articles = len(library.list_articles())
    peak = peak_rss_mb()
    print(
        json.dumps(
            {
                "pages": args.pages,
                "archive_mb": round(archive.stat().st_size / 2**20, 1),
                "articles": articles,
                "imported": report.imported,
                "duplicates": report.duplicates,
                "failed": len(report.failed),
                "readable_s": round(readable, 1),
                "searchable_s": round(searchable, 1),
                "peak_rss_mb": round(peak, 1),
                "rss_before_import_mb": round(before, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
