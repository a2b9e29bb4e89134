"""When a source runs next: intervals (``30m``, ``2h``, ``1d``, ``90s``) and five-field cron strings.

A schedule answers one question, ``next_after(dt)``: the first run strictly after the aware datetime
``dt``. Intervals are elapsed time (``90s`` is ninety real seconds, across a DST change too). Cron strings
are wall time in the source's zone, like Vixie cron:

- fields are ``minute hour day-of-month month day-of-week``; each is ``*`` or a comma list of ``n``,
  ``a-b``, ``*/s``, ``a-b/s`` or ``a/s`` (``a`` to the field's end by ``s``); months ``jan``-``dec`` and
  days ``sun``-``sat`` may be named; day-of-week 0 and 7 are both Sunday;
- when both day fields are restricted (neither starts with ``*``) a day matches if *either* does
  (``0 8 1 * mon`` runs on the 1st and on every Monday);
- a wall time skipped by a spring-forward change runs at the first minute after the gap; a wall time
  that happens twice in the autumn runs once, at its first occurrence.

The candidate is found in local wall time and only then localised, so DST never shifts a run by an hour.
Every mistake is a :class:`~jiance.errors.ConfigError` that names the schedule, the field and what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jiance.errors import ConfigError

__all__ = ["DEFAULT_TIMEZONE", "CronSchedule", "IntervalSchedule", "Schedule", "parse_schedule"]

DEFAULT_TIMEZONE = "Asia/Shanghai"

_INTERVAL_RE = re.compile(r"^(\d+)\s*([a-z]+)$", re.IGNORECASE)
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# A restricted day-of-month alone (29 Feb) recurs within 8 years (2096 -> 2104); search a little longer.
_SEARCH_DAYS = 366 * 9
_LONGEST_MONTH = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}


class Schedule(Protocol):
    """Anything that can say when a job runs next."""

    @property
    def text(self) -> str: ...

    def next_after(self, dt: datetime) -> datetime:
        """The first run strictly after the aware datetime ``dt``."""
        ...


def _require_aware(dt: datetime) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"next_after needs an aware datetime, got naive {dt.isoformat()}")


@dataclass(frozen=True, slots=True)
class IntervalSchedule:
    """Every ``seconds`` of elapsed time; the result is in ``dt``'s zone."""

    seconds: int
    text: str = ""

    def next_after(self, dt: datetime) -> datetime:
        _require_aware(dt)
        # Arithmetic in UTC: adding a timedelta to a zoneinfo datetime is wall-time arithmetic.
        return (dt.astimezone(UTC) + timedelta(seconds=self.seconds)).astimezone(dt.tzinfo)


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    name_base: int = 0


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, _MONTHS, 1),
    _Field("day-of-week", 0, 7, _DAYS, 0),
)


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """A five-field cron string in ``zone``; results are aware datetimes in that zone.

    Compare results in UTC (or with ``.timestamp()``): Python compares two datetimes that share a tzinfo
    by wall time and ignores ``fold``, which is wrong inside a repeated autumn hour.
    """

    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # the day-of-month field starts with '*'
    any_weekday: bool  # the day-of-week field starts with '*'
    zone: tzinfo

    def next_after(self, dt: datetime) -> datetime:
        _require_aware(dt)
        after = dt.astimezone(UTC)
        start = dt.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0, fold=0)
        start += timedelta(minutes=1)
        day = start.date()
        for _ in range(_SEARCH_DAYS):
            if self._day_matches(day):
                for wall in self._times_on(day, start):
                    when = _localise(wall, self.zone)
                    if when.astimezone(UTC) > after:
                        return when
            day += timedelta(days=1)
        raise ConfigError(f"schedule {self.text!r} never fires")  # parse_schedule rules this out

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_month = day.day in self.days
        in_week = (day.weekday() + 1) % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week

    def _times_on(self, day: date, start: datetime) -> Iterator[datetime]:
        for hour in self.hours:
            for minute in self.minutes:
                wall = datetime.combine(day, time(hour, minute))
                if wall >= start:
                    yield wall


