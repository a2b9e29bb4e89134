"""The printed bulletin: the print variant of the HTML, laid out and written by WeasyPrint.

Everything a page needs is in the HTML (inline CSS, inline SVG charts, a data: logo), so the renderer
fetches nothing: :class:`AssetFetcher` allows ``data:`` URLs and the package's own ``assets`` folder and
refuses every other URL (a hostile ``<img src>`` smuggled into an article could otherwise make the
renderer read local files or call the network). Fonts are the system's CJK fonts that
``scripts/setup-system.sh`` installs; WeasyPrint embeds and subsets them. :func:`check_pdf` reads the
written file back to verify what the issue promises: contents page numbers equal the pages where titles
start, fonts are embedded and subset, and the text is extractable.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jiance.errors import PublishError
from jiance.publish.html import RenderedChart, render_html
from jiance.publish.model import Composition

__all__ = ["AssetFetcher", "PdfCheck", "PdfResult", "check_pdf", "render_pdf"]

_LOG = logging.getLogger(__name__)


def _assets_dir() -> Path:
    return Path(str(resources.files("jiance.publish") / "assets")).resolve()


def _fetcher_base() -> type:
    from weasyprint.urls import URLFetcher

    return URLFetcher  # type: ignore[no-any-return]


class AssetFetcher(_fetcher_base()):  # type: ignore[misc]
    """WeasyPrint's fetcher limited to ``data:`` URLs and files inside the package's assets folder.

    ``blocked`` lists every URL refused, so a test (or a curious editor) can see what an input tried.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, timeout=1)
        self.blocked: list[str] = []
        self._root = _assets_dir()

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.lower().startswith("data:"):
            return super().fetch(url, headers)
        if url.lower().startswith("file:"):
            from urllib.parse import unquote, urlsplit

            path = Path(unquote(urlsplit(url).path)).resolve()
            if path.is_relative_to(self._root) and path.is_file():
                return super().fetch(url, headers)
        self.blocked.append(url)
        raise ValueError(f"jiance renders offline: {url} is not a data: URL or a jiance asset")


@dataclass(slots=True)
class PdfResult:
    """A written PDF, its page count, and the URLs the renderer refused."""

    data: bytes
    pages: int
    blocked: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Collect(logging.Handler):
    """Keeps WeasyPrint's warnings (a bad CSS value, a refused URL) to report them with the build."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _weasy_warnings() -> Iterator[_Collect]:
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def _layout(html: str, fetcher: AssetFetcher) -> Any:
    """WeasyPrint's first half: parse, cascade, shape and paginate ``html`` into a ``Document`` of pages.

    Each call gets WeasyPrint's fresh font configuration: keeping one per thread across renders writes the
    same bytes but saved only 1-2% of a second render (benchmarks/bench_publish.py), not worth the state.
    """
    from weasyprint import HTML

    source = HTML(string=html, base_url=_assets_dir().as_uri() + "/", url_fetcher=fetcher)
    return source.render()


def _write(document: Any, comp: Composition) -> bytes:
    """WeasyPrint's second half: paint the laid-out pages, subset and embed the fonts, compress, serialise.

    Options stay at WeasyPrint's defaults where they matter (fonts subset, no hinting, compressed
    streams): writing uncompressed saves only the ~0.15 s zlib takes on 40 pages and makes the file 3.6
    times larger; hinting keeps the time and adds 7% to the size (benchmarks/bench_publish.py tries both).
    """
    data: bytes = document.write_pdf(
        pdf_identifier=f"jiance-{comp.issue_id}-{comp.edition}".encode(),
        uncompressed_pdf=False,
        custom_metadata=True,
    )
    return data


def _unlink_placeholders(html: str) -> str:
    """Drop the ``href="#"`` that :func:`~jiance.publish.html.safe_url` leaves for a refused link: WeasyPrint
    resolves it against the assets folder, so the client's PDF would get a ``file:`` link naming the
    install path. Anchors of the contents are ``#name``, never a bare ``#``, and keep their links."""
    return html.replace(' href="#"', "")


def render_pdf(comp: Composition, *, charts: Sequence[RenderedChart] = ()) -> PdfResult:
    """Lay out and write the bulletin. An empty composition is refused: an empty file helps no one."""
    if comp.empty:
        raise PublishError(f"edition {comp.edition!r} of issue {comp.issue_id} has nothing to print")
    html = _unlink_placeholders(render_html(comp, variant="print", charts=charts))
    fetcher = AssetFetcher()
    with _weasy_warnings() as caught:
        document = _layout(html, fetcher)
        data = _write(document, comp)
    return PdfResult(data=data, pages=len(document.pages), blocked=fetcher.blocked, warnings=caught.messages)


# -- reading the written PDF back ------------------------------------------------------------------------

_ENTRY_RE = re.compile(r"^(?P<title>(?:[^.·…].*?)?)[.·…]{3,}(?P<page>\d+)$")  # on squashed lines


@dataclass(slots=True)
class PdfCheck:
    """What :func:`check_pdf` found. ``problems`` is empty for a good file."""

    pages: int
    title_pages: dict[str, int]  # title → page where its first line is printed
    contents_pages: dict[str, int]  # title → page the contents page gives
    fonts: list[tuple[str, bool, bool]]  # (name, embedded, subset)
    problems: list[str] = field(default_factory=list)


