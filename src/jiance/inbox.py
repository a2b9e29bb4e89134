"""The editor's inbox: incoming articles grouped into stories, the verdicts on them, and the article view.

An editor does not want to judge the same news five times, so the inbox shows *stories*: the new articles
that the analysis put in one near-duplicate group (``duplicate_group``) or one event (``event``) are one
card, led by the most complete report, with every outlet that carried it. A verdict applies to the whole
story: :func:`accept` puts the lead into the issue being built (through
:func:`jiance.publish.issues.add_to_issue`) and marks every member accepted; :func:`reject` marks them
rejected, which :meth:`jiance.store.collection.SQLiteCollection.is_rejected` reads, so collecting never brings
their text back; :func:`snooze` hides them until a given time.

The article page (:func:`article_view`) and the per-issue edit form (:func:`item_edit`, :func:`save_item`,
:func:`reset_item`) live here too: they are what an editor opens from an inbox card. Highlighting is data,
not markup: :func:`highlight` cuts a text into :class:`Segment` records and the template marks them, so
article text is never trusted as HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from jiance.errors import InputError, NotFoundError, PublishError
from jiance.publish.issues import DEFAULT_SECTIONS, AddReport, add_to_issue, edit_item, get_issue, list_issues
from jiance.publish.model import OVERRIDE_FIELDS, Issue, IssueItem
from jiance.records import Document
from jiance.store.base import Store, StoredArticle
from jiance.text import fold

__all__ = [
    "ArticleView",
    "ColumnHint",
    "Facets",
    "FigureChip",
    "Filters",
    "InboxView",
    "IssueChoice",
    "IssueRef",
    "ItemEdit",
    "Member",
    "Paragraph",
    "Related",
    "Segment",
    "Story",
    "Tag",
    "accept",
    "article_view",
    "current_issue",
    "find_story",
    "highlight",
    "inbox_view",
    "item_edit",
    "reject",
    "reset_item",
    "safe_url",
    "save_item",
    "snooze",
    "source_label",
    "stories",
    "wake_time",
]

_GROUP_STAGES = ("duplicate_group", "event")
_CARD_STAGES = (*_GROUP_STAGES, "tags", "column", "entities", "figures", "summary")
_KEY_FIGURE_KINDS = ("count", "money", "percent", "share", "change", "multiple")
_CARD_FIGURES = 3
_SUMMARY_FALLBACK_CHARS = 120
_RELATED_LIMIT = 6
_COMMON_ENTITY_TYPES = ("place",)  # 中国, 北京 … shared by half the corpus: no sign of a related story


# -- records ---------------------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Tag:
    """A topic tag: its taxonomy id (what filters use) and its Chinese label (what editors read)."""

    id: str
    display: str


@dataclass(slots=True, frozen=True)
class ColumnHint:
    """The column model's suggestion for an article, with its confidence (0–1, None when unknown)."""

    column: str
    confidence: float | None = None


@dataclass(slots=True, frozen=True)
class FigureChip:
    """A key figure as a card shows it: the number as printed and what it measures."""

    raw: str
    subject: str | None = None
    period: str | None = None


@dataclass(slots=True)
class Member:
    """One article of a story, with what the card and the filters need to know about it."""

    article_id: str
    title: str
    source: str
    url: str | None  # http(s) only: anything else is not rendered as a link
    document_path: str | None
    first_seen: str | None
    date: str | None  # yyyy-mm-dd: the issue's date, else publication, else first seen
    column: str | None
    tags: list[Tag] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    entity_forms: list[str] = field(default_factory=list)  # names, aliases and written forms, for filtering
    figures: int = 0
    body_chars: int = 0
    snoozed_until: str | None = None

    @property
    def document_name(self) -> str | None:
        """The file name of the document it came from (the full path is the server's business)."""
        return PurePath(self.document_path).name if self.document_path else None


@dataclass(slots=True)
class Story:
    """Articles about one piece of news: ``id`` is the lead's article id."""

    id: str
    lead: Member
    members: list[Member]
    outlets: int
    first_seen: str | None
    latest_seen: str | None
    column: ColumnHint | None
    tags: list[Tag]
    figures: list[FigureChip]
    summary: str
    entities: list[str]
    snoozed_until: str | None = None


