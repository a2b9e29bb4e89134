"""What every benchmark needs: a fair measurement, a printed table and a durable record of the run.

Each repetition of the work runs in a freshly forked child, so its timing is not helped by caches a
previous repetition warmed in our heap, and its memory can be told apart from the harness's own. The
peak is read by the child itself, as ``getrusage(RUSAGE_SELF).ru_maxrss`` after the work minus its
resident size before it: the child starts as a copy of this process, so its raw peak would include
everything the harness and earlier benchmarks had loaded. ``RUSAGE_CHILDREN`` in the parent is no use
here, because it is the maximum over *all* children ever waited for, so it can only grow between runs.
Before the baseline the child collects garbage and asks glibc to hand free heap pages back
(``malloc_trim``): otherwise the work could reuse pages the parent freed but kept resident, and its
peak would read as almost nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import multiprocessing
import os
import platform
import resource
import statistics
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["RESULTS", "Measurement", "measure", "ratio", "report", "throughput_mb_s"]

RESULTS = Path(__file__).resolve().parents[1] / ".bench" / "results.jsonl"


@dataclass(slots=True, frozen=True)
class Measurement:
    """Best and median wall time over the repetitions, and the largest extra resident memory one needed."""

    seconds_best: float
    seconds_median: float
    peak_rss_mb: float


def measure(fn: Callable[[], object], *, repeat: int = 3) -> Measurement:
    """Run ``fn()`` ``repeat`` times, each in a fresh forked child, and summarise time and peak memory."""
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    runs = [_run_in_child(fn) for _ in range(repeat)]
    seconds = [run[0] for run in runs]
    return Measurement(min(seconds), statistics.median(seconds), max(run[1] for run in runs))


def _run_in_child(fn: Callable[[], object]) -> tuple[float, float]:
    """One repetition: ``(seconds, peak_extra_rss_mb)`` measured inside a forked child."""
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_main, args=(sender, fn))
    child.start()
    sender.close()
    try:
        message = receiver.recv()
    except EOFError:
        message = ("error", "the benchmark process died without a result")
    finally:
        receiver.close()
        child.join()
        child.close()
    if message[0] != "ok":
        raise RuntimeError(f"benchmark work failed in its child process:\n{message[1]}")
    return message[1], message[2]


def _child_main(sender: Connection, fn: Callable[[], object]) -> None:
    """Body of a repetition: baseline memory, timed work, peak memory, then one message home."""
    try:
        _release_free_memory()
        baseline = _resident_bytes()
        started = time.perf_counter()
        fn()
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
        sender.send(("ok", seconds, max(0, peak - baseline) / 2**20))
    except BaseException:  # the parent reports it; a benchmark crash must not hang the run
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()


def _release_free_memory() -> None:
    """Drop garbage and return glibc's free heap pages to the kernel, so new work must fault pages in."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _resident_bytes() -> int:
    """Current resident set size, from /proc/self/statm (its second field, in pages)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def throughput_mb_s(nbytes: int, seconds: float) -> float:
    """Megabytes (2**20 bytes) per second; infinite for work too quick to time."""
    return nbytes / 2**20 / seconds if seconds > 0 else float("inf")


def ratio(ours: float, peer: float) -> str:
    """``ours / peer`` as people read it, "0.42×" or "3.1×"; pass rates (MB/s) so above 1 means we win."""
    if peer <= 0:
        return "n/a"
    value = ours / peer
    return f"{value:.2f}×" if value < 10 else f"{value:.0f}×"


def report(title: str, rows: list[dict[str, Any]], *, results: Path | None = None) -> None:
    """Print ``rows`` as a table and append them to ``.bench/results.jsonl`` with the time and machine."""
    _console().print(_table(title, rows))
    path = results or RESULTS
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    machine = machine_facts()
    with path.open("a", encoding="utf-8") as out:
        for row in rows:
            record = {"title": title, "timestamp": stamp, "machine": machine, "row": row}
            out.write(json.dumps(record, ensure_ascii=False, default=_jsonable) + "\n")


def _console() -> Console:
    """The terminal's width, or a wide page when output goes to a file or CI log (rich defaults to 80)."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


def machine_facts() -> dict[str, Any]:
    """What a reader of an old result needs to judge it: cores, Python, platform."""
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
    }


def _table(title: str, rows: Sequence[dict[str, Any]]) -> Table:
    """A rich table whose columns are the rows' keys in first-seen order."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="left" if column == columns[0] else "right")
    for row in rows:
        table.add_row(*(_cell(row.get(column, "")) for column in columns))
    return table


def _cell(value: Any) -> str:
    """Floats to three significant figures (12.3, 0.0123); everything else as str()."""
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _jsonable(value: Any) -> Any:
    """Let a row hold a Measurement (or any dataclass) and paths; anything else becomes its str()."""
    if isinstance(value, Measurement):
        return asdict(value)
    return str(value)