def _page_lines(data: bytes) -> list[list[str]]:
    """Printed lines of every page, top to bottom. pdfminer splits a contents line into its title and
    its leader-and-number boxes, so boxes are re-joined by baseline (within 2 pt) and ordered by x."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer, LTTextLine

    pages: list[list[str]] = []
    for layout in extract_pages(io.BytesIO(data), laparams=LAParams()):
        boxes = [
            (line.y0, line.x0, line.get_text().strip())
            for element in layout
            if isinstance(element, LTTextContainer)
            for line in element
            if isinstance(line, LTTextLine) and line.get_text().strip()
        ]
        rows: list[tuple[float, list[tuple[float, str]]]] = []
        for y, x, text in sorted(boxes, key=lambda b: (-b[0], b[1])):
            if rows and abs(rows[-1][0] - y) <= 2.0:
                rows[-1][1].append((x, text))
            else:
                rows.append((y, [(x, text)]))
        pages.append([" ".join(t for _, t in sorted(parts)) for _, parts in rows])
    return pages


def _fonts(data: bytes) -> list[tuple[str, bool, bool]]:
    """Every font the PDF uses: base name, whether its program is embedded, whether it is a subset."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    doc = PDFDocument(PDFParser(io.BytesIO(data)))
    found: dict[str, tuple[str, bool, bool]] = {}
    for page in PDFPage.create_pages(doc):
        for font in (resolve1(page.resources.get("Font")) or {}).values():
            spec = resolve1(font)
            descendants = resolve1(spec.get("DescendantFonts")) or [spec]
            for desc in descendants:
                desc = resolve1(desc)
                descriptor = resolve1(desc.get("FontDescriptor")) or {}
                name = str(resolve1(spec.get("BaseFont")) or "").lstrip("/").strip("'")
                embedded = any(k in descriptor for k in ("FontFile", "FontFile2", "FontFile3"))
                found[name] = (name, embedded, bool(re.match(r"^[A-Z]{6}\+", name)))
    return sorted(found.values())


def _squash(text: str) -> str:
    """Text without spaces and without format characters (zero-width space, bidi controls): neither is
    drawn, so neither comes back out of the PDF, and a title holding one must still be found."""
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


def _title_pages(pages: list[list[str]], titles: list[str], first_body: int) -> dict[str, int]:
    """Page where each title starts, titles searched in reading order through the body's text (so a
    title that is a prefix of a later one, or wraps over two lines, is still placed right)."""
    text, starts = "", []
    for index in range(first_body, len(pages)):
        starts.append((len(text), index + 1))
        text += "".join(_squash(t) for t in pages[index])
    found: dict[str, int] = {}
    position = 0
    for title in titles:
        at = text.find(_squash(title), position)
        if at < 0:
            continue
        found.setdefault(title, max(page for offset, page in starts if offset <= at))
        position = at + len(_squash(title))
    return found


def check_pdf(data: bytes, comp: Composition) -> PdfCheck:
    """Read a built PDF back: where each title starts, what the contents page says, which fonts."""
    pages = _page_lines(data)
    titles = [p.title for s in comp.sections for p in s.articles]
    head = _squash(comp.sections[0].name) if comp.sections else ""
    first_body = next((i for i, lines in enumerate(pages) if any(_squash(t) == head for t in lines)), 0)
    contents: dict[str, int] = {}
    for lines in pages[:first_body]:
        _read_contents([_squash(t) for t in lines], titles, contents)
    check = PdfCheck(len(pages), _title_pages(pages, titles, first_body), contents, _fonts(data))
    for title in titles:
        if title not in check.title_pages:
            check.problems.append(f"title not found in the text: {title}")
        elif contents.get(title) != check.title_pages[title]:
            check.problems.append(
                f"contents says p.{contents.get(title)} for {title}, it starts on p.{check.title_pages[title]}"
            )
    check.problems += _orphans(pages[first_body:], comp, first_body + 1)
    check.problems += [f"font not embedded: {n}" for n, emb, _ in check.fonts if not emb]
    check.problems += [f"font not subset: {n}" for n, emb, sub in check.fonts if emb and not sub]
    return check


def _read_contents(lines: list[str], titles: list[str], out: dict[str, int]) -> None:
    """Contents entries of one page. A long title wraps and its number sits on the last line, so an
    entry is tried alone, then with one and two of the lines before it."""
    wanted = {_squash(t): t for t in titles}
    before: list[str] = []
    for line in lines:
        match = _ENTRY_RE.match(line)
        if not match:
            before = [*before[-1:], line]
            continue
        head = match.group("title")
        for text in (head, before[-1] + head if before else None, "".join(before) + head):
            if text in wanted and wanted[text] not in out:
                out[wanted[text]] = int(match.group("page"))
                break
        before = []


def _orphans(pages: list[list[str]], comp: Composition, first: int) -> list[str]:
    """Headings left alone at a page bottom: the last text line above the footer starts a title, a
    column name or a sub-heading (pdfminer lines, so a wrapped title's first line counts too)."""
    heads = {_squash(s.name) for s in comp.sections}
    heads |= {_squash(p.title) for p in comp.pieces}
    heads |= {_squash(h) for p in comp.pieces for h in p.subheadings}
    footer = _squash(running_footer_prefix(comp))
    problems = []
    for number, lines in enumerate(pages, first):
        body = [
            _squash(t)
            for t in lines
            if not _squash(t).startswith(footer) and not re.match(r"^第\d+页$", _squash(t))
        ]
        last = body[-1] if body else ""
        if len(last) >= 4 and any(h.startswith(last) for h in heads):
            problems.append(f"heading alone at the bottom of p.{number}: {last}")
    return problems


def running_footer_prefix(comp: Composition) -> str:
    """The start of the running footer line (what the orphan check skips)."""
    from jiance.publish.html import running_texts

    return running_texts(comp)["footer_left"][:12]
