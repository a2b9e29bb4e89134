"""RSS (0.9x, 1.0/RDF, 2.0) and Atom feeds read into plain-text entries, keeping what a broken feed still holds.

feedparser does the parsing. It is given a byte stream, never a string: a string that looks like a URL
or a path makes feedparser fetch or open it. The bytes are decoded once by
:func:`jiance.text.decode_bytes` (the charset the fetcher was told, else the XML declaration's) and
handed on as UTF-8 with a matching declaration, so feedparser never guesses an encoding of its own.

Safety: feedparser removes the entity declarations of an internal DTD subset before its XML parser
runs, and Python's expat neither loads external DTDs nor resolves external entities; a billion-laughs
or ``SYSTEM`` entity therefore stays an unexpanded reference and nothing is fetched or read (the tests
check both). Entry HTML is sanitised by nh3 (:mod:`jiance.sources.sanitize`) before it becomes text.

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

from jiance.sources.dates import parse_chinese_datetime, parse_iso_datetime
from jiance.sources.sanitize import html_to_text
from jiance.text import decode_bytes, normalize_line

__all__ = ["FeedEntry", "FeedResult", "parse_feed"]

_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
_XML_ENCODING_RE = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)["']""")
_UTF8_DECL = '<?xml version="1.0" encoding="utf-8"?>'


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


def _xml_text(data: bytes, url: str, declared: str | None) -> bytes:
    """The feed re-encoded as UTF-8 after one decode by the project's decoder."""
    match = _XML_ENCODING_RE.match(data[:512])
    hint = declared or (match.group(1).decode("ascii") if match else None)
    text = decode_bytes(data, declared=hint, where=url).text
    if _XML_DECL_RE.match(text):
        text = _XML_DECL_RE.sub(_UTF8_DECL, text, count=1)
    return text.encode("utf-8")


def _plain(value: str, media_type: str) -> list[str]:
    """Paragraphs of a feed text construct: HTML is sanitised and flattened, plain text kept as written."""
    if "html" in media_type:
        return html_to_text(value)
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
    return normalize_line(str(name)).strip() or None if name else None


def _link(entry: Any, base: str) -> str | None:
    link = entry.get("link")
    if not link:
        guid = entry.get("id") or ""
        link = guid if entry.get("guidislink") else None
    if not link:
        return None
    absolute = urljoin(base, str(link).strip())
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
    parsed = feedparser.parse(io.BytesIO(_xml_text(data, url, declared_charset)), response_headers=headers)
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
