"""The issues pages: the list of issues, the issue builder, an edition's preview, builds and downloads.

Every operation is a library call (:mod:`jiance.publish.issues`, ``.build``, ``.editions``, ``.html``,
``.pdf``); a route checks who may see what, calls the library, audits the change and renders. Who sees
what: editors every issue and edition; a viewer only published issues (a draft is work in progress); a
client (a viewer with ``user.editions``) only the previews and files of its own editions. An issue a
reader may not see answers 404, as if it did not exist; an edition that is not the client's answers 403.

Builds from the web go to ``<workspace>/builds/<issue_id>/<edition>/``; a download serves only files under
``<workspace>/builds``, whatever path the store recorded (a row written by the CLI may name any file).
Builds are numbered 1, 2, 3 … within their issue in the order they were made (``issue_builds`` is only
ever appended to), which is the ``build_id`` of the download URL.

Preview, build and download are plain ``def`` routes: FastAPI runs them in its thread pool, so laying out
a PDF does not stall the event loop (the request's store is opened for use from another thread). A build
renders first and then records its files and its audit row in one short transaction (``after_record``),
so the store's write lock is never held while pages are laid out; an edition that comes out empty
records nothing and so is not audited.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from jiance.errors import NotFoundError, PublishError
from jiance.publish.build import BuildReport, build_issue, compose_for_edition, parse_formats, rendered_charts
from jiance.publish.editions import DEFAULT_EDITION, EDITIONS_FILE, Edition, edition_named, load_editions
from jiance.publish.html import render_html
from jiance.publish.issues import (
    get_issue,
    list_issues,
    move_in_issue,
    new_issue,
    publish_issue,
    remove_from_issue,
    set_highlights,
    set_key_figures,
    suggest_highlights,
    suggest_key_figures,
    with_trend_highlights,
)
from jiance.publish.model import Composition, Issue, IssueItem, KeyFigure
from jiance.records import EXPERT_OPINION
from jiance.store.base import StoredArticle
from jiance.store.issues import BuildRow, issues_for
from jiance.web.deps import Ctx, need
from jiance.web.render import page

__all__ = ["FORMAT_CHOICES", "PDF_PREVIEW_CSP", "PREVIEW_CSP", "router"]

router = APIRouter()
Viewer = Annotated[Ctx, Depends(need("viewer"))]
Editor = Annotated[Ctx, Depends(need("editor"))]

PREVIEW_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'; sandbox"
)
"""The bulletin's HTML is self-contained (inline <style>, data: images, no script), so its preview gets
exactly that, in a sandbox: the page's own CSP would leave it unstyled, and nothing more is needed."""

PDF_PREVIEW_CSP = "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
"""Chrome shows a PDF in a page of its own that takes the response's CSP: it needs inline style and the
viewer plugin, which the app's ``default-src 'none'`` (``object-src`` included) would refuse."""

STATUS_LABELS = {"draft": "草稿", "published": "已发布"}
FORMAT_CHOICES = {"pdf": "PDF", "html": "网页（含邮件版）", "docx": "Word", "md": "Markdown"}
"""The build form's formats, one per :data:`jiance.publish.build.FORMATS` (``html`` also writes email)."""
FILE_LABELS = {"pdf": "PDF", "html": "网页", "email": "邮件版", "docx": "Word", "md": "Markdown"}
"""A built file's format as the lists show it."""
OVERRIDE_LABELS = {
    "title": "标题",
    "summary": "摘要",
    "paragraphs": "正文",
    "subheadings": "小标题",
    "headline": "观点标题",
    "speaker": "观点人",
}


@dataclass(slots=True)
class ItemView:
    """One item as the builder lists it: the title printed (override first), where it came from."""

    article_id: str
    title: str
    source: str
    opinion: bool
    overridden: list[str]
    index: int
    last: bool


@dataclass(slots=True)
class ColumnView:
    """One column of the builder; ``name`` is "" for items that have no column."""

    name: str
    items: list[ItemView]

    @property
    def label(self) -> str:
        return self.name or "未分栏"


