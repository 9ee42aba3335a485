"""A guard against a reference-counting bug of PySide6 6.12.0 on Python 3.11.

In that combination every Qt method that returns nothing (setText, insertText,
setBottomMargin …) drops one reference to Python's `None` when called from
Python. None starts with a few thousand references, so a few thousand such
calls (one long article, or an hour of use) end in "Fatal Python error:
none_dealloc". PySide6 6.11.3 does not have the bug, and from Python 3.12 on
None is immortal, so there the guard does nothing.

`protect_none()` checks whether the bug is present and, only then, adds a
reserve of 2**40 references to None (the same thing Python 3.12 does for its
singletons), so it can never be freed. The proper fix is a PySide6 release
without the bug; this keeps the window alive meanwhile.
"""

from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 40


def none_refcount_leaks() -> bool:
    """True when calling a Qt method that returns nothing loses a reference to None."""
    if sys.version_info >= (3, 12):  # None is immortal there
        return False
    from PySide6.QtGui import QTextBlockFormat

    probe = QTextBlockFormat()
    before = sys.getrefcount(None)
    for _ in range(16):
        probe.setIndent(0)
    return sys.getrefcount(None) < before


def protect_none() -> bool:
    """Give None a reserve of references when the bug is present; True if it was."""
    if not none_refcount_leaks():
        return False
    before = sys.getrefcount(None)
    refcount = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt: the object's first field
    refcount.value += RESERVE
    if sys.getrefcount(None) - before != RESERVE:  # not where a release build keeps it
        refcount.value -= RESERVE
        return False
    return True
