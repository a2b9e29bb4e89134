"""Charts for the bulletin: bar charts of the key-figures box and line charts of an indicator across issues.

Every renderer draws a :class:`~jiance.publish.model.ChartSpec` through this module: SVG for HTML and PDF
(inlined, so the bulletin stays one file), PNG for DOCX. The SVG draws its glyphs as paths, so a chart looks
the same in a browser, in WeasyPrint and in a mail client, and its labels never leak into the text layer of
the PDF (a search or a re-parse of the bulletin sees the articles only). Output is byte-for-byte
deterministic, so a re-render of an unchanged issue is an unchanged file.

Matplotlib is used through :class:`matplotlib.figure.Figure` with the Agg canvas only; pyplot's global
figure registry is never touched. The style (CJK font, path glyphs, hash salt) is applied with
``rc_context`` under a lock, because rcParams are process-wide and a web server renders from many threads.

Layout decisions are checked against the drawn figure rather than guessed: category labels are wrapped to
their slot; bars turn horizontal when their labels are too long to sit under them; labels are rotated when
that is not enough either, and thinned when even rotation collides. Value labels are kept inside the plot,
and those that would overlap are dropped, keeping the latest value and the extremes.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal
from xml.sax.saxutils import quoteattr

from fontTools.ttLib import TTFont
from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import Bbox
from matplotlib.typing import RcKeyType

from jiance.errors import ConfigError
from jiance.publish.model import ChartSpec, KeyFigure
from jiance.text import fold, normalize_line, visual_width
from jiance.text.numerals import chinese_to_number

__all__ = [
    "CJKFont",
    "chart_png",
    "chart_svg",
    "cjk_font",
    "figure_charts",
    "format_value",
    "missing_glyphs",
    "parse_figure_value",
    "series_chart",
    "wrap_label",
]

# Families known to hold simplified Chinese, best first; any other font covering the probe is a fallback.
_PREFERRED_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Sarasa Gothic SC",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "Droid Sans Fallback",
)
# Characters every bulletin chart prints (titles, units, 同比/环比); a font missing one is not usable.
_PROBE = "信息产业监测数据对比单位万亿元个辆台户同比增长下降占率期第年月"
_INSTALL_HINT = (
    "no font with Chinese glyphs found for charts; install one, e.g. `apt-get install fonts-noto-cjk` "
    "(or fonts-wqy-zenhei), then remove ~/.cache/matplotlib so matplotlib sees it"
)
_LATIN_FALLBACK = "DejaVu Sans"  # ships with matplotlib: covers the odd symbol a CJK font lacks

_RENDER_LOCK = threading.Lock()
_CM_PER_INCH = 2.54
_TICK_SIZE = 8.0
_VALUE_SIZE = 7.5
_TITLE_SIZE = 10.0
_NOTE_SIZE = 7.0
_MAX_WRAP_LINES = 3
_MIN_WRAP_CELLS = 4  # a slot narrower than two Han characters is not worth wrapping into
_MAX_ROTATED_CELLS = 30  # a rotated label longer than this (15 Han characters) is shortened with …
_LABEL_PAD_PX = 3.0  # room kept between a value label and the edge of the plot
_ROTATED_SHARE = 0.35  # at most this share of the chart height goes to rotated labels
_MIN_WIDTH_CM, _MIN_HEIGHT_CM = 6.0, 3.0  # below this no layout holds a title, an axis and labels


@dataclass(frozen=True, slots=True)
class CJKFont:
    """The font charts use for Chinese: its family name for matplotlib, its file and face for fontTools."""

    family: str
    path: str
    index: int = 0


def _cmap(path: str, index: int) -> frozenset[int]:
    """Code points a font face maps; empty for a file fontTools cannot read (it is then not a candidate)."""
    try:
        with TTFont(path, fontNumber=index, lazy=True) as font:
            return frozenset(font.getBestCmap() or {})
    except Exception:  # a broken or exotic font file must not stop the search for a usable one
        return frozenset()


@cache
def _font_cmap(path: str, index: int) -> frozenset[int]:
    return _cmap(path, index)


def _covers(path: str, index: int, text: str = _PROBE) -> bool:
    cmap = _font_cmap(path, index)
    return all(ord(ch) in cmap for ch in text)


def _weight(weight: int | str) -> int:
    return weight if isinstance(weight, int) else int(font_manager.weight_dict.get(weight, 400))


def _candidate_rank(entry: font_manager.FontEntry) -> tuple[int, bool, int]:
    """Preferred families in order, then every other family; regular upright faces first within one."""
    family = (
        _PREFERRED_FAMILIES.index(entry.name)
        if entry.name in _PREFERRED_FAMILIES
        else len(_PREFERRED_FAMILIES)
    )
    return family, entry.style != "normal", abs(_weight(entry.weight) - 400)


def _fontconfig_files() -> list[tuple[str, int]]:
    """(file, face) of the fonts fontconfig says cover Chinese; empty when fontconfig is not installed."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        done = subprocess.run(
            [fc_list, ":lang=zh", "--format", "%{file}\t%{index}\n"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    found: list[tuple[str, int]] = []
    for line in done.stdout.splitlines():
        path, _, index = line.partition("\t")
        if path:
            found.append((path, int(index) if index.isdigit() else 0))
    return sorted(set(found))


def _locate_cjk_font(
    entries: Sequence[font_manager.FontEntry], fontconfig: Sequence[tuple[str, int]]
) -> CJKFont:
    """The first matplotlib font covering the probe; failing that, a fontconfig font registered on the fly.

    The second path matters when the font was installed after matplotlib built its font cache.
    """
    for entry in sorted(entries, key=_candidate_rank):
        if _covers(entry.fname, entry.index):
            return CJKFont(entry.name, entry.fname, entry.index)
    for path, index in fontconfig:
        if not _covers(path, index):
            continue
        font_manager.fontManager.addfont(path)
        for entry in font_manager.fontManager.ttflist:
            if entry.fname == path and entry.index == index:
                return CJKFont(entry.name, path, index)
    raise ConfigError(_INSTALL_HINT, where="charts font")


@cache
def cjk_font() -> CJKFont:
    """The CJK font charts are drawn with, looked up once per process.

    Raises :class:`~jiance.errors.ConfigError` with an install hint when the system has no Chinese font,
    instead of letting matplotlib draw empty boxes.
    """
    return _locate_cjk_font(font_manager.fontManager.ttflist, _fontconfig_files())


def missing_glyphs(text: str) -> list[str]:
    """The characters of ``text`` (in order, once each) that neither the CJK font nor the Latin fallback has.

    A renderer can warn an editor about a label that would print as a box before it sends the bulletin.
    """
    font = cjk_font()
    fallback = font_manager.findfont(_LATIN_FALLBACK, fallback_to_default=True)
    seen: dict[str, None] = {}
    for ch in text:
        if ch.isspace() or ch in seen:
            continue
        if not _covers(font.path, font.index, ch) and not _covers(fallback, 0, ch):
            seen[ch] = None
    return list(seen)


# ---------------------------------------------------------------------------------------------- values

_NUMBER = re.compile(r"(?P<sign>[+-]?)(?P<num>\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)(?P<rest>.*)")
_MULTIPLIER_WORDS = ("万亿", "千亿", "百亿", "十亿", "亿", "千万", "百万", "十万", "万")
_PERCENT_UNITS = frozenset({"%", "‰", "个百分点", "百分点"})
_CHANGE_WORDS = re.compile(
    r"增长|下降|增速|增幅|降幅|同比|环比|提高|提升|减少|回落|上涨|下跌|增加|下滑|扩大|收窄"
)


def parse_figure_value(text: str) -> float | None:
    """The number a figures-box value prints ("115.9", "1,234", "-3.2", "+17.9%", "１２", "两千"); else ``None``.

    Only the leading number counts: a multiplier or unit after it is not applied here (see
    :func:`figure_charts`, which moves 万/亿 into the unit so the chart keeps the printed magnitudes).
    """
    split = _split_value(text)
    return None if split is None else split[0]


def _split_value(text: str) -> tuple[float, str, bool] | None:
    """(leading number, what follows it, whether a sign was printed) of a figures-box value.

    A value written wholly in Chinese numerals (两千, 五) is read by :func:`jiance.text.numerals.chinese_to_number`,
    which refuses indefinite amounts (数十, 几百) rather than guessing.
    """
    folded = _fold_value(text)
    match = _NUMBER.fullmatch(folded)
    if match is None:
        spelled = chinese_to_number(folded)
        return None if spelled is None else (spelled, "", False)
    value = float(match["num"].replace(",", ""))
    return (-value if match["sign"] == "-" else value), match["rest"].strip(), bool(match["sign"])


def _fold_value(text: str) -> str:
    """Full-width digits, commas and signs to ASCII (fold does those), and the typographic minus too."""
    return fold(text).replace("−", "-").replace("–", "-")


def format_value(value: float) -> str:
    """A value as a chart prints it: thousands separators, at most two decimals, no trailing zeros."""
    if math.isfinite(value) and value == int(value):
        return f"{int(value):,}"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text if text not in ("0", "-0") else f"{value:.2g}"


# ---------------------------------------------------------------------------------------------- labels

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,:%+\-/]*|\s+|.", re.S)
_CLOSING = frozenset("，。、；：？！）》」』”’%,.;:?!)]")
_OPENING = frozenset("（《「『“‘([")