@dataclass(slots=True, frozen=True)
class Filters:
    """What the inbox sidebar narrows by. A story is shown when one of its members passes every filter."""

    source: str | None = None
    column: str | None = None
    tag: str | None = None  # a tag id or its label
    entity: str | None = None  # part of a name, alias or written form (width and case folded)
    date_from: str | None = None  # yyyy-mm-dd, inclusive
    date_to: str | None = None
    has_figures: bool | None = None
    include_snoozed: bool = False

    def __post_init__(self) -> None:
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    raise InputError(
                        f"{name} must be a date (yyyy-mm-dd), not {value!r}", where=name
                    ) from None

    def admits(self, member: Member) -> bool:
        """True when ``member`` passes every filter that is set."""
        return (
            (not self.source or member.source == self.source)
            and (not self.column or member.column == self.column)
            and (not self.tag or any(self.tag in (t.id, t.display) for t in member.tags))
            and (not self.entity or any(fold(self.entity) in fold(f) for f in member.entity_forms))
            and (not self.date_from or (member.date or "") >= self.date_from)
            and (not self.date_to or (member.date or "9999") <= self.date_to)
            and (self.has_figures is None or (member.figures > 0) == self.has_figures)
        )


@dataclass(slots=True)
class Facets:
    """The values the sidebar offers, read from the whole inbox (not only what the filters let through)."""

    sources: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)


@dataclass(slots=True)
class InboxView:
    """Everything the inbox page shows: the stories that pass the filters, how many, and the facets."""

    stories: list[Story]
    total: int  # stories passing the filters before the limit
    facets: Facets
    snoozed: int  # articles hidden by a snooze that has not passed


@dataclass(slots=True)
class IssueChoice:
    """The issue the inbox accepts into, and the drafts the editor may switch to."""

    current: Issue | None
    drafts: list[Issue]


# -- small helpers ---------------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _parse_time(value: str, where: str) -> datetime:
    """An ISO 8601 date or time as an aware UTC datetime (a bare date means its midnight, UTC)."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"not an ISO 8601 date or time: {value!r}", where=where) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) address, else None: a ``javascript:`` URL from a feed is no link."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def source_label(stored: StoredArticle) -> str:
    """Who carried the article: the source's own name, else the bulletin's title, else the file or host."""
    article = stored.article
    if article.source_name:
        return article.source_name
    if article.issue and article.issue.title:
        return article.issue.title
    path = stored.document_path or article.provenance.path
    if path:
        return PurePath(path).name
    host = urlsplit(article.provenance.url or "").hostname
    return host or "未知来源"


def _results(store: Store, article_id: str) -> dict[str, Any]:
    """The article's saved analysis as ``{stage: result}``."""
    return {stage: saved.get("result") for stage, saved in store.analysis(article_id).items()}


def _tags(results: dict[str, Any]) -> list[Tag]:
    records = [r for r in results.get("tags") or [] if isinstance(r, dict) and r.get("tag")]
    records.sort(key=lambda r: float(r.get("score") or 0.0), reverse=True)
    return [Tag(str(r["tag"]), str(r.get("display") or r["tag"])) for r in records]


def _column(results: dict[str, Any]) -> ColumnHint | None:
    record = results.get("column")
    if not isinstance(record, dict) or not record.get("column"):
        return None
    confidence = record.get("confidence")
    return ColumnHint(str(record["column"]), float(confidence) if confidence is not None else None)


def _entities(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in results.get("entities") or [] if isinstance(e, dict) and e.get("name")]


def _forms(entity: dict[str, Any]) -> list[str]:
    """Every way the text writes an entity (name, aliases, forms), longest first, none shorter than 2."""
    forms = {
        str(entity["name"]),
        *map(str, entity.get("aliases") or []),
        *map(str, entity.get("forms") or []),
    }
    return sorted((f for f in forms if len(f) >= 2), key=len, reverse=True)


def _figure_records(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in results.get("figures") or [] if isinstance(f, dict) and f.get("raw")]


