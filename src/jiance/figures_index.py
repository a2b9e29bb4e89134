"""Finding key figures across the store: by subject, entity, unit or free text, and as a series over time.

The figures stage saves every article's figures (``analysis`` stage ``figures``); this module reads them
back for the web app's figures page, the JSON API and the MCP server. A series is the same subject and
unit over time, dated by the article's issue date, else its publication date, else when it was stored;
its points keep their sentence and article, so every point can be checked against its source.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from jiance.store.base import Store, StoredArticle
from jiance.text import fold

__all__ = ["FigureHit", "SeriesPoint", "figure_series", "search_figures"]


@dataclass(slots=True)
class FigureHit:
    """One figure of one article, with what it measures and where it was read."""

    article_id: str
    title: str
    date: str | None
    raw: str
    value: float | None
    unit: str | None
    kind: str
    subject: str | None
    entity: str | None
    period: str | None
    sentence: str

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class SeriesPoint:
    date: str
    value: float
    raw: str
    article_id: str
    title: str
    sentence: str


def _matches(record: dict[str, Any], needle: str | None, field: str | None) -> bool:
    if not needle:
        return True
    value = (
        record.get(field)
        if field
        else " ".join(str(record.get(k) or "") for k in ("subject", "entity", "sentence"))
    )
    return fold(needle) in fold(str(value or ""))


def _hits(
    store: Store, article_ids: Iterable[str] | None = None
) -> Iterable[tuple[StoredArticle, dict[str, Any]]]:
    wanted = set(article_ids) if article_ids is not None else None
    articles: dict[str, StoredArticle] = {}
    for article_id, records in store.stage_results("figures"):
        if wanted is not None and article_id not in wanted:
            continue
        if article_id not in articles:
            articles[article_id] = store.get_article(article_id)
        for record in records or []:
            yield articles[article_id], record


def search_figures(
    store: Store,
    *,
    q: str | None = None,
    subject: str | None = None,
    entity: str | None = None,
    unit: str | None = None,
    kind: str | None = None,
    limit: int = 200,
) -> list[FigureHit]:
    """Figures whose subject / entity / unit / kind contain the given values (folded: width and case do
    not matter); ``q`` searches subject, entity and sentence together. Newest first."""
    found: list[FigureHit] = []
    for stored, record in _hits(store):
        if not (
            _matches(record, q, None)
            and _matches(record, subject, "subject")
            and _matches(record, entity, "entity")
            and (not unit or fold(unit) == fold(str(record.get("unit") or "")))
            and (not kind or kind == record.get("kind"))
        ):
            continue
        found.append(
            FigureHit(
                stored.id, stored.article.title, stored.date(), str(record.get("raw") or ""), record.get("value"),
                record.get("unit"), str(record.get("kind") or ""), record.get("subject"), record.get("entity"),
                record.get("period"), str(record.get("sentence") or ""),
            )
        )  # fmt: skip
    found.sort(key=lambda h: h.date or "", reverse=True)
    return found[:limit]


def figure_series(store: Store, subject: str, unit: str) -> list[SeriesPoint]:
    """One indicator over time: the figures whose subject contains ``subject`` and whose unit is ``unit``,
    oldest first, one point per date (the latest article of that date wins)."""
    by_date: dict[str, SeriesPoint] = {}
    for hit in search_figures(store, subject=subject, unit=unit, limit=10_000):
        if hit.value is None or hit.date is None:
            continue
        by_date.setdefault(
            hit.date,
            SeriesPoint(hit.date, float(hit.value), hit.raw, hit.article_id, hit.title, hit.sentence),
        )
    return [by_date[d] for d in sorted(by_date)]
