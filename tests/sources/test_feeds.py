"""parse_feed: RSS 2.0 (GBK), RSS 1.0/RDF, Atom, an ill-formed feed, and entity tricks that must stay inert."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiance.errors import EmptyInputError
from jiance.sources.feeds import parse_feed

from .servers import LoopbackServer, Reply

FIXTURES = Path(__file__).parent / "fixtures"
FEED_URL = "http://news.example.cn/rss/index.xml"


def feed(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_rss2_in_gbk_with_html_content() -> None:
    result = parse_feed(feed("rss2_gbk.xml"), FEED_URL)
    assert result.title == "通信产业快讯"
    assert not result.degraded
    first, second = result.entries
    assert first.url == "http://news.example.cn/tx/2023/0512/123456.html"  # relative link resolved
    assert first.title == "多地启动千兆光网升级行动"
    assert first.guid == "tx-123456"
    assert first.author == "王晓明"
    assert first.published_at == "2023-05-12T09:30:00+08:00"
    assert first.summary_text == "今年以来，多个省份加快推进千兆光网建设。"
    paragraphs = first.content_text.split("\n")
    assert len(paragraphs) == 2
    assert paragraphs[1].startswith("业内人士表示") and "农村地区" in paragraphs[1]  # hard wrap re-joined
    for leaked in ("alert", "steal", "color", "<"):
        assert leaked not in first.content_text + first.summary_text
    assert second.published_at == "2023-05-11T16:05:00+08:00"  # zone-less date: Beijing time


def test_entry_without_link_is_dropped_with_a_note() -> None:
    result = parse_feed(feed("rss2_gbk.xml"), FEED_URL)
    assert len(result.entries) == 2
    assert len(result.problems) == 1 and "没有链接的条目" in result.problems[0]


def test_declared_charset_beats_a_missing_declaration() -> None:
    data = feed("rss2_gbk.xml").replace(b' encoding="gb2312"', b"")
    assert parse_feed(data, FEED_URL, declared_charset="gbk").title == "通信产业快讯"


def test_atom_with_xhtml_content_and_xml_base() -> None:
    result = parse_feed(feed("atom.xml"), "https://www.example.com.cn/feed.atom")
    assert result.title == "某科技公司 新闻中心"
    first, second = result.entries
    assert first.url == "https://www.example.com.cn/press/2023/06/01/liquid-cooling.html"
    assert first.published_at == "2023-06-01T10:00:00+08:00"
    assert first.author == "新闻中心"
    assert first.content_text.split("\n") == [
        "该方案面向大型数据中心，可将制冷能耗降低约三成。",
        "首批试点将在华东地区落地。",
    ]
    assert first.summary_text == "液冷方案可将数据中心能耗降低三成。"
    assert second.published_at == "2023-05-20T10:15:00+08:00"
    assert second.content_text == "实验室将聚焦大模型训练与推理优化。"


def test_rss1_rdf() -> None:
    result = parse_feed(feed("rss1_rdf.xml"), "http://rdf.example.org/index.rdf")
    assert not result.degraded
    [entry] = result.entries
    assert entry.url == "http://rdf.example.org/news/20230415/8801.html"
    assert entry.author == "李华"
    assert entry.published_at == "2023-04-15T10:00:00+08:00"


def test_ill_formed_feed_keeps_what_it_can_and_says_why() -> None:
    result = parse_feed(feed("broken_rss.xml"), "http://broken.example.cn/rss")
    assert result.degraded
    assert any("ill-formed" in p for p in result.problems)
    assert [e.url for e in result.entries] == [
        "http://broken.example.cn/news/2023/0301/5501.html",
        "http://broken.example.cn/news/2023/0302/5502.html",
    ]
    assert result.entries[0].summary_text.split("\n") == ["三月集成电路产量继续增长", "出口呈现回暖态势"]
    assert result.entries[0].published_at == "2023-03-01T16:00:00+08:00"


def test_not_a_feed_is_degraded() -> None:
    result = parse_feed("<html><body><p>这是一个普通网页而不是订阅源</p></body></html>".encode(), FEED_URL)
    assert result.degraded and result.entries == []


def test_empty_bytes_raise() -> None:
    with pytest.raises(EmptyInputError):
        parse_feed(b"  \n", FEED_URL)


def test_billion_laughs_is_not_expanded() -> None:
    result = parse_feed(feed("billion_laughs.xml"), FEED_URL)
    [entry] = result.entries
    assert len(entry.title) < 100
    assert "lollol" not in entry.title


def test_external_entities_and_dtds_are_never_fetched_or_read(
    canary_server: LoopbackServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-FILE", encoding="utf-8")
    canary_server.route("/param.dtd", Reply(body=b'<!ENTITY secret "LEAKED-FROM-DTD">'))
    base = canary_server.url("")
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "{base}/outer.dtd" [\n'
        f'<!ENTITY % remote SYSTEM "{base}/param.dtd"> %remote;\n'
        f'<!ENTITY file SYSTEM "{secret.as_uri()}">\n]>\n'
        '<rss version="2.0"><channel><title>频道</title><item><title>标题 &file; &secret;</title>'
        "<link>http://a.cn/news/2023/0101/1.html</link><description>&file;</description></item></channel></rss>"
    ).encode()
    result = parse_feed(data, FEED_URL)
    text = " ".join(e.title + e.summary_text for e in result.entries)
    assert "TOP-SECRET" not in text and "LEAKED" not in text
    assert canary_server.hits == []
    assert [e.url for e in result.entries] == ["http://a.cn/news/2023/0101/1.html"]


def test_external_entity_fixture_stays_inert() -> None:
    result = parse_feed(feed("external_entity.xml"), FEED_URL)
    [entry] = result.entries
    assert "root:" not in entry.title + entry.summary_text


def test_rss_091() -> None:
    data = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="0.91"><channel><title>早期频道</title>'
        "<item><title>卫星互联网试验星发射成功</title><link>http://old.example.cn/n/2023/0601/7.html</link>"
        "<description>试验星将开展星地通信测试。</description></item></channel></rss>"
    ).encode()
    result = parse_feed(data, "http://old.example.cn/rss.xml")
    assert not result.degraded
    assert [(e.title, e.summary_text) for e in result.entries] == [
        ("卫星互联网试验星发射成功", "试验星将开展星地通信测试。")
    ]
