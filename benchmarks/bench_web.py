"""Load test of the web app on loopback: N editors browsing and saving while a collection run writes.

A real uvicorn server over a workspace with the sample bulletins; each editor is its own user with its own
session, in its own thread, and loops over the pages editors use (inbox, search, issue builder, article)
and saves an edit of its own issue item each round. Meanwhile a collection run fetches a loopback site of
sample articles into the same store, so page reads and edits contend with a real writer. Reported:
p50/p95/max latency per request kind, errors (must be zero), and the check that no edit was lost (every
item ends with its editor's last title and every save left an audit row). The peer is the same load with
no collection running, measured in the same run: the ratio says what the concurrent writer costs.

The server runs as ``jiance serve --workers N`` (``JIANCE_BENCH_WEB_WORKERS``, default one per core) and the
collection in a process of its own, as they are deployed. ``JIANCE_BENCH_WEB_EDITORS`` (default 50) and ``JIANCE_BENCH_WEB_ROUNDS`` (default 6) size it; each editor
pauses ``JIANCE_BENCH_WEB_THINK_S`` (default 1.0, uniform between half and one and a half times it) between
requests, as a person reading a page does; 0 turns the run into a closed-loop stress test.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import re
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
from pathlib import Path
from typing import Any

import httpx

from benchmarks import harness

__all__ = ["LoadResult", "main", "run_load", "web_workspace"]


@dataclass(slots=True)
class LoadResult:
    """Latencies (seconds) per request kind, errors, and whether every edit survived."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    edits: int = 0
    lost: list[str] = field(default_factory=list)
    collected: int = 0
    seconds: float = 0.0


def web_workspace(root: Path, editors: int) -> tuple[Path, int, list[str]]:
    """A workspace with the samples imported and analysed, ``editors`` editor accounts and an issue with
    one item per editor; returns (workspace, issue id, item article ids in editor order)."""
    from jiance import accounts
    from jiance.analysis import analyze_store
    from jiance.pipeline import import_paths
    from jiance.publish import issues as lib
    from jiance.samples.corpus import load_sample, sample_names
    from jiance.samples.pdf import render_pdf
    from jiance.settings import load_settings
    from jiance.store.accounts import accounts_for
    from jiance.workspace import init_workspace, open_store

    ws = init_workspace(root / "ws")
    inbox = root / "inbox"
    inbox.mkdir()
    for name in sample_names():
        (inbox / f"{name}.pdf").write_bytes(render_pdf(load_sample(name)))
    settings = load_settings(ws)
    with open_store(ws, settings) as store:
        import_paths([inbox], store, settings)
        analyze_store(store, settings=settings)
        ids = [s.id for s in store.articles()]
        if len(ids) < editors:
            raise ValueError(f"{editors} editors need {editors} articles; the samples hold {len(ids)}")
        issue = lib.new_issue(store, "压测期刊", date="2026-12-01")
        lib.add_to_issue(store, issue.id, ids[:editors], allow_repeats=True)
        password_hash = accounts._HASHER.hash("load-test-password")
        for n in range(editors):  # one hash for all: the test measures pages, not argon2
            accounts_for(store).add_user(f"editor{n:02d}", "editor", password_hash)
    return ws, issue.id, ids[:editors]


def _login(client: httpx.Client, name: str) -> str:
    form = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token, "login form without token"
    client.post(
        "/login", data={"username": name, "password": "load-test-password", "login_csrf": token.group(1)}
    )
    page = client.get("/issues")
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert match, f"{name} did not log in"
    return match.group(1)


