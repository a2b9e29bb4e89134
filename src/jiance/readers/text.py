"""Plain-text bulletins and PDF-to-text dumps: bytes to :class:`~jiance.records.SourceText`.

A text dump keeps the only layout evidence it has: the line breaks, blank lines, leading ideographic
indents and trailing spaces (PDF converters leave a space after a paragraph's last line). The reader records
them on each :class:`~jiance.records.Line` and leaves every decision to the splitter.
"""

from __future__ import annotations

from jiance.records import Line, SourceText
from jiance.text import decode_bytes, normalize_text

__all__ = ["lines_from_text", "read_text"]

_TRAILING = " \t\u3000"


def lines_from_text(text: str) -> list[Line]:
    """Split normalised text into lines, noting trailing spaces and stripping stray leading ASCII spaces.

    A leading ideographic space (　) is kept because it marks a paragraph indent.
    """
    lines = []
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.rstrip(_TRAILING)
        trailing = len(stripped) < len(raw) and bool(stripped.strip())
        lines.append(Line(text=stripped.lstrip(" "), lineno=number, trailing_space=trailing))
    return lines


def read_text(data: bytes, path: str, *, declared: str | None = None) -> SourceText:
    """Decode a text file (any supported encoding, CRLF or LF) into lines for the splitter."""
    decoded = decode_bytes(data, declared=declared, where=path)
    text = normalize_text(decoded.text)
    return SourceText(
        path=path, media_type="text/plain", lines=lines_from_text(text), encoding=decoded.encoding
    )