def _tokens(text: str) -> list[str]:
    """Units a line may not break inside: Latin words and numbers whole, punctuation kept with its neighbour."""
    out: list[str] = []
    pending = ""
    for token in _TOKEN.findall(text):
        if out and token in _CLOSING and not pending:
            out[-1] += token
        elif token in _OPENING or (pending and token in _CLOSING):  # "（%）" stays whole and in order
            pending += token
        else:
            out.append(pending + token)
            pending = ""
    if pending:
        out.append(pending)
    return out


def wrap_label(text: str, cells: int, *, balance: bool = False) -> list[str]:
    """Break a label into lines of at most ``cells`` half-width cells (a Han character is two).

    Chinese breaks between any two characters; "5G", "2026" and "12.5%" are never split, and no line
    starts with closing punctuation. A token wider than the limit gets a line of its own. ``balance``
    evens the lines out (千兆光网/端口 rather than 千兆光网端/口) without adding one.
    """
    lines = _greedy_wrap(text, cells)
    if not balance or len(lines) < 2:
        return lines
    for narrower in range(math.ceil(visual_width(text) / len(lines)), cells):
        even = _greedy_wrap(text, narrower)
        if len(even) == len(lines):
            return even
    return lines


def _greedy_wrap(text: str, cells: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if line and visual_width(line + token) > cells:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines or [text]


def _take(text: str, cells: int) -> str:
    out = ""
    for ch in text:
        if visual_width(out + ch) > cells:
            break
        out += ch
    return out


def _shorten(text: str, cells: int) -> str:
    """Shorten with an ellipsis in the middle: the labels of one chart usually differ at the head or tail."""
    if visual_width(text) <= cells:
        return text
    half = (cells - 2) // 2
    return _take(text, half) + "…" + _take(text[::-1], half)[::-1]


# ---------------------------------------------------------------------------------------------- drawing


def _salt(spec: ChartSpec, *parts: object) -> str:
    """A hash salt per chart: ids stay stable across renders and differ between charts inlined on one page."""
    key = repr((spec.title, spec.kind, spec.labels, spec.values, spec.unit, spec.note, parts))
    return "jiance-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@contextmanager
def _chart_style(salt: str) -> Iterator[None]:
    font = cjk_font()
    style: dict[RcKeyType, Any] = {
        # A list of families, not "sans-serif": only an explicit list makes matplotlib fall back per glyph.
        "font.family": [font.family, _LATIN_FALLBACK],
        "font.size": _TICK_SIZE,
        "svg.fonttype": "path",
        "svg.hashsalt": salt,
        "svg.id": f"chart-{salt.removeprefix('jiance-')}",
        "axes.unicode_minus": False,  # print "-3.2" as the bulletin does, not U+2212
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#888888",
        "xtick.color": "#333333",
        "ytick.color": "#333333",
        "axes.labelcolor": "#333333",
    }
    with _RENDER_LOCK, rc_context(style):
        yield


def _check_spec(spec: ChartSpec, width_cm: float, height_cm: float) -> None:
    """Refuse a spec no chart can show honestly (a programming or data error upstream, not a layout matter)."""
    if spec.kind not in _LAYOUTS:
        raise ValueError(f"chart {spec.title!r}: unknown kind {spec.kind!r}")
    if not spec.values:
        raise ValueError(f"chart {spec.title!r} has no values")
    if len(spec.labels) != len(spec.values):
        raise ValueError(f"chart {spec.title!r}: {len(spec.labels)} labels for {len(spec.values)} values")
    if not all(math.isfinite(v) for v in spec.values):
        raise ValueError(f"chart {spec.title!r} has a value that is not a finite number")
    if width_cm < _MIN_WIDTH_CM or height_cm < _MIN_HEIGHT_CM:
        raise ValueError(f"a chart needs at least {_MIN_WIDTH_CM:g} × {_MIN_HEIGHT_CM:g} cm")


_Layout = Literal["wrapped", "horizontal", "rotated"]
# Tried in order until the labels fit; the last one always fits (it thins labels if it has to).
_LAYOUTS: dict[str, tuple[_Layout, ...]] = {
    "bar": ("wrapped", "horizontal", "rotated"),
    "line": ("wrapped", "rotated"),
}


@dataclass(slots=True)
class _Frame:
    """One attempt at drawing a chart: the figure, its axes, and what the layout rules measure against."""

    figure: Figure
    ax: Axes
    spec: ChartSpec
    width_cm: float
    height_cm: float
    color: str


@contextmanager
def _drawn_figure(
    spec: ChartSpec, width_cm: float, height_cm: float, color: str, captions: bool
) -> Iterator[Figure]:
    """The laid-out figure of a spec, inside the chart style (which saving needs too).

    Each layout is drawn on a fresh figure and measured; the first whose labels do not collide is kept.
    """
    _check_spec(spec, width_cm, height_cm)
    with _chart_style(_salt(spec, width_cm, height_cm, color, captions)):
        for layout in _LAYOUTS[spec.kind]:
            frame = _new_frame(spec, width_cm, height_cm, color, captions)
            if _draw(frame, layout):
                break
        yield frame.figure


def _new_frame(spec: ChartSpec, width_cm: float, height_cm: float, color: str, captions: bool) -> _Frame:
    figure = Figure(figsize=(width_cm / _CM_PER_INCH, height_cm / _CM_PER_INCH), layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    ax.set_axisbelow(True)
    if captions:
        _captions(figure, ax, spec, width_cm)
    return _Frame(figure, ax, spec, width_cm, height_cm, color)


def _draw(frame: _Frame, layout: _Layout) -> bool:
    """Draw the spec in one layout; False when its category labels collide (the caller tries the next)."""
    horizontal = layout == "horizontal"
    _value_axis(frame, horizontal)
    values = _draw_line(frame) if frame.spec.kind == "line" else _draw_bars(frame, horizontal)
    if layout == "rotated":
        _rotate_categories(frame)
    elif not _place_categories(frame, horizontal):
        return False
    _contain_value_labels(frame, values, horizontal)
    _fit_value_labels(frame, values)
    return True


def _captions(figure: Figure, ax: Axes, spec: ChartSpec, width_cm: float) -> None:
    cells = _cells(width_cm * 0.92, _TITLE_SIZE)
    ax.set_title(
        "\n".join(wrap_label(spec.title, cells, balance=True)),
        loc="left",
        fontsize=_TITLE_SIZE,
        fontweight="bold",
    )
    if spec.note:
        note = "\n".join(wrap_label(spec.note, _cells(width_cm * 0.95, _NOTE_SIZE)))
        figure.supxlabel(note, x=0.01, ha="left", fontsize=_NOTE_SIZE, color="#666666")


def _cells(length_cm: float, size_pt: float) -> int:
    """How many half-width cells of text at ``size_pt`` fit in ``length_cm`` (a Han character is 2 cells)."""
    return int(length_cm / _CM_PER_INCH * 72 / (size_pt / 2))


def _value_axis(frame: _Frame, horizontal: bool) -> None:
    """Numbers with thousands separators (never 1e6 offsets) and the unit as the axis label."""
    axis = frame.ax.xaxis if horizontal else frame.ax.yaxis
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: format_value(x)))
    if frame.spec.unit:
        axis.set_label_text(f"单位：{frame.spec.unit}")
    frame.ax.grid(axis="x" if horizontal else "y", color="#dddddd", linewidth=0.6)


