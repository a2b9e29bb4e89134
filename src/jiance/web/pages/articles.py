"""The article page (anyone logged in) and the per-issue edit form of an article (editors).

``/articles/{id}`` shows the text with its figures and names marked (segments cut by
:func:`jiance.inbox.highlight`, marked by the template: article text is never trusted as HTML), where it
came from, its duplicates, same-event and related articles, and its analysis. A client (a viewer limited
to editions) reads only articles that a published issue carries; anything else answers 404 as if it did
not exist. ``/issues/{issue_id}/items/{article_id}/edit`` overrides the title, summary and body for one
issue through :func:`jiance.publish.issues.edit_item`; the rest of ``/issues/…`` belongs to
:mod:`jiance.web.pages.issues`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from jiance import inbox
from jiance.web.deps import Ctx, need
from jiance.web.render import page

__all__ = ["router"]

router = APIRouter()
Viewer = Annotated[Ctx, Depends(need("viewer"))]
Editor = Annotated[Ctx, Depends(need("editor"))]
FormText = Annotated[str, Form()]
_DONE = {"saved": "已保存本期的修改。", "reset": "已恢复原文。"}


def _is_client(ctx: Ctx) -> bool:
    return ctx.user is not None and bool(ctx.user.editions) and not ctx.user.can("editor")


@router.get("/articles/{article_id}", include_in_schema=False)
async def article_page(ctx: Viewer, article_id: str) -> Response:
    view = inbox.article_view(ctx.store, article_id, published_only=_is_client(ctx))
    editor = ctx.user is not None and ctx.user.can("editor")
    return page(ctx, "article.html.j2", nav="inbox" if editor else "search", view=view, editor=editor)


def _edit_url(issue_id: int, article_id: str) -> str:
    return f"/issues/{issue_id}/items/{article_id}/edit"


@router.get("/issues/{issue_id}/items/{article_id}/edit", include_in_schema=False)
async def item_edit_form(ctx: Editor, issue_id: int, article_id: str, done: str = "") -> Response:
    edit = inbox.item_edit(ctx.store, issue_id, article_id)
    return page(ctx, "item_edit.html.j2", nav="issues", edit=edit, message=_DONE.get(done))


@router.post("/issues/{issue_id}/items/{article_id}/edit", include_in_schema=False)
async def item_edit_save(
    ctx: Editor,
    issue_id: int,
    article_id: str,
    title: FormText = "",
    summary: FormText = "",
    body: FormText = "",
    action: FormText = "save",
) -> Response:
    before = inbox.item_edit(ctx.store, issue_id, article_id).item.overrides
    with ctx.store.transaction():
        if action == "reset":
            after = inbox.reset_item(ctx.store, issue_id, article_id)
        else:
            after = inbox.save_item(ctx.store, issue_id, article_id, title=title, summary=summary, body=body)
        verb = "reset" if action == "reset" else "edit"
        ctx.audit(f"item.{verb}", f"issue:{issue_id}/article:{article_id}", before=before, after=after)
    done = "reset" if action == "reset" else "saved"
    return RedirectResponse(f"{_edit_url(issue_id, article_id)}?done={done}", status_code=303)
