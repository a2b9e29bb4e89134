"""``jiance batch import|analyze|reindex``: the in-process commands' work on a Dask cluster.

Same arguments, output lines and exit codes as ``jiance import``/``analyze``/``reindex``; the extra
options choose the cluster (``--scheduler tcp://HOST:PORT``, else a LocalCluster of ``--workers``
processes on loopback) and the partition size. Progress goes to stderr with rich, like ``import``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, TaskID

from jiance.cli_base import WorkspaceOption, _errors, _store, err, file_printer, out
from jiance.pipeline import iter_input_files

__all__ = ["batch_app", "reindex"]

batch_app = typer.Typer(help="Import, analyse and reindex on a Dask cluster (LocalCluster by default).")

SchedulerOption = Annotated[
    str | None,
    typer.Option("--scheduler", help="A Dask scheduler, tcp://HOST:PORT (default: a LocalCluster)."),
]
WorkersOption = Annotated[int, typer.Option("--workers", help="LocalCluster worker processes.")]
PartitionOption = Annotated[int, typer.Option("--partition-size", help="Articles per partition.")]


def _optional(path: Path) -> Path | None:
    return path if path.is_file() else None


@batch_app.command("import")
def batch_import(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to import.")],
    scheduler: SchedulerOption = None,
    workers: WorkersOption = 2,
    partition_size: PartitionOption = 1000,
    workspace: WorkspaceOption = None,
) -> None:
    """Parse files on the cluster and store their articles, like `jiance import`. Exit 1 if any failed."""
    from jiance.batch.cluster import open_client
    from jiance.batch.importer import batch_import_paths
    from jiance.cli import _summary

    files = list(iter_input_files(paths))
    with (
        _errors(),
        _store(workspace) as (_, settings, store),
        open_client(scheduler, workers=workers) as client,
        Progress(console=err, transient=True) as progress,
    ):
        task = progress.add_task("importing", total=len(files))

        show = file_printer(progress, task)

        report = batch_import_paths(files, store, settings, client, on_file=show)
    out.print(_summary(report.results))
    if report.failed:
        raise typer.Exit(1)


@batch_app.command("analyze")
def batch_analyze(
    scheduler: SchedulerOption = None,
    workers: WorkersOption = 2,
    partition_size: PartitionOption = 1000,
    workspace: WorkspaceOption = None,
) -> None:
    """Analyse what is new in the store on the cluster, like `jiance analyze` (same saved results)."""
    from jiance.batch.analyze import batch_analyze_store
    from jiance.batch.cluster import open_client

    with (
        _errors(),
        _store(workspace) as (path, _, store),
        open_client(scheduler, workers=workers) as client,
        Progress(console=err, transient=True) as progress,
    ):
        tasks: dict[str, TaskID] = {}
        total = store.count_articles()

        def show(phase: str, done: int) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task(phase, total=total)
            progress.advance(tasks[phase], done)

        report = batch_analyze_store(
            store,
            client,
            partition_size=partition_size,
            aliases_path=_optional(path / "aliases.toml"),
            taxonomy_path=_optional(path / "taxonomy.toml"),
            on_progress=show,
        )
    out.print(f"analysed {report.analysed} new articles ({report.current} already current, "
              f"{report.groups_updated} duplicate groups or events updated)", markup=False)  # fmt: skip


@batch_app.command("reindex")
def batch_reindex_command(
    scheduler: SchedulerOption = None,
    workers: WorkersOption = 2,
    partition_size: PartitionOption = 1000,
    workspace: WorkspaceOption = None,
) -> None:
    """Rebuild the search index with the entries computed on the cluster, like `jiance reindex`."""
    from jiance.batch.cluster import open_client
    from jiance.batch.reindex import batch_reindex

    with (
        _errors(),
        _store(workspace) as (_, _, store),
        open_client(scheduler, workers=workers) as client,
        Progress(console=err, transient=True) as progress,
    ):
        task = progress.add_task("indexing", total=store.count_articles())
        count = batch_reindex(
            store, client, partition_size=partition_size, on_progress=lambda n: progress.advance(task, n)
        )
    out.print(f"indexed {count} articles", markup=False)


def reindex(
    partition_size: PartitionOption = 1000,
    workspace: WorkspaceOption = None,
) -> None:
    """Rebuild the search index from the stored articles (after a change of the index's tokens)."""
    from jiance.batch.reindex import reindex as rebuild

    with _errors(), _store(workspace) as (_, _, store), Progress(console=err, transient=True) as progress:
        task = progress.add_task("indexing", total=store.count_articles())
        count = rebuild(store, partition_size=partition_size, on_progress=lambda n: progress.advance(task, n))
    out.print(f"indexed {count} articles", markup=False)