def _draw_bars(frame: _Frame, horizontal: bool) -> list[Text]:
    ax, values = frame.ax, frame.spec.values
    positions = range(len(values))
    if horizontal:
        bars = ax.barh(positions, values, color=frame.color, height=0.6)
        ax.invert_yaxis()  # first figure on top, as it is read
        ax.margins(x=0.14, y=0.04)
    else:
        bars = ax.bar(positions, values, color=frame.color, width=0.6)
        ax.margins(x=0.04, y=0.18)
    if any(v < 0 for v in values):
        (ax.axvline if horizontal else ax.axhline)(0, color="#666666", linewidth=0.8)
    labels = [format_value(v) for v in values]
    return list(ax.bar_label(bars, labels=labels, padding=2, fontsize=_VALUE_SIZE))


def _draw_line(frame: _Frame) -> list[Text]:
    """Markers and a value above each point (below a dip, so the label does not sit on the line)."""
    ax, values = frame.ax, frame.spec.values
    ax.plot(range(len(values)), values, color=frame.color, linewidth=1.6, marker="o", markersize=4)
    ax.margins(x=0.06, y=0.22)
    labels: list[Text] = []
    for i, value in enumerate(values):
        dip = 0 < i < len(values) - 1 and value < min(values[i - 1], values[i + 1])
        text = ax.annotate(
            format_value(value),
            (i, value),
            xytext=(0, -7 if dip else 6),
            textcoords="offset points",
            ha="center",
            va="top" if dip else "bottom",
            fontsize=_VALUE_SIZE,
            color="#222222",
        )
        labels.append(text)
    return labels


