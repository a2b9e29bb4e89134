"""``jiance build``: one issue, one edition, the chosen formats, written to a folder and recorded.

The one place that orders publishing: read the issue and its articles from the store, compose it (overrides,
repeats of earlier issues, 持续跟踪), apply the edition, draw the charts, render each format, check the PDF
by reading it back, and record every file in ``issue_builds``. An edition that ends up empty writes no file
and says why.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jiance.errors import PublishError
from jiance.publish.compose import EarlierArticle, compose_issue
from jiance.publish.editions import ArticleFacts, Edition, apply_edition
from jiance.publish.html import RenderedChart
from jiance.publish.model import ChartSpec, Composition, Issue
from jiance.records import Article
from jiance.store.base import Store
from jiance.store.issues import BuildRow, issues_for

__all__ = [
    "FORMATS",
    "BuildOutput",
    "BuildReport",
    "build_issue",
    "compose_for_edition",
    "parse_formats",
    "rendered_charts",
]

FORMATS: tuple[str, ...] = ("pdf", "html", "docx", "md")
_SLUG_RE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(slots=True)
class BuildOutput:
    """One file written: its format (``html`` also writes the ``email`` variant), path, size, pages."""

    format: str
    path: Path
    size: int
    pages: int | None = None


@dataclass(slots=True)
class BuildReport:
    """What a build did: files written, notes (left out, repeats, checks), and whether it was empty."""

    issue_id: int
    edition: str
    outputs: list[BuildOutput] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # checks of the written PDF that failed
    empty: bool = False


def parse_formats(value: str) -> list[str]:
    """``pdf,html`` → ["pdf", "html"]; ``all`` → every format; an unknown name is refused."""
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    if names == ["all"]:
        return list(FORMATS)
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise PublishError(
            f"unknown format {', '.join(unknown) or value!r}; choose from {', '.join(FORMATS)}"
        )
    return list(dict.fromkeys(names))


def _facts(store: Store, article_ids: Iterable[str]) -> dict[str, ArticleFacts]:
    """Tags and entity names the analysis saved, for the edition's topic and entity filters."""
    facts = {}
    for article_id in article_ids:
        saved = store.analysis(article_id)
        tags = [t.get("tag") or t.get("display") for t in (saved.get("tags") or {}).get("result") or []]
        names: list[str] = []
        for e in (saved.get("entities") or {}).get("result") or []:
            names += [e.get("name"), *(e.get("aliases") or [])]
        facts[article_id] = ArticleFacts(tags=[t for t in tags if t], entities=[n for n in names if n])
    return facts


def _earlier(store: Store, issue: Issue) -> list[EarlierArticle]:
    issues = issues_for(store)
    return [
        EarlierArticle(
            store.get_article(use.article_id).article,
            use.issue_id,
            use.issue_title,
            use.issue_number,
            use.issue_date,
        )
        for use in issues.earlier_uses(issue.id)
    ]


def _series_charts(store: Store, comp: Composition) -> list[ChartSpec]:
    """A line chart for each key figure that names an indicator ``series`` seen in earlier issues too."""
    from jiance.publish.charts import parse_figure_value, series_chart

    wanted = {k.series: k for k in comp.key_figures if k.series}
    if not wanted:
        return []
    points: dict[str, list[tuple[str, float]]] = {name: [] for name in wanted}
    for issue in sorted(issues_for(store).all(), key=lambda i: (i.date or "", i.id)):
        if issue.date and comp.date and issue.date > comp.date:
            continue
        for k in issue.key_figures:
            value = parse_figure_value(k.value)
            if k.series in points and value is not None:
                points[k.series].append((issue.number or issue.date or f"#{issue.id}", value))
    return [series_chart(name, pts, wanted[name].unit) for name, pts in points.items() if len(pts) >= 2]


def compose_for_edition(store: Store, issue_id: int, edition: Edition) -> Composition:
    """The composition a build prints: the issue composed against its history, then the edition applied,
    with the charts of its figures box and of its indicator series."""
    from jiance.publish.charts import figure_charts

    issue = issues_for(store).get(issue_id)
    articles: dict[str, Article] = {
        it.article_id: store.get_article(it.article_id).article for it in issue.items
    }
    comp = compose_issue(
        issue, articles, branding=edition.branding, earlier=_earlier(store, issue), edition=edition.name
    )
    notes = list(comp.notes)
    comp = apply_edition(comp, edition, _facts(store, articles))
    comp.notes = [*notes, *(n for n in comp.notes if n not in notes)]
    comp.charts = [*figure_charts(comp.key_figures), *_series_charts(store, comp)]
    return comp


