"""Collecting against real loopback servers: feeds, pages, folders, dedup, rejection, failures, the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiance.cli import app
from jiance.samples.corpus import load_sample, sample_names
from jiance.samples.layouts import render_text
from jiance.settings import Settings
from jiance.sources.collect import collect_all, collect_source
from jiance.sources.config import SourceConfig
from jiance.sources.http import Fetcher, FetchPolicy
from jiance.store.collection import SQLiteCollection
from jiance.store.sqlite import SQLiteStore

from .servers import Hit, LoopbackServer, Reply

FAST = FetchPolicy(
    connect_timeout_s=2,
    read_timeout_s=3,
    total_timeout_s=10,
    per_host_delay_s=0,
    respect_robots=False,
    backoff_base_s=0.01,
    backoff_max_s=0.05,
    max_attempts=2,
)
FIXTURES = Path(__file__).parent / "fixtures"
SETTINGS = Settings()
XML = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "jiance.db") as opened:
        yield opened


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FAST) as opened:
        yield opened


def body(n: int) -> str:
    """A made-up article text of more than MIN_CONTENT_CHARS characters, different for every n."""
    return "".join(
        f"<p>第{n}号测试稿件第{k}段，内容为虚构的产业运行数据说明，用于检验采集流程。</p>" for k in range(8)
    )


def entry(url: str, n: int, *, content: bool = True) -> str:
    encoded = f"<content:encoded><![CDATA[{body(n)}]]></content:encoded>" if content else ""
    return (
        f"<item><title>测试稿件标题第{n}号</title><link>{url}</link>"
        f"<pubDate>Wed, 01 Mar 2023 08:00:00 GMT</pubDate><description>摘要{n}</description>{encoded}</item>"
    )


def rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>测试源</title>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def feed_source(server: LoopbackServer, path: str = "/feed.xml", name: str = "feed") -> SourceConfig:
    return SourceConfig(name=name, kind="feed", url=server.url(path), allow_private=True, section="产业环境")


def five(server: LoopbackServer) -> bytes:
    return rss(*(entry(server.url(f"/news/2023/0301/{n}.html"), n) for n in range(1, 6)))


def test_feed_of_five_entries_gives_five_articles(
    loopback_server: LoopbackServer, store: SQLiteStore, fetcher: Fetcher
) -> None:
    loopback_server.route("/feed.xml", Reply(body=five(loopback_server), headers=XML))
    report = collect_source(feed_source(loopback_server), fetcher, store, SETTINGS)
    assert (report.status, report.new, report.failed) == ("ok", 5, 0)
    stored = store.articles()
    assert len(stored) == 5
    first = stored[0].article
    assert first.provenance.url == loopback_server.url("/news/2023/0301/1.html")
    assert first.section == "产业环境" and first.published_at is not None
    doc = store.documents_of(stored[0].id)[0]
    assert doc.url == first.provenance.url and doc.fetched_at
    assert [i.source for i in SQLiteCollection(store).items()] == ["feed"] * 5


def test_fetching_again_adds_nothing_with_a_304(
    loopback_server: LoopbackServer, store: SQLiteStore, fetcher: Fetcher
) -> None:
    data = five(loopback_server)

    def answer(hit: Hit) -> Reply:
        if hit.headers.get("if-none-match") == '"v1"':
            return Reply(status=304, headers={"ETag": '"v1"'})
        return Reply(body=data, headers={**XML, "ETag": '"v1"'})

    loopback_server.route("/feed.xml", answer)
    collect_source(feed_source(loopback_server), fetcher, store, SETTINGS)
    again = collect_source(feed_source(loopback_server), fetcher, store, SETTINGS)
    assert (again.status, again.new, again.unchanged) == ("ok", 0, 0)
    assert loopback_server.hits_for("/feed.xml")[-1].headers["if-none-match"] == '"v1"'
    assert store.count_articles() == 5


def test_feed_resending_old_entries_adds_nothing(
    loopback_server: LoopbackServer, store: SQLiteStore, fetcher: Fetcher
) -> None:
    loopback_server.route("/feed.xml", Reply(body=five(loopback_server), headers=XML))
    collect_source(feed_source(loopback_server), fetcher, store, SETTINGS)
    again = collect_source(feed_source(loopback_server), fetcher, store, SETTINGS)
    assert (again.new, again.unchanged) == (0, 5)
    assert store.count_articles() == 5


def test_same_text_new_url_and_tracking_variant_are_one_item(
    loopback_server: LoopbackServer, store: SQLiteStore, fetcher: Fetcher
) -> None:
    url = loopback_server.url("/news/2023/0301/1.html")
    loopback_server.route(
        "/feed.xml",
        Reply(body=rss(entry(url, 1)), headers=XML),
        Reply(body=rss(entry(loopback_server.url("/repost/2023/0302/77.html"), 1)), headers=XML),
        Reply(body=rss(entry(url + "?utm_source=wechat&from=timeline", 2)), headers=XML),
    )
    source = feed_source(loopback_server)
    assert collect_source(source, fetcher, store, SETTINGS).new == 1
    moved = collect_source(source, fetcher, store, SETTINGS)
    assert (moved.new, moved.unchanged) == (0, 1)
    tracked = collect_source(source, fetcher, store, SETTINGS)
    assert (tracked.new, tracked.unchanged) == (0, 1)  # the URL is known: its (new) text is not even read
    assert store.count_articles() == 1
    assert len(SQLiteCollection(store).items()) == 2


def test_a_rejected_article_never_returns(
    loopback_server: LoopbackServer, store: SQLiteStore, fetcher: Fetcher
) -> None:
    loopback_server.route(
        "/feed.xml",
        Reply(body=rss(entry(loopback_server.url("/news/2023/0301/1.html"), 1)), headers=XML),
        Reply(body=rss(entry(loopback_server.url("/again/2023/0309/9.html"), 1)), headers=XML),
    )
    source = feed_source(loopback_server)
    [stored] = collect_source(source, fetcher, store, SETTINGS).items
    with store._write() as db:  # what an editor's rejection does to the article
        db.execute("UPDATE articles SET status = 'rejected' WHERE id = ?", (stored.article_id,))
        db.execute("DELETE FROM items")  # even with the item forgotten, the text is recognised
    again = collect_source(source, fetcher, store, SETTINGS)
    assert [i.status for i in again.items] == ["rejected"]
    assert store.count_articles() == 1


def test_an_ill_formed_feed_keeps_what_it_recovered(
    loopback_server: LoopbackServer, store: SQLiteStore, fetcher: Fetcher
) -> None:
    good = entry(loopback_server.url("/news/2023/0301/1.html"), 1)
    broken = rss(good, entry(loopback_server.url("/news/2023/0301/2.html"), 2)).replace(
        b"</channel></rss>", b""
    )
    broken = broken.replace("测试稿件标题第2号".encode(), "标题 & 未转义".encode())
    loopback_server.route("/feed.xml", Reply(body=broken, headers=XML))
    report = collect_source(feed_source(loopback_server), fetcher, store, SETTINGS)
    assert report.status == "degraded" and report.problems
    assert report.new >= 1 and store.count_articles() == report.new
    assert SQLiteCollection(store).runs("feed")[0].status == "degraded"


def list_page(*links: str, next_href: str | None = None) -> bytes:
    anchors = "".join(
        f'<li><a href="{href}">关于测试栏目发布的第{i}条工作动态</a></li>' for i, href in enumerate(links)
    )
    nxt = f'<div class="pages"><a href="{next_href}">下一页</a></div>' if next_href else ""
    return f'<html><head><meta charset="utf-8"></head><body><ul>{anchors}</ul>{nxt}</body></html>'.encode()


def article_page(n: int) -> bytes:
    return (
        f"<html><head><meta charset='utf-8'><title>测试动态第{n}号</title></head><body>"
        f"<h1>测试动态第{n}号</h1><div class='content'>{body(n)}</div></body></html>"
    ).encode()


def test_page_source_follows_pages_decodes_gbk_and_records_a_failing_item(
    loopback_server: LoopbackServer, store: SQLiteStore, fetcher: Fetcher
) -> None:
    server = loopback_server
    server.route("/list/", Reply(body=list_page("/a/2023/0501/11.html", "/a/2023/0501/12.html", next_href="/list/index_1.html"), headers=HTML))  # fmt: skip
    server.route("/list/index_1.html", Reply(body=list_page("/a/2023/0502/21.html", "/a/2023/0502/22.html"), headers=HTML))  # fmt: skip
    server.route("/a/2023/0501/11.html", Reply(body=article_page(11), headers=HTML))
    server.route("/a/2023/0501/12.html", Reply(body=article_page(12), headers=HTML))
    gbk = (FIXTURES / "article_gbk.html").read_bytes()  # GBK bytes served as UTF-8: the wrong charset
    server.route("/a/2023/0502/21.html", Reply(body=gbk, headers=HTML))
    server.route("/a/2023/0502/22.html", Reply(status=500, body=b"oops"))
    source = SourceConfig(name="ministry", kind="page", url=server.url("/list/"), allow_private=True)
    report = collect_source(source, fetcher, store, SETTINGS)
    assert (report.status, report.new, report.failed) == ("degraded", 3, 1)
    [failed] = [i for i in report.items if i.status == "failed"]
    assert failed.url.endswith("/22.html") and failed.reason == "http-status"
    titles = {s.article.title for s in store.articles()}
    assert "软件和信息技术服务业运行态势良好" in titles
    collection = SQLiteCollection(store)
    run = collection.runs("ministry")[0]
    assert (run.items_new, run.items_failed) == (3, 1)
    assert [f.reason for f in collection.failures(int(run.id or 0))] == ["http-status"]
    hits = len(server.hits)
    again = collect_source(source, fetcher, store, SETTINGS)
    assert (again.new, again.unchanged) == (0, 3)
    assert len(server.hits) - hits == 2 + 2  # two list pages, the failed item (retried once): no known page


def test_folder_source_imports_a_dropped_bulletin(
    tmp_path: Path, store: SQLiteStore, fetcher: Fetcher
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "bulletin.txt").write_text(render_text(load_sample(sample_names()[0])), encoding="utf-8")
    source = SourceConfig(name="inbox", kind="folder", path=str(inbox))
    report = collect_source(source, fetcher, store, SETTINGS)
    assert (report.status, report.new) == ("ok", 1) and store.count_articles() > 1
    again = collect_source(source, fetcher, store, SETTINGS)
    assert (again.new, again.unchanged) == (0, 1)


def test_dry_run_stores_nothing(
    loopback_server: LoopbackServer, store: SQLiteStore, fetcher: Fetcher
) -> None:
    loopback_server.route("/feed.xml", Reply(body=five(loopback_server), headers=XML))
    report = collect_source(feed_source(loopback_server), fetcher, store, SETTINGS, dry_run=True)
    assert report.new == 5 and all(i.title for i in report.items)
    collection = SQLiteCollection(store)
    assert store.count_articles() == 0 and collection.items() == [] and collection.runs("feed") == []


def test_one_failing_source_does_not_stop_the_others(
    loopback_server: LoopbackServer, store: SQLiteStore, fetcher: Fetcher, tmp_path: Path
) -> None:
    loopback_server.route("/feed.xml", Reply(body=five(loopback_server), headers=XML))
    missing = SourceConfig(name="gone", kind="folder", path=str(tmp_path / "nowhere"))
    off = SourceConfig(name="off", kind="folder", path=str(tmp_path), enabled=False)
    reports = collect_all([missing, off, feed_source(loopback_server)], fetcher, store, SETTINGS)
    assert [(r.source, r.status) for r in reports] == [("gone", "failed"), ("feed", "ok")]
    assert reports[0].error and "missing" in reports[0].error
    assert reports[1].new == 5


def workspace(tmp_path: Path, sources: str) -> Path:
    (tmp_path / "jiance.toml").write_text(sources, encoding="utf-8")
    return tmp_path


def test_cli_sources_check_and_fetch(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    loopback_server.route("/feed.xml", Reply(body=five(loopback_server), headers=XML))
    ws = workspace(
        tmp_path,
        f'[[sources]]\nname = "feed"\nkind = "feed"\nurl = "{loopback_server.url("/feed.xml")}"\n'
        "allow_private = true\n",
    )
    runner = CliRunner()
    check = runner.invoke(app, ["sources", "check", "feed", "--workspace", str(ws)])
    assert check.exit_code == 0, check.output
    assert "测试稿件标题第1号" in check.output
    with SQLiteStore(ws / "jiance.db") as opened:
        assert opened.count_articles() == 0
    fetched = runner.invoke(app, ["fetch", "--workspace", str(ws)])
    assert fetched.exit_code == 0, fetched.output
    listed = runner.invoke(app, ["sources", "--workspace", str(ws)])
    assert listed.exit_code == 0 and "feed" in listed.output
    with SQLiteStore(ws / "jiance.db") as opened:
        assert opened.count_articles() == 5


def test_cli_fetch_exits_1_when_a_source_fails(tmp_path: Path) -> None:
    ws = workspace(tmp_path, '[[sources]]\nname = "gone"\nkind = "folder"\npath = "nowhere"\n')
    result = CliRunner().invoke(app, ["fetch", "--workspace", str(ws)])
    assert result.exit_code == 1
    unknown = CliRunner().invoke(app, ["fetch", "--source", "nope", "--workspace", str(ws)])
    assert unknown.exit_code == 2
