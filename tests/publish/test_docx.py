from __future__ import annotations

import copy
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import pytest

from jiance.errors import ConfigError, PublishError
from jiance.evaluate.parse import score_parse
from jiance.pipeline import parse_bytes
from jiance.publish.compose import composition_from_bulletin, composition_records
from jiance.publish.docx import BODY_FONT, EXPERT_LABEL_STYLE, SOURCE_STYLE, render_docx
from jiance.publish.model import ChartSpec, Composition, KeyFigure
from jiance.records import EXPERT_OPINION, Bulletin
from jiance.samples import load_sample
from jiance.samples.office import render_docx as render_sample_docx
from jiance.samples.pdf import render_pdf

SAMPLES = ("sample-a", "sample-b", "sample-c")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HIGHLIGHT = "本期要点之一：虚构城市的算力网络覆盖全部区县。"
FIGURE_SENTENCE = "虚构城市已建成算力节点1234个，较上年翻番。"


def png(width: int = 4, height: int = 3) -> bytes:
    """A tiny valid RGB PNG, written by hand so the tests need no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x1f\x3a\x68" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def composition(name: str) -> Composition:
    """A sample re-set as a composition, with the front matter and source links an editor's issue has."""
    comp = composition_from_bulletin(parse_bytes(render_pdf(load_sample(name)), f"{name}.pdf"))
    comp.highlights = [HIGHLIGHT, "第二条要点。"]
    comp.key_figures = [
        KeyFigure("算力节点", "1234", "个", sentence=FIGURE_SENTENCE, period="2026年"),
        KeyFigure("增速", "11.6", "%"),
    ]
    comp.charts = [
        ChartSpec("算力节点数", "bar", ["2025", "2026"], [617.0, 1234.0], unit="个", note="来源：虚构统计局")
    ]
    comp.branding.client = "虚构集团"
    comp.branding.cover_text = "内部资料，注意保存。"
    for index, piece in enumerate(comp.pieces):
        if piece.kind != EXPERT_OPINION and index % 2 == 0:
            piece.url = f"https://news.example/{index}?a=1&b=2"
            piece.source_name = "虚构日报" if index % 4 == 0 else None
    return comp


@pytest.fixture(scope="module")
def compositions() -> dict[str, Composition]:
    return {name: composition(name) for name in SAMPLES}


@pytest.fixture(scope="module")
def rendered(compositions: dict[str, Composition]) -> dict[str, bytes]:
    return {name: render_docx(comp, charts={0: png(40, 30)}) for name, comp in compositions.items()}


@pytest.fixture(scope="module")
def parsed(rendered: dict[str, bytes]) -> dict[str, Bulletin]:
    return {name: parse_bytes(data, "x.docx") for name, data in rendered.items()}


def document_xml(data: bytes, part: str = "word/document.xml") -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(part).decode("utf-8")


@pytest.mark.parametrize("name", SAMPLES)
def test_round_trip_gives_back_the_composition(
    name: str, compositions: dict[str, Composition], parsed: dict[str, Bulletin]
) -> None:
    comp = compositions[name]
    bulletin = parsed[name]
    score = score_parse([a.to_record() for a in bulletin.articles], composition_records(comp))
    assert score.titles.f1 == 1.0
    assert score.body_similarity >= 0.99
    assert score.column_accuracy == 1.0
    assert score.experts.f1 == 1.0
    assert [a.section for a in bulletin.articles] == [r["section"] for r in composition_records(comp)]


@pytest.mark.parametrize("name", SAMPLES)
def test_front_matter_contents_and_sources_do_not_leak(name: str, parsed: dict[str, Bulletin]) -> None:
    bulletin = parsed[name]
    texts = [a.title for a in bulletin.articles] + [p for a in bulletin.articles for p in a.paragraphs]
    for furniture in (HIGHLIGHT, FIGURE_SENTENCE, "来源：", "算力节点数", "虚构集团", "注意保存"):
        assert not any(furniture in text for text in texts), furniture
    assert not {"本期要点", "关键数据", "数据图表", "目录", "专家观点"} & set(texts)


