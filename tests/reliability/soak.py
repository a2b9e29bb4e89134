"""Soak: collection from hundreds of local sources and a team of editors, for a bounded time, as deployed.

``python -m tests.reliability.soak [--seconds 300] [--sources 500] [--editors 20] [--workers 2]`` builds a
workspace (the benchmark's: samples imported and analysed, one editor account and one issue item per
editor), serves a loopback site of the project's sample articles with one feed or list page per source
(their links rotate, so every pass brings some new articles; every 20th source is slow, and three in 20
fail: a 500, a cut connection, a 404), and then runs, side by side:

- ``jiance watch`` (the command itself, one process) collecting every source on a ``--schedule`` interval;
- ``jiance serve --workers N`` (the benchmark's launcher), with ``--editors`` simulated editors, each its
  own session in its own thread, looping over inbox, search, issue builder, article, sources and an edit;
- a sampler that reads every process's RSS and the SQLite WAL's size every ``--sample-s`` seconds.

Reported: p95 latency and errors per request kind, RSS of each process in the first and the last minute
(the growth), the WAL's largest and final size, articles collected and failed source runs. Errors of the
editors' requests make the exit code 1 (the failing sources are meant to fail). The figures are recorded
with ``tests.reliability.figures.record("soak", ...)`` for the README.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psutil
from benchmarks.bench_web import _login, _served, web_workspace
from tests.reliability.figures import record

from jiance.samples.site import SampleSite
from jiance.settings import load_settings
from jiance.workspace import open_store, store_path

__all__ = ["SoakResult", "main", "run_soak"]

_SLOW_S = 2.5
_ROTATE_S = 20.0  # a source's links move on by one article this often: new work keeps arriving
_LINKS = 4


@dataclass(slots=True)
class SoakResult:
    """What one soak measured; latencies in seconds, sizes in bytes, samples as (t, {label: rss})."""

    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    rss: list[tuple[float, dict[str, int]]] = field(default_factory=list)
    wal: list[tuple[float, int]] = field(default_factory=list)
    articles_before: int = 0
    articles_after: int = 0
    runs_finished: int = 0
    runs_failed: int = 0
    site_requests: int = 0
    crashed: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ the site


class _Site:
    """One feed or list page per source over a :class:`SampleSite`'s article pages; thread-safe reads."""

    def __init__(self, sources: int, articles: int) -> None:
        self.sample = SampleSite(articles, per_list=_LINKS)
        self.sources = sources
        self.started = time.monotonic()
        self.requests = 0

    def picks(self, k: int) -> list[int]:
        epoch = int((time.monotonic() - self.started) / _ROTATE_S)
        count = len(self.sample.articles)
        return [(k * 7 + epoch + j) % count for j in range(_LINKS)]

    def list_page(self, k: int) -> bytes:
        links = "".join(
            f'<li><a href="{self.sample.article_path(i)}">{html.escape(self.sample.articles[i]["title"])}</a></li>'
            for i in self.picks(k)
        )
        return f'<html><head><meta charset="utf-8"><title>源{k}</title></head><body><ul class="list">{links}</ul></body></html>'.encode()

    def feed(self, k: int, base: str) -> bytes:
        """RSS 2.0 whose entries carry the article's text, so the feed alone gives the articles."""
        items = []
        for i in self.picks(k):
            article = self.sample.articles[i]
            text = "".join(f"<p>{html.escape(b['text'])}</p>" for b in article["blocks"])
            items.append(
                f"<item><title>{html.escape(article['title'])}</title><link>{base}{self.sample.article_path(i)}</link>"
                f"<guid>soak-{i}</guid><content:encoded><![CDATA[{text}]]></content:encoded></item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>源{k}</title><link>{base}/</link><description>soak</description>{''.join(items)}</channel></rss>"
        ).encode()


