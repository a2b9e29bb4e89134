"""The sources page: the health of every configured source, the editors' switch, and "collect now".

Health comes from the recorded runs (:mod:`jiance.sources.health`); the switch and the run are
:mod:`jiance.sources.control`. A switch answers an HTMX request with the source's table row, so the
table updates in place; a plain form post goes back to the page.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from jiance.sources import control
from jiance.sources.collect import RunReport
from jiance.sources.config import SourceConfig, load_sources
from jiance.web.deps import Ctx, need
from jiance.web.render import page as render

__all__ = ["STATUS_LABELS", "router"]

router = APIRouter()
STATUS_LABELS = {
    "ok": "正常", "degraded": "部分失败", "failed": "失败", "flagged": "连续失败", "disabled": "已停用",
    "paused": "已暂停", "never": "未运行",
}  # fmt: skip


def _configs(ctx: Ctx) -> list[SourceConfig]:
    return load_sources(ctx.settings, base=ctx.workspace)


def _row(ctx: Ctx, state: control.SourceState, message: str) -> Response:
    """The source's row for HTMX (with a toast message), else back to the page."""
    if ctx.request.headers.get("hx-request") != "true":
        return RedirectResponse("/sources", status_code=303)
    response = render(ctx, "sources_row.html.j2", state=state, labels=STATUS_LABELS)
    response.headers["X-Jiance-Message"] = quote(message)
    return response


@router.get("/sources", include_in_schema=False)
async def sources_page(ctx: Annotated[Ctx, Depends(need("editor"))]) -> Response:
    states = control.source_states(ctx.store, _configs(ctx))
    return render(ctx, "sources.html.j2", nav="sources", states=states, labels=STATUS_LABELS)


def _switch(ctx: Ctx, name: str, enabled: bool) -> Response:
    configs = _configs(ctx)
    with ctx.store.transaction():
        was = control.source_states(ctx.store, [control.configured_source(configs, name)])[0].switched_on
        state = control.set_enabled(ctx.store, configs, name, enabled)
        action = "source.enable" if enabled else "source.disable"
        ctx.audit(action, f"source:{name}", before={"enabled": was}, after={"enabled": state.switched_on})
    return _row(ctx, state, f"{name}：已{'启用' if enabled else '暂停'}")


@router.post("/sources/{name:path}/enable", include_in_schema=False)
async def enable_source(ctx: Annotated[Ctx, Depends(need("editor"))], name: str) -> Response:
    return _switch(ctx, name, True)


@router.post("/sources/{name:path}/disable", include_in_schema=False)
async def disable_source(ctx: Annotated[Ctx, Depends(need("editor"))], name: str) -> Response:
    return _switch(ctx, name, False)


def _summary(report: RunReport) -> dict[str, object]:
    """What the audit row keeps of a run (its full record is in source_runs under ``run_id``)."""
    return {"run_id": report.run_id, "status": report.status, "new": report.new,
            "unchanged": report.unchanged, "failed": report.failed, "error": report.error}  # fmt: skip


@router.post("/sources/{name:path}/run", include_in_schema=False)
def run_source(ctx: Annotated[Ctx, Depends(need("editor"))], name: str) -> Response:
    """A plain ``def`` (the thread pool): a run fetches over the network for as long as it takes.

    The run records itself (items, articles, its ``source_runs`` row) as it goes; holding one write
    transaction across its fetches would stall every other editor, so the audit row follows in its own.
    """
    configs = _configs(ctx)
    report = control.run_source(ctx.store, ctx.settings, configs, name)
    with ctx.store.transaction():
        ctx.audit("source.run", f"source:{name}", after=_summary(report))
    state = control.source_states(ctx.store, [control.configured_source(configs, name)])[0]
    return _row(
        ctx, state, f"{name}：{STATUS_LABELS[report.status]}，新增 {report.new} 篇，失败 {report.failed} 条"
    )
