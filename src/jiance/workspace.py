"""A workspace is a folder holding ``jiance.toml`` and the store; every command works inside one.

Which folder: the ``--workspace`` option, else ``$JIANCE_WORKSPACE``, else the current directory. The store
location comes from the ``store`` setting, a URL whose path is relative to the workspace unless absolute.
"""

from __future__ import annotations

import os
from pathlib import Path

from jiance.errors import ConfigError
from jiance.settings import CONFIG_FILE, Settings, load_settings, render_default_toml
from jiance.store.base import Store
from jiance.store.postgres import is_postgres_url, redacted
from jiance.store.sqlite import SQLiteStore

__all__ = ["WORKSPACE_ENV", "init_workspace", "open_store", "resolve_workspace", "store_path"]

WORKSPACE_ENV = "JIANCE_WORKSPACE"
_SQLITE_PREFIX = "sqlite:///"


def resolve_workspace(option: str | None) -> Path:
    """The workspace folder: the option, else ``$JIANCE_WORKSPACE``, else the current directory."""
    chosen = option or os.environ.get(WORKSPACE_ENV) or os.getcwd()
    return Path(chosen).expanduser().resolve()


def store_path(workspace: Path, settings: Settings) -> Path:
    """The SQLite file named by the ``store`` setting (``sqlite:////abs`` or relative to the workspace)."""
    url = settings.store
    if not url.startswith(_SQLITE_PREFIX):
        scheme = url.split(":", 1)[0]
        raise ConfigError(
            f"store {redacted(url)!r} is not an SQLite file (scheme {scheme!r}): stores are sqlite:///path"
            " or postgresql://user@host/database",
            where=str(workspace / CONFIG_FILE),
        )
    rest = url[len(_SQLITE_PREFIX) :]
    if not rest:
        raise ConfigError("store URL names no file", where=str(workspace / CONFIG_FILE))
    path = Path(rest)
    return path if path.is_absolute() else workspace / path


def open_store(
    workspace: Path,
    settings: Settings | None = None,
    *,
    migrate: bool = True,
    check_same_thread: bool = True,
) -> Store:
    """Open (creating and migrating if need be) the store of ``workspace``: the SQLite file or the
    PostgreSQL database its ``store`` setting names. ``migrate=False`` for a caller that opened (and so
    migrated) it once already; ``check_same_thread=False`` for a web request handed between threads."""
    if not workspace.is_dir():
        raise ConfigError("workspace folder does not exist; run `jiance init` first", where=str(workspace))
    settings = settings or load_settings(workspace)
    if is_postgres_url(settings.store):
        from jiance.store.postgres import PostgresStore

        return PostgresStore(
            settings.store,
            max_raw_mb=settings.max_file_mb,
            snippet_chars=settings.search_snippet_chars,
            pool_size=settings.store_pool_size,
            migrate=migrate,
        )
    return SQLiteStore(
        store_path(workspace, settings),
        max_raw_mb=settings.max_file_mb,
        snippet_chars=settings.search_snippet_chars,
        migrate=migrate,
        check_same_thread=check_same_thread,
    )


def init_workspace(directory: Path) -> Path:
    """Create the workspace folder, its commented jiance.toml (never overwritten) and its store."""
    directory = directory.expanduser().resolve()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the workspace: {exc}", where=str(directory)) from exc
    config = directory / CONFIG_FILE
    if not config.exists():
        config.write_text(render_default_toml(), encoding="utf-8")
    open_store(directory).close()
    return directory
