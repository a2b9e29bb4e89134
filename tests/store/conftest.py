"""A fresh store per test, on each backend, and a helper to make documents from bytes.

``store`` is parametrised over SQLite and PostgreSQL (a real server, see tests/pgserver.py), so every test
written against the :class:`jiance.store.base.Store` interface runs on both. ``sqlite_store`` is for the few
tests about SQLite's own file, pragmas or FTS5 tables.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from jiance.records import Document
from jiance.store import SQLiteStore
from jiance.store.sqlbase import SQLStore

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SQLStore]:
    if request.param == "sqlite":
        with SQLiteStore(tmp_path / "store.db") as opened:
            yield opened
        return
    from jiance.store.postgres import PostgresStore

    url = request.getfixturevalue("pg_url")
    with PostgresStore(url) as opened:
        yield opened


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "store.db") as opened:
        yield opened


def make_doc(raw: bytes, path: str = "a.txt", status: str = "imported", **kw: str) -> Document:
    """A Document for ``raw`` as the importer would build it."""
    return Document(hashlib.sha256(raw).hexdigest(), path, "text/plain", len(raw), status, **kw)  # type: ignore[arg-type]