def test_structure_is_in_real_word_styles(
    compositions: dict[str, Composition], rendered: dict[str, bytes]
) -> None:
    comp = compositions["sample-a"]
    document = docx.Document(io.BytesIO(rendered["sample-a"]))
    by_style: dict[str, list[str]] = {}
    for paragraph in document.paragraphs:
        by_style.setdefault(paragraph.style.name, []).append(paragraph.text)
    assert by_style["Title"] == [comp.branding.name]
    assert by_style["Heading 1"] == [s.name for s in comp.sections]
    assert by_style["Heading 2"] == [p.title for p in comp.pieces if p.kind != EXPERT_OPINION]
    assert set(by_style["Heading 3"]) == {s for p in comp.pieces for s in p.subheadings}
    assert any("算力节点数" in text for text in by_style["Caption"])
    cells = [p for t in document.tables for c in t._cells for p in c.paragraphs]
    assert any(p.style.name == EXPERT_LABEL_STYLE and p.text == "专家观点" for p in cells)


def test_fonts_page_and_first_page(rendered: dict[str, bytes]) -> None:
    document = docx.Document(io.BytesIO(rendered["sample-a"]))
    for name in ("Normal", "Heading 1", "Title"):
        fonts = document.styles[name].element.rPr.find(W + "rFonts")
        assert fonts.get(W + "eastAsia", "").endswith("CJK SC")
        assert fonts.get(W + "asciiTheme") is None  # a theme font would override the explicit one
    assert document.styles["Normal"].element.rPr.find(W + "rFonts").get(W + "ascii") == BODY_FONT[0]
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.cm, 2) == 3.17 and round(section.top_margin.cm, 2) == 2.54
    assert section.different_first_page_header_footer
    assert not "".join(p.text for p in section.first_page_header.paragraphs).strip()


def test_contents_is_a_toc_field_with_cached_entries(
    compositions: dict[str, Composition], rendered: dict[str, bytes]
) -> None:
    xml = document_xml(rendered["sample-a"])
    instruction = re.search(r'<w:instrText[^>]*> TOC \\o "1-2" \\h \\z \\u </w:instrText>', xml)
    assert instruction is not None
    marks = re.findall(r'w:fldCharType="(\w+)"', xml[: instruction.start()])
    assert marks[-1] == "begin"
    tail = xml[instruction.end() :]
    separate, end = tail.find('w:fldCharType="separate"'), tail.find('w:fldCharType="end"')
    assert 0 <= separate < end
    cached = tail[separate:end]
    comp = compositions["sample-a"]
    for entry in [s.name for s in comp.sections] + [p.title for p in comp.pieces if p.kind != EXPERT_OPINION]:
        assert entry.replace("&", "&amp;") in cached
    anchors = re.findall(r'w:anchor="(_Toc\d+)"', cached)
    assert anchors and all(f'w:name="{a}"' in xml for a in anchors)  # every entry links to its heading


def test_header_and_footer_carry_name_edition_and_page_field(rendered: dict[str, bytes]) -> None:
    document = docx.Document(io.BytesIO(rendered["sample-a"]))
    section = document.sections[0]
    header = section.header.paragraphs[0].text
    assert "数字产业观察" in header and "虚构集团" in header
    footer_xml = section.footer._element.xml
    assert "<w:instrText" in footer_xml and " PAGE " in footer_xml
    footer = section.footer.paragraphs[0].text
    assert footer.startswith("©2026 ") and "2026.11.19" in footer and "电话：" in footer


def test_source_line_is_a_hyperlink(compositions: dict[str, Composition], rendered: dict[str, bytes]) -> None:
    comp = compositions["sample-a"]
    rels = document_xml(rendered["sample-a"], "word/_rels/document.xml.rels")
    urls = {p.url for p in comp.pieces if p.url}
    assert urls and all(f'Target="{u.replace("&", "&amp;")}" TargetMode="External"' in rels for u in urls)
    document = docx.Document(io.BytesIO(rendered["sample-a"]))
    lines = [p for p in document.paragraphs if p.style.name == SOURCE_STYLE]
    assert len(lines) == len(urls)
    assert any(p.text == "来源：虚构日报" for p in lines)
    assert all(p.hyperlinks and p.hyperlinks[0].address in urls for p in lines)


