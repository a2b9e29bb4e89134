"""Next-run computation for interval and cron schedules: month ends, leap days, DST, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jiance.errors import ConfigError
from jiance.sources.schedule import CronSchedule, IntervalSchedule, parse_schedule

BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def runs(text: str, start: datetime, count: int, zone: str = "Asia/Shanghai") -> list[str]:
    schedule, out, when = parse_schedule(text, zone), [], start
    for _ in range(count):
        when = schedule.next_after(when)
        out.append(when.isoformat())
    return out


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400)])
def test_interval_units(text: str, seconds: int) -> None:
    schedule = parse_schedule(text)
    assert schedule == IntervalSchedule(seconds, text)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert schedule.next_after(start) - start == timedelta(seconds=seconds)


def test_interval_is_elapsed_time_across_dst() -> None:
    before = datetime(2024, 3, 31, 1, 30, tzinfo=BERLIN)  # 00:30 UTC; clocks jump 02:00 -> 03:00
    after = parse_schedule("1h").next_after(before)
    assert after.isoformat() == "2024-03-31T03:30:00+02:00"
    assert after.timestamp() - before.timestamp() == 3600


def test_cron_steps_lists_and_ranges() -> None:
    start = datetime(2024, 6, 25, 10, 14, 59, tzinfo=SHANGHAI)
    assert runs("*/15 * * * *", start, 3) == [
        "2024-06-25T10:15:00+08:00",
        "2024-06-25T10:30:00+08:00",
        "2024-06-25T10:45:00+08:00",
    ]
    assert runs("5,50 9-10 * * *", start, 3)[0] == "2024-06-25T10:50:00+08:00"
    assert runs("0 10-20/5 * * *", start, 3) == [
        "2024-06-25T15:00:00+08:00",
        "2024-06-25T20:00:00+08:00",
        "2024-06-26T10:00:00+08:00",
    ]


def test_cron_result_in_zone_and_strictly_after() -> None:
    exact = datetime(2024, 6, 25, 8, 0, tzinfo=SHANGHAI)
    assert parse_schedule("0 8 * * *").next_after(exact).isoformat() == "2024-06-26T08:00:00+08:00"
    utc_input = datetime(2024, 6, 25, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    assert parse_schedule("0 9 * * *").next_after(utc_input).isoformat() == "2024-06-25T09:00:00+08:00"


def test_weekdays_with_names_and_sunday_as_seven() -> None:
    friday = datetime(2024, 6, 28, 9, 0, tzinfo=SHANGHAI)
    assert runs("0 8 * * 1-5", friday, 2) == ["2024-07-01T08:00:00+08:00", "2024-07-02T08:00:00+08:00"]
    assert runs("0 8 * * MON-fri", friday, 2) == runs("0 8 * * 1-5", friday, 2)
    assert runs("0 8 * * 7", friday, 1) == runs("0 8 * * sun", friday, 1) == ["2024-06-30T08:00:00+08:00"]


def test_day_of_month_or_day_of_week_like_vixie() -> None:
    start = datetime(2024, 6, 25, tzinfo=SHANGHAI)  # a Tuesday
    # both restricted: the 1st OR any Monday
    assert runs("0 8 1 * mon", start, 3) == [
        "2024-07-01T08:00:00+08:00",
        "2024-07-08T08:00:00+08:00",
        "2024-07-15T08:00:00+08:00",
    ]
    # a '*'-led day-of-month means only the weekday counts
    assert runs("0 8 */1 * mon", start, 1) == ["2024-07-01T08:00:00+08:00"]
    assert runs("0 8 13 * fri", datetime(2024, 9, 1, tzinfo=SHANGHAI), 2) == [
        "2024-09-06T08:00:00+08:00",
        "2024-09-13T08:00:00+08:00",
    ]


def test_month_ends_skip_short_months() -> None:
    start = datetime(2024, 1, 31, 12, 0, tzinfo=SHANGHAI)
    assert runs("0 0 31 * *", start, 3) == [
        "2024-03-31T00:00:00+08:00",
        "2024-05-31T00:00:00+08:00",
        "2024-07-31T00:00:00+08:00",
    ]
    assert runs("0 0 30 * *", start, 1) == ["2024-03-30T00:00:00+08:00"]
    assert runs("0 0 1 jan,jul *", start, 2) == ["2024-07-01T00:00:00+08:00", "2025-01-01T00:00:00+08:00"]


def test_leap_day() -> None:
    start = datetime(2024, 3, 1, tzinfo=SHANGHAI)
    assert runs("0 0 29 2 *", start, 2) == ["2028-02-29T00:00:00+08:00", "2032-02-29T00:00:00+08:00"]
    # 2100 is not a leap year: from 2096 the next is 2104
    assert runs("0 0 29 feb *", datetime(2096, 3, 1, tzinfo=SHANGHAI), 1) == ["2104-02-29T00:00:00+08:00"]


def test_spring_forward_gap_runs_at_end_of_gap() -> None:
    start = datetime(2024, 3, 30, 12, 0, tzinfo=BERLIN)
    assert runs("30 2 * * *", start, 2, "Europe/Berlin") == [
        "2024-03-31T03:00:00+02:00",
        "2024-04-01T02:30:00+02:00",
    ]
    # every quarter-hour inside the gap collapses into one run at 03:00
    assert runs("*/15 * * * *", datetime(2024, 3, 31, 1, 50, tzinfo=BERLIN), 3, "Europe/Berlin") == [
        "2024-03-31T03:00:00+02:00",
        "2024-03-31T03:15:00+02:00",
        "2024-03-31T03:30:00+02:00",
    ]


def test_fall_back_repeated_hour_runs_once() -> None:
    start = datetime(2024, 10, 26, 12, 0, tzinfo=BERLIN)
    assert runs("30 2 * * *", start, 2, "Europe/Berlin") == [
        "2024-10-27T02:30:00+02:00",
        "2024-10-28T02:30:00+01:00",
    ]
    # hourly: 02:00 +02:00, then 03:00 +01:00 -- two real hours later, the repeated 02:00 is skipped
    hourly = runs("0 * * * *", datetime(2024, 10, 27, 1, 30, tzinfo=BERLIN), 2, "Europe/Berlin")
    assert hourly == ["2024-10-27T02:00:00+02:00", "2024-10-27T03:00:00+01:00"]
    inside_second_pass = datetime(2024, 10, 27, 2, 10, fold=1, tzinfo=BERLIN)  # 02:10 +01:00
    assert runs("30 2 * * *", inside_second_pass, 1, "Europe/Berlin") == ["2024-10-28T02:30:00+01:00"]


def test_shanghai_has_no_dst() -> None:
    start = datetime(2024, 3, 30, 12, 0, tzinfo=SHANGHAI)
    assert runs("30 2 * * *", start, 2) == ["2024-03-31T02:30:00+08:00", "2024-04-01T02:30:00+08:00"]


def test_default_zone_is_shanghai() -> None:
    schedule = parse_schedule("0 8 * * *")
    assert isinstance(schedule, CronSchedule)
    assert str(schedule.zone) == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0m", "longer than zero"),
        ("5x", "unknown unit 'x'"),
        ("", "0 fields"),
        ("* * * *", "4 fields"),
        ("* * * * * *", "6 fields"),
        ("61 * * * *", "minute field '61': 61 is out of range 0-59"),
        ("0 24 * * *", "hour field '24': 24 is out of range 0-23"),
        ("0 0 0 * *", "day-of-month field '0'"),
        ("0 0 * 13 *", "month field '13'"),
        ("0 0 * * 8", "day-of-week field '8'"),
        ("*/0 * * * *", "step '0'"),
        ("5-1 * * * *", "runs backwards"),
        ("1,,2 * * * *", "empty item"),
        ("0 0 * foo *", "'foo' is not a number or a name (jan-dec)"),
        ("0 0 * * mon-funday", "'funday' is not a number"),
        ("0 0 30 2 *", "never meet"),
        ("0 0 31 4,6 *", "never meet"),
    ],
)
def test_invalid_schedules_name_value_and_problem(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_schedule(text)
    assert message in str(caught.value)
    assert repr(text) in str(caught.value)


def test_unknown_zone_and_naive_datetime() -> None:
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        parse_schedule("0 8 * * *", "Mars/Olympus")
    with pytest.raises(ValueError, match="aware"):
        parse_schedule("1h").next_after(datetime(2024, 1, 1))


def test_impossible_day_is_fine_when_a_weekday_can_match() -> None:
    # 30 Feb never exists, but with OR semantics every Monday in February still runs
    start = datetime(2024, 1, 31, tzinfo=SHANGHAI)
    assert runs("0 0 30 2 mon", start, 1) == ["2024-02-05T00:00:00+08:00"]