@dataclass(slots=True)
class BuildView:
    """A recorded build a reader may download, with its number within the issue."""

    number: int
    row: BuildRow

    @property
    def file_name(self) -> str:
        return Path(self.row.path).name if self.row.path else ""

    @property
    def built(self) -> str:
        """When, to the minute (UTC, as recorded): "2026-03-01 09:30"."""
        return self.row.built_at[:16].replace("T", " ")


@dataclass(slots=True)
class IssueRow:
    """One line of the issues list."""

    issue: Issue
    columns: int
    editions: list[Edition]
    builds: list[BuildView]


# -- who may see what ------------------------------------------------------------------------------------


def _is_editor(ctx: Ctx) -> bool:
    return ctx.user is not None and ctx.user.can("editor")


def _may_read(ctx: Ctx, issue: Issue) -> bool:
    return _is_editor(ctx) or issue.status == "published"


def _edition_allowed(ctx: Ctx, name: str) -> bool:
    """Editors and plain viewers read every edition; a client only its own."""
    return _is_editor(ctx) or ctx.user is None or not ctx.user.editions or name in ctx.user.editions


def _readable_issue(ctx: Ctx, issue_id: int) -> Issue:
    issue = get_issue(ctx.store, issue_id)
    if not _may_read(ctx, issue):
        raise NotFoundError(f"no issue {issue_id}", where=str(issue_id))
    return issue


def _editions(ctx: Ctx) -> dict[str, Edition]:
    """The workspace's editions, "default" first, limited to the client's own for a client."""
    defined = load_editions(ctx.workspace / EDITIONS_FILE)
    every = {DEFAULT_EDITION: edition_named(defined, DEFAULT_EDITION), **defined}
    return {name: edition for name, edition in every.items() if _edition_allowed(ctx, name)}


def _readable_edition(ctx: Ctx, name: str | None) -> Edition:
    """The edition asked for (a client's first edition when none is named), if this reader may see it."""
    own = ctx.user.editions if ctx.user is not None and not _is_editor(ctx) else []
    wanted = name or (own[0] if own else DEFAULT_EDITION)
    if not _edition_allowed(ctx, wanted):
        raise HTTPException(403, "this edition is not one of yours")
    return edition_named(load_editions(ctx.workspace / EDITIONS_FILE), wanted)


def _builds(ctx: Ctx, issue_id: int) -> list[BuildView]:
    rows = issues_for(ctx.store).builds(issue_id)
    views = [BuildView(number, row) for number, row in enumerate(rows, 1)]
    return [view for view in views if _edition_allowed(ctx, view.row.edition)]


def _latest_builds(ctx: Ctx, issue_id: int) -> list[BuildView]:
    """The newest file of each edition and format: what a reader wants from the list."""
    latest = {(view.row.edition, view.row.format): view for view in _builds(ctx, issue_id)}
    return list(latest.values())


# -- files -----------------------------------------------------------------------------------------------


def _build_root(ctx: Ctx) -> Path:
    return (ctx.workspace / "builds").resolve()


def _build_dir(ctx: Ctx, issue_id: int, edition: str) -> Path:
    """``builds/<issue>/<edition>`` (the folder the API builds into too); an edition name that is not one
    plain folder name is refused rather than rewritten, so an editor sees the mistake."""
    from jiance.catalog import web_build_dir

    out = web_build_dir(ctx.workspace, issue_id, edition).resolve()
    if out.name != edition or out.parent != _build_root(ctx) / str(issue_id):
        raise PublishError(f"edition name {edition!r} cannot be a folder name", where=EDITIONS_FILE)
    return out


def _build_row(ctx: Ctx, issue_id: int, number: int) -> BuildRow:
    """Build ``number`` (1, 2, 3 … in the order made) of the issue, if its edition is the reader's."""
    rows = issues_for(ctx.store).builds(issue_id)
    if not 1 <= number <= len(rows):
        raise NotFoundError(f"issue {issue_id} has no build {number}", where=str(number))
    row = rows[number - 1]
    if not _edition_allowed(ctx, row.edition):
        raise HTTPException(403, "this edition is not one of yours")
    return row


