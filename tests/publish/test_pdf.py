"""The printed bulletin: round trip through `jiance parse`, contents page numbers, fonts, renders, safety."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from jiance.errors import PublishError
from jiance.evaluate.parse import score_parse
from jiance.pipeline import parse_bytes
from jiance.publish.compose import composition_records
from jiance.publish.model import Branding, Composition, Section, Tracking
from jiance.publish.pdf import AssetFetcher, PdfResult, _orphans, check_pdf, render_pdf

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="poppler-utils: scripts/setup-system.sh"
)


@pytest.fixture(scope="module")
def built(sample_bulletins: dict[str, object]) -> dict[str, tuple[Composition, PdfResult]]:
    from jiance.publish.compose import composition_from_bulletin

    out = {}
    for name, bulletin in sample_bulletins.items():
        comp = composition_from_bulletin(bulletin)  # type: ignore[arg-type]
        out[name] = (comp, render_pdf(comp))
    return out


@pytest.mark.parametrize("name", ["sample-a", "sample-b", "sample-c"])
def test_round_trip_gives_back_columns_titles_and_bodies(
    built: dict[str, tuple[Composition, PdfResult]], name: str
) -> None:
    comp, result = built[name]
    bulletin = parse_bytes(result.data, f"{name}.pdf")
    score = score_parse([a.to_record() for a in bulletin.articles], composition_records(comp))
    assert score.titles.f1 == 1.0 and score.experts.f1 == 1.0
    assert score.column_accuracy == 1.0 and score.body_similarity_min >= 0.99
    assert score.related_title_accuracy == 1.0
    # the contents page and the running furniture are recognised as such
    assert len(bulletin.contents) == len([p for s in comp.sections for p in s.articles])
    reasons = {f.reason for f in bulletin.furniture}
    assert {"cover", "contents", "page-number"} <= reasons or {"cover", "contents"} <= reasons
    assert bulletin.issue.title == comp.branding.name and bulletin.issue.date == comp.date


@pytest.mark.parametrize("name", ["sample-a", "sample-b", "sample-c"])
def test_contents_numbers_are_the_pages_titles_start_on(
    built: dict[str, tuple[Composition, PdfResult]], name: str
) -> None:
    comp, result = built[name]
    check = check_pdf(result.data, comp)
    assert check.problems == []
    assert check.contents_pages == check.title_pages
    assert len(check.title_pages) == len([p for s in comp.sections for p in s.articles])
    assert result.pages == check.pages and result.blocked == [] and result.warnings == []


def test_fonts_are_embedded_and_subset_by_poppler_too(
    built: dict[str, tuple[Composition, PdfResult]], tmp_path: Path
) -> None:
    _, result = built["sample-a"]
    path = tmp_path / "a.pdf"
    path.write_bytes(result.data)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert rows, listing
    for row in rows:
        name, emb, sub = row[0], row[-5], row[-4]
        assert (emb, sub) == ("yes", "yes"), row
        assert re.match(r"^[A-Z]{6}\+", name), name


def test_text_is_extractable_with_poppler(
    built: dict[str, tuple[Composition, PdfResult]], tmp_path: Path
) -> None:
    comp, result = built["sample-b"]
    path = tmp_path / "b.pdf"
    path.write_bytes(result.data)
    text = "".join(
        subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    for piece in comp.pieces:
        assert "".join(piece.title.split()) in text
        assert "".join(piece.paragraphs[0].split())[:30] in text


def _ink(image: Image.Image, box: tuple[float, float, float, float]) -> float:
    """Share of non-white pixels in a box given as fractions of the page."""
    w, h = image.size
    crop = image.convert("L").crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    histogram = crop.histogram()
    return sum(histogram[:200]) / max(sum(histogram), 1)


def test_rendered_pages_are_not_blank_and_carry_the_running_footer(
    built: dict[str, tuple[Composition, PdfResult]], tmp_path: Path
) -> None:
    _, result = built["sample-a"]
    (tmp_path / "a.pdf").write_bytes(result.data)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "a.pdf"), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == result.pages
    images = [Image.open(p) for p in pages]
    cover, rest = images[0], images[1:]
    assert _ink(cover, (0, 0.2, 1, 0.5)) > 0.005  # the name on the cover
    assert _ink(cover, (0, 0.9, 1, 1)) == 0  # the cover has no footer
    for image in rest:
        assert _ink(image, (0.05, 0.12, 0.95, 0.85)) > 0.01  # text on the page
        assert _ink(image, (0.05, 0.9, 0.95, 0.97)) > 0.001  # the footer band
        assert _ink(image, (0.05, 0.02, 0.95, 0.09)) > 0.001  # the header band


def test_an_empty_composition_is_refused() -> None:
    comp = Composition(0, "t", None, None, "vip", Branding(), [Section("产业环境")])
    with pytest.raises(PublishError, match="nothing to print"):
        render_pdf(comp)


def test_the_fetcher_allows_only_data_urls_and_own_assets() -> None:
    from weasyprint import HTML

    fetcher = AssetFetcher()
    html = (
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
    )
    HTML(string=html, url_fetcher=fetcher).render()
    assert fetcher.blocked == ["file:///etc/passwd", "http://127.0.0.1:9/x.png"]


def test_hostile_text_is_printed_literally(compositions: dict[str, Composition]) -> None:
    comp = compositions["sample-c"]
    piece = comp.sections[0].pieces[0]
    piece.title = '<img src="file:///etc/passwd">标题</style>'
    piece.paragraphs[0] = "正文 <script>alert(1)</script> & 结束"
    comp.branding.name = 'X"; } @page { margin: 0 } .a{'
    result = render_pdf(comp)
    bulletin = parse_bytes(result.data, "c.pdf")
    titles = [a.title for a in bulletin.articles]
    assert piece.title in titles and result.blocked == []
    assert any("<script>alert(1)</script>" in a.body for a in bulletin.articles)


def test_tracking_and_source_lines_are_printed_and_not_read_back_as_body(
    compositions: dict[str, Composition],
) -> None:
    comp = compositions["sample-b"]
    piece = comp.sections[0].articles[0]
    piece.tracking = Tracking(1, "智联通信参考", "第5期", "2026-06-18", "上一期的报道")
    piece.url, piece.source_name = "https://news.example.cn/a/1.html", "示例新闻网"
    result = render_pdf(comp)
    bulletin = parse_bytes(result.data, "b.pdf")
    score = score_parse([a.to_record() for a in bulletin.articles], composition_records(comp))
    assert score.titles.f1 == 1.0 and score.body_similarity_min >= 0.99
    marks = {f.reason: f.text for f in bulletin.furniture}
    assert "第5期" in marks["tracking-mark"] and "示例新闻网" in marks["source-line"]


def test_a_heading_alone_at_a_page_bottom_is_reported(compositions: dict[str, Composition]) -> None:
    comp = compositions["sample-a"]
    title = comp.sections[0].articles[1].title
    pages = [
        ["正文一行。", title[:15], "©2026 询合作需要，特殊定制，未经同意，不得转载。", "第 3 页"],
        ["正文。"],
    ]
    assert _orphans(pages, comp, 3) == [f"heading alone at the bottom of p.3: {''.join(title[:15].split())}"]
    assert _orphans([["正文一行。", "第 3 页"]], comp, 3) == []
