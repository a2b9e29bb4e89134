"""``jiance alerts``: list the workspace's alert rules, dry-run one, or run them all once.

A porch onto :mod:`jiance.alerts`: each command reads ``alerts.toml``, calls one library function and
prints what it returned. ``run`` takes ``--now`` so that a scheduler (or a test) decides the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jiance.alerts import ALERTS_FILE, AlertRule, dry_run, load_alerts
from jiance.cli_base import WorkspaceOption, _errors, _store, out
from jiance.errors import ConfigError

__all__ = ["alerts_app"]

alerts_app = typer.Typer(help="Alerts: saved searches and topic rules (alerts.toml).", no_args_is_help=True)


def _rules(workspace: Path) -> list[AlertRule]:
    rules = load_alerts(workspace / ALERTS_FILE)
    if not rules:
        raise ConfigError("no [[alerts]] rules", where=str(workspace / ALERTS_FILE))
    return rules


def _named(workspace: Path, name: str) -> AlertRule:
    found = next((r for r in _rules(workspace) if r.name == name), None)
    if found is None:
        raise ConfigError(f"no alert rule named {name!r}", where=str(workspace / ALERTS_FILE))
    return found


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"--now {value!r} is not an ISO date-time", where="--now") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _what(rule: AlertRule) -> str:
    if rule.query is not None:
        return f"query {rule.query}"
    if rule.rule is not None:
        return "rule " + " | ".join(" ".join(group) for group in rule.rule)
    return "every article"


@alerts_app.command("list")
def alerts_list(workspace: WorkspaceOption = None) -> None:
    """The rules of alerts.toml: what each matches, its mode and where it sends."""
    with _errors(), _store(workspace) as (path, _, _):
        rules = _rules(path)
    table = Table()
    for column in ("name", "mode", "matches", "schedule", "to"):
        table.add_column(column)
    for r in rules:
        schedule = r.digest_at or (f"≥{r.outlets} outlets" if r.outlets else "")
        schedule += f" quiet {'-'.join(r.quiet_hours)}" if r.quiet_hours else ""
        table.add_row(r.name, r.mode, _what(r), schedule.strip(), ", ".join(r.recipients + r.channels))
    out.print(table)


@alerts_app.command("test")
def alerts_test(
    rule: Annotated[str, typer.Argument(help="The rule's name in alerts.toml.")],
    days: Annotated[int, typer.Option(help="Look at the articles stored in the last N days.")] = 7,
    workspace: WorkspaceOption = None,
) -> None:
    """Dry run: what RULE would have alerted over the last N days, and why each item matched. No writes."""
    with _errors(), _store(workspace) as (path, _, store):
        hits = dry_run(store, _named(path, rule), now=datetime.now(UTC), days=days)
    for hit in hits:
        flag = "already alerted" if hit.already else "would alert"
        out.print(f"{flag:15} {hit.article_id[:12]} {hit.title} [{hit.story}]", markup=False)
        out.print(f"{'':15} why: {hit.reason}", markup=False)
    would = sum(not h.already for h in hits)
    out.print(
        f"{rule}: {would} would be alerted, {len(hits) - would} already were ({days} days)", markup=False
    )


@alerts_app.command("run")
def alerts_run(
    now: Annotated[str | None, typer.Option("--now", help="The time to run at (ISO; default: now).")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Evaluate every rule once: record new hits, enqueue the messages now allowed, deliver what is due."""
    from jiance.distribute.cycle import run_cycle

    with _errors(), _store(workspace) as (path, settings, store):
        _rules(path)  # no rules is a mistake worth saying here (the watch loop just skips them)
        report = run_cycle(store, path, settings, now=_now(now))
    for b in report.batches:
        out.print(f"{b.status:10} {b.rule}: {len(b.hits)} new, {b.sent} enqueued", markup=False)
    out.print(f"outbox: {len(report.deliveries)} delivered or tried", markup=False)
