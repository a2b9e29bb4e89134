"""The JSON API under ``/api``: the same library calls as the CLI and the MCP server, for scripts and clients.

Every route asks for ``Authorization: Bearer <token>`` (``jiance token create USER``) through
:func:`jiance.web.deps.api_need` with the least role it allows: 401 (with ``WWW-Authenticate: Bearer``)
without a valid token, 403 when the token's user lacks the role. Reads need a viewer; a client viewer
(``User.editions`` set) sees published issues and its own editions' builds only (:mod:`jiance.catalog`).
Writes need an editor and run inside ``ctx.store.transaction()`` with their audit row. OpenAPI is at
``/api/openapi.json`` (docs at ``/api/docs``); the models below are its schemas.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Security
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from jiance import catalog
from jiance.figures_index import FigureHit, SeriesPoint
from jiance.publish import issues as lib
from jiance.publish.build import BuildReport
from jiance.publish.model import IssueItem, KeyFigure
from jiance.records import IssueMeta
from jiance.store.issues import BuildRow, EarlierUse
from jiance.web.deps import Ctx, api_need

__all__ = ["router"]

_bearer = HTTPBearer(auto_error=False, description="A token from `jiance token create USER`.")


class ErrorOut(BaseModel):
    detail: str


router = APIRouter(
    dependencies=[Security(_bearer)],  # documents the scheme in OpenAPI; api_need does the checking
    responses={
        401: {"model": ErrorOut, "description": "No or an invalid bearer token."},
        403: {"model": ErrorOut, "description": "The token's user lacks the role."},
    },
)

Viewer = Annotated[Ctx, Depends(api_need("viewer"))]
Editor = Annotated[Ctx, Depends(api_need("editor"))]


# ---------------------------------------------------------------------------------------------- models


class SourceOut(BaseModel):
    """Where the article was read: the stored file (or URL) and its line or page range."""

    path: str | None = None
    url: str | None = None
    line_start: int | None = None
    line_end: int | None = None
    page_start: int | None = None
    page_end: int | None = None


class ArticleOut(BaseModel):
    """A stored article: the record of ``jiance articles --format jsonl`` plus status (and analysis)."""

    id: str
    document_id: str
    kind: str
    section: str | None = None
    title: str
    subheadings: list[str] = []
    body: str
    speaker: str | None = None
    headline: str | None = None
    related_title: str | None = None
    source: SourceOut
    issue: IssueMetaOut | None = None
    published_at: str | None = None
    source_name: str | None = None
    author: str | None = None
    status: str
    analysis: dict[str, Any] | None = Field(None, description="{stage: {result, version}} when asked for.")


class ArticlePage(BaseModel):
    articles: list[ArticleOut]
    offset: int
    limit: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last page.")


# Response shapes that are the library's own records (FastAPI documents dataclasses as they are), so the
# API cannot drift from what the library returns.
FigureOut = FigureHit
SeriesPointOut = SeriesPoint
IssueItemOut = IssueItem
KeyFigureOut = KeyFigure
EarlierUseOut = EarlierUse
BuildOut = BuildRow
IssueMetaOut = IssueMeta


class SearchHitOut(BaseModel):
    """One hit: ``snippet`` marks matches with 【】; ``offsets`` index ``snippet_text`` (no markers)."""

    id: str
    title: str
    section: str | None
    snippet: str
    snippet_text: str
    offsets: list[tuple[int, int]]
    score: float
    title_hit: bool


class SearchOut(BaseModel):
    query: str
    hits: list[SearchHitOut]


class IssueSummaryOut(BaseModel):
    id: int
    title: str
    date: str | None
    number: str | None
    status: str
    sections: list[str]
    item_count: int
    created_at: str | None
    published_at: str | None


class IssueOut(BaseModel):
    """An issue as the editor keeps it: columns in order, items per column, highlights, figures box."""

    id: int
    title: str
    date: str | None
    number: str | None
    status: str
    highlights: list[str]
    key_figures: list[KeyFigureOut]
    sections: list[str]
    items: list[IssueItemOut]
    source_document_id: str | None
    created_at: str | None
    published_at: str | None


class IssueCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    date: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="yyyy-mm-dd")
    number: str | None = Field(None, max_length=100)
    sections: list[str] | None = Field(None, description="Column order (default: the house's five).")


class ItemsAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    article_ids: list[str] = Field(min_length=1, max_length=500)
    section: str | None = Field(None, description="Put every article in this column (default: its own).")
    position: int | None = Field(None, ge=0)
    allow_repeats: bool = Field(False, description="Add articles an earlier issue already carries.")


class AddReportOut(BaseModel):
    added: list[str]
    present: list[str] = Field(description="Already in this issue.")
    repeats: list[EarlierUseOut] = Field(description="Left out: an earlier issue carries them.")


class BuildRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    edition: str = Field("default", min_length=1, max_length=100)
    formats: list[str] = Field(["pdf"], min_length=1, description="pdf, html, docx, md (or all).")


class BuildOutputOut(BaseModel):
    format: str
    path: str | None = Field(description="Relative to the workspace.")
    size: int
    pages: int | None


class BuildReportOut(BaseModel):
    issue_id: int
    edition: str
    empty: bool = Field(description="The edition left nothing in: no file was written.")
    outputs: list[BuildOutputOut]
    notes: list[str]
    problems: list[str] = Field(description="Checks of the written PDF that failed.")


# ---------------------------------------------------------------------------------------------- routes


@router.get("/articles", tags=["articles"], summary="List stored articles", response_model=ArticlePage)
def list_articles(
    ctx: Viewer,
    section: str | None = None,
    kind: Annotated[str | None, Query(pattern="^(article|expert_opinion)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    analysis: Annotated[bool, Query(description="Add every analysis stage's result.")] = False,
) -> dict[str, Any]:
    """Articles in import order, one page at a time."""
    records = catalog.article_records(
        ctx.store, section=section, kind=kind, limit=limit, offset=offset, analysis=analysis
    )
    more = offset + limit if len(records) == limit else None
    return {"articles": records, "offset": offset, "limit": limit, "next_offset": more}


@router.get("/articles/{article_id}", tags=["articles"], summary="One article", response_model=ArticleOut)
def get_article(ctx: Viewer, article_id: str, analysis: bool = True) -> dict[str, Any]:
    """The article with its provenance and (unless ``analysis=0``) its analysis results."""
    return catalog.article_record(ctx.store, ctx.store.get_article(article_id), analysis=analysis)


@router.get("/search", tags=["search"], summary="Full-text search", response_model=SearchOut)
def search(
    ctx: Viewer,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words, space = AND.")],
    section: str | None = None,
    kind: Annotated[str | None, Query(pattern="^(article|expert_opinion)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """Articles containing every term of ``q``: title hits first, then by score."""
    hits = catalog.search_records(ctx.store, q, limit=limit, section=section, kind=kind)
    return {"query": q, "hits": hits}


@router.get("/figures", tags=["figures"], summary="Find key figures", response_model=list[FigureOut])
def figures(
    ctx: Viewer,
    q: str | None = None,
    subject: str | None = None,
    entity: str | None = None,
    unit: str | None = None,
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Figures whose subject, entity, unit or kind match (width and case folded); ``q`` searches all."""
    return catalog.figure_records(
        ctx.store, q=q, subject=subject, entity=entity, unit=unit, kind=kind, limit=limit
    )


