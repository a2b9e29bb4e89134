"""Chinese numerals and multiplied Arabic numbers to floats."""

from __future__ import annotations

import pytest

from jiance.text.numerals import chinese_to_number, multiplier_value, parse_number, word_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一百二十三", 123),
        ("两千", 2000),
        ("十二", 12),
        ("二十", 20),
        ("两千零五", 2005),
        ("一万两千", 12000),
        ("三亿五千万", 350_000_000),
        ("百万", 1_000_000),
        ("千亿", 100_000_000_000),
        ("三点五", 3.5),
    ],
)
def test_chinese_numerals(text: str, value: float) -> None:
    assert chinese_to_number(text) == value


@pytest.mark.parametrize("text", ["十几", "数亿", "几百", "好多", ""])
def test_indefinite_amounts_are_none(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.5万", 15_000),
        ("3亿", 300_000_000),
        ("115.9万", 1_159_000),  # exact: no float drift
        ("207.7万", 2_077_000),
        ("1.2万亿", 1_200_000_000_000),
        ("50多", 50),
        ("1,234", 1234),
        ("两千", 2000),
        ("翻番", 2),
        ("一半", 0.5),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == value


def test_words_and_multipliers() -> None:
    assert word_quantity("翻倍") == (2.0, "倍")
    assert word_quantity("很多") is None
    assert multiplier_value("万亿") == 1e12
    assert parse_number("3斤") is None
