"""The DOCX of a bulletin: a Word file an editor goes on editing in Word or WPS.

Structure lives in real Word styles, so the Navigation Pane, the contents field and a later ``jiance
parse`` all see it: Title (the cover's name), Heading 1 (columns), Heading 2 (article titles), Heading 3
(sub-headings), Normal (body), Caption (charts). The page order follows the seed: a cover; 本期要点, the
key-figures box and the charts; the contents (a real ``TOC`` field whose cached entries are readable
before Word updates it); then the columns, each on a new page, with every run of 专家观点 pieces in one
shaded box after the article it follows and each article's source as one small ``来源：`` link line.

The DOCX reader (:mod:`jiance.readers.docx`) knows these conventions — what precedes the contents field is
front matter, the field is contents, a label-and-link line is a source — which is what makes the round
trip (render, parse, score against :func:`jiance.publish.compose.composition_records`) exact. The same
composition always gives the same bytes: core-property dates come from the issue date and every zip
member carries a fixed timestamp.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from docx import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.exceptions import InvalidImageStreamError, UnexpectedEndOfFileError, UnrecognizedImageError
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from jiance.errors import ConfigError, PublishError
from jiance.publish.model import Branding, ChartSpec, Composition, KeyFigure, Piece, Section
from jiance.records import ARTICLE
from jiance.text.normalize import strip_controls

__all__ = [
    "BODY_FONT",
    "EXPERT_LABEL",
    "EXPERT_LABEL_STYLE",
    "EXPERT_TITLE_STYLE",
    "HEADING_FONT",
    "SOURCE_STYLE",
    "render_docx",
    "stable_zip",
]

EXPERT_LABEL = "专家观点"
"""The label over each 专家观点 box; the splitter's default ``expert_marker``, so a parse finds the pieces."""
EXPERT_LABEL_STYLE = "Expert Label"
EXPERT_TITLE_STYLE = "Expert Title"
SOURCE_STYLE = "Source Line"
BODY_FONT = ("Times New Roman", "Noto Serif CJK SC")
"""(Latin, East Asian) fonts of the body; Word and WPS substitute a Song face where Noto is missing."""
HEADING_FONT = ("Arial", "Noto Sans CJK SC")

_COVER_STYLE = "Cover Line"
_FRONT_HEADING_STYLE = "Front Heading"
_CHART_NOTE_STYLE = "Chart Note"
_TABLE_TEXT_STYLE = "Table Text"
_FIGURE_COLUMNS_CM = (3.0, 2.4, 2.4, 6.8)  # label, value, period, source sentence: 14.6 cm of text width
_LINK_STYLE = "Hyperlink"
_TOC_STYLES = ("toc 1", "toc 2")
_EXPERT_FILL = "F4F1EA"
_FIXED_TIME = datetime(2026, 1, 1, tzinfo=UTC)
# Characters XML 1.0 forbids even escaped (C0 controls but tab and newlines, lone surrogates, U+FFFE/F).
_XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HEX_COLOUR_RE = re.compile(r"^#?([0-9a-fA-F]{6})$")
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"  # what stays as is; spaces, quotes and <> are percent-encoded
_MAX_PROPERTY = 255  # characters python-docx allows in one core property (title, author, subject)
_LINKABLE_RE = re.compile(r"^(?:https?|mailto):", re.IGNORECASE)
# What python-docx raises on bytes that are no image it can size (it has no common base class).
_IMAGE_ERRORS = (
    UnrecognizedImageError,
    UnexpectedEndOfFileError,
    InvalidImageStreamError,
    struct.error,
    ValueError,
    KeyError,
    IndexError,
    OSError,
)


def _text(value: str) -> str:
    """Literal text that XML can hold: controls XML forbids are dropped rather than crashing lxml."""
    return _XML_ILLEGAL_RE.sub("", strip_controls(value))


def _rgb(value: str, where: str) -> RGBColor:
    match = _HEX_COLOUR_RE.match(value.strip())
    if not match:
        raise ConfigError(f"colour {value!r} is not #rrggbb", where=where)
    return RGBColor.from_string(match.group(1).upper())


