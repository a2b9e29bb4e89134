"""Render a sample bulletin (the samples' JSON shape) as a PDF laid out like the real ones.

The PDF reader and the splitter are tested on what these files show them: a cover, a contents page whose
page numbers are the real ones (two passes through reportlab's ``multiBuild``), running headers and footers
on every page but the cover, columns as large headings, bold titles, bold sub-headings one point above the
body, indented body paragraphs and shaded 专家观点 blocks.

The only CJK TrueType font Debian ships that reportlab can embed (OpenType/CFF fonts such as Noto CJK are
refused) is WenQuanYi Zen Hei, which has no bold face. The bold style therefore embeds the same outlines
under a PostScript name ending in ``-Bold``, which is how real bulletins name their bold fonts and what
the PDF reader looks at; on screen bold text is told apart by size and spacing only.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from jiance.errors import ConfigError

__all__ = ["find_cjk_font", "render_image_only_pdf", "render_pdf"]

FONT = "JianceCJK"
FONT_BOLD = "JianceCJK-Bold"
BODY_SIZE = 10.5
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
_FONT_FILES = ("wqy-zenhei.ttc", "wqy-microhei.ttc", "DroidSansFallbackFull.ttf", "DroidSansFallback.ttf")
_MARGIN = 56.0


def find_cjk_font() -> Path:
    """The first CJK TrueType font found in the standard font folders, or a ConfigError with the fix."""
    for folder in _FONT_DIRS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for name in _FONT_FILES:
            found = next(iter(sorted(root.rglob(name))), None)
            if found is not None:
                return found
    raise ConfigError(
        "no CJK TrueType font found (looked for " + ", ".join(_FONT_FILES) + "): "
        "install the Debian package fonts-wqy-zenhei",
        where=", ".join(_FONT_DIRS),
    )


@functools.cache
def _register_fonts() -> None:
    """Register the regular and the (renamed) bold face once per process, and map <b> to the bold one."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = str(find_cjk_font())
    index = 0 if path.endswith(".ttc") else None
    regular = TTFont(FONT, path, subfontIndex=index) if index is not None else TTFont(FONT, path)
    bold = TTFont(FONT_BOLD, path, subfontIndex=index) if index is not None else TTFont(FONT_BOLD, path)
    # Same outlines, own face name: reportlab would otherwise alias both fonts to one face.
    bold.face.name = bold.face.name + b"-Bold"
    bold.face.subfontNameX = b""
    regular.face.subfontNameX = b""
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(bold)
    for italic in (0, 1):
        addMapping(FONT, 0, italic, FONT)
        addMapping(FONT, 1, italic, FONT_BOLD)


@functools.cache
def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle(
        "body", fontName=FONT, fontSize=BODY_SIZE, leading=18, firstLineIndent=2 * BODY_SIZE, wordWrap="CJK"
    )
    bold = {"fontName": FONT_BOLD}
    shaded = {
        "backColor": colors.HexColor("#EDF1F6"),
        "leftIndent": 14,
        "rightIndent": 14,
        "borderPadding": 5,
    }
    return {
        "cover": ParagraphStyle("cover", parent=body, fontSize=30, leading=40, alignment=TA_CENTER, **bold),
        "cover-line": ParagraphStyle("cover-line", parent=body, fontSize=14, leading=24, alignment=TA_CENTER),
        "contents": ParagraphStyle(
            "contents", parent=body, fontSize=18, leading=28, alignment=TA_CENTER, **bold
        ),
        "column": ParagraphStyle(
            "column", parent=body, fontSize=18, leading=26, spaceBefore=10, spaceAfter=8, **bold
        ),
        "title": ParagraphStyle(
            "title", parent=body, fontSize=14, leading=22, spaceBefore=12, spaceAfter=6, **bold
        ),
        "subheading": ParagraphStyle(
            "subheading", parent=body, fontSize=BODY_SIZE + 1, spaceBefore=4, **bold
        ),
        "body": body,
        "expert-label": ParagraphStyle("expert-label", parent=body, spaceBefore=10, **bold, **shaded),
        "expert-head": ParagraphStyle("expert-head", parent=body, **bold, **shaded),
        "expert-body": ParagraphStyle("expert-body", parent=body, **shaded),
        "toc0": ParagraphStyle("toc0", parent=body, fontSize=12, leading=20, **bold),
        "toc1": ParagraphStyle("toc1", parent=body, leftIndent=24, firstLineIndent=0),
    }


def _printed_dates(iso: str) -> tuple[str, str]:
    """The header form (2026.11.19) and the cover form (2026年11月19日) of an ISO date."""
    day = date.fromisoformat(iso)
    return f"{day.year}.{day.month:02d}.{day.day:02d}", f"{day.year}年{day.month}月{day.day}日"


def _para(text: str, style: str) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(text), _styles()[style])