def _handler(site: _Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            site.requests += 1
            path = self.path.split("?")[0]
            match = re.match(r"^/s/(\d+)/(feed\.xml|list\.html)$", path)
            if match:
                k = int(match.group(1))
                fate = k % 20
                if fate == 0:
                    time.sleep(_SLOW_S)
                elif fate == 1:
                    return self._send(500, b"server error", "text/plain")
                elif fate == 2:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return None
                elif fate == 3:
                    return self._send(404, b"not found", "text/plain")
                if match.group(2) == "feed.xml":
                    base = f"http://{self.headers.get('Host', '127.0.0.1')}"
                    return self._send(200, site.feed(k, base), "application/rss+xml")
                return self._send(200, site.list_page(k), "text/html")
            if path == "/robots.txt":
                return self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
            body = site.sample.pages.get(path)
            return self._send(200 if body else 404, body or b"not found", "text/html")

        def _send(self, status: int, data: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


class _QuietServer(ThreadingHTTPServer):
    """The site's server: a connection it cut on purpose (or a fetcher that gave up) is no traceback."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return


@contextmanager
def _serve_site(site: _Site) -> Iterator[str]:
    server = _QuietServer(("127.0.0.1", 0), _handler(site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _configure(ws: Path, base: str, sources: int, schedule: str) -> None:
    """Fetch settings for a loopback site (no per-host delay: every source is on 127.0.0.1) and the
    sources, half feeds and half list pages."""
    config = ws / "jiance.toml"
    head = "fetch_host_delay_ms = 0\nfetch_timeout_s = 10\nfetch_attempts = 1\n"
    tables = []
    for k in range(sources):
        if k % 2:
            kind = f'kind = "page"\nurl = "{base}/s/{k}/list.html"\nlinks = "ul.list a"\nmax_pages = 1\n'
        else:
            kind = f'kind = "feed"\nurl = "{base}/s/{k}/feed.xml"\n'
        tables.append(
            f'\n[[sources]]\nname = "soak-{k:03d}"\n{kind}schedule = "{schedule}"\nallow_private = true\n'
        )
    config.write_text(head + config.read_text("utf-8") + "".join(tables), "utf-8")


# ------------------------------------------------------------------------------------------ the editors


def _editor(base: str, n: int, issue_id: int, article_id: str, deadline: float, think_s: float, result: SoakResult, lock: threading.Lock) -> None:  # fmt: skip
    name = f"editor{n:02d}"
    pause = random.Random(n)
    with httpx.Client(base_url=base, timeout=60, follow_redirects=True) as client:
        csrf = _login(client, name)
        edits = 0
        while time.monotonic() < deadline:
            edits += 1
            form = {
                "csrf_token": csrf,
                "title": f"{name} 第{edits}次修改",
                "summary": "",
                "body": "",
                "action": "save",
            }
            steps: list[tuple[str, str, str, dict[str, str] | None]] = [
                ("inbox", "GET", f"/inbox?issue={issue_id}", None),
                ("search", "GET", "/search?q=芯片", None),
                ("issue builder", "GET", f"/issues/{issue_id}", None),
                ("article", "GET", f"/articles/{article_id}", None),
                ("sources", "GET", "/sources", None),
                ("save edit", "POST", f"/issues/{issue_id}/items/{article_id}/edit", form),
            ]
            for kind, method, path, data in steps:
                if time.monotonic() >= deadline:
                    return
                time.sleep(pause.uniform(0.5 * think_s, 1.5 * think_s))
                started = time.perf_counter()
                try:
                    response = client.request(method, path, data=data)
                    problem = None if response.status_code < 400 else str(response.status_code)
                except httpx.HTTPError as exc:
                    problem = type(exc).__name__
                with lock:
                    result.latencies[kind].append(time.perf_counter() - started)
                    if problem:
                        result.errors.append(f"{name} {method} {path}: {problem}")


def _guarded(*args: Any) -> None:
    result, lock = args[-2], args[-1]
    try:
        _editor(*args)
    except Exception as exc:  # a dead editor is an error, never silence
        with lock:
            result.errors.append(f"editor{args[1]:02d} crashed: {type(exc).__name__}: {exc}")


# ------------------------------------------------------------------------------------------ sampling


def _processes(watch: subprocess.Popen[bytes]) -> dict[str, psutil.Process]:
    """Every process of the soak by role: this one (site and editors), watch, serve and its workers."""
    me = psutil.Process()
    found = {"soak (site, editors)": me, "watch": psutil.Process(watch.pid)}
    for child in me.children():
        if child.pid != watch.pid and "serve" in " ".join(child.cmdline()):
            found["serve"] = child
            workers = [
                p for p in child.children(recursive=True) if "resource_tracker" not in " ".join(p.cmdline())
            ]
            for index, worker in enumerate(sorted(workers, key=lambda p: p.pid)):
                found[f"serve worker {index + 1}"] = worker
    return found


def _sample(watch: subprocess.Popen[bytes], wal: Path, started: float, stop: threading.Event, every_s: float, result: SoakResult) -> None:  # fmt: skip
    while True:
        now = time.monotonic() - started
        rss = {}
        for label, process in _processes(watch).items():
            try:
                rss[label] = process.memory_info().rss
            except psutil.Error:
                continue
        result.rss.append((now, rss))
        result.wal.append((now, wal.stat().st_size if wal.exists() else 0))
        if stop.wait(every_s):
            return


# ------------------------------------------------------------------------------------------ the run


def _count_articles(ws: Path) -> int:
    with open_store(ws) as store:
        return store.count_articles()


def run_soak(
    seconds: float,
    sources: int,
    editors: int,
    *,
    workers: int = 2,
    sample_s: float = 5.0,
    think_s: float = 1.0,
    schedule: str = "60s",
    articles: int = 2000,
) -> SoakResult:
    """One soak on a fresh workspace in a temporary folder; see the module docstring."""
    result = SoakResult()
    with tempfile.TemporaryDirectory(prefix="jiance-soak-") as tmp:
        ws, issue_id, article_ids = web_workspace(Path(tmp), editors)
        site = _Site(sources, articles)
        with _serve_site(site) as base:
            _configure(ws, base, sources, schedule)
            wal = Path(str(store_path(ws, load_settings(ws))) + "-wal")
            result.articles_before = _count_articles(ws)
            log = Path(tmp) / "watch.log"
            with open(log, "wb") as out:
                watch = subprocess.Popen(
                    [sys.executable, "-m", "jiance.cli", "watch", "--grace", "5", "--workspace", str(ws)],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            try:
                with _served(ws, workers) as web:
                    lock, stop = threading.Lock(), threading.Event()
                    started = time.monotonic()
                    deadline = started + seconds
                    sampler = threading.Thread(
                        target=_sample, args=(watch, wal, started, stop, sample_s, result)
                    )
                    sampler.start()
                    threads = [
                        threading.Thread(
                            target=_guarded,
                            args=(web, n, issue_id, article_ids[n], deadline, think_s, result, lock),
                        )
                        for n in range(editors)
                    ]
                    for thread in threads:
                        thread.start()
                    for thread in threads:
                        thread.join()
                    result.seconds = time.monotonic() - started
                    stop.set()
                    sampler.join()
                    if watch.poll() is not None:
                        result.crashed.append(f"watch exited early with {watch.returncode}")
            finally:
                if watch.poll() is None:
                    watch.send_signal(signal.SIGTERM)
                try:
                    watch.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    watch.kill()
                    watch.wait()
                    result.crashed.append("watch did not stop within 30 s of SIGTERM")
            text = log.read_text("utf-8", errors="replace")
            result.runs_finished = len(re.findall(r"\bfinished\s+soak-", text))
            result.runs_failed = len(re.findall(r"\bfailed\s+soak-", text))
            result.articles_after = _count_articles(ws)
            result.site_requests = site.requests
    return result


# ------------------------------------------------------------------------------------------ the report


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else float("nan")


def _window(result: SoakResult) -> float:
    """First and last minute, or a third of a run shorter than three minutes."""
    return min(60.0, result.seconds / 3)


def memory_growth(result: SoakResult) -> dict[str, dict[str, float]]:
    """Per process: mean RSS (MiB) in the first and last window and the growth between them."""
    window = _window(result)
    out: dict[str, dict[str, float]] = {}
    labels = dict.fromkeys(label for _, rss in result.rss for label in rss)
    for label in labels:
        first = [rss[label] for t, rss in result.rss if t <= window and label in rss]
        last = [rss[label] for t, rss in result.rss if t >= result.seconds - window and label in rss]
        if first and last:
            a, b = statistics.mean(first) / 2**20, statistics.mean(last) / 2**20
            out[label] = {"first MiB": round(a, 1), "last MiB": round(b, 1), "growth MiB": round(b - a, 1)}
    return out


def figures_of(result: SoakResult) -> dict[str, Any]:
    """The JSON figures of a run, as recorded for the README."""
    requests = sum(len(v) for v in result.latencies.values())
    return {
        "seconds": round(result.seconds, 1),
        "requests": requests,
        "editor errors": len(result.errors),
        "p95 ms by route": {k: round(1000 * _p95(v), 1) for k, v in sorted(result.latencies.items())},
        "memory MiB by process (first → last window)": memory_growth(result),
        "wal max MiB": round(max((s for _, s in result.wal), default=0) / 2**20, 2),
        "wal end MiB": round((result.wal[-1][1] if result.wal else 0) / 2**20, 2),
        "articles collected": result.articles_after - result.articles_before,
        "source runs finished": result.runs_finished,
        "source runs failed": result.runs_failed,
        "site requests": result.site_requests,
        "process problems": result.crashed,
    }


def _print(result: SoakResult, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    routes = Table(title=title)
    for column in ("request", "count", "errors", "p50 ms", "p95 ms", "max ms"):
        routes.add_column(column, justify="left" if column == "request" else "right")
    for kind, values in sorted(result.latencies.items()):
        errors = sum(1 for e in result.errors if f" {kind}" in e)
        routes.add_row(kind, str(len(values)), str(errors), f"{1000 * statistics.median(values):.1f}",
                       f"{1000 * _p95(values):.1f}", f"{1000 * max(values):.1f}")  # fmt: skip
    console.print(routes)
    memory = Table(title=f"RSS (MiB): mean of the first and the last {_window(result):.0f} s")
    for column in ("process", "first", "last", "growth"):
        memory.add_column(column, justify="left" if column == "process" else "right")
    for label, row in memory_growth(result).items():
        memory.add_row(label, *(f"{v:.1f}" for v in row.values()))
    console.print(memory)
    figures = figures_of(result)
    for key in ("wal max MiB", "wal end MiB", "articles collected", "source runs finished", "source runs failed",
                "site requests", "editor errors", "process problems"):  # fmt: skip
        console.print(f"{key}: {figures[key]}")
    for line in result.errors[:10]:
        console.print(f"  ! {line}", markup=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.reliability.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--editors", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample-s", type=float, default=5.0)
    parser.add_argument("--think-s", type=float, default=1.0)
    parser.add_argument("--schedule", default="60s", help="every source's collection interval")
    args = parser.parse_args(argv)
    result = run_soak(args.seconds, args.sources, args.editors, workers=args.workers, sample_s=args.sample_s,
                      think_s=args.think_s, schedule=args.schedule)  # fmt: skip
    title = (
        f"soak: {args.sources} sources (watch) + {args.editors} editors (serve --workers {args.workers}), "
        f"{result.seconds:.0f} s, {os.cpu_count()} cores"
    )
    _print(result, title)
    command = "python -m tests.reliability.soak " + shlex.join(
        ["--seconds", f"{args.seconds:g}", "--sources", str(args.sources), "--editors", str(args.editors)]
    )
    record("soak", f"{args.sources} sources, {args.editors} editors, {args.seconds:g} s", figures_of(result),
           command=command)  # fmt: skip
    return 1 if result.errors or result.crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())
