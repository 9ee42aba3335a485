"""Shared fixtures: the corpora beside the repository, and a real library in tmp_path."""

from __future__ import annotations

import os
import socket
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"
SEED = CORPORA / "seed" / "000_e45523c9750e1e33.txt"
BBC = CORPORA / "bbc"
HTML_NEWS = CORPORA / "html-news"
W3C_TESTS = SHARED / "w3c-annotation-tests"


def need(path: Path) -> Path:
    """Skip the calling test, saying why, when a shared corpus is not beside the repo."""
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared corpora are not beside this checkout")
    return path


@pytest.fixture
def seed_path() -> Path:
    return need(SEED)


@pytest.fixture
def bbc_path() -> Path:
    return need(BBC)


@pytest.fixture
def html_news_path() -> Path:
    return need(HTML_NEWS)


@pytest.fixture
def library(tmp_path: Path):
    """An empty library in tmp_path (no welcome article), closed at the end."""
    from index.library import Library

    lib = Library.open(tmp_path / "lib", create_welcome=False)
    yield lib
    lib.close()


@pytest.fixture
def seed_id(library, seed_path) -> int:
    """The seed article imported into `library`; its id."""
    return library.import_paths([seed_path]).article_ids[0]


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test (recorded, and raised where it was
    made): for import-and-render paths that must stay offline."""
    tried: list[object] = []

    def refuse(*args, **kwargs):
        tried.append(args)
        raise AssertionError(f"a connection was attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield tried
    assert tried == []
