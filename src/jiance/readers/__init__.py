"""Readers turn a file's bytes into :class:`~jiance.records.SourceText`, one module per format.

:func:`read_document` is the one entry point: it sniffs the format from the bytes (then the name) and
calls the matching reader. Readers keep every layout fact the format offers and decide nothing about
articles; that is the splitter's job.
"""

from __future__ import annotations

from collections.abc import Callable

from jiance.readers.docx import read_docx
from jiance.readers.html import read_html
from jiance.readers.pdf import read_pdf
from jiance.readers.sniff import DOCX, HTML, PDF, TEXT, sniff
from jiance.readers.text import read_text
from jiance.records import SourceText

__all__ = ["read_document", "read_docx", "read_html", "read_pdf", "read_text", "sniff"]


def read_document(data: bytes, path: str, *, declared: str | None = None) -> SourceText:
    """Read any supported file; ``declared`` is a charset the caller was told (HTTP header, config)."""
    media_type = sniff(data, path)
    readers: dict[str, Callable[[], SourceText]] = {
        PDF: lambda: read_pdf(data, path),
        DOCX: lambda: read_docx(data, path),
        HTML: lambda: read_html(data, path, declared),
        TEXT: lambda: read_text(data, path, declared=declared),
    }
    return readers[media_type]()
