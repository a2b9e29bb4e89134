"""Publishing: one ~40-page issue as PDF, web HTML, e-mail HTML and DOCX; seconds, pages/s and peak memory.

The issue is built at run time from the project's own samples (:func:`bench_issue`): every sample article
in turn (titles, sub-headings and 专家观点 pieces as the samples have them), each filled to about
``_BODY_CHARS`` characters with sentences drawn from all the samples, spread in order over five columns,
with 本期要点, a figures box of six figures (numbers the samples print) and the two bar charts
:func:`~jiance.publish.charts.figure_charts` draws from it. ``JIANCE_BENCH_PUBLISH_ARTICLES`` sets the
number of articles (default 40, about 40 A4 pages); ``JIANCE_BENCH_PUBLISH_REPEAT`` the repetitions
(default 3; best and median wall seconds, and the best CPU seconds, often the steadier on a busy machine).

``render_pdf`` is timed whole and in its two halves, WeasyPrint's layout (``HTML(...).render()``: parse,
cascade, pagination, text shaping) and ``Document.write_pdf()`` (painting, font subsetting, compression).
The peer is a plain ``weasyprint.HTML(string=html).write_pdf()`` of the very same print HTML with default
options, in the same run; "vs plain" is a row's seconds over the peer's, so below 1× is faster. Trials of
what looks like a speed-up are reported with their file size, so a win that costs output shows it:
keeping one ``FontConfiguration`` across renders (timed as the second render in a process, next to
render_pdf's own second render), writing uncompressed, writing with hinting, and the CSS font stacks cut
to the one family that resolves.

Every timing runs in a forked child (``harness.measure``), rows in rounds so a burst of load elsewhere
hits them alike; a row that needs a laid-out document or a first render prepares it in the child before
its clock starts and sends its own times home. ``python -m benchmarks publish``.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.harness import Measurement, measure, ratio, report
from jiance.publish.compose import assign_anchors
from jiance.publish.html import RenderedChart, render_email_html, render_html
from jiance.publish.model import Branding, Composition, KeyFigure, Piece, Section
from jiance.records import ARTICLE, EXPERT_OPINION
from jiance.samples.corpus import expert_title, iter_articles, load_sample, sample_names

__all__ = ["COLUMNS", "PEER", "bench_issue", "main", "render_pdf_kept_fonts"]

ARTICLES = 40
REPEAT = 3
PEER = "plain WeasyPrint (peer)"
COLUMNS = ("产业环境", "运营竞争", "技术情报", "企业情报", "海外借鉴")
_BODY_CHARS = 850  # with the house CSS, 40 articles this long fill about 40 A4 pages
_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")
# The box the samples' own headlines suggest: three growth rates and two user counts chart as two bar
# charts; the base-station count has a unit of its own and stays in the box only.
_KEY_FIGURES = (
    ("电子信息制造业增加值同比增长", "11.6", "%"),
    ("规模以上工业增加值同比增长", "6.1", "%"),
    ("联通云收入同比增长", "23.5", "%"),
    ("携号转网用户累计", "8000", "万户"),
    ("广电5G用户", "4000", "万户"),
    ("全国5G基站总数", "480", "万个"),
)
# What a lean font stack would be: only the first family of each stack in base.css, which is the one
# fontconfig resolves on a machine set up by scripts/setup-system.sh.
_LEAN_FONTS_CSS = (
    'body { font-family: "Noto Serif CJK SC"; } h1, h2, h3, h4, .cover-line, .toc-section, '
    '.opinions-label, figcaption, .figures { font-family: "Noto Sans CJK SC"; }'
)


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _sample_articles() -> list[dict[str, Any]]:
    return [article for name in sample_names() for _, article in iter_articles(load_sample(name))]


def _sentence_pool(articles: list[dict[str, Any]]) -> list[str]:
    return [
        sentence
        for article in articles
        for block in article["blocks"]
        if block["kind"] == "paragraph"
        for sentence in _SENTENCE.findall(block["text"])
        if sentence.strip()
    ]


def _article_pieces(
    index: int, sample: dict[str, Any], rounds: int, rng: random.Random, pool: list[str]
) -> list[Piece]:
    """Article ``index`` from ``sample`` filled to ``_BODY_CHARS``, then the sample's 专家观点 pieces.

    ``rounds`` counts how often the samples have been used up before: a repeat gets it in its title.
    """
    title = sample["title"] + (f"（第{rounds + 1}篇）" if rounds else "")
    paragraphs = [block["text"] for block in sample["blocks"]]
    subheadings = [block["text"] for block in sample["blocks"] if block["kind"] == "subheading"]
    while sum(map(len, paragraphs)) < _BODY_CHARS:
        paragraphs.append("".join(rng.choice(pool) for _ in range(rng.randint(2, 4))))
    pieces = [Piece(f"bench-{index}", ARTICLE, title, paragraphs, subheadings)]
    for number, expert in enumerate(sample.get("experts", [])):
        pieces.append(
            Piece(
                f"bench-{index}-e{number}",
                EXPERT_OPINION,
                expert_title(expert),
                list(expert["paragraphs"]),
                speaker=expert["speaker"],
                headline=expert["headline"],
                related_title=title,
            )
        )
    return pieces


def bench_issue(count: int = ARTICLES, *, seed: int = 7) -> Composition:
    """A deterministic ``count``-article issue in five columns, with highlights, six key figures, 2 charts.

    Article ``i`` is sample article ``i`` (cycling through all samples; a repeat gets a number in its
    title, so contents entries stay distinct) filled with sentences from the others; the first ``count/5``
    articles make the first column, and so on.
    """
    from jiance.publish.charts import figure_charts

    rng = random.Random(seed)
    samples = _sample_articles()
    pool = _sentence_pool(samples)
    sections = [Section(name) for name in COLUMNS]
    for i in range(count):
        sample = samples[i % len(samples)]
        pieces = _article_pieces(i, sample, i // len(samples), rng, pool)
        sections[i * len(COLUMNS) // count].pieces += pieces
    sections = [section for section in sections if section.pieces]
    assign_anchors(sections)
    figures = [KeyFigure(label, value, unit) for label, value, unit in _KEY_FIGURES]
    return Composition(
        issue_id=1,
        title="信息产业监测",
        date="2026-11-19",
        number="2026年第12期",
        edition="benchmark",
        branding=Branding(),
        sections=sections,
        highlights=[section.articles[0].title for section in sections],
        key_figures=figures,
        charts=figure_charts(figures),
    )


# -- timing ----------------------------------------------------------------------------------------------

Work = Callable[[], dict[str, Any]]
"""What one row runs in its child: facts (pages, bytes) with the ``seconds`` and ``cpu`` of its timed part."""


def _clocked(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``fn()``'s facts with the wall and CPU seconds it took; CPU time is the steadier of the two when
    other work shares the machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    facts = fn()
    return {**facts, "seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


def _whole(fn: Callable[[], dict[str, Any]]) -> Work:
    return lambda: _clocked(fn)


def _second_of_two(render: Callable[[], dict[str, Any]]) -> Work:
    """The second of two renders in one process (the first warms whatever the renderer keeps)."""

    def work() -> dict[str, Any]:
        render()
        return _clocked(render)

    return work


@dataclass(slots=True)
class _Timing:
    """One row over its repetitions: best and median of the timed part, the child's peak, its facts."""

    result: Measurement
    cpu_best: float
    facts: dict[str, Any]


