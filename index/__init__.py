"""The engine's face: what the window and the command line may use.

Everything else under index/ is private to the engine. `Library` composes the
packages (store, importers, passages, search, exchange, safety); the names below
are its errors and the plain data it hands out.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.changes import Changes
    from index.exchange.annotation_import import (
        AnnotationImportReport,
        PlacedAnnotation,
        UnplacedAnnotation,
    )
    from index.library import (
        PALETTE,
        Annotation,
        AnnotationError,
        ArticleSummary,
        ImportReport,
        Library,
        NoLibrary,
        SearchResult,
        StoredArticle,
        StoreError,
        default_library_path,
    )
    from index.model import (
        OBJECT_CHAR,
        Article,
        Block,
        Span,
        TableCell,
        TableRow,
        footnote_places,
    )
    from index.passages.anchoring import select_occurrence
    from index.passages.annotations import NotFound
    from index.passages.legend import DEFAULT_NAMES, MAX_NAME_LENGTH
    from index.safety.lock import set_program_label
    from index.search.engine import QueryError
    from index.watching.folders import WatchError
    from index.watching.watcher import FolderWatcher
    from index.wording import count_of

# Each name is imported from its module when first asked for (PEP 562): the window's
# start then loads only what it uses, not the exchange formats and the folder watcher.
# Names are taken from where they are defined, not from index.library, which loads the
# search engine (whoosh): the window's code imports without it, the library opening loads it.
_WHERE = {
    "Annotation": "index.passages.annotations",
    "AnnotationError": "index.passages.annotations",
    "AnnotationImportReport": "index.exchange.annotation_import",
    "Article": "index.model",
    "ArticleSummary": "index.library",
    "Block": "index.model",
    "Changes": "index.changes",
    "DEFAULT_NAMES": "index.passages.legend",
    "FolderWatcher": "index.watching.watcher",
    "ImportReport": "index.library",
    "Library": "index.library",
    "MAX_NAME_LENGTH": "index.passages.legend",
    "NoLibrary": "index.library",
    "NotFound": "index.passages.annotations",
    "OBJECT_CHAR": "index.model",
    "PALETTE": "index.passages.annotations",
    "PlacedAnnotation": "index.exchange.annotation_import",
    "QueryError": "index.search.engine",
    "SearchResult": "index.library",
    "Span": "index.model",
    "StoreError": "index.store.database",
    "StoredArticle": "index.library",
    "TableCell": "index.model",
    "TableRow": "index.model",
    "UnplacedAnnotation": "index.exchange.annotation_import",
    "WatchError": "index.watching.folders",
    "count_of": "index.wording",
    "default_library_path": "index.library",
    "footnote_places": "index.model",
    "select_occurrence": "index.passages.anchoring",
    "set_program_label": "index.safety.lock",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_NAMES",
    "MAX_NAME_LENGTH",
    "OBJECT_CHAR",
    "PALETTE",
    "Annotation",
    "AnnotationError",
    "AnnotationImportReport",
    "Article",
    "ArticleSummary",
    "Block",
    "Changes",
    "FolderWatcher",
    "ImportReport",
    "Library",
    "NoLibrary",
    "NotFound",
    "PlacedAnnotation",
    "QueryError",
    "SearchResult",
    "Span",
    "StoreError",
    "StoredArticle",
    "TableCell",
    "TableRow",
    "UnplacedAnnotation",
    "WatchError",
    "count_of",
    "default_library_path",
    "footnote_places",
    "select_occurrence",
    "set_program_label",
]
