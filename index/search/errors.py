"""The search index's errors: what the Library answers by rebuilding, or by waiting."""

from __future__ import annotations


class IndexDamaged(Exception):
    """The index cannot be opened or read: rebuild it from SQLite."""


class IndexOutdated(IndexDamaged):
    """The folder holds an index of an older format (schema): rebuild it from SQLite."""


class IndexBusy(Exception):
    """Another process held the index's write lock for longer than LOCK_TIMEOUT."""


class QueryError(ValueError):
    """A query that cannot run; str(error) is a one-line message for the user."""