def _run_once(work: Work) -> tuple[dict[str, Any], float]:
    """``work`` in one forked child (``harness.measure``): its facts and the child's peak memory."""
    receiver, sender = multiprocessing.get_context("fork").Pipe(duplex=False)
    try:
        whole = measure(lambda: sender.send(work()), repeat=1)
        facts: dict[str, Any] = receiver.recv()
    finally:
        receiver.close()
        sender.close()
    return facts, whole.peak_rss_mb


def _measure_all(works: dict[str, Work], repeat: int) -> dict[str, _Timing]:
    """Every work ``repeat`` times, in rounds (each round runs every work once), so that a burst of load
    on a shared machine falls on all rows alike, not on the repetitions of one."""
    runs: dict[str, list[tuple[dict[str, Any], float]]] = {name: [] for name in works}
    for _ in range(repeat):
        for name, work in works.items():
            runs[name].append(_run_once(work))
    timings = {}
    for name, done in runs.items():
        seconds = [facts["seconds"] for facts, _ in done]
        result = Measurement(min(seconds), statistics.median(seconds), max(peak for _, peak in done))
        timings[name] = _Timing(result, min(facts["cpu"] for facts, _ in done), done[0][0])
    return timings


def render_pdf_kept_fonts(comp: Composition, charts: list[RenderedChart], config: Any) -> tuple[bytes, int]:
    """render_pdf laid out with a kept WeasyPrint ``FontConfiguration`` instead of a fresh one per call:
    the trial of reusing it across renders (several editions in one build, a web server). Returns the
    PDF and its page count."""
    from weasyprint import HTML

    from jiance.publish import pdf

    html = render_html(comp, variant="print", charts=charts)
    source = HTML(string=html, base_url=pdf._assets_dir().as_uri() + "/", url_fetcher=pdf.AssetFetcher())
    document = source.render(font_config=config)
    return pdf._write(document, comp), len(document.pages)


