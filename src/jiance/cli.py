"""The ``jiance`` command: a thin porch onto the library.

Each command parses its options, calls one library function, renders the result, and turns a
:class:`~jiance.errors.JianceError` into a one-line message and an exit code (1: some input failed,
2: bad usage or configuration). Progress and colour live here, never in the library.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table

from jiance.cli_base import WorkspaceOption, _errors, _settings, _store, err, file_printer, out
from jiance.errors import ConfigError
from jiance.pipeline import FileResult, import_paths, iter_input_files, parse_path
from jiance.publish.markdown import bulletin_markdown
from jiance.settings import Settings
from jiance.workspace import init_workspace, resolve_workspace

app = typer.Typer(
    help="jiance (监测): from raw sources to a column-structured industry bulletin.", no_args_is_help=True
)
eval_app = typer.Typer(help="Score jiance's stages against gold files.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


class ParseFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"
    md = "md"


class ListFormat(StrEnum):
    jsonl = "jsonl"
    table = "table"


def _print_jsonl(records: Any) -> None:
    for record in records:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


@app.command()
def init(directory: Annotated[Path, typer.Argument(help="Folder to create or complete.")]) -> None:
    """Create a workspace: a folder with a commented jiance.toml and an empty store."""
    with _errors():
        path = init_workspace(directory)
    out.print(f"workspace ready: {path}")
    out.print(f"settings: {path / 'jiance.toml'}")


@app.command()
def parse(
    path: Annotated[Path, typer.Argument(help="A bulletin file: TXT (any encoding), PDF, DOCX or HTML.")],
    fmt: Annotated[
        ParseFormat, typer.Option("--format", "-f", help="jsonl (one record per article), json or md.")
    ] = ParseFormat.jsonl,
    workspace: WorkspaceOption = None,
) -> None:
    """Print the structure of one file (columns, articles, expert pieces) without touching a store."""
    with _errors():
        settings = _settings(resolve_workspace(workspace))
        bulletin = parse_path(path, settings)
    if fmt is ParseFormat.md:
        sys.stdout.write(bulletin_markdown(bulletin))
    elif fmt is ParseFormat.json:
        doc = {
            "path": bulletin.path,
            "media_type": bulletin.media_type,
            "encoding": bulletin.encoding,
            "issue": bulletin.issue.to_record(),
            "sections": bulletin.sections,
            "contents": [{"title": c.title, "page": c.page, "line": c.lineno} for c in bulletin.contents],
            "furniture": [{"line": f.lineno, "text": f.text, "reason": f.reason} for f in bulletin.furniture],
            "articles": [a.to_record() for a in bulletin.articles],
        }
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    else:
        _print_jsonl(a.to_record() for a in bulletin.articles)


def _summary(results: list[FileResult]) -> Table:
    table = Table(title="import")
    for column in ("status", "files", "articles", "new articles"):
        table.add_column(column, justify="right" if column != "status" else "left")
    for status in ("imported", "unchanged", "failed"):
        rows = [r for r in results if r.status == status]
        table.add_row(
            status, str(len(rows)), str(sum(r.articles for r in rows)), str(sum(r.articles_new for r in rows))
        )
    return table


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to import.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Parse files and store their articles; re-importing a file changes nothing. Exit 1 if any failed."""

    files = list(iter_input_files(paths))
    with (
        _errors(),
        _store(workspace) as (_, settings, store),
        Progress(console=err, transient=True) as progress,
    ):
        task = progress.add_task("importing", total=len(files))

        show = file_printer(progress, task)

        report = import_paths(files, store, settings, on_file=show)
    out.print(_summary(report.results))
    if report.failed:
        raise typer.Exit(1)


