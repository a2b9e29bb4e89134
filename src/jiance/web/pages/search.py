"""The search page: full-text search over the store with column and kind filters, paging, live results
(an HTMX partial as the editor types) and each user's saved searches.

Matches are highlighted from ``SearchHit.offsets`` into ``snippet_text``: the snippet is cut into
(text, is_hit) segments here and the template wraps the hits in ``<mark class="hit">``, so article text is
always autoescaped and never marked safe. A client (a viewer limited to editions) is refused: the store
holds unpublished and rejected articles, and no library call yet narrows a search to an edition.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import RedirectResponse, Response

from jiance import saved_searches
from jiance.records import ARTICLE, EXPERT_OPINION
from jiance.store.accounts import SavedSearch
from jiance.web.deps import Ctx, need
from jiance.web.render import page as render

__all__ = ["PAGE_SIZE", "hit_segments", "router", "whole_store_reader"]

router = APIRouter()
PAGE_SIZE = 20
KIND_LABELS = {ARTICLE: "文章", EXPERT_OPINION: "专家观点"}


def whole_store_reader(ctx: Ctx) -> None:
    """Refuse a client account: its reading is limited to its editions, and this page reads everything."""
    if ctx.user is not None and ctx.user.editions:
        raise HTTPException(403, "a client account reads its editions only")


def hit_segments(text: str, offsets: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_hit) runs at the hit ``offsets`` (sorted, overlaps merged)."""
    segments: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted(offsets):
        start = max(start, at)
        if end <= start:
            continue
        if start > at:
            segments.append((text[at:start], False))
        segments.append((text[start:end], True))
        at = end
    if at < len(text):
        segments.append((text[at:], False))
    return segments


def _page_number(text: str) -> int:
    """The ``page`` parameter as a page number: anything odd is page 1, and paging stops at 500."""
    return max(1, min(int(text), 500)) if text.isdigit() else 1


def _results(ctx: Ctx, q: str, section: str, kind: str, page_no: int) -> dict[str, Any]:
    """One page of hits with their highlighted snippets, the total count and the paging links."""
    links = {
        "prev_url": _query(q, section, kind, page_no - 1),
        "next_url": _query(q, section, kind, page_no + 1),
    }
    data: dict[str, Any] = {"q": q, "section": section, "kind": kind, "page_no": page_no, **links}
    if not q.strip():
        return {**data, "hits": [], "total": 0, "has_next": False}
    found = ctx.store.search(q, limit=page_no * PAGE_SIZE + 1, section=section or None, kind=kind or None)
    shown = found[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE]
    return {
        **data,
        "hits": [(hit, hit_segments(hit.snippet_text, hit.offsets)) for hit in shown],
        "total": len(ctx.store.search_ids(q, section=section or None, kind=kind or None)),
        "has_next": len(found) > page_no * PAGE_SIZE,
    }


def _query(q: str, section: str, kind: str, page_no: int | None = None) -> str:
    params = {"q": q, "section": section, "kind": kind}
    return urlencode({**params, **({"page": str(page_no)} if page_no else {})})


def _saved(ctx: Ctx) -> list[tuple[SavedSearch, str]]:
    """The user's saved searches, each with the query string that runs it again."""
    assert ctx.user is not None
    found = saved_searches.saved_searches(ctx.store, ctx.user)
    return [(s, urlencode(saved_searches.search_params(s))) for s in found]


def _sections(ctx: Ctx, section: str) -> list[str]:
    known = list(ctx.settings.sections)
    return known + ([section] if section and section not in known else [])


def _is_htmx(ctx: Ctx) -> bool:
    return ctx.request.headers.get("hx-request") == "true"


@router.get("/search", include_in_schema=False)
async def search_page(
    ctx: Annotated[Ctx, Depends(need("viewer"))],
    q: str = "",
    section: str = "",
    kind: str = "",
    page: str = "1",
) -> Response:
    whole_store_reader(ctx)
    data = _results(ctx, q, section, kind, _page_number(page))
    if _is_htmx(ctx):
        return render(ctx, "search_results.html.j2", kind_labels=KIND_LABELS, **data)
    return render(
        ctx, "search.html.j2", nav="search", sections=_sections(ctx, section), kind_labels=KIND_LABELS,
        saved=_saved(ctx), **data,
    )  # fmt: skip


def _record(saved: SavedSearch | None) -> dict[str, Any] | None:
    """What the audit row keeps of a saved search."""
    return None if saved is None else {"name": saved.name, "query": saved.query, "filters": saved.filters}


def _after_saved_change(ctx: Ctx, back_to: str) -> Response:
    """HTMX gets the saved-search list to swap in; a plain form post goes back to the search page."""
    if _is_htmx(ctx):
        return render(ctx, "search_saved.html.j2", saved=_saved(ctx), kind_labels=KIND_LABELS)
    return RedirectResponse(back_to, status_code=303)


@router.post("/search/saved", include_in_schema=False)
async def save_search(
    ctx: Annotated[Ctx, Depends(need("viewer"))],
    name: Annotated[str, Form()],
    q: Annotated[str, Form()],
    section: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
) -> Response:
    whole_store_reader(ctx)
    assert ctx.user is not None
    with ctx.store.transaction():
        old = next((s for s, _ in _saved(ctx) if s.name == name.strip()), None)
        saved = saved_searches.save_search(ctx.store, ctx.user, name, q, {"section": section, "kind": kind})
        ctx.audit("search.save", f"saved_search:{saved.id}", before=_record(old), after=_record(saved))
    return _after_saved_change(ctx, "/search?" + urlencode(saved_searches.search_params(saved)))


@router.post("/search/saved/{search_id}/delete", include_in_schema=False)
async def delete_search(ctx: Annotated[Ctx, Depends(need("viewer"))], search_id: int) -> Response:
    assert ctx.user is not None
    with ctx.store.transaction():
        gone = saved_searches.delete_search(ctx.store, ctx.user, search_id)
        ctx.audit("search.delete", f"saved_search:{gone.id}", before=_record(gone))
    return _after_saved_change(ctx, "/search")
