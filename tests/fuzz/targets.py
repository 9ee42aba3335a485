"""What the fuzzers check, shared by the atheris targets (make fuzz) and the regular tests
that replay saved crash inputs (tests/test_fuzz_library.py).

Each check takes raw bytes and either returns quietly or raises AssertionError
(or the unexpected exception itself): an importer may accept a file or refuse
it with ImportProblem, never anything else; the query box may answer or say
QueryError, never anything else, and within a time bound.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SUFFIXES = (".txt", ".md", ".html")
QUERY_SECONDS = 5.0
_scratch = Path(tempfile.mkdtemp(prefix="gloss-fuzz-"))


@atexit.register
def _clean_up() -> None:
    if _library is not None:
        _library.close()
    shutil.rmtree(_scratch, ignore_errors=True)


def check_import(data: bytes) -> None:
    """Import `data` as a file; the first byte picks the suffix."""
    from index.importers import ImportProblem, read_article

    suffix = SUFFIXES[data[0] % len(SUFFIXES)] if data else ".txt"
    path = _scratch / f"input{suffix}"
    path.write_bytes(data[1:])
    try:
        article = read_article(path)
    except ImportProblem as problem:
        assert str(problem) and "\n" not in str(problem)
        return
    text = article.reading_text
    assert text == "\n".join(block.text for block in article.blocks)
    assert "\x00" not in text and "\u2029" not in text


_library = None


def library():
    """A small library (the test samples) opened once per process."""
    global _library
    if _library is None:
        sys.path.insert(0, str(ROOT / "tests"))
        from crash_child import write_samples

        from index.library import Library

        _library = Library.open(_scratch / "library", create_welcome=False)
        _library.import_paths(write_samples(_scratch / "articles"))
        _library.wait_indexed()
    return _library


def check_query(data: bytes) -> None:
    """Search for `data` (as UTF-8 with replacements) in the small library."""
    from index.search.engine import QueryError

    query = data.decode("utf-8", "replace")
    started = time.monotonic()
    try:
        result = library().search(query, limit=5)
    except QueryError as error:
        assert str(error)
    else:
        assert result.total >= 0
        if result.total == 0 and query.strip():
            assert result.message is not None or result.hits == []
    took = time.monotonic() - started
    assert took < QUERY_SECONDS, f"{query[:80]!r} took {took:.1f} s"
