"""PDF bulletins: characters with their positions and fonts, grouped into visual lines in reading order.

pdfminer.six parses the file and hands us each glyph (no layout analysis: ``laparams=None`` is several times
faster and its box grouping would only be undone). Glyphs are grouped into lines by baseline, sorted left
to right, and each line keeps what the splitter needs to tell titles from body: the median glyph size, the
dominant weight (a font named ``…Bold``/``Heavy``/``Black``/``Semibold``, or a font descriptor with
FontWeight ≥ 600 or the ForceBold flag) and the left and right edges.

Two-column pages are detected per band of lines: where a vertical gutter near the middle of the page
separates several lines into a left and a right part, the band is emitted left column first. Lines that
cross the gutter (titles, running headers) end a band. Fake bold drawn by stroking the glyph outline
(text render mode 2) is not seen, because pdfminer does not pass the render mode on to the device.
"""

from __future__ import annotations

import io
import itertools
import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer, LTImage, LTPage
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser, PDFSyntaxError
from pdfminer.pdftypes import PDFObjRef, resolve1
from pdfminer.utils import decode_text

from jiance.errors import (
    CorruptDocumentError,
    EmptyInputError,
    EncryptedDocumentError,
    JianceError,
    NoTextLayerError,
)
from jiance.records import Line, SourceText
from jiance.text import is_cjk, normalize_line

__all__ = ["read_pdf"]

MEDIA_TYPE = "application/pdf"
_BOLD_NAME_RE = re.compile(r"bold|heavy|black|semibold|demi|[-,]b$|\bhei[-_]?b", re.IGNORECASE)
_FORCE_BOLD_FLAG = 1 << 18
_LATIN_GAP_EM = 0.25
_GUTTER_EM = 1.5
_MIN_SPLIT_LINES = 3


@dataclass(slots=True)
class _Glyph:
    text: str
    x0: float
    x1: float
    top: float
    baseline: float
    size: float
    bold: bool


@dataclass(slots=True)
class _PageGlyphs:
    glyphs: list[_Glyph]
    width: float
    images: int


def _font_is_bold(font: Any) -> bool:
    """Weight from the font's name or its descriptor (FontWeight, ForceBold flag)."""
    name = str(getattr(font, "fontname", "") or "")
    if _BOLD_NAME_RE.search(name.split("+", 1)[-1]):
        return True
    descriptor = getattr(font, "descriptor", None) or {}
    try:
        weight = float(descriptor.get("FontWeight", 0) or 0)
        flags = int(descriptor.get("Flags", 0) or 0)
    except (TypeError, ValueError):
        return False
    return weight >= 600 or bool(flags & _FORCE_BOLD_FLAG)


def _collect(page_layout: LTPage, bold_of: dict[str, bool]) -> _PageGlyphs:
    """Walk one LTPage (and its figures) and keep the glyphs as small records, y growing downwards."""
    page_height = float(page_layout.height)
    glyphs: list[_Glyph] = []
    images = 0
    stack: list[Any] = [page_layout]
    while stack:
        item = stack.pop()
        if isinstance(item, LTChar):
            if not item.upright:
                continue
            glyphs.append(
                _Glyph(
                    text=item.get_text(),
                    x0=item.x0,
                    x1=item.x1,
                    top=page_height - item.y1,
                    baseline=page_height - item.y0,
                    size=item.size,
                    bold=bold_of.get(item.fontname, False),
                )
            )
        elif isinstance(item, LTImage):
            images += 1
        elif isinstance(item, LTContainer):
            stack.extend(item)
    return _PageGlyphs(glyphs=glyphs, width=float(page_layout.width), images=images)


def _group_lines(glyphs: list[_Glyph]) -> list[list[_Glyph]]:
    """Group glyphs whose baselines lie within a third of their size into lines, top to bottom."""
    lines: list[list[_Glyph]] = []
    current: list[_Glyph] = []
    base = 0.0
    for glyph in sorted(glyphs, key=lambda g: (round(g.baseline, 1), g.x0)):
        if current and abs(glyph.baseline - base) <= max(1.0, 0.3 * glyph.size):
            current.append(glyph)
            continue
        if current:
            lines.append(current)
        current, base = [glyph], glyph.baseline
    if current:
        lines.append(current)
    for line in lines:
        line.sort(key=lambda g: g.x0)
    return lines


def _em(line: list[_Glyph]) -> float:
    return statistics.median(g.size for g in line) if line else 10.0


def _wide_gaps(line: list[_Glyph]) -> Iterator[tuple[float, float]]:
    """Horizontal gaps wider than the gutter threshold between successive glyphs of one line."""
    threshold = _GUTTER_EM * _em(line)
    ink = [g for g in line if not g.text.isspace()]
    for left, right in itertools.pairwise(ink):
        if right.x0 - left.x1 >= threshold:
            yield left.x1, right.x0


_MIN_COLUMN_GLYPHS = 4


