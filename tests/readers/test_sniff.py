from __future__ import annotations

import io
import zipfile
from typing import Any

import docx
import pytest

from jiance.errors import UnsupportedFormatError
from jiance.readers import read_document
from jiance.readers.sniff import DOCX, HTML, PDF, TEXT, sniff


def zipped(name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, "<x/>")
    return out.getvalue()


def test_types_by_content() -> None:
    assert sniff(b"%PDF-1.7\n...", "a.txt") == PDF
    assert sniff(zipped("word/document.xml"), None) == DOCX
    assert sniff(b"\xef\xbb\xbf<!DOCTYPE html><html>", None) == HTML
    assert sniff(b"  <html lang='zh'><body>", "x.txt") == HTML
    assert sniff("信息产业监测\n第一期\n".encode("gb18030"), "a.txt") == TEXT
    assert sniff("信息产业监测".encode("utf-16"), None) == TEXT


def test_html_by_extension() -> None:
    assert sniff("<p>片段</p>".encode(), "page.htm") == HTML


@pytest.mark.parametrize(
    "data",
    [
        zipped("xl/workbook.xml"),
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
        bytes(range(256)) * 4,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
    ],
)
def test_unknown_binary_is_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedFormatError):
        sniff(data, "x.bin")


def test_read_document_dispatches(bulletin_pdf: bytes, bulletin: dict[str, Any]) -> None:
    document = docx.Document()
    document.add_paragraph("产业环境", style="Heading 1")
    out = io.BytesIO()
    document.save(out)
    assert read_document(out.getvalue(), "a.docx").media_type == DOCX
    assert read_document(bulletin_pdf, "a.pdf").lines[0].text == bulletin["title"]
    assert read_document("第一行\n第二行\n".encode(), "a.txt").media_type == TEXT
