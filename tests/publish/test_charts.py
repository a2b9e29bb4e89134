"""Charts: the SVG inlines cleanly and renders the same everywhere, Chinese has glyphs, labels never collide,
and the figures box becomes the charts an editor would draw by hand."""

from __future__ import annotations

import io
import math
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image

from jiance.errors import ConfigError
from jiance.publish import charts
from jiance.publish.charts import (
    chart_png,
    chart_svg,
    cjk_font,
    figure_charts,
    format_value,
    missing_glyphs,
    parse_figure_value,
    series_chart,
    wrap_label,
)
from jiance.publish.model import ChartSpec, KeyFigure
from jiance.text import visual_width

BAR = ChartSpec(
    "通信基础设施对比（万个）",
    "bar",
    ["5G基站", "千兆光网端口", "物联网终端连接数"],
    [115.9, 1234.0, -3.2],
    unit="万个",
    note="统计期：2026年1-3月",
)
LINE = series_chart(
    "软件业务收入", [("2026-01-15", 812.5), ("2026-02-15", 790.0), ("2026-03-15", 905.25)], "亿元"
)
LONG_BARS = ChartSpec(
    "电子信息制造业分项指标",
    "bar",
    [f"规模以上电子信息制造业分项指标第{i}项" for i in range(1, 13)],
    [float(10 * i + 3) for i in range(1, 13)],
    unit="亿元",
)
MANY_POINTS = series_chart("固定宽带用户数", [(f"第{i}期", 100 + 3.1 * i) for i in range(1, 41)], "万户")
DATES = series_chart(
    "移动电话用户数", [(f"2026-{m:02d}-01", 100.0 + 7 * m - 9 * (m % 3)) for m in range(1, 13)], "万户"
)
NAVY = (0x1F, 0x3A, 0x68)


def _spec_text(spec: ChartSpec) -> str:
    return "".join([spec.title, spec.unit or "", spec.note or "", *spec.labels])


@contextmanager
def _figure(spec: ChartSpec) -> Iterator[Figure]:
    """The laid-out figure exactly as chart_svg/chart_png draw it."""
    with charts._drawn_figure(spec, 15, 7, "#1f3a68", True) as figure:
        yield figure


def _shown(texts: Sequence[Text]) -> list[Text]:
    return [t for t in texts if t.get_visible() and t.get_text()]


def _boxes(texts: Sequence[Text]) -> list[Bbox]:
    return [t.get_window_extent() for t in texts]


def _assert_apart(boxes: list[Bbox]) -> None:
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def _assert_inside(figure: Figure, boxes: list[Bbox]) -> None:
    page = figure.bbox
    for box in boxes:
        assert box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1, box
        assert box.y0 >= page.y0 - 1 and box.y1 <= page.y1 + 1, box


# ---------------------------------------------------------------------------------------------- font


def test_cjk_font_is_a_chinese_face_and_cached() -> None:
    font = cjk_font()
    assert cjk_font() is font
    with TTFont(font.path, fontNumber=font.index, lazy=True) as ttf:
        cmap = ttf.getBestCmap()
    assert all(ord(ch) in cmap for ch in "信息产业监测同比增长万亿元")


@pytest.mark.parametrize("spec", [BAR, LINE, LONG_BARS, MANY_POINTS], ids=["bar", "line", "long", "dense"])
def test_every_label_character_has_a_glyph_in_the_chosen_font(spec: ChartSpec) -> None:
    font = cjk_font()
    with TTFont(font.path, fontNumber=font.index, lazy=True) as ttf:
        cmap = ttf.getBestCmap()
    text = _spec_text(spec)
    assert [ch for ch in text if ord(ch) not in cmap] == []
    assert missing_glyphs(text) == []


def test_missing_glyphs_names_a_character_no_font_has() -> None:
    assert missing_glyphs("基站\ue000数\ue000") == ["\ue000"]


