"""The None reference guard: after it, thousands of Qt calls cannot free None."""

from __future__ import annotations

import sys

from PySide6.QtGui import QTextBlockFormat

from ui.common.compat import protect_none


def test_many_void_qt_calls_keep_none_alive():
    protect_none()
    probe = QTextBlockFormat()
    for _ in range(20000):  # more than None's references in a fresh interpreter
        probe.setIndent(0)
    assert sys.getrefcount(None) > 1000
