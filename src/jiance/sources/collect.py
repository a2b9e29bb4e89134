"""Collecting: one run of a source (feed, page or folder) into articles, items and a run record.

The corridor for one source::

    feed:   fetch the feed (conditional GET) → entries → an entry's own content text, else its page
    page:   fetch the list page → article links → the next page, up to max_pages → each new link's page
    folder: the files under the folder → pipeline.import_file (same stages as ``jiance import``)

An item is known by its canonical URL (:func:`jiance.sources.urls.canonical_url`) and by its content hash
(the article id): a known URL is not fetched again, and a text already stored under another URL adds no
article, only an item pointing at it. An item whose article an editor rejected never comes back. Every
failure is a record: a failed item keeps its URL and reason in the run (``item_failures``), a failed
source a failed run (``source_runs``); one failing item does not stop its source, one failing source does
not stop :func:`collect_all`. A dry run reads the store but writes nothing.

Feed validators are saved only after a run in which no item failed: otherwise a 304 next time would hide
the entries whose pages failed, and they would never be retried.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from jiance.errors import JianceError, MissingFileError, NotFoundError
from jiance.pipeline import import_file, iter_input_files
from jiance.records import ARTICLE, Article, Document, Provenance
from jiance.settings import Settings
from jiance.sources.config import SourceConfig
from jiance.sources.feeds import FeedEntry, parse_feed
from jiance.sources.http import Fetcher, FetchError, FetchResult, Validators
from jiance.sources.pages import discover_links, extract_article, next_page
from jiance.sources.urls import canonical_url
from jiance.store.base import Store
from jiance.store.collection import ItemFailure, SourceRun, SQLiteCollection, collection_for

__all__ = ["MIN_CONTENT_CHARS", "ItemResult", "RunReport", "collect_all", "collect_source"]

#: A feed entry whose content text has at least this many characters is taken as the article itself;
#: shorter ones (a teaser) send us to the entry's page.
MIN_CONTENT_CHARS = 200

HTML = "text/html"
TEXT = "text/plain"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class ItemResult:
    """The fate of one item: ``new`` (stored, or in a dry run: would be), ``unchanged``, ``rejected``
    or ``failed`` with its ``reason`` code and message."""

    url: str
    status: str
    title: str | None = None
    article_id: str | None = None
    reason: str | None = None
    message: str | None = None


@dataclass(slots=True)
class RunReport:
    """One run of one source: its status (ok, degraded, failed), its items and what went wrong."""

    source: str
    kind: str
    started_at: str
    finished_at: str = ""
    status: str = "ok"
    items: list[ItemResult] = field(default_factory=list)
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    latency_s: float | None = None  # mean time of the run's fetches; None when nothing was fetched
    duration_s: float = 0.0
    dry_run: bool = False
    run_id: int | None = None

    def count(self, *statuses: str) -> int:
        return sum(1 for item in self.items if item.status in statuses)

    @property
    def new(self) -> int:
        return self.count("new")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged", "rejected")

    @property
    def failed(self) -> int:
        return self.count("failed")


@dataclass(slots=True)
class _Run:
    """What one source's run carries through its steps."""

    config: SourceConfig
    fetcher: Fetcher
    store: Store
    collection: SQLiteCollection
    settings: Settings
    report: RunReport
    seen: set[str] = field(default_factory=set)
    fetch_times: list[float] = field(default_factory=list)
    should_stop: Callable[[], bool] = field(default=lambda: False)

    def stopping(self) -> bool:
        """True when the watcher asked us to stop: the item in hand is finished, no new one is begun."""
        if self.should_stop():
            if "stopped early: jiance is shutting down" not in self.report.problems:
                self.report.problems.append("stopped early: jiance is shutting down")
            return True
        return False

    @property
    def dry(self) -> bool:
        return self.report.dry_run

    def fetch(self, url: str, validators: Validators | None = None) -> FetchResult:
        result = self.fetcher.fetch(url, validators=validators, allow_private=self.config.allow_private)
        self.fetch_times.append(result.elapsed_s)
        return result

    def charset(self, result: FetchResult) -> str | None:
        return self.config.encoding or result.encoding_hint

    def add(self, item: ItemResult) -> None:
        self.report.items.append(item)


# -- items ------------------------------------------------------------------------------------------------