# --------------------------------------------------------------------------- styles


def _set_fonts(rpr: Any, fonts: tuple[str, str]) -> None:
    """Explicit Latin and East Asian fonts; the theme attributes go, or Word would prefer the theme's."""
    element = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        element.attrib.pop(qn(theme), None)
    latin, east_asian = fonts
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        element.set(qn(attribute), latin)
    element.set(qn("w:eastAsia"), east_asian)


def _first_line_chars(style: Any, chars: int) -> None:
    """First-line indent in characters (两字缩进), which Word scales with the font unlike a fixed length."""
    ind = style.element.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), "0" if chars == 0 else str(chars * 210))


def _doc_defaults(document: Any) -> None:
    """Body fonts and a Chinese language tag in docDefaults, so tables and new styles start right too."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def _paragraph_style(document: Any, name: str, base: str = "Normal") -> Any:
    styles = document.styles
    style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles[base]
    style.quick_style = True
    return style


def _normal(document: Any) -> None:
    normal = document.styles["Normal"]
    _set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.4
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _first_line_chars(normal, 2)


def _heading(document: Any, name: str, size: float, colour: RGBColor, before: float) -> Any:
    style = document.styles[name]
    _set_fonts(style.element.get_or_add_rPr(), HEADING_FONT)
    style.font.size = Pt(size)
    style.font.bold = True
    style.font.color.rgb = colour
    style.paragraph_format.space_before = Pt(before)
    style.paragraph_format.space_after = Pt(6)
    style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _first_line_chars(style, 0)
    return style


def _structure_styles(document: Any, branding: Branding) -> None:
    """Title, Heading 1–3 and Caption in the edition's colours and CJK fonts."""
    primary = _rgb(branding.primary, "branding.primary")
    accent = _rgb(branding.accent, "branding.accent")
    title = _heading(document, "Title", 28, primary, 0)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _heading(document, "Heading 1", 18, accent, 0)
    _heading(document, "Heading 2", 14, primary, 14)
    _heading(document, "Heading 3", 11.5, primary, 8)
    caption = _heading(document, "Caption", 9, primary, 2)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    contents = _heading(document, "TOC Heading", 16, primary, 0)
    contents.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _front_styles(document: Any, primary: RGBColor) -> None:
    """Cover lines, the front matter's headings (no outline level: they stay out of the contents), tables."""
    cover = _paragraph_style(document, _COVER_STYLE)
    cover.font.size = Pt(14)
    cover.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    front = _paragraph_style(document, _FRONT_HEADING_STYLE)
    _set_fonts(front.element.get_or_add_rPr(), HEADING_FONT)
    front.font.bold, front.font.size, front.font.color.rgb = True, Pt(14), primary
    front.paragraph_format.space_before = Pt(12)
    table_text = _paragraph_style(document, _TABLE_TEXT_STYLE)
    table_text.font.size = Pt(9)
    table_text.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    table_text.paragraph_format.space_after = Pt(0)
    _paragraph_style(document, _CHART_NOTE_STYLE, "Caption").font.bold = False


def _piece_styles(document: Any, primary: RGBColor) -> None:
    """The 专家观点 label and titles at body size (a bigger size would read as a heading level), sources."""
    for name in (EXPERT_LABEL_STYLE, EXPERT_TITLE_STYLE):
        _paragraph_style(document, name).font.bold = True
    document.styles[EXPERT_LABEL_STYLE].font.color.rgb = primary
    source = _paragraph_style(document, SOURCE_STYLE)
    source.font.size, source.font.color.rgb = Pt(9), RGBColor(0x66, 0x66, 0x66)
    link = document.styles.add_style(_LINK_STYLE, WD_STYLE_TYPE.CHARACTER)
    link.font.color.rgb, link.font.underline = RGBColor(0x05, 0x63, 0xC1), True