def _words_beside(line: list[_Glyph], a: float, b: float) -> int:
    """Glyphs of real text (not spaces, dots or digits) on the poorer side of a gap from ``a`` to ``b``."""

    def wordy(g: _Glyph) -> bool:
        return not (g.text.isspace() or g.text in ".．·…" or g.text.isdigit())

    left = sum(1 for g in line if g.x1 <= a and wordy(g))
    right = sum(1 for g in line if g.x0 >= b and wordy(g))
    return min(left, right)


def _find_gutter(lines: list[list[_Glyph]], width: float) -> float | None:
    """An x near the page's middle that a wide gap covers in several lines, or None (one column)."""
    lo, hi = 0.3 * width, 0.7 * width
    counts: dict[int, int] = {}
    for line in lines:
        for a, b in _wide_gaps(line):
            # A column has words on both sides of the gap: leader dots and page numbers are not one.
            if _words_beside(line, a, b) < _MIN_COLUMN_GLYPHS:
                continue
            for x in range(int(max(a, lo)) + 1, int(min(b, hi))):
                counts[x] = counts.get(x, 0) + 1
    if not counts:
        return None
    best = max(counts.values())
    if best < _MIN_SPLIT_LINES:
        return None
    xs = [x for x, n in counts.items() if n == best]
    return float(statistics.median(xs))


def _split_at(line: list[_Glyph], gutter: float) -> tuple[list[_Glyph], list[_Glyph], bool]:
    """The parts of a line left and right of the gutter, and whether the line crosses it."""
    left = [g for g in line if g.x1 <= gutter]
    right = [g for g in line if g.x0 >= gutter]
    if len(left) + len(right) < len(line):
        return line, [], True
    if left and right and right[0].x0 - left[-1].x1 < _GUTTER_EM * _em(line):
        return line, [], True
    return left, right, False


def _reading_order(lines: list[list[_Glyph]], width: float) -> list[list[_Glyph]]:
    """Lines in reading order: bands of two-column lines are emitted left column first."""
    gutter = _find_gutter(lines, width)
    if gutter is None:
        return lines
    ordered: list[list[_Glyph]] = []
    lefts: list[list[_Glyph]] = []
    rights: list[list[_Glyph]] = []

    def flush() -> None:
        ordered.extend(lefts)
        ordered.extend(rights)
        lefts.clear()
        rights.clear()

    for line in lines:
        left, right, crosses = _split_at(line, gutter)
        if crosses:
            flush()
            ordered.append(line)
            continue
        if left:
            lefts.append(left)
        if right:
            rights.append(right)
    flush()
    return [line for line in ordered if any(not g.text.isspace() for g in line)]


def _needs_space(prev: _Glyph, glyph: _Glyph, spaced: bool) -> bool:
    """Whether the gap between two inked glyphs reads as a word space.

    A gap over an em always does (header fields, tab stops); between Latin letters or digits a quarter em
    or a space glyph does; between two Chinese characters or punctuation marks nothing else does
    (justification stretches those gaps).
    """
    em = max(glyph.size, prev.size)
    gap = glyph.x0 - prev.x1
    if gap > em:
        return True
    wide = _is_wide(prev.text[-1:]) + _is_wide(glyph.text[:1])
    if wide == 2:
        return spaced  # a typed space between two Chinese phrases (a two-part title) is kept
    if wide == 1:
        return spaced  # an authored space between Chinese and Latin text is kept, never invented
    return spaced or gap > _LATIN_GAP_EM * em


def _is_wide(ch: str) -> bool:
    """Han characters and full-width punctuation: no word spaces around them."""
    return is_cjk(ch) or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"


def _line_text(line: list[_Glyph]) -> str:
    """Join a line's glyphs, with spaces where the geometry (not the space glyphs alone) says so."""
    parts: list[str] = []
    prev: _Glyph | None = None
    spaced = False
    for glyph in line:
        if glyph.text.isspace():
            spaced = True
            continue
        if prev is not None and _needs_space(prev, glyph, spaced):
            parts.append(" ")
        parts.append(glyph.text)
        prev, spaced = glyph, False
    return normalize_line("".join(parts)).strip()


def _make_line(glyphs: list[_Glyph], lineno: int, page: int) -> Line:
    ink = [g for g in glyphs if not g.text.isspace()]
    bold_share = sum(len(g.text) for g in ink if g.bold) / max(1, sum(len(g.text) for g in ink))
    return Line(
        text=_line_text(glyphs),
        lineno=lineno,
        page=page,
        size=round(statistics.median(g.size for g in ink), 1),
        bold=bold_share > 0.5,
        x0=round(ink[0].x0, 1),
        x1=round(max(g.x1 for g in ink), 1),
    )


_MAX_REFERENCE_CHAIN = 32


class _Document(PDFDocument):
    """pdfminer's document with indirect references resolved here, where a cycle can be refused.

    ``resolve1`` follows a reference to a reference until it reaches an object, so an object that is a
    reference to itself (``6 0 obj 6 0 R endobj``) kept pdfminer looping forever on a 600-byte file
    (found by fuzz_pdf). Returning the end of the chain, not the next link, changes nothing else.
    """

    def getobj(self, objid: int) -> object:
        seen = {objid}
        found = super().getobj(objid)
        while isinstance(found, PDFObjRef):
            if found.objid in seen or len(seen) > _MAX_REFERENCE_CHAIN:
                raise PDFSyntaxError(f"object {objid} is a cycle of references")
            seen.add(found.objid)
            found = super().getobj(found.objid)
        return found


