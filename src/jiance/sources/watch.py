"""The long-running ``jiance watch`` loop: run every source on its schedule, for months, and stop cleanly.

What an operations team can rely on:

- **One failure never kills the loop.** An exception in a job (or a returned report whose ``status`` is
  ``"failed"``, as :func:`jiance.sources.collect.collect_source` returns) becomes a ``failed`` event with
  the error text; the job is re-scheduled no earlier than its schedule *and* a capped exponential
  back-off (``backoff_s * 2**(failures-1)``, at most ``backoff_cap_s``), so a dead source is not hammered.
- **A job never overlaps itself.** A job is back in the queue only once its run has finished; runs it
  missed meanwhile collapse into one.
- **Stopping is clean.** :meth:`Watcher.request_stop` (SIGTERM/SIGINT under :func:`run_with_signals`)
  starts no new job and sets the :class:`StopToken` every job holds; a job checks it between items and
  returns. The loop waits up to ``grace_s`` for running jobs: 0 when they all finished, 1 when it gave up
  (or a second signal forced it) -- threads left behind are daemons and die with the process, so a
  transaction they held open is rolled back, never half-written.
- **Events, not logs.** ``on_event`` receives a :class:`WatchEvent` (scheduled, started, finished,
  failed with error and duration, next run time, stopping, stopped), always on the loop's own thread,
  so the CLI can print it and a store can record it with one connection.
- **Jitter.** With ``jitter_s`` each job is shifted by a fixed offset in ``[0, jitter_s)`` derived from
  its name, so 1,000 sources on ``1h`` do not all fire at once, and restarts keep the same spread.

Jobs run in worker threads (at most ``max_workers`` at once); a job that touches SQLite opens its own
connection. Time comes from an injectable :class:`Clock`, so tests step through hours in milliseconds.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Literal, Protocol

from jiance.settings import Settings
from jiance.sources.config import SourceConfig
from jiance.sources.schedule import IntervalSchedule, Schedule, parse_schedule

__all__ = [
    "Clock",
    "EventKind",
    "Job",
    "ManualClock",
    "StopToken",
    "SystemClock",
    "WatchEvent",
    "Watcher",
    "jobs_from_sources",
    "run_with_signals",
    "watch_workspace",
]

log = logging.getLogger(__name__)

EventKind = Literal["scheduled", "started", "finished", "failed", "stopping", "stopped"]
#: The longest the loop sleeps without looking at the clock again (wall-clock jumps, NTP).
MAX_SLEEP_S = 60.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class StopToken:
    """What a running job checks between items: ``if stop.should_stop(): return``."""

    def __init__(self, event: threading.Event | None = None) -> None:
        self._event = event or threading.Event()

    def should_stop(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking early (and returning True) when a stop is requested."""
        return self._event.wait(seconds)


@dataclass(frozen=True, slots=True)
class Job:
    """A named piece of work on a schedule; ``last_run`` (if known, e.g. from the store) sets the first run."""

    name: str
    schedule: Schedule
    run: Callable[[StopToken], object]
    last_run: datetime | None = None


@dataclass(slots=True)
class WatchEvent:
    """Something the loop did; times are aware UTC. ``result`` is what the job returned."""

    kind: EventKind
    job: str | None
    at: datetime
    duration_s: float | None = None
    error: str | None = None
    next_run: datetime | None = None
    failures: int = 0  # consecutive failures of the job so far
    result: object = None
    unfinished: tuple[str, ...] = ()  # on "stopped": jobs still running when the loop gave up


