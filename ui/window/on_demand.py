"""Parts of the window made on first use, so that their modules load then and not at start.

A dialog the user may never open (backups, annotation import, digests, a passage's
history, the trash, the anchoring report, Why This Matched) costs its import before the
window's first paint when it is made in `MainWindow.__init__`. `OnDemand` makes such a part
the first time the window's attribute is read; `first_use` connects the menu actions that
open it and `first_signal` the other signals it answers, so the first trigger makes the
part and the part's own connections answer every later one.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any


class OnDemand:
    """A window attribute whose part (`module`.`name`(window)) is made when first read."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self.attr = ""

    def __set_name__(self, owner: type, attr: str) -> None:
        self.attr = attr

    def __get__(self, window: Any, owner: type | None = None) -> Any:
        if window is None:
            return self
        part = getattr(importlib.import_module(self.module), self.name)(window)
        window.__dict__[self.attr] = part  # from now on the instance's own attribute answers
        return part


def made(window: Any, attr: str) -> bool:
    """Whether the on-demand part `attr` of `window` exists yet."""
    return attr in window.__dict__


def first_use(window: Any, attr: str, triggers: Iterable[tuple[str, str]]) -> None:
    """Connect each (registry action, method) so that the action's first trigger makes the
    part and calls its method. Once made, the part connected the action itself (a slot
    connected during an emission is not called by it, hence the one call here)."""
    for action, method in triggers:

        def trigger(_checked: bool = False, action: str = action, method: str = method) -> None:
            if made(window, attr):
                return  # the part's own connection answers
            getattr(getattr(window, attr), method)()

        window.registry[action].triggered.connect(trigger)


def first_signal(window: Any, attr: str, signal: Any, method: str) -> None:
    """As `first_use`, for a signal the part connects itself when made: its first emission
    makes the part and calls `method` with the signal's arguments."""

    def emitted(*args: Any) -> None:
        if made(window, attr):
            return  # the part's own connection answers
        getattr(getattr(window, attr), method)(*args)

    signal.connect(emitted)