def _chips(results: dict[str, Any], limit: int = _CARD_FIGURES) -> list[FigureChip]:
    """The few figures worth a glance: measured quantities that say what they measure, once each."""
    records = [r for r in _figure_records(results) if r.get("kind") in _KEY_FIGURE_KINDS]
    records.sort(key=lambda r: (bool(r.get("subject")), bool(r.get("period"))), reverse=True)
    chips: dict[str, FigureChip] = {}
    for r in records:
        chips.setdefault(str(r["raw"]), FigureChip(str(r["raw"]), r.get("subject"), r.get("period")))
    return list(chips.values())[:limit]


def _summary(stored: StoredArticle, results: dict[str, Any]) -> str:
    record = results.get("summary")
    text = record.get("text") if isinstance(record, dict) else record if isinstance(record, str) else None
    if text:
        return str(text)
    first = next((p for p in stored.article.paragraphs if p.strip()), "")
    return first[:_SUMMARY_FALLBACK_CHARS] + ("…" if len(first) > _SUMMARY_FALLBACK_CHARS else "")


# -- reading the inbox -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    """A new article, its analysis and its place in import order (the tie-break for "newest")."""

    stored: StoredArticle
    results: dict[str, Any]
    order: int
    member: Member


def _member(stored: StoredArticle, results: dict[str, Any], snoozed_until: str | None) -> Member:
    entities = _entities(results)
    hint = _column(results)
    return Member(
        article_id=stored.id,
        title=stored.article.title,
        source=source_label(stored),
        url=safe_url(stored.article.provenance.url),
        document_path=stored.document_path or stored.article.provenance.path,
        first_seen=stored.created_at,
        date=stored.date(),
        column=hint.column if hint else stored.article.section,
        tags=_tags(results),
        entities=[str(e["name"]) for e in entities],
        entity_forms=[f for e in entities for f in _forms(e)],
        figures=len(_figure_records(results)),
        body_chars=len(stored.article.body),
        snoozed_until=snoozed_until,
    )


def _entries(
    store: Store, *, include_snoozed: bool, now: datetime, stages: Sequence[str] = _CARD_STAGES
) -> tuple[list[_Entry], int]:
    """The new articles with the analysis ``stages`` (without those still snoozed unless asked), and how
    many a snooze hides. The analysis comes in one query: one per article made a large inbox slow."""
    snoozes = store.snoozes()
    analysis = store.analysis_by_status("new", stages)
    entries: list[_Entry] = []
    hidden = 0
    for order, stored in enumerate(store.articles_with_status("new")):
        until = snoozes.get(stored.id)
        sleeping = until is not None and _parse_time(until, stored.id) > now
        if sleeping and not include_snoozed:
            hidden += 1
            continue
        results = analysis.get(stored.id, {})
        entries.append(_Entry(stored, results, order, _member(stored, results, until if sleeping else None)))
    return entries, hidden


def _group_keys(entry: _Entry) -> list[tuple[str, str]]:
    keys = [("article", entry.stored.id)]
    group = entry.results.get("duplicate_group")
    if isinstance(group, str) and group:
        keys.append(("duplicate", group))
    event = entry.results.get("event")
    if isinstance(event, dict) and isinstance(event.get("event_id"), str):
        keys.append(("event", event["event_id"]))
    return keys


