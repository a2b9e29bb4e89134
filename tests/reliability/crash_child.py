"""Crash campaigns: a child that writes into a workspace and says what it committed, and the parent that
SIGKILLs it at random points and then checks that nothing it reported is lost or stored twice.

The child (``python -m tests.reliability.crash_child MODE --workspace WS [--inbox DIR]``) prints one line
``COMMITTED <id>`` to stdout, flushed, *after* each commit returned, and ``DONE`` when it finished:

* ``import``: :func:`jiance.pipeline.import_paths` over a folder of article files; the id is the document's.
* ``collect``: :func:`jiance.sources.collect.collect_all` over the workspace's feeds (served on loopback by
  the parent); the id is the article's, printed when ``save_import`` returned.
* ``alerts``: ``import`` plus one alerts cycle (:func:`jiance.distribute.cycle.run_cycle`: rule evaluation
  and outbox delivery to a webhook receiver in the parent) after every ``CYCLE_EVERY`` committed files
  (a cycle builds its channels anew, ~0.1 s, so one per file would make the import the smaller part).

A line the parent read can only have been written after its commit, so "reported" is a lower bound of what
the store must hold: anything reported and missing is a lost commit. :func:`run_campaign` is the parent;
``python -m tests.reliability.crash_child --campaign`` runs the full campaign (10,000 articles × 200 kills
per backend) for ``make soak`` and records the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

REPO = Path(__file__).resolve().parents[2]
MODES = ("import", "collect", "alerts")
BACKENDS = ("sqlite", "postgresql")
PER_FEED = 100  # entries per feed: 10,000 articles are 100 feeds of about 100 kB each
CYCLE_EVERY = 10  # the alerts child runs one cycle per this many committed files
RULE = "crash-watch"
MARK = "崩溃测试"  # every synthetic article carries it, so the alert rule matches each one exactly once
FILLER = "这是一篇由测试程序按模板生成的短稿，用于检验进程被强行终止之后存储是否完整、提醒是否只发一次。"
CHILD_TIMEOUT_S = 900.0  # one child run; a hung child is killed and the campaign fails


# -- synthetic articles -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Synthetic:
    """One small article written from the project's samples; ``number`` makes its text unique."""

    number: int
    title: str
    paragraphs: tuple[str, ...]

    def text(self) -> str:
        """As a plain text file: the title line, a blank line, then the paragraphs (one article)."""
        return self.title + "\n\n" + "\n\n".join(self.paragraphs) + "\n"


def synthetic_articles(count: int) -> list[Synthetic]:
    """``count`` distinct small articles, each at least 200 characters long (a feed entry that short is
    taken as the full text, so collection needs no page fetches)."""
    from jiance.samples.corpus import sample_articles_text
    from jiance.sources.collect import MIN_CONTENT_CHARS

    pairs = sample_articles_text()
    made = []
    for i in range(count):
        title, body = pairs[i % len(pairs)]
        paragraphs = [f"本文编号{i}，为{MARK}生成的第{i // len(pairs)}组稿件。", body.split("\n")[0]]
        while sum(len(p) for p in paragraphs) < MIN_CONTENT_CHARS + 20:
            paragraphs.append(FILLER)
        made.append(Synthetic(i, f"{title}（第{i}号）", tuple(paragraphs)))
    return made


def number_of(title: str) -> int | None:
    """The synthetic number in a stored title (None for a title that is not ours)."""
    head, _, tail = title.rpartition("（第")
    return int(tail[:-2]) if head and tail.endswith("号）") and tail[:-2].isdigit() else None


