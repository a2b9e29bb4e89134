"""Web sources without a feed: article links on list pages, the next list page, and the article itself.

A ministry or newsroom list page is mostly furniture (navigation, column menus, friendly links, footers)
around one list of headlines. Without a configured selector, :func:`discover_links` keeps the links
outside that furniture whose text reads like a headline (at least :data:`MIN_HEADLINE_CHARS`
characters) and whose URL looks like an article's (a date such as ``/2023/0512/`` or ``t20230512``, or
a numeric id); a source whose pages defeat this heuristic is given a CSS ``selector`` or an ``xpath``.

:func:`extract_article` lets trafilatura find the main text (it drops navigation, related links and
comments) and fills in what it misses on Chinese pages from the page itself: the title from
``og:title``/``<h1>``/``<title>``, the time from meta tags or the date printed under the title, the
source from ``来源：`` and the author from ``作者：``/``编辑：``/``责任编辑`` lines. Those lines are
furniture: they never remain in the paragraphs.

Everything here is a pure function of bytes; bytes are decoded by :func:`jiance.text.decode_bytes` with
the charset the fetcher was told, else the page's own ``<meta charset>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit
from zoneinfo import ZoneInfo

import lxml.html
from lxml import etree

from jiance.errors import EmptyInputError
from jiance.readers.html import declared_charset as meta_charset
from jiance.sources.dates import parse_chinese_datetime, parse_iso_datetime
from jiance.sources.sanitize import html_to_text
from jiance.sources.urls import canonical_url
from jiance.sources.urls import same_site as _same_site
from jiance.text import decode_bytes, normalize_line

__all__ = ["MIN_HEADLINE_CHARS", "PageArticle", "discover_links", "extract_article", "next_page"]

#: Shortest link text taken for a headline by the default heuristic (column names are shorter).
MIN_HEADLINE_CHARS = 8

_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACE_RE = re.compile(r"\s+")
_FURNITURE_TAGS = ("nav", "header", "footer", "aside", "script", "style", "noscript", "form", "select")
_FURNITURE_NAME_RE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|header|footer|foot|sidebar|side|breadcrumbs?|crumbs?|position|"
    r"copyright|friend(?:ly)?-?links?|yqlj|share|toolbar|topbar|login|banner|ad|ads)(?:$|[\s_-])",
    re.IGNORECASE,
)
_ARTICLE_URL_RE = re.compile(
    r"(?:19|20)\d{2}[-_/]?(?:0[1-9]|1[0-2])(?:[-_/]?(?:0[1-9]|[12]\d|3[01]))?(?!\d)"  # a date in the path
    r"|\d{5,}"  # a long numeric id
    r"|[?&;](?:\w*id|p|aid|docid)=\d{3,}",
    re.IGNORECASE,
)
_NEXT_WORDS = ("下一页", "下页", "后页", "next", "nextpage", "older")
_ARROWS = "›»>＞→"
_PAGE_SCRIPT_RE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w\-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_PUBLISHED_META = (
    "article:published_time",
    "pubdate",
    "PubDate",
    "publishdate",
    "publish_date",
    "firstpublishedtime",
    "og:release_date",
    "datePublished",
    "dc.date",
    "DC.date.issued",
)
_LABEL = r"(?:来源|作者|记者|编辑|责任编辑|审核|校对|通讯员|摄影|出处|发布时间|发布日期|时间|日期|浏览次数|点击数|字号)"
_VALUE_END = r"\s|:|：|丨|\||/|，|,|。|）|\)|】|\]"
_VALUE = rf"(?:(?!{_VALUE_END}|{_LABEL}[:：]).){{2,40}}(?=$|\s|[|丨/）)\]】]|{_LABEL}[:：])"
_FIELD_RES = {
    "source": re.compile(rf"(?:来源|出处)\s*[:：]\s*({_VALUE})"),
    "author": re.compile(rf"(?:作者|记者)\s*[:：]\s*({_VALUE})"),
    "editor": re.compile(rf"(?:责任编辑|编辑)\s*[:：]\s*({_VALUE})"),
}
_META_LINE_RE = re.compile(rf"^[【\[（(]?\s*{_LABEL}\s*[:：]")
_TRAILING_EDITOR_RE = re.compile(
    r"\s*[（(【\[]\s*(?:责任编辑|编辑|作者|记者|来源)\s*[:：][^）)】\]]*[）)】\]]\s*$"
)
_FURNITURE_LINES = re.compile(
    r"^(?:【?打印(?:本页)?】?|【?关闭(?:窗口)?】?|分享到[:：]?.*|扫一扫.*|上一篇[:：].*|下一篇[:：].*|相关(?:链接|新闻|阅读)[:：]?|"
    r"返回顶部|字号[:：]?\s*[大中小\s]*|.*(?:【打印】|【关闭】).*)$"
)
_MAX_BYLINE_CHARS = 60
_SENTENCE_ENDS = ("。", "？", "！", "?", "!", "”", "…")
_TITLE_SUFFIX_RE = re.compile(r"\s*(?:[-_|｜—]+)\s*[^-_|｜—]{1,30}$")


@dataclass(slots=True)
class PageArticle:
    """One article page as plain text; ``published_at`` is ISO 8601 with an offset, or ``None``."""

    title: str | None
    paragraphs: list[str]
    published_at: str | None
    author: str | None
    source_name: str | None
    url: str
    canonical_url: str
    problems: list[str] = field(default_factory=list)


def _page(data: bytes, url: str, declared: str | None) -> Any:
    """The parsed page (an lxml element tree); raises :class:`EmptyInputError` when it holds no HTML."""
    text = decode_bytes(data, declared=declared or meta_charset(data), where=url).text
    try:
        return lxml.html.document_fromstring(_XML_DECL_RE.sub("", text, count=1))
    except (etree.ParserError, ValueError) as exc:
        raise EmptyInputError(f"the page holds no HTML ({exc})", where=url) from exc


def _collapse(text: str) -> str:
    return _SPACE_RE.sub(" ", normalize_line(text)).strip()


def _base(root: Any, url: str) -> str:
    """The base for relative links: ``<base href>`` when the page sets one, else its own URL."""
    for href in root.xpath("//base/@href"):
        return urljoin(url, str(href).strip())
    return url


def _strip_furniture(root: Any) -> None:
    for element in list(root.iter(*_FURNITURE_TAGS)):
        element.drop_tree()
    for element in root.xpath("//*[@class or @id]"):
        names = f"{element.get('class') or ''} {element.get('id') or ''}"
        if element.tag not in ("body", "html") and _FURNITURE_NAME_RE.search(names):
            element.drop_tree()


def _selected(root: Any, selector: str | None, xpath: str | None) -> Iterator[str]:
    """Hrefs under the elements a source's selector or XPath picks (or the attribute values it selects)."""
    found: list[Any] = root.cssselect(selector) if selector else []
    if xpath:
        result = root.xpath(xpath)
        found.extend(result if isinstance(result, list) else [result])
    for item in found:
        if isinstance(item, str):
            yield str(item)
        elif getattr(item, "tag", None) == "a":
            yield item.get("href") or ""
        elif hasattr(item, "iter"):
            yield from (a.get("href") or "" for a in item.iter("a"))