def _build_file(ctx: Ctx, row: BuildRow) -> Path:
    """The recorded file, only when it lies inside the build folder and still exists."""
    if not row.path:
        raise NotFoundError("this build wrote no file")
    path = Path(row.path).resolve()
    if not path.is_relative_to(_build_root(ctx)):
        raise HTTPException(403, "this file was built outside the workspace's build folder")
    if not path.is_file():
        raise NotFoundError(f"the built file is gone: {path.name}", where=path.name)
    return path


def _pdf_inline(comp: Composition) -> Response:
    """The edition laid out as the build would, shown in the browser's PDF viewer, recorded nowhere."""
    from jiance.publish.pdf import render_pdf

    name = quote(f"issue-{comp.issue_id}-{comp.edition}.pdf")
    headers = {
        "content-security-policy": PDF_PREVIEW_CSP,
        "content-disposition": f"inline; filename*=utf-8''{name}",
    }
    data = render_pdf(comp, charts=rendered_charts(comp)).data
    return Response(data, media_type="application/pdf", headers=headers)


# -- views -----------------------------------------------------------------------------------------------


def _source(stored: StoredArticle) -> str:
    """Where the article came from, as short as an editor needs it: name, web host or file name."""
    article = stored.article
    if article.source_name:
        return article.source_name
    if article.provenance.url:
        return urlsplit(article.provenance.url).hostname or article.provenance.url
    path = stored.document_path or article.provenance.path
    return Path(path).name if path else ""


def _item_view(ctx: Ctx, item: IssueItem, index: int, count: int) -> ItemView:
    stored = ctx.store.get_article(item.article_id)
    return ItemView(
        article_id=item.article_id,
        title=str(item.overrides.get("title") or stored.article.title),
        source=_source(stored),
        opinion=stored.article.kind == EXPERT_OPINION,
        overridden=[OVERRIDE_LABELS.get(name, name) for name in item.overrides],
        index=index,
        last=index == count - 1,
    )


def _columns(ctx: Ctx, issue: Issue) -> list[ColumnView]:
    """The issue's columns in order (empty ones too, so items can be dragged into them)."""
    names = list(dict.fromkeys([*issue.sections, *(item.section or "" for item in issue.items)]))
    columns = []
    for name in names:
        items = [item for item in issue.items if (item.section or "") == name]
        columns.append(ColumnView(name, [_item_view(ctx, it, i, len(items)) for i, it in enumerate(items)]))
    return columns


def _place(issue: Issue, article_id: str) -> dict[str, Any] | None:
    """Where an item sits, for the audit row."""
    item = next((it for it in issue.items if it.article_id == article_id), None)
    return {"article_id": article_id, "section": item.section, "position": item.position} if item else None


def _target(issue_id: int) -> str:
    return f"issue:{issue_id}"


def _is_htmx(ctx: Ctx) -> bool:
    return ctx.request.headers.get("hx-request") == "true"


def _columns_partial(ctx: Ctx, issue_id: int, message: str) -> Response:
    """The columns again for an HTMX swap; a plain form post goes back to the builder."""
    if not _is_htmx(ctx):
        return RedirectResponse(f"/issues/{issue_id}", status_code=303)
    issue = get_issue(ctx.store, issue_id)
    response = page(ctx, "issue_columns.html.j2", issue=issue, columns=_columns(ctx, issue))
    response.headers["x-jiance-message"] = quote(message)
    return response


def _back(ctx: Ctx, issue_id: int, message: str) -> Response:
    """Back to the builder after a change outside the columns (HTMX follows ``HX-Redirect``)."""
    if _is_htmx(ctx):
        return Response(
            status_code=204,
            headers={"hx-redirect": f"/issues/{issue_id}", "x-jiance-message": quote(message)},
        )
    return RedirectResponse(f"/issues/{issue_id}", status_code=303)


