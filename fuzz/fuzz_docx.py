"""Fuzz :func:`jiance.readers.docx.read_docx` directly (no sandbox: every non-project error is a finding)."""

from __future__ import annotations

from fuzz._target import project_errors_only
from jiance.readers.docx import read_docx


def TestOneInput(data: bytes) -> None:
    project_errors_only(lambda d: read_docx(d, "fuzz.docx"), data)
