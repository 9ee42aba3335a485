"""The command line's conventions (README, "Command-line conventions"), command by command.

Exit 0 success, 1 refused or partly done, 2 usage error or not found; errors on
stderr and, with --json, as {"error": …} on stdout; a closed pipe ends quietly;
one passage id in both its forms; read commands never create a library.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cli_runner import REPO, gloss

from index import Library

ARTICLES = 1200  # enough that `list` writes more than a pipe holds (64 KB)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A library with many articles, one long article and passages with long notes."""
    root = tmp_path_factory.mktemp("conventions")
    folder = root / "articles"
    folder.mkdir()
    for n in range(ARTICLES):
        (folder / f"a{n:04d}.txt").write_text(
            f"Lantern report number {n}\n\nThe lantern keepers of district {n} met on "
            f"a {('Monday', 'Tuesday', 'Friday')[n % 3]} to count the lamps.\n",
            encoding="utf-8",
        )
    long_lines = [f"Line {i} of the long logbook, with lanterns and ledgers." for i in range(4000)]
    (folder / "zz-long.txt").write_text("The long logbook\n\n" + "\n\n".join(long_lines))
    library = root / "lib"
    with Library.open(library, create_welcome=False) as lib:
        report = lib.import_paths([folder])
        long_id = max(report.article_ids)
        ids = []
        for n in range(12):
            passage = lib.annotate_quote(
                long_id, f"Line {n} of the long logbook", note="a long note " * 800, tags=["log"]
            )
            ids.append(passage.id)
        lib.wait_indexed(timeout=600)
    return library, long_id, ids


def closed_early(library, *args: str) -> subprocess.CompletedProcess:
    """Run a command whose reader takes one line and closes the pipe (`… | head -1`)."""
    child = subprocess.Popen(
        [sys.executable, "main.py", "--library", str(library), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    with child.stdout, child.stderr:
        first = child.stdout.readline()
        child.stdout.close()
        stderr = child.stderr.read().decode("utf-8", "replace")
        child.wait(timeout=300)
    assert first, stderr
    return subprocess.CompletedProcess(child.args, child.returncode, first, stderr)


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("annotations",),
        ("search", "lantern", "--limit", "5000"),
        ("show", "LONG"),
        ("export",),
        ("search", "--batch", "BATCH", "--json"),
    ],
    ids=["list", "annotations", "search", "show", "export", "search-batch"],
)
def test_a_closed_pipe_ends_quietly(big, tmp_path, args):
    library, long_id, _ = big
    batch = tmp_path / "queries.txt"
    batch.write_text("lantern\n" * 40, encoding="utf-8")
    args = tuple(str(long_id) if a == "LONG" else str(batch) if a == "BATCH" else a for a in args)
    done = closed_early(library, *args)
    assert done.stderr == "" and done.returncode == 0, done.stderr


def test_missing_things_exit_2_with_one_line(big):
    library, _, _ = big
    missing_passage = "0b5c8a54-0f4e-4c1e-9d55-3a43f7a2d111"
    for args in [
        ("show", "999999"),
        ("annotate", "999999", "--quote", "x"),
        ("anchoring", "999999"),
        ("explain", "lantern", "999999"),
        ("export", "--article", "999999"),
        ("annotations", "--article", "999999"),
        ("annotations", "--tag", "no-such-tag"),
        ("unannotate", missing_passage),
        ("history", missing_passage),
        ("accept-fuzzy", missing_passage),
        ("restore", missing_passage, "--version", "1"),
    ]:
        done = gloss(library, *args, code=2)
        assert done.stdout == "", args
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("gloss: no "), (args, done.stderr)


def test_errors_are_also_json_on_stdout_with_json(big):
    library, _, _ = big
    done = gloss(library, "show", "999999", "--json", code=2)
    assert json.loads(done.stdout) == {"error": "no article with id 999999"}
    assert done.stderr.strip() == "gloss: no article with id 999999"
    done = gloss(library, "search", "(" * 50 + "x", "--json", code=1)  # a query that cannot run
    assert set(json.loads(done.stdout)) == {"error"} and done.stderr.startswith("gloss: ")
    done = gloss(library, "show", "--json", code=2)  # a usage error, from argparse
    assert "error" in json.loads(done.stdout) and "usage:" in done.stderr


def test_export_with_json_writes_w3c_json(big):
    library, long_id, ids = big
    data = json.loads(gloss(library, "export", "--json", "--article", long_id).stdout)
    assert data["type"] == "AnnotationCollection" and data["total"] == len(ids)
    markdown = gloss(library, "export", "--article", long_id).stdout
    assert markdown.startswith("# Passages from Gloss")


def test_every_command_takes_both_forms_of_a_passage_id(tmp_path, seed_path):
    library = tmp_path / "lib"
    gloss(library, "import", seed_path)
    seed = next(
        a["id"]
        for a in json.loads(gloss(library, "list", "--json").stdout)["articles"]
        if a["title"].startswith("Mass unrest")
    )
    w3c = json.loads(gloss(library, "annotate", seed, "--quote", "Lima", "--json").stdout)
    urn = w3c["id"]
    bare = urn.removeprefix("urn:uuid:")
    assert urn.startswith("urn:uuid:") and bare != urn
    assert gloss(library, "history", urn).stdout.count("\n") == 1
    assert gloss(library, "history", bare.upper()).stdout.count("\n") == 1
    gloss(library, "unannotate", urn)
    assert bare in gloss(library, "trash").stdout
    gloss(library, "restore", urn)
    assert json.loads(gloss(library, "history", urn, "--json").stdout)["versions"]
    gloss(library, "restore", urn, "--version", "1")
    gloss(library, "reattach", urn, "--quote", "Lima")
    gloss(library, "unannotate", bare)
    gloss(library, "restore", bare)


def test_read_commands_never_create_a_library(tmp_path, seed_path):
    typo = tmp_path / "x" / "typo"
    for args in [("list",), ("search", "peru"), ("annotations",), ("export",), ("check",)]:
        done = gloss(typo, *args, code=2)
        assert "there is no library at" in done.stderr and str(typo) in done.stderr
    for args in [("annotate", "1", "--quote", "x"), ("legend",), ("backup",), ("reindex",)]:
        gloss(typo, *args, code=2)
    assert not (tmp_path / "x").exists()
    gloss(typo, "import", seed_path)  # import makes one
    assert len(json.loads(gloss(typo, "list", "--json").stdout)["articles"]) == 2
