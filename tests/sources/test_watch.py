"""The watch loop: schedules, back-off, no overlap, clean stops -- in virtual time, and for real signals in a
subprocess that writes to SQLite."""

from __future__ import annotations

import itertools
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jiance.sources.config import SourceConfig
from jiance.sources.schedule import parse_schedule
from jiance.sources.watch import Job, ManualClock, StopToken, Watcher, WatchEvent, jobs_from_sources

START = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)


def seconds(when: datetime | None) -> float:
    assert when is not None
    return (when - START).total_seconds()


class Recorder:
    """Collects events; stops the watcher once ``until`` says so (it runs on the loop's thread)."""

    def __init__(self, until: Callable[[list[WatchEvent]], bool]) -> None:
        self.events: list[WatchEvent] = []
        self.until = until
        self.watcher: Watcher | None = None

    def __call__(self, event: WatchEvent) -> None:
        self.events.append(event)
        if self.watcher is not None and self.until(self.events):
            self.watcher.request_stop()

    def of(self, kind: str, job: str | None = None) -> list[WatchEvent]:
        return [e for e in self.events if e.kind == kind and (job is None or e.job == job)]


def watch(
    jobs: list[Job], until: Callable[[list[WatchEvent]], bool], **options: float
) -> tuple[Recorder, int]:
    recorder = Recorder(until)
    options.setdefault("max_sleep_s", 7 * 86400)  # virtual time: no need to re-check a drifting clock
    watcher = Watcher(jobs, clock=ManualClock(START), on_event=recorder, **options)  # type: ignore[arg-type]
    recorder.watcher = watcher
    return recorder, watcher.run_until_stopped()


def count(kind: str, job: str, n: int) -> Callable[[list[WatchEvent]], bool]:
    return lambda events: sum(e.kind == kind and e.job == job for e in events) >= n


def test_interval_job_runs_at_start_then_every_interval() -> None:
    ran: list[int] = []
    job = Job("feed", parse_schedule("30m"), lambda stop: ran.append(1))
    recorder, code = watch([job], count("finished", "feed", 3))
    assert code == 0 and len(ran) == 3
    assert [seconds(e.at) for e in recorder.of("started")] == [0, 1800, 3600]
    assert [seconds(e.next_run) for e in recorder.of("finished")] == [1800, 3600, 5400]
    assert recorder.events[-1].kind == "stopped" and recorder.events[-1].unfinished == ()


def test_cron_job_waits_for_its_minute() -> None:
    job = Job("daily", parse_schedule("30 16 * * *"), lambda stop: None)  # 16:30 Shanghai = 08:30 UTC
    recorder, _ = watch([job], count("finished", "daily", 2))
    assert [seconds(e.at) for e in recorder.of("started")] == [1800, 1800 + 86400]


def test_failing_job_keeps_loop_alive_with_capped_backoff() -> None:
    def broken(stop: StopToken) -> None:
        raise RuntimeError("site moved")

    healthy = Job("healthy", parse_schedule("25s"), lambda stop: "ok")
    jobs = [Job("broken", parse_schedule("1s"), broken), healthy]
    recorder, code = watch(jobs, count("failed", "broken", 6), backoff_s=10, backoff_cap_s=40)
    assert code == 0
    failed = recorder.of("failed", "broken")
    assert failed[0].error == "RuntimeError: site moved"
    assert [e.failures for e in failed] == [1, 2, 3, 4, 5, 6]
    starts = [seconds(e.at) for e in recorder.of("started", "broken")]
    assert [b - a for a, b in itertools.pairwise(starts)] == [10, 20, 40, 40, 40]
    assert len(recorder.of("finished", "healthy")) >= 5  # the other source went on meanwhile


