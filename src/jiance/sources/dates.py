"""Publication times as Chinese news sites print them, read into tz-aware datetimes.

Web pages and feeds print times in many shapes: ``2021年10月19日 10:32``, ``2021-10-19 10:32:05``,
``2021/10/19``, ``2021.10.19``, ``10-19 10:32`` (this year), ``10月19日``, ``今天 10:32``, ``昨天``,
``3小时前``, ``刚刚``, often with full-width digits. A time without a zone is local to the source
(``tz``, Beijing time by default). Relative and year-less forms are read against ``now``; a year-less
date that would lie in the future belongs to the previous year (a page read on 5 January that says
``12-30 08:00`` means last December).

Anything we cannot read with confidence gives ``None`` rather than a guess: an impossible date
(2021-02-30), a two-digit year, a bare ``10-19`` or ``10/19`` (a score, a range, or day/month).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from jiance.text import normalize_line

__all__ = ["parse_chinese_datetime", "parse_iso_datetime"]

_TIME = r"(?:[T\s]*(?P<H>\d{1,2})\s*[:时点]\s*(?P<M>\d{1,2})(?:\s*[:分]\s*(?P<S>\d{1,2})(?:\.\d+)?)?\s*秒?)?"
_FULL_RE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?:年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*[日号]?"
    r"|(?P<sep>[-/.])(?P<m2>\d{1,2})(?P=sep)(?P<d2>\d{1,2})(?!\d))" + _TIME
)
_MONTH_DAY_RE = re.compile(r"(?<!\d)(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]" + _TIME)
# A dash-separated month-day is only trusted when a time follows: alone it may be a score or a range.
_DASH_DAY_RE = re.compile(
    r"(?<![\d\-/.])(?P<m>\d{1,2})-(?P<d>\d{1,2})\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?![\d\-])"
)
_DAY_WORDS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_DAY_WORD_RE = re.compile(r"(?P<w>今天|今日|昨天|昨日|前天)" + _TIME)
_AGO_RE = re.compile(r"(?P<n>\d+)\s*(?P<unit>秒|分钟|小时|天|周)前")
_AGO_UNITS = {"秒": "seconds", "分钟": "minutes", "小时": "hours", "天": "days", "周": "weeks"}
_JUST_NOW = ("刚刚", "刚才")
_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _clean(text: str) -> str:
    """Full-width digits and colons to ASCII, odd spaces to plain ones."""
    return normalize_line(text).replace("：", ":").replace("\u3000", " ")


def _build(
    zone: tzinfo, y: int, m: int, d: int, hh: str | None, mm: str | None, ss: str | None
) -> datetime | None:
    try:
        return datetime(y, m, d, int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=zone)
    except ValueError:
        return None


def parse_iso_datetime(text: str, *, tz: str | tzinfo = "Asia/Shanghai") -> datetime | None:
    """An ISO 8601 timestamp (``2021-10-19T10:32:00+08:00``, ``...Z``, or zone-less, then local to ``tz``)."""
    match = _ISO_RE.search(text.strip())
    if match is None:
        return None
    try:
        value = datetime.fromisoformat(match.group(0))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=_zone(tz))


def _relative(text: str, now: datetime) -> datetime | None:
    if any(word in text for word in _JUST_NOW):
        return now
    if match := _AGO_RE.search(text):
        return now - timedelta(**{_AGO_UNITS[match["unit"]]: int(match["n"])})
    if match := _DAY_WORD_RE.search(text):
        day = now - timedelta(days=_DAY_WORDS[match["w"]])
        return _build(
            now.tzinfo or _zone("UTC"), day.year, day.month, day.day, match["H"], match["M"], match["S"]
        )
    return None


def _year_less(text: str, now: datetime) -> datetime | None:
    match = _MONTH_DAY_RE.search(text) or _DASH_DAY_RE.search(text)
    if match is None:
        return None
    zone = now.tzinfo or _zone("UTC")
    value = _build(zone, now.year, int(match["m"]), int(match["d"]), match["H"], match["M"], match["S"])
    if value is not None and value > now:
        value = _build(
            zone, now.year - 1, int(match["m"]), int(match["d"]), match["H"], match["M"], match["S"]
        )
    return value


def parse_chinese_datetime(
    text: str, *, tz: str | tzinfo = "Asia/Shanghai", now: datetime | None = None
) -> datetime | None:
    """The first publication time printed in ``text``, tz-aware, or ``None`` when none can be read.

    ``now`` (default: the current time) anchors relative and year-less forms; a naive ``now`` is taken
    to be in ``tz``. Full dates are looked for first, so ``2021年10月19日`` is never read as ``10月19日``.
    """
    zone = _zone(tz)
    now = (now or datetime.now(zone)).replace(microsecond=0)
    now = now.replace(tzinfo=zone) if now.tzinfo is None else now.astimezone(zone)
    cleaned = _clean(text)
    if iso := parse_iso_datetime(cleaned, tz=zone):
        return iso
    if match := _FULL_RE.search(cleaned):
        month, day = match["m1"] or match["m2"], match["d1"] or match["d2"]
        value = _build(zone, int(match["y"]), int(month), int(day), match["H"], match["M"], match["S"])
        return value if value is not None and value.year <= now.year + 1 else None
    return _relative(cleaned, now) or _year_less(cleaned, now)
