"""canonical_url and same_site: one spelling per page, and which links belong to a site."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiance.sources.urls import canonical_url, registrable_domain, same_site


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Example.CN:80/a/1.html#top", "http://www.example.cn/a/1.html"),
        ("https://example.cn:443", "https://example.cn/"),
        ("https://example.cn:8443/x", "https://example.cn:8443/x"),
        ("http://a.cn/n/1.html?utm_source=wx&utm_medium=x&b=2&a=1", "http://a.cn/n/1.html?a=1&b=2"),
        ("http://a.cn/n/1.html?from=singlemessage&isappinstalled=0", "http://a.cn/n/1.html"),
        (
            "http://a.cn/n/1.html?spm=a.b.c&fbclid=1&gclid=2&share_token=z&sharer_shareid=9",
            "http://a.cn/n/1.html",
        ),
        ("http://a.cn/%7euser/%e4%b8%ad.html", "http://a.cn/~user/%E4%B8%AD.html"),
        ("http://a.cn/新闻/1.html", "http://a.cn/%E6%96%B0%E9%97%BB/1.html"),
        ("http://a.cn/x/./y/../z.html", "http://a.cn/x/z.html"),
        ("http://www.miit.gov.cn/xwdt/gxdt/index.html", "http://www.miit.gov.cn/xwdt/gxdt/"),
        ("http://a.cn/index.php?id=3", "http://a.cn/index.php?id=3"),
        ("https://例子.中国/a", "https://xn--fsqu00a.xn--fiqs8s/a"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_wechat_articles_keep_only_their_identity() -> None:
    shared = (
        "https://mp.weixin.qq.com/s?__biz=MzA1&mid=22&idx=1&sn=abc&chksm=zz&scene=21&key=k#wechat_redirect"
    )
    assert canonical_url(shared) == "https://mp.weixin.qq.com/s?__biz=MzA1&idx=1&mid=22&sn=abc"


def test_key_is_kept_outside_wechat() -> None:
    assert canonical_url("http://a.cn/s?key=5G") == "http://a.cn/s?key=5G"


def test_canonical_url_is_idempotent() -> None:
    url = "HTTP://A.cn:80/%e4%b8%ad/index.html?b=%20x&a=1&utm_id=3#f"
    assert canonical_url(canonical_url(url)) == canonical_url(url)


def test_same_site() -> None:
    assert same_site("http://www.miit.gov.cn/a", "https://miit.gov.cn/b")
    assert same_site("http://news.cctv.com/1", "http://tv.cctv.com/2")
    assert not same_site("http://miit.gov.cn/", "http://cac.gov.cn/")
    assert not same_site("http://a.example.com/", "http://example.org/")
    assert same_site("http://127.0.0.1:8000/a", "http://127.0.0.1:9000/b")
    assert registrable_domain("www.samr.gov.cn") == "samr.gov.cn"


_SEGMENT = st.text(alphabet="abcXYZ019-._~%中文 /", max_size=12)
_PARAM = st.tuples(
    st.sampled_from(["id", "utm_source", "a", "from", "页"]), st.text(alphabet="xyz1 &=中", max_size=5)
)


@given(
    host=st.sampled_from(["WWW.Example.CN", "例子.中国", "a.gov.cn:80", "b.cn:8080"]),
    path=_SEGMENT,
    params=st.lists(_PARAM, max_size=4),
)
def test_canonical_url_is_idempotent_for_generated_urls(
    host: str, path: str, params: list[tuple[str, str]]
) -> None:
    query = "&".join(f"{k}={v}" for k, v in params)
    once = canonical_url(f"http://{host}/{path}?{query}#frag")
    assert canonical_url(once) == once
    assert "#" not in once and "utm_source" not in once
