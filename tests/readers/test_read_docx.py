from __future__ import annotations

import io
import zipfile
from typing import Any

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from jiance.errors import CorruptDocumentError, EncryptedDocumentError, TooLargeError
from jiance.readers.docx import read_docx
from jiance.readers.sniff import OLE_SIGNATURE
from jiance.samples import load_sample, render_docx, sample_names


def save(document: docx.document.Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def styled() -> bytes:
    document = docx.Document()
    document.core_properties.title = "测试周报第3期"
    document.sections[0].header.paragraphs[0].text = "测试周报 2026.05.07"
    document.sections[0].footer.paragraphs[0].text = "©2026 虚构研究所 第 1 页"
    document.add_paragraph("测试周报", style="Title")
    document.add_paragraph("产业环境", style="Heading 1")
    document.add_paragraph("虚构城市发布算力网络计划", style="Heading 2")
    document.add_paragraph("一、建设目标", style="Heading 3")
    document.add_paragraph("本市计划三年内建成算力网络。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "数值"
    table.cell(1, 0).merge(table.cell(1, 1)).text = "合并单元格"
    return save(document)


def test_heading_levels_from_styles() -> None:
    source = read_docx(styled(), "styled.docx")
    got = [(ln.text, ln.heading) for ln in source.lines[:5]]
    assert got == [
        ("测试周报", 0),
        ("产业环境", 1),
        ("虚构城市发布算力网络计划", 2),
        ("一、建设目标", 3),
        ("本市计划三年内建成算力网络。", None),
    ]
    assert all(ln.block for ln in source.lines)


def test_tables_cells_in_order_and_furniture_in_meta() -> None:
    source = read_docx(styled(), "styled.docx")
    assert [ln.text for ln in source.lines[5:]] == ["指标", "数值", "合并单元格"]
    assert source.meta["header"] == "测试周报 2026.05.07"
    assert source.meta["footer"] == "©2026 虚构研究所 第 1 页"
    assert source.meta["title"] == "测试周报第3期"
    assert not any("第 1 页" in ln.text for ln in source.lines)


def test_plain_styles_get_levels_from_bold_and_size() -> None:
    document = docx.Document()
    for text, size, bold in [
        ("产业环境", 18, True),
        ("某文章标题", 14, True),
        ("正文一段较长的文字，说明情况。" * 3, 10.5, False),
        ("小标题", 11.5, True),
        ("正文又一段文字。" * 5, 10.5, False),
    ]:
        run = document.add_paragraph().add_run(text)
        run.font.size, run.bold = Pt(size), bold
    lines = read_docx(save(document), "plain.docx").lines
    assert [ln.heading for ln in lines] == [1, 2, None, 3, None]
    assert [ln.bold for ln in lines] == [True, True, False, True, False]
    assert lines[0].size == 18.0 and lines[2].size == 10.5


def test_zip_bomb_is_refused_from_the_directory() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * 3_000_000 + b"</w:document>")
    assert len(out.getvalue()) < 50_000
    with pytest.raises(TooLargeError, match="inflates"):
        read_docx(out.getvalue(), "bomb.docx", max_xml_bytes=1_000_000)


def test_encrypted_not_a_zip_and_no_document_xml() -> None:
    with pytest.raises(EncryptedDocumentError):
        read_docx(OLE_SIGNATURE + b"\x00" * 600 + "EncryptedPackage".encode("utf-16-le"), "locked.docx")
    with pytest.raises(CorruptDocumentError, match="zip"):
        read_docx(b"this is not a zip file at all", "plain.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(CorruptDocumentError, match=r"document\.xml"):
        read_docx(out.getvalue(), "sheet.docx")


def test_truncated_docx_is_corrupt() -> None:
    data = styled()
    with pytest.raises(CorruptDocumentError):
        read_docx(data[: len(data) // 2], "half.docx")


def test_sample_docx_headings_match_the_sample() -> None:
    sample = load_sample(sample_names()[0])
    source = read_docx(render_docx(sample), "sample.docx")
    level_1 = [ln.text for ln in source.lines if ln.heading == 1]
    assert level_1 == [section["name"] for section in sample["sections"]]
    titles = {ln.text for ln in source.lines if ln.heading == 2}
    assert all(
        article["title"] in titles for section in sample["sections"] for article in section["articles"]
    )
    assert sample["title"] in source.meta["header"]


def field_mark(paragraph: Any, kind: str) -> None:
    mark = OxmlElement("w:fldChar")
    mark.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(mark)


def toc_field(document: docx.document.Document, entries: list[str]) -> None:
    """Word's contents field: begin, instruction and separate in the first entry, end after the last."""
    for index, entry in enumerate(entries):
        paragraph = document.add_paragraph(style=document.styles["Normal"])
        if index == 0:
            field_mark(paragraph, "begin")
            instruction = OxmlElement("w:instrText")
            instruction.text = ' TOC \\o "1-2" \\h \\z \\u '
            paragraph.add_run()._r.append(instruction)
            field_mark(paragraph, "separate")
        paragraph.add_run(entry)
    field_mark(document.add_paragraph(), "end")


def hyperlink(paragraph: Any, url: str, text: str) -> None:
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True))
    run = OxmlElement("w:r")
    body = OxmlElement("w:t")
    body.text = text
    run.append(body)
    link.append(run)
    paragraph._p.append(link)


def test_contents_field_and_the_cover_before_it_are_furniture() -> None:
    document = docx.Document()
    document.add_paragraph("测试周报", style="Title")
    document.add_paragraph("第3期")
    document.add_paragraph("本期要点：虚构城市建成算力网络，一条写成整句的长要点，不是任何文章的正文。")
    toc_field(document, ["产业环境", "虚构城市发布算力网络计划"])
    document.add_paragraph("产业环境", style="Heading 1")
    document.add_paragraph("虚构城市发布算力网络计划", style="Heading 2")
    document.add_paragraph("本市计划三年内建成算力网络。")
    source = read_docx(save(document), "toc.docx")
    assert [ln.text for ln in source.lines] == [
        "产业环境",
        "虚构城市发布算力网络计划",
        "本市计划三年内建成算力网络。",
    ]
    assert source.meta["front_matter"].splitlines()[:2] == ["测试周报", "第3期"]
    assert source.meta["contents"].splitlines() == ["产业环境", "虚构城市发布算力网络计划"]


def test_a_heading_before_the_contents_keeps_what_precedes_it() -> None:
    document = docx.Document()
    document.add_paragraph("引言", style="Heading 1")
    document.add_paragraph("这一段正文在目录之前，必须保留。")
    toc_field(document, ["引言"])
    document.add_paragraph("正文在目录之后。")
    source = read_docx(save(document), "late-toc.docx")
    assert [ln.text for ln in source.lines] == [
        "引言",
        "这一段正文在目录之前，必须保留。",
        "正文在目录之后。",
    ]
    assert "front_matter" not in source.meta


def test_toc_styled_paragraphs_are_contents_even_without_a_field() -> None:
    document = docx.Document()
    heading = document.add_paragraph("目录", style="TOC Heading")
    document.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("产业环境", style="toc 1")
    document.add_paragraph("产业环境", style="Heading 1")
    document.add_paragraph("正文。")
    source = read_docx(save(document), "static-toc.docx")
    assert heading.text in source.meta["contents"]
    assert [ln.text for ln in source.lines] == ["产业环境", "正文。"]


def test_a_label_and_link_line_is_a_source_not_text() -> None:
    document = docx.Document()
    document.add_paragraph("正文一段。")
    hyperlink(document.add_paragraph("来源："), "https://news.example/1", "https://news.example/1")
    hyperlink(document.add_paragraph("来源："), "https://news.example/2", "虚构日报")
    document.add_paragraph("来源：虚构日报")  # no link: the reader cannot tell it from text, so keeps it
    mixed = document.add_paragraph("详见")
    hyperlink(mixed, "https://news.example/3", "原文")
    source = read_docx(save(document), "sources.docx")
    assert [ln.text for ln in source.lines] == ["正文一段。", "来源：虚构日报", "详见原文"]
    assert source.meta["sources"].splitlines() == ["来源：https://news.example/1", "来源：虚构日报"]
