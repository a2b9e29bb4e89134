"""Fuzz :func:`jiance.readers.html.read_html` (bulletin pages and trafilatura's article extraction)."""

from __future__ import annotations

from fuzz._target import project_errors_only
from jiance.readers.html import read_html


def TestOneInput(data: bytes) -> None:
    project_errors_only(lambda d: read_html(d, "fuzz.html"), data)
