"""Which reader a payload needs, decided from its bytes first and its name second.

Content wins over the extension because bulletins arrive renamed (``.txt`` PDFs, ``.doc`` files that are
really DOCX, web pages saved without an extension). A zip is only DOCX when it holds ``word/document.xml``;
other binary data is refused here, before any decoder tries to read it as text.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from jiance.errors import UnsupportedFormatError

__all__ = ["DOCX", "ENCRYPTED_PACKAGE", "HTML", "OLE_SIGNATURE", "PDF", "TEXT", "ZIP_ERRORS", "sniff"]

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
TEXT = "text/plain"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_HTML_RE = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|meta\s|title>)", re.IGNORECASE)
_HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
# What zipfile raises on a damaged archive: BadZipFile mostly, but an unknown version field, a bad
# header length or an overflowing offset surface as these instead.
ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    ValueError,
    EOFError,
    OverflowError,
    OSError,
)
_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "gzip data",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
}


def _zip_kind(data: bytes, path: str | None) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except ZIP_ERRORS:
        if (path or "").lower().endswith(".docx"):
            return DOCX  # a damaged DOCX: the DOCX reader reports it as corrupt
        raise UnsupportedFormatError("a damaged zip archive, not a DOCX", where=path) from None
    if "word/document.xml" in names:
        return DOCX
    raise UnsupportedFormatError("a zip archive without word/document.xml: not a DOCX", where=path)


def _looks_binary(head: bytes) -> bool:
    """NUL bytes outside UTF-16 text, or many control bytes, mean this is no text we can decode."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        nuls = head.count(b"\x00")
        return not (len(head) > 1 and nuls >= len(head) // 3)  # BOM-less UTF-16 is text
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    return controls > max(4, len(head) // 100)


def sniff(data: bytes, path: str | None) -> str:
    """The media type of ``data``: PDF, DOCX, HTML or plain text; other binary data is refused."""
    head = data[:4096]
    if head.lstrip()[:5] == b"%PDF-":
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data, path)
    if head.startswith(OLE_SIGNATURE):
        # Password-protected DOCX files are OLE containers holding an EncryptedPackage stream; the DOCX
        # reader reports them as encrypted. Any other OLE file is a legacy Office document.
        if ENCRYPTED_PACKAGE in data:
            return DOCX
        raise UnsupportedFormatError("a legacy Office (OLE) document: save it as DOCX or PDF", where=path)
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise UnsupportedFormatError(f"{what}, not a text, PDF, DOCX or HTML file", where=path)
    if _looks_binary(head):
        raise UnsupportedFormatError("binary data, not a text, PDF, DOCX or HTML file", where=path)
    if _HTML_RE.search(head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1024]):
        return HTML
    if path and PurePath(path).suffix.lower() in _HTML_SUFFIXES:
        return HTML
    return TEXT