def test_only_web_addresses_are_linked() -> None:
    comp = composition_from_bulletin(parse_bytes(render_sample_docx(load_sample("sample-b")), "b.docx"))
    comp.pieces[0].url = "javascript:alert(1)"
    comp.pieces[1].url = "https://example.org/路径 with space"
    rels = document_xml(render_docx(comp), "word/_rels/document.xml.rels")
    assert "javascript" not in rels
    assert "https://example.org/%E8%B7%AF%E5%BE%84%20with%20space" in rels


def test_markup_and_control_characters_survive_literally() -> None:
    comp = composition_from_bulletin(parse_bytes(render_sample_docx(load_sample("sample-b")), "b.docx"))
    piece = comp.sections[0].pieces[0]
    piece.title = "<b>5G</b> & “算力” </w:t><w:t>"
    piece.paragraphs[0] = "正文\x00含\x01控制\x0b字符\ufffe与\ud800 <w:p/> &amp; 标记。"
    comp.branding.name = "监测<script>\x07"
    data = render_docx(comp)
    article = parse_bytes(data, "x.docx").articles[0]
    assert article.title == "<b>5G</b> & “算力” </w:t><w:t>"
    assert article.paragraphs[0] == "正文含控制字符与 <w:p/> &amp; 标记。"
    assert docx.Document(io.BytesIO(data)).paragraphs[0].text == "监测<script>"


def test_same_input_same_bytes(compositions: dict[str, Composition]) -> None:
    comp = compositions["sample-c"]
    first = render_docx(comp, charts={0: png()})
    assert first == render_docx(comp, charts={0: png()})
    core = document_xml(first, "docProps/core.xml")
    assert "2026-03-12T00:00:00Z" in core


def test_charts_only_when_given(compositions: dict[str, Composition]) -> None:
    comp = compositions["sample-b"]
    without = docx.Document(io.BytesIO(render_docx(comp)))
    assert not without.inline_shapes
    assert not any(p.style.name == "Caption" for p in without.paragraphs)
    with_chart = docx.Document(io.BytesIO(render_docx(comp, charts={0: png()})))
    assert len(with_chart.inline_shapes) == 1
    for broken in (b"not a png", png()[:20], b"GIF89a"):
        with pytest.raises(PublishError, match="chart 0"):
            render_docx(comp, charts={0: broken})


def test_logo_is_embedded_or_refused_clearly(tmp_path: Path, compositions: dict[str, Composition]) -> None:
    comp = copy.deepcopy(compositions["sample-b"])
    logo = tmp_path / "logo.png"
    logo.write_bytes(png())
    comp.branding.logo = str(logo)
    assert len(docx.Document(io.BytesIO(render_docx(comp))).inline_shapes) == 1
    comp.branding.logo = str(tmp_path / "missing.png")
    with pytest.raises(ConfigError) as missing:
        render_docx(comp)
    assert missing.value.where == str(tmp_path / "missing.png")
    (tmp_path / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    comp.branding.logo = str(tmp_path / "logo.svg")
    with pytest.raises(ConfigError, match="SVG"):
        render_docx(comp)


def test_bad_colour_is_a_config_error(compositions: dict[str, Composition]) -> None:
    comp = copy.deepcopy(compositions["sample-c"])
    comp.branding.primary = "navy"
    with pytest.raises(ConfigError, match="#rrggbb"):
        render_docx(comp)


def test_tracking_line_is_printed_and_read_back_as_furniture(sample_bulletins: dict[str, Bulletin]) -> None:
    from jiance.publish.model import Tracking

    comp = composition_from_bulletin(sample_bulletins["sample-b"])
    comp.sections[0].articles[0].tracking = Tracking(1, "智联通信参考", "第5期", None, "上一期的报道")
    bulletin = parse_bytes(render_docx(comp), "b.docx")
    score = score_parse([a.to_record() for a in bulletin.articles], composition_records(comp))
    assert score.titles.f1 == 1.0 and score.body_similarity_min == 1.0
    assert [f.text for f in bulletin.furniture if f.reason == "tracking-mark"] == [
        "持续跟踪（见第5期《上一期的报道》）"
    ]
