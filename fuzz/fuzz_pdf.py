"""Fuzz :func:`jiance.readers.pdf.read_pdf` directly (no sandbox: every non-project error is a finding)."""

from __future__ import annotations

from fuzz._target import project_errors_only
from jiance.readers.pdf import read_pdf


def TestOneInput(data: bytes) -> None:
    project_errors_only(lambda d: read_pdf(d, "fuzz.pdf"), data)