def _groups(entries: Sequence[_Entry]) -> list[list[_Entry]]:
    """Entries joined when they share a duplicate group or an event (transitively: union–find)."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(key: tuple[str, str]) -> tuple[str, str]:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for entry in entries:
        first, *others = _group_keys(entry)
        for key in others:
            parent[find(key)] = find(first)
    grouped: dict[tuple[str, str], list[_Entry]] = {}
    for entry in entries:
        grouped.setdefault(find(("article", entry.stored.id)), []).append(entry)
    return list(grouped.values())


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def _story(group: Sequence[_Entry]) -> Story:
    """One card: the lead is the most complete report (longest body), the earliest one on a tie."""
    lead = max(group, key=lambda e: (e.member.body_chars, -e.order))
    ordered = [lead, *(e for e in group if e is not lead)]
    members = [e.member for e in ordered]
    seen = [m.first_seen for m in members if m.first_seen]
    snoozes = [m.snoozed_until for m in members if m.snoozed_until]
    return Story(
        id=lead.stored.id,
        lead=lead.member,
        members=members,
        outlets=len({m.source for m in members}),
        first_seen=min(seen) if seen else None,
        latest_seen=max(seen) if seen else None,
        column=_column(lead.results) or (ColumnHint(lead.member.column) if lead.member.column else None),
        tags=_unique(t for m in members for t in m.tags),
        figures=_chips(lead.results),
        summary=_summary(lead.stored, lead.results),
        entities=_unique(n for m in members for n in m.entities),
        snoozed_until=max(snoozes) if snoozes else None,
    )


def _newest_first(groups: list[list[_Entry]]) -> list[list[_Entry]]:
    """Newest activity first: the latest member seen, import order on a tie."""
    return sorted(
        groups,
        key=lambda g: (max(e.member.first_seen or "" for e in g), max(e.order for e in g)),
        reverse=True,
    )


def _all_stories(store: Store, *, include_snoozed: bool, now: datetime) -> tuple[list[Story], int]:
    """Every story of the inbox, newest first."""
    entries, hidden = _entries(store, include_snoozed=include_snoozed, now=now)
    return [_story(g) for g in _newest_first(_groups(entries))], hidden


def _facets(all_stories: Sequence[Story]) -> Facets:
    members = [m for s in all_stories for m in s.members]
    counts: dict[str, int] = {}
    for m in members:
        counts[m.source] = counts.get(m.source, 0) + 1
    found_columns = {m.column for m in members if m.column}
    columns = [c for c in DEFAULT_SECTIONS if c in found_columns] + sorted(
        found_columns - set(DEFAULT_SECTIONS)
    )
    return Facets(
        sources=sorted(counts, key=lambda s: (-counts[s], s)),
        columns=columns,
        tags=sorted(_unique(t for m in members for t in m.tags), key=lambda t: t.display),
    )


def inbox_view(
    store: Store, filters: Filters | None = None, *, limit: int = 200, now: datetime | None = None
) -> InboxView:
    """The inbox page in one read: the stories passing ``filters`` (newest first, at most ``limit``),
    their count, the sidebar's facets over the whole inbox, and how many articles a snooze hides."""
    filters = filters or Filters()
    everything, hidden = _all_stories(store, include_snoozed=filters.include_snoozed, now=_now(now))
    kept = [s for s in everything if any(filters.admits(m) for m in s.members)]
    return InboxView(kept[: max(limit, 0)], len(kept), _facets(everything), hidden)


def stories(
    store: Store,
    *,
    source: str | None = None,
    column: str | None = None,
    tag: str | None = None,
    entity: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    has_figures: bool | None = None,
    include_snoozed: bool = False,
    limit: int = 200,
    now: datetime | None = None,
) -> list[Story]:
    """The inbox's stories: new articles (neither accepted nor rejected, not snoozed unless
    ``include_snoozed``) grouped by duplicate group and event, newest first. A filter keeps a story when
    one of its members passes every filter given."""
    filters = Filters(source, column, tag, entity, date_from, date_to, has_figures, include_snoozed)
    return inbox_view(store, filters, limit=limit, now=now).stories


# -- verdicts --------------------------------------------------------------------------------------------


def _with_analysis(store: Store, entry: _Entry) -> _Entry:
    """The entry again with every stage's result (grouping read only the groups)."""
    results = _results(store, entry.stored.id)
    return _Entry(
        entry.stored, results, entry.order, _member(entry.stored, results, entry.member.snoozed_until)
    )


def _single(store: Store, article_id: str) -> Story:
    """A story of one article that is not (or no longer) in the inbox; NotFoundError for an unknown id."""
    stored = store.get_article(article_id)
    results = _results(store, article_id)
    return _story([_Entry(stored, results, 0, _member(stored, results, None))])


def _stories_of(store: Store, ids: Sequence[str], now: datetime | None = None) -> list[Story]:
    """The stories holding ``ids`` (story ids or any member's id), each once, in the order first named.

    The inbox is grouped afresh, so a card that went stale (a longer report became the lead) still finds
    its story through any member id it shows.
    """
    entries, _ = _entries(store, include_snoozed=True, now=_now(now), stages=_GROUP_STAGES)
    by_member = {e.stored.id: group for group in _groups(entries) for e in group}
    picked: dict[str, Story] = {}
    for article_id in ids:
        group = by_member.get(article_id)
        story = _story([_with_analysis(store, e) for e in group]) if group else _single(store, article_id)
        picked.setdefault(story.id, story)
    return list(picked.values())


