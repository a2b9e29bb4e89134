"""A news site made of the project's own sample articles, served on loopback for the demo and benchmarks.

It has what collection meets in the wild: an RSS 2.0 feed whose entries carry the full text, list pages of
article links with a 下一页 link, and article pages wrapped in navigation, related links and a footer
(:func:`~jiance.samples.layouts.render_single_article_html`). Every page is rendered once up front; the
server only looks them up.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from jiance.samples.corpus import iter_articles, load_sample, sample_names
from jiance.samples.layouts import render_single_article_html

__all__ = ["SampleSite", "serve_site"]

_BASE = "{BASE}"  # feed links are absolute: the server puts its own address here


def _all_articles() -> list[dict[str, Any]]:
    return [article for name in sample_names() for _, article in iter_articles(load_sample(name))]


class SampleSite:
    """``pages`` maps a path to its bytes: ``/feed.xml``, ``/list/K.html`` and ``/a/2026/11/NNNNNN.html``.

    With ``numbered`` every article gets a unique number in its title and first paragraph, so that a site
    of thousands of pages has thousands of distinct texts (for benchmarks); without it the articles are the
    samples' own, as a demo shows them.
    """

    def __init__(
        self, count: int, *, per_list: int = 50, numbered: bool = True, feed_entries: int = 0
    ) -> None:
        source = _all_articles()
        self.per_list = per_list
        self.articles = [self._variant(source[i % len(source)], i, numbered) for i in range(count)]
        self.pages: dict[str, bytes] = {}
        for i, article in enumerate(self.articles):
            self.pages[self.article_path(i)] = render_single_article_html(article).encode("utf-8")
        self.lists = (count + per_list - 1) // per_list
        for k in range(self.lists):
            self.pages[f"/list/{k}.html"] = self._list_page(k)
        if feed_entries:
            self.pages["/feed.xml"] = self._feed(feed_entries)

    @staticmethod
    def _variant(article: dict[str, Any], i: int, numbered: bool) -> dict[str, Any]:
        if not numbered:
            return article
        copy = dict(article)
        copy["title"] = f"{article['title']}（第{i}号）"
        copy["blocks"] = [
            {"kind": "paragraph", "text": f"本文编号{i}，为测试生成的第{i // 50}组稿件。"},
            *article["blocks"],
        ]
        return copy

    @staticmethod
    def article_path(i: int) -> str:
        return f"/a/2026/11/{i:06d}.html"

    def article_paths(self) -> list[str]:
        return [self.article_path(i) for i in range(len(self.articles))]

    def _list_page(self, k: int) -> bytes:
        items = range(k * self.per_list, min(len(self.articles), (k + 1) * self.per_list))
        links = "".join(
            f'<li><a href="{self.article_path(i)}">{html.escape(self.articles[i]["title"])}</a></li>'
            for i in items
        )
        nxt = f'<a class="next" href="/list/{k + 1}.html">下一页</a>' if k + 1 < self.lists else ""
        return (
            '<html><head><meta charset="utf-8"><title>产业动态</title></head><body>'
            f'<ul class="list">{links}</ul>{nxt}</body></html>'
        ).encode()

    def _feed(self, entries: int) -> bytes:
        """RSS 2.0 with the full text in content:encoded; links carry a {BASE} the server fills in."""
        start = datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
        items = []
        for i, article in enumerate(self.articles[:entries]):
            text = "".join(f"<p>{html.escape(b['text'])}</p>" for b in article["blocks"])
            items.append(
                f"<item><title>{html.escape(article['title'])}</title>"
                f"<link>{_BASE}{self.article_path(i)}</link><guid>sample-{i}</guid>"
                f"<pubDate>{format_datetime(start - timedelta(hours=i))}</pubDate>"
                f"<description><![CDATA[{text}]]></description>"
                f"<content:encoded><![CDATA[{text}]]></content:encoded></item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>样例快讯</title>'
            f"<link>http://feed.example/</link><description>项目自编样例</description>{''.join(items)}</channel></rss>"
        ).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # one write per response, or delayed ACKs cost 40 ms a page
    site: SampleSite

    def do_GET(self) -> None:
        body = self.site.pages.get(self.path.split("?")[0])
        data = body if body is not None else b"not found"
        data = data.replace(_BASE.encode(), f"http://{self.headers.get('Host', '127.0.0.1')}".encode())
        self.send_response(200 if body is not None else 404)
        kind = "application/rss+xml" if self.path.endswith(".xml") else "text/html"
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def serve_site(site: SampleSite) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 (an ephemeral port) while the block runs; yields the base URL."""
    handler = type("SiteHandler", (_Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
