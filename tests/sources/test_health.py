"""Source health from recorded runs: last success, last error, failures in a row, flagging."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jiance.settings import Settings
from jiance.sources.collect import collect_source
from jiance.sources.config import SourceConfig
from jiance.sources.health import FLAG_AFTER_FAILURES, health_from_runs, source_health
from jiance.sources.http import Fetcher
from jiance.store.collection import SourceRun, SQLiteCollection
from jiance.store.sqlite import SQLiteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "jiance.db") as opened:
        yield opened


def run(status: str, at: str, new: int = 0, error: str | None = None) -> SourceRun:
    return SourceRun("s", at, at, status, items_new=new, error=error, latency_s=0.5)


def test_health_from_runs() -> None:
    runs = [run("failed", "t4", error="timeout: slow"), run("ok", "t3", 4), run("failed", "t2", error="x"), run("ok", "t1", 2)]  # fmt: skip
    health = health_from_runs("s", runs)
    assert (health.last_status, health.last_success_at, health.consecutive_failures) == ("failed", "t3", 1)
    assert (health.last_error, health.last_error_at) == ("timeout: slow", "t4")
    assert health.items_per_run == 1.5 and health.latency_s == 0.5 and not health.flagged
    assert health_from_runs("s", []).runs == 0


def test_flagged_after_three_failing_runs_and_cleared_by_a_success(
    tmp_path: Path, store: SQLiteStore
) -> None:
    inbox = tmp_path / "inbox"
    source = SourceConfig(name="inbox", kind="folder", path=str(inbox))
    collection = SQLiteCollection(store)
    with Fetcher() as fetcher:
        for expected in range(1, FLAG_AFTER_FAILURES + 1):
            collect_source(source, fetcher, store, Settings())
            [health] = source_health(collection, [source])
            assert health.consecutive_failures == expected
            assert health.flagged == (expected >= FLAG_AFTER_FAILURES)
        assert health.last_success_at is None and health.last_error and "missing" in health.last_error
        inbox.mkdir()
        collect_source(source, fetcher, store, Settings())
    [health] = source_health(collection, [source])
    assert (health.consecutive_failures, health.flagged, health.runs) == (0, False, 4)
    assert health.last_success_at is not None and health.kind == "folder"