def _contents_styles(document: Any) -> None:
    """``toc 1``/``toc 2`` under Word's own names and ids, so a field update reuses them."""
    for level, name in enumerate(_TOC_STYLES, 1):
        entry = _paragraph_style(document, name)
        entry.style_id = f"TOC{level}"
        entry.paragraph_format.left_indent = Cm(0.74 * (level - 1))
        entry.font.bold = level == 1
    for name in (*_TOC_STYLES, _LINK_STYLE):  # built-in names: no "custom" flag, or Word adds twins
        document.styles[name].element.attrib.pop(qn("w:customStyle"), None)


def _house_styles(document: Any, branding: Branding) -> None:
    """The styles of the cover, front matter, 专家观点 box, source line and contents entries, unindented."""
    primary = _rgb(branding.primary, "branding.primary")
    _front_styles(document, primary)
    _piece_styles(document, primary)
    _contents_styles(document)
    plain = (_COVER_STYLE, _FRONT_HEADING_STYLE, _TABLE_TEXT_STYLE, EXPERT_LABEL_STYLE, EXPERT_TITLE_STYLE)
    for name in (*plain, SOURCE_STYLE, "List Bullet", *_TOC_STYLES):
        _first_line_chars(document.styles[name], 0)


def _install_styles(document: Any, branding: Branding) -> None:
    _doc_defaults(document)
    _normal(document)
    _structure_styles(document, branding)
    _house_styles(document, branding)


# --------------------------------------------------------------------------- page, header, footer


def _field_runs(paragraph: Any, instruction: str, cached: str) -> None:
    """A complex field (begin, instruction, separate, cached result, end) in one paragraph."""
    _fld_char(paragraph, "begin")
    _instr(paragraph, instruction)
    _fld_char(paragraph, "separate")
    paragraph.add_run(cached)
    _fld_char(paragraph, "end")


def _fld_char(paragraph: Any, kind: str) -> None:
    run = paragraph.add_run()
    mark = OxmlElement("w:fldChar")
    mark.set(qn("w:fldCharType"), kind)
    run._r.append(mark)


def _instr(paragraph: Any, instruction: str) -> None:
    run = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run._r.append(text)


def _page_setup(section: Any) -> None:
    """A4 with the margins Chinese Word templates use (2.54 cm top and bottom, 3.17 cm at the sides)."""
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(3.17)
    section.header_distance = section.footer_distance = Cm(1.5)
    section.different_first_page_header_footer = True  # the cover has neither


def _edition_label(composition: Composition) -> str | None:
    """Who this edition is for: the client, else the edition's name unless it is the default one."""
    branding = composition.branding
    if branding.client:
        return branding.client
    return composition.edition if composition.edition and composition.edition != "default" else None


def _footer_text(composition: Composition) -> str:
    branding = composition.branding
    year = (composition.date or "")[:4]
    parts = [
        f"©{year} {branding.copyright}".strip() if year.isdigit() else f"© {branding.copyright}",
        f"电话：{branding.contact}" if branding.contact else None,
        composition.date_printed() or None,
    ]
    return "  ".join(p for p in parts if p)


def _header_footer(document: Any, composition: Composition) -> None:
    section = document.sections[0]
    header = section.header.paragraphs[0]
    parts = [composition.branding.name, composition.number, _edition_label(composition)]
    header.text = _text("  ".join(p for p in parts if p))
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(_text(_footer_text(composition)) + "  第 ")
    _field_runs(footer, "PAGE", "1")
    footer.add_run(" 页")
    for paragraph in (header, footer):
        for run in paragraph.runs:
            run.font.size = Pt(9)


# --------------------------------------------------------------------------- cover and front matter