def _boxes(texts: Sequence[Text]) -> list[Bbox]:
    """Display-space boxes of drawn texts (the figure's own renderer is used after a layout pass)."""
    return [t.get_window_extent() for t in texts]


def _overlap(a: Bbox, b: Bbox) -> bool:
    return bool(a.overlaps(b))


def _any_overlap(boxes: Sequence[Bbox]) -> bool:
    return any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def _place_categories(frame: _Frame, horizontal: bool) -> bool:
    """Category labels wrapped to their slot (under a column, or left of a row); False if they collide."""
    labels, n = frame.spec.labels, len(frame.spec.labels)
    if horizontal:
        cells = _cells(frame.width_cm * 0.4, _TICK_SIZE)
    else:
        cells = _cells(frame.width_cm * 0.85 / n * 0.9, _TICK_SIZE)
    if cells < _MIN_WRAP_CELLS:
        return False
    wrapped = [wrap_label(label, cells, balance=True) for label in labels]
    if max(len(lines) for lines in wrapped) > _MAX_WRAP_LINES:
        return False
    texts = ["\n".join(lines) for lines in wrapped]
    if horizontal:
        frame.ax.set_yticks(range(n), labels=texts)
        ticks = frame.ax.get_yticklabels()
    else:
        frame.ax.set_xticks(range(n), labels=texts)
        ticks = frame.ax.get_xticklabels()
    frame.figure.draw_without_rendering()
    return not _any_overlap(_boxes(ticks))


