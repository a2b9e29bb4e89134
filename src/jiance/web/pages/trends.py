"""The trends page: this week's term and entity bursts (with 本期要点-ready lines), stories followed across
issues, and one figure series checked for 万/亿 slips and falling totals, with its chart.

Everything is a call into :mod:`jiance.trends`; the chart is embedded as a ``data:`` image like the figures
page's, so a subject typed by the user never becomes markup.
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from jiance.publish.charts import format_value
from jiance.trends import SeriesView, burst_highlights, bursts, series_view, threads
from jiance.web.deps import Ctx, need
from jiance.web.pages.search import whole_store_reader
from jiance.web.render import page as render

__all__ = ["router"]

router = APIRouter()
TOP = 15


def _week_end(text: str) -> date:
    """The week asked for (YYYY-MM-DD), else today; a malformed date is the caller's mistake (400)."""
    try:
        return date.fromisoformat(text.strip()) if text.strip() else date.today()
    except ValueError:
        raise HTTPException(400, "week_end must be YYYY-MM-DD") from None


def _series(ctx: Ctx, subject: str, unit: str) -> dict[str, Any]:
    """The checked series and its chart as a data: URI, when both subject and unit are given."""
    view: SeriesView | None = series_view(ctx.store, subject, unit) if subject and unit else None
    chart = None
    if view is not None and view.svg:
        chart = "data:image/svg+xml;base64," + base64.b64encode(view.svg.encode("utf-8")).decode("ascii")
    flagged = {w.date: w for w in view.warnings} if view else {}
    return {"subject": subject, "unit": unit, "view": view, "chart": chart, "flagged": flagged}


def _overview(ctx: Ctx, day: date) -> dict[str, Any]:
    """The week's bursts and highlight lines, and every thread across issues."""
    return {
        "terms": bursts(ctx.store, week_end=day, top=TOP),
        "entities": bursts(ctx.store, week_end=day, kind="entity", top=TOP),
        "highlights": burst_highlights(ctx.store, day),
        "threads": threads(ctx.store),
    }


@router.get("/trends", include_in_schema=False)
def trends_page(
    ctx: Annotated[Ctx, Depends(need("viewer"))], week_end: str = "", subject: str = "", unit: str = ""
) -> Response:
    """A plain ``def``: bursts read the window's articles and the chart takes a moment to draw."""
    whole_store_reader(ctx)
    day, series = _week_end(week_end), _series(ctx, subject.strip(), unit.strip())
    if ctx.request.headers.get("hx-request") == "true":
        return render(ctx, "trends_series.html.j2", nav="trends", fmt=format_value, **series)
    return render(ctx, "trends.html.j2", nav="trends", week_end=day.isoformat(), fmt=format_value,
                  **_overview(ctx, day), **series)  # fmt: skip
