"""``jiance issue …`` and ``jiance build``: the porch onto :mod:`jiance.publish`.

Registered on the main app by :mod:`jiance.cli` (kept in its own module because the issue commands are
many). Every command is option parsing, one library call, and rendering; ``issue new`` prints only the new
issue's id on stdout so scripts can capture it.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jiance.cli_base import WorkspaceOption, _errors, _store, err, out
from jiance.errors import ConfigError
from jiance.publish import issues as lib
from jiance.publish.build import build_issue, parse_formats
from jiance.publish.editions import EDITIONS_FILE, edition_named, load_editions
from jiance.publish.model import OVERRIDE_FIELDS, Issue

issue_app = typer.Typer(
    help="Make and edit issues: columns, order, overrides, highlights, figures.", no_args_is_help=True
)

IssueArg = Annotated[int, typer.Argument(help="Issue id (from `jiance issue new` or `jiance issue list`).")]


class ShowFormat(StrEnum):
    table = "table"
    json = "json"


def _print_issue(issue: Issue, titles: dict[str, str]) -> None:
    out.print(f"[bold]#{issue.id} {issue.title}[/] {issue.number or ''} {issue.date or ''} ({issue.status})")
    for line in issue.highlights:
        out.print(f"  要点: {line}", markup=False)
    for k in issue.key_figures:
        out.print(f"  数据: {k.value}{k.unit or ''} {k.label}", markup=False)
    table = Table()
    for column in ("column", "#", "id", "title", "edited"):
        table.add_column(column)
    for item in issue.items:
        edited = ",".join(sorted(item.overrides))
        table.add_row(
            item.section or "", str(item.position), item.article_id[:12], titles[item.article_id], edited
        )
    out.print(table)


@issue_app.command("new")
def issue_new(
    title: Annotated[str | None, typer.Option("--title", "-t", help="Issue title.")] = None,
    date: Annotated[str | None, typer.Option("--date", "-d", help="Issue date, YYYY-MM-DD.")] = None,
    number: Annotated[
        str | None, typer.Option("--number", "-n", help="Issue number as printed (第12期).")
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option("--from", help="Make the issue from this bulletin file (imported if needed)."),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Create an issue; prints its id. With --from, it holds that bulletin's articles in its columns and order."""
    with _errors(), _store(workspace) as (_, settings, store):
        if from_file is not None:
            issue = lib.issue_from_file(store, from_file, settings, title=title)
        elif title:
            issue = lib.new_issue(store, title, date=date, number=number)
        else:
            raise ConfigError("give --title (and --date), or --from FILE")
        if from_file is not None and (date or number):
            from jiance.store.issues import issues_for

            issues_for(store).update(issue.id, **{k: v for k, v in (("date", date), ("number", number)) if v})
    sys.stdout.write(f"{issue.id}\n")


@issue_app.command("list")
def issue_list(workspace: WorkspaceOption = None) -> None:
    """Every issue, newest first."""
    with _errors(), _store(workspace) as (_, _, store):
        issues = lib.list_issues(store)
    table = Table()
    for column in ("id", "title", "number", "date", "status", "articles"):
        table.add_column(column)
    for i in issues:
        table.add_row(str(i.id), i.title, i.number or "", i.date or "", i.status, str(len(i.items)))
    out.print(table)


