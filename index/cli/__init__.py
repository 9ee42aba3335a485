"""The command line: a second face beside ui/, built only on `index`'s face.

Nothing in the engine imports this package; main.py (and the `gloss` entry
point) call `run_command`.
"""

from index.cli.commands import run_command
from index.cli.parser import COMMANDS

__all__ = ["COMMANDS", "run_command"]
