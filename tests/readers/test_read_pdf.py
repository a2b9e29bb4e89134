from __future__ import annotations

import io
from typing import Any

import pytest
from reportlab.pdfgen.canvas import Canvas

from jiance.errors import CorruptDocumentError, EncryptedDocumentError, NoTextLayerError
from jiance.readers.pdf import read_pdf
from jiance.records import Line, SourceText
from jiance.samples import gold_records, load_sample, sample_names
from jiance.samples.pdf import FONT, render_image_only_pdf, render_pdf


@pytest.fixture(scope="module")
def source(bulletin_pdf: bytes) -> SourceText:
    return read_pdf(bulletin_pdf, "tiny.pdf")


def line(source: SourceText, text: str) -> Line:
    return next(ln for ln in source.lines if ln.text == text)


def test_document_facts(source: SourceText) -> None:
    assert source.media_type == "application/pdf"
    assert source.pages is not None and source.pages >= 4
    assert source.page_width == pytest.approx(595.3, abs=0.5)
    assert source.meta["title"] == "测试产业周报 第3期"
    assert [ln.lineno for ln in source.lines] == list(range(1, len(source.lines) + 1))


def test_titles_are_larger_and_bold_and_on_the_right_page(source: SourceText) -> None:
    column, title, sub = (
        line(source, "产业环境"),
        line(source, "虚构城市发布算力网络三年计划"),
        line(source, "一、建设目标"),
    )
    body = next(ln for ln in source.lines if ln.text.startswith("本市计划"))
    assert column.size == 18.0 and title.size == 14.0 and sub.size == 11.5 and body.size == 10.5
    assert column.bold and title.bold and sub.bold and not body.bold
    assert column.page == title.page == body.page == 3  # cover, contents, then the body
    assert body.x0 is not None and title.x0 is not None and body.x0 > 62.0  # first-line indent


def test_latin_words_keep_their_spaces_and_cjk_gets_none(source: SourceText) -> None:
    body = next(ln for ln in source.lines if ln.text.startswith("本市计划"))
    assert "5000 PFlops" in body.text and " GPU " in body.text
    assert "本市计划三年内" in body.text


def test_running_header_and_footer_are_lines(source: SourceText) -> None:
    assert line(source, "测试产业周报 2026.05.07").page == 2
    footers = [ln for ln in source.lines if ln.text.endswith("页") and "第" in ln.text]
    assert [ln.page for ln in footers] == list(range(2, (source.pages or 0) + 1))
    assert all(ln.size == 8.0 for ln in footers)
    assert not any(ln.page == 1 and "2026.05.07" in ln.text for ln in source.lines)  # the cover has none


def test_expert_block_is_indented(source: SourceText) -> None:
    label, body = line(source, "专家观点"), line(source, "测试产业周报 2026.05.07")
    assert label.bold and label.x0 is not None and body.x0 is not None and label.x0 > body.x0 + 20


def test_encrypted_pdf_is_refused(bulletin: dict[str, Any]) -> None:
    with pytest.raises(EncryptedDocumentError, match="password protected"):
        read_pdf(render_pdf(bulletin, cover=False, contents=False, password="secret"), "locked.pdf")


def test_image_only_pdf_needs_ocr() -> None:
    with pytest.raises(NoTextLayerError, match="run OCR first"):
        read_pdf(render_image_only_pdf(), "scan.pdf")


def test_truncated_pdf_is_corrupt(bulletin_pdf: bytes) -> None:
    with pytest.raises(CorruptDocumentError, match="truncated"):
        read_pdf(bulletin_pdf[: len(bulletin_pdf) // 2], "half.pdf")


def test_garbage_after_the_header_is_corrupt() -> None:
    with pytest.raises(CorruptDocumentError):
        read_pdf(b"%PDF-1.4\n" + b"\x00garbage" * 100 + b"\n%%EOF\n", "junk.pdf")


def test_two_column_page_reads_left_column_first(bulletin_pdf: bytes) -> None:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(595, 842))
    canvas.setFont(FONT, 16)
    canvas.drawString(60, 800, "横跨两栏的标题行")
    canvas.setFont(FONT, 10.5)
    for row in range(6):
        canvas.drawString(60, 760 - row * 16, f"左栏第{row + 1}行")
        canvas.drawString(320, 760 - row * 16, f"右栏第{row + 1}行")
    canvas.save()
    texts = [ln.text for ln in read_pdf(out.getvalue(), "cols.pdf").lines]
    assert texts == ["横跨两栏的标题行"] + [f"左栏第{i}行" for i in range(1, 7)] + [
        f"右栏第{i}行" for i in range(1, 7)
    ]


@pytest.mark.parametrize("name", sample_names())
def test_sample_bulletins_round_trip(name: str) -> None:
    sample = load_sample(name)
    source = read_pdf(render_pdf(sample), f"{name}.pdf")
    columns = [ln for ln in source.lines if ln.size == 18.0 and ln.page and ln.page > 2]
    assert [ln.text for ln in columns] == [section["name"] for section in sample["sections"]]
    assert all(ln.bold for ln in columns)
    flat = "".join(ln.text for ln in source.lines).replace(" ", "")
    for record in gold_records(sample):
        assert record["title"].replace(" ", "") in flat