def write_inbox(folder: Path, articles: list[Synthetic]) -> dict[str, int]:
    """One ``.txt`` file per article; returns ``{document id (sha256 of the bytes): number}``."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = {}
    for article in articles:
        data = article.text().encode("utf-8")
        (folder / f"{article.number:05d}.txt").write_bytes(data)
        ids[hashlib.sha256(data).hexdigest()] = article.number
    return ids


def feed_pages(articles: list[Synthetic], per_feed: int = PER_FEED) -> dict[str, bytes]:
    """RSS 2.0 feeds ``/feeds/K.xml`` carrying the articles' full text; links use the ``{BASE}`` that
    :func:`serve_feeds` fills in with its own address."""
    start = datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
    pages = {}
    for k in range(0, len(articles), per_feed):
        items = []
        for article in articles[k : k + per_feed]:
            text = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
            items.append(
                f"<item><title>{html.escape(article.title)}</title>"
                f"<link>{{BASE}}/a/{article.number:06d}.html</link><guid>crash-{article.number}</guid>"
                f"<pubDate>{format_datetime(start - timedelta(minutes=article.number))}</pubDate>"
                f"<content:encoded><![CDATA[{text}]]></content:encoded></item>"
            )
        pages[f"/feeds/{k // per_feed}.xml"] = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"'
            ' xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>崩溃测试源</title>'
            f"<link>http://feed.example/</link><description>项目自编</description>{''.join(items)}"
            "</channel></rss>"
        ).encode()
    return pages


class _FeedHandler(BaseHTTPRequestHandler):
    """Serves the feeds with an ETag and answers a matching If-None-Match with 304, as real feed servers
    do: a restarted child then skips the feeds a finished run saved validators for, instead of parsing
    all of them again."""

    protocol_version = "HTTP/1.1"
    pages: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.pages.get(self.path.split("?")[0])
        if body is None:
            self.send_error(404)
            return
        data = body.replace(b"{BASE}", f"http://{self.headers.get('Host', '127.0.0.1')}".encode())
        etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _FeedServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A child killed in the middle of a fetch resets its connection: expected here, not news."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve_feeds(pages: dict[str, bytes]) -> Iterator[str]:
    """Serve ``pages`` on 127.0.0.1 (an ephemeral port) while the block runs; yields the base URL."""
    handler = type("FeedHandler", (_FeedHandler,), {"pages": pages})
    server = _FeedServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- workspaces -------------------------------------------------------------------------------------------


def make_workspace(
    root: Path,
    *,
    store_url: str | None = None,
    feeds: list[str] | None = None,
    webhook_url: str | None = None,
) -> Path:
    """A workspace for one campaign: its store (SQLite file or a PostgreSQL URL), feed sources without
    politeness delay (a loopback server), and for alerts one rule over every article sent to a webhook."""
    from jiance.workspace import init_workspace

    root.mkdir(parents=True, exist_ok=True)
    lines = ["fetch_host_delay_ms = 0", 'fetch_robots = "ignore"', "fetch_attempts = 1"]
    if store_url is not None:
        lines.insert(0, f"store = {store_url!r}".replace("'", '"'))
    for k, url in enumerate(feeds or []):
        lines += [
            "",
            "[[sources]]",
            f'name = "feed-{k}"',
            'kind = "feed"',
            f'url = "{url}"',
            "allow_private = true",
        ]
    (root / "jiance.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if webhook_url is not None:
        (root / "alerts.toml").write_text(
            f'[[alerts]]\nname = "{RULE}"\nquery = "{MARK}"\nchannels = ["hook"]\nlookback_days = 2\n',
            encoding="utf-8",
        )
        (root / "recipients.toml").write_text(
            f'[[channels]]\nname = "hook"\ntype = "webhook"\nurl = "{webhook_url}"\nsecret = "crash"\n'
            "min_interval = 0\n",
            encoding="utf-8",
        )
    return init_workspace(root)


# -- the child --------------------------------------------------------------------------------------------


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _child_import(workspace: Path, inbox: Path, *, cycle: bool) -> None:
    from jiance.pipeline import FileResult, import_paths
    from jiance.settings import load_settings
    from jiance.workspace import open_store

    settings = load_settings(workspace)
    with open_store(workspace, settings) as store:
        run: Callable[[], object] = lambda: None  # noqa: E731
        if cycle:
            from jiance.distribute.cycle import run_cycle

            run = lambda: run_cycle(store, workspace, settings)  # noqa: E731
            run()  # a restarted child first evaluates what its killed predecessor committed

        committed = 0

        def show(result: FileResult) -> None:
            nonlocal committed
            if result.status == "imported":
                _say(f"COMMITTED {result.document_id}")
                committed += 1
                if committed % CYCLE_EVERY == 0:
                    run()
            elif result.status == "failed":
                _say(f"FAILED {result.path} {result.reason}: {result.message}")

        import_paths([inbox], store, settings, on_file=show)
        run()
    _say("DONE")


def _child_collect(workspace: Path) -> None:
    from jiance.records import Article, Document
    from jiance.settings import load_settings
    from jiance.sources.collect import collect_all
    from jiance.sources.config import load_sources
    from jiance.sources.http import Fetcher, policy_from_settings
    from jiance.store.base import ImportOutcome
    from jiance.workspace import open_store

    settings = load_settings(workspace)
    configs = load_sources(settings, base=workspace)
    with open_store(workspace, settings) as store, Fetcher(policy_from_settings(settings)) as fetcher:
        save = store.save_import

        def announced(doc: Document, raw: bytes | None, articles: list[Article]) -> ImportOutcome:
            """The store's own save_import; the line goes out only once its transaction committed."""
            outcome = save(doc, raw, articles)
            if outcome.status == "imported":
                for article in articles:
                    _say(f"COMMITTED {article.id}")
            return outcome

        store.save_import = announced  # type: ignore[method-assign]
        reports = collect_all(configs, fetcher, store, settings)
    for report in reports:
        if report.status == "failed" or report.failed:
            _say(f"FAILED {report.source} {report.error} {[i.message for i in report.items if i.message]}")
    _say("DONE")