def find_story(store: Store, story_or_article_id: str, *, now: datetime | None = None) -> Story:
    """The inbox story holding this id (the lead's or any member's); an article out of the inbox is a
    story of its own. NotFoundError for an id the store does not hold."""
    return _stories_of(store, [story_or_article_id], now)[0]


def _member_ids(found: Sequence[Story]) -> list[str]:
    return [m.article_id for s in found for m in s.members]


def accept(
    store: Store, story_or_article_ids: Sequence[str], issue_id: int, *, section: str | None = None
) -> AddReport:
    """Put each story's lead into the draft issue ``issue_id`` (in ``section``, else its suggested column)
    and mark every member accepted. A lead an earlier issue already carries is refused (``repeats``) and
    its story stays in the inbox for the editor to reject."""
    issue = get_issue(store, issue_id)
    if issue.status != "draft":
        raise PublishError(
            f"issue {issue_id} is {issue.status}: the inbox adds to drafts only", where=str(issue_id)
        )
    report = AddReport()
    with store.transaction():
        for story in _stories_of(store, story_or_article_ids):
            column = section or (story.column.column if story.column else None)
            added = add_to_issue(store, issue_id, [story.lead.article_id], section=column)
            report.added += added.added
            report.present += added.present
            report.repeats += added.repeats
            if not added.repeats:
                store.set_status([m.article_id for m in story.members], "accepted")
    return report


def reject(store: Store, story_or_article_ids: Sequence[str]) -> list[str]:
    """Mark every member of the stories rejected (they never come back: collecting checks the status);
    returns the article ids rejected."""
    with store.transaction():
        ids = _member_ids(_stories_of(store, story_or_article_ids))
        store.set_status(ids, "rejected")
    return ids


def snooze(
    store: Store, story_or_article_ids: Sequence[str], until_iso: str, *, now: datetime | None = None
) -> list[str]:
    """Hide the stories until ``until_iso`` (an ISO 8601 date or time in the future); returns the article
    ids snoozed. The time is stored in UTC so that stored snoozes compare as equals."""
    until = _parse_time(until_iso, "until")
    if until <= _now(now):
        raise InputError(f"a snooze must end in the future, not at {until_iso}", where="until")
    with store.transaction():
        ids = _member_ids(_stories_of(store, story_or_article_ids, now))
        store.set_snoozed(ids, until.isoformat(timespec="seconds"))
    return ids


def wake_time(days: int = 1, *, now: datetime | None = None) -> str:
    """The snooze end ``days`` from now (1–30), as :func:`snooze` takes it."""
    if not 1 <= days <= 30:
        raise InputError(f"snooze for 1 to 30 days, not {days}", where="days")
    return (_now(now) + timedelta(days=days)).isoformat(timespec="seconds")


def current_issue(store: Store, requested: int | None = None) -> IssueChoice:
    """The draft the inbox accepts into: ``requested`` when it is a draft, else the newest draft
    (the issues list's order: newest date first)."""
    drafts = [issue for issue in list_issues(store) if issue.status == "draft"]
    chosen = next((i for i in drafts if i.id == requested), drafts[0] if drafts else None)
    return IssueChoice(chosen, drafts)


# -- the article page ------------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Segment:
    """A run of text; ``mark`` is "fig" (a figure), "ent" (an entity) or None (plain)."""

    text: str
    mark: str | None = None


@dataclass(slots=True)
class Paragraph:
    segments: list[Segment]
    heading: bool = False  # a sub-heading of the article, not running text


@dataclass(slots=True)
class Related:
    """Another article linked to the one shown, and why (the shared tags or names)."""

    article_id: str
    title: str
    source: str
    status: str
    reason: str = ""


@dataclass(slots=True)
class IssueRef:
    """An issue that carries the article (the page links to its per-issue edit form)."""

    id: int
    title: str
    number: str | None
    status: str


@dataclass(slots=True)
class ArticleView:
    """Everything the article page shows: the highlighted text, where it came from, and its neighbours."""

    stored: StoredArticle
    source: str
    url: str | None
    documents: list[Document]
    title: list[Segment]
    paragraphs: list[Paragraph]
    column: ColumnHint | None
    tags: list[Tag]
    summary: str
    entities: list[str]
    figures: list[FigureChip]
    duplicates: list[Related]
    same_event: list[Related]
    related: list[Related]
    issues: list[IssueRef]