def _set_rotated(ax: Axes, labels: Sequence[str], rotation: int, step: int) -> None:
    # Counted back from the last label: the latest issue is the one a reader looks for.
    shown = [label if (len(labels) - 1 - i) % step == 0 else "" for i, label in enumerate(labels)]
    ax.set_xticks(range(len(labels)), labels=shown)
    for text in ax.get_xticklabels():
        text.set_rotation(rotation)
        text.set_horizontalalignment("right")
        text.set_rotation_mode("anchor")


def _rotated_collide(frame: _Frame, rotation: int, step: int) -> bool:
    """Parallel rotated labels collide when the gap between them, across the text, is under a line."""
    if len(frame.spec.labels) < 2:
        return False
    a, b = frame.ax.transData.transform([(0, 0), (step, 0)])
    across = abs(float(b[0]) - float(a[0])) * math.sin(math.radians(rotation))
    return across < _TICK_SIZE * frame.figure.dpi / 72 * 1.25


def _rotated_labels(frame: _Frame, rotation: int) -> list[str]:
    """Labels shortened so that, rotated, they take about a third of the height (else the axes collapse)."""
    room = _cells(frame.height_cm * _ROTATED_SHARE / math.sin(math.radians(rotation)), _TICK_SIZE)
    cells = max(6, min(_MAX_ROTATED_CELLS, room))
    return [_shorten(label, cells) for label in frame.spec.labels]