def _localise(wall: datetime, zone: tzinfo) -> datetime:
    """``wall`` in ``zone``; a wall time that a spring-forward gap skips moves to the gap's end."""
    for _ in range(48 * 60):  # no zone has skipped more than a day
        when = wall.replace(tzinfo=zone, fold=0)
        if when.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
            return when.astimezone(UTC).astimezone(zone)
        wall += timedelta(minutes=1)
    raise ConfigError(f"cannot place {wall.isoformat()} in {zone}")


def _value(token: str, field: _Field, where: str) -> int:
    lowered = token.lower()
    if lowered in field.names:
        return field.names.index(lowered) + field.name_base
    if not token.isdigit():
        named = f" or a name ({field.names[0]}-{field.names[-1]})" if field.names else ""
        raise ConfigError(f"{where}: {token!r} is not a number{named}")
    number = int(token)
    if not field.low <= number <= field.high:
        raise ConfigError(f"{where}: {number} is out of range {field.low}-{field.high}")
    return number


def _part(part: str, field: _Field, where: str) -> set[int]:
    if not part:
        raise ConfigError(f"{where}: empty item in the list")
    body, _, step_text = part.partition("/")
    step = 1
    if step_text or part.endswith("/"):
        if not step_text.isdigit() or int(step_text) < 1:
            raise ConfigError(f"{where}: step {step_text!r} must be a whole number of at least 1")
        step = int(step_text)
    if body == "*":
        low, high = field.low, field.high
    elif "-" in body:
        first, _, last = body.partition("-")
        low, high = _value(first, field, where), _value(last, field, where)
        if low > high:
            raise ConfigError(f"{where}: range {body!r} runs backwards")
    else:
        low = _value(body, field, where)
        high = field.high if step_text else low
    return set(range(low, high + 1, step))


def _field_values(text: str, field: _Field, schedule: str) -> set[int]:
    where = f"schedule {schedule!r}: {field.name} field {text!r}"
    values: set[int] = set()
    for part in text.split(","):
        values |= _part(part, field, where)
    if field.name == "day-of-week" and 7 in values:
        values = (values - {7}) | {0}
    return values


def _check_fires(days: set[int], months: set[int], text: str) -> None:
    if not any(day <= _LONGEST_MONTH.get(month, 31) for day in days for month in months):
        raise ConfigError(f"schedule {text!r}: day-of-month and month never meet, so it would never run")


def _zone(zone: str | tzinfo) -> tzinfo:
    if not isinstance(zone, str):
        return zone
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"unknown time zone {zone!r}") from error


def _cron(text: str, fields: list[str], zone: tzinfo) -> CronSchedule:
    minutes, hours, days, months, weekdays = (
        _field_values(value, field, text) for value, field in zip(fields, _FIELDS, strict=True)
    )
    any_day, any_weekday = fields[2].startswith("*"), fields[4].startswith("*")
    if any_weekday:
        _check_fires(days, months, text)
    return CronSchedule(
        text,
        tuple(sorted(minutes)),
        tuple(sorted(hours)),
        frozenset(days),
        frozenset(months),
        frozenset(weekdays),
        any_day,
        any_weekday,
        zone,
    )


def _interval(text: str, match: re.Match[str]) -> IntervalSchedule:
    unit = match[2].lower()
    if unit not in _UNIT_S:
        raise ConfigError(f"schedule {text!r}: unknown unit {match[2]!r}; use s, m, h or d (30m, 2h, 1d)")
    seconds = int(match[1]) * _UNIT_S[unit]
    if seconds <= 0:
        raise ConfigError(f"schedule {text!r}: an interval must be longer than zero")
    return IntervalSchedule(seconds, text)


def parse_schedule(text: str, zone: str | tzinfo = DEFAULT_TIMEZONE) -> IntervalSchedule | CronSchedule:
    """The schedule ``text`` (an interval or a cron string, cron read in ``zone``), or a ConfigError."""
    stripped = text.strip()
    if match := _INTERVAL_RE.match(stripped):
        return _interval(text, match)
    fields = stripped.split()
    if len(fields) != 5:
        raise ConfigError(
            f"schedule {text!r} is neither an interval (90s, 30m, 2h, 1d) nor a cron string: it has "
            f"{len(fields)} fields, cron has 5 (minute hour day-of-month month day-of-week)"
        )
    return _cron(text, fields, _zone(zone))
