"""HTML: bulletins published as web pages, and single article pages from news sites.

Two kinds of page need two treatments. A bulletin page is all content: its h1–h4 structure (columns,
titles, sub-headings) and its ``<aside>`` 专家观点 pieces are kept block by block with their heading levels,
and the splitter does the rest. An article page is mostly furniture (navigation, related links, comments,
footers): trafilatura finds the main text and its metadata, and we hand on a title line and the paragraphs.
The choice is made from structure: a page with several headings each followed by real paragraphs is a
bulletin. Script, style and navigation text never reach a line either way.

Bytes are decoded by :func:`jiance.text.decode_bytes` with the charset the caller was told (an HTTP
header wins) or else the page's own ``<meta charset>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import lxml.html
from lxml import etree

from jiance.errors import EmptyInputError
from jiance.readers.sniff import HTML
from jiance.records import Line, SourceText
from jiance.text import decode_bytes, normalize_line

__all__ = ["declared_charset", "is_bulletin", "read_html"]

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
# Characters XML cannot hold: lxml parses a page with them but refuses them when the tree is edited.
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SKIP = {"script", "style", "noscript", "template", "nav", "svg", "iframe", "button", "form", "select"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LEAVES = {"p", "li", "dt", "dd", "pre", "td", "th", "caption", "figcaption", *_HEADINGS}
_CONTAINERS = {
    "div",
    "section",
    "article",
    "aside",
    "main",
    "blockquote",
    "ul",
    "ol",
    "dl",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "figure",
    "header",
    "footer",
    "body",
    "center",
}
_BLOCKS = _LEAVES | _CONTAINERS
_BREAK = "\ue000"  # stands for <br> while whitespace is collapsed
_WIDE = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
_WIDE_WRAP_RE = re.compile(rf"(?<={_WIDE})[ \t\r]*\n\s*(?={_WIDE})")
_SPACE_RE = re.compile(r"\s+")
_MIN_PARAGRAPH_CHARS = 20
_MIN_SECTIONS = 3


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first bytes (``<meta charset>`` or http-equiv), if any."""
    match = _META_CHARSET_RE.search(data[:4096])
    return match.group(1).decode("ascii").lower() if match else None


def _clean_text(raw: str) -> list[str]:
    """Drop source line breaks between Chinese characters, collapse other whitespace as a browser does,
    and split at ``<br>`` markers."""
    pieces = []
    for piece in _SPACE_RE.sub(" ", _WIDE_WRAP_RE.sub("", raw)).split(_BREAK):
        text = normalize_line(piece).strip()
        if text:
            pieces.append(text)
    return pieces


def _parse(text: str, path: str) -> Any:
    text = _XML_DECL_RE.sub("", text)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise EmptyInputError(f"no HTML content: {exc}", where=path) from exc
    for br in root.iter("br"):
        br.tail = _BREAK + (br.tail or "")
    return root


def _strip_furniture(root: Any) -> None:
    """Remove elements whose text never belongs to an article (scripts, styles, navigation, forms)."""
    for element in list(root.iter(*_SKIP, etree.Comment, etree.ProcessingInstruction)):
        if element.getparent() is not None:
            element.drop_tree()
    # A page footer (copyright, contact) is running furniture; a footer inside an article is its own.
    for element in list(root.iter("footer")):
        if element.getparent() is not None and not any(
            a.tag in ("article", "aside") for a in element.iterancestors()
        ):
            element.drop_tree()


def is_bulletin(root: Any) -> bool:
    """Several h2–h4 headings each followed by a real paragraph: the page is a bulletin, not an article."""
    sections = 0
    open_heading = False
    for element in root.iter("h2", "h3", "h4", "p"):
        if element.tag != "p":
            open_heading = True
        elif open_heading and len(element.text_content().strip()) >= _MIN_PARAGRAPH_CHARS:
            sections += 1
            open_heading = False
    return sections >= _MIN_SECTIONS


def _holds_blocks(root: Any) -> set[Any]:
    """Every element that has a block-level descendant, found in one pass up from each block."""
    holders: set[Any] = set()
    for element in root.iter(*_BLOCKS):
        parent = element.getparent()
        while parent is not None and parent not in holders:
            holders.add(parent)
            parent = parent.getparent()
    return holders


