"""parse_chinese_datetime: the printed forms of Chinese news times, anchored on a fixed ``now``."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jiance.sources.dates import parse_chinese_datetime, parse_iso_datetime

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 1, 5, 12, 0, tzinfo=BEIJING)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BEIJING)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021年10月19日 10:32", at(2021, 10, 19, 10, 32)),
        ("发布时间：2021-10-19 10:32:05　来源：示例网", at(2021, 10, 19, 10, 32, 5)),
        ("2021/10/19", at(2021, 10, 19)),
        ("2021.10.19", at(2021, 10, 19)),
        ("2021年10月19日10时32分", at(2021, 10, 19, 10, 32)),
        ("２０２１年１０月１９日　１０：３２", at(2021, 10, 19, 10, 32)),
        ("10月19日", at(2023, 10, 19)),
        ("1月5日", at(2024, 1, 5)),
        ("10-19 10:32", at(2023, 10, 19, 10, 32)),
        ("01-05 08:00", at(2024, 1, 5, 8, 0)),
        ("今天 10:32", at(2024, 1, 5, 10, 32)),
        ("昨天", at(2024, 1, 4)),
        ("前天 23:10", at(2024, 1, 3, 23, 10)),
        ("3小时前", NOW - timedelta(hours=3)),
        ("15分钟前", NOW - timedelta(minutes=15)),
        ("刚刚", NOW),
    ],
)
def test_printed_forms(text: str, expected: datetime) -> None:
    assert parse_chinese_datetime(text, now=NOW) == expected


@pytest.mark.parametrize(
    "text", ["2021-02-30", "2021-13-01", "10-19", "10/19", "21-10-19", "2021-10-19 25:00", "没有日期", ""]
)
def test_ambiguous_or_invalid_is_none(text: str) -> None:
    assert parse_chinese_datetime(text, now=NOW) is None


def test_year_less_date_in_the_future_rolls_back_a_year() -> None:
    assert parse_chinese_datetime("12-30 08:00", now=NOW) == at(2023, 12, 30, 8, 0)
    assert parse_chinese_datetime("1月6日", now=NOW) == at(2023, 1, 6)


def test_results_are_tz_aware_in_the_requested_zone() -> None:
    value = parse_chinese_datetime("2021-10-19 10:32", tz="UTC", now=NOW)
    assert value is not None and value.utcoffset() == timedelta(0)
    assert value.hour == 10


def test_naive_now_is_taken_in_the_zone() -> None:
    assert parse_chinese_datetime("今天 09:00", now=datetime(2024, 1, 5, 12, 0)) == at(2024, 1, 5, 9, 0)


def test_iso_with_offset_keeps_its_instant() -> None:
    value = parse_chinese_datetime("2021-10-19T02:32:00Z", now=NOW)
    assert value is not None and value.astimezone(BEIJING) == at(2021, 10, 19, 10, 32)
    assert parse_iso_datetime("2021-10-19T10:32:00") == at(2021, 10, 19, 10, 32)


def test_full_date_wins_over_its_month_day_part() -> None:
    assert parse_chinese_datetime("2019年3月2日", now=NOW) == at(2019, 3, 2)
