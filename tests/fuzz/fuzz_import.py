"""atheris target: the importers on arbitrary bytes (see targets.check_import)."""

import importlib
import sys

import atheris

with atheris.instrument_imports():
    from targets import check_import  # puts the project on sys.path

    for name in ("decode", "html", "html_extract", "markdown", "plaintext"):
        importlib.import_module(f"index.importers.{name}")
    importlib.import_module("index.importers.blocks")

if __name__ == "__main__":
    atheris.Setup(sys.argv, check_import)
    atheris.Fuzz()