def child_main(mode: str, workspace: Path, inbox: Path | None) -> None:
    if mode == "collect":
        _child_collect(workspace)
    elif inbox is not None:
        _child_import(workspace, inbox, cycle=mode == "alerts")
    else:
        raise SystemExit(f"mode {mode} needs --inbox")


# -- the parent -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class ChildRuns:
    """What the parent saw over all runs of the child until one finished."""

    reported: set[str] = field(default_factory=set)
    kills: int = 0
    runs: int = 0
    failures: list[str] = field(default_factory=list)


def _child_command(mode: str, workspace: Path, inbox: Path | None) -> list[str]:
    command = [sys.executable, "-m", "tests.reliability.crash_child", mode, "--workspace", str(workspace)]
    return command + (["--inbox", str(inbox)] if inbox is not None else [])


def run_until_done(
    command: list[str], *, kill_at: list[int], rng: random.Random, max_delay_s: float = 0.02
) -> ChildRuns:
    """Run the child again and again until it prints DONE; when the count of distinct reported commits
    reaches the next of ``kill_at``, SIGKILL it after a random delay (so the kill lands anywhere in the
    next writes). Lines a killed child wrote before it died are still read: they were reported."""
    seen = ChildRuns()
    pending = sorted(kill_at)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    while True:
        seen.runs += 1
        with tempfile.TemporaryFile() as errors:
            proc = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=errors, text=True, bufsize=1
            )
            watchdog = threading.Timer(CHILD_TIMEOUT_S, proc.kill)
            watchdog.start()
            done = killed = False
            assert proc.stdout is not None
            for line in proc.stdout:
                word, _, rest = line.strip().partition(" ")
                if word == "FAILED":
                    seen.failures.append(rest)
                elif word == "DONE":
                    done = True
                elif word == "COMMITTED":
                    seen.reported.add(rest)
                    if killed or not pending or len(seen.reported) < pending[0]:
                        continue
                    pending.pop(0)
                    threading.Event().wait(rng.uniform(0.0, max_delay_s))
                    proc.send_signal(signal.SIGKILL)
                    killed = True
                    seen.kills += 1
            code = proc.wait()
            watchdog.cancel()
            if done and (code == 0 or killed):  # a kill that landed after DONE found the work finished
                return seen
            if killed and code == -signal.SIGKILL:
                continue
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace")[-3000:]
            raise RuntimeError(f"child {' '.join(command[3:])} exited {code} (DONE: {done}):\n{tail}")


@dataclass(slots=True)
class CampaignResult:
    """The figures of one campaign and the evidence behind them (for the test's messages)."""

    mode: str
    backend: str
    articles: int
    kills: int
    runs: int
    reported: int
    stored: int
    distinct_ids: int
    lost: list[str]
    duplicated: int
    integrity: list[str]
    failures: list[str]
    store: str  # the class that held the campaign's data, so a PostgreSQL run is known to be one
    alerts: dict[str, int] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "kills": self.kills,
            "child runs": self.runs,
            "commits reported": self.reported,
            "articles stored": self.stored,
            "lost": len(self.lost),
            "duplicated": self.duplicated,
            "integrity problems": len(self.integrity),
            **self.alerts,
        }