def _rotate_categories(frame: _Frame) -> None:
    """Labels at 45°, else upright at 90°, else every k-th label at 90° (counted back from the last)."""
    n = len(frame.spec.labels)
    _set_rotated(frame.ax, _rotated_labels(frame, 45), 45, 1)
    frame.figure.draw_without_rendering()
    if not _rotated_collide(frame, 45, 1):
        return
    # The column spacing hardly moves with the rotation, so the 45° layout already tells what fits at 90°
    # (one layout pass saved: a pass is most of the time a chart takes).
    step = next(k for k in range(1, n + 1) if k >= n or not _rotated_collide(frame, 90, k))
    _set_rotated(frame.ax, _rotated_labels(frame, 90), 90, step)
    frame.figure.draw_without_rendering()


def _overflow(frame: _Frame, texts: Sequence[Text], horizontal: bool) -> tuple[float, float]:
    """Pixels by which value labels stick out of the plot area, below/left and above/right."""
    inner = frame.ax.get_window_extent()
    boxes = _boxes(texts)
    if horizontal:
        return inner.x0 - min(b.x0 for b in boxes), max(b.x1 for b in boxes) - inner.x1
    return inner.y0 - min(b.y0 for b in boxes), max(b.y1 for b in boxes) - inner.y1


def _contain_value_labels(frame: _Frame, texts: Sequence[Text], horizontal: bool) -> None:
    """Widen the value axis until every value label sits inside the plot area, off the ticks and title.

    Margins are a share of the data range, so on a small chart a label can still stick out; the overflow
    is measured and added to the limits (a few passes, since the layout moves as the limits change).
    """
    if not texts:
        return
    get_lim, set_lim = (
        (frame.ax.get_xlim, frame.ax.set_xlim) if horizontal else (frame.ax.get_ylim, frame.ax.set_ylim)
    )
    for _ in range(4):
        low, high = _overflow(frame, texts, horizontal)
        if low <= 0 and high <= 0:
            return
        inner = frame.ax.get_window_extent()
        lo, hi = get_lim()
        per_pixel = (hi - lo) / (inner.width if horizontal else inner.height)
        grow_low = (low + _LABEL_PAD_PX) * per_pixel if low > 0 else 0.0
        grow_high = (high + _LABEL_PAD_PX) * per_pixel if high > 0 else 0.0
        set_lim(lo - grow_low, hi + grow_high)
        frame.figure.draw_without_rendering()