def _open(data: bytes, path: str) -> PDFDocument:
    """Parse the document structure, turning pdfminer's failures into our error hierarchy."""
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise CorruptDocumentError("not a PDF: no %PDF header", where=path)
    if b"%%EOF" not in data[-4096:]:
        raise CorruptDocumentError("truncated PDF: the file does not end with %%EOF", where=path)
    try:
        return _Document(PDFParser(io.BytesIO(data)), password="")
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise EncryptedDocumentError("encrypted PDF: password protected", where=path) from exc
    except MemoryError:
        raise  # an inflating stream: the sandbox reports the memory limit, not a corrupt file
    except Exception as exc:  # pdfminer raises many unrelated types on malformed input
        raise CorruptDocumentError(f"malformed PDF: {type(exc).__name__}: {exc}", where=path) from exc


def _title(document: PDFDocument) -> str | None:
    for info in document.info or []:
        raw = resolve1(info.get("Title")) if isinstance(info, dict) else None
        if isinstance(raw, bytes):
            raw = decode_text(raw)
        if isinstance(raw, str) and raw.strip():
            return raw.strip()
    return None


class _GlyphDevice(PDFPageAggregator):
    """A page aggregator that turns upright horizontal glyphs straight into :class:`_Glyph` records.

    Building pdfminer's LTChar objects costs a quarter of the reading time and LTChar forgets the font's
    descriptor, where the weight may sit; rotated, skewed or vertical text takes pdfminer's own path and
    is picked up from the layout tree afterwards.
    """

    def __init__(self, manager: PDFResourceManager) -> None:
        super().__init__(manager, laparams=None)
        self.bold_of: dict[str, bool] = {}
        self.glyphs: list[_Glyph] = []
        self._height = 0.0

    def begin_page(self, page: PDFPage, ctm: Any) -> None:
        super().begin_page(page, ctm)
        self.glyphs = []
        self._height = float(self.cur_item.height)

    def render_char(
        self, matrix: Any, font: Any, fontsize: float, scaling: float, rise: float, cid: int, *rest: Any
    ) -> float:
        a, b, c, d, e, f = matrix
        if b or c or a <= 0 or d <= 0 or font.is_vertical():
            advance: float = super().render_char(matrix, font, fontsize, scaling, rise, cid, *rest)
            return advance
        bold = self.bold_of.get(font.fontname)
        if bold is None:
            bold = self.bold_of[font.fontname] = _font_is_bold(font)
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = self.handle_undefined_char(font, cid)
        adv = font.char_width(cid) * fontsize * scaling
        y0 = f + d * (font.get_descent() * fontsize + rise)
        size = d * fontsize
        self.glyphs.append(
            _Glyph(text, e, e + a * adv, self._height - y0 - size, self._height - y0, size, bold)
        )
        return float(adv)


def _pages(document: PDFDocument, path: str) -> Iterator[_PageGlyphs]:
    """Interpret each page in turn; coordinates come relative to the media box's lower left corner."""
    manager = PDFResourceManager(caching=True)
    device = _GlyphDevice(manager)
    interpreter = PDFPageInterpreter(manager, device)
    try:
        for page in PDFPage.create_pages(document):
            interpreter.process_page(page)
            collected = _collect(device.get_result(), device.bold_of)
            collected.glyphs.extend(device.glyphs)
            yield collected
    except MemoryError:
        raise
    except Exception as exc:  # a broken content stream or object deep in the file
        raise CorruptDocumentError(f"malformed PDF page: {type(exc).__name__}: {exc}", where=path) from exc


def read_pdf(data: bytes, path: str) -> SourceText:
    """Read a PDF's text layer into visual lines with size, weight, edges and page for the splitter.

    Only project errors leave (and ``MemoryError``, which the sandbox reports as its memory limit):
    pdfminer resolves objects lazily, so a broken one can surface anywhere, down to the title.
    """
    document = _open(data, path)
    try:
        return _read(document, path)
    except (JianceError, MemoryError):
        raise
    except Exception as exc:
        raise CorruptDocumentError(f"malformed PDF: {type(exc).__name__}: {exc}", where=path) from exc


def _read(document: PDFDocument, path: str) -> SourceText:
    lines: list[Line] = []
    pages = images = 0
    width: float | None = None
    for page in _pages(document, path):
        pages += 1
        images += page.images
        width = width if width is not None else round(page.width, 1)
        for glyphs in _reading_order(_group_lines(page.glyphs), page.width):
            line = _make_line(glyphs, len(lines) + 1, pages)
            if line.text:
                lines.append(line)
    if not lines:
        if images:
            raise NoTextLayerError("no text layer (image-only PDF): run OCR first", where=path)
        raise EmptyInputError("the PDF holds no text", where=path)
    meta = {"title": title} if (title := _title(document)) else {}
    return SourceText(path=path, media_type=MEDIA_TYPE, lines=lines, pages=pages, page_width=width, meta=meta)
