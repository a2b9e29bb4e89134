"""Shared fixtures for the integration tests: the rendered sample inbox, workspaces and the CLI runner.

The inbox is rendered once per test session (per xdist worker) from the project's own sample bulletins, so
no third-party text ever lands in the repository; the seed bulletin is only read where it lies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from typer.testing import CliRunner, Result

from jiance.cli import app
from jiance.records import Article
from jiance.settings import load_settings
from jiance.workspace import init_workspace, open_store

# A loaded 2-core CI machine makes data generation slow; that is not a property failure.
hypothesis_settings.register_profile(
    "jiance", suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much], deadline=None
)
hypothesis_settings.load_profile("jiance")

SEEDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"
SEED = SEEDS / "000_8913e8f3e5978f8d.txt"

# The text layout the CLI tests parse: a PDF-to-text dump like the seed (columns, sub-headings, 专家观点).
TEXT_SAMPLE = "sample-a__seed-like.txt"

Invoke = Callable[..., Result]


@pytest.fixture(scope="session")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every sample in every layout (text dumps, PDF, DOCX, HTML, single articles) with gold beside each."""
    from jiance.demo import write_demo_inputs

    folder = tmp_path_factory.mktemp("inbox")
    write_demo_inputs(folder)
    return folder


@pytest.fixture(scope="session")
def text_sample(inbox: Path) -> Path:
    return inbox / TEXT_SAMPLE


@pytest.fixture(scope="session")
def sample_gold(inbox: Path) -> list[dict[str, Any]]:
    """Gold records of :data:`TEXT_SAMPLE`."""
    records: list[dict[str, Any]] = json.loads((inbox / f"{TEXT_SAMPLE}.gold.json").read_text("utf-8"))[
        "records"
    ]
    return records


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A fresh workspace (jiance.toml + empty SQLite store)."""
    return init_workspace(tmp_path / "ws")


@pytest.fixture(scope="session")
def imported_workspace(inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding the whole inbox; tests that use it must only read."""
    from jiance.pipeline import import_paths

    ws = init_workspace(tmp_path_factory.mktemp("imported") / "ws")
    settings = load_settings(ws)
    with open_store(ws, settings) as store:
        report = import_paths([inbox], store, settings)
    assert not report.failed, report.failed
    return ws


def run_cli(*args: str, env: Mapping[str, str | None] | None = None) -> Result:
    """Run the ``jiance`` app in-process; $JIANCE_WORKSPACE is unset unless ``env`` sets it.

    ``COLUMNS=80`` makes Rich's line width that of an ordinary terminal, whatever the test host has.
    """
    base: dict[str, str | None] = {"JIANCE_WORKSPACE": None, "COLUMNS": "80"}
    base.update(env or {})
    return CliRunner().invoke(app, list(args), env=base)


@pytest.fixture
def invoke() -> Invoke:
    return run_cli


def jsonl(text: str) -> list[dict[str, Any]]:
    """Parse JSONL output; every non-empty line must be one JSON object."""
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert all(isinstance(r, dict) for r in records)
    return records


def searchable(article: Article) -> str:
    """What search looks in: title and headline, body, and an expert piece's speaker and related title."""
    fields = [article.title, article.headline, article.body, article.speaker, article.related_title]
    return "\n".join(f for f in fields if f)


# -- PostgreSQL: a real server per xdist worker, a fresh database per test --------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """The worker's PostgreSQL server (tests/pgserver.py), started in a temporary directory on loopback."""
    from tests.pgserver import from_environment, start

    server = from_environment() or start()
    yield server
    from jiance.store.postgres import close_pools

    close_pools()
    server.stop()


@pytest.fixture(scope="session")
def pg_database(pg_server: Any) -> str:
    """The worker's database, migrated once; ``pg_url`` empties it before each test."""
    from jiance.store.postgres import PostgresStore

    url: str = pg_server.new_database()
    PostgresStore(url).close()
    return url


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """A migrated PostgreSQL database with no rows, for one test: every table is truncated (and its ids
    restarted), which is far cheaper than creating a database per test."""
    import psycopg

    with psycopg.connect(pg_database, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
            )
        ]
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    return pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh store on each backend: modules whose tests speak only the store interface (and the
    bookkeeping modules over it) take this one, so they run on SQLite and on PostgreSQL."""
    from jiance.store import SQLiteStore

    if request.param == "sqlite":
        with SQLiteStore(tmp_path / "store.db") as opened:
            yield opened
        return
    from jiance.store.postgres import PostgresStore

    with PostgresStore(request.getfixturevalue("pg_url")) as opened:
        yield opened