class Clock(Protocol):
    """Where the loop gets the time and how it sleeps; swapped for :class:`ManualClock` in tests."""

    def now(self) -> datetime: ...

    def sleep(self, seconds: float, wake: threading.Event) -> None:
        """Sleep up to ``seconds``, returning early once ``wake`` is set."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float, wake: threading.Event) -> None:
        wake.wait(max(seconds, 0.0))


class ManualClock:
    """Virtual time for tests: sleeping advances the clock at once, after ``settle_s`` of real time in
    which a finishing job can wake the loop first (so runs land at the virtual times they should)."""

    def __init__(self, start: datetime, *, settle_s: float = 0.05) -> None:
        self._now = start.astimezone(UTC)
        self._settle_s = settle_s
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def sleep(self, seconds: float, wake: threading.Event) -> None:
        if wake.wait(self._settle_s):
            return
        self.advance(max(seconds, 0.0))


@dataclass(slots=True)
class _State:
    job: Job
    offset: timedelta
    nominal: datetime = _EPOCH  # the schedule's time, without jitter or back-off
    due: datetime = _EPOCH
    failures: int = 0


@dataclass(slots=True)
class _Done:
    name: str
    duration_s: float
    result: object = None
    error: str | None = None


def _offset(name: str, jitter_s: float) -> timedelta:
    """A stable offset in [0, jitter_s): the same source keeps its slot across restarts."""
    fraction = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") / 2**64
    return timedelta(seconds=fraction * jitter_s)


def _failure_of(result: object) -> str | None:
    """The error of a returned report that says it failed (``status == "failed"``), else None."""
    if getattr(result, "status", None) == "failed":
        return str(getattr(result, "error", None) or "failed")
    return None


class Watcher:
    """Runs jobs on their schedules until asked to stop; see the module docstring for the guarantees."""

    def __init__(
        self,
        jobs: Sequence[Job],
        *,
        clock: Clock | None = None,
        max_workers: int = 2,
        on_event: Callable[[WatchEvent], None] | None = None,
        jitter_s: float = 0.0,
        backoff_s: float = 60.0,
        backoff_cap_s: float = 3600.0,
        grace_s: float = 30.0,
        run_at_start: bool = True,
        max_sleep_s: float = MAX_SLEEP_S,
    ) -> None:
        names = [job.name for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"job names must be unique, got {names}")
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._clock: Clock = clock or SystemClock()
        self._max_workers = max_workers
        self._on_event = on_event
        self._backoff_s, self._backoff_cap_s, self._grace_s = backoff_s, backoff_cap_s, grace_s
        self._run_at_start, self._max_sleep_s = run_at_start, max_sleep_s
        self._states = {job.name: _State(job, _offset(job.name, jitter_s)) for job in jobs}
        self._heap: list[tuple[datetime, int, str]] = []
        self._seq = 0
        self._running: dict[str, threading.Thread] = {}
        self._done: queue.Queue[_Done] = queue.Queue()
        self._wake = threading.Event()
        self._stop_event = threading.Event()
        self._forced = threading.Event()
        self.stop_token = StopToken(self._stop_event)

    def request_stop(self, *, force: bool = False) -> None:
        """Start no new job and tell running ones to stop; ``force`` also skips the grace period."""
        self._stop_event.set()
        if force:
            self._forced.set()
        self._wake.set()

    def run_until_stopped(self) -> int:
        """Run until :meth:`request_stop`; 0 if every job finished in the grace period, else 1."""
        now = self._clock.now()
        for state in self._states.values():
            self._first_schedule(state, now)
        while not self._stop_event.is_set():
            self._drain()
            self._start_due()
            self._clock.sleep(self._sleep_s(), self._wake)
            self._wake.clear()
        return self._shut_down()

    # -- scheduling ------------------------------------------------------------------------------

    def _push(self, state: _State, *, announce: bool = True) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (state.due, self._seq, state.job.name))
        if announce:
            self._emit(WatchEvent("scheduled", state.job.name, self._clock.now(), next_run=state.due))

    def _first_schedule(self, state: _State, now: datetime) -> None:
        job = state.job
        if job.last_run is not None:
            state.nominal = job.schedule.next_after(job.last_run).astimezone(UTC)
            if state.nominal + state.offset <= now:  # overdue: run once, soon
                state.nominal = now
        elif self._run_at_start and isinstance(job.schedule, IntervalSchedule):
            state.nominal = now
        else:
            state.nominal = job.schedule.next_after(now).astimezone(UTC)
        state.due = state.nominal + state.offset
        self._push(state)

    def _reschedule(self, state: _State, now: datetime, failed: bool) -> None:
        schedule = state.job.schedule
        nominal = schedule.next_after(state.nominal).astimezone(UTC)
        if nominal + state.offset <= now:  # runs missed while this one ran collapse into one
            nominal = schedule.next_after(now - state.offset).astimezone(UTC)
        state.nominal, state.due = nominal, nominal + state.offset
        state.failures = state.failures + 1 if failed else 0
        if failed:
            delay = min(self._backoff_s * 2 ** (state.failures - 1), self._backoff_cap_s)
            state.due = max(state.due, now + timedelta(seconds=delay))
        self._push(state, announce=False)  # the finished/failed event carries next_run

    def _sleep_s(self) -> float:
        if not self._heap or len(self._running) >= self._max_workers:
            return self._max_sleep_s
        until = (self._heap[0][0] - self._clock.now()).total_seconds()
        return min(max(until, 0.0), self._max_sleep_s)

    # -- running ---------------------------------------------------------------------------------

    def _start_due(self) -> None:
        now = self._clock.now()
        while self._heap and self._heap[0][0] <= now and len(self._running) < self._max_workers:
            _, _, name = heapq.heappop(self._heap)
            if name in self._running:  # cannot happen: a running job is not queued; kept as a guard
                continue
            state = self._states[name]
            self._emit(WatchEvent("started", name, now, failures=state.failures))
            thread = threading.Thread(target=self._work, args=(state.job,), name=f"watch:{name}", daemon=True)
            self._running[name] = thread
            thread.start()

    def _work(self, job: Job) -> None:
        started = time.monotonic()
        try:
            result = job.run(self.stop_token)
            done = _Done(job.name, time.monotonic() - started, result, _failure_of(result))
        except BaseException as error:  # one job's crash must never reach the loop
            done = _Done(job.name, time.monotonic() - started, error=f"{type(error).__name__}: {error}")
        self._done.put(done)
        self._wake.set()

    def _drain(self) -> None:
        while True:
            try:
                done = self._done.get_nowait()
            except queue.Empty:
                return
            self._running.pop(done.name, None)
            self._finish(done)

    def _finish(self, done: _Done) -> None:
        state, now = self._states[done.name], self._clock.now()
        failed = done.error is not None
        if not self._stop_event.is_set():
            self._reschedule(state, now, failed)
        elif failed:
            state.failures += 1
        kind: EventKind = "failed" if failed else "finished"
        next_run = None if self._stop_event.is_set() else state.due
        self._emit(
            WatchEvent(
                kind, done.name, now, done.duration_s, done.error, next_run, state.failures, done.result
            )
        )

    def _shut_down(self) -> int:
        self._emit(WatchEvent("stopping", None, self._clock.now(), unfinished=tuple(self._running)))
        deadline = time.monotonic() + self._grace_s
        while self._running and not self._forced.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._wake.wait(min(remaining, 0.1))
            self._wake.clear()
            self._drain()
        self._drain()
        unfinished = tuple(self._running)
        self._emit(WatchEvent("stopped", None, self._clock.now(), unfinished=unfinished))
        return 1 if unfinished else 0

    def _emit(self, event: WatchEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:  # a broken printer or store must not stop months of collection
            log.exception("watch event handler failed on %s", event.kind)


def jobs_from_sources(
    configs: Iterable[SourceConfig], run: Callable[[SourceConfig, StopToken], object]
) -> list[Job]:
    """One job per enabled source, on its ``schedule`` in its ``timezone``; ``run(config, stop)`` does it."""

    def bind(config: SourceConfig) -> Callable[[StopToken], object]:
        return lambda stop: run(config, stop)

    return [
        Job(config.name, parse_schedule(config.schedule, config.timezone), bind(config))
        for config in configs
        if config.enabled
    ]


class _Signals:
    """Counts signals; the handler only bumps a number, because taking a lock inside a signal handler
    can deadlock the thread it interrupted."""

    def __init__(self) -> None:
        self.count = 0

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1


def run_with_signals(
    watcher: Watcher, signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT)
) -> int:
    """Run ``watcher`` until SIGTERM/SIGINT and return the exit code (0 clean, 1 forced or timed out).

    The first signal asks for a clean stop, a second one forces it. Call from the main thread (Python
    only delivers signals there); the loop itself runs in a helper thread meanwhile.
    """
    flags = _Signals()
    previous = {sig: signal.signal(sig, flags.handle) for sig in signals}
    outcome: list[int] = []
    crash: list[BaseException] = []

    def loop() -> None:
        try:
            outcome.append(watcher.run_until_stopped())
        except BaseException as error:
            crash.append(error)

    thread = threading.Thread(target=loop, name="jiance-watch", daemon=True)
    try:
        thread.start()
        seen = 0
        while thread.is_alive():
            thread.join(0.1)
            if flags.count > seen:
                seen = flags.count
                watcher.request_stop(force=seen > 1)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if crash:
        raise crash[0]
    return outcome[0] if outcome else 1


def watch_workspace(
    workspace: Path,
    settings: Settings,
    *,
    on_event: Callable[[WatchEvent], None] | None = None,
    grace_s: float = 30.0,
) -> int:
    """Run the workspace's sources on their schedules until SIGTERM/SIGINT; the exit code of the loop.

    Each run opens its own store connection (jobs run in worker threads) and shares one fetcher, so the
    per-host delays hold across sources. A stop lets every running source finish the item in hand.
    """
    from jiance.sources.collect import collect_source
    from jiance.sources.config import load_sources
    from jiance.sources.http import Fetcher, policy_from_settings
    from jiance.workspace import open_store

    configs = load_sources(settings, base=workspace)
    with Fetcher(policy_from_settings(settings)) as fetcher:

        def run(config: SourceConfig, stop: StopToken) -> object:
            from jiance.sources.control import effective_sources

            with open_store(workspace, settings) as store:
                if not effective_sources(store, [config])[0].enabled:
                    return None  # paused by an editor in the web app since the watch started
                return collect_source(config, fetcher, store, settings, should_stop=stop.should_stop)

        def cycle(stop: StopToken) -> object:
            from jiance.distribute.cycle import run_cycle

            with open_store(workspace, settings) as store:
                return run_cycle(store, workspace, settings)

        from jiance.distribute.cycle import CYCLE_SCHEDULE

        jobs = jobs_from_sources(configs, run)
        jobs.append(Job("alerts + outbox", parse_schedule(CYCLE_SCHEDULE), cycle))  # digests, retries
        watcher = Watcher(jobs, on_event=on_event, grace_s=grace_s)
        return run_with_signals(watcher)
