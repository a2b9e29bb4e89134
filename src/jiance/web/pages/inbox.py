"""The inbox page (editors): incoming stories as cards, a filter sidebar, and accept / reject / snooze.

Every operation is a call into :mod:`jiance.inbox`. The issue the inbox accepts into is chosen in the
sidebar and travels as the ``issue`` query parameter (the newest draft when none is given), so two tabs
can feed two drafts. An HTMX request gets the card list only (filters) or the one line that replaces a
card (a verdict); a plain form post is redirected back to the inbox. Keyboard shortcuts come from app.js:
cards carry ``data-card`` and the buttons ``data-key`` a / r / s.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from jiance import inbox
from jiance.publish.issues import AddReport
from jiance.web.deps import Ctx, need
from jiance.web.render import page

__all__ = ["router"]

router = APIRouter()
Editor = Annotated[Ctx, Depends(need("editor"))]
FormText = Annotated[str, Form()]
SNOOZE_DAYS = (1, 3, 7)
_FILTER_FIELDS = ("source", "column", "tag", "entity", "date_from", "date_to", "has_figures", "snoozed")


def _is_htmx(ctx: Ctx) -> bool:
    return ctx.request.headers.get("hx-request") == "true"


PAGE_SIZE = 50
"""Stories per inbox page: an editor works the top of the pile; "显示更多" adds the next 50."""


def _number(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _filters(params: dict[str, str]) -> inbox.Filters:
    """The sidebar's query parameters as library filters (an empty field is no filter)."""
    figures = {"1": True, "0": False}.get(params.get("has_figures", ""))
    values = {name: params.get(name, "").strip() or None for name in _FILTER_FIELDS[:6]}
    return inbox.Filters(**values, has_figures=figures, include_snoozed=params.get("snoozed") == "1")


def _data(ctx: Ctx) -> dict[str, Any]:
    """What the page and its card list show, from the request's query parameters."""
    params = dict(ctx.request.query_params)
    choice = inbox.current_issue(ctx.store, _number(params.get("issue")))
    limit = min(_number(params.get("limit")) or PAGE_SIZE, 10 * PAGE_SIZE)
    view = inbox.inbox_view(ctx.store, _filters(params), limit=limit)
    kept = {k: v for k, v in params.items() if k in _FILTER_FIELDS and v}
    if choice.current is not None:
        kept["issue"] = str(choice.current.id)
    more = urlencode({**kept, "limit": str(limit + PAGE_SIZE)}) if view.total > len(view.stories) else None
    return {"view": view, "stories": view.stories, "choice": choice, "params": params, "notice": {},
            "done": None, "snooze_days": SNOOZE_DAYS, "back": urlencode(kept), "more": more}  # fmt: skip


@router.get("/inbox", include_in_schema=False)
async def inbox_page(ctx: Editor) -> Response:
    data = _data(ctx)
    if _is_htmx(ctx):
        return page(ctx, "inbox_card.html.j2", **data)
    return page(ctx, "inbox.html.j2", nav="inbox", **data)


def _back_url(back: str) -> str:
    """The inbox with the filters and issue the card was shown under (only the inbox's own parameters:
    the value comes from the form and must not steer the redirect anywhere else)."""
    kept = [(k, v) for k, v in parse_qsl(back) if k in (*_FILTER_FIELDS, "issue")]
    return "/inbox" + (f"?{urlencode(kept)}" if kept else "")


def _answer(
    ctx: Ctx, message: str, back: str, *, issue_id: int | None = None, card: inbox.Story | None = None
) -> Response:
    """HTMX: the line (or, when the verdict was refused, the card again) that replaces the card;
    otherwise back to the inbox as it was."""
    if not _is_htmx(ctx):
        return RedirectResponse(_back_url(back), status_code=303)
    data: dict[str, Any] = {"stories": [card] if card else [], "done": None if card else message}
    data.update(choice=inbox.current_issue(ctx.store, issue_id), snooze_days=SNOOZE_DAYS, back=back)
    response = page(ctx, "inbox_card.html.j2", notice={card.id: message} if card else {}, **data)
    response.headers["x-jiance-message"] = quote(message)
    return response


def _accepted(report: AddReport, story: inbox.Story, issue_title: str) -> str:
    if report.repeats:
        use = report.repeats[0]
        return f"未采用：《{story.lead.title}》已刊于 {use.issue_number or use.issue_title}，可排除"
    where = "已在本期" if report.present and not report.added else "已采用"
    return f"{where}：《{story.lead.title}》→ {issue_title}"


@router.post("/inbox/{story_id}/accept", include_in_schema=False)
async def accept_story(
    ctx: Editor, story_id: str, issue_id: Annotated[int, Form()], section: FormText = "", back: FormText = ""
) -> Response:
    story = inbox.find_story(ctx.store, story_id)
    with ctx.store.transaction():
        report = inbox.accept(ctx.store, [story_id], issue_id, section=section.strip() or None)
        repeats = [r.article_id for r in report.repeats]
        after = {"issue_id": issue_id, "added": report.added, "repeats": repeats}
        ctx.audit("article.accept", f"article:{story.id}", after=after)
    chosen = inbox.current_issue(ctx.store, issue_id).current
    message = _accepted(report, story, chosen.title if chosen else f"#{issue_id}")
    return _answer(ctx, message, back, issue_id=issue_id, card=story if report.repeats else None)


@router.post("/inbox/{story_id}/reject", include_in_schema=False)
async def reject_story(ctx: Editor, story_id: str, issue_id: FormText = "", back: FormText = "") -> Response:
    story = inbox.find_story(ctx.store, story_id)
    with ctx.store.transaction():
        rejected = inbox.reject(ctx.store, [story_id])
        ctx.audit("article.reject", f"article:{story.id}", after={"status": "rejected", "articles": rejected})
    message = f"已排除：《{story.lead.title}》（{len(rejected)} 篇）"
    return _answer(ctx, message, back, issue_id=_number(issue_id))


@router.post("/inbox/{story_id}/snooze", include_in_schema=False)
async def snooze_story(
    ctx: Editor, story_id: str, days: Annotated[int, Form()] = 1, issue_id: FormText = "", back: FormText = ""
) -> Response:
    story = inbox.find_story(ctx.store, story_id)
    until = inbox.wake_time(days)
    with ctx.store.transaction():
        snoozed = inbox.snooze(ctx.store, [story_id], until)
        ctx.audit("article.snooze", f"article:{story.id}", after={"until": until, "articles": snoozed})
    return _answer(ctx, f"已暂缓 {days} 天：《{story.lead.title}》", back, issue_id=_number(issue_id))