def _builder(ctx: Ctx, issue_id: int, report: BuildReport | None = None) -> Response:
    issue = get_issue(ctx.store, issue_id)
    return page(
        ctx,
        "issue.html.j2",
        nav="issues",
        issue=issue,
        columns=_columns(ctx, issue),
        editions=_editions(ctx),
        builds=_builds(ctx, issue_id),
        report=report,
        status_labels=STATUS_LABELS,
        format_choices=FORMAT_CHOICES,
        file_labels=FILE_LABELS,
    )


def _issue_row(ctx: Ctx, issue: Issue) -> IssueRow:
    return IssueRow(
        issue=issue,
        columns=len({item.section for item in issue.items}),
        editions=list(_editions(ctx).values()),
        builds=_latest_builds(ctx, issue.id),
    )


def _figures_after(ctx: Ctx, issue: Issue, action: str, index: int | None) -> list[KeyFigure]:
    if action == "suggest":
        return suggest_key_figures(ctx.store, issue)
    if action == "remove":
        return [figure for i, figure in enumerate(issue.key_figures) if i != index]
    return []


def _report_record(report: BuildReport) -> dict[str, Any]:
    """What the audit keeps of a build: which files, and what went wrong."""
    return {
        "edition": report.edition,
        "files": [{"format": o.format, "file": o.path.name, "size": o.size} for o in report.outputs],
        "empty": report.empty,
        "problems": report.problems,
    }


# -- routes ----------------------------------------------------------------------------------------------


@router.get("/issues", include_in_schema=False)
async def issues_list(ctx: Viewer) -> Response:
    rows = [_issue_row(ctx, issue) for issue in list_issues(ctx.store) if _may_read(ctx, issue)]
    return page(
        ctx,
        "issues.html.j2",
        nav="issues",
        rows=rows,
        editor=_is_editor(ctx),
        today=datetime.date.today().isoformat(),
        status_labels=STATUS_LABELS,
        file_labels=FILE_LABELS,
    )


@router.post("/issues", include_in_schema=False)
async def issue_create(
    ctx: Editor,
    title: Annotated[str, Form()],
    date: Annotated[str, Form()] = "",
    number: Annotated[str, Form()] = "",
) -> Response:
    with ctx.store.transaction():
        issue = new_issue(ctx.store, title, date=date.strip() or None, number=number.strip() or None)
        record = {"title": issue.title, "date": issue.date, "number": issue.number}
        ctx.audit("issue.create", _target(issue.id), after=record)
    return RedirectResponse(f"/issues/{issue.id}", status_code=303)


@router.get("/issues/{issue_id}", include_in_schema=False)
async def issue_builder(ctx: Editor, issue_id: int) -> Response:
    return _builder(ctx, issue_id)


@router.post("/issues/{issue_id}/move", include_in_schema=False)
async def issue_move(
    ctx: Editor,
    issue_id: int,
    article_id: Annotated[str, Form()],
    section: Annotated[str | None, Form()] = None,
    position: Annotated[int | None, Form()] = None,
) -> Response:
    with ctx.store.transaction():
        before = _place(get_issue(ctx.store, issue_id), article_id)
        move_in_issue(ctx.store, issue_id, article_id, position=position, section=section or None)
        after = _place(get_issue(ctx.store, issue_id), article_id)
        ctx.audit("issue.move", _target(issue_id), before=before, after=after)
    return _columns_partial(ctx, issue_id, "已调整位置")


@router.post("/issues/{issue_id}/remove", include_in_schema=False)
async def issue_remove(ctx: Editor, issue_id: int, article_id: Annotated[str, Form()]) -> Response:
    with ctx.store.transaction():
        before = _place(get_issue(ctx.store, issue_id), article_id)
        removed = remove_from_issue(ctx.store, issue_id, [article_id])
        ctx.audit("issue.remove", _target(issue_id), before=before, after={"removed": removed})
    return _columns_partial(ctx, issue_id, "已移出本期")