def kill_points(rng: random.Random, articles: int, kills: int) -> list[int]:
    """``kills`` distinct commit counts in [1, articles), at random."""
    return sorted(rng.sample(range(1, articles), min(kills, articles - 1)))


def _check_store(workspace: Path, mode: str, reported: set[str]) -> dict[str, Any]:
    """What the store holds after the campaign, compared with what was reported and expected."""
    from jiance.workspace import open_store

    with open_store(workspace) as store:
        stored = store.articles()
        documents = store.documents()
        integrity = store.integrity_check()
        items: list[Any] = []
        if mode == "collect":
            from jiance.store.collection import collection_for

            items = collection_for(store).items()
    ids = {s.id for s in stored}
    kind = type(store).__name__
    present = {d.id for d in documents if d.status == "imported"} if mode != "collect" else ids
    numbers = Counter(number_of(s.article.title) for s in stored)
    duplicated = (
        sum(c - 1 for c in numbers.values() if c > 1) + len(documents) - len({d.id for d in documents})
    )
    if mode == "collect":  # every article has one URL: two items for one article would be a double
        per_article = Counter(item.article_id for item in items)
        duplicated += sum(c - 1 for c in per_article.values() if c > 1)
    return {
        "stored": len(stored),
        "distinct": len(ids),
        "numbers": set(numbers) - {None},
        "lost": sorted(reported - present),
        "duplicated": duplicated,
        "integrity": integrity,
        "store": kind,
    }


def _drain_and_check_alerts(workspace: Path, receiver: Any, stored_ids: int) -> dict[str, int]:
    """Finish what a killed child left claimed (the next cycle after the 10-minute lease), then compare
    the outbox with what the webhook receiver got. A message is one idempotency key; a story sent in two
    messages would be an alert sent twice, a key received twice is the documented at-least-once redelivery
    that the receiver drops by key (the crash came after the post, before the row was marked sent)."""
    from jiance.distribute.cycle import run_cycle
    from jiance.distribute.outbox import LEASE_S, outbox_rows
    from jiance.settings import load_settings
    from jiance.store.alerts import alerts_for
    from jiance.workspace import open_store

    settings = load_settings(workspace)
    later = datetime.now(UTC)
    with open_store(workspace, settings) as store:
        for _ in range(5):
            rows = outbox_rows(store)
            if all(row.status == "sent" for row in rows):
                break
            later += timedelta(seconds=2 * LEASE_S)
            run_cycle(store, workspace, settings, now=later)
        rows = outbox_rows(store)
        hits = alerts_for(store).hits(RULE)
    bodies = [request.json() for request in receiver.requests]
    message_of_part = {body["key"]: body["message_key"] for body in bodies}
    stories_in = Counter(
        article for key in set(message_of_part.values()) for article in _articles_of(bodies, key)
    )
    keys = Counter(row.key for row in rows)
    return {
        "outbox rows": len(rows),
        "outbox rows not sent": sum(1 for row in rows if row.status != "sent"),
        "outbox keys enqueued twice": sum(c - 1 for c in keys.values() if c > 1),
        "alert hits": len(hits),
        "alert hits twice": len(hits) - len({(h.rule, h.story) for h in hits}),
        "messages received": len(set(message_of_part.values())),
        "posts received": len(bodies),
        "redelivered posts (same key, dropped by the receiver)": len(bodies) - len(message_of_part),
        "alerts sent twice": sum(c - 1 for c in stories_in.values() if c > 1),
        "articles never alerted": stored_ids - len(stories_in),
    }


def _articles_of(bodies: list[dict[str, Any]], message_key: str) -> list[str]:
    for body in bodies:
        if body["message_key"] == message_key:
            return list(body["meta"]["articles"])
    return []


