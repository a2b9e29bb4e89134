"""RSS (0.9x, 1.0/RDF, 2.0) and Atom feeds read into plain-text entries, keeping what a broken feed still holds.

feedparser does the parsing. It is given a byte stream, never a string: a string that looks like a URL
or a path makes feedparser fetch or open it. The bytes are decoded once by
:func:`jiance.text.decode_bytes` (the charset the fetcher was told, else the XML declaration's) and
handed on as UTF-8 with a matching declaration, so feedparser never guesses an encoding of its own.

Safety: the document type declaration, internal subset included, is cut out before feedparser sees
the feed (:func:`_without_doctype`). feedparser's own clean-up only finds declarations that start a
line, so a one-line ``<!DOCTYPE rss [<!ENTITY ...>]>`` used to reach expat whole, and a billion-laughs
or quadratic-blowup feed cost seconds and tens of MB before expat's amplification limit stopped it. No
feed needs a DTD; with it gone an entity stays an unexpanded reference, and Python's expat neither loads
external DTDs nor resolves external entities, so nothing is fetched or read (tests/reliability checks
both). Entry HTML is sanitised by nh3 (:mod:`jiance.sources.sanitize`) before it becomes text, and so is
a "plain text" construct that holds markup (a CDATA title, an Atom ``type="text"`` title that spells
out ``<script>``): it would otherwise be stored as written and reach every page and export.

Ill-formed feeds (feedparser's *bozo* flag) keep the entries that could be recovered and say why in
``problems`` with ``degraded=True``; an entry without a usable link is dropped with a note.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import feedparser

from jiance.errors import CorruptDocumentError
from jiance.sources.dates import parse_chinese_datetime, parse_iso_datetime
from jiance.sources.sanitize import html_to_text
from jiance.text import decode_bytes, normalize_line

__all__ = ["FeedEntry", "FeedResult", "parse_feed"]

_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
_XML_ENCODING_RE = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)["']""")
_UTF8_DECL = '<?xml version="1.0" encoding="utf-8"?>'
_DOCTYPE_RE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_ELEMENT_RE = re.compile(r"<[A-Za-z_]")
_TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?\s*>|<!--|<!\[CDATA\[")
_CHARREF_RE = re.compile(r"&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));")
_START_TAG_RE = re.compile(r"<([A-Za-z_][\w:.-]*)(\s[^<>]*)>")
_MAX_ATTRIBUTES = 100  # xml.sax looks attributes up by a linear scan: 50,000 of them took two minutes
_URL_UNSAFE_RE = re.compile(r"[\x00-\x20\x7f\"<>\\^`{|}]")


@dataclass(slots=True)
class FeedEntry:
    """One feed item as plain text; ``published_at`` is ISO 8601 with an offset, or ``None``."""

    url: str
    title: str
    summary_text: str = ""
    content_text: str = ""
    published_at: str | None = None
    author: str | None = None
    guid: str | None = None


@dataclass(slots=True)
class FeedResult:
    """A parsed feed; ``degraded`` says the feed was ill-formed and ``problems`` says how."""

    title: str | None
    entries: list[FeedEntry] = field(default_factory=list)
    degraded: bool = False
    problems: list[str] = field(default_factory=list)


def _doctype_end(text: str, start: int) -> int:
    """Where the declaration opened at ``start`` ends: quoted strings, comments and the ``[...]`` subset
    may all hold a ``>``. An unterminated one ends before the first element, or with the text."""
    i, depth, n = start + len("<!DOCTYPE"), 0, len(text)
    while i < n:
        char = text[i]
        if char in "\"'":
            close = text.find(char, i + 1)
            i = n if close < 0 else close + 1
            continue
        if text.startswith("<!--", i):
            close = text.find("-->", i + 4)
            i = n if close < 0 else close + 3
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        elif char == ">" and depth == 0:
            return i + 1
        i += 1
    element = _ELEMENT_RE.search(text, start + 2)
    return element.start() if element else n


def _without_doctype(text: str) -> str:
    """``text`` without its document type declarations (entities, parameter entities, external DTDs)."""
    while (found := _DOCTYPE_RE.search(text)) is not None:
        text = text[: found.start()] + text[_doctype_end(text, found.start()) :]
    return text


def _charref(match: re.Match[str]) -> str:
    """A numeric character reference kept if it names a character XML allows, else U+FFFD: feedparser's
    fallback parser calls ``chr`` on it unchecked and crashes on ``&#xFFFFFFFF;`` or a lone surrogate."""
    code = int(match[1], 16) if match[1] else int(match[2])
    allowed = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0x10FFFF
    return match[0] if allowed and code not in (0xFFFE, 0xFFFF) else "&#xFFFD;"


def _tame_tag(match: re.Match[str]) -> str:
    """A start tag with more than :data:`_MAX_ATTRIBUTES` attributes loses them all (no feed needs them)."""
    if match[2].count("=") <= _MAX_ATTRIBUTES:
        return match[0]
    return f"<{match[1]}/>" if match[2].rstrip().endswith("/") else f"<{match[1]}>"


def _xml_text(data: bytes, url: str, declared: str | None) -> bytes:
    """The feed re-encoded as UTF-8 after one decode by the project's decoder, without a DTD, with only
    valid character references and no start tag carrying a flood of attributes."""
    match = _XML_ENCODING_RE.match(data[:512])
    hint = declared or (match.group(1).decode("ascii") if match else None)
    text = _without_doctype(decode_bytes(data, declared=hint, where=url).text)
    text = _START_TAG_RE.sub(_tame_tag, _CHARREF_RE.sub(_charref, text))
    if _XML_DECL_RE.match(text):
        text = _XML_DECL_RE.sub(_UTF8_DECL, text, count=1)
    return text.encode("utf-8")


def _unmarked(paragraph: str) -> str:
    """A paragraph with no tag left: escaped-twice markup (``&amp;lt;script&amp;gt;``) surfaces as a tag
    after one flattening, so it is flattened again (twice at most), then any tag still there is cut."""
    for _ in range(2):
        if not _TAG_RE.search(paragraph):
            return paragraph
        paragraph = " ".join(html_to_text(paragraph))
    return _TAG_RE.sub("", paragraph).strip()


def _plain(value: str, media_type: str) -> list[str]:
    """Paragraphs of a feed text construct: HTML is sanitised and flattened, plain text kept as written
    unless it holds markup (then it is read as HTML, so no tag or handler is stored as text)."""
    if "html" in media_type or _TAG_RE.search(value):
        return [text for text in map(_unmarked, html_to_text(value)) if text]
    return [line for line in (normalize_line(raw).strip() for raw in value.splitlines()) if line]


def _construct(entry: Any, key: str) -> list[str]:
    value = entry.get(key)
    if not value:
        return []
    detail = entry.get(f"{key}_detail") or {}
    return _plain(str(value), str(detail.get("type") or "text/html"))


def _content(entry: Any) -> list[str]:
    """The fullest body an entry carries (``content:encoded``, Atom ``content``), HTML preferred."""
    contents = list(entry.get("content") or [])
    contents.sort(key=lambda c: "html" not in str(c.get("type") or ""))
    for content in contents:
        if paragraphs := _plain(str(content.get("value") or ""), str(content.get("type") or "text/html")):
            return paragraphs
    return []


def _when(raw: str, parsed: Any, zone: tzinfo) -> datetime | None:
    """A feed date: RFC 822, ISO 8601 or a Chinese form; zone-less times are local to the source."""
    try:
        value = parsedate_to_datetime(raw)
        return value if value.tzinfo else value.replace(tzinfo=zone)
    except (TypeError, ValueError, IndexError):
        pass
    if found := parse_iso_datetime(raw, tz=zone) or parse_chinese_datetime(raw, tz=zone):
        return found
    if parsed:  # feedparser read a form we do not know; its struct_time is UTC
        year, month, day, hour, minute, second = parsed[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None


def _published(entry: Any, zone: tzinfo) -> str | None:
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if raw and (value := _when(str(raw), entry.get(f"{key}_parsed"), zone)):
            return value.astimezone(zone).isoformat()
    return None


def _author(entry: Any) -> str | None:
    detail = entry.get("author_detail") or {}
    name = detail.get("name") or entry.get("author")
    return " ".join(_plain(str(name), "text/plain")) or None if name else None


def _link(entry: Any, base: str) -> str | None:
    link = entry.get("link")
    if not link:
        guid = entry.get("id") or ""
        link = guid if entry.get("guidislink") else None
    if not link:
        return None
    absolute = _URL_UNSAFE_RE.sub(lambda m: f"%{ord(m[0]):02X}", urljoin(base, str(link).strip()))
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _entry(entry: Any, base: str, zone: tzinfo) -> FeedEntry | None:
    url = _link(entry, base)
    if url is None:
        return None
    return FeedEntry(
        url=url,
        title=" ".join(_construct(entry, "title")),
        summary_text="\n".join(_construct(entry, "summary")),
        content_text="\n".join(_content(entry)),
        published_at=_published(entry, zone),
        author=_author(entry),
        guid=str(entry["id"]) if entry.get("id") else None,
    )


def parse_feed(
    data: bytes, url: str, *, declared_charset: str | None = None, timezone: str = "Asia/Shanghai"
) -> FeedResult:
    """Parse feed bytes fetched from ``url`` (the base for relative links) into plain-text entries.

    ``declared_charset`` is the charset the HTTP response declared; ``timezone`` is the zone of dates
    printed without one. Raises :class:`~jiance.errors.InputError` subclasses only when the bytes are
    empty or cannot be decoded; anything a parser can recover is returned, flagged ``degraded``.
    """
    zone = ZoneInfo(timezone)
    headers = {"content-type": "application/xml; charset=utf-8", "content-location": url}
    # feedparser's own sanitiser and URI rewriting are off: nh3 sanitises every HTML construct we keep
    # (:func:`_plain`), the text keeps no URI to rewrite, and the two passes tripled the time of deep HTML.
    try:
        parsed = feedparser.parse(
            io.BytesIO(_xml_text(data, url, declared_charset)),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except (ValueError, OverflowError, RecursionError, LookupError) as exc:  # a parser bug, not our input
        raise CorruptDocumentError(f"the feed could not be parsed: {exc!r}"[:300], where=url) from exc
    problems: list[str] = []
    if parsed.get("bozo"):
        problems.append(f"ill-formed feed: {parsed.get('bozo_exception')}")
    if not parsed.get("version") and not parsed.entries:
        problems.append("not a recognised RSS or Atom feed")
    entries = []
    for number, raw in enumerate(parsed.entries, start=1):
        entry = _entry(raw, url, zone)
        if entry is None:
            problems.append(f"entry {number} ({raw.get('title', 'untitled')!s:.40}) dropped: no http(s) link")
        else:
            entries.append(entry)
    title = " ".join(_construct(parsed.feed, "title")) or None
    return FeedResult(
        title=title,
        entries=entries,
        degraded=bool(parsed.get("bozo")) or not parsed.get("version"),
        problems=problems,
    )
