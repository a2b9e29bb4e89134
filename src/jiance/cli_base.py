"""What every ``jiance`` command module shares: the consoles, the workspace option, error handling and
opening the workspace's store. Kept apart from :mod:`jiance.cli` so command modules import it without
importing each other."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

from jiance.errors import ConfigError, JianceError
from jiance.pipeline import FileResult
from jiance.settings import Settings, load_settings
from jiance.store.base import Store
from jiance.workspace import open_store, resolve_workspace

__all__ = ["WorkspaceOption", "err", "file_printer", "out"]

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

WorkspaceOption = Annotated[
    str | None,
    typer.Option(
        "--workspace", "-w", help="Workspace folder (default: $JIANCE_WORKSPACE or the current folder)."
    ),
]


@contextmanager
def _errors() -> Iterator[None]:
    """Turn library errors into a one-line message and exit code 1 (2 for configuration).

    A file system that fails under a write outside the store (a full disk, a read-only or failing disk)
    is a one-line message too, naming the file and the system's reason, not a traceback.
    """
    try:
        yield
    except JianceError as error:
        err.print(f"error: {error}", markup=False, style="red")
        raise typer.Exit(1 if not isinstance(error, ConfigError) else 2) from None
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        err.print(f"error: {where}{error.strerror or error}", markup=False, style="red")
        raise typer.Exit(1) from None


def _settings(workspace: Path) -> Settings:
    """The workspace's settings; outside a workspace the defaults and JIANCE_* variables still apply."""
    return load_settings(workspace)


@contextmanager
def _store(workspace_option: str | None) -> Iterator[tuple[Path, Settings, Store]]:
    workspace = resolve_workspace(workspace_option)
    settings = _settings(workspace)
    if not (workspace / "jiance.toml").exists():
        raise ConfigError(
            "not a jiance workspace (no jiance.toml); run `jiance init DIR` first", where=str(workspace)
        )
    store = open_store(workspace, settings)
    try:
        yield workspace, settings, store
    finally:
        store.close()


def file_printer(progress: Progress, task: TaskID) -> Callable[[FileResult], None]:
    """The per-file line `import` and `batch import` print (failures in red on stderr), advancing ``task``."""

    def show(result: FileResult) -> None:
        if result.status == "failed":
            progress.console.print(
                f"failed {result.path}: {result.message} [{result.reason}]", markup=False, style="red"
            )
        else:
            out.print(
                f"{result.status:9} {result.path} ({result.articles} articles, {result.articles_new} new)"
            )
        progress.advance(task)

    return show