def _figure_spans(text: str, records: Iterable[dict[str, Any]]) -> list[tuple[int, int, str]]:
    """Where each figure sits in ``text``: through its sentence and span, so "5" marks the 5 that was
    read, not every 5 on the page."""
    spans = []
    for record in records:
        raw, sentence, span = (
            str(record.get("raw") or ""),
            str(record.get("sentence") or ""),
            record.get("span"),
        )
        base = text.find(sentence) if sentence else -1
        if base < 0 or not raw:
            continue
        start = base + int(span[0]) if span else text.find(raw, base)
        if text[start : start + len(raw)] != raw:
            start = text.find(raw, base, base + len(sentence))
        if start >= 0:
            spans.append((start, start + len(raw), "fig"))
    return spans


def _form_spans(text: str, forms: Iterable[str]) -> list[tuple[int, int, str]]:
    spans = []
    for form in forms:
        at = text.find(form)
        while at >= 0:
            spans.append((at, at + len(form), "ent"))
            at = text.find(form, at + len(form))
    return spans


def highlight(
    text: str, figures: Iterable[dict[str, Any]] = (), entity_forms: Iterable[str] = ()
) -> list[Segment]:
    """``text`` cut into plain and marked segments: figures (by their sentence and span) and every
    occurrence of an entity's written forms. Overlaps go to the earlier, then the longer, mark."""
    spans = sorted(
        _figure_spans(text, figures) + _form_spans(text, entity_forms), key=lambda s: (s[0], s[0] - s[1])
    )
    segments: list[Segment] = []
    at = 0
    for start, end, mark in spans:
        if start < at:
            continue
        if start > at:
            segments.append(Segment(text[at:start]))
        segments.append(Segment(text[start:end], mark))
        at = end
    if at < len(text):
        segments.append(Segment(text[at:]))
    return segments


def _published_ids(store: Store) -> set[str]:
    return {item.article_id for i in list_issues(store) if i.status == "published" for item in i.items}


def _carrying(store: Store, article_id: str) -> list[IssueRef]:
    return [
        IssueRef(i.id, i.title, i.number, i.status)
        for i in list_issues(store)
        if any(item.article_id == article_id for item in i.items)
    ]


def _related(store: Store, ids: Iterable[str], reasons: dict[str, str] | None = None) -> list[Related]:
    found = []
    for article_id in ids:
        stored = store.get_article(article_id)
        reason = (reasons or {}).get(article_id, "")
        found.append(Related(article_id, stored.article.title, source_label(stored), stored.status, reason))
    return found


def _same(store: Store, article_id: str, stage: str) -> list[str]:
    """Other articles with the same ``duplicate_group`` or ``event`` result, in import order."""

    def key(result: Any) -> Any:
        return result.get("event_id") if isinstance(result, dict) else result

    results = store.stage_results(stage)
    mine = next((key(r) for a, r in results if a == article_id), None)
    return [a for a, r in results if mine and a != article_id and key(r) == mine]


def _shared_names(results: dict[str, Any]) -> set[str]:
    return {str(e["name"]) for e in _entities(results) if e.get("type") not in _COMMON_ENTITY_TYPES}


def _by_topic(
    store: Store, article_id: str, mine: dict[str, Any], skip: set[str]
) -> tuple[list[str], dict[str, str]]:
    """Articles sharing the most names (twice the weight) and tags with this one, best first."""
    names, tags = _shared_names(mine), {t.display for t in _tags(mine)}
    their_tags = {a: {t.display for t in _tags({"tags": r})} for a, r in store.stage_results("tags")}
    their_names = {a: _shared_names({"entities": r}) for a, r in store.stage_results("entities")}
    scored = []
    for other in dict.fromkeys([*their_names, *their_tags]):
        common_names = names & their_names.get(other, set())
        common_tags = tags & their_tags.get(other, set())
        if other != article_id and other not in skip and (common_names or common_tags):
            reason = "、".join(sorted(common_names) + sorted(common_tags))
            scored.append((2 * len(common_names) + len(common_tags), other, reason))
    scored.sort(key=lambda s: s[0], reverse=True)
    best = scored[:_RELATED_LIMIT]
    return [other for _, other, _ in best], {other: reason for _, other, reason in best}


