"""Fuzz :func:`jiance.text.decode_bytes`: the first byte picks the declared label (or none)."""

from __future__ import annotations

from fuzz._target import project_errors_only
from jiance.text import decode_bytes

LABELS = (None, "utf-8", "gbk", "gb2312", "gb18030", "big5", "iso-8859-1", "shift_jis", "utf-16", "bogus")


def _parse(data: bytes) -> None:
    label = LABELS[data[0] % len(LABELS)] if data else None
    decode_bytes(data[1:], declared=label, where="fuzz")


def TestOneInput(data: bytes) -> None:
    project_errors_only(_parse, data)
