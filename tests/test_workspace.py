"""A workspace is found from the option, $JIANCE_WORKSPACE or the cwd; init never overwrites jiance.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiance.errors import ConfigError
from jiance.settings import Settings, render_default_toml
from jiance.workspace import init_workspace, open_store, resolve_workspace, store_path


def test_resolve_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JIANCE_WORKSPACE", raising=False)
    assert resolve_workspace(None) == tmp_path.resolve()
    monkeypatch.setenv("JIANCE_WORKSPACE", str(tmp_path / "env"))
    assert resolve_workspace(None) == (tmp_path / "env").resolve()
    assert resolve_workspace(str(tmp_path / "opt")) == (tmp_path / "opt").resolve()


def test_init_creates_config_and_store(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    assert (ws / "jiance.toml").read_text(encoding="utf-8") == render_default_toml()
    assert (ws / "jiance.db").is_file()
    with open_store(ws) as store:
        assert store.count_articles() == 0


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "jiance.toml").write_text('store = "sqlite:///other.db"\n', encoding="utf-8")
    init_workspace(tmp_path)
    assert (tmp_path / "jiance.toml").read_text(encoding="utf-8") == 'store = "sqlite:///other.db"\n'
    assert (tmp_path / "other.db").is_file()


def test_store_path_relative_and_absolute(tmp_path: Path) -> None:
    assert store_path(tmp_path, Settings()) == tmp_path / "jiance.db"
    assert store_path(tmp_path, Settings(store=f"sqlite:///{tmp_path}/x.db")) == tmp_path / "x.db"
    with pytest.raises(ConfigError, match="not an SQLite file"):
        store_path(tmp_path, Settings(store="postgresql://localhost/jiance"))


def test_the_store_setting_picks_the_backend(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`store = "postgresql://…"` (here through JIANCE_STORE) opens the PostgreSQL store; an unknown
    scheme is a configuration error naming both kinds, never a silent SQLite file."""
    from jiance.store.postgres import PostgresStore
    from jiance.store.sqlite import SQLiteStore

    workspace = init_workspace(tmp_path / "ws")
    with open_store(workspace) as store:
        assert isinstance(store, SQLiteStore)
    monkeypatch.setenv("JIANCE_STORE", pg_url)
    with open_store(workspace) as store:
        assert isinstance(store, PostgresStore) and store.count_articles() == 0
    monkeypatch.setenv("JIANCE_STORE", "mysql://localhost/jiance")
    with pytest.raises(ConfigError, match="postgresql://"):
        open_store(workspace)


def test_open_store_needs_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        open_store(tmp_path / "missing")