def test_a_glyph_the_cjk_font_lacks_falls_back_without_a_warning() -> None:
    spec = ChartSpec("Ąžuolas与Gdańsk对比", "bar", ["Ąžuolas", "Gdańsk"], [1.0, 2.0])
    font = cjk_font()
    with TTFont(font.path, fontNumber=font.index, lazy=True) as ttf:
        assert ord("Ą") not in ttf.getBestCmap()  # so the fallback is what draws it
    assert missing_glyphs(_spec_text(spec)) == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chart_svg(spec)
    assert [str(w.message) for w in caught] == []


def test_no_cjk_font_is_a_config_error_with_an_install_hint() -> None:
    with pytest.raises(ConfigError) as caught:
        charts._locate_cjk_font([], [])
    assert "fonts-noto-cjk" in str(caught.value)
    assert caught.value.where == "charts font"


def test_a_font_without_chinese_is_not_chosen() -> None:
    dejavu = [e for e in font_manager.fontManager.ttflist if e.name == "DejaVu Sans"]
    assert dejavu
    with pytest.raises(ConfigError):
        charts._locate_cjk_font(dejavu, [])


@pytest.mark.parametrize(
    "spec", [BAR, LINE, LONG_BARS, MANY_POINTS, DATES], ids=["bar", "line", "long", "dense", "dates"]
)
def test_rendering_chinese_raises_no_warning(spec: ChartSpec) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chart_svg(spec)
        chart_png(spec, dpi=72)
    assert [str(w.message) for w in caught] == []


# ---------------------------------------------------------------------------------------------- SVG


def test_svg_inlines_in_html_with_glyphs_as_paths() -> None:
    svg = chart_svg(BAR)
    assert svg.startswith("<svg ")
    assert "<?xml" not in svg and "DOCTYPE" not in svg and "<metadata" not in svg
    assert "<text" not in svg  # glyphs are paths: no text layer to leak into the PDF
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    label = root.get("aria-label") or ""
    assert "通信基础设施对比" in label and "5G基站 115.9万个" in label and "-3.2万个" in label
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 20


def test_svg_bytes_are_deterministic_and_ids_differ_between_charts() -> None:
    first, again, other = chart_svg(BAR), chart_svg(BAR), chart_svg(LINE)
    assert first == again
    assert ET.fromstring(first).get("id") != ET.fromstring(other).get("id")
    assert chart_png(BAR, dpi=72) == chart_png(BAR, dpi=72)


def test_renders_from_many_threads_match_serial_renders() -> None:
    specs = [BAR, LINE, BAR, LINE]
    serial = [chart_svg(spec) for spec in specs]
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(chart_svg, specs)) == serial


def test_size_and_colour_are_honoured() -> None:
    root = ET.fromstring(chart_svg(BAR, width_cm=10, height_cm=5, color="#c0392b"))
    assert float((root.get("width") or "").removesuffix("pt")) == pytest.approx(10 / 2.54 * 72, rel=1e-3)
    assert float((root.get("height") or "").removesuffix("pt")) == pytest.approx(5 / 2.54 * 72, rel=1e-3)
    assert "#c0392b" in chart_svg(BAR, color="#c0392b")


def test_captions_can_be_left_to_the_renderer() -> None:
    with charts._drawn_figure(BAR, 15, 7, "#1f3a68", False) as figure:
        ax = figure.axes[0]
        assert ax.get_title(loc="left") == ""
        assert figure.get_supxlabel() == ""
    assert chart_svg(BAR, captions=False) != chart_svg(BAR)


def test_svg_renders_in_weasyprint_without_polluting_the_text_layer() -> None:
    weasyprint = pytest.importorskip("weasyprint")
    pdfium = pytest.importorskip("pypdfium2")
    pdfplumber = pytest.importorskip("pdfplumber")
    html = f"<html><body><p>正文第一段</p>{chart_svg(BAR)}</body></html>"
    pdf = weasyprint.HTML(string=html).write_pdf()
    page = pdfium.PdfDocument(pdf)[0]
    pixels = np.asarray(page.render(scale=1).to_pil().convert("L"))
    assert (pixels < 160).sum() > 2000  # bars, axes and path glyphs were drawn
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = doc.pages[0].extract_text()
    assert "正文第一段" in text
    assert not any(label in text for label in [*BAR.labels, "115.9", "单位"])