def article_view(store: Store, article_id: str, *, published_only: bool = False) -> ArticleView:
    """The article page of ``article_id``. ``published_only`` (a client's view) shows only articles a
    published issue carries, and links only to such articles: anything else is NotFoundError."""
    stored = store.get_article(article_id)
    visible = _published_ids(store) if published_only else None
    if visible is not None and article_id not in visible:
        raise NotFoundError(f"no article {article_id}", where=article_id)

    def shown(ids: Iterable[str]) -> list[str]:
        return [a for a in ids if visible is None or a in visible]

    results = _results(store, article_id)
    figures, forms = _figure_records(results), [f for e in _entities(results) for f in _forms(e)]
    heads = set(stored.article.subheadings)
    duplicates = shown(_same(store, article_id, "duplicate_group"))
    same_event = [a for a in shown(_same(store, article_id, "event")) if a not in duplicates]
    related, reasons = _by_topic(store, article_id, results, {*duplicates, *same_event})
    return ArticleView(
        stored=stored,
        source=source_label(stored),
        url=safe_url(stored.article.provenance.url),
        documents=store.documents_of(article_id),
        title=highlight(stored.article.title, figures, forms),
        paragraphs=[Paragraph(highlight(p, figures, forms), p in heads) for p in stored.article.paragraphs],
        column=_column(results),
        tags=_tags(results),
        summary=_summary(stored, results),
        entities=[str(e["name"]) for e in _entities(results)],
        figures=_chips(results, limit=12),
        duplicates=_related(store, duplicates),
        same_event=_related(store, same_event),
        related=_related(store, shown(related), reasons),
        issues=[] if published_only else _carrying(store, article_id),
    )


# -- the per-issue edit form -----------------------------------------------------------------------------


@dataclass(slots=True)
class ItemEdit:
    """An article as one issue prints it, beside the source's own text: what the edit form shows."""

    issue: Issue
    item: IssueItem
    stored: StoredArticle
    original_title: str
    original_body: str  # paragraphs, one a line
    suggested_summary: str  # the analysis' summary: a starting point, printed only when the editor sets one
    title: str
    summary: str
    body: str


def _item(issue: Issue, article_id: str) -> IssueItem:
    item = next((it for it in issue.items if it.article_id == article_id), None)
    if item is None:
        raise NotFoundError(f"article {article_id} is not in issue {issue.id}", where=article_id)
    return item


def item_edit(store: Store, issue_id: int, article_id: str) -> ItemEdit:
    """The edit form of one issue item: the overrides in force, or the source's text where there is none."""
    issue = get_issue(store, issue_id)
    item = _item(issue, article_id)
    stored = store.get_article(article_id)
    results = _results(store, article_id)
    summary = results.get("summary")
    original_body = "\n".join(stored.article.paragraphs)
    overrides = item.overrides
    return ItemEdit(
        issue=issue,
        item=item,
        stored=stored,
        original_title=stored.article.title,
        original_body=original_body,
        suggested_summary=str(summary.get("text") or "") if isinstance(summary, dict) else "",
        title=str(overrides.get("title") or stored.article.title),
        summary=str(overrides.get("summary") or ""),
        body="\n".join(overrides.get("paragraphs") or stored.article.paragraphs),
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def save_item(
    store: Store, issue_id: int, article_id: str, *, title: str, summary: str, body: str
) -> dict[str, Any]:
    """Save the form: a field left as the source has it (or blank) drops its override, so the issue
    follows the source again; the body is one paragraph a line. Returns the overrides now in force."""
    stored = store.get_article(article_id)
    article = stored.article
    paragraphs = _lines(body)
    changes: dict[str, Any] = {
        "title": None if title.strip() in ("", article.title.strip()) else title,
        "summary": summary if summary.strip() else None,
        "paragraphs": None if paragraphs in ([], _lines(article.body)) else paragraphs,
    }
    return edit_item(store, issue_id, article_id, **changes)


def reset_item(store: Store, issue_id: int, article_id: str) -> dict[str, Any]:
    """Drop every override of the item: the issue prints the source's text again."""
    return edit_item(store, issue_id, article_id, **{name: None for name in OVERRIDE_FIELDS})