def _editor(
    base: str,
    n: int,
    issue_id: int,
    article_id: str,
    rounds: int,
    result: LoadResult,
    lock: threading.Lock,
    think_s: float,
) -> None:
    name = f"editor{n:02d}"
    pause = random.Random(n)
    with httpx.Client(base_url=base, timeout=120, follow_redirects=True) as client:
        csrf = _login(client, name)
        steps: list[tuple[str, str, str, dict[str, str] | None]] = [
            ("inbox", "GET", f"/inbox?issue={issue_id}", None),
            ("search", "GET", "/search?q=芯片", None),
            ("issue builder", "GET", f"/issues/{issue_id}", None),
            ("article", "GET", f"/articles/{article_id}", None),
        ]
        for round_no in range(rounds):
            title = f"{name} 第{round_no}次修改"
            edit = ("save edit", "POST", f"/issues/{issue_id}/items/{article_id}/edit",
                    {"csrf_token": csrf, "title": title, "summary": "", "body": "", "action": "save"})  # fmt: skip
            for kind, method, path, data in [*steps, edit]:
                if think_s:
                    time.sleep(pause.uniform(0.5 * think_s, 1.5 * think_s))
                started = time.perf_counter()
                try:
                    response = client.request(method, path, data=data)
                    ok = response.status_code < 400
                    detail = f"{response.status_code}"
                except httpx.HTTPError as exc:
                    ok, detail = False, type(exc).__name__
                elapsed = time.perf_counter() - started
                with lock:
                    result.latencies[kind].append(elapsed)
                    if not ok:
                        result.errors.append(f"{name} {method} {path}: {detail}")
                    elif kind == "save edit":
                        result.edits += 1


def _guarded(*args: Any) -> None:
    """An editor whose thread dies counts as errors, never as silence."""
    result, lock = args[5], args[6]
    try:
        _editor(*args)
    except Exception as exc:
        with lock:
            result.errors.append(f"editor{args[1]:02d} crashed: {type(exc).__name__}: {exc}")


def _collect_process(workspace: str, stop: Any, collected: Any) -> None:
    """A collection run in a process of its own (as ``jiance watch`` runs beside ``jiance serve``):
    a loopback site of sample articles collected again and again, 30 new texts a pass, until told to stop."""
    from jiance.samples.site import SampleSite, serve_site
    from jiance.settings import load_settings
    from jiance.sources.collect import collect_all
    from jiance.sources.config import SourceConfig
    from jiance.sources.http import Fetcher, FetchPolicy
    from jiance.workspace import open_store

    settings = load_settings(Path(workspace))
    generation = 0
    while not stop.is_set():
        site = SampleSite(30 * (generation + 1), per_list=10)  # numbered: each pass brings 30 new texts
        with (
            serve_site(site) as base,
            Fetcher(FetchPolicy(per_host_delay_s=0.0)) as fetcher,
            open_store(Path(workspace), settings) as store,
        ):
            config = SourceConfig(name=f"压测源{generation}", kind="page", url=f"{base}/list/0.html", links="ul.list a",
                                  next="a.next", max_pages=site.lists, allow_private=True)  # fmt: skip
            for report in collect_all([config], fetcher, store, settings):
                with collected.get_lock():
                    collected.value += report.new
        generation += 1


