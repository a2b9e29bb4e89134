"""``jiance db …``: the store itself: apply migrations, check integrity, copy a store into another
(SQLite → PostgreSQL is how a workspace moves to a server; see docs/postgresql.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress, TaskID
from rich.table import Table

from jiance.cli_base import WorkspaceOption, _errors, _settings, err, out
from jiance.errors import ConfigError
from jiance.store.copy import copy_store
from jiance.store.postgres import is_postgres_url, redacted
from jiance.store.sqlbase import SQLStore
from jiance.workspace import open_store, resolve_workspace, store_path

__all__ = ["db_app"]

db_app = typer.Typer(help="The store: migrations, integrity, copying to PostgreSQL.", no_args_is_help=True)


def _open_url(url: str, workspace: WorkspaceOption) -> SQLStore:
    """A store by URL (sqlite:///… relative to the workspace, or postgresql://…), migrated."""
    from dataclasses import replace

    folder = resolve_workspace(workspace)
    settings = replace(_settings(folder), store=url)
    if not is_postgres_url(url):
        store_path(folder, settings)  # a clear error for an unknown scheme
    store = open_store(folder, settings)
    if not isinstance(store, SQLStore):
        raise ConfigError(f"store {redacted(url)} is not an SQL store")
    return store


@db_app.command("migrate")
def migrate(workspace: WorkspaceOption = None) -> None:
    """Apply the store's pending migrations (SQLite or PostgreSQL, as `store` says); prints what ran."""
    with _errors():
        folder = resolve_workspace(workspace)
        settings = _settings(folder)
        store = open_store(folder, settings, migrate=False)
        try:
            applied = store.migrate()
            versions = store.schema_versions() if isinstance(store, SQLStore) else []
        finally:
            store.close()
    where = redacted(settings.store)
    if applied:
        out.print(f"{where}: applied migrations {', '.join(map(str, applied))}", markup=False)
    out.print(f"{where}: schema at version {max(versions, default=0)}", markup=False)


@db_app.command("check")
def check(workspace: WorkspaceOption = None) -> None:
    """The store's integrity check; exit 1 when it finds a problem."""
    with _errors():
        folder = resolve_workspace(workspace)
        store = open_store(folder, _settings(folder))
        try:
            problems = store.integrity_check()
        finally:
            store.close()
    for problem in problems:
        err.print(problem, markup=False, style="red")
    if problems:
        raise typer.Exit(1)
    out.print("store integrity: ok")


@db_app.command("copy")
def copy(
    to: Annotated[str, typer.Option("--to", help="Target store URL, e.g. postgresql://user@host/jiance.")],
    source: Annotated[
        str | None, typer.Option("--from", help="Source store URL (default: the workspace's store).")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Copy every table into another store (creating its schema); re-running adds nothing. Afterwards set
    `store = "<target>"` in jiance.toml. Exit 1 when a table's rows did not all arrive."""
    with _errors():
        folder = resolve_workspace(workspace)
        source_store = _open_url(source or _settings(folder).store, workspace)
        target_store = _open_url(to, workspace)
        try:
            with Progress(console=err, transient=True) as progress:
                tasks: dict[str, TaskID] = {}

                def step(table: str, rows: int) -> None:
                    if table not in tasks:
                        tasks[table] = progress.add_task(f"copying {table}", total=None)
                    progress.advance(tasks[table], rows)

                report = copy_store(source_store, target_store, progress=step)
        finally:
            source_store.close()
            target_store.close()
    table = Table("table", "source rows", "added", "target rows")
    for row in report.tables:
        table.add_row(row.table, str(row.source_rows), str(row.added), str(row.target_rows))
    out.print(table)
    out.print(
        f'copied into {redacted(to)}; set store = "{redacted(to)}" in jiance.toml to use it', markup=False
    )
    if not report.complete:
        raise typer.Exit(1)