def _logo(document: Any, path: str) -> None:
    """The edition's logo on the cover; a logo that is set but cannot be read is a configuration error."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the logo: {exc.strerror or exc}", where=path) from exc
    paragraph = document.add_paragraph(style=_COVER_STYLE)
    try:
        paragraph.add_run().add_picture(io.BytesIO(data), height=Cm(2.5))
    except _IMAGE_ERRORS as exc:
        hint = " (an SVG logo needs a PNG or JPEG copy for DOCX)" if path.lower().endswith(".svg") else ""
        raise ConfigError(f"the logo is no PNG, JPEG, GIF or BMP image{hint}", where=path) from exc


def _cover_date(date: str | None) -> str | None:
    """2026-11-19 → 2026年11月19日; anything else is printed as given."""
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", date or "")
    if not match:
        return date
    year, month, day = match.groups()
    return f"{year}年{int(month)}月{int(day)}日"


def _cover(document: Any, composition: Composition) -> None:
    branding = composition.branding
    if branding.logo:
        _logo(document, branding.logo)
    title = document.add_paragraph(_text(branding.name), style="Title")
    title.paragraph_format.space_before = Pt(120)
    label = _edition_label(composition)
    lines = [
        composition.number,
        _cover_date(composition.date),
        f"专供：{label}" if label else None,
        branding.publisher,
        f"电话：{branding.contact}" if branding.contact else None,
    ]
    for line in lines:
        if line:
            document.add_paragraph(_text(line), style=_COVER_STYLE)
    if branding.cover_text:
        text = document.add_paragraph(_text(branding.cover_text), style=_COVER_STYLE)
        text.paragraph_format.space_before = Pt(48)


def _front_heading(document: Any, text: str, *, new_page: bool) -> None:
    heading = document.add_paragraph(text, style=_FRONT_HEADING_STYLE)
    if new_page:
        heading.paragraph_format.page_break_before = True


def _highlights(document: Any, highlights: list[str]) -> None:
    for line in highlights:
        document.add_paragraph(_text(line), style="List Bullet")


def _figure_value(figure: KeyFigure) -> str:
    return f"{figure.value}{figure.unit or ''}"


def _shade(cell: Any, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _key_figures(document: Any, figures: list[KeyFigure]) -> None:
    """The figures box as a table an editor can sort and edit: label, value and unit, period, source."""
    table = document.add_table(rows=1, cols=4)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("指标", "数值", "时间", "出处"), strict=True):
        cell.paragraphs[0].add_run(text).bold = True
        _shade(cell, _EXPERT_FILL)
    for figure in figures:
        cells = table.add_row().cells
        values = (figure.label, _figure_value(figure), figure.period or "", figure.sentence or "")
        for cell, text in zip(cells, values, strict=True):
            cell.paragraphs[0].add_run(_text(text))
    for column, width in zip(table.columns, _FIGURE_COLUMNS_CM, strict=True):
        for cell in column.cells:
            cell.width = Cm(width)  # Word reads the cells' widths, LibreOffice the grid's
            cell.paragraphs[0].style = document.styles[_TABLE_TEXT_STYLE]
        column.width = Cm(width)


def _caption(document: Any, number: int, spec: ChartSpec) -> None:
    """``图 N title`` with a SEQ field, so Word renumbers the figures when an editor moves one."""
    caption = document.add_paragraph(style="Caption")
    caption.add_run("图 ")
    _field_runs(caption, "SEQ 图 \\* ARABIC", str(number))
    unit = f"（{spec.unit}）" if spec.unit else ""
    caption.add_run(_text(f"  {spec.title}{unit}"))
    if spec.note:
        document.add_paragraph(_text(spec.note), style=_CHART_NOTE_STYLE)


def _charts(document: Any, specs: list[ChartSpec], charts: Mapping[int, bytes]) -> None:
    number = 0
    for index, spec in enumerate(specs):
        if index not in charts:
            continue
        number += 1
        picture = document.add_paragraph(style=_COVER_STYLE)
        picture.paragraph_format.keep_with_next = True
        try:
            picture.add_run().add_picture(io.BytesIO(charts[index]), width=Cm(14))
        except _IMAGE_ERRORS as exc:
            raise PublishError(f"chart {index} ({spec.title!r}) is not a PNG image", where="charts") from exc
        _caption(document, number, spec)


def _front_matter(document: Any, composition: Composition, charts: Mapping[int, bytes]) -> None:
    """本期要点, the key-figures box and the charts, on the page after the cover."""
    new_page = True
    if composition.highlights:
        _front_heading(document, "本期要点", new_page=new_page)
        _highlights(document, composition.highlights)
        new_page = False
    if composition.key_figures:
        _front_heading(document, "关键数据", new_page=new_page)
        _key_figures(document, composition.key_figures)
        new_page = False
    if any(index in charts for index in range(len(composition.charts))):
        _front_heading(document, "数据图表", new_page=new_page)
        _charts(document, composition.charts, charts)


# --------------------------------------------------------------------------- contents


@dataclass(slots=True, frozen=True)
class _Entry:
    """One line of the contents: a column (level 1) or an article title (level 2) and its bookmark."""

    level: int
    text: str
    bookmark: str


def _bookmark(s_index: int, p_index: int = 0) -> str:
    """Word's own naming (``_Toc`` + digits): hidden in the bookmark dialog, replaced on a field update."""
    return f"_Toc{s_index:04d}{p_index:04d}"