def _known(run: _Run, url: str) -> str | None:
    """The URL's canonical form when it is new to this run and to the store; else None (and noted)."""
    canonical = canonical_url(url)
    if canonical in run.seen:
        return None
    run.seen.add(canonical)
    item = run.collection.item(canonical)
    if item is None:
        return canonical
    status = "rejected" if item.status == "rejected" else "unchanged"
    run.add(ItemResult(url, status, article_id=item.article_id))
    if not run.dry:
        run.collection.touch_items([canonical])
    return None


def _keep(run: _Run, article: Article, raw: bytes, url: str, canonical: str, media_type: str) -> None:
    """Store one collected article unless its text is known or rejected; record the item either way."""
    aid = article.id
    if run.collection.is_rejected(aid):
        run.add(ItemResult(url, "rejected", article.title, aid))
    elif run.collection.has_article(aid):
        run.add(ItemResult(url, "unchanged", article.title, aid))
    elif run.dry:
        run.add(ItemResult(url, "new", article.title, aid))
        return
    else:
        doc = Document(
            id=hashlib.sha256(raw).hexdigest(),
            path=None,
            media_type=media_type,
            size=len(raw),
            status="imported",
            url=url,
            fetched_at=_now(),
            encoding="utf-8" if media_type == TEXT else None,
            article_count=1,
        )
        outcome = run.store.save_import(doc, raw, [article])
        run.add(ItemResult(url, "new" if outcome.articles_new else "unchanged", article.title, aid))
    if not run.dry:
        run.collection.record_item(canonical, run.config.name, aid, article_id=aid)


def _page_item(run: _Run, url: str, canonical: str, entry: FeedEntry | None = None) -> None:
    """Fetch an article page and keep its article; the feed entry fills in what the page lacks."""
    result = run.fetch(url)
    page = extract_article(
        result.content, result.url, declared_charset=run.charset(result), timezone=run.config.timezone
    )
    if not page.paragraphs:
        raise _ItemFailed("no-paragraphs", "the page holds no article text")
    article = Article(
        kind=ARTICLE,
        title=page.title or (entry.title if entry else "") or page.paragraphs[0][:40],
        paragraphs=page.paragraphs,
        section=run.config.section,
        provenance=Provenance(url=result.url),
        published_at=page.published_at or (entry.published_at if entry else None),
        source_name=page.source_name or run.config.name,
        author=page.author or (entry.author if entry else None),
    )
    _keep(run, article, result.content, result.url, canonical, HTML)


def _entry_item(run: _Run, entry: FeedEntry, canonical: str) -> None:
    if len(entry.content_text) < MIN_CONTENT_CHARS:
        _page_item(run, entry.url, canonical, entry)
        return
    article = Article(
        kind=ARTICLE,
        title=entry.title,
        paragraphs=[line for line in entry.content_text.split("\n") if line.strip()],
        section=run.config.section,
        provenance=Provenance(url=entry.url),
        published_at=entry.published_at,
        source_name=run.config.name,
        author=entry.author,
    )
    raw = f"{entry.title}\n{entry.content_text}".encode()
    _keep(run, article, raw, entry.url, canonical, TEXT)


class _ItemFailed(JianceError):
    """An item that was fetched but holds nothing to keep."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _guarded(run: _Run, url: str, step: Callable[[], None]) -> None:
    """Run one item's step; any failure becomes a failed item and the source goes on."""
    try:
        step()
    except JianceError as error:
        run.add(ItemResult(url, "failed", reason=getattr(error, "reason", "error"), message=error.message))
    except Exception as error:  # an unattended run records the bug and goes on
        run.add(ItemResult(url, "failed", reason="internal-error", message=repr(error)))


def _each_new(run: _Run, urls: Iterable[str], step: Callable[[str, str], None]) -> None:
    for url in urls:
        if run.stopping():
            return
        canonical = _known(run, url)
        if canonical is not None:
            _guarded(run, url, partial(step, url, canonical))


# -- sources ----------------------------------------------------------------------------------------------


def _collect_feed(run: _Run) -> None:
    url = str(run.config.url)
    result = run.fetch(url, run.collection.validators(run.config.name))
    if result.not_modified:
        return
    feed = parse_feed(
        result.content, result.url, declared_charset=run.charset(result), timezone=run.config.timezone
    )
    if feed.degraded:
        run.report.status = "degraded"
    run.report.problems.extend(feed.problems)
    entries = {entry.url: entry for entry in feed.entries}
    _each_new(run, entries, lambda u, c: _entry_item(run, entries[u], c))
    if not run.dry and not run.report.failed:
        run.collection.save_validators(run.config.name, result.validators)


