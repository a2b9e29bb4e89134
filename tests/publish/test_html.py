"""HTML of a bulletin: self-contained web page, email-safe variant, and nothing untrusted becomes markup."""

from __future__ import annotations

import lxml.html
import pytest

from jiance.errors import PublishError
from jiance.publish.html import (
    RenderedChart,
    cover_date,
    css_string,
    printed_date,
    render_email_html,
    render_html,
    safe_color,
    safe_url,
)
from jiance.publish.model import Composition

HOSTILE_TITLE = '</h2><script>alert("t")</script><img src=x onerror=alert(1)>'
HOSTILE_BODY = "<iframe src='https://evil.example/'></iframe> & </style><b>粗</b>"


def _hostile(comp: Composition) -> Composition:
    piece = comp.sections[0].pieces[0]
    piece.title = HOSTILE_TITLE
    piece.paragraphs[0] = HOSTILE_BODY
    piece.url = "javascript:alert(1)"
    second = comp.sections[0].pieces[1]
    second.url, second.source_name = "https://news.example.cn/a?id=1&p=2", "示例<新闻>网"
    comp.branding.name = "</title><script>x()</script>"
    comp.branding.primary = "red;} body{display:none"
    comp.highlights = ["<b>要点</b>"]
    return comp


def test_css_string_cannot_break_out() -> None:
    text = 'a"b\\c</style>\n<x>&'
    literal = css_string(text)
    assert literal.startswith('"') and literal.endswith('"')
    inner = literal[1:-1]
    assert '"' not in inner and "<" not in inner and ">" not in inner and "\n" not in inner
    assert "\\22 " in inner and "\\3c " in inner


def test_colours_and_links_are_checked() -> None:
    assert safe_color("#0b5394", "#000") == "#0b5394" and safe_color("red;}", "#000") == "#000"
    assert safe_url("https://a.cn/x?a=1") == "https://a.cn/x?a=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//a.cn", "/local", None, "http://a b"):
        assert safe_url(bad) == "#"


def test_dates_print_as_the_bulletin_does() -> None:
    assert printed_date("2021-10-21") == "2021.10.21" and cover_date("2021-10-21") == "2021年10月21日"
    assert cover_date("秋季号") == "秋季号"


@pytest.mark.parametrize("variant", ["web", "print"])
def test_untrusted_text_is_escaped(compositions: dict[str, Composition], variant: str) -> None:
    html = render_html(_hostile(compositions["sample-a"]), variant=variant)  # type: ignore[arg-type]
    tree = lxml.html.fromstring(html)
    assert tree.xpath("//script") == [] and tree.xpath("//iframe") == [] and tree.xpath("//img") == []
    assert tree.xpath("//*[@onerror]") == []
    assert HOSTILE_TITLE in tree.xpath("//h2[@class='title']")[0].text_content()
    assert HOSTILE_BODY in html.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace(
        "&#39;", "'"
    )
    assert "display:none" not in html
    links = tree.xpath("//a[starts-with(@href, 'http') or @href='#']/@href")
    assert not any(href.startswith("javascript") for href in tree.xpath("//@href"))
    assert "https://news.example.cn/a?id=1&p=2" in links and "#" in links


def test_web_page_is_self_contained_with_a_strict_policy(compositions: dict[str, Composition]) -> None:
    chart = RenderedChart("图", '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>')
    html = render_html(compositions["sample-b"], variant="web", charts=[chart])
    tree = lxml.html.fromstring(html)
    policy = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in policy and "script" not in policy
    assert tree.xpath("//link[@rel='stylesheet']") == [] and tree.xpath("//script") == []
    assert all(src.startswith("data:") for src in tree.xpath("//@src"))
    assert tree.xpath("//svg") == [] and tree.xpath("//figcaption")[0].text == "图"
    assert tree.xpath("//img[@class='chart-img']/@src")[0].startswith("data:image/svg+xml;base64,")
    assert [a.text for a in tree.xpath("//nav//p[@class='toc-section']/a")] == [
        s.name for s in compositions["sample-b"].sections
    ]


def test_email_variant_uses_inline_styles_only(compositions: dict[str, Composition]) -> None:
    comp = _hostile(compositions["sample-c"])
    html = render_email_html(comp)
    tree = lxml.html.fromstring(html)
    assert tree.xpath("//style") == [] and tree.xpath("//script") == [] and tree.xpath("//svg") == []
    assert tree.xpath("//link") == [] and tree.xpath("//@class") == []
    assert tree.xpath("//img") == []
    styled = tree.xpath("//div[@style]")
    assert len(styled) > 20
    text = tree.text_content()
    for section in comp.sections:
        assert section.name in text
    assert "专家观点" in text and "本期要点" in text
    assert "#1f3a68" in html  # the bad colour fell back to the house colour


def test_a_logo_is_embedded_as_data_url(compositions: dict[str, Composition], tmp_path: object) -> None:
    from pathlib import Path

    from PIL import Image

    logo = Path(str(tmp_path)) / "logo.png"
    Image.new("RGB", (4, 4), "navy").save(logo)
    comp = compositions["sample-a"]
    comp.branding.logo = str(logo)
    tree = lxml.html.fromstring(render_html(comp))
    assert tree.xpath("//img[@class='logo']/@src")[0].startswith("data:image/png;base64,")
    comp.branding.logo = str(logo.with_name("missing.png"))
    with pytest.raises(PublishError, match="cannot read the logo"):
        render_html(comp)
