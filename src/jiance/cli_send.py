"""``jiance send`` and ``jiance outbox``: send an edition to its recipients, and see what went out.

Registered in :mod:`jiance.cli`. A send exits 1 when some delivery failed (it stays in the outbox and
``jiance outbox retry`` tries it again when due), 2 on bad configuration.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from jiance.cli_base import WorkspaceOption, _errors, _store, err, out
from jiance.distribute.outbox import DeliveryReport, deliver_due, outbox_rows
from jiance.distribute.send import send_issue, workspace_channels

__all__ = ["outbox_app", "send"]

outbox_app = typer.Typer(
    help="The stored outbox: what was sent, when, and what failed.", invoke_without_command=True
)


def _show_delivery(report: DeliveryReport) -> bool:
    """Print each delivery; True when every one went out."""
    for d in report.deliveries:
        if d.status == "sent":
            out.print(f"sent   {d.recipient} ({d.channel})", markup=False)
        elif d.status == "failed":
            err.print(
                f"failed {d.recipient} ({d.channel}): {d.error}; next try {d.next_attempt_at}", markup=False
            )
        elif d.status == "dead":
            err.print(f"dead   {d.recipient} ({d.channel}): {d.error}", markup=False, style="red")
        else:
            err.print(f"lost   {d.recipient} ({d.channel}): another worker took it over", markup=False)
    return all(d.status == "sent" for d in report.deliveries)


def send(
    issue_id: Annotated[int, typer.Argument(help="Issue id (from `jiance issue list`).")],
    edition: Annotated[
        str, typer.Option("--edition", "-e", help="Edition name from editions.toml.")
    ] = "default",
    to: Annotated[
        list[str] | None,
        typer.Option("--to", help="Send to this address instead of the edition's recipients (repeatable)."),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Send one edition of an issue: build it if needed, queue one message per recipient, deliver."""
    with _errors(), _store(workspace) as (root, settings, store):
        report = send_issue(store, root, settings, issue_id, edition, to=to or None)
    for note in report.notes:
        err.print(f"note: {note}", markup=False)
    if report.built:
        out.print(f"built {report.build_dir}", markup=False)
    for key in report.already_queued:
        out.print(f"already queued, not sent again: {key}", markup=False)
    ok = _show_delivery(report.delivery)
    out.print(f"{len(report.queued)} queued, {len(report.delivery.sent)} sent", markup=False)
    if not ok:
        raise typer.Exit(1)


@outbox_app.callback()
def outbox(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", "-s", help="pending, sending, sent, failed or dead.")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Show the outbox, newest first (``jiance outbox retry`` delivers what is due)."""
    if ctx.invoked_subcommand is not None:
        return
    with _errors(), _store(workspace) as (_, _, store):
        rows = outbox_rows(store, status)
    table = Table(title="outbox")
    for column in ("status", "channel", "recipient", "issue", "edition", "tries", "sent / next try", "error"):
        # the recipient and the time are what a reader looks for: never cut, the error folds instead
        table.add_column(column, no_wrap=column in ("recipient", "sent / next try"), overflow="fold")
    for r in rows:
        when = r.sent_at if r.status == "sent" else ("" if r.status == "dead" else r.next_attempt_at)
        table.add_row(
            r.status, r.channel, r.recipient, str(r.issue_id or ""), r.edition or "", str(r.attempts),
            when or "", (r.last_error or "")[:80],
        )  # fmt: skip
    out.print(table)


@outbox_app.command("retry")
def retry(workspace: WorkspaceOption = None) -> None:
    """Deliver every queued message that is due now (failed ones once their backoff has passed)."""
    with _errors(), _store(workspace) as (root, settings, store):
        report = deliver_due(store, workspace_channels(root, settings))
    ok = _show_delivery(report)
    out.print(f"{len(report.sent)} sent, {len(report.failed)} failed, {len(report.dead)} dead", markup=False)
    if not ok:
        raise typer.Exit(1)
