"""sanitize_html and html_to_text: entry HTML made safe, then plain paragraphs."""

from __future__ import annotations

from jiance.sources.sanitize import html_to_text, sanitize_html

HOSTILE = (
    '<p onclick="steal()">运营商<b>公布</b>季度业绩</p><script>alert("x")</script><style>p{color:red}</style>'
    '<a href="javascript:alert(1)">点此</a><img src="http://a.cn/p.png" onerror="x()"><iframe src="http://a.cn"></iframe>'
)


def test_sanitize_drops_scripts_styles_handlers_and_js_links() -> None:
    clean = sanitize_html(HOSTILE)
    for banned in ("script", "alert", "style", "color:red", "onclick", "onerror", "javascript:", "iframe"):
        assert banned not in clean
    assert "<b>公布</b>" in clean
    assert 'src="http://a.cn/p.png"' in clean


def test_blocks_and_breaks_make_paragraphs() -> None:
    html = "<p>第一段</p>第二段<br>第三段<div>第四段</div><ul><li>要点一</li><li>要点二</li></ul>"
    assert html_to_text(html) == ["第一段", "第二段", "第三段", "第四段", "要点一", "要点二"]


def test_hard_wraps_between_chinese_disappear_and_spaces_collapse() -> None:
    assert html_to_text("<p>数据中心\n  能耗下降 &nbsp; 三成，PUE\n降至 1.2</p>") == [
        "数据中心能耗下降 三成，PUE 降至 1.2"
    ]


def test_entities_and_plain_text() -> None:
    assert html_to_text("研发 &amp; 制造 &lt;核心&gt;") == ["研发 & 制造 <核心>"]
    assert html_to_text("") == []
    assert html_to_text("<script>only()</script>") == []


def test_fullwidth_digits_are_normalised() -> None:
    assert html_to_text("<p>增长１２％</p>") == ["增长12％"]
