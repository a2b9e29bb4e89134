"""DOCX bulletins: one :class:`~jiance.records.Line` per paragraph, with the heading level Word knows.

A Word file already knows its paragraphs, so every line is a whole block (``block=True``) and the splitter
never re-flows it. The heading level comes from the paragraph style (Title → 0, the cover; Heading N → N),
else from an outline level set on the paragraph or its style, else (for files typed with plain styles and
direct formatting) from bold paragraphs set larger than the body: the largest such size is level 1, the
next level 2 and so on. Table cells come out paragraph by paragraph in reading order. Running headers and
footers go to ``meta["header"]``/``meta["footer"]``, not into the body.

A contents field (Word's TOC, with its cached entries) is furniture: its paragraphs, and those in the
``toc N``/``TOC Heading`` styles, go to ``meta["contents"]``. As on a printed contents page, what comes
before the field is the cover and front matter (name, number, highlights, a figures box) and goes to
``meta["front_matter"]`` — unless a heading precedes the field, when nothing is taken for a cover. A line
that is only a source label and a hyperlink (``来源：https://…``) is an article's source, not its text,
and goes to ``meta["sources"]``.

Before python-docx parses anything the archive is checked: a zip bomb (a ``document.xml`` that inflates
past a limit) is refused from the zip directory alone, and password-protected files (OLE containers, not
zips) are reported as encrypted.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.table import Table

from jiance.errors import (
    CorruptDocumentError,
    EmptyInputError,
    EncryptedDocumentError,
    JianceError,
    TooLargeError,
)
from jiance.readers.sniff import DOCX, ENCRYPTED_PACKAGE, OLE_SIGNATURE, ZIP_ERRORS
from jiance.records import Line, SourceText
from jiance.text import normalize_line

__all__ = ["MAX_DOCUMENT_XML_BYTES", "read_docx"]

MAX_DOCUMENT_XML_BYTES = 64 * 2**20  # a 300-page bulletin is under 10 MiB of XML
MAX_TOTAL_BYTES = 512 * 2**20
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE_RE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLES = {"title", "标题"}
_MAX_HEADING_CHARS = 60
_TOC_STYLE_RE = re.compile(r"^toc(?:\s*\d|\s+heading)$", re.IGNORECASE)
_SOURCE_LINE_RE = re.compile(r"^(?:来源|出处|原文链接|原文|source)\s*[:：]\s*(?P<rest>.+)$", re.IGNORECASE)


@dataclass(slots=True)
class _Para:
    """A paragraph's text and formatting before heading levels are assigned."""

    text: str
    style_level: int | None
    bold: bool | None
    size: float | None


