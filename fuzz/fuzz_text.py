"""Fuzz the text bulletin path: decode, normalise, re-flow and split (:func:`jiance.pipeline.parse_bytes`)."""

from __future__ import annotations

from fuzz._target import project_errors_only
from jiance.pipeline import parse_bytes


def TestOneInput(data: bytes) -> None:
    project_errors_only(lambda d: parse_bytes(d, "fuzz.txt"), data)
