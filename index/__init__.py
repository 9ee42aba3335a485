"""The engine's face: what the window and the command line may use.

Everything else under index/ is private to the engine. `Library` composes the
packages (store, importers, passages, search, exchange, safety); the names below
are its errors and the plain data it hands out.
"""

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
