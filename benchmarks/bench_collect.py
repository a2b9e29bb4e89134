"""Collection from a local server: pages fetched, extracted and stored per second, and where the time goes.

A loopback server (started here, on 127.0.0.1) serves ``JIANCE_BENCH_COLLECT_PAGES`` article pages (10,000
by default) built from the project's own sample articles, each made unique, behind list pages of 50 links
with a 下一页 link. One page source collects them all into a fresh SQLite store. Then each part is timed
alone on the same pages: fetching, our extraction, trafilatura alone (the peer), and storing. The full run
and each part run in a forked child so that peak memory is the work's own.

    JIANCE_BENCH_COLLECT_PAGES=2000 .venv/bin/python -m benchmarks collect
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from benchmarks.harness import measure, ratio, report
from jiance.records import Article, Document, Provenance
from jiance.samples.site import SampleSite, serve_site
from jiance.settings import Settings
from jiance.sources.collect import collect_source
from jiance.sources.config import SourceConfig
from jiance.sources.http import Fetcher, FetchPolicy
from jiance.sources.pages import extract_article
from jiance.store.sqlite import SQLiteStore

__all__ = ["main"]


def _policy() -> FetchPolicy:
    return FetchPolicy(per_host_delay_s=0.0, per_host_concurrency=2, respect_robots=False)


def _collect_all(site: SampleSite, base: str) -> None:
    with tempfile.TemporaryDirectory() as tmp, SQLiteStore(Path(tmp) / "bench.db") as store:
        config = SourceConfig(
            name="bench",
            kind="page",
            url=f"{base}/list/0.html",
            links="ul.list a",
            next="a.next",
            max_pages=site.lists,
            allow_private=True,
        )
        with Fetcher(_policy()) as fetcher:
            run = collect_source(config, fetcher, store, Settings())
        assert run.new == len(site.articles), (run.new, run.failed, run.status, run.error)


def _fetch_all(site: SampleSite, base: str) -> None:
    with Fetcher(_policy()) as fetcher:
        for path in site.article_paths():
            fetcher.fetch(base + path, allow_private=True)


def _extract_ours(site: SampleSite) -> None:
    for path in site.article_paths():
        extract_article(site.pages[path], "http://bench.example" + path)


def _extract_peer(site: SampleSite) -> None:
    import trafilatura

    for path in site.article_paths():
        trafilatura.bare_extraction(site.pages[path].decode("utf-8"), url="http://bench.example" + path)


def _articles(site: SampleSite) -> list[tuple[Document, bytes, Article]]:
    out = []
    for path in site.article_paths():
        page = extract_article(site.pages[path], "http://bench.example" + path)
        raw = site.pages[path]
        article = Article(
            "article", page.title, page.paragraphs, provenance=Provenance(url=page.url), source_name="bench"
        )
        doc = Document(hashlib.sha256(raw).hexdigest(), None, "text/html", len(raw), "imported", url=page.url)
        out.append((doc, raw, article))
    return out


def _store_all(items: list[tuple[Document, bytes, Article]]) -> None:
    with tempfile.TemporaryDirectory() as tmp, SQLiteStore(Path(tmp) / "bench.db") as store:
        for doc, raw, article in items:
            store.save_import(doc, raw, [article])


def main() -> None:
    """Collect every page once, then time each part alone, and report pages/s, memory and shares."""
    pages = int(os.environ.get("JIANCE_BENCH_COLLECT_PAGES", "10000"))
    site = SampleSite(pages)
    with serve_site(site) as base:
        full = measure(lambda: _collect_all(site, base), repeat=1)
        fetch = measure(lambda: _fetch_all(site, base), repeat=1)
    ours = measure(lambda: _extract_ours(site), repeat=1)
    peer = measure(lambda: _extract_peer(site), repeat=1)
    items = _articles(site)
    store = measure(lambda: _store_all(items), repeat=1)
    n = pages
    rows = []
    for name, m in (("fetch + extract + store (jiance fetch path)", full), ("fetch only", fetch),
                    ("extract only (ours)", ours), ("extract only (trafilatura alone, peer)", peer),
                    ("store only (save_import)", store)):  # fmt: skip
        rows.append(
            {
                "part": name,
                "pages": n,
                "seconds": round(m.seconds_best, 2),
                "pages/s": round(n / m.seconds_best, 1),
                "peak MB": round(m.peak_rss_mb, 1),
                "share of full run": f"{m.seconds_best / full.seconds_best:.0%}",
            }
        )
    rows.append(
        {"part": "extraction ours vs trafilatura alone", "ratio": ratio(peer.seconds_best, ours.seconds_best)}
    )
    report(f"collection of {n} pages from a loopback server (2 cores)", rows)