def _entries(composition: Composition) -> Iterator[_Entry]:
    """What the contents field lists: what ``TOC \\o "1-2"`` finds, Heading 1 and Heading 2, in order."""
    for s_index, section in enumerate(composition.sections, 1):
        yield _Entry(1, section.name, _bookmark(s_index))
        for p_index, piece in enumerate(section.pieces, 1):
            if piece.kind == ARTICLE:
                yield _Entry(2, piece.title, _bookmark(s_index, p_index))


def _internal_link(paragraph: Any, text: str, anchor: str) -> None:
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    link.set(qn("w:history"), "1")
    link.append(_link_run(text, styled=False))  # Word's own contents entries are not set as links
    paragraph._p.append(link)


def _link_run(text: str, *, styled: bool = True) -> Any:
    run = OxmlElement("w:r")
    if styled:
        props = OxmlElement("w:rPr")
        style = OxmlElement("w:rStyle")
        style.set(qn("w:val"), _LINK_STYLE)
        props.append(style)
        run.append(props)
    body = OxmlElement("w:t")
    body.set(qn("xml:space"), "preserve")
    body.text = _text(text)
    run.append(body)
    return run


def _contents(document: Any, composition: Composition) -> None:
    """目录 and a TOC field whose cached result lists the entries (no page numbers until Word updates it)."""
    heading = document.add_paragraph("目录", style="TOC Heading")
    heading.paragraph_format.page_break_before = True
    entries = list(_entries(composition))
    paragraph = document.add_paragraph(style=_TOC_STYLES[entries[0].level - 1 if entries else 0])
    _fld_char(paragraph, "begin")
    _instr(paragraph, 'TOC \\o "1-2" \\h \\z \\u')
    _fld_char(paragraph, "separate")
    for index, entry in enumerate(entries):
        if index:
            paragraph = document.add_paragraph(style=_TOC_STYLES[entry.level - 1])
        _internal_link(paragraph, entry.text, entry.bookmark)
    _fld_char(document.add_paragraph(style=_TOC_STYLES[0]), "end")


# --------------------------------------------------------------------------- columns and pieces


def _bookmarked_heading(document: Any, text: str, level: int, name: str, mark_id: int) -> Any:
    """A heading wrapped in the bookmark its contents entry links to."""
    heading = document.add_heading(level=level)
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(mark_id))
    start.set(qn("w:name"), name)
    heading._p.append(start)
    heading.add_run(_text(text))
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(mark_id))
    heading._p.append(end)
    return heading


def _source_line(document: Any, piece: Piece) -> None:
    """``来源：`` and the article's URL as a link; only web addresses are linked (no ``javascript:``)."""
    url = quote(_text(piece.url or "").strip(), safe=_URL_SAFE)
    if not url or not _LINKABLE_RE.match(url):
        return
    paragraph = document.add_paragraph("来源：", style=SOURCE_STYLE)
    r_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    link.set(qn("w:history"), "1")
    link.append(_link_run(piece.source_name or url))
    paragraph._p.append(link)