# ---------------------------------------------------------------------------------------------- PNG


def test_png_is_a_drawn_chart_in_the_given_colour() -> None:
    image = Image.open(io.BytesIO(chart_png(BAR, dpi=100))).convert("RGB")
    assert image.size == (int(15 / 2.54 * 100), int(7 / 2.54 * 100))
    pixels = np.asarray(image).astype(int)
    assert (pixels.sum(axis=2) < 600).mean() > 0.03  # not blank
    navy = (np.abs(pixels - np.array(NAVY)).sum(axis=2) < 30).sum()
    assert navy > 1000  # the bars are the bulletin's colour


def test_line_png_is_not_blank() -> None:
    pixels = np.asarray(Image.open(io.BytesIO(chart_png(LINE, dpi=100))).convert("L"))
    assert (pixels < 128).mean() > 0.01


# ---------------------------------------------------------------------------------------------- layout


def test_bar_chart_has_value_labels_and_the_unit_on_the_axis() -> None:
    with _figure(BAR) as figure:
        ax = figure.axes[0]
        assert ax.get_ylabel() == "单位：万个"
        assert [t.get_text() for t in _shown(ax.texts)] == ["115.9", "1,234", "-3.2"]
        assert [t.get_text() for t in ax.get_xticklabels()] == BAR.labels
        assert ax.get_title(loc="left") == BAR.title
        assert figure.get_supxlabel() == BAR.note


def test_line_chart_has_markers_and_a_label_on_every_point() -> None:
    with _figure(LINE) as figure:
        ax = figure.axes[0]
        (line,) = ax.lines
        assert line.get_marker() == "o"
        assert [t.get_text() for t in _shown(ax.texts)] == ["812.5", "790", "905.25"]
        dip = _shown(ax.texts)[1]
        assert dip.get_window_extent().y1 < ax.transData.transform((1, 790.0))[1]  # below its dip


def test_medium_labels_wrap_under_their_column_without_overlap() -> None:
    spec = ChartSpec(
        "分项对比",
        "bar",
        [f"第{i}类电子信息产品出口交货值" for i in range(1, 7)],
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        unit="亿元",
    )
    with _figure(spec) as figure:
        ticks = figure.axes[0].get_xticklabels()
        assert all(t.get_rotation() == 0 for t in ticks)
        assert all("\n" in t.get_text() for t in ticks)
        assert [t.get_text().replace("\n", "") for t in ticks] == spec.labels
        _assert_apart(_boxes(ticks))
        _assert_inside(figure, _boxes(_shown(ticks)))


def test_many_long_bar_labels_turn_the_chart_horizontal() -> None:
    with _figure(LONG_BARS) as figure:
        ax = figure.axes[0]
        ticks = _shown(ax.get_yticklabels())
        assert [t.get_text().replace("\n", "") for t in ticks] == LONG_BARS.labels
        assert ax.get_xlabel() == "单位：亿元"
        _assert_apart(_boxes(ticks))
        _assert_apart(_boxes(_shown(ax.texts)))
        _assert_inside(figure, _boxes([*ticks, *_shown(ax.texts)]))


def test_dense_series_rotates_and_thins_labels_keeping_the_latest() -> None:
    with _figure(MANY_POINTS) as figure:
        ax = figure.axes[0]
        ticks = _shown(ax.get_xticklabels())
        assert all(t.get_rotation() == 90 for t in ticks)
        assert ticks[-1].get_text() == "第40期"
        assert 5 < len(ticks) < 40
        _assert_apart(_boxes(ticks))  # at 90° the boxes are the glyphs' own extents
        values = _shown(ax.texts)
        assert values[-1].get_text() == "224"
        _assert_apart(_boxes(values))
        _assert_inside(figure, _boxes([*ticks, *values]))


