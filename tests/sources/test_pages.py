"""discover_links, next_page and extract_article over list and article pages written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiance.sources.pages import discover_links, extract_article, next_page

FIXTURES = Path(__file__).parent / "fixtures"
LIST_URL = "http://www.example.gov.cn/xwdt/gzdt/index.html"
CORP_URL = "https://corp.example.com/news/?page=2"
ARTICLE_URL = "http://news.example.cn/news/2023/0512/88001.html?from=timeline#comments"
GBK_PARAGRAPHS = 3


def page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_default_heuristic_keeps_headlines_with_article_urls_in_page_order() -> None:
    assert discover_links(page("list_page.html"), LIST_URL) == [
        "http://www.example.gov.cn/xwdt/gzdt/202305/t20230512_470001.html",
        "http://www.example.gov.cn/xwdt/gzdt/202305/t20230511_469950.html",
        "http://www.example.gov.cn/xwdt/gzdt/art/2023/5/10/art_1234_98765.html",
        "http://www.example.gov.cn/xwdt/gzdt/content.jsp?id=3321",
        "http://sub.example.gov.cn/2023/0508/44401.html",
    ]


def test_other_sites_only_when_asked() -> None:
    links = discover_links(page("list_page.html"), LIST_URL, same_site=False)
    assert "http://www.othersite.cn/2023/0509/55501.html" in links
    assert len(links) == 6


def test_heuristic_skips_navigation_footer_friend_links_and_short_titles() -> None:
    links = discover_links(page("list_page.html"), LIST_URL)
    assert not any("10001" in link or "469001" in link or "about" in link for link in links)


def test_selector_and_xpath_take_every_link_they_pick_deduplicated() -> None:
    expected = [
        "https://corp.example.com/news/detail/90101",
        "https://corp.example.com/news/detail/90102",
        "https://corp.example.com/news/detail/90103?spm=a1.b2",
    ]
    data = page("list_selector.html")
    assert discover_links(data, CORP_URL, selector=".news-list .item") == expected
    assert discover_links(data, CORP_URL, xpath="//div[@class='news-list']//a/@href") == expected
    assert discover_links(data, CORP_URL, xpath="//div[@class='news-list']//a") == expected
    # Without a selector the short labels are no headlines: only the long promoted link qualifies.
    assert discover_links(data, CORP_URL) == ["https://corp.example.com/news/detail/90001"]


def test_base_href_is_honoured() -> None:
    html = '<html><head><base href="http://www.example.gov.cn/zcfb/"></head><body><div><a href="202301/t20230105_1001.html">关于开展年度重点工作的通知全文</a></div></body></html>'
    assert discover_links(html.encode(), LIST_URL) == [
        "http://www.example.gov.cn/zcfb/202301/t20230105_1001.html"
    ]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="/l/2.html" rel="next">更多</a><a href="/l/9.html">下一页</a>', "/l/2.html"),
        ('<a href="/l/1.html">上一页</a><a href="/l/3.html">下一页 &gt;</a>', "/l/3.html"),
        ('<a href="/l/5.html">»</a><a href="/l/3.html">›</a>', "/l/3.html"),
        ('<a href="/l/5.html">»</a>', "/l/5.html"),
        ('<a href="javascript:void(0)">下一页</a><a href="#">下一页</a>', None),
        ('<a href="/l/list.html">下一页</a>', None),  # points back at this very page
        ('<script>createPageHTML(10, 2, "index", "shtml");</script>', "/l/index_3.shtml"),
        ('<script>createPageHTML(3, 2, "index", "shtml");</script>', None),
        ("<p>没有分页</p>", None),
    ],
)
def test_next_page(html: str, expected: str | None) -> None:
    found = next_page(f"<html><body>{html}</body></html>".encode(), "http://s.example.cn/l/list.html")
    assert found == (f"http://s.example.cn{expected}" if expected else None)


def test_next_page_from_fixtures_and_selector() -> None:
    assert next_page(page("list_page.html"), LIST_URL) == "http://www.example.gov.cn/xwdt/gzdt/index_1.html"
    assert (
        next_page(page("list_selector.html"), CORP_URL, selector="a.more")
        == "https://corp.example.com/news/?page=3"
    )


def test_article_page_without_furniture() -> None:
    article = extract_article(page("article_utf8.html"), ARTICLE_URL)
    assert article.title == "我国5G基站总数突破三百万个"
    assert article.published_at == "2023-05-12T09:30:00+08:00"  # under the title, not the header's date
    assert article.source_name == "人民邮电报"
    assert article.author == "张明"
    assert article.canonical_url == "http://news.example.cn/news/2023/0512/88001.html"
    assert len(article.paragraphs) == 3
    assert article.paragraphs[0].startswith("记者从有关部门获悉")
    text = "\n".join(article.paragraphs)
    for leaked in (
        "责任编辑",
        "来源",
        "发布时间",
        "打印",
        "相关新闻",
        "网友",
        "版权所有",
        "首页",
        "脚本",
        "今天是",
    ):
        assert leaked not in text
    assert article.problems == []


@pytest.mark.parametrize(
    "name", ["article_gbk.html", "article_wrong_charset.html", "article_no_charset.html"]
)
def test_article_in_any_encoding(name: str) -> None:
    article = extract_article(page(name), "http://www.example.cn/rj/2023/0308/5001.html")
    assert article.title == "软件和信息技术服务业运行态势良好"
    assert article.published_at == "2023-03-08T14:20:00+08:00"  # <meta name="PubDate">, Beijing time
    assert article.source_name == "示例经济日报"
    assert article.author == "赵强"  # only an editor is named
    assert len(article.paragraphs) == GBK_PARAGRAPHS
    assert all("编辑" not in p and "首页" not in p and "主办" not in p for p in article.paragraphs)


def test_declared_charset_overrides_the_page() -> None:
    article = extract_article(
        page("article_wrong_charset.html"), "http://www.example.cn/a/1.html", declared_charset="utf-8"
    )
    assert article.title == "软件和信息技术服务业运行态势良好"


def test_article_time_printed_in_another_zone() -> None:
    article = extract_article(page("article_gbk.html"), "http://www.example.cn/a/1.html", timezone="UTC")
    assert article.published_at == "2023-03-08T14:20:00+00:00"


def test_page_without_text_reports_its_problems() -> None:
    article = extract_article(
        "<html><head><title>空页面</title></head><body><div></div></body></html>".encode(),
        "http://a.cn/1.html",
    )
    assert article.paragraphs == []
    assert set(article.problems) == {"no paragraphs", "no time"}
    assert article.title == "空页面"


def test_interview_questions_stay_and_cms_meta_tags_are_read() -> None:
    article = extract_article(
        page("article_interview.html"), "http://www.example.gov.cn/zc/2023-06/02/content_5001.htm"
    )
    assert article.title == "专访：数据要素市场建设进入快车道"  # <meta name="ArticleTitle">, no site suffix
    assert article.source_name == "示例信息化周刊"  # <meta name="ContentSource">
    assert article.published_at == "2023-06-02T10:32:00+08:00"
    assert article.author == "孙悦"  # the editor line, not the interviewer's question
    assert [p[:3] for p in article.paragraphs] == ["记者：", "答：各", "记者：", "答：我"]
    assert not any("编辑" in p or "分享" in p or "字号" in p for p in article.paragraphs)


def test_gbk_list_page() -> None:
    html = (
        '<html><head><meta charset="gbk"></head><body><ul>'
        '<li><a href="/gk/202304/t20230420_3001.html">关于公布工业和信息化领域试点名单的通知</a></li>'
        '<li><a href="/gk/202304/t20230418_2990.html">关于征求数字化转型指南意见的公告</a></li>'
        "</ul></body></html>"
    ).encode("gbk")
    assert discover_links(html, "http://www.example.gov.cn/gk/") == [
        "http://www.example.gov.cn/gk/202304/t20230420_3001.html",
        "http://www.example.gov.cn/gk/202304/t20230418_2990.html",
    ]