def _check_archive(data: bytes, path: str, limit: int) -> None:
    """Refuse encrypted, non-zip and oversized files before python-docx inflates anything."""
    if data.startswith(OLE_SIGNATURE):
        what = (
            "password protected"
            if ENCRYPTED_PACKAGE in data
            else "an OLE container (password protected or .doc)"
        )
        raise EncryptedDocumentError(f"encrypted DOCX: {what}", where=path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except ZIP_ERRORS as exc:
        raise CorruptDocumentError(f"not a valid DOCX (zip) file: {exc}", where=path) from exc
    sizes = {info.filename: info.file_size for info in infos}
    if "word/document.xml" not in sizes:
        raise CorruptDocumentError("not a DOCX: the archive has no word/document.xml", where=path)
    if sizes["word/document.xml"] > limit:
        raise TooLargeError(
            f"word/document.xml inflates to {sizes['word/document.xml']:,} bytes (limit {limit:,}): refused",
            where=path,
        )
    if sum(sizes.values()) > max(limit, MAX_TOTAL_BYTES):
        raise TooLargeError(f"the archive inflates to {sum(sizes.values()):,} bytes: refused", where=path)


class _Styles:
    """Style lookups of one document, remembered.

    python-docx finds a paragraph's or run's style by scanning every style in the file on each access (the
    default style above all), so a bulletin of a few hundred paragraphs in a template with a hundred styles
    spent seconds there, enough to run into ``parse_timeout_s`` on a busy machine.
    """

    def __init__(self, document: Any) -> None:
        self._styles = document.styles
        self._by_id: dict[tuple[str | None, int], Any] = {}
        self._chains: dict[tuple[str | None, int], list[Any]] = {}

    def _get(self, style_id: str | None, kind: int) -> Any:
        key = (style_id, kind)
        if key not in self._by_id:
            self._by_id[key] = self._styles.get_by_id(style_id, kind)
        return self._by_id[key]

    def of_paragraph(self, paragraph: Any) -> Any:
        return self._get(paragraph._p.style, WD_STYLE_TYPE.PARAGRAPH)

    def of_run(self, run: Any) -> Any:
        return self._get(run._r.style, WD_STYLE_TYPE.CHARACTER)

    def chain(self, paragraph: Any) -> list[Any]:
        """The paragraph's style and the styles it is based on, nearest first (a cycle is cut)."""
        key = (paragraph._p.style, WD_STYLE_TYPE.PARAGRAPH)
        if key not in self._chains:
            chain: list[Any] = []
            style = self.of_paragraph(paragraph)
            while style is not None and all(style.element is not seen.element for seen in chain):
                chain.append(style)
                style = style.base_style
            self._chains[key] = chain
        return self._chains[key]


def _outline_level(paragraph: Any, styles: _Styles) -> int | None:
    """The w:outlineLvl of the paragraph or its style chain, as a 1-based heading level (9 = body)."""
    elements = [paragraph._p] + [style.element for style in styles.chain(paragraph)]
    for element in elements:
        props = element.find(_W + "pPr")
        if props is None:
            continue
        found = props.find(_W + "outlineLvl")
        if found is not None:
            raw = found.get(_W + "val", "9")
            value = int(raw) if raw.isdigit() else 9
            return value + 1 if value < 9 else None
    return None


def _style_level(paragraph: Any, styles: _Styles) -> int | None:
    for style in styles.chain(paragraph):
        name = (style.name or "").strip().lower()
        if name in _TITLE_STYLES:
            return 0
        match = _HEADING_STYLE_RE.match(name)
        if match:
            return int(match.group(1))
    return _outline_level(paragraph, styles)


def _inherited(run: Any, paragraph: Any, attribute: str, styles: _Styles) -> Any:
    """A run's font attribute, falling back to its character style and then the paragraph style chain."""
    value = getattr(run.font, attribute)
    if value is not None:
        return value
    run_style = styles.of_run(run)
    for style in ([run_style] if run_style is not None else []) + styles.chain(paragraph):
        value = getattr(style.font, attribute)
        if value is not None:
            return value
    return None


def _join_breaks(text: str) -> str:
    """Join the pieces of a paragraph broken by soft line breaks, with a space only between Latin words."""
    pieces = [piece.strip() for piece in text.split("\n") if piece.strip()]
    out = pieces[0] if pieces else ""
    for piece in pieces[1:]:
        latin = out[-1:].isascii() and out[-1:].isalnum() and piece[:1].isascii() and piece[:1].isalnum()
        out += (" " if latin else "") + piece
    return out


def _para(paragraph: Any, default_size: float | None, styles: _Styles) -> _Para | None:
    text = normalize_line(_join_breaks(paragraph.text.replace("\t", " "))).strip()
    if not text:
        return None
    runs = [run for run in paragraph.runs if run.text.strip()]
    bolds = [bool(_inherited(run, paragraph, "bold", styles)) for run in runs]
    sizes: Counter[float] = Counter()
    for run in runs:
        size = _inherited(run, paragraph, "size", styles)
        points = size.pt if size is not None else default_size
        if points is not None:
            sizes[float(points)] += len(run.text)
    return _Para(
        text=text,
        style_level=_style_level(paragraph, styles),
        bold=all(bolds) if bolds else None,
        size=sizes.most_common(1)[0][0] if sizes else None,
    )


def _blocks(container: Any) -> Iterator[Any]:
    """Paragraphs of a body or cell in reading order, descending into tables cell by cell."""
    for item in container.iter_inner_content():
        if isinstance(item, Table):
            seen: set[Any] = set()  # the elements themselves: lxml keeps one proxy per live element
            for row in item.rows:
                for cell in row.cells:
                    if cell._tc in seen:  # a merged cell repeats in every row and column it spans
                        continue
                    seen.add(cell._tc)
                    yield from _blocks(cell)
        else:
            yield item


class _FieldTracker:
    """Whether paragraphs lie inside a TOC field: complex fields span paragraphs and nest (PAGEREF in TOC)."""

    def __init__(self) -> None:
        self.stack: list[str] = []  # the instruction text of each open field, outermost first

    def _in_toc(self) -> bool:
        return any(instr.lstrip().upper().startswith("TOC") for instr in self.stack)

    def inside(self, paragraph: Any) -> bool:
        """Advance over the paragraph's field marks; True if any point of it is inside a TOC field."""
        found = self._in_toc()
        for element in paragraph._p.iter(_W + "fldChar", _W + "instrText", _W + "fldSimple"):
            if element.tag == _W + "fldSimple":
                found = found or element.get(_W + "instr", "").lstrip().upper().startswith("TOC")
            elif element.tag == _W + "instrText" and self.stack:
                self.stack[-1] += element.text or ""
            elif element.get(_W + "fldCharType") == "begin":
                self.stack.append("")
            elif element.get(_W + "fldCharType") == "end" and self.stack:
                self.stack.pop()
            found = found or self._in_toc()
        return found


def _contents_style(paragraph: Any, styles: _Styles) -> bool:
    style = styles.of_paragraph(paragraph)
    name = (style.name or "") if style is not None else ""
    return bool(_TOC_STYLE_RE.match(name.strip()))


def _source_line(paragraph: Any) -> bool:
    """``来源：`` and nothing but hyperlinks after it: where the article came from, not what it says."""
    match = _SOURCE_LINE_RE.match(paragraph.text.strip())
    links = "".join("".join(link.text.split()) for link in paragraph.hyperlinks)
    return match is not None and bool(links) and "".join(match.group("rest").split()) == links


@dataclass(slots=True)
class _Sorted:
    """The body's paragraphs sorted into article text and the furniture a Word file carries in its body."""

    body: list[Any]
    front_matter: list[str]
    contents: list[str]
    sources: list[str]


def _sort_blocks(document: Any, styles: _Styles) -> _Sorted:
    """Set apart the contents field, the cover before it and source lines; the rest is the body."""
    fields = _FieldTracker()
    kinds: list[tuple[str, Any]] = []
    for block in _blocks(document):
        in_toc = fields.inside(block)
        toc = in_toc or _contents_style(block, styles)
        kind = "contents" if toc else "source" if _source_line(block) else "body"
        kinds.append((kind, block))
    first_toc = next((i for i, (kind, _) in enumerate(kinds) if kind == "contents"), 0)
    if any(kind == "body" and (_style_level(b, styles) or 0) >= 1 for kind, b in kinds[:first_toc]):
        first_toc = 0  # a heading before the contents: no cover to set apart
    out = _Sorted([], [], [], [])
    for index, (kind, block) in enumerate(kinds):
        text = normalize_line(block.text).strip()
        if kind == "contents":
            out.contents.append(text)
        elif index < first_toc:
            out.front_matter.append(text)
        elif kind == "source":
            out.sources.append(text)
        else:
            out.body.append(block)
    return out


def _default_size(document: Any) -> float | None:
    """The document default run size (docDefaults), used when no style sets one."""
    normal = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    size = normal.font.size if normal is not None else None
    if size is not None:
        return float(size.pt)
    defaults = document.styles.element.find(_W + "docDefaults")
    if defaults is None:
        return None
    for element in defaults.iter(_W + "sz"):
        value = element.get(_W + "val")
        if value and value.isdigit():
            return int(value) / 2
    return None


def _assign_levels(paras: list[_Para]) -> list[int | None]:
    """Style or outline levels where set; otherwise rank bold short paragraphs set above the body size."""
    sized = Counter[float]()
    for para in paras:
        if para.size is not None:
            sized[para.size] += len(para.text)
    body = sized.most_common(1)[0][0] if sized else None
    candidates = sorted(
        {
            p.size
            for p in paras
            if p.style_level is None
            and p.bold
            and p.size
            and body
            and p.size > body
            and len(p.text) <= _MAX_HEADING_CHARS
        },
        reverse=True,
    )
    rank = {size: min(index + 1, 3) for index, size in enumerate(candidates)}
    return [
        p.style_level
        if p.style_level is not None
        else (rank.get(p.size) if p.bold and p.size and len(p.text) <= _MAX_HEADING_CHARS else None)
        for p in paras
    ]


def _furniture(document: Any, part: str) -> str:
    """The distinct paragraphs of every section's headers (or footers), one per line."""
    texts: list[str] = []
    for section in document.sections:
        for kind in (part, f"first_page_{part}", f"even_page_{part}"):
            holder = getattr(section, kind)
            if holder.is_linked_to_previous and kind != part:
                continue
            for paragraph in holder.paragraphs:
                text = normalize_line(paragraph.text).strip()
                if text and text not in texts:
                    texts.append(text)
    return "\n".join(texts)


def _open(data: bytes, path: str) -> Any:
    try:
        return docx.Document(io.BytesIO(data))
    except MemoryError:
        raise  # the sandbox reports it as the memory limit
    except Exception as exc:  # python-docx raises KeyError, ValueError or lxml errors on broken parts
        raise CorruptDocumentError(f"malformed DOCX: {type(exc).__name__}: {exc}", where=path) from exc


def read_docx(data: bytes, path: str, *, max_xml_bytes: int = MAX_DOCUMENT_XML_BYTES) -> SourceText:
    """Read a DOCX file into paragraph lines with heading levels, weight and size for the splitter.

    Only project errors leave: python-docx meets broken parts lazily (a style, a relationship, a number
    that is not one) and raises whatever its internals raise; that is a corrupt document to the caller.
    """
    _check_archive(data, path, max_xml_bytes)
    document = _open(data, path)
    try:
        return _read(document, path)
    except (JianceError, MemoryError):
        raise
    except Exception as exc:
        raise CorruptDocumentError(f"malformed DOCX: {type(exc).__name__}: {exc}", where=path) from exc


def _read(document: Any, path: str) -> SourceText:
    styles = _Styles(document)
    default = _default_size(document)
    blocks = _sort_blocks(document, styles)
    paras = [p for p in (_para(block, default, styles) for block in blocks.body) if p is not None]
    if not paras:
        raise EmptyInputError("the DOCX holds no text", where=path)
    lines = [
        Line(text=p.text, lineno=number, size=p.size, bold=p.bold, heading=level, block=True)
        for number, (p, level) in enumerate(zip(paras, _assign_levels(paras), strict=True), start=1)
    ]
    meta = {"header": _furniture(document, "header"), "footer": _furniture(document, "footer")}
    for key, texts in (
        ("front_matter", blocks.front_matter),
        ("contents", blocks.contents),
        ("sources", blocks.sources),
    ):
        meta[key] = "\n".join(t for t in texts if t)
    props = document.core_properties
    meta.update({"title": props.title or "", "author": props.author or ""})
    return SourceText(path=path, media_type=DOCX, lines=lines, meta={k: v for k, v in meta.items() if v})
