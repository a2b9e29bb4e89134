"""What every fuzz target shares: the one rule of what a parser may raise."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from jiance.errors import JianceError

__all__ = ["project_errors_only"]


def project_errors_only(parse: Callable[[bytes], object], data: bytes) -> None:
    """Run ``parse``; a project error is an acceptable answer to bad input, anything else propagates."""
    with contextlib.suppress(JianceError):
        parse(data)