def test_dates_rotated_at_45_degrees_leave_a_line_between_labels() -> None:
    with _figure(DATES) as figure:
        ax = figure.axes[0]
        ticks = _shown(ax.get_xticklabels())
        assert len(ticks) == 12 and all(t.get_rotation() == 45 for t in ticks)
        gap = ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0]
        ticks[0].set_rotation(0)
        line_height = ticks[0].get_window_extent().height
        assert gap * math.sin(math.radians(45)) >= line_height


@pytest.mark.parametrize("size", [(6, 3), (8, 4), (25, 10)])
def test_value_labels_stay_inside_the_plot_at_any_size(size: tuple[float, float]) -> None:
    with charts._drawn_figure(BAR, size[0], size[1], "#1f3a68", True) as figure:
        ax = figure.axes[0]
        inner = ax.get_window_extent()
        for box in _boxes(_shown(ax.texts)):
            assert inner.y0 <= box.y0 and box.y1 <= inner.y1, (box, inner)
        ticks = _boxes(_shown(ax.get_xticklabels()))
        _assert_apart([*ticks, *_boxes(_shown(ax.texts))])


def test_bad_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="labels"):
        chart_svg(ChartSpec("x", "bar", ["a"], [1.0, 2.0]))
    with pytest.raises(ValueError, match="no values"):
        chart_png(ChartSpec("x", "line", [], []))
    with pytest.raises(ValueError, match="finite"):
        chart_svg(ChartSpec("x", "bar", ["a", "b"], [1.0, math.nan]))
    with pytest.raises(ValueError, match="unknown kind"):
        chart_svg(ChartSpec("x", "pie", ["a"], [1.0]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least"):
        chart_svg(BAR, width_cm=3, height_cm=2)


# ---------------------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("115.9", 115.9),
        ("1,234", 1234.0),
        ("17.9", 17.9),
        ("-3.2", -3.2),
        ("−3.2", -3.2),
        ("+8", 8.0),
        ("１２３", 123.0),
        ("1，234.5", 1234.5),
        (" 12.5% ", 12.5),
        ("两千", 2000.0),
        ("约三成", None),
        ("数十", None),
        ("", None),
    ],
)
def test_parse_figure_value(text: str, value: float | None) -> None:
    assert parse_figure_value(text) == value


@pytest.mark.parametrize(
    ("value", "text"),
    [(115.9, "115.9"), (1234.0, "1,234"), (-3.2, "-3.2"), (1234567.891, "1,234,567.89"), (0.004, "0.004")],
)
def test_format_value(value: float, text: str) -> None:
    assert format_value(value) == text


def test_wrap_label_keeps_latin_and_numbers_whole_and_punctuation_attached() -> None:
    lines = wrap_label("5G基站数量达到12.5%，同比提高", 8)
    assert all(visual_width(line) <= 8 for line in lines)
    assert "".join(lines) == "5G基站数量达到12.5%，同比提高"
    assert any("12.5%，" in line for line in lines)
    assert not any(line.startswith("，") for line in lines)
    assert lines[0].startswith("5G")
    assert wrap_label("短", 8) == ["短"]


def test_balanced_wrap_leaves_no_orphan_character() -> None:
    assert wrap_label("千兆光网端口", 10) == ["千兆光网端", "口"]
    assert wrap_label("千兆光网端口", 10, balance=True) == ["千兆光", "网端口"]


# ---------------------------------------------------------------------------------------------- specs


def _kf(label: str, value: str, unit: str | None, period: str | None = None) -> KeyFigure:
    return KeyFigure(label, value, unit, period=period)


def test_figures_sharing_a_unit_become_one_bar_chart() -> None:
    box = [
        _kf("5G基站数", "115.9", "万个", "2026年3月"),
        _kf("新能源汽车产量", "1,400", "万辆", "2026年3月"),
        _kf("4G基站数", "1,234", "万个", "2026年3月"),
        _kf("基站净减少数", "-3.2", "万个", "2026年3月"),
    ]
    (chart,) = figure_charts(box)
    assert chart.kind == "bar"
    assert chart.labels == ["5G基站数", "4G基站数", "基站净减少数"]
    assert chart.values == [115.9, 1234.0, -3.2]
    assert chart.unit == "万个"
    assert chart.title == "关键数据对比（万个）"
    assert chart.note == "统计期：2026年3月"