def run_campaign(
    mode: str,
    root: Path,
    *,
    articles: int,
    kills: int,
    seed: int = 0,
    backend: str = "sqlite",
    store_url: str | None = None,
) -> CampaignResult:
    """One crash campaign in ``root``: write the inputs, run the child to the end under ``kills`` random
    SIGKILLs, then check the store (and for alerts the outbox and the receiver)."""
    rng = random.Random(f"{mode}-{backend}-{seed}")
    made = synthetic_articles(articles)
    inbox = root / "inbox"
    if mode != "collect":
        write_inbox(inbox, made)
    points = kill_points(rng, articles, kills)
    with _receiver(mode) as receiver, _feeds(mode, made) as feeds:
        workspace = make_workspace(
            root / "ws", store_url=store_url, feeds=feeds, webhook_url=receiver.url() if receiver else None
        )
        command = _child_command(mode, workspace, None if mode == "collect" else inbox)
        seen = run_until_done(command, kill_at=points, rng=rng)
        found = _check_store(workspace, mode, seen.reported)
        alert_figures = _drain_and_check_alerts(workspace, receiver, found["stored"]) if receiver else {}
    return CampaignResult(
        mode=mode,
        backend=backend,
        articles=articles,
        kills=seen.kills,
        runs=seen.runs,
        reported=len(seen.reported),
        stored=found["stored"],
        distinct_ids=found["distinct"],
        lost=found["lost"],
        duplicated=found["duplicated"],
        integrity=found["integrity"],
        failures=seen.failures,
        store=found["store"],
        alerts=alert_figures,
    )


@contextmanager
def _receiver(mode: str) -> Iterator[Any]:
    if mode != "alerts":
        yield None
        return
    from tests.distribute.receivers import HTTPReceiver

    receiver = HTTPReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


@contextmanager
def _feeds(mode: str, made: list[Synthetic]) -> Iterator[list[str]]:
    if mode != "collect":
        yield []
        return
    pages = feed_pages(made)
    with serve_feeds(pages) as base:
        yield [base + path for path in sorted(pages, key=lambda p: int(p.rsplit("/", 1)[1][:-4]))]


# -- make soak --------------------------------------------------------------------------------------------


def campaign_command(mode: str, backend: str, articles: int, kills: int) -> str:
    """The command that reproduces one campaign's figures."""
    return (
        f"python -m tests.reliability.crash_child --campaign --modes {mode} --backends {backend}"
        f" --articles {articles} --kills {kills}"
    )


def record_campaign(result: CampaignResult, command: str) -> None:
    from tests.reliability.figures import record

    name = f"{result.mode} × {result.backend}: {result.articles} articles, {result.kills} kills"
    record("crash", name, result.figures(), command=command)


@contextmanager
def _store_url(backend: str) -> Iterator[str | None]:
    if backend == "sqlite":
        yield None
        return
    from tests import pgserver

    server = pgserver.from_environment() or pgserver.start()
    url = server.new_database()
    try:
        yield url
    finally:
        server.drop_database(url)
        server.stop()


def campaign_main(modes: list[str], backends: list[str], articles: int, kills: int, seed: int) -> int:
    """Run every (mode, backend) campaign, record its figures, print them; exit 1 on any lost, doubled or
    damaged record."""
    bad = 0
    for backend in backends:
        for mode in modes:
            with (
                tempfile.TemporaryDirectory(prefix=f"jiance-crash-{mode}-") as tmp,
                _store_url(backend) as url,
            ):
                result = run_campaign(
                    mode, Path(tmp), articles=articles, kills=kills, seed=seed, backend=backend, store_url=url
                )
            record_campaign(result, campaign_command(mode, backend, articles, kills))
            print(f"{mode} × {backend}: {result.figures()}", flush=True)
            bad += bool(
                result.lost
                or result.duplicated
                or result.integrity
                or result.failures
                or result.stored != articles
                or result.alerts.get("alerts sent twice")
                or result.alerts.get("articles never alerted")
            )
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.crash_child", description=__doc__)
    parser.add_argument("mode", nargs="?", choices=MODES, help="run as the child in this mode")
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--inbox", type=Path)
    parser.add_argument("--campaign", action="store_true", help="run the full crash campaign (make soak)")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.campaign:
        return campaign_main(
            args.modes.split(","), args.backends.split(","), args.articles, args.kills, args.seed
        )
    if args.mode is None or args.workspace is None:
        parser.error("give a MODE and --workspace, or --campaign")
    child_main(args.mode, args.workspace, args.inbox)
    return 0


if __name__ == "__main__":
    sys.exit(main())