def _priority(values: Sequence[float]) -> list[int]:
    """Which value labels to keep first when they crowd: the latest, the highest, the lowest, then in order."""
    n = len(values)
    first = [n - 1, max(range(n), key=values.__getitem__), min(range(n), key=values.__getitem__), 0]
    return list(dict.fromkeys([*first, *range(n)]))


def _fit_value_labels(frame: _Frame, texts: Sequence[Text]) -> None:
    """Hide the value labels that would overlap one kept before them in :func:`_priority` order."""
    if len(texts) < 2 or not _any_overlap(_boxes(texts)):
        return
    keep: list[Bbox] = []
    for index in _priority(frame.spec.values):
        box = _boxes([texts[index]])[0]
        if any(_overlap(box, other) for other in keep):
            texts[index].set_visible(False)
        else:
            keep.append(box)
    frame.figure.draw_without_rendering()


def _aria_label(spec: ChartSpec) -> str:
    unit = spec.unit or ""
    points = "；".join(
        f"{label} {format_value(v)}{unit}" for label, v in zip(spec.labels, spec.values, strict=True)
    )
    return f"{spec.title}：{points}"


def chart_svg(
    spec: ChartSpec,
    *,
    width_cm: float = 15,
    height_cm: float = 7,
    color: str = "#1f3a68",
    captions: bool = True,
) -> str:
    """The chart as an SVG element to inline in HTML or a WeasyPrint page: no XML prolog, glyphs as paths.

    ``captions=False`` leaves the title and note out of the picture, for a renderer that prints them as
    real text (searchable, selectable) next to it. The root element carries ``role="img"`` and an
    ``aria-label`` with the title and every value, since the drawn labels are not text any more.
    """
    buffer = io.StringIO()
    with _drawn_figure(spec, width_cm, height_cm, color, captions) as figure:
        figure.savefig(
            buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None}
        )
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    return svg.replace("<svg ", f'<svg role="img" aria-label={quoteattr(_aria_label(spec))} ', 1)


def chart_png(
    spec: ChartSpec,
    *,
    dpi: int = 200,
    width_cm: float = 15,
    height_cm: float = 7,
    color: str = "#1f3a68",
    captions: bool = True,
) -> bytes:
    """The chart as PNG bytes (for DOCX, which cannot take SVG everywhere); same layout as :func:`chart_svg`."""
    buffer = io.BytesIO()
    with _drawn_figure(spec, width_cm, height_cm, color, captions) as figure:
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------- specs

_ChartGroup = Literal["amount", "change", "share"]


@dataclass(slots=True)
class _Amount:
    figure: KeyFigure
    value: float
    unit: str
    group: _ChartGroup


def _display_unit(unit: str) -> str:
    return normalize_line(unit).strip().replace("％", "%")


def _amount(figure: KeyFigure) -> _Amount | None:
    """The figure as (number, unit, group); 万/亿 after the number move into the unit ("115.9万"+"个")."""
    split = _split_value(figure.value)
    if split is None:
        return None
    value, rest, signed = split
    unit = _display_unit(figure.unit or "")
    if rest in ("%", "‰") and unit in ("", rest):
        unit = rest
    elif rest in _MULTIPLIER_WORDS:
        unit = rest + unit
    elif rest and not unit:
        unit = _display_unit(rest)
    elif rest:
        return None  # "3亿多", "5万左右": not a number a bar can show honestly
    if not unit:
        return None
    return _Amount(figure, value, unit, _group(figure, unit, signed=signed))


