"""The editor's operations on an issue: create, fill, order, edit, highlight, publish.

These are the library calls behind ``jiance issue …`` and the web app's issue builder; neither holds logic
of its own. An article that an earlier issue already carries is refused (it would be a repeat) unless
the caller insists; a new development of a story already covered is accepted and marked 持续跟踪 when the
issue is composed (:mod:`jiance.publish.compose`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jiance.errors import NotFoundError, PublishError
from jiance.publish.model import OVERRIDE_FIELDS, Issue, KeyFigure
from jiance.records import EXPERT_OPINION
from jiance.settings import Settings
from jiance.store.base import Store, StoredArticle
from jiance.store.issues import EarlierUse, issues_for

__all__ = [
    "DEFAULT_SECTIONS",
    "AddReport",
    "add_to_issue",
    "edit_item",
    "get_issue",
    "issue_from_file",
    "list_issues",
    "move_in_issue",
    "new_issue",
    "publish_issue",
    "remove_from_issue",
    "set_highlights",
    "set_key_figures",
    "suggest_highlights",
    "suggest_key_figures",
    "with_trend_highlights",
]

DEFAULT_SECTIONS: tuple[str, ...] = ("产业环境", "运营竞争", "技术情报", "企业情报", "海外借鉴")
"""The columns of 信息产业监测, in its order: a new issue starts with them."""

_KEY_FIGURE_KINDS = ("count", "money", "percent", "share", "change", "multiple")
_MAX_KEY_FIGURES = 6


@dataclass(slots=True)
class AddReport:
    """What :func:`add_to_issue` did: added, already in this issue, refused as repeats of earlier issues."""

    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    repeats: list[EarlierUse] = field(default_factory=list)


def new_issue(
    store: Store,
    title: str,
    *,
    date: str | None = None,
    number: str | None = None,
    sections: Sequence[str] = DEFAULT_SECTIONS,
) -> Issue:
    """A new, empty draft issue with the given columns."""
    if not title.strip():
        raise PublishError("an issue needs a title")
    issue_id = issues_for(store).create(title.strip(), date=date, number=number, sections=sections)
    return get_issue(store, issue_id)


def get_issue(store: Store, issue_id: int) -> Issue:
    return issues_for(store).get(issue_id)


def list_issues(store: Store) -> list[Issue]:
    return issues_for(store).all()


def issue_from_file(store: Store, path: Path, settings: Settings, *, title: str | None = None) -> Issue:
    """An issue holding an imported bulletin's articles, in its columns and order (re-set in house style).

    The file is imported first (a no-op when its bytes are already stored), so ``--from`` works on any
    bulletin file, imported or not.
    """
    from jiance.pipeline import import_file, parse_bytes

    result = import_file(path, store, settings)
    if result.status == "failed" or result.document_id is None:
        raise PublishError(f"cannot make an issue from {path}: {result.message}", where=str(path))
    document_id = result.document_id
    issues = issues_for(store)
    stored = [store.get_article(a) for a in issues.document_articles(document_id)]
    if not stored:
        raise PublishError(f"{path} holds no articles", where=str(path))
    # The stored articles may carry another file's metadata (the same text arrived first elsewhere), so
    # the issue's name, date and number are read from this file itself.
    meta = parse_bytes(path.read_bytes(), str(path), settings).issue
    sections = list(dict.fromkeys(s.article.section for s in stored if s.article.section))
    issue_id = issues.create(
        title or meta.title or path.stem,
        date=meta.date,
        number=meta.number,
        sections=sections,
        source_document_id=document_id,
    )
    issues.add(issue_id, [(s.id, s.article.section) for s in stored])
    return get_issue(store, issue_id)


def _default_section(store: Store, stored: StoredArticle, issue: Issue) -> str | None:
    """The article's own column when the issue has it, else the column model's suggestion, else its own."""
    own = stored.article.section
    if own and own in issue.sections:
        return own
    suggested = (store.analysis(stored.id).get("column") or {}).get("result") or {}
    column = suggested.get("column") if isinstance(suggested, dict) else None
    return column if isinstance(column, str) and column else own


def add_to_issue(
    store: Store,
    issue_id: int,
    article_ids: Sequence[str],
    *,
    section: str | None = None,
    position: int | None = None,
    allow_repeats: bool = False,
) -> AddReport:
    """Put articles into the issue (at the end of their column, or at ``position``).

    An article an earlier issue already carries is reported in ``repeats`` and left out, unless
    ``allow_repeats``. Without ``section`` each article goes to its own (or its suggested) column.
    """
    issues = issues_for(store)
    issue = issues.get(issue_id)
    present = {item.article_id for item in issue.items}
    report = AddReport(present=[a for a in article_ids if a in present])
    earlier = {use.article_id: use for use in issues.earlier_uses(issue_id, article_ids)}
    placements: list[tuple[str, str | None]] = []
    for article_id in dict.fromkeys(article_ids):
        if article_id in present:
            continue
        if article_id in earlier and not allow_repeats:
            report.repeats.append(earlier[article_id])
            continue
        stored = store.get_article(article_id)
        placements.append((article_id, section or _default_section(store, stored, issue)))
    report.added = issues.add(issue_id, placements, position)
    new_sections = [s for _, s in placements if s and s not in issue.sections]
    if new_sections:
        issues.set_json(issue_id, "sections", [*issue.sections, *dict.fromkeys(new_sections)])
    return report


def move_in_issue(
    store: Store, issue_id: int, article_id: str, *, position: int | None = None, section: str | None = None
) -> None:
    """Reorder an item in its column, or move it to ``section`` (a new column is appended to the order)."""
    issues = issues_for(store)
    issues.move(issue_id, article_id, position=position, section=section, change_section=section is not None)
    issue = issues.get(issue_id)
    if section and section not in issue.sections:
        issues.set_json(issue_id, "sections", [*issue.sections, section])


def remove_from_issue(store: Store, issue_id: int, article_ids: Sequence[str]) -> int:
    return issues_for(store).remove(issue_id, article_ids)


def edit_item(store: Store, issue_id: int, article_id: str, **changes: Any) -> dict[str, Any]:
    """Override the item's title, summary, paragraphs, sub-headings, speaker or headline for this issue.

    A value of None drops that override (back to the source's text). Returns the overrides now in force.
    """
    unknown = set(changes) - set(OVERRIDE_FIELDS)
    if unknown:
        raise PublishError(f"cannot override {sorted(unknown)}; editable: {', '.join(OVERRIDE_FIELDS)}")
    issue = get_issue(store, issue_id)
    item = next((it for it in issue.items if it.article_id == article_id), None)
    if item is None:
        raise NotFoundError(f"article {article_id} is not in issue {issue_id}", where=article_id)
    overrides = dict(item.overrides)
    for name, value in changes.items():
        if value is None:
            overrides.pop(name, None)
        elif name in ("paragraphs", "subheadings"):
            overrides[name] = [str(v) for v in value if str(v).strip()]
        else:
            overrides[name] = str(value).strip()
    issues_for(store).set_overrides(issue_id, article_id, overrides)
    return overrides


def set_highlights(store: Store, issue_id: int, lines: Sequence[str]) -> None:
    """Replace the 本期要点 (one line each; blank lines dropped)."""
    issues_for(store).set_json(issue_id, "highlights", [ln.strip() for ln in lines if ln.strip()])


def set_key_figures(store: Store, issue_id: int, figures: Sequence[KeyFigure]) -> None:
    """Replace the key-figures box."""
    issues_for(store).set_json(issue_id, "key_figures", [f.to_record() for f in figures])


def publish_issue(store: Store, issue_id: int) -> Issue:
    """Mark the issue published: from now on its articles count as already published for later issues."""
    issues_for(store).update(
        issue_id, status="published", published_at=datetime.now(UTC).isoformat(timespec="seconds")
    )
    return get_issue(store, issue_id)


def suggest_highlights(store: Store, issue: Issue, *, per_section: int = 1) -> list[str]:
    """本期要点 an editor can start from: the lead article(s) of each column, by title and summary lead."""
    lines: list[str] = []
    taken: dict[str | None, int] = {}
    for item in issue.items:
        stored = store.get_article(item.article_id)
        if stored.article.kind == EXPERT_OPINION or taken.get(item.section, 0) >= per_section:
            continue
        taken[item.section] = taken.get(item.section, 0) + 1
        lines.append(str(item.overrides.get("title") or stored.article.title))
    return lines


def with_trend_highlights(store: Store, issue: Issue) -> list[str]:
    """The issue's 本期要点 followed by the week's term and entity bursts (:mod:`jiance.trends`) that are not
    among them yet, the week ending on the issue's date (today for an undated issue)."""
    from datetime import date

    from jiance.trends import burst_highlights

    try:
        day = date.fromisoformat(issue.date) if issue.date else date.today()
    except ValueError:
        day = date.today()
    lines = list(issue.highlights)
    return lines + [line for line in burst_highlights(store, day) if line not in lines]


def _figure_score(record: dict[str, Any]) -> float:
    """Prefer figures that say what they measure (subject), over when (period), as a change or count."""
    return (
        (2.0 if record.get("subject") else 0.0)
        + (1.0 if record.get("period") else 0.0)
        + (1.0 if record.get("kind") in ("change", "count", "money") else 0.0)
    )


_CLAUSE_START = "，。；：、！？（(\n"
_TRAILING_VERBS = re.compile(
    r"(?:同比)?(?:增长|下降|增加|减少|提升|提高)?(?:分别|完成|达到|达|为|突破|超过|超|约|共|累计|实现|增至|降至|至|了)*$"
)
_LEADING_WORDS = re.compile(r"^(?:其中|另外|此外|同时|而|并|且|共|全年|目前)+")


def _clause_label(record: dict[str, Any]) -> str:
    """What the figure measures, read from its own clause: the words before the number up to the
    previous punctuation, minus the verb (达、突破、同比增长…). "全国5G基站总数达481.2万个" → 全国5G基站总数."""
    sentence = str(record.get("sentence") or "")
    raw = str(record.get("raw") or "")
    span = record.get("span")
    at = int(span[0]) if span else sentence.find(raw)
    if at < 0:
        return ""
    start = max(sentence.rfind(c, 0, at) for c in _CLAUSE_START) + 1
    clause = _LEADING_WORDS.sub("", _TRAILING_VERBS.sub("", sentence[start:at].strip()))
    return clause[-18:]


def _labelled(record: dict[str, Any]) -> bool:
    """A figure worth boxing says what it measures before the number ("…总数达481.2万个"), not after it
    ("完成对100款以上…软件的适配": the clause ends in a preposition and the label would mean nothing)."""
    clause = _clause_label(record)
    return len(clause) >= 4 and clause[-1] not in "对在将向把从与和及的是"


def _key_figure(record: dict[str, Any], article_id: str) -> KeyFigure:
    raw = str(record.get("raw") or "")
    unit = record.get("unit")
    value = raw[: -len(unit)] if unit and raw.endswith(unit) else raw
    subject = str(record.get("subject") or "")
    clause = _clause_label(record)
    label = clause if not subject or subject in clause else subject
    period = str(record.get("period") or "")
    if period and period in label and label != period:
        label = label.replace(period, "", 1).strip()
    change = record.get("change") or {}
    if change.get("basis") and change.get("direction"):
        label += f"（{change['basis']}{'增长' if change['direction'] == 'up' else '下降'}）"
    return KeyFigure(
        label=label or raw,
        value=value.strip() or raw,
        unit=unit,
        article_id=article_id,
        sentence=record.get("sentence"),
        period=record.get("period"),
    )


def suggest_key_figures(store: Store, issue: Issue, *, limit: int = _MAX_KEY_FIGURES) -> list[KeyFigure]:
    """Candidates for the key-figures box from the figures the analysis found in the issue's articles:
    at most one per article, best described first, each with its sentence as provenance."""
    picked: list[tuple[float, int, KeyFigure]] = []
    for order, item in enumerate(issue.items):
        saved = store.analysis(item.article_id).get("figures")
        records = [r for r in (saved or {}).get("result") or [] if r.get("kind") in _KEY_FIGURE_KINDS]
        records = [r for r in records if r.get("value") is not None and _labelled(r)]
        if records:
            best = max(records, key=_figure_score)
            picked.append((_figure_score(best), -order, _key_figure(best, item.article_id)))
    picked.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [k for _, _, k in picked[:limit]]
