"""One distribution cycle of a workspace: evaluate its alert rules, then deliver whatever the outbox has
due. ``jiance alerts run`` runs it once; ``jiance watch`` runs it every minute beside the sources, so
digests go out at their time and failed sends are retried on their backoff without anyone asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from jiance.settings import Settings
from jiance.store.base import Store

if TYPE_CHECKING:
    from jiance.alerts import AlertBatch
    from jiance.distribute.outbox import Delivery

__all__ = ["CYCLE_SCHEDULE", "CycleReport", "run_cycle"]

CYCLE_SCHEDULE = "1m"


@dataclass(slots=True)
class CycleReport:
    """What one cycle did: the rules' batches and the outbox deliveries."""

    batches: list[AlertBatch] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)


def run_cycle(
    store: Store, workspace: Path, settings: Settings, *, now: datetime | None = None
) -> CycleReport:
    """Alerts (when ``alerts.toml`` has rules) then every due outbox row, through the configured channels."""
    from jiance.alerts import ALERTS_FILE, evaluate, load_alerts
    from jiance.distribute.outbox import deliver_due
    from jiance.distribute.recipients import RECIPIENTS_FILE, load_recipients
    from jiance.distribute.send import workspace_channels

    moment = now or datetime.now(UTC)
    config = load_recipients(workspace / RECIPIENTS_FILE)
    rules = load_alerts(workspace / ALERTS_FILE)
    report = CycleReport()
    if rules:
        bots = {name: bot.type for name, bot in config.bots.items()}
        report.batches = list(evaluate(store, rules, now=moment, bots=bots))
    report.deliveries = list(
        deliver_due(store, workspace_channels(workspace, settings, config), now=moment).deliveries
    )
    return report