@app.command()
def articles(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.table,
    section: Annotated[str | None, typer.Option(help="Only this column.")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """List stored articles: the same records as `parse`, plus id and their source."""
    with _errors(), _store(workspace) as (_, _, store):
        stored = store.articles(section=section, limit=limit)
    if fmt is ListFormat.jsonl:
        _print_jsonl(s.to_record() for s in stored)
        return
    table = Table()
    for column in ("id", "kind", "section", "title", "paragraphs"):
        table.add_column(column)
    for s in stored:
        a = s.article
        table.add_row(s.id, a.kind, a.section or "", a.title, str(len(a.paragraphs)))
    out.print(table)


@app.command()
def documents(
    status: Annotated[str | None, typer.Option(help="imported, unchanged or failed.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """List stored documents with their status and, for failures, the reason."""
    with _errors(), _store(workspace) as (_, _, store):
        docs = store.documents(status)
    table = Table()
    for column in ("id", "status", "articles", "path", "reason"):
        table.add_column(column)
    for d in docs:
        table.add_row(
            d.id[:12],
            d.status,
            str(d.article_count),
            d.path or d.url or "",
            f"{d.reason}: {d.error}" if d.reason else "",
        )
    out.print(table)


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(help="Words or any substring (two characters and up), space = AND.")
    ],
    fmt: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.table,
    limit: Annotated[int, typer.Option(help="At most this many results.")] = 10,
    section: Annotated[str | None, typer.Option(help="Only this column.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Full-text search over titles and bodies; finds every article that contains the query."""
    with _errors(), _store(workspace) as (_, _, store):
        hits = store.search(query, limit=limit, section=section)
    if fmt is ListFormat.jsonl:
        _print_jsonl(
            {
                "id": h.article_id,
                "title": h.title,
                "section": h.section,
                "snippet": h.snippet,
                "score": h.score,
            }
            for h in hits
        )
        return
    if not hits:
        out.print(f"no article contains {query!r}")
        return
    for h in hits:
        out.print(f"[bold]{h.title}[/bold]  [dim]{h.section or ''} {h.article_id}[/dim]", markup=True)
        out.print(f"  {h.snippet}")


@eval_app.command("parse")
def eval_parse(
    gold: Annotated[
        Path, typer.Argument(help="Gold JSON: {records: [{kind, section, title, subheadings, paragraphs}]}")
    ],
    path: Annotated[Path, typer.Argument(help="The bulletin file the gold describes.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Score a parse against gold: titles, columns, bodies, paragraph boundaries, furniture, expert pieces."""
    from jiance.evaluate.gold import load_gold
    from jiance.evaluate.parse import render_score, score_file

    with _errors():
        score = score_file(path, load_gold(gold))
    if fmt == "json":
        sys.stdout.write(json.dumps(score.to_dict(), ensure_ascii=False, indent=1) + "\n")
    else:
        out.print(render_score(score))


def _print_metrics(metrics: dict[str, float], fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(metrics, ensure_ascii=False, indent=1) + "\n")
        return
    for name, value in metrics.items():
        out.print(f"{name:24} {value:.3f}", markup=False)


@eval_app.command("figures")
def eval_figures(
    gold: Annotated[Path, typer.Argument(help="Figures gold: the seed's (with BULLETIN) or our samples'.")],
    bulletin: Annotated[
        Path | None, typer.Argument(help="The bulletin the gold describes (seed gold).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Score the figures stage: precision, recall, value and unit exactness, kind/subject/period accuracy."""
    from jiance.evaluate.figures import score_sample_gold, score_seed

    with _errors():
        score = score_seed(bulletin, gold) if bulletin else score_sample_gold(gold)
    _print_metrics(score.metrics(), fmt)


@eval_app.command("entities")
def eval_entities(
    gold: Annotated[
        Path, typer.Argument(help="Entities gold: the seed's first column (with BULLETIN) or ours.")
    ],
    bulletin: Annotated[
        Path | None, typer.Argument(help="The bulletin the gold describes (seed gold).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Score the entities stage: person precision/recall, role accuracy, organisation recall."""
    from jiance.evaluate.entities import score_column_gold, score_sample_gold_file

    with _errors():
        score = score_column_gold(gold, bulletin) if bulletin else score_sample_gold_file(gold)
    _print_metrics(score.metrics(), fmt)


@eval_app.command("tags")
def eval_tags(
    gold: Annotated[Path, typer.Argument(help="Tags gold (evals/tags_samples_gold.json).")],
    split: Annotated[str | None, typer.Option(help="tune or test; default both.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Score the taxonomy's tags against labelled articles: micro precision, recall, F1."""
    from jiance.evaluate.stages import score_tag_gold

    with _errors():
        score = score_tag_gold(gold, split=split)
    _print_metrics({"precision": score.precision, "recall": score.recall, "f1": score.f1}, fmt)


@eval_app.command("columns")
def eval_columns(
    bulletin: Annotated[Path, typer.Argument(help="A bulletin split into columns: its own labelled set.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Leave-one-out accuracy of the column model on a bulletin's articles."""
    from jiance.evaluate.stages import column_loo_accuracy

    with _errors():
        accuracy, count = column_loo_accuracy(bulletin)
    _print_metrics({"leave_one_out_accuracy": accuracy, "articles": float(count)}, fmt)


@app.command()
def analyze(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files to analyse; none: what is new in the store.")
    ] = None,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.jsonl,
    workspace: WorkspaceOption = None,
) -> None:
    """Figures, entities, tags, column, summary, keywords, duplicates and events of every article."""
    from jiance.analysis import analyze_articles, analyze_store, default_context

    if not paths:
        with _errors(), _store(workspace) as (path, _, store):
            report = analyze_store(
                store,
                aliases_path=_optional(path / "aliases.toml"),
                taxonomy_path=_optional(path / "taxonomy.toml"),
            )
        out.print(f"analysed {report.analysed} new articles ({report.current} already current, "
                  f"{report.groups_updated} duplicate groups or events updated)", markup=False)  # fmt: skip
        return
    with _errors():
        settings = _settings(resolve_workspace(workspace))
        articles = [a for p in iter_input_files(paths) for a in parse_path(p, settings).articles]
        analysed = analyze_articles(articles, default_context(settings=settings))
    _print_jsonl(a.to_record() for a in analysed)


def _optional(path: Path) -> Path | None:
    return path if path.is_file() else None


tags_app = typer.Typer(help="Topic tags from the taxonomy.", no_args_is_help=True)
app.add_typer(tags_app, name="tags")


@tags_app.command("explain")
def tags_explain(
    article_id: Annotated[str, typer.Argument(help="A stored article's id (jiance articles).")],
    workspace: WorkspaceOption = None,
) -> None:
    """Show which taxonomy rule, group and words gave a stored article each of its tags."""
    from jiance.stages.tags import explain, load_taxonomy

    with _errors(), _store(workspace) as (path, _, store):
        article = store.get_article(article_id).article
        text = explain(article, load_taxonomy(_optional(path / "taxonomy.toml")))
    out.print(text, markup=False)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the demo's files.")] = Path(
        "demo-output"
    ),
    serve_app: Annotated[
        bool, typer.Option("--serve", help="Then serve the web app on loopback until Ctrl-C.")
    ] = False,
    port: Annotated[int | None, typer.Option(help="Port for --serve (default: web_port).")] = None,
) -> None:
    """Run the main job end to end on the bundled sample bulletins and say where the output is."""
    from jiance.demo import run_demo

    with _errors():
        result = run_demo(out_dir, log=lambda text: out.print(text, markup=False))
    out.print(result.summary(), markup=False)
    if serve_app:
        from jiance.cli_web import serve

        serve(host="127.0.0.1", port=port, workspace=str(result.workspace))


sources_app = typer.Typer(help="Configured sources ([[sources]] in jiance.toml) and their health.")
app.add_typer(sources_app, name="sources")


def _configured(workspace: Path, settings: Settings, name: str | None) -> list[Any]:
    from jiance.sources.config import load_sources

    configs = load_sources(settings, base=workspace)
    if name is not None:
        configs = [c for c in configs if c.name == name]
        if not configs:
            raise ConfigError(f"no source named {name!r} in jiance.toml", where=str(workspace))
    return configs


@sources_app.callback(invoke_without_command=True)
def sources(ctx: typer.Context, workspace: WorkspaceOption = None) -> None:
    """List the configured sources with their health (last success, last error, failures in a row)."""
    if ctx.invoked_subcommand is not None:
        return
    from jiance.sources.health import source_health
    from jiance.store.collection import collection_for

    with _errors(), _store(workspace) as (path, settings, store):
        health = source_health(collection_for(store), _configured(path, settings, None))
    table = Table()
    for column in ("source", "kind", "runs", "last success", "failures", "new/run", "last error"):
        table.add_column(column)
    for h in health:
        name = f"[red]{h.name} (flagged)[/red]" if h.flagged else h.name
        table.add_row(name, h.kind or "", str(h.runs), h.last_success_at or "never",
                      str(h.consecutive_failures), f"{h.items_per_run:g}", h.last_error or "")  # fmt: skip
    out.print(table)


@sources_app.command("check")
def sources_check(
    name: Annotated[str, typer.Argument(help="The source's name in jiance.toml.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Dry run of one source: what would be collected now. Nothing is stored."""
    from jiance.sources.collect import collect_source
    from jiance.sources.http import Fetcher, policy_from_settings

    with (
        _errors(),
        _store(workspace) as (path, settings, store),
        Fetcher(policy_from_settings(settings)) as fetcher,
    ):
        report = collect_source(_configured(path, settings, name)[0], fetcher, store, settings, dry_run=True)
    for item in report.items:
        why = f" [{item.reason}] {item.message}" if item.reason else ""
        out.print(f"{item.status:9} {item.url} {item.title or ''}{why}", markup=False)
    out.print(f"{report.source}: {report.status}, would add {report.new}, known {report.unchanged},"
              f" failed {report.failed}{' - ' + report.error if report.error else ''}", markup=False)  # fmt: skip
    if report.status == "failed":
        raise typer.Exit(1)


@app.command()
def fetch(
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Collect every enabled source once (or one with --source). Exit 1 if a source failed."""
    from jiance.sources.collect import RunReport, collect_all, collect_source
    from jiance.sources.http import Fetcher, policy_from_settings

    with (
        _errors(),
        _store(workspace) as (path, settings, store),
        Fetcher(policy_from_settings(settings)) as fetcher,
    ):
        from jiance.sources.control import effective_sources

        configs = effective_sources(store, _configured(path, settings, source))  # editors' pauses apply
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("sources", total=len(configs))

            def show(r: RunReport) -> None:
                out.print(f"{r.status:8} {r.source}: {r.new} new, {r.unchanged} unchanged, {r.failed} failed"
                          f"{' - ' + r.error if r.error else ''}", markup=False)  # fmt: skip
                progress.advance(task)

            if source is None:
                reports = collect_all(configs, fetcher, store, settings, on_report=show)
            else:  # a source named explicitly runs even when disabled
                reports = [collect_source(configs[0], fetcher, store, settings)]
                show(reports[0])
    if any(r.status == "failed" for r in reports):
        raise typer.Exit(1)


@app.command()
def watch(
    grace: Annotated[float, typer.Option(help="Seconds a stop waits for running sources to finish.")] = 30.0,
    workspace: WorkspaceOption = None,
) -> None:
    """Run every enabled source on its schedule until SIGTERM or Ctrl-C (a second one forces the stop)."""
    from jiance.sources.watch import WatchEvent, watch_workspace

    def show(event: WatchEvent) -> None:
        if event.kind in ("finished", "failed", "stopping", "stopped"):
            detail = event.error or (f"next run {event.next_run:%Y-%m-%d %H:%M}" if event.next_run else "")
            out.print(f"{event.at:%H:%M:%S} {event.kind:9} {event.job or ''} {detail}", markup=False)

    with _errors():
        workspace_path = resolve_workspace(workspace)
        code = watch_workspace(workspace_path, _settings(workspace_path), on_event=show, grace_s=grace)
    raise typer.Exit(code)


from jiance.cli_alerts import alerts_app  # noqa: E402 - alert rules
from jiance.cli_batch import batch_app, reindex  # noqa: E402 - the same work on a Dask cluster
from jiance.cli_db import db_app  # noqa: E402 - migrations, integrity, copying a store
from jiance.cli_issue import build, issue_app  # noqa: E402 - the publishing commands, registered here
from jiance.cli_send import outbox_app, send  # noqa: E402 - distribution: send an edition, the outbox
from jiance.cli_trends import trends_app  # noqa: E402 - bursts, threads, figure series
from jiance.cli_web import mcp, serve, token_app, user_app  # noqa: E402 - the web app and its accounts

app.add_typer(issue_app, name="issue")
app.command("build")(build)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(alerts_app, name="alerts")
app.add_typer(trends_app, name="trends")
app.command("serve")(serve)
app.command("mcp")(mcp)
app.command("send")(send)
app.add_typer(outbox_app, name="outbox")
app.add_typer(batch_app, name="batch")
app.command("reindex")(reindex)
app.add_typer(db_app, name="db")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover - python -m jiance.cli
    main()
