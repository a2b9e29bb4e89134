"""Fuzz :func:`jiance.sources.feeds.parse_feed` (RSS, Atom, and whatever is neither)."""

from __future__ import annotations

from fuzz._target import project_errors_only
from jiance.sources.feeds import parse_feed


def TestOneInput(data: bytes) -> None:
    project_errors_only(lambda d: parse_feed(d, "https://example.org/feed.xml"), data)