def _collect_page(run: _Run) -> None:
    url: str | None = str(run.config.url)
    visited: set[str] = set()
    while url is not None and len(visited) < run.config.max_pages and not run.stopping():
        try:
            result = run.fetch(url)
        except FetchError as error:
            if not visited:
                raise
            run.report.status = "degraded"
            run.report.problems.append(f"list page {url}: {error.message}")
            return
        visited.add(canonical_url(url))
        charset = run.charset(result)
        links = discover_links(
            result.content, result.url, selector=run.config.links, xpath=run.config.links_xpath,
            declared_charset=charset,
        )  # fmt: skip
        _each_new(run, links, lambda u, c: _page_item(run, u, c))
        found = next_page(result.content, result.url, selector=run.config.next, declared_charset=charset)
        url = found if found is not None and canonical_url(found) not in visited else None


def _imported(store: Store, path: Path) -> bool:
    try:
        doc = store.get_document(hashlib.sha256(path.read_bytes()).hexdigest())
    except (NotFoundError, OSError):
        return False
    return doc.status == "imported"


def _collect_folder(run: _Run) -> None:
    root = Path(str(run.config.path))
    if not root.is_dir():
        raise MissingFileError("the source's folder does not exist", where=str(root))
    for path in iter_input_files([root]):
        if run.stopping():
            return
        if run.dry:
            run.add(ItemResult(str(path), "unchanged" if _imported(run.store, path) else "new", path.name))
            continue
        result = import_file(path, run.store, run.settings)
        status = {"imported": "new", "unchanged": "unchanged"}.get(result.status, "failed")
        run.add(ItemResult(str(path), status, path.name, reason=result.reason, message=result.message))


_COLLECTORS: dict[str, Callable[[_Run], None]] = {
    "feed": _collect_feed,
    "page": _collect_page,
    "folder": _collect_folder,
}


def _finish(run: _Run, started: float) -> RunReport:
    report = run.report
    report.finished_at = _now()
    report.duration_s = round(time.monotonic() - started, 3)
    if run.fetch_times:
        report.latency_s = round(sum(run.fetch_times) / len(run.fetch_times), 3)
    if report.status == "ok" and report.failed:
        report.status = "degraded"
    if not run.dry:
        record = SourceRun(
            source=report.source,
            started_at=report.started_at,
            finished_at=report.finished_at,
            status=report.status,
            items_new=report.new,
            items_unchanged=report.unchanged,
            items_failed=report.failed,
            error=report.error,
            latency_s=report.latency_s,
        )
        failures = [
            ItemFailure(i.url, i.reason or "error", i.message) for i in report.items if i.status == "failed"
        ]
        report.run_id = run.collection.record_run(record, failures)
    return report


def collect_source(
    config: SourceConfig,
    fetcher: Fetcher,
    store: Store,
    settings: Settings,
    *,
    dry_run: bool = False,
    should_stop: Callable[[], bool] | None = None,
) -> RunReport:
    """Collect one source once and record the run; a source-level failure is a ``failed`` report.

    ``should_stop`` (from ``jiance watch``) is checked between items: a stop never cuts an item in half.
    """
    started = time.monotonic()
    report = RunReport(config.name, config.kind, _now(), dry_run=dry_run)
    collection = collection_for(store)
    run = _Run(config, fetcher, store, collection, settings, report)
    if should_stop is not None:
        run.should_stop = should_stop
    if not dry_run:
        collection.save_source(config)
    try:
        _COLLECTORS[config.kind](run)
    except JianceError as error:
        report.status, report.error = "failed", f"{getattr(error, 'reason', 'error')}: {error}"
    except Exception as error:  # one broken source must not stop the others
        report.status, report.error = "failed", f"internal-error: {error!r}"
    return _finish(run, started)


def collect_all(
    configs: Iterable[SourceConfig],
    fetcher: Fetcher,
    store: Store,
    settings: Settings,
    *,
    dry_run: bool = False,
    on_report: Callable[[RunReport], None] | None = None,
) -> list[RunReport]:
    """Collect every enabled source once, in order; a failing source is reported and the run goes on."""
    reports = []
    for config in configs:
        if not config.enabled:
            continue
        report = collect_source(config, fetcher, store, settings, dry_run=dry_run)
        reports.append(report)
        if on_report is not None:
            on_report(report)
    return reports