@router.get(
    "/figures/series",
    tags=["figures"],
    summary="One indicator over time",
    response_model=list[SeriesPointOut],
)
def figures_series(
    ctx: Viewer,
    subject: Annotated[str, Query(min_length=1)],
    unit: Annotated[str, Query(min_length=1)],
) -> list[dict[str, Any]]:
    """The figures of ``subject`` in ``unit``, oldest first, one point per date."""
    return catalog.series_records(ctx.store, subject, unit)


@router.get("/issues", tags=["issues"], summary="List issues", response_model=list[IssueSummaryOut])
def list_issues(ctx: Viewer) -> list[dict[str, Any]]:
    """Every issue newest first (a client account: published ones only)."""
    return [catalog.issue_summary(i) for i in catalog.visible_issues(ctx.store, ctx.user)]


@router.post("/issues", tags=["issues"], summary="Create an issue", response_model=IssueOut, status_code=201)
def create_issue(ctx: Editor, body: IssueCreate) -> dict[str, Any]:
    """A new, empty draft issue."""
    with ctx.store.transaction():
        sections = body.sections if body.sections is not None else lib.DEFAULT_SECTIONS
        issue = lib.new_issue(ctx.store, body.title, date=body.date, number=body.number, sections=sections)
        ctx.audit("issue.create", f"issue:{issue.id}", after=issue.to_record())
    return issue.to_record()


@router.get("/issues/{issue_id}", tags=["issues"], summary="One issue", response_model=IssueOut)
def get_issue(ctx: Viewer, issue_id: int) -> dict[str, Any]:
    """The issue with its items in column order (a client account: published issues only)."""
    return catalog.visible_issue(ctx.store, ctx.user, issue_id).to_record()


@router.post("/issues/{issue_id}/items", tags=["issues"], summary="Add articles", response_model=AddReportOut)
def add_items(ctx: Editor, issue_id: int, body: ItemsAdd) -> dict[str, Any]:
    """Put articles at the end of their column (or ``section`` / ``position``); repeats of earlier
    issues are reported and left out unless ``allow_repeats``."""
    with ctx.store.transaction():
        before = [it.article_id for it in lib.get_issue(ctx.store, issue_id).items]
        report = lib.add_to_issue(
            ctx.store, issue_id, body.article_ids, section=body.section, position=body.position,
            allow_repeats=body.allow_repeats,
        )  # fmt: skip
        after = {"added": report.added, "repeats": [r.article_id for r in report.repeats]}
        ctx.audit("issue.add_items", f"issue:{issue_id}", before=before, after=after)
    return {"added": report.added, "present": report.present, "repeats": [asdict(r) for r in report.repeats]}


@router.post(
    "/issues/{issue_id}/build", tags=["issues"], summary="Build an edition", response_model=BuildReportOut
)
def build(ctx: Editor, issue_id: int, body: BuildRequest) -> dict[str, Any]:
    """Build one edition in the given formats under ``builds/<issue>/<edition>/`` and record the files."""

    def audit(report: BuildReport) -> None:  # joins the short transaction that records the builds
        ctx.audit(
            "issue.build", f"issue:{issue_id}", after=catalog.build_report_record(report, ctx.workspace)
        )

    report = catalog.build_web(
        ctx.store, ctx.workspace, issue_id, body.edition, body.formats, after_record=audit
    )
    return catalog.build_report_record(report, ctx.workspace)


@router.get(
    "/issues/{issue_id}/builds", tags=["issues"], summary="Recorded builds", response_model=list[BuildOut]
)
def builds(ctx: Viewer, issue_id: int) -> list[dict[str, Any]]:
    """Every file built from the issue (a client account: its own editions of published issues)."""
    return catalog.visible_builds(ctx.store, ctx.user, issue_id, ctx.workspace)