def test_returned_failed_report_counts_as_failure_and_success_resets() -> None:
    class Report:
        def __init__(self, status: str) -> None:
            self.status, self.error = status, "http-status: 503" if status == "failed" else None

    outcomes = iter(["failed", "failed", "ok", "ok"])
    job = Job("src", parse_schedule("1m"), lambda stop: Report(next(outcomes)))
    recorder, _ = watch([job], count("finished", "src", 2), backoff_s=300)
    kinds = [(e.kind, e.failures) for e in recorder.events if e.kind in ("failed", "finished")]
    assert kinds == [("failed", 1), ("failed", 2), ("finished", 0), ("finished", 0)]
    assert recorder.of("failed")[0].error == "http-status: 503"
    starts = [seconds(e.at) for e in recorder.of("started")]
    assert starts == [0, 300, 900, 960]  # back-off 300 s, then 600 s, then back to every minute


def test_a_job_never_overlaps_itself() -> None:
    release, active, most = threading.Event(), [0], [0]
    lock = threading.Lock()
    quick_runs: list[int] = []

    def slow(stop: StopToken) -> None:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        release.wait(10)
        with lock:
            active[0] -= 1

    def quick(stop: StopToken) -> None:
        quick_runs.append(1)
        if len(quick_runs) >= 6:  # 25 virtual seconds passed while slow was still running
            release.set()

    jobs = [Job("slow", parse_schedule("5s"), slow), Job("quick", parse_schedule("5s"), quick)]
    recorder, code = watch(jobs, count("started", "slow", 2))
    assert code == 0 and most[0] == 1
    slow_starts = recorder.of("started", "slow")
    slow_done = recorder.of("finished", "slow")[0]
    assert slow_starts[1].at >= slow_done.at  # the second run began only after the first ended
    assert seconds(slow_done.at) >= 25  # and the runs it missed meanwhile collapsed into that one


def test_stop_lets_the_running_job_finish_its_item() -> None:
    items: list[int] = []

    def collect(stop: StopToken) -> str:
        for item in range(1000):
            if stop.should_stop():
                return "stopped early"
            items.append(item)
            stop.wait(0.01)
        return "all"

    job = Job("feed", parse_schedule("1h"), collect)
    watcher = Watcher([job], clock=ManualClock(START), grace_s=5)
    thread = threading.Thread(target=lambda: codes.append(watcher.run_until_stopped()))
    codes: list[int] = []
    thread.start()
    while len(items) < 3:
        time.sleep(0.01)
    watcher.request_stop()
    thread.join(5)
    assert codes == [0] and 3 <= len(items) < 1000


def test_grace_period_runs_out_on_a_stuck_job() -> None:
    hang = threading.Event()
    events: list[WatchEvent] = []
    watcher = Watcher(
        [Job("stuck", parse_schedule("1h"), lambda stop: hang.wait(10))], grace_s=0.2, on_event=events.append
    )
    threading.Timer(0.1, watcher.request_stop).start()
    began = time.monotonic()
    assert watcher.run_until_stopped() == 1
    assert time.monotonic() - began < 2
    assert events[-1].kind == "stopped" and events[-1].unfinished == ("stuck",)
    hang.set()


def test_jitter_spreads_first_runs_and_is_stable() -> None:
    jobs = [Job(f"source-{n}", parse_schedule("1h"), lambda stop: None) for n in range(200)]

    def first_runs() -> list[float]:
        recorder, _ = watch(jobs, lambda events: len(events) >= 200, jitter_s=600)
        return [seconds(e.next_run) for e in recorder.of("scheduled")]

    spread = first_runs()
    assert all(0 <= s < 600 for s in spread)
    assert len({int(s) for s in spread}) > 150  # not bunched together
    assert first_runs() == spread  # a restart keeps every source's slot


def test_last_run_sets_the_first_run_and_overdue_runs_once_soon() -> None:
    recent = Job("recent", parse_schedule("1h"), lambda stop: None, last_run=START - timedelta(minutes=20))
    stale = Job("stale", parse_schedule("1h"), lambda stop: None, last_run=START - timedelta(days=3))
    recorder, _ = watch([recent, stale], lambda events: len(events) >= 2)
    planned = {e.job: seconds(e.next_run) for e in recorder.of("scheduled")}
    assert planned == {"recent": 40 * 60, "stale": 0}


