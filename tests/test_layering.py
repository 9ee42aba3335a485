"""The architecture as a test (DESIGN.md, "The house").

index/ never imports Qt; ui/ never touches SQLite or whoosh and imports only
`index`'s face; the command line imports only that face and nothing in the
engine imports it; whoosh lives in index/search/ and its private names in one
module there; no import cycle among the engine's modules (imports inside
functions counted, `TYPE_CHECKING` ones not); no module imports another's
private names.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import REPO

FORBIDDEN = {
    "index": ("PySide6", "shiboken6", "ui"),
    "ui": ("sqlite3", "whoosh"),
}


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_layers_import_only_what_they_may():
    offences = []
    for package, forbidden in FORBIDDEN.items():
        files = sorted((REPO / package).rglob("*.py"))
        assert files, f"no files found in {package}/"
        for path in files:
            for name in _imports(path):
                if name.split(".")[0] in forbidden:
                    offences.append(f"{path.relative_to(REPO)} imports {name}")
    assert not offences, "\n".join(offences)


def test_command_line_never_imports_qt(tmp_path):
    """Run real commands and check that no Qt module was loaded in that process."""
    script = (
        "import sys, main\n"
        "from index import Library\n"
        f"Library.open({str(tmp_path / 'lib')!r}).close()\n"
        f"code = main.main(['--library', {str(tmp_path / 'lib')!r}, 'list', '--json'])\n"
        "code |= main.main(['--help']) if False else 0\n"
        "loaded = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "print('QT' if loaded else 'NOQT', code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "NOQT 0"


def test_help_lists_the_commands():
    done = subprocess.run(
        [sys.executable, "main.py", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    for command in ("import", "search", "annotate", "export", "reindex", "check"):
        assert command in done.stdout


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _engine_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted((REPO / "index").rglob("*.py"))}


def _runtime_imports(path: Path) -> list[ast.ImportFrom | ast.Import]:
    """Every import statement that runs (in functions too), skipping `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for n in ast.walk(node))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped
    ]


def _imported_modules(path: Path, known: dict[str, Path]) -> set[str]:
    found = set()
    for node in _runtime_imports(path):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {name for name in found if name in known}


def test_no_import_cycle_in_the_engine():
    modules = _engine_modules()
    graph = {name: _imported_modules(path, modules) - {name} for name, path in modules.items()}
    cycles = []
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def _engine_imports(folder: str) -> list[tuple[Path, str]]:
    out = []
    for path in sorted((REPO / folder).rglob("*.py")):
        for node in _runtime_imports(path):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if node.level == 0
                else []
            )
            out += [(path, n) for n in names if n == "index" or n.startswith("index.")]
    return out


def test_the_window_and_the_command_line_use_only_the_engines_face():
    offences = [
        f"{path.relative_to(REPO)} imports {name}"
        for folder in ("ui", "index/cli")
        for path, name in _engine_imports(folder)
        if name != "index" and not name.startswith("index.cli")
    ]
    assert not offences, "\n".join(offences)


def test_nothing_in_the_engine_imports_the_command_line():
    offences = [
        f"{path.relative_to(REPO)} imports {name}"
        for path, name in _engine_imports("index")
        if name.startswith("index.cli") and "cli" not in path.relative_to(REPO).parts
    ]
    assert not offences, "\n".join(offences)


def test_whoosh_is_imported_only_in_the_search_package():
    offences = []
    code = [REPO / "main.py", *sorted((REPO / "index").rglob("*.py"))]
    for path in code + sorted((REPO / "ui").rglob("*.py")):
        rel = path.relative_to(REPO)
        if rel.parts[:2] == ("index", "search"):
            continue
        for name in _imports(path):
            if name.split(".")[0] == "whoosh":
                offences.append(f"{rel} imports {name}")
    assert not offences, "\n".join(offences)


def _private_attributes(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    }


def test_whooshs_private_names_live_in_one_module():
    wall = REPO / "index" / "search" / "whoosh_wall.py"
    whoosh_private = _private_attributes(wall)
    assert {"_read_toc", "_read_ids", "_cached_reader"} <= whoosh_private
    offences = []
    for path in sorted((REPO / "index").rglob("*.py")):
        if path == wall:
            continue
        used = _private_attributes(path) & whoosh_private
        offences += [f"{path.relative_to(REPO)} uses whoosh's {name}" for name in sorted(used)]
    assert not offences, "\n".join(offences)


def test_no_module_imports_anothers_private_names():
    offences = []
    for folder in ("index", "ui"):
        for path in sorted((REPO / folder).rglob("*.py")):
            for node in _runtime_imports(path):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    ("index", "ui")
                ):
                    offences += [
                        f"{path.relative_to(REPO)} imports {node.module}.{a.name}"
                        for a in node.names
                        if a.name.startswith("_")
                    ]
    assert not offences, "\n".join(offences)
