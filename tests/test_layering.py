"""The architecture as a test: index/ never imports Qt; ui/ never touches SQLite or whoosh."""

from __future__ import annotations

import ast
import subprocess
import sys

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
