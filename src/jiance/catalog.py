"""The workspace as an outside client reads it: articles, search hits, figures, issues and builds as plain
JSON records, and what a client account may see of them.

The JSON API (:mod:`jiance.web.api`) and the MCP server (:mod:`jiance.mcp`) both answer from here, so a
question asked through either gets the same record. The rule for clients lives here too: a viewer whose
account names editions (``User.editions``) is a client; it sees published issues only, and only the builds
of its own editions. Builds started from the web or the API are written under
``<workspace>/builds/<issue id>/<edition>/`` (:func:`web_build_dir`), the one folder downloads are served from.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jiance.accounts import User
from jiance.errors import NotFoundError
from jiance.figures_index import figure_series, search_figures
from jiance.publish.build import BuildReport, build_issue, parse_formats
from jiance.publish.editions import EDITIONS_FILE, edition_named, load_editions
from jiance.publish.issues import get_issue, list_issues
from jiance.publish.model import Issue
from jiance.store.base import SearchHit, Store, StoredArticle
from jiance.store.issues import BuildRow, issues_for

__all__ = [
    "BUILDS_DIR",
    "article_record",
    "article_records",
    "build_record",
    "build_report_record",
    "build_web",
    "figure_records",
    "hit_record",
    "is_client",
    "issue_summary",
    "search_records",
    "series_records",
    "visible_builds",
    "visible_issue",
    "visible_issues",
    "web_build_dir",
]

BUILDS_DIR = "builds"
"""Folder of the workspace that web and API builds are written into."""

_SLUG_RE = re.compile(r"[^\w.-]+")


# ------------------------------------------------------------------------------------------- articles


def article_record(store: Store, stored: StoredArticle, *, analysis: bool = False) -> dict[str, Any]:
    """The record of ``jiance articles --format jsonl`` plus the editorial status and, on request, every
    analysis stage's saved result (``{stage: {"result": ..., "version": ...}}``)."""
    record = stored.to_record()
    record["status"] = stored.status
    if analysis:
        record["analysis"] = store.analysis(stored.id)
    return record


def article_records(
    store: Store,
    *,
    section: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
    analysis: bool = False,
) -> list[dict[str, Any]]:
    """One page of stored articles in import order (``offset`` skips, ``limit`` caps)."""
    page = store.articles(section=section, kind=kind, limit=limit, offset=offset)
    return [article_record(store, stored, analysis=analysis) for stored in page]


# --------------------------------------------------------------------------------- search and figures


def hit_record(hit: SearchHit) -> dict[str, Any]:
    """A search hit as JSON: ``offsets`` are [start, end) pairs into ``snippet_text`` (no markers)."""
    return {
        "id": hit.article_id,
        "title": hit.title,
        "section": hit.section,
        "snippet": hit.snippet,
        "snippet_text": hit.snippet_text,
        "offsets": [[start, end] for start, end in hit.offsets],
        "score": hit.score,
        "title_hit": hit.title_hit,
    }