def _cover(sample: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import PageBreak, Spacer

    _, cover_date = _printed_dates(sample["date"])
    lines = [sample.get("number", ""), cover_date, sample.get("publisher", "")]
    return (
        [Spacer(1, 180), _para(sample["title"], "cover"), Spacer(1, 40)]
        + [_para(text, "cover-line") for text in lines if text]
        + [PageBreak()]
    )


def _contents() -> list[Any]:
    from reportlab.platypus import PageBreak, Spacer
    from reportlab.platypus.tableofcontents import TableOfContents

    toc = TableOfContents()
    toc.levelStyles = [_styles()["toc0"], _styles()["toc1"]]
    toc.dotsMinLevel = 0
    return [_para("目  录", "contents"), Spacer(1, 12), toc, PageBreak()]


def _expert_flowables(experts: Iterable[dict[str, Any]]) -> list[Any]:
    story = [_para("专家观点", "expert-label")]
    for piece in experts:
        story.append(_para(f"{piece['speaker']}：{piece['headline']}", "expert-head"))
        story.extend(_para(text, "expert-body") for text in piece.get("paragraphs", []))
    return story


def _article_flowables(article: dict[str, Any]) -> list[Any]:
    story = [_para(article["title"], "title")]
    for block in article.get("blocks", []):
        story.append(_para(block["text"], "subheading" if block["kind"] == "subheading" else "body"))
    if article.get("experts"):
        story.extend(_expert_flowables(article["experts"]))
    return story


def _body(sample: dict[str, Any]) -> list[Any]:
    story: list[Any] = []
    for section in sample["sections"]:
        story.append(_para(section["name"], "column"))
        for article in section.get("articles", []):
            story.extend(_article_flowables(article))
    return story


def _furniture(sample: dict[str, Any]) -> Any:
    """The onPage callback drawing the running header and footer (the cover, page 1, has none)."""
    header_date, _ = _printed_dates(sample["date"])

    def draw(canvas: Any, doc: Any) -> None:
        width, height = doc.pagesize
        canvas.saveState()
        canvas.setFont(FONT, 9)
        canvas.drawString(_MARGIN, height - 36, sample["title"])
        canvas.drawRightString(width - _MARGIN, height - 36, header_date)
        canvas.setLineWidth(0.5)
        canvas.line(_MARGIN, height - 40, width - _MARGIN, height - 40)
        canvas.line(_MARGIN, 46, width - _MARGIN, 46)
        canvas.setFont(FONT, 8)
        canvas.drawString(_MARGIN, 34, sample.get("copyright", ""))
        canvas.drawString(_MARGIN, 22, "联系电话：" + sample.get("contact", ""))
        canvas.drawRightString(width - _MARGIN, 22, f"第 {doc.page} 页")
        canvas.restoreState()

    return draw


def _doc_template(out: io.BytesIO, sample: dict[str, Any], password: str | None) -> Any:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    class BulletinTemplate(SimpleDocTemplate):  # type: ignore[misc]
        def afterFlowable(self, flowable: Any) -> None:
            # Column headings and article titles feed the contents page with the page they land on.
            style = getattr(getattr(flowable, "style", None), "name", None)
            if style in ("column", "title"):
                self.notify("TOCEntry", (0 if style == "column" else 1, flowable.getPlainText(), self.page))

    encrypt = None
    if password is not None:
        from reportlab.lib.pdfencrypt import StandardEncryption

        encrypt = StandardEncryption(password, ownerPassword=password + "-owner", strength=128)
    return BulletinTemplate(
        out,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=64,
        bottomMargin=64,
        title=f"{sample['title']} {sample.get('number', '')}".strip(),
        author=sample.get("publisher", ""),
        encrypt=encrypt,
        invariant=True,  # no timestamps or random ids: the same sample always gives the same bytes
    )


def render_pdf(
    sample: dict[str, Any], *, cover: bool = True, contents: bool = True, password: str | None = None
) -> bytes:
    """Render a sample bulletin to PDF bytes; ``password`` encrypts it (for the reader's encrypted test).

    Without a cover the first page carries the running header and footer like every other.
    """
    _register_fonts()
    story: list[Any] = (_cover(sample) if cover else []) + (_contents() if contents else []) + _body(sample)
    out = io.BytesIO()
    doc = _doc_template(out, sample, password)
    furniture = _furniture(sample)
    first = (lambda canvas, doc: None) if cover else furniture
    if contents:
        doc.multiBuild(story, onFirstPage=first, onLaterPages=furniture)
    else:
        doc.build(story, onFirstPage=first, onLaterPages=furniture)
    return out.getvalue()


def render_image_only_pdf() -> bytes:
    """A one-page PDF holding only a raster image (a scanned page without a text layer)."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    image = Image.new("L", (400, 560), 255)
    pen = ImageDraw.Draw(image)
    for y in range(40, 520, 18):
        pen.rectangle((40, y, 360 - (y * 7) % 90, y + 8), fill=40)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    canvas.drawImage(ImageReader(image), 60, 120, width=400, height=560)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