def test_a_shared_subject_names_the_chart() -> None:
    (chart,) = figure_charts([_kf("5G基站数", "115.9", "万个"), _kf("4G基站数", "590", "万个")])
    assert chart.title == "基站数对比（万个）"
    assert chart.note is None


def test_growth_rates_and_shares_get_charts_of_their_own() -> None:
    box = [
        _kf("工业增加值（同比增长）", "11.8", "%"),
        _kf("软件业务收入", "9,300", "亿元"),
        _kf("国产芯片份额", "35", "%"),
        _kf("企业利润（同比增长）", "49.5", "%"),
        _kf("光纤用户占比", "94.1", "％"),
        _kf("电信业务收入", "1.2万", "亿元"),
    ]
    rates, shares = figure_charts(box)
    assert rates.title == "同比增长（%）"
    assert rates.labels == ["工业增加值", "企业利润"]
    assert rates.values == [11.8, 49.5]
    assert shares.title == "占比对比（%）"
    assert shares.labels == ["国产芯片份额", "光纤用户占比"]


def test_signed_percentages_are_changes_and_percent_in_the_value_is_a_unit() -> None:
    box = [_kf("出口交货值", "-2.1%", None), _kf("进口额", "+6.4%", None), _kf("渗透率", "28%", None)]
    (chart,) = figure_charts(box)
    assert chart.values == [-2.1, 6.4]
    assert chart.title == "增速对比（%）"


def test_singletons_and_unreadable_values_are_not_charted() -> None:
    box = [
        _kf("数据中心机架", "约三成", "万架"),
        _kf("算力规模", "230", "EFLOPS"),
        _kf("上市企业", "20", None),
        _kf("研发投入", "数十", "亿元"),
        _kf("出口额", "3亿多", "美元"),
    ]
    assert figure_charts(box) == []


def test_multipliers_in_the_value_join_the_unit() -> None:
    (chart,) = figure_charts([_kf("移动电话用户", "17.9亿", "户"), _kf("物联网用户", "23.3", "亿户")])
    assert chart.unit == "亿户"
    assert chart.values == [17.9, 23.3]


def test_mixed_periods_are_named_in_the_labels() -> None:
    box = [_kf("5G用户", "8.1", "亿户", "2025年"), _kf("5G用户", "9.7", "亿户", "2026年")]
    (chart,) = figure_charts(box)
    assert chart.labels == ["5G用户（2025年）", "5G用户（2026年）"]
    assert chart.note is None


def test_a_shared_qualifier_moves_to_the_title_before_periods_are_added() -> None:
    box = [_kf("工业增加值（同比增长）", "6.1", "%", "5月"), _kf("云收入（同比增长）", "23.5", "%", "1—5月")]
    (chart,) = figure_charts(box)
    assert chart.title == "同比增长（%）"
    assert chart.labels == ["工业增加值（5月）", "云收入（1—5月）"]


def test_values_in_chinese_numerals_are_charted() -> None:
    (chart,) = figure_charts([_kf("甲类终端", "两千", "万台"), _kf("乙类终端", "1,500", "万台")])
    assert chart.values == [2000.0, 1500.0]


def test_series_chart_is_a_line_of_one_indicator() -> None:
    spec = series_chart("5G基站数", [("第1期", 100), ("第2期", 112.5)], "万个")
    assert spec == ChartSpec("5G基站数走势（万个）", "line", ["第1期", "第2期"], [100.0, 112.5], unit="万个")
    assert series_chart("指数", [("2026-01-01", 1.0)], None).title == "指数走势"
    with pytest.raises(ValueError):
        series_chart("空", [], None)
