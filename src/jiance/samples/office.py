"""Render the sample bulletins as Word documents and self-contained HTML, the other formats editors send.

A DOCX built by hand in an office suite carries its structure in paragraph styles (Title, Heading 1–3),
so the DOCX reader can be tested on real styles rather than guessed layout; the HTML bulletin does the
same with h1–h4 and ``<aside class="expert">``. Both are rendered from the same JSON as the text dumps,
so :func:`jiance.samples.corpus.gold_records` is their gold too.
"""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from jiance.publish.docx import stable_zip
from jiance.samples.corpus import EXPERT_LABEL, Sample, expert_title
from jiance.samples.layouts import format_date

__all__ = ["EXPERT_LABEL_STYLE", "EXPERT_TITLE_STYLE", "render_docx", "render_html"]

EXPERT_LABEL_STYLE = "Expert Label"
"""Paragraph style of the 专家观点 line in the DOCX rendering."""
EXPERT_TITLE_STYLE = "Expert Title"
"""Paragraph style of each ``speaker：headline`` line in the DOCX rendering."""

_EAST_ASIAN_FONT = "宋体"


def _add_styles(document: Any) -> None:
    """Custom styles for the expert block, and an East Asian font so Word does not fall back to MS Mincho."""
    styles = document.styles
    for name in (EXPERT_LABEL_STYLE, EXPERT_TITLE_STYLE):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.font.bold = True
    styles[EXPERT_LABEL_STYLE].paragraph_format.space_before = styles[
        "Heading 3"
    ].paragraph_format.space_before
    rpr = styles["Normal"].element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), _EAST_ASIAN_FONT)


def _page_field(paragraph: Any) -> None:
    """Append a PAGE field, which Word fills in with the page number when it lays the document out."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _header_footer(document: Any, sample: Sample) -> None:
    section = document.sections[0]
    section.header.paragraphs[0].text = f"{sample['title']}  {sample['number']}"
    footer = section.footer.paragraphs[0]
    footer.text = f"{sample['copyright']}  第 "
    _page_field(footer)
    footer.add_run(" 页")


def _cover(document: Any, sample: Sample) -> None:
    document.add_paragraph(sample["title"], style="Title")
    for line in (sample["number"], format_date(sample["date"], "cjk"), sample["publisher"]):
        document.add_paragraph(line)
    document.add_paragraph(f"电话：{sample['contact']}")
    document.add_page_break()


def _article(document: Any, article: dict[str, Any]) -> None:
    document.add_heading(article["title"], level=2)
    for block in article["blocks"]:
        if block["kind"] == "subheading":
            document.add_heading(block["text"], level=3)
        else:
            document.add_paragraph(block["text"])
    if article.get("experts"):
        document.add_paragraph(EXPERT_LABEL, style=EXPERT_LABEL_STYLE)
    for piece in article.get("experts", []):
        document.add_paragraph(expert_title(piece), style=EXPERT_TITLE_STYLE)
        for text in piece["paragraphs"]:
            document.add_paragraph(text)


def render_docx(sample: Sample) -> bytes:
    """The sample as a .docx: cover (Title), columns (Heading 1), titles (Heading 2), sub-headings (Heading 3).

    The running header holds the bulletin name and number, the footer the copyright and a PAGE field.
    """
    document = Document()
    document.core_properties.title = sample["title"]
    document.core_properties.author = sample["publisher"]
    _add_styles(document)
    _header_footer(document, sample)
    _cover(document, sample)
    for section in sample["sections"]:
        document.add_heading(section["name"], level=1)
        for article in section["articles"]:
            _article(document, article)
    document.core_properties.created = _FIXED_TIME
    document.core_properties.modified = _FIXED_TIME
    document.core_properties.last_printed = _FIXED_TIME
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())


_FIXED_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def _html_article(article: dict[str, Any]) -> list[str]:
    e = html.escape
    out = ["<article>", f"<h3>{e(article['title'])}</h3>"]
    for block in article["blocks"]:
        tag = "h4" if block["kind"] == "subheading" else "p"
        out.append(f"<{tag}>{e(block['text'])}</{tag}>")
    if article.get("experts"):
        out.append(f'<p class="expert-label">{e(EXPERT_LABEL)}</p>')
    for piece in article.get("experts", []):
        out.append('<aside class="expert">')
        out.append(
            f'<p class="expert-title"><span class="speaker">{e(piece["speaker"])}</span>：'
            f'<span class="headline">{e(piece["headline"])}</span></p>'
        )
        out.extend(f"<p>{e(text)}</p>" for text in piece["paragraphs"])
        out.append("</aside>")
    out.append("</article>")
    return out


_CSS = """body{font-family:"Noto Serif CJK SC","SimSun",serif;max-width:46em;margin:2em auto;line-height:1.8}
header.cover{text-align:center;border-bottom:2px solid #8b0000;margin-bottom:2em}
h2{color:#8b0000;border-left:6px solid #8b0000;padding-left:.5em}
p{text-indent:2em}aside.expert{background:#f4f1ea;padding:.5em 1em;margin:.5em 0}
p.expert-label{font-weight:bold;text-indent:0}p.expert-title{font-weight:bold;text-indent:0}
footer{border-top:1px solid #999;font-size:small;color:#555}"""


def render_html(sample: Sample) -> str:
    """The sample as one self-contained HTML page: h1 bulletin, h2 columns, h3 titles, h4 sub-headings."""
    e = html.escape
    date = format_date(sample["date"], "cjk")
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        f'<head><meta charset="utf-8"><title>{e(sample["title"])} {e(sample["number"])}</title>',
        f"<style>{_CSS}</style></head>",
        "<body>",
        '<header class="cover">',
        f"<h1>{e(sample['title'])}</h1>",
        f'<p class="issue">{e(sample["number"])} · <time datetime="{e(sample["date"])}">{e(date)}</time></p>',
        f'<p class="publisher">{e(sample["publisher"])}</p>',
        "</header>",
    ]
    for section in sample["sections"]:
        out += ['<section class="column">', f"<h2>{e(section['name'])}</h2>"]
        for article in section["articles"]:
            out += _html_article(article)
        out.append("</section>")
    out += [
        f"<footer><p>{e(sample['copyright'])} 电话：{e(sample['contact'])}</p></footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"
