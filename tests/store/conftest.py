"""A fresh SQLite store per test, and a helper to make documents from bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from jiance.records import Document
from jiance.store import SQLiteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "store.db") as opened:
        yield opened


def make_doc(raw: bytes, path: str = "a.txt", status: str = "imported", **kw: str) -> Document:
    """A Document for ``raw`` as the importer would build it."""
    return Document(hashlib.sha256(raw).hexdigest(), path, "text/plain", len(raw), status, **kw)  # type: ignore[arg-type]
