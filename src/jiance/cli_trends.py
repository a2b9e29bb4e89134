"""``jiance trends bursts|threads|series``: the porch onto :mod:`jiance.trends`.

Registered on the main app by :mod:`jiance.cli`. Each command parses its options, calls one library
function and prints a table (rich) or, with ``--format json``, the records on stdout for scripts.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from jiance.cli_base import WorkspaceOption, _errors, _store, out
from jiance.errors import ConfigError
from jiance.publish.charts import format_value
from jiance.trends import Burst, burst_highlights, bursts, series_view, threads

__all__ = ["trends_app"]

trends_app = typer.Typer(
    help="What is rising this week, stories followed across issues, figure series checks.",
    no_args_is_help=True,
)


class TrendsFormat(StrEnum):
    table = "table"
    json = "json"


class KindOption(StrEnum):
    term = "term"
    entity = "entity"


FormatOption = Annotated[TrendsFormat, typer.Option("--format", "-f", help="table or json.")]


def _day(text: str | None) -> date:
    """The week's last day as given (YYYY-MM-DD), else today."""
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"not a date (YYYY-MM-DD): {text!r}", where="--week-end") from None


def _json(records: Any) -> None:
    sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")


def _print_lines(lines: list[str], fmt: TrendsFormat) -> None:
    if fmt == TrendsFormat.json:
        _json(lines)
    for line in lines if fmt == TrendsFormat.table else []:
        out.print(line, markup=False)


def _bursts_table(found: list[Burst]) -> Table:
    table = Table()
    for column in ("name", "this week", "weekly", "mean", "z", "×"):
        table.add_column(column)
    for b in found:
        ratio = "new" if b.ratio is None else f"{b.ratio:g}"
        table.add_row(b.name, str(b.count), " ".join(map(str, b.weekly)), f"{b.mean:g}", f"{b.z:g}", ratio)
    return table


@trends_app.command("bursts")
def bursts_command(
    week_end: Annotated[
        str | None, typer.Option("--week-end", help="Last day of the week (default today).")
    ] = None,
    weeks: Annotated[int, typer.Option("--weeks", help="Weeks in all: this one and those before.")] = 6,
    kind: Annotated[KindOption, typer.Option("--kind", help="term or entity.")] = KindOption.term,
    top: Annotated[int, typer.Option("--top", help="At most this many.")] = 20,
    highlights: Annotated[bool, typer.Option("--highlights", help="Print 本期要点 lines instead.")] = False,
    fmt: FormatOption = TrendsFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """Terms or entities mentioned this week far more often than in the weeks before."""
    with _errors(), _store(workspace) as (_, _settings, store):
        day = _day(week_end)
        if highlights:
            _print_lines(burst_highlights(store, day, weeks=weeks, top=top), fmt)
            return
        found = bursts(store, week_end=day, weeks=weeks, kind=kind.value, top=top)
    if fmt == TrendsFormat.json:
        _json([b.to_record() for b in found])
    else:
        out.print(_bursts_table(found))


@trends_app.command("threads")
def threads_command(
    min_issues: Annotated[
        int, typer.Option("--min-issues", help="Carried by at least this many issues.")
    ] = 2,
    fmt: FormatOption = TrendsFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """Stories followed across issues, each with its timeline."""
    with _errors(), _store(workspace) as (_, _settings, store):
        found = threads(store, min_issues=min_issues)
    if fmt == TrendsFormat.json:
        _json([t.to_record() for t in found])
        return
    for thread in found:
        out.print(
            f"[bold]{thread.label}[/] ({thread.issues} 期) {'；'.join(thread.reasons)}", highlight=False
        )
        for e in thread.entries:
            out.print(f"  {e.date or '':10} #{e.issue_id} {e.issue_number or ''} {e.title}", markup=False)


@trends_app.command("series")
def series_command(
    subject: Annotated[str, typer.Argument(help="The indicator (contained in the figure's subject).")],
    unit: Annotated[str, typer.Argument(help="Its unit, exactly (个, 亿元, %).")],
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Write the line chart to this SVG file.")
    ] = None,
    fmt: FormatOption = TrendsFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """One indicator over time, with a warning for each value that contradicts the series."""
    with _errors(), _store(workspace) as (_, _settings, store):
        view = series_view(store, subject, unit, chart=chart is not None)
    if chart is not None and view.svg:
        chart.write_text(view.svg, encoding="utf-8")
    if fmt == TrendsFormat.json:
        _json(view.to_record())
        return
    flagged = {w.date: w for w in view.warnings}
    table = Table()
    for column in ("date", "value", "raw", "warning"):
        table.add_column(column)
    for p in view.points:
        warning = flagged.get(p.date)
        table.add_row(p.date, format_value(p.value), p.raw, warning.message if warning else "")
    out.print(table)