def _article(document: Any, piece: Piece, bookmark: str, mark_id: int) -> None:
    _bookmarked_heading(document, piece.title, 2, bookmark, mark_id)
    if piece.tracking:  # the parser drops this line as furniture (stages.furniture.editorial_mark)
        document.add_paragraph(_text(piece.tracking.label()), style=SOURCE_STYLE)
    subheadings = set(piece.subheadings)
    for text in piece.paragraphs:
        if text in subheadings:
            document.add_heading(_text(text), level=3)
        else:
            document.add_paragraph(_text(text))
    _source_line(document, piece)


def _expert_box(document: Any, pieces: list[Piece]) -> None:
    """A run of 专家观点 pieces in one shaded cell: the label, then each ``speaker：headline`` and its text."""
    table = document.add_table(rows=1, cols=1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    cell = table.cell(0, 0)
    _shade(cell, _EXPERT_FILL)
    cell.paragraphs[0].style = document.styles[EXPERT_LABEL_STYLE]
    cell.paragraphs[0].add_run(EXPERT_LABEL)
    for piece in pieces:
        title = piece.title or f"{piece.speaker or ''}：{piece.headline or ''}"
        cell.add_paragraph(_text(title), style=EXPERT_TITLE_STYLE)
        for text in piece.paragraphs:
            cell.add_paragraph(_text(text))
    document.add_paragraph()  # space after the box; Word also wants a paragraph after a document's last table


def _column(document: Any, s_index: int, section: Section) -> None:
    """One column on a new page: its Heading 1, then articles and 专家观点 boxes in reading order."""
    heading = _bookmarked_heading(document, section.name, 1, _bookmark(s_index), s_index * 10_000)
    heading.paragraph_format.page_break_before = True
    p_index = 0
    for block in section.blocks():
        if isinstance(block, list):
            _expert_box(document, block)
            p_index += len(block)
            continue
        p_index += 1
        _article(document, block, _bookmark(s_index, p_index), s_index * 10_000 + p_index)


# --------------------------------------------------------------------------- the file


def _issue_time(composition: Composition) -> datetime:
    """Core-property time: the issue date at midnight UTC, else a fixed instant (never the clock)."""
    try:
        return datetime.strptime(composition.date or "", "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return _FIXED_TIME


def _property(value: str) -> str:
    """A core-property value: OPC caps each at 255 characters, and a long branding name must not make
    python-docx refuse to build the file (the full name is printed on the cover anyway)."""
    return _text(value)[:_MAX_PROPERTY]


def _core_properties(document: Any, composition: Composition) -> None:
    props = document.core_properties
    title = [composition.branding.name, composition.number, composition.date_printed()]
    props.title = _property(" ".join(p for p in title if p))
    props.author = _property(composition.branding.publisher or composition.branding.name)
    props.subject = _property(_edition_label(composition) or "")
    props.language = "zh-CN"
    props.revision = 1
    when = _issue_time(composition)
    props.created = props.modified = props.last_printed = when
    props.last_modified_by = "jiance"
    props.comments = ""


def stable_zip(data: bytes) -> bytes:
    """The same archive with fixed member timestamps, so the same input gives the same bytes (a DOCX
    built twice from one composition, or a sample rendered twice, hashes the same)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def render_docx(composition: Composition, *, charts: Mapping[int, bytes] | None = None) -> bytes:
    """The composition as a .docx: cover, front matter, contents field, then the columns.

    ``charts`` maps an index of ``composition.charts`` to its PNG (from :mod:`jiance.publish.charts`);
    charts without a PNG are left out, and with ``None`` there are no chart pictures at all. Raises
    :class:`~jiance.errors.ConfigError` for a logo that is set but unreadable or a colour that is no
    ``#rrggbb``, and :class:`~jiance.errors.PublishError` for chart bytes that are no image.
    """
    document = Document()
    _page_setup(document.sections[0])
    _install_styles(document, composition.branding)
    _header_footer(document, composition)
    _cover(document, composition)
    _front_matter(document, composition, charts or {})
    _contents(document, composition)
    for s_index, section in enumerate(composition.sections, 1):
        _column(document, s_index, section)
    _core_properties(document, composition)
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())
