"""DOCX and HTML renderings of the samples carry the structure in real styles and tags."""

from __future__ import annotations

import io

from docx import Document
from lxml import html as lxml_html

from jiance.samples import load_sample, render_docx, render_html
from jiance.samples.corpus import EXPERT_LABEL, expert_title, iter_articles
from jiance.samples.office import EXPERT_LABEL_STYLE, EXPERT_TITLE_STYLE


def _by_style(document: Document, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == style]


def _tiny_sample() -> dict:
    return {
        "name": "tiny",
        "title": "测试<简报>",
        "number": "第1期",
        "date": "2026-01-05",
        "publisher": "某所 & 某部",
        "contact": "010-0000-0000",
        "copyright": "内部资料",
        "sections": [
            {
                "name": "产业环境",
                "articles": [
                    {
                        "title": "A<B & C：测试",
                        "blocks": [{"kind": "paragraph", "text": "x < y & z > w，“引号”。"}],
                        "experts": [{"speaker": "张某", "headline": "观点<1>", "paragraphs": ["甲&乙。"]}],
                    }
                ],
            }
        ],
    }


def test_docx_uses_real_styles() -> None:
    sample = load_sample("sample-a")
    document = Document(io.BytesIO(render_docx(sample)))
    articles = [a for _, a in iter_articles(sample)]
    assert _by_style(document, "Title") == [sample["title"]]
    assert _by_style(document, "Heading 1") == [s["name"] for s in sample["sections"]]
    assert _by_style(document, "Heading 2") == [a["title"] for a in articles]
    subs = [b["text"] for a in articles for b in a["blocks"] if b["kind"] == "subheading"]
    assert _by_style(document, "Heading 3") == subs
    assert _by_style(document, EXPERT_LABEL_STYLE) == [EXPERT_LABEL] * sum(
        1 for a in articles if a.get("experts")
    )
    pieces = [expert_title(p) for a in articles for p in a.get("experts", [])]
    assert _by_style(document, EXPERT_TITLE_STYLE) == pieces
    body = [b["text"] for a in articles for b in a["blocks"] if b["kind"] == "paragraph"]
    assert set(body) <= set(_by_style(document, "Normal"))


def test_docx_header_footer_and_page_field() -> None:
    sample = load_sample("sample-b")
    document = Document(io.BytesIO(render_docx(sample)))
    section = document.sections[0]
    assert sample["title"] in section.header.paragraphs[0].text
    footer_xml = section.footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer_xml and sample["copyright"] in section.footer.paragraphs[0].text
    assert document.core_properties.title == sample["title"]


def test_html_structure() -> None:
    sample = load_sample("sample-c")
    tree = lxml_html.fromstring(render_html(sample))
    articles = [a for _, a in iter_articles(sample)]
    assert [h.text_content() for h in tree.xpath("//h1")] == [sample["title"]]
    assert [h.text_content() for h in tree.xpath("//h2")] == [s["name"] for s in sample["sections"]]
    assert [h.text_content() for h in tree.xpath("//h3")] == [a["title"] for a in articles]
    subs = [b["text"] for a in articles for b in a["blocks"] if b["kind"] == "subheading"]
    assert [h.text_content() for h in tree.xpath("//h4")] == subs
    asides = tree.xpath('//aside[@class="expert"]')
    assert [a.xpath('string(.//p[@class="expert-title"])') for a in asides] == [
        expert_title(p) for a in articles for p in a.get("experts", [])
    ]


def test_html_escapes_text() -> None:
    page = render_html(_tiny_sample())
    assert "A&lt;B &amp; C" in page and "<B" not in page
    tree = lxml_html.fromstring(page)
    assert tree.xpath("string(//article/p)") == "x < y & z > w，“引号”。"
    assert tree.xpath('string(//span[@class="headline"])') == "观点<1>"
