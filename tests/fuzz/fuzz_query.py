"""atheris target: the search box on arbitrary text (see targets.check_query)."""

import importlib
import sys

import atheris

with atheris.instrument_imports():
    from targets import check_query  # puts the project on sys.path

    for name in ("search.query", "search.engine", "search.snippets"):
        importlib.import_module(f"index.{name}")

if __name__ == "__main__":
    atheris.Setup(sys.argv, check_query)
    atheris.Fuzz()