def _walk(element: Any, holders: set[Any]) -> Iterator[tuple[str, int | None]]:
    """(text, heading level) of each block in document order; loose text in containers is kept too."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if element not in holders:
        for text in _clean_text(element.text_content()):
            yield text, _HEADINGS.get(tag)
        return
    loose = element.text or ""
    for child in element:
        if child in holders or child.tag in _BLOCKS:
            for text in _clean_text(loose):
                yield text, None
            yield from _walk(child, holders)
            loose = child.tail or ""
        else:
            loose += child.text_content() + (child.tail or "")
    for text in _clean_text(loose):
        yield text, None


def _bulletin_lines(root: Any) -> list[Line]:
    body = root.find("body")
    start = body if body is not None else root
    return [
        Line(text=text, lineno=number, heading=level, block=True)
        for number, (text, level) in enumerate(_walk(start, _holds_blocks(start)), start=1)
    ]


def _page_title(root: Any) -> str | None:
    title = root.findtext(".//title")
    if title and (pieces := _clean_text(title)):
        return " ".join(pieces)
    h1 = root.find(".//h1")
    return " ".join(_clean_text(h1.text_content())) if h1 is not None else None


def _article_body(body: Any) -> Iterator[tuple[str, int | None]]:
    """Paragraphs and sub-headings of trafilatura's XML body (``<head rend="h3">``, ``<p>``, ``<item>``)."""
    for element in body.iter("head", "p", "item", "quote", "cell"):
        text = " ".join(_clean_text(element.xpath("string()")))
        if not text:
            continue
        if element.tag == "head":
            level = (element.get("rend") or "h2").lstrip("h")
            yield text, int(level) if level.isdigit() else 2
        else:
            yield text, None


def _extract(text: str, *, precise: bool) -> dict[str, Any] | None:
    import trafilatura

    found = trafilatura.bare_extraction(
        text, with_metadata=True, include_comments=False, include_tables=True, favor_precision=precise
    )
    if found is None:
        return None
    return found if isinstance(found, dict) else found.as_dict()


def _blocks_of(record: dict[str, Any]) -> list[tuple[str, int | None]]:
    if record.get("body") is not None:
        blocks = list(_article_body(record["body"]))
        if blocks:
            return blocks
    return [(t, None) for t in str(record.get("text") or "").split("\n") if t.strip()]


def _meta_content(root: Any, *names: str) -> str | None:
    """A <meta name|property=...> value, for what trafilatura leaves out (it rejects many CJK bylines)."""
    for name in names:
        for element in root.xpath(f'//meta[@name="{name}" or @property="{name}"]'):
            content = (element.get("content") or "").strip()
            if content:
                return content
    return None


def _article(text: str, root: Any) -> tuple[list[Line], dict[str, str]]:
    """Main text and metadata of an article page, by trafilatura (which drops navigation and comments).

    On short pages trafilatura's recall-oriented fallback can run the paragraphs together; when the
    default extraction yields a single block, the precision mode is tried and kept if it finds more.
    """
    record = _extract(text, precise=False)
    blocks = _blocks_of(record) if record else []
    if len([b for b in blocks if b[1] is None]) <= 1:
        precise = _extract(text, precise=True)
        if precise and len(_blocks_of(precise)) > len(blocks):
            record, blocks = precise, _blocks_of(precise)
    if record is None:
        return [], {}
    meta = {
        key: str(record[key]).strip() for key in ("title", "date", "author", "sitename") if record.get(key)
    }
    for key, names in (("author", ("author", "article:author")), ("sitename", ("og:site_name",))):
        if key not in meta and (value := _meta_content(root, *names)):
            meta[key] = value
    if meta.get("title"):
        blocks = [(meta["title"], 1)] + [b for b in blocks if b[0] != meta["title"]]
    lines = [
        Line(text=t, lineno=n, heading=level, block=True) for n, (t, level) in enumerate(blocks, start=1)
    ]
    return lines, meta


def read_html(data: bytes, path: str, declared: str | None = None) -> SourceText:
    """Read an HTML bulletin (structure kept) or article page (main text extracted) into lines."""
    decoded = decode_bytes(data, declared=declared or declared_charset(data), where=path)
    # The decoder lets a stray control character through (a text file may hold one); a tree cannot.
    text = _NOT_XML_RE.sub("", decoded.text)
    root = _parse(text, path)
    _strip_furniture(root)
    if is_bulletin(root):
        lines, meta = _bulletin_lines(root), {"kind": "bulletin"}
        if title := _page_title(root):
            meta["title"] = title
    else:
        lines, meta = _article(text, root)
        meta["kind"] = "article"
    if not lines:
        raise EmptyInputError("the page holds no text", where=path)
    return SourceText(path=path, media_type=HTML, lines=lines, encoding=decoded.encoding, meta=meta)