@router.post("/issues/{issue_id}/highlights", include_in_schema=False)
async def issue_highlights(
    ctx: Editor,
    issue_id: int,
    text: Annotated[str, Form()] = "",
    action: Annotated[Literal["save", "suggest", "trends"], Form()] = "save",
) -> Response:
    with ctx.store.transaction():
        issue = get_issue(ctx.store, issue_id)
        if action == "suggest":
            lines = suggest_highlights(ctx.store, issue)
        elif action == "trends":
            lines = with_trend_highlights(ctx.store, issue)
        else:
            lines = text.splitlines()
        set_highlights(ctx.store, issue_id, lines)
        after = get_issue(ctx.store, issue_id).highlights
        ctx.audit("issue.highlights", _target(issue_id), before=issue.highlights, after=after)
    return _back(ctx, issue_id, "本期要点已更新")


@router.post("/issues/{issue_id}/figures", include_in_schema=False)
async def issue_figures(
    ctx: Editor,
    issue_id: int,
    action: Annotated[Literal["suggest", "clear", "remove"], Form()],
    index: Annotated[int | None, Form()] = None,
) -> Response:
    with ctx.store.transaction():
        issue = get_issue(ctx.store, issue_id)
        figures = _figures_after(ctx, issue, action, index)
        set_key_figures(ctx.store, issue_id, figures)
        before = [k.to_record() for k in issue.key_figures]
        ctx.audit("issue.figures", _target(issue_id), before=before, after=[k.to_record() for k in figures])
    return _back(ctx, issue_id, "关键数据已更新")


@router.post("/issues/{issue_id}/publish", include_in_schema=False)
async def issue_publish(ctx: Editor, issue_id: int) -> Response:
    with ctx.store.transaction():
        before = get_issue(ctx.store, issue_id).status
        issue = publish_issue(ctx.store, issue_id)
        after = {"status": issue.status, "published_at": issue.published_at}
        ctx.audit("issue.publish", _target(issue_id), before={"status": before}, after=after)
    return _back(ctx, issue_id, "已发布")


@router.post("/issues/{issue_id}/build", include_in_schema=False)
def issue_build(
    ctx: Editor,
    issue_id: int,
    edition: Annotated[str, Form()] = DEFAULT_EDITION,
    formats: Annotated[list[str] | None, Form()] = None,
) -> Response:
    chosen = edition_named(_editions(ctx), edition)
    wanted, out = parse_formats(",".join(formats or [])), _build_dir(ctx, issue_id, chosen.name)

    def audit(report: BuildReport) -> None:  # joins the transaction that records the files
        ctx.audit("issue.build", _target(issue_id), after=_report_record(report))

    report = build_issue(ctx.store, issue_id, chosen, wanted, out, after_record=audit)
    return _builder(ctx, issue_id, report)


@router.get("/issues/{issue_id}/preview", include_in_schema=False)
def issue_preview(
    ctx: Viewer,
    issue_id: int,
    edition: str | None = None,
    fmt: Annotated[Literal["html", "pdf"], Query(alias="format")] = "html",
) -> Response:
    issue = _readable_issue(ctx, issue_id)
    comp = compose_for_edition(ctx.store, issue.id, _readable_edition(ctx, edition))
    if fmt == "pdf":
        return _pdf_inline(comp)
    html = render_html(comp, variant="web", charts=rendered_charts(comp))
    return HTMLResponse(html, headers={"content-security-policy": PREVIEW_CSP})


@router.get("/issues/{issue_id}/builds/{build_id}/download", include_in_schema=False)
def issue_download(ctx: Viewer, issue_id: int, build_id: int) -> Response:
    issue = _readable_issue(ctx, issue_id)
    path = _build_file(ctx, _build_row(ctx, issue.id, build_id))
    return FileResponse(path, filename=path.name)  # as an attachment: never rendered by the app's origin