def _headline(anchor: Any) -> str:
    text = _collapse(anchor.text_content())
    title = _collapse(anchor.get("title") or "")
    return title if len(title) > len(text) else text


def _looks_like_article(url: str) -> bool:
    parts = urlsplit(url)
    return bool(_ARTICLE_URL_RE.search(parts.path + ("?" + parts.query if parts.query else "")))


def _headline_links(root: Any) -> Iterator[str]:
    _strip_furniture(root)
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if href and len(_headline(anchor)) >= MIN_HEADLINE_CHARS:
            yield href


def _absolute(base: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
        return None
    absolute = urldefrag(urljoin(base, href)).url
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _unique(urls: Iterable[str | None], page_url: str) -> list[str]:
    seen = {canonical_url(page_url)}
    kept = []
    for url in urls:
        if url is not None and (key := canonical_url(url)) not in seen:
            seen.add(key)
            kept.append(url)
    return kept


def discover_links(
    html: bytes,
    base_url: str,
    *,
    selector: str | None = None,
    xpath: str | None = None,
    same_site: bool = True,
    declared_charset: str | None = None,
) -> list[str]:
    """Article links of a list page, absolute, in page order, one per canonical URL.

    With a CSS ``selector`` or an ``xpath`` every link under what they pick is taken; without, the
    headline heuristic of the module docstring applies. ``same_site`` keeps only links to the list
    page's own site (see :func:`jiance.sources.urls.same_site`).
    """
    root = _page(html, base_url, declared_charset)
    base = _base(root, base_url)
    if selector or xpath:
        hrefs = list(_selected(root, selector, xpath))
        urls = [_absolute(base, href) for href in hrefs]
    else:
        urls = [
            u for u in (_absolute(base, h) for h in _headline_links(root)) if u and _looks_like_article(u)
        ]
    if same_site:
        urls = [u for u in urls if u and _same_site(u, base_url)]
    return _unique(urls, base_url)


def _next_by_text(root: Any) -> Iterator[tuple[int, str]]:
    """(rank, href) for links labelled as the next page: words first, then ›, then » (sometimes 尾页)."""
    for anchor in root.iter("a"):
        label = _collapse(anchor.text_content() or anchor.get("title") or "").lower().replace(" ", "")
        words = label.strip(_ARROWS)
        if words in _NEXT_WORDS:
            yield 0, anchor.get("href") or ""
        elif label in ("›", ">", "＞", "→"):
            yield 1, anchor.get("href") or ""
        elif label == "»":
            yield 2, anchor.get("href") or ""


def _next_by_script(root: Any) -> str | None:
    """TRS-style paging scripts (``createPageHTML(total, current, "index", "html")``) on ministry sites."""
    for script in root.iter("script"):
        if match := _PAGE_SCRIPT_RE.search(script.text or ""):
            total, current, prefix, ext = int(match[1]), int(match[2]), match[3], match[4]
            if current + 1 < total:
                return f"{prefix}_{current + 1}.{ext}"
    return None


def _next_candidates(root: Any, selector: str | None) -> Iterator[str]:
    if selector:
        yield from _selected(root, selector, None)
        return
    yield from (
        str(h)
        for h in root.xpath("//link[@rel='next']/@href|//a[contains(concat(' ', @rel, ' '), ' next ')]/@href")
    )
    yield from (href for _, href in sorted(_next_by_text(root), key=lambda pair: pair[0]))
    if script := _next_by_script(root):
        yield script


def next_page(
    html: bytes, base_url: str, *, selector: str | None = None, declared_charset: str | None = None
) -> str | None:
    """The absolute URL of the next list page, or ``None`` on the last page.

    Looked for in order: ``selector`` when given; ``rel="next"``; a link labelled 下一页/下页/next;
    ›; »; a ministry-site paging script. A link back to the page itself does not count.
    """
    root = _page(html, base_url, declared_charset)
    base = _base(root, base_url)
    here = canonical_url(base_url)
    for href in _next_candidates(root, selector):
        url = _absolute(base, href)
        if url is not None and canonical_url(url) != here:
            return url
    return None


def _meta(root: Any, *names: str) -> str | None:
    wanted = {name.lower() for name in names}
    for element in root.iter("meta"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "").lower()
        if key in wanted and (content := _collapse(element.get("content") or "")):
            return content
    return None


def _trafilatura(text: str, url: str) -> dict[str, Any]:
    """trafilatura's record for the page; precision mode when the default yields at most one block."""
    import trafilatura

    def run(precise: bool) -> dict[str, Any]:
        found = trafilatura.bare_extraction(
            text,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            favor_precision=precise,
        )
        if found is None:
            return {}
        return found if isinstance(found, dict) else dict(found.as_dict())

    record = run(False)
    if len(_body_blocks(record)) <= 1 and len(_body_blocks(precise := run(True))) > 1:
        return precise
    return record


def _body_blocks(record: dict[str, Any]) -> list[str]:
    body = record.get("body")
    if body is None:
        return [line for line in str(record.get("text") or "").split("\n") if line.strip()]
    leaves = ("p", "head", "item", "cell", "quote", "list")
    blocks = []
    for element in body.iter(*leaves):
        if any(child.tag in leaves for child in element.iterdescendants()):
            continue  # a container: its leaves are taken one by one
        if text := _collapse(element.xpath("string()")):
            blocks.append(text)
    return blocks


def _title(root: Any, record: dict[str, Any]) -> str | None:
    for candidate in (_meta(root, "og:title", "ArticleTitle"), _first_text(root, "h1"), record.get("title")):
        if candidate and (title := _collapse(str(candidate))):
            return title
    page_title = _first_text(root, "title")
    return _TITLE_SUFFIX_RE.sub("", page_title) or page_title if page_title else None


def _first_text(root: Any, tag: str) -> str | None:
    for element in root.iter(tag):
        if text := _collapse(element.text_content()):
            return text
    return None


def _field(lines: Iterable[str], name: str) -> str | None:
    """A by-line field (来源, 作者, 编辑) from the short, non-sentence lines among ``lines``."""
    for line in lines:
        if len(line) > _MAX_BYLINE_CHARS or line.endswith(_SENTENCE_ENDS):
            continue
        if match := _FIELD_RES[name].search(line):
            return match.group(1).strip()
    return None


def _near_title(lines: list[str], title: str | None, span: int = 6) -> list[str]:
    """The lines printed just under the title, where a Chinese page puts its time, source and author."""
    if not title:
        return []
    # The exact heading first: the <title> line also contains the title but sits above the page header.
    for matches in (
        lambda line: line == title,
        lambda line: len(title) >= MIN_HEADLINE_CHARS and title in line,
    ):
        for index, line in enumerate(lines):
            if matches(line):
                return lines[index + 1 : index + 1 + span]
    return []


def _published(root: Any, near: list[str], record: dict[str, Any], zone: tzinfo) -> datetime | None:
    raw = _meta(root, *_PUBLISHED_META)
    if raw and (value := parse_iso_datetime(raw, tz=zone) or parse_chinese_datetime(raw, tz=zone)):
        return value
    for line in near:
        if value := parse_chinese_datetime(line, tz=zone):
            return value
    if record.get("date"):
        return parse_chinese_datetime(str(record["date"]), tz=zone)
    return None


def _is_byline(line: str) -> bool:
    """A short ``来源：… 作者：…`` line; an interview's ``记者：…？`` question is a sentence and stays."""
    return (
        bool(_META_LINE_RE.match(line))
        and len(line) <= _MAX_BYLINE_CHARS
        and not line.endswith(_SENTENCE_ENDS)
    )


def _is_furniture(line: str, title: str | None) -> bool:
    return line == title or _is_byline(line) or bool(_FURNITURE_LINES.match(line))


def _clean_paragraphs(blocks: list[str], title: str | None) -> list[str]:
    """Paragraphs without the by-lines, print/share links and the repeated title."""
    kept = []
    for block in blocks:
        text = _TRAILING_EDITOR_RE.sub("", block).strip()
        if text and not _is_furniture(text, title):
            kept.append(text)
    return kept


def _fallback_blocks(root: Any) -> list[str]:
    """Paragraph text when trafilatura finds nothing: every ``<p>`` of some length, in page order."""
    return [text for p in root.iter("p") if len(text := _collapse(p.text_content())) >= 10]


def _canonical(root: Any, url: str) -> str:
    hrefs = root.xpath("//link[@rel='canonical']/@href")
    declared = str(hrefs[0]).strip() if hrefs else _meta(root, "og:url")
    absolute = _absolute(url, declared) if declared else None
    return canonical_url(absolute or url)


def extract_article(
    html: bytes, url: str, *, declared_charset: str | None = None, timezone: str = "Asia/Shanghai"
) -> PageArticle:
    """The article on a page: title, plain paragraphs, time, author, source and canonical URL.

    ``timezone`` is the zone of times printed without one. ``problems`` notes what could not be found
    (no paragraphs, no time), so the caller can quarantine or flag the article.
    """
    root = _page(html, url, declared_charset)
    text = lxml.html.tostring(root, encoding="unicode")
    record = _trafilatura(text, url)
    title = _title(root, record)
    lines = html_to_text(text)
    near = _near_title(lines, title)
    blocks = _body_blocks(record) or _fallback_blocks(root)
    paragraphs = _clean_paragraphs(blocks, title)
    published = _published(root, near, record, ZoneInfo(timezone))
    source = (
        _field(near, "source")
        or _field(lines, "source")
        or _meta(root, "ContentSource", "source", "og:site_name")
        or record.get("sitename")
    )
    author = (
        _field(near, "author")
        or _field(lines, "author")
        or _field(near, "editor")
        or _field(lines, "editor")
        or _meta(root, "author", "article:author")
    )
    problems = [
        note for note, missing in (("no paragraphs", not paragraphs), ("no time", not published)) if missing
    ]
    return PageArticle(
        title=title,
        paragraphs=paragraphs,
        published_at=published.isoformat() if published else None,
        author=author,
        source_name=str(source) if source else None,
        url=url,
        canonical_url=_canonical(root, url),
        problems=problems,
    )