@contextmanager
def _served(workspace: Path, workers: int) -> Iterator[str]:
    """The app: in this process (``workers`` 0, for tests) or as ``jiance serve --workers N``, the way it
    is deployed, in processes of its own."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.web.live import free_port, live_server

    if workers == 0:
        with live_server(workspace) as base:
            yield base
        return
    port = free_port()
    command = [sys.executable, "-m", "jiance.cli", "serve", "--workers", str(workers), "--port", str(port),
               "--workspace", str(workspace)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("jiance serve did not start")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _check_edits(
    workspace: Path, issue_id: int, article_ids: list[str], rounds: int, result: LoadResult
) -> None:
    from jiance.publish import issues as lib
    from jiance.store.accounts import accounts_for
    from jiance.workspace import open_store

    with open_store(workspace) as store:
        items = {i.article_id: i for i in lib.get_issue(store, issue_id).items}
        for n, article_id in enumerate(article_ids):
            want = f"editor{n:02d} 第{rounds - 1}次修改"
            if items[article_id].overrides.get("title") != want:
                result.lost.append(f"{article_id}: {items[article_id].overrides.get('title')!r} != {want!r}")
        audited = sum(
            1 for r in accounts_for(store).audit_rows(limit=1_000_000) if r.action.startswith("item.")
        )
    if audited < result.edits:
        result.lost.append(f"{result.edits} saves but {audited} audit rows")


def run_load(
    editors: int, rounds: int, *, collect: bool, think_s: float = 0.0, workers: int = 0
) -> LoadResult:
    """One load run on a fresh workspace (the peer run gets its own, so both start from the same state)."""
    with tempfile.TemporaryDirectory() as tmp:
        workspace, issue_id, article_ids = web_workspace(Path(tmp), editors)
        result = LoadResult()
        lock = threading.Lock()
        spawn = multiprocessing.get_context("spawn")
        stop, collected = spawn.Event(), spawn.Value("i", 0)
        collector = spawn.Process(
            target=_collect_process, args=(str(workspace), stop, collected), daemon=True
        )
        with _served(workspace, workers) as base:
            if collect:
                collector.start()
            threads = [
                threading.Thread(
                    target=_guarded, args=(base, n, issue_id, article_ids[n], rounds, result, lock, think_s)
                )
                for n in range(editors)
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            result.seconds = time.perf_counter() - started
            stop.set()
            if collect:
                collector.join(timeout=120)
        result.collected = int(collected.value)
        _check_edits(workspace, issue_id, article_ids, rounds, result)
    return result


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _rows(loaded: LoadResult, quiet: LoadResult) -> list[dict[str, Any]]:
    rows = []
    for kind, values in loaded.latencies.items():
        peer = quiet.latencies.get(kind, [])
        p95, peer_p95 = _quantile(values, 0.95), _quantile(peer, 0.95)
        rows.append({
            "request": kind, "count": len(values), "p50 ms": round(1000 * statistics.median(values), 1),
            "p95 ms": round(1000 * p95, 1), "max ms": round(1000 * max(values), 1),
            "p95 ms without collection": round(1000 * peer_p95, 1), "ratio p95": harness.ratio(p95, peer_p95),
        })  # fmt: skip
    return rows


def main() -> None:
    editors = int(os.environ.get("JIANCE_BENCH_WEB_EDITORS", "50"))
    rounds = int(os.environ.get("JIANCE_BENCH_WEB_ROUNDS", "6"))
    think = float(os.environ.get("JIANCE_BENCH_WEB_THINK_S", "1.0"))
    workers = int(os.environ.get("JIANCE_BENCH_WEB_WORKERS", str(os.cpu_count() or 1)))
    quiet = run_load(editors, rounds, collect=False, think_s=think, workers=workers)
    loaded = run_load(editors, rounds, collect=True, think_s=think, workers=workers)
    title = (
        f"web app (jiance serve --workers {workers}): {editors} editors × {rounds} rounds, think time {think:g} s,"
        f" on loopback while a collection process writes ({os.cpu_count()} cores)"
    )
    rows = _rows(loaded, quiet)
    rows.append({
        "request": "summary", "count": sum(len(v) for v in loaded.latencies.values()),
        "p50 ms": f"errors {len(loaded.errors)} / {len(quiet.errors)} (with / without collection)",
        "p95 ms": f"edits saved {loaded.edits}, lost {len(loaded.lost)}",
        "max ms": f"collected {loaded.collected} articles meanwhile",
        "p95 ms without collection": f"{loaded.seconds:.1f} s vs {quiet.seconds:.1f} s",
        "ratio p95": f"{sum(len(v) for v in loaded.latencies.values()) / loaded.seconds:.1f} req/s",
    })  # fmt: skip
    harness.report(title, rows)
    for line in (loaded.errors + quiet.errors)[:10] + loaded.lost[:10]:
        print("  !", line)
    if loaded.errors or loaded.lost or quiet.errors or quiet.lost:
        raise SystemExit(1)
