"""HTML from feeds and pages made safe (:func:`sanitize_html`) and turned into paragraphs (:func:`html_to_text`).

Feed entries carry arbitrary HTML written by someone else: scripts, styles, ``on*`` handlers,
``javascript:`` links, tracking pixels. nh3 (the Rust ammonia sanitiser) keeps a small allow-list of
structural tags and drops everything else, the content of ``script`` and ``style`` included. The text
we store is plain: block elements and ``<br>`` end paragraphs, other whitespace collapses as a browser
shows it, and a line break between two Chinese characters (a hard wrap in the source) disappears.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html
import nh3
from lxml import etree

from jiance.text import normalize_line

__all__ = ["ALLOWED_ATTRIBUTES", "ALLOWED_TAGS", "html_to_text", "sanitize_html"]

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl", "dt", "em",
        "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol",
        "p", "pre", "section", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
        "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "td": {"colspan", "rowspan"}}
_URL_SCHEMES = {"http", "https", "mailto"}
_BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "blockquote", "li", "ul", "ol", "dl", "dt", "dd", "pre",
        "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "caption", "figure", "figcaption", "hr",
        "header", "footer", "aside", "main", "body",
    }
)  # fmt: skip
_BREAK = "\ue000"  # stands for a paragraph end while whitespace is collapsed
_WIDE = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
_WIDE_WRAP_RE = re.compile(rf"(?<={_WIDE})[ \t\r]*\n\s*(?={_WIDE})")
_SPACE_RE = re.compile(r"\s+")


def sanitize_html(html: str) -> str:
    """``html`` with only structural tags, safe links and images left; no script, style or handlers."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=_URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
    )


def _flatten(element: Any, out: list[str]) -> None:
    """Text of ``element`` in document order, with a break marker around every block and at ``<br>``."""
    tag = element.tag if isinstance(element.tag, str) else ""
    block = tag in _BLOCKS
    if block:
        out.append(_BREAK)
    if tag == "br":
        out.append(_BREAK)
    elif tag:
        out.append(element.text or "")
        for child in element:
            _flatten(child, out)
    if block:
        out.append(_BREAK)
    out.append(element.tail or "")


def _paragraphs(raw: str) -> list[str]:
    paragraphs = []
    for piece in _SPACE_RE.sub(" ", _WIDE_WRAP_RE.sub("", raw)).split(_BREAK):
        text = normalize_line(piece).strip()
        if text:
            paragraphs.append(text)
    return paragraphs


def html_to_text(html: str) -> list[str]:
    """The paragraphs of an HTML fragment or page, sanitised first, as plain normalised text."""
    cleaned = sanitize_html(html)
    if not cleaned.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(cleaned, create_parent="div")
    except (etree.ParserError, ValueError):
        return _paragraphs(cleaned)
    out: list[str] = []
    _flatten(root, out)
    return _paragraphs("".join(out))