def search_records(
    store: Store, query: str, *, limit: int = 10, section: str | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    """Full-text search (:meth:`Store.search`) as records, best first."""
    return [hit_record(h) for h in store.search(query, limit=limit, section=section, kind=kind)]


def figure_records(
    store: Store,
    *,
    q: str | None = None,
    subject: str | None = None,
    entity: str | None = None,
    unit: str | None = None,
    kind: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """:func:`jiance.figures_index.search_figures` as records, newest first."""
    found = search_figures(store, q=q, subject=subject, entity=entity, unit=unit, kind=kind, limit=limit)
    return [hit.to_record() for hit in found]


def series_records(store: Store, subject: str, unit: str) -> list[dict[str, Any]]:
    """:func:`jiance.figures_index.figure_series` as records, oldest first."""
    return [dataclasses.asdict(point) for point in figure_series(store, subject, unit)]


# ------------------------------------------------------------------------------------ issues and builds


def is_client(user: User | None) -> bool:
    """A viewer limited to some editions: a client reader (``None`` is the local operator, never one)."""
    return user is not None and not user.can("editor") and bool(user.editions)


def visible_issues(store: Store, user: User | None) -> list[Issue]:
    """Every issue the user may see, newest first: a client sees published issues only."""
    issues = list_issues(store)
    return [i for i in issues if i.status == "published"] if is_client(user) else issues


def visible_issue(store: Store, user: User | None, issue_id: int) -> Issue:
    """The issue, or NotFoundError when it does not exist or the user may not see it (a client asking
    for a draft learns nothing more than for an id that does not exist)."""
    issue = get_issue(store, issue_id)
    if is_client(user) and issue.status != "published":
        raise NotFoundError(f"no issue {issue_id}", where=str(issue_id))
    return issue


def issue_summary(issue: Issue) -> dict[str, Any]:
    """An issue without its items: what a list shows."""
    return {
        "id": issue.id,
        "title": issue.title,
        "date": issue.date,
        "number": issue.number,
        "status": issue.status,
        "sections": list(issue.sections),
        "item_count": len(issue.items),
        "created_at": issue.created_at,
        "published_at": issue.published_at,
    }


def _shown_path(path: str | Path | None, workspace: Path | None) -> str | None:
    """A path relative to the workspace when it lies inside it (a client need not learn server folders)."""
    if path is None or workspace is None:
        return None if path is None else str(path)
    try:
        return Path(path).resolve().relative_to(workspace.resolve()).as_posix()
    except ValueError:
        return str(path)


def build_record(row: BuildRow, workspace: Path | None = None) -> dict[str, Any]:
    """One recorded build file; ``path`` relative to ``workspace`` when inside it."""
    record = dataclasses.asdict(row)
    record["path"] = _shown_path(row.path, workspace)
    return record


def visible_builds(
    store: Store, user: User | None, issue_id: int, workspace: Path | None = None
) -> list[dict[str, Any]]:
    """The issue's recorded builds the user may see: a client only those of its own editions."""
    visible_issue(store, user, issue_id)
    rows = issues_for(store).builds(issue_id)
    if is_client(user) and user is not None:
        rows = [r for r in rows if r.edition in user.editions]
    return [build_record(r, workspace) for r in rows]


def web_build_dir(workspace: Path, issue_id: int, edition: str) -> Path:
    """``<workspace>/builds/<issue id>/<edition>/``: the folder builds from the web and the API go to."""
    slug = _SLUG_RE.sub("-", edition).strip("-.") or "edition"
    return workspace / BUILDS_DIR / str(int(issue_id)) / slug


def build_web(
    store: Store,
    workspace: Path,
    issue_id: int,
    edition: str,
    formats: Sequence[str],
    *,
    after_record: Callable[[BuildReport], None] | None = None,
) -> BuildReport:
    """Build one edition (from the workspace's editions.toml, or "default") of an issue into
    :func:`web_build_dir`; an unknown edition is a ConfigError, an unknown format a PublishError."""
    chosen = edition_named(load_editions(workspace / EDITIONS_FILE), edition)
    wanted = parse_formats(",".join(formats))
    get_issue(store, issue_id)  # NotFoundError before any folder is made
    out = web_build_dir(workspace, issue_id, chosen.name)
    return build_issue(store, issue_id, chosen, wanted, out, after_record=after_record)


def build_report_record(report: BuildReport, workspace: Path | None = None) -> dict[str, Any]:
    """What a build did, as JSON; output paths relative to ``workspace``."""
    return {
        "issue_id": report.issue_id,
        "edition": report.edition,
        "empty": report.empty,
        "outputs": [
            {"format": o.format, "path": _shown_path(o.path, workspace), "size": o.size, "pages": o.pages}
            for o in report.outputs
        ],
        "notes": list(report.notes),
        "problems": list(report.problems),
    }
