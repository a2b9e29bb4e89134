"""Turn articles into a :class:`~jiance.publish.model.Composition`: what every renderer prints.

Two ways in: :func:`composition_from_bulletin` for a parsed bulletin as it stands (a back-catalogue issue
re-set in the house style, and the round-trip tests), and :func:`compose_issue` for an editor's issue
(overrides applied, an edition's filters, repeats dropped, 持续跟踪 marked). :func:`composition_records`
is the inverse view: the records a perfect parse of the output gives back, in ``jiance parse`` shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jiance.publish.model import Branding, Composition, Issue, Piece, Section, Tracking
from jiance.records import EXPERT_OPINION, Article, Bulletin

__all__ = [
    "UNSECTIONED",
    "EarlierArticle",
    "assign_anchors",
    "compose_issue",
    "composition_from_bulletin",
    "composition_records",
    "piece_from_article",
]

UNSECTIONED = "综合"
"""Column for articles that have none (a single-article import): printed under this name."""


def piece_from_article(
    article: Article, article_id: str | None = None, overrides: dict[str, Any] | None = None
) -> Piece:
    """A printable piece from a stored article, with the editor's overrides laid over it."""
    o = overrides or {}
    paragraphs = list(o.get("paragraphs") or article.paragraphs)
    subheadings = [s for s in (o.get("subheadings") or article.subheadings) if s in paragraphs]
    speaker = o.get("speaker") or article.speaker
    headline = o.get("headline") or article.headline
    title = o.get("title") or article.title
    if article.kind == EXPERT_OPINION and ("speaker" in o or "headline" in o) and speaker and headline:
        title = f"{speaker}：{headline}"
    return Piece(
        article_id=article_id or article.id,
        kind=article.kind,
        title=title,
        paragraphs=paragraphs,
        subheadings=subheadings,
        summary=o.get("summary"),
        speaker=speaker,
        headline=headline,
        source_name=article.source_name,
        url=article.provenance.url,
        published_at=article.published_at,
        related_title=article.related_title,
    )


def assign_anchors(sections: Sequence[Section]) -> None:
    """Stable ids for every column and piece (``s2``, ``s2-5``): contents links and page counters use them."""
    for s_index, section in enumerate(sections, 1):
        section.anchor = f"s{s_index}"
        for p_index, piece in enumerate(section.pieces, 1):
            piece.anchor = f"s{s_index}-{p_index}"


def group_sections(pieces: Iterable[tuple[str | None, Piece]], order: Sequence[str] = ()) -> list[Section]:
    """Pieces gathered by column, columns in ``order`` first, then in order of first appearance."""
    by_name: dict[str, Section] = {}
    for name, piece in pieces:
        key = name or UNSECTIONED
        by_name.setdefault(key, Section(key)).pieces.append(piece)
    ranked = [by_name[n] for n in order if n in by_name]
    ranked += [s for n, s in by_name.items() if n not in order]
    return ranked


def composition_from_bulletin(
    bulletin: Bulletin, branding: Branding | None = None, *, edition: str = "default"
) -> Composition:
    """A parsed bulletin as it stands: its columns, order, titles and bodies; its name and date when known."""
    issue = bulletin.issue
    brand = branding or Branding()
    if branding is None and issue.title:
        brand.name = issue.title
    if branding is None and issue.contact:
        brand.contact = issue.contact
    sections = group_sections(
        ((a.section, piece_from_article(a)) for a in bulletin.articles), bulletin.sections
    )
    assign_anchors(sections)
    return Composition(
        issue_id=0,
        title=brand.name,
        date=issue.date,
        number=issue.number,
        edition=edition,
        branding=brand,
        sections=sections,
    )


def composition_records(composition: Composition) -> list[dict[str, Any]]:
    """What a perfect ``jiance parse`` of a rendering gives back (gold for the round-trip tests)."""
    records: list[dict[str, Any]] = []
    for section in composition.sections:
        for piece in section.pieces:
            record: dict[str, Any] = {
                "kind": piece.kind,
                "section": section.name,
                "title": piece.title,
                "subheadings": list(piece.subheadings),
                "paragraphs": list(piece.paragraphs),
            }
            if piece.kind == EXPERT_OPINION:
                record.update(
                    {
                        "speaker": piece.speaker,
                        "headline": piece.headline,
                        "related_title": piece.related_title,
                    }
                )
            records.append(record)
    return records


@dataclass(slots=True)
class EarlierArticle:
    """An article an earlier issue printed, with that issue: what repeats and 持续跟踪 are judged against."""

    article: Article
    issue_id: int
    issue_title: str
    issue_number: str | None
    issue_date: str | None


def _tracking(earlier: EarlierArticle) -> Tracking:
    return Tracking(
        issue_id=earlier.issue_id,
        issue_title=earlier.issue_title,
        issue_number=earlier.issue_number,
        issue_date=earlier.issue_date,
        article_title=earlier.article.title,
    )


def _history_links(
    current: Sequence[Article], earlier: Sequence[EarlierArticle]
) -> tuple[dict[str, EarlierArticle], dict[str, EarlierArticle]]:
    """For each current article: the earlier article it repeats (near-duplicate text), and the earlier
    article whose event it continues (same event, new text). Identical ids are not compared: an editor who
    re-runs an article on purpose (``allow_repeats``) gets it printed."""
    from jiance.stages.dedup import duplicate_groups
    from jiance.stages.events import events

    current_ids = {a.id for a in current}
    old = [e for e in earlier if e.article.id not in current_ids]
    if not old or not current:
        return {}, {}
    union = [*current, *(e.article for e in old)]
    groups = duplicate_groups(union)
    found = events(union)
    by_group: dict[str, EarlierArticle] = {}
    by_event: dict[str, EarlierArticle] = {}
    for e in old:  # the latest earlier issue wins: ``earlier`` comes oldest first
        if e.article.id in groups:
            by_group[groups[e.article.id]] = e
        if e.article.id in found:
            by_event[found[e.article.id].event_id] = e
    repeats = {a.id: by_group[groups[a.id]] for a in current if groups.get(a.id) in by_group}
    follows = {
        a.id: by_event[found[a.id].event_id]
        for a in current
        if a.id not in repeats and a.id in found and found[a.id].event_id in by_event
    }
    return repeats, follows


def compose_issue(
    issue: Issue,
    articles: Mapping[str, Article],
    *,
    branding: Branding | None = None,
    earlier: Sequence[EarlierArticle] = (),
    edition: str = "default",
) -> Composition:
    """The issue as printed: overrides applied, columns in the issue's order, repeats of earlier issues
    left out (with a note), new developments of earlier stories marked 持续跟踪."""
    ordered = [(item, articles[item.article_id]) for item in issue.items]
    repeats, follows = _history_links([a for _, a in ordered], earlier)
    notes: list[str] = []
    placed: list[tuple[str | None, Piece]] = []
    for item, article in ordered:
        if article.id in repeats:
            where = repeats[article.id]
            notes.append(
                f"已刊于{where.issue_number or where.issue_date or where.issue_title}，不再重复：{article.title}"
            )
            continue
        piece = piece_from_article(article, item.article_id, item.overrides)
        if article.id in follows:
            piece.tracking = _tracking(follows[article.id])
        placed.append((item.section, piece))
    sections = group_sections(placed, issue.sections)
    assign_anchors(sections)
    brand = branding or Branding()
    return Composition(
        issue_id=issue.id,
        title=issue.title,
        date=issue.date,
        number=issue.number,
        edition=edition,
        branding=brand,
        sections=sections,
        highlights=list(issue.highlights),
        key_figures=list(issue.key_figures),
        notes=notes,
    )