def _stem(comp: Composition) -> str:
    day = comp.date or f"issue-{comp.issue_id}"
    return _SLUG_RE.sub("-", f"{day}-{comp.edition}").strip("-") or f"issue-{comp.issue_id}"


def rendered_charts(comp: Composition) -> list[RenderedChart]:
    """The composition's charts as the HTML and PDF embed them (SVG, the edition's colour, captions
    printed as text beside them); the web preview uses the same, so preview and build cannot drift."""
    from jiance.publish.charts import chart_svg

    color = comp.branding.primary
    return [RenderedChart(spec.title, chart_svg(spec, color=color, captions=False)) for spec in comp.charts]


def _glyph_problems(comp: Composition) -> list[str]:
    """Characters the installed CJK font cannot draw (they would print as tofu boxes)."""
    from jiance.publish.charts import missing_glyphs

    text = "\n".join(
        [comp.branding.name, comp.branding.copyright, *comp.highlights]
        + [f"{k.label}{k.value}{k.unit or ''}" for k in comp.key_figures]
        + [t for s in comp.sections for p in s.pieces for t in (s.name, p.title, *p.paragraphs)]
    )
    missing = missing_glyphs(text)
    return [f"no glyph for {''.join(missing[:20])} ({len(missing)} characters)"] if missing else []


def _write(path: Path, data: bytes) -> int:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)  # a reader never sees half a file
    return len(data)


def _render(comp: Composition, fmt: str, out: Path, report: BuildReport) -> list[BuildOutput]:
    stem = _stem(comp)
    if fmt == "pdf":
        from jiance.publish.pdf import check_pdf, render_pdf

        result = render_pdf(comp, charts=rendered_charts(comp))
        report.problems += check_pdf(result.data, comp).problems
        report.notes += [f"PDF: {w}" for w in result.warnings]
        report.notes += [f"PDF: refused to fetch {u}" for u in result.blocked]
        path = out / f"{stem}.pdf"
        return [BuildOutput("pdf", path, _write(path, result.data), result.pages)]
    if fmt == "html":
        from jiance.publish.html import render_email_html, render_html

        charts = rendered_charts(comp)
        web, email = out / f"{stem}.html", out / f"{stem}.email.html"
        return [
            BuildOutput("html", web, _write(web, render_html(comp, variant="web", charts=charts).encode())),
            BuildOutput("email", email, _write(email, render_email_html(comp, charts=charts).encode())),
        ]
    if fmt == "docx":
        from jiance.publish.charts import chart_png
        from jiance.publish.docx import render_docx

        pngs = {i: chart_png(spec, captions=False) for i, spec in enumerate(comp.charts)}
        path = out / f"{stem}.docx"
        return [BuildOutput("docx", path, _write(path, render_docx(comp, charts=pngs)))]
    from jiance.publish.markdown import composition_markdown

    path = out / f"{stem}.md"
    return [BuildOutput("md", path, _write(path, composition_markdown(comp).encode()))]


def build_issue(
    store: Store,
    issue_id: int,
    edition: Edition,
    formats: Sequence[str],
    out_dir: Path,
    *,
    after_record: Callable[[BuildReport], None] | None = None,
) -> BuildReport:
    """Build one edition of an issue in ``formats`` into ``out_dir`` and record each file in the store.

    Rendering takes seconds and writes nothing to the store; only then are the builds recorded, in one
    short transaction that ``after_record`` (e.g. the web app's audit row) joins, so a build never holds
    the store's write lock while WeasyPrint lays out pages.
    """
    comp = compose_for_edition(store, issue_id, edition)
    report = BuildReport(issue_id, edition.name, notes=list(comp.notes))
    if comp.empty:
        report.empty = True
        return report
    report.problems += _glyph_problems(comp)
    out_dir.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        report.outputs += _render(comp, fmt, out_dir, report)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    issues = issues_for(store)
    with store.transaction():
        for output in report.outputs:
            digest = hashlib.sha256(output.path.read_bytes()).hexdigest()
            issues.record_build(
                BuildRow(
                    issue_id,
                    edition.name,
                    output.format,
                    str(output.path),
                    digest,
                    output.size,
                    output.pages,
                    now,
                )
            )
        if after_record is not None:
            after_record(report)
    return report
