"""Source health: what a source's recorded runs say about it, so a dead source is noticed.

Health is computed from ``source_runs`` (one row per run, written by :mod:`jiance.sources.collect`), never
kept as a separate truth that could drift: the last success, the last error and its reason, the number of
failed runs since the last one that was not failed, items per run and fetch latency. A source is
``flagged`` once :data:`FLAG_AFTER_FAILURES` runs in a row have failed: one failure is weather, three are
a site that moved or blocked us.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jiance.sources.config import SourceConfig
from jiance.store.collection import SourceRun, SQLiteCollection

__all__ = ["FLAG_AFTER_FAILURES", "HEALTH_WINDOW", "SourceHealth", "health_from_runs", "source_health"]

#: Consecutive failed runs after which a source is flagged.
FLAG_AFTER_FAILURES = 3
#: How many recent runs the averages (items per run, latency) are taken over.
HEALTH_WINDOW = 20


@dataclass(slots=True)
class SourceHealth:
    """One source's health; times are ISO 8601 UTC, ``None`` when it never happened."""

    name: str
    kind: str | None = None
    enabled: bool = True
    runs: int = 0
    last_run_at: str | None = None
    last_status: str | None = None
    last_success_at: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    consecutive_failures: int = 0
    items_per_run: float = 0.0  # mean new items over the recent runs
    latency_s: float | None = None  # mean fetch latency over the recent runs
    flagged: bool = False


def _consecutive_failures(newest_first: list[SourceRun]) -> int:
    count = 0
    for run in newest_first:
        if run.status != "failed":
            break
        count += 1
    return count


def health_from_runs(
    name: str, newest_first: list[SourceRun], *, flag_after: int = FLAG_AFTER_FAILURES
) -> SourceHealth:
    """Health of the source ``name`` from its runs, newest first (a pure function: easy to test)."""
    health = SourceHealth(name=name, runs=len(newest_first))
    if not newest_first:
        return health
    last = newest_first[0]
    health.last_run_at, health.last_status = last.finished_at, last.status
    success = next((r for r in newest_first if r.status != "failed"), None)
    health.last_success_at = success.finished_at if success else None
    errored = next((r for r in newest_first if r.error), None)
    if errored is not None:
        health.last_error, health.last_error_at = errored.error, errored.finished_at
    health.consecutive_failures = _consecutive_failures(newest_first)
    recent = newest_first[:HEALTH_WINDOW]
    health.items_per_run = round(sum(r.items_new for r in recent) / len(recent), 2)
    latencies = [r.latency_s for r in recent if r.latency_s is not None]
    health.latency_s = round(sum(latencies) / len(latencies), 3) if latencies else None
    health.flagged = health.consecutive_failures >= flag_after
    return health


def source_health(
    collection: SQLiteCollection, configs: Iterable[SourceConfig], *, flag_after: int = FLAG_AFTER_FAILURES
) -> list[SourceHealth]:
    """Health of every configured source, in configuration order."""
    found = []
    for config in configs:
        health = health_from_runs(config.name, collection.runs(config.name), flag_after=flag_after)
        health.kind, health.enabled = config.kind, config.enabled
        found.append(health)
    return found
