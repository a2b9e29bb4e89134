from __future__ import annotations

from jiance.readers.html import declared_charset, read_html
from jiance.samples import load_sample, render_html, sample_names

PARAGRAPHS = [
    "某市今日发布数据中心能效管理新规，要求新建数据中心的电能利用效率不高于一点二五，并鼓励使用可再生能源。",
    "新规还提出，到二〇二八年全市数据中心可再生能源使用比例要达到百分之五十以上，相关部门将按季度开展检查。",
    "业内人士认为，这一规定将推动液冷等节能技术在本地加快落地，同时也对老旧机房的改造提出了更高要求。",
]

ARTICLE = f"""<!DOCTYPE html><html><head><meta charset="gbk"><title>虚构新闻网 - 某市发布数据中心新规</title>
<meta name="author" content="李某某"><meta property="og:site_name" content="虚构新闻网">
<meta property="article:published_time" content="2026-03-04">
<script>var x = "脚本文字";</script><style>.a{{color:red}}</style></head>
<body><nav><a href="/">首页</a> <a href="/tech">科技频道</a> <a href="/biz">财经频道</a></nav>
<article><h1>某市发布数据中心新规</h1>
{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}
</article>
<aside><h3>相关阅读</h3><ul><li><a href="/1">另一条新闻标题一</a></li></ul></aside>
<footer><p>版权所有 虚构新闻网 京ICP备00000000号</p></footer></body></html>"""

BULLETIN = """<html><head><meta charset="utf-8"><title>测试周报 第3期</title></head><body>
<nav>首页 | 往期</nav><h1>测试周报</h1>
<section><h2>产业环境</h2>
<h3>虚构城市发布算力网络计划</h3><p>本市计划三年内建成覆盖全域的算力网络，
目标规模达到 5000 PFlops。</p><h4>一、建设目标</h4><p>到二〇二八年，机架数量翻一番，绿色电力占比过半。</p>
<aside><h4>专家观点</h4><p><b>某机构分析师张某某：</b>投资节奏应当与需求相匹配，避免重复建设。<br>第二段观点文字，依旧虚构。</p></aside>
</section>
<section><h2>技术情报</h2><h3>新型光模块完成测试</h3><p>测试显示 800G Ethernet 光模块功耗下降两成以上。</p></section>
<script>document.write("不应出现")</script></body></html>"""


def test_article_page_gives_title_and_paragraphs_only() -> None:
    source = read_html(ARTICLE.encode("gbk"), "news.html")
    assert source.meta["kind"] == "article"
    assert [ln.text for ln in source.lines] == ["某市发布数据中心新规", *PARAGRAPHS]
    assert source.lines[0].heading == 1 and all(ln.block for ln in source.lines)
    assert source.meta["title"] == "某市发布数据中心新规"
    assert source.meta["date"] == "2026-03-04"
    assert source.meta["author"] == "李某某" and source.meta["sitename"] == "虚构新闻网"
    text = "".join(ln.text for ln in source.lines)
    assert not any(junk in text for junk in ("首页", "脚本", "版权所有", "相关阅读", "color"))


def test_gbk_meta_charset_decodes() -> None:
    data = ARTICLE.encode("gbk")
    assert declared_charset(data) == "gbk"
    assert read_html(data, "news.html").encoding == "gb18030"


def test_declared_charset_beats_the_meta_tag() -> None:
    data = ARTICLE.replace('charset="gbk"', 'charset="iso-8859-1"').encode("gbk")
    assert read_html(data, "news.html", declared="gb2312").lines[1].text == PARAGRAPHS[0]


def test_bulletin_page_keeps_heading_levels_and_asides() -> None:
    source = read_html(BULLETIN.encode(), "bulletin.html")
    assert source.meta["kind"] == "bulletin" and source.meta["title"] == "测试周报 第3期"
    got = [(ln.text, ln.heading) for ln in source.lines]
    assert got == [
        ("测试周报", 1),
        ("产业环境", 2),
        ("虚构城市发布算力网络计划", 3),
        ("本市计划三年内建成覆盖全域的算力网络，目标规模达到 5000 PFlops。", None),
        ("一、建设目标", 4),
        ("到二〇二八年，机架数量翻一番，绿色电力占比过半。", None),
        ("专家观点", 4),
        ("某机构分析师张某某：投资节奏应当与需求相匹配，避免重复建设。", None),
        ("第二段观点文字，依旧虚构。", None),
        ("技术情报", 2),
        ("新型光模块完成测试", 3),
        ("测试显示 800G Ethernet 光模块功耗下降两成以上。", None),
    ]


def test_sample_html_is_read_as_a_bulletin() -> None:
    sample = load_sample(sample_names()[0])
    source = read_html(render_html(sample).encode("utf-8"), "sample.html")
    assert source.meta["kind"] == "bulletin"
    texts = {ln.text for ln in source.lines if ln.heading is not None}
    assert all(section["name"] in texts for section in sample["sections"])
