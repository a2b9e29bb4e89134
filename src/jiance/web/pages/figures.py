"""The figures page: the key figures the figures stage read from every article, searchable by subject,
entity and unit, and one indicator over time as a table and a line chart.

The chart is the bulletin's own (:func:`jiance.publish.charts.series_chart` drawn by ``chart_svg``),
embedded as a ``data:`` image: the CSP allows ``img-src data:``, and an SVG inside ``<img>`` runs no
script, so the subject typed by the user can never become markup on the page.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from jiance.figures_index import FigureHit, SeriesPoint, figure_series, search_figures
from jiance.publish.charts import chart_svg, format_value, series_chart
from jiance.web.deps import Ctx, need
from jiance.web.pages.search import hit_segments, whole_store_reader
from jiance.web.render import page as render

__all__ = ["FIGURE_LIMIT", "router"]

router = APIRouter()
FIGURE_LIMIT = 200
KIND_LABELS = {
    "money": "金额", "change": "增减", "share": "占比", "percent": "比例", "multiple": "倍数", "score": "评分",
    "spec": "规格", "count": "数量",
}  # fmt: skip


def _chart_uri(subject: str, unit: str, points: list[SeriesPoint]) -> tuple[str, str] | None:
    """(data: URI of the line chart, its title), or None when there is nothing to draw."""
    if not points:
        return None
    spec = series_chart(subject, [(p.date, p.value) for p in points], unit)
    svg = chart_svg(spec, width_cm=16, height_cm=7)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii"), spec.title


def _marked(hit: FigureHit) -> list[tuple[str, bool]]:
    """The hit's sentence cut into (text, is_figure) runs, so the template can mark the figure in it."""
    at = hit.sentence.find(hit.raw) if hit.raw else -1
    return hit_segments(hit.sentence, [(at, at + len(hit.raw))] if at >= 0 else [])


def _figures(ctx: Ctx, filters: dict[str, str]) -> dict[str, Any]:
    """The newest figures matching ``filters`` (at most FIGURE_LIMIT), each with its marked sentence."""
    hits = search_figures(
        ctx.store, **{k: v.strip() or None for k, v in filters.items()}, limit=FIGURE_LIMIT + 1
    )
    rows = [(hit, _marked(hit)) for hit in hits[:FIGURE_LIMIT]]
    return {**filters, "rows": rows, "more": len(hits) > FIGURE_LIMIT, "limit": FIGURE_LIMIT}


@router.get("/figures", include_in_schema=False)
async def figures_page(
    ctx: Annotated[Ctx, Depends(need("viewer"))],
    q: str = "",
    subject: str = "",
    entity: str = "",
    unit: str = "",
) -> Response:
    whole_store_reader(ctx)
    data = _figures(ctx, {"q": q, "subject": subject, "entity": entity, "unit": unit})
    name = "figures_table.html.j2" if ctx.request.headers.get("hx-request") == "true" else "figures.html.j2"
    return render(ctx, name, nav="figures", fmt=format_value, kind_labels=KIND_LABELS, **data)


@router.get("/figures/series", include_in_schema=False)
def series_page(ctx: Annotated[Ctx, Depends(need("viewer"))], subject: str = "", unit: str = "") -> Response:
    """A plain ``def``: drawing the chart takes a few hundred milliseconds, so it runs in the thread pool."""
    whole_store_reader(ctx)
    subject, unit = subject.strip(), unit.strip()
    points = figure_series(ctx.store, subject, unit) if subject and unit else []
    chart = _chart_uri(subject, unit, points)
    return render(ctx, "figures_series.html.j2", nav="figures", subject=subject, unit=unit, points=points,
                  chart=chart, fmt=format_value)  # fmt: skip
