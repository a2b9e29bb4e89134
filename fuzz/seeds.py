"""Small valid inputs for every parser, written here: the fuzzers mutate them, the fast tests replay them.

They are tiny on purpose (a one-page PDF with a standard font, a DOCX of a few paragraphs) so a mutated copy
parses in milliseconds and a fuzzer gets through thousands of them a minute.
"""

from __future__ import annotations

import functools
import io
import zipfile
import zlib

__all__ = ["regressions", "seeds", "tiny_docx", "tiny_pdf", "zip_needing_version"]

_ARTICLE = (
    "本周电子信息制造业运行平稳，集成电路产量同比增长。\n出口交货值稳中有升，通信设备行业营业收入继续增长。"
)


def tiny_pdf(
    text: bytes = b"(Weekly report) Tj 0 -14 Td (line two of the page) Tj",
    *,
    info: bytes = b"<< /Title (tiny) >>",
) -> bytes:
    """A one-page PDF showing ``text`` (content-stream operands) in Helvetica, with a correct xref."""
    stream = b"BT /F1 12 Tf 72 720 Td " + text + b" ET"
    packed = zlib.compress(stream)
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref,
    )
    return bytes(out)


def tiny_docx() -> bytes:
    """A DOCX with a title, a heading, body paragraphs, a bold run and a table, saved by python-docx."""
    import docx

    document = docx.Document()
    document.add_heading("数字产业观察", level=0)
    document.add_heading("产业环境", level=1)
    for line in _ARTICLE.split("\n"):
        document.add_paragraph(line)
    document.add_paragraph().add_run("加粗的小标题").bold = True
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "480万个"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _html() -> bytes:
    sections = "".join(f"<h2>栏目{n}</h2><p>{_ARTICLE.replace(chr(10), '</p><p>')}</p>" for n in range(3))
    return (
        '<!doctype html><html><head><meta charset="gbk"><title>简报</title></head><body>'
        f"<h1>数字产业观察</h1>{sections}<aside><h3>专家观点</h3><p>观点正文。</p></aside>"
        "<script>alert(1)</script></body></html>"
    ).encode("gbk")


def _feed() -> bytes:
    return (
        '<?xml version="1.0" encoding="gb2312"?><rss version="2.0"><channel><title>测试源</title>'
        "<item><title>稿件一</title><link>https://example.org/a/1.html</link>"
        "<pubDate>Wed, 01 Mar 2023 08:00:00 GMT</pubDate>"
        f"<description><![CDATA[<p>{_ARTICLE}</p>]]></description></item>"
        "<item><title>稿件二</title><link>/a/2.html</link><pubDate>2023年3月2日 10:00</pubDate></item>"
        "</channel></rss>"
    ).encode("gb18030")


def _text() -> bytes:
    wrapped = "\n".join(_ARTICLE[i : i + 18] for i in range(0, len(_ARTICLE), 18))
    return ("产业环境\n\n工信部：集成电路产量增长\n\n　　" + wrapped + "\n").encode("gbk")


@functools.cache
def _all_seeds() -> dict[str, list[bytes]]:
    return {
        "decode": [_ARTICLE.encode(enc) for enc in ("utf-8", "gb18030", "utf-16", "utf-8-sig")]
        + ["本週電子資訊製造業運行平穩。".encode("big5")]
        + [b"\x00\xff" * 8, b"plain ascii text\r\n"],
        "text": [_text(), _ARTICLE.encode("utf-8")],
        "html": [_html(), b"<html><body><p>x</p></body></html>"],
        "feed": [
            _feed(),
            b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="x"/></entry></feed>',
        ],
        "docx": [tiny_docx()],
        "pdf": [tiny_pdf(), tiny_pdf(b"(\\000\\377) Tj")],
    }


def seeds(target: str) -> list[bytes]:
    """The seed inputs of one target (built once per process: the DOCX needs python-docx)."""
    return _all_seeds()[target]


def zip_needing_version(version: int) -> bytes:
    """A DOCX-shaped zip whose directory says it needs zip version ``version`` / 10 to extract.

    Found by ``fuzz_docx``: zipfile raises ``NotImplementedError`` (not ``BadZipFile``) for versions it
    does not know, and the sniffer let that out of the importer.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
    data = bytearray(out.getvalue())
    central = data.find(b"PK\x01\x02")
    data[central + 6] = version  # "version needed to extract", low byte
    return bytes(data)


@functools.cache
def _all_regressions() -> dict[str, list[bytes]]:
    return {
        "docx": [zip_needing_version(111)],
        "text": [zip_needing_version(111)],
        # Found by fuzz_html: a control character in a tail made lxml refuse the tree edit (ValueError).
        # Found by fuzz_pdf: an object that is a reference to itself made pdfminer's resolve1 loop forever.
        "pdf": [tiny_pdf(info=b"6 0 R")],
        "html": [b"<body><p>x<><p>x<\x10/pcp866><,bo<!p>ml:", b"<p>a<script>s</script>\x0b\x0c tail</p>"],
    }


def regressions(target: str) -> list[bytes]:
    """Inputs that once crashed a target, rebuilt from what the fuzzer found; replayed by the fast tests."""
    return _all_regressions().get(target, [])