def _pdf_works(comp: Composition, charts: list[RenderedChart], html: str) -> dict[str, Work]:
    """Every PDF measurement, by row name: ours whole, by halves and as a second render, trials, the peer."""
    from weasyprint import CSS, HTML

    from jiance.publish import pdf  # _layout and _write are render_pdf's own two halves

    def ours() -> dict[str, Any]:
        result = pdf.render_pdf(comp, charts=charts)
        return {"pages": result.pages, "bytes": len(result.data)}

    def kept_fonts() -> dict[str, Any]:
        from weasyprint.text.fonts import FontConfiguration

        config = FontConfiguration()

        def render() -> dict[str, Any]:
            data, pages = render_pdf_kept_fonts(comp, charts, config)
            return {"pages": pages, "bytes": len(data)}

        render()
        return _clocked(render)

    def layout() -> dict[str, Any]:
        return {"pages": len(pdf._layout(html, pdf.AssetFetcher()).pages)}

    def write(**options: Any) -> Work:
        def work() -> dict[str, Any]:
            document = pdf._layout(html, pdf.AssetFetcher())

            def written() -> dict[str, Any]:
                data = document.write_pdf(**options) if options else pdf._write(document, comp)
                return {"pages": len(document.pages), "bytes": len(data)}

            return _clocked(written)

        return work

    def peer(*stylesheets: str) -> Callable[[], dict[str, Any]]:
        def work() -> dict[str, Any]:
            document = HTML(string=html).render(stylesheets=[CSS(string=s) for s in stylesheets])
            return {"pages": len(document.pages), "bytes": len(document.write_pdf())}

        return work

    return {
        "render_pdf (whole)": _whole(ours),
        "  layout: HTML(...).render()": _whole(layout),
        "  write: Document.write_pdf()": write(),
        "render_pdf, 2nd render in a process": _second_of_two(ours),
        "  trial: kept FontConfiguration, 2nd render": kept_fonts,
        "  trial: write_pdf(uncompressed_pdf=True)": write(uncompressed_pdf=True),
        "  trial: write_pdf(hinting=True)": write(hinting=True),
        "  trial: one font family per CSS stack": _whole(peer(_LEAN_FONTS_CSS)),
        PEER: _whole(peer()),
    }


def _other_works(comp: Composition, charts: list[RenderedChart], pngs: dict[int, bytes]) -> dict[str, Work]:
    """The other formats, each from the same composition (charts drawn beforehand, as a build does)."""
    from jiance.publish.docx import render_docx

    def web() -> dict[str, Any]:
        return {"bytes": len(render_html(comp, variant="web", charts=charts).encode())}

    def email() -> dict[str, Any]:
        return {"bytes": len(render_email_html(comp, charts=charts).encode())}

    def docx() -> dict[str, Any]:
        return {"bytes": len(render_docx(comp, charts=pngs))}

    return {"render_html (web)": _whole(web), "render_email_html": _whole(email), "render_docx": _whole(docx)}


def _chart_works(comp: Composition) -> dict[str, Work]:
    """Both drawings of every chart of the issue: SVG for HTML and PDF, PNG for DOCX."""
    from jiance.publish.charts import chart_png, chart_svg

    def svg() -> dict[str, Any]:
        return {"bytes": sum(len(chart_svg(s, color=comp.branding.primary)) for s in comp.charts)}

    def png() -> dict[str, Any]:
        return {"bytes": sum(len(chart_png(s)) for s in comp.charts)}

    count = len(comp.charts)
    return {f"chart_svg ×{count}": _whole(svg), f"chart_png ×{count} (for DOCX)": _whole(png)}


def _row(work: str, timing: _Timing, peer: _Timing) -> dict[str, Any]:
    seconds = timing.result.seconds_best
    pages = timing.facts.get("pages")
    size = timing.facts.get("bytes")
    return {
        "work": work,
        "pages": pages or "",
        "seconds": seconds,
        "median_s": timing.result.seconds_median,
        "cpu_s": timing.cpu_best,
        "pages/s": pages / seconds if pages and seconds > 0 else "",
        "peak_MB": timing.result.peak_rss_mb,
        "out_KB": size / 1024 if size else "",
        "vs plain": ratio(seconds, peer.result.seconds_best) if pages else "",
    }


def main() -> None:
    """Build the issue, draw its charts, time every renderer and the plain-WeasyPrint peer, print the table."""
    count = _env_int("JIANCE_BENCH_PUBLISH_ARTICLES", ARTICLES)
    repeat = _env_int("JIANCE_BENCH_PUBLISH_REPEAT", REPEAT)
    comp = bench_issue(count)
    # Charts are timed first, in children of a process that has drawn none, so their row includes the
    # font lookup a build pays once; the drawings made here then feed every renderer, as a build does.
    timings = _measure_all(_chart_works(comp), repeat)
    from jiance.publish.charts import chart_png, chart_svg

    charts = [RenderedChart(s.title, chart_svg(s, color=comp.branding.primary)) for s in comp.charts]
    pngs = {i: chart_png(spec) for i, spec in enumerate(comp.charts)}
    html = render_html(comp, variant="print", charts=charts)
    timings |= _measure_all({**_other_works(comp, charts, pngs), **_pdf_works(comp, charts, html)}, repeat)
    peer = timings[PEER]
    experts = sum(1 for p in comp.pieces if p.kind == EXPERT_OPINION)
    report(
        f"publishing an issue of {count} articles (+{experts} 专家观点) in {len(comp.sections)} columns,"
        f" {len(comp.key_figures)} key figures, {len(comp.charts)} charts; best of {repeat}",
        [_row(name, timing, peer) for name, timing in timings.items()],
    )
    ours = timings["render_pdf (whole)"]
    print(
        "render_pdf / plain WeasyPrint on the same print HTML:"
        f" {ratio(ours.result.seconds_best, peer.result.seconds_best)} in seconds,"
        f" {ratio(ours.cpu_best, peer.cpu_best)} in CPU seconds"
    )