def _group(figure: KeyFigure, unit: str, *, signed: bool) -> _ChartGroup:
    if unit not in _PERCENT_UNITS:
        return "amount"
    return (
        "change"
        if signed or unit in ("个百分点", "百分点") or _CHANGE_WORDS.search(figure.label)
        else "share"
    )


def _common_suffix(labels: Sequence[str]) -> str:
    first = labels[0]
    size = 0
    while size < len(first) and all(len(x) > size and x[-1 - size] == first[-1 - size] for x in labels):
        size += 1
    return first[len(first) - size :] if size else ""


_LEADING_PARTIAL = re.compile(r"^[A-Za-z0-9.,%+\-\s（()）)，、]+")
_QUALIFIER = re.compile(r"[（(]([^（）()]+)[）)]$")


def _title_and_labels(members: Sequence[_Amount]) -> tuple[str, list[str]]:
    """A title saying what the bars compare, and the bar labels (a shared qualifier moves to the title)."""
    labels = [m.figure.label.strip() or m.figure.value for m in members]
    unit = members[0].unit
    suffix = _common_suffix(labels)
    qualifier = _QUALIFIER.search(suffix) if suffix.startswith(("（", "(")) else None
    if qualifier and all(len(x) > len(suffix) for x in labels):
        title = f"{qualifier.group(1)}（{unit}）"
        labels = [x[: -len(suffix)] for x in labels]
    elif len(base := _LEADING_PARTIAL.sub("", suffix)) >= 2:
        title = f"{base}对比（{unit}）"  # "5G基站数"/"4G基站数" share "G基站数": the subject is 基站数
    else:
        title = {"amount": "关键数据对比", "change": "增速对比", "share": "占比对比"}[members[0].group]
        title += f"（{unit}）"
    return title, _with_periods(labels, members)


def _with_periods(labels: list[str], members: Sequence[_Amount]) -> list[str]:
    """Labels with their period when the group mixes periods (2025年 vs 2026年 bars of one indicator)."""
    if len({m.figure.period for m in members}) < 2:
        return labels
    out: list[str] = []
    for label, member in zip(labels, members, strict=True):
        period = member.figure.period
        out.append(f"{label}（{period}）" if period and period not in label else label)
    return out


def _note(members: Sequence[_Amount]) -> str | None:
    periods = {m.figure.period for m in members}
    period = periods.pop() if len(periods) == 1 else None
    return f"统计期：{period}" if period else None


def figure_charts(key_figures: Sequence[KeyFigure]) -> list[ChartSpec]:
    """The bar charts worth drawing from a figures box, in the order their first figure appears.

    Figures that parse as numbers are grouped by unit (万/亿 written in the value count as part of the
    unit); a percentage is a growth rate when its label says so (同比, 增长…) or it carries a sign, a share
    otherwise, and rates and shares get separate charts. A group of one figure is not charted: a single bar
    compares nothing.
    """
    groups: dict[tuple[str, _ChartGroup], list[_Amount]] = {}
    for figure in key_figures:
        amount = _amount(figure)
        if amount is not None:
            groups.setdefault((fold(amount.unit), amount.group), []).append(amount)
    charts: list[ChartSpec] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        title, labels = _title_and_labels(members)
        values = [m.value for m in members]
        charts.append(ChartSpec(title, "bar", labels, values, unit=members[0].unit, note=_note(members)))
    return charts


def series_chart(name: str, points: Sequence[tuple[str, float]], unit: str | None) -> ChartSpec:
    """A line chart of one indicator across issues; ``points`` are (issue date or number, value) in order.

    The order is the caller's (oldest issue first is what a reader expects); labels are printed as given.
    """
    if not points:
        raise ValueError(f"series {name!r} has no points")
    title = f"{name}走势" + (f"（{unit}）" if unit else "")
    return ChartSpec(title, "line", [label for label, _ in points], [float(v) for _, v in points], unit=unit)