def test_broken_event_handler_does_not_stop_the_loop() -> None:
    runs: list[int] = []
    watcher: Watcher

    def handler(event: WatchEvent) -> None:
        if len(runs) >= 3:
            watcher.request_stop()
        raise ValueError("printer on fire")

    watcher = Watcher(
        [Job("a", parse_schedule("10s"), lambda stop: runs.append(1))],
        clock=ManualClock(START),
        on_event=handler,
    )
    assert watcher.run_until_stopped() == 0 and len(runs) >= 3


def test_jobs_from_sources_uses_schedule_timezone_and_skips_disabled() -> None:
    seen: list[str] = []
    configs = [
        SourceConfig(
            "miit", "feed", url="https://example.org/rss", schedule="0 8 * * 1-5", timezone="Europe/Berlin"
        ),
        SourceConfig("off", "feed", url="https://example.org/off", enabled=False),
        SourceConfig("drop", "folder", path="/tmp/in", schedule="90s"),
    ]
    jobs = jobs_from_sources(configs, lambda config, stop: seen.append(config.name))
    assert [job.name for job in jobs] == ["miit", "drop"]
    assert jobs[0].schedule.next_after(START).isoformat() == "2024-06-03T08:00:00+02:00"
    jobs[1].run(StopToken())
    assert seen == ["drop"]


def test_duplicate_job_names_are_refused() -> None:
    job = Job("a", parse_schedule("1h"), lambda stop: None)
    with pytest.raises(ValueError, match="unique"):
        Watcher([job, job])


# -- a real process, real signals, a real SQLite file ------------------------------------------------

WRITER = """
import sqlite3, sys, time
from jiance.sources.schedule import parse_schedule
from jiance.sources.watch import Job, Watcher, run_with_signals

db, mode, grace = sys.argv[1], sys.argv[2], float(sys.argv[3])

def write(stop):
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("create table if not exists rows (batch integer, n integer)")
    batch = 0
    while mode == "stubborn" or not stop.should_stop():
        batch += 1
        con.execute("begin")
        for n in range(5):
            con.execute("insert into rows values (?, ?)", (batch, n))
            time.sleep(0.01)
        con.execute("commit")
        if batch == 3:
            print("ready", flush=True)
    con.close()

sys.exit(run_with_signals(Watcher([Job("writer", parse_schedule("1h"), write)], grace_s=grace)))
"""


def run_and_signal(tmp_path: Path, sig: signal.Signals, mode: str, grace: float) -> tuple[int, float, Path]:
    script, db = tmp_path / "writer.py", tmp_path / "rows.sqlite"
    script.write_text(WRITER, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(db), mode, str(grace)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        readable, _, _ = select.select([proc.stdout], [], [], 15)
        assert readable and proc.stdout.readline().strip() == b"ready"
        time.sleep(0.025)  # land inside a batch's transaction
        sent = time.monotonic()
        proc.send_signal(sig)
        code = proc.wait(timeout=grace + 10)
        return code, time.monotonic() - sent, db
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def assert_whole_batches(db: Path) -> None:
    con = sqlite3.connect(db)
    try:
        assert con.execute("pragma integrity_check").fetchone() == ("ok",)
        sizes = [size for (size,) in con.execute("select count(*) from rows group by batch")]
    finally:
        con.close()
    assert len(sizes) >= 3 and set(sizes) == {5}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_a_real_watcher_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    code, took, db = run_and_signal(tmp_path, sig, "polite", grace=5)
    assert code == 0 and took < 5
    assert_whole_batches(db)


def test_stuck_job_is_abandoned_after_grace_without_a_partial_row(tmp_path: Path) -> None:
    code, took, db = run_and_signal(tmp_path, signal.SIGTERM, "stubborn", grace=0.5)
    assert code == 1 and took < 5
    assert_whole_batches(db)
