"""Numbers as Chinese text writes them: Arabic digits with 万/亿 multipliers, Chinese numerals, and words.

Bulletins mix ``115.9万``, ``两千``, ``一百二十三``, ``千亿`` and ``翻番`` freely, and every stage that compares
or sums quantities needs one float for each. This module is the single place that knows how; it never
guesses: an indefinite amount (``十几``, ``数亿``, ``几百``) is ``None`` rather than a made-up number.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = [
    "CHINESE_DIGITS",
    "MULTIPLIERS",
    "WORD_QUANTITIES",
    "chinese_to_number",
    "multiplier_value",
    "parse_number",
    "word_quantity",
]

CHINESE_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
"""Digit characters; 两 is 2 as in 两千."""

_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}

MULTIPLIERS: dict[str, float] = {
    "万亿": 1e12,
    "千亿": 1e11,
    "百亿": 1e10,
    "十亿": 1e9,
    "亿": 1e8,
    "千万": 1e7,
    "百万": 1e6,
    "十万": 1e5,
    "万": 1e4,
}
"""Multiplier words that follow an Arabic number (``1.5万``, ``3千亿``), longest first for matching."""

WORD_QUANTITIES: dict[str, tuple[float, str | None]] = {
    "翻番": (2.0, "倍"),
    "翻倍": (2.0, "倍"),
    "翻一番": (2.0, "倍"),
    "翻两番": (4.0, "倍"),
    "一半": (0.5, None),
    "半数": (0.5, None),
}
"""Words that are a quantity on their own, with the unit the gold conventions give them."""

_INDEFINITE = re.compile(r"[几数多余]|来")
_ARABIC = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def multiplier_value(word: str) -> float | None:
    """The factor of a multiplier word (万 → 1e4, 万亿 → 1e12); ``None`` for anything else."""
    return MULTIPLIERS.get(word)


def word_quantity(word: str) -> tuple[float, str | None] | None:
    """``(value, unit)`` for 翻番/翻倍/一半 and friends, so 'sales doubled' becomes 2 倍."""
    return WORD_QUANTITIES.get(word)


def _section(text: str) -> float | None:
    """A numeral below 万 (一百二十三, 十二, 两千零五); ``None`` when a character is not a numeral."""
    total = 0
    digit: int | None = None
    for char in text:
        if char in CHINESE_DIGITS:
            digit = CHINESE_DIGITS[char]
        elif char in _SMALL_UNITS:
            total += (1 if digit is None else digit) * _SMALL_UNITS[char]
            digit = None
        else:
            return None
    return float(total + (digit or 0))


def chinese_to_number(text: str) -> float | None:
    """The value of a Chinese numeral (一百二十三, 两千, 三点五, 百万, 千亿, 一万两千); ``None`` if indefinite.

    Sections are split at 亿 then 万, so 三亿五千万 is 3e8 + 5e7; a bare unit (百万, 千亿) counts as one of it.
    """
    if not text or _INDEFINITE.search(text):
        return None
    if "点" in text:
        whole, _, frac = text.partition("点")
        head = chinese_to_number(whole) if whole else 0.0
        digits = [CHINESE_DIGITS.get(c) for c in frac]
        if head is None or not digits or any(d is None for d in digits):
            return None
        return head + float("0." + "".join(str(d) for d in digits))
    for big in ("亿", "万"):
        if big in text:
            high, _, low = text.rpartition(big)
            head = chinese_to_number(high) if high else 1.0
            tail = chinese_to_number(low) if low else 0.0
            if head is None or tail is None:
                return None
            return head * _BIG_UNITS[big] + tail
    return _section(text)


def parse_number(text: str) -> float | None:
    """Any printed amount to a float: ``1,234``, ``115.9万``, ``3亿``, ``两千``, ``翻番``; ``None`` if indefinite.

    An Arabic part may carry Chinese multipliers (``1.5万亿``) and a trailing 多 (``50多`` is 50, as the
    gold conventions count it); words such as 一半 give their value.
    """
    text = text.strip()
    if text in WORD_QUANTITIES:
        return WORD_QUANTITIES[text][0]
    match = _ARABIC.match(text)
    if match is None:
        return chinese_to_number(text)
    value = Decimal(match.group().replace(",", ""))
    rest = text[match.end() :].removeprefix("多")
    if not rest:
        return float(value)
    factor = Decimal(1)
    while rest:
        word = next((w for w in MULTIPLIERS if rest.startswith(w)), None)
        if word is None:
            return None
        factor *= Decimal(int(MULTIPLIERS[word]))
        rest = rest[len(word) :]
    # Decimal keeps 115.9万 at exactly 1159000 where float arithmetic would drift in the last digit.
    return float(value * factor)