@issue_app.command("show")
def issue_show(
    issue_id: IssueArg,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f")] = ShowFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """The issue's columns and items in order, with highlights and the key-figures box."""
    with _errors(), _store(workspace) as (_, _, store):
        issue = lib.get_issue(store, issue_id)
        titles = {
            it.article_id: it.overrides.get("title") or store.get_article(it.article_id).article.title
            for it in issue.items
        }
    if fmt is ShowFormat.json:
        record = issue.to_record()
        for item in record["items"]:
            item["title"] = titles[item["article_id"]]
        sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        return
    _print_issue(issue, titles)


@issue_app.command("add")
def issue_add(
    issue_id: IssueArg,
    article_ids: Annotated[list[str], typer.Argument(help="Article ids (from `jiance articles`).")],
    section: Annotated[
        str | None, typer.Option("--section", "-s", help="Column (default: the article's own or suggested).")
    ] = None,
    position: Annotated[
        int | None, typer.Option(help="Insert at this place in the column (0 = first).")
    ] = None,
    allow_repeat: Annotated[
        bool, typer.Option("--allow-repeat", help="Add even if an earlier issue carried it.")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Put articles into the issue; articles an earlier issue already carried are refused (not repeated)."""
    with _errors(), _store(workspace) as (_, _, store):
        report = lib.add_to_issue(
            store, issue_id, article_ids, section=section, position=position, allow_repeats=allow_repeat
        )
    out.print(
        f"added {len(report.added)}, already in the issue {len(report.present)}, repeats refused {len(report.repeats)}"
    )
    for use in report.repeats:
        where = use.issue_number or use.issue_date or f"#{use.issue_id}"
        err.print(
            f"not repeated: {use.article_id[:12]} was in {where} ({use.issue_title}); --allow-repeat to add it",
            markup=False,
        )
    if report.repeats and not report.added:
        raise typer.Exit(1)


@issue_app.command("move")
def issue_move(
    issue_id: IssueArg,
    article_id: Annotated[str, typer.Argument(help="Article id.")],
    position: Annotated[
        int | None, typer.Option(help="New place in the column (0 = first; default: last).")
    ] = None,
    section: Annotated[str | None, typer.Option("--section", "-s", help="Move to this column.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Reorder an item in its column or move it to another column."""
    with _errors(), _store(workspace) as (_, _, store):
        lib.move_in_issue(store, issue_id, article_id, position=position, section=section)
    out.print("moved")


@issue_app.command("remove")
def issue_remove(
    issue_id: IssueArg,
    article_ids: Annotated[list[str], typer.Argument(help="Article ids.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Take articles out of the issue (the articles stay in the store)."""
    with _errors(), _store(workspace) as (_, _, store):
        removed = lib.remove_from_issue(store, issue_id, article_ids)
    out.print(f"removed {removed}")


@issue_app.command("edit")
def issue_edit(
    issue_id: IssueArg,
    article_id: Annotated[str, typer.Argument(help="Article id.")],
    title: Annotated[str | None, typer.Option(help="Title for this issue.")] = None,
    summary: Annotated[str | None, typer.Option(help="Summary for this issue.")] = None,
    body_file: Annotated[
        Path | None, typer.Option("--body", help="UTF-8 file: one paragraph per line.")
    ] = None,
    reset: Annotated[bool, typer.Option(help="Drop every override: back to the source's text.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Override an item's title, summary or body for this issue; the stored article never changes."""
    changes: dict[str, object] = {}
    if reset:
        changes = dict.fromkeys(OVERRIDE_FIELDS)
    if title is not None:
        changes["title"] = title
    if summary is not None:
        changes["summary"] = summary
    with _errors(), _store(workspace) as (_, _, store):
        if body_file is not None:
            changes["paragraphs"] = body_file.read_text(encoding="utf-8").splitlines()
        overrides = lib.edit_item(store, issue_id, article_id, **changes)
    out.print(f"overrides: {', '.join(sorted(overrides)) or 'none'}")


@issue_app.command("highlights")
def issue_highlights(
    issue_id: IssueArg,
    lines: Annotated[list[str] | None, typer.Argument(help="本期要点, one argument per line.")] = None,
    suggest: Annotated[bool, typer.Option(help="Fill from each column's lead article.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Set the 本期要点 (or --suggest them from the column leads)."""
    with _errors(), _store(workspace) as (_, _, store):
        chosen = (
            lib.suggest_highlights(store, lib.get_issue(store, issue_id)) if suggest else list(lines or [])
        )
        lib.set_highlights(store, issue_id, chosen)
    for line in chosen:
        out.print(f"- {line}", markup=False)


@issue_app.command("figures")
def issue_figures(
    issue_id: IssueArg,
    suggest: Annotated[bool, typer.Option(help="Fill the key-figures box from the analysed figures.")] = True,
    limit: Annotated[int, typer.Option(help="At most this many figures.")] = 6,
    workspace: WorkspaceOption = None,
) -> None:
    """Fill the key-figures box from the figures the analysis found in the issue's articles (`jiance analyze` first)."""
    with _errors(), _store(workspace) as (_, _, store):
        issue = lib.get_issue(store, issue_id)
        figures = lib.suggest_key_figures(store, issue, limit=limit) if suggest else []
        lib.set_key_figures(store, issue_id, figures)
    for k in figures:
        out.print(f"{k.value}{k.unit or ''}  {k.label}", markup=False)
    if not figures:
        err.print("no figures: run `jiance analyze` so the articles' figures are known")


@issue_app.command("publish")
def issue_publish(issue_id: IssueArg, workspace: WorkspaceOption = None) -> None:
    """Mark the issue published; later issues will not repeat its articles."""
    with _errors(), _store(workspace) as (_, _, store):
        issue = lib.publish_issue(store, issue_id)
    out.print(f"published #{issue.id} at {issue.published_at}")


def build(
    issue_id: IssueArg,
    edition: Annotated[
        str, typer.Option("--edition", "-e", help="Edition name from editions.toml.")
    ] = "default",
    formats: Annotated[
        str, typer.Option("--format", "-f", help="Comma-separated: pdf,html,docx,md (or all).")
    ] = "pdf,html,docx,md",
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")] = Path("build"),
    editions_file: Annotated[
        Path | None,
        typer.Option("--editions", help="Editions file (default: the workspace's editions.toml)."),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Build one edition of an issue as PDF, HTML (web + email), DOCX and Markdown."""
    with _errors(), _store(workspace) as (root, _, store):
        chosen = edition_named(load_editions(editions_file or root / EDITIONS_FILE), edition)
        report = build_issue(store, issue_id, chosen, parse_formats(formats), out_dir)
    for note in report.notes:
        err.print(f"note: {note}", markup=False)
    if report.empty:
        err.print(f"edition {edition!r} of issue {issue_id} is empty: nothing written", markup=False)
        raise typer.Exit(1)
    for problem in report.problems:
        err.print(f"check failed: {problem}", markup=False, style="red")
    for output in report.outputs:
        pages = f", {output.pages} pages" if output.pages else ""
        out.print(f"{output.format}: {output.path} ({output.size:,} bytes{pages})", markup=False)
    if report.problems:
        raise typer.Exit(1)
