"""Trends across the store: what is rising this week, stories followed over issues, and figure series checks.

Three readings of the same stored articles and their stage results, for the web app's trends page, the
``jiance trends`` command and an issue's 本期要点:

- **Bursts** (:func:`bursts`): per ISO week, how many documents mention a term (the keywords stage's terms)
  or an entity (the entities stage); this week's count is scored against the previous weeks with a
  smoothed z-score ``(c − μ) / √(σ² + μ + 1)``: the ``μ`` under the root is the Poisson variance a count of
  that size has anyway, the ``+1`` keeps a never-seen term from dividing by zero, so a jump from 0 to 3
  is not a sensation while 1 → 12 is. A minimum count keeps one-off words out.
- **Threads** (:func:`threads`): articles placed in issues, joined when the events stage put them in one
  event or when they share at least two rare entities across different issues; each thread has its
  timeline (issue, date, title).
- **Series checks** (:func:`series_check`): a new point of a figure series
  (:func:`jiance.figures_index.figure_series`) that contradicts the series: a ×10⁴ / ×10⁸ jump (a 万 or 亿
  read or printed wrongly), a cumulative count turning negative, a cumulative total falling.

Articles are dated like the figures index: the issue date, else the publication date, else when stored.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from jiance.errors import ConfigError
from jiance.figures_index import SeriesPoint, figure_series
from jiance.stages.keywords import keywords
from jiance.store.base import Store, StoredArticle
from jiance.store.issues import issues_for
from jiance.text import fold

__all__ = [
    "Burst",
    "BurstKind",
    "SeriesView",
    "SeriesWarning",
    "Thread",
    "ThreadEntry",
    "burst_highlights",
    "bursts",
    "series_check",
    "series_view",
    "threads",
]

BurstKind = Literal["term", "entity"]
MIN_COUNT = 3
"""A term needs this many documents this week to be a burst: below it, chance dominates."""
MIN_Z = 2.0
"""And a smoothed z-score of at least this against the previous weeks."""
RARE_SHARE = 0.1
"""An entity in more than this share of the issues' articles (and more than 3) is too common to link."""
THREAD_LINK = 2
"""Two articles of different issues are one story when they share at least this many rare entities."""
_CN_DIGITS = "零一二三四五六七八九十"
_CUMULATIVE = ("累计", "累积", "总数", "总量", "总计", "共计", "保有量", "总规模", "总额")
_SLIP_POWERS = (4, 8)
_SLIP_TOLERANCE = 0.5  # log10 distance from 10⁴ / 10⁸ still read as a slip


# -- bursts ------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Burst:
    """A term or entity whose document count this week stands out against the previous weeks."""

    name: str
    kind: BurstKind
    count: int
    weekly: list[int]  # documents per week, oldest first; the last one is this week
    weeks: list[str]  # the Monday of each week, ISO date
    mean: float  # of the previous weeks that had documents
    baseline_weeks: int  # how many previous weeks had documents (weeks without any are no evidence)
    std: float
    z: float
    ratio: float | None  # count / mean; None when the term was never mentioned before
    article_ids: list[str] = field(default_factory=list)  # this week's documents
    type: str | None = None  # an entity's type (person, organization, place)

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def _dated(store: Store, first: date, last: date) -> list[tuple[date, StoredArticle]]:
    """Stored articles dated within [first, last]."""
    found = []
    for stored in store.articles():
        day = _parse_day(stored.date())
        if day is not None and first <= day <= last:
            found.append((day, stored))
    return found


def _term_mentions(
    store: Store, articles: Sequence[tuple[date, StoredArticle]], this_week: date
) -> tuple[dict[str, set[str]], Counter[str]]:
    """(document id → terms it mentions, votes) for the terms that are keywords of this week's articles.

    Candidates come from the keywords stage (computed on the fly for an article it has not seen); a document
    mentions a term when its folded title and body contain it, so a term counts in every week it appears,
    not only where it was among an article's top keywords. ``votes`` counts the articles that chose each
    term as a keyword: between two terms of the same documents, the one the stage preferred reads better.
    """
    saved = dict(store.stage_results("keywords"))
    votes: Counter[str] = Counter()
    for day, stored in articles:
        if _monday(day) == this_week:
            terms = saved.get(stored.id)
            votes.update({fold(t) for t in (terms if terms is not None else keywords(stored.article))})
    vocabulary = set(votes)
    mentions: dict[str, set[str]] = {}
    for _, stored in articles:
        text = fold(f"{stored.article.title}\n{stored.article.body}")
        mentions[stored.id] = {term for term in vocabulary if term and term in text}
    return mentions, votes


def _entity_mentions(store: Store) -> tuple[dict[str, set[str]], dict[str, str]]:
    """(document id → entity names) from the entities stage, and each name's entity type."""
    mentions: dict[str, set[str]] = {}
    types: dict[str, str] = {}
    for article_id, records in store.stage_results("entities"):
        names = mentions.setdefault(article_id, set())
        for record in records or []:
            name = str(record.get("name") or "")
            if name:
                names.add(name)
                types.setdefault(name, str(record.get("type") or ""))
    return mentions, types


def _score(weekly: Sequence[int], active: Sequence[bool]) -> tuple[float, float, float]:
    """(mean, std, smoothed z) of the last week against the earlier weeks that had any documents."""
    baseline = [count for count, has_docs in zip(weekly[:-1], active[:-1], strict=True) if has_docs]
    mean = sum(baseline) / len(baseline)
    std = math.sqrt(sum((c - mean) ** 2 for c in baseline) / len(baseline))
    return mean, std, (weekly[-1] - mean) / math.sqrt(std**2 + mean + 1)


def bursts(
    store: Store,
    *,
    week_end: date,
    weeks: int = 6,
    kind: BurstKind = "term",
    top: int = 20,
    min_count: int = MIN_COUNT,
    min_z: float = MIN_Z,
) -> list[Burst]:
    """The terms or entities rising in the week of ``week_end`` against the ``weeks − 1`` weeks before it.

    Weeks are ISO weeks (Monday to Sunday); articles dated after ``week_end`` are left out, and earlier
    weeks without any document are left out of the baseline (no import is not no news). Strongest first.
    """
    if weeks < 2:
        raise ConfigError("bursts need at least two weeks (this one and one to compare with)", where="weeks")
    this_week = _monday(week_end)
    mondays = [this_week - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    articles = _dated(store, mondays[0], week_end)
    types: dict[str, str] = {}
    votes: Counter[str] = Counter()
    if kind == "term":
        mentions, votes = _term_mentions(store, articles, this_week)
    else:
        mentions, types = _entity_mentions(store)
    slot = {monday: i for i, monday in enumerate(mondays)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    current: dict[str, list[str]] = defaultdict(list)
    active = [False] * weeks
    for day, stored in articles:
        week = slot[_monday(day)]
        active[week] = True
        for name in mentions.get(stored.id, ()):
            counts[name][week] += 1
            if week == weeks - 1:
                current[name].append(stored.id)
    if not any(active[:-1]):
        return []
    found = []
    for name, weekly in counts.items():
        if weekly[-1] < min_count:
            continue
        mean, std, z = _score(weekly, active)
        if z >= min_z:
            ratio = weekly[-1] / mean if mean > 0 else None
            found.append(
                Burst(name, kind, weekly[-1], weekly, [m.isoformat() for m in mondays], round(mean, 2), sum(active[:-1]),
                      round(std, 2), round(z, 2), None if ratio is None else round(ratio, 1),
                      sorted(current[name]), types.get(name) or None)
            )  # fmt: skip
    found.sort(key=lambda b: (-b.z, -b.count, -votes[b.name], b.name))
    return _without_pieces(found)[:top]


def _overlap(a: str, b: str) -> bool:
    """Whether two terms share a run of two or more characters (卫星互联网 and 布局卫星互联 do)."""
    return any(a[i : i + 2] in b for i in range(len(a) - 1))


def _without_pieces(found: list[Burst]) -> list[Burst]:
    """Drop a term that overlaps a stronger burst with the same documents: it is a piece or a straddle of
    that term (互联 inside 卫星互联网, 布局卫星互联 across its boundary), not news of its own."""
    kept: list[Burst] = []
    for burst in found:
        if not any(burst.article_ids == k.article_ids and _overlap(burst.name, k.name) for k in kept):
            kept.append(burst)
    return kept


def _cn_count(n: int) -> str:
    """1–99 as a count in Chinese (前两周, 前五周, 前十二周); larger numbers stay digits."""
    if n == 2:
        return "两"
    if n <= 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + _CN_DIGITS[n % 10] * (n % 10 > 0)
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + _CN_DIGITS[n % 10] * (n % 10 > 0)
    return str(n)


def _times(ratio: float) -> str:
    return f"{ratio:.0f}" if ratio >= 10 or ratio == int(ratio) else f"{ratio:.1f}"


def burst_highlights(store: Store, week_end: date, *, weeks: int = 6, top: int = 5) -> list[str]:
    """本期要点-ready lines for the strongest term and entity bursts of the week, strongest first.

    "前N周" counts the earlier weeks that had any documents, so the line never claims a baseline it lacks.
    """
    found = bursts(store, week_end=week_end, weeks=weeks, kind="term", top=top)
    found += bursts(store, week_end=week_end, weeks=weeks, kind="entity", top=top)
    found.sort(key=lambda b: (-b.z, -b.count, b.name))
    lines, seen = [], set()
    for burst in found:
        if burst.name in seen:
            continue
        seen.add(burst.name)
        before = f"前{_cn_count(burst.baseline_weeks)}周"
        tail = f"{before}未见提及" if burst.ratio is None else f"为{before}均值的 {_times(burst.ratio)} 倍"
        lines.append(f"「{burst.name}」本周提及 {burst.count} 篇，{tail}")
    return lines[:top]


# -- threads -----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class ThreadEntry:
    """One appearance of a story: the issue that carried it, its date and the article's title."""

    issue_id: int
    issue_title: str
    issue_number: str | None
    date: str | None
    article_id: str
    title: str


@dataclass(slots=True)
class Thread:
    """A story followed across issues: its timeline, oldest first, and what joined its articles."""

    label: str
    entries: list[ThreadEntry]
    reasons: list[str]

    @property
    def issues(self) -> int:
        return len({entry.issue_id for entry in self.entries})

    def to_record(self) -> dict[str, Any]:
        return {"label": self.label, "issues": self.issues, "reasons": list(self.reasons),
                "entries": [asdict(entry) for entry in self.entries]}  # fmt: skip


class _Union:
    """Union-find over article ids, remembering why each link was made."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.parent = {key: key for key in keys}
        self.reasons: dict[str, set[str]] = defaultdict(set)

    def find(self, key: str) -> str:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, a: str, b: str, reasons: Iterable[str]) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)
            self.reasons[min(root_a, root_b)] |= self.reasons.pop(max(root_a, root_b), set())
        self.reasons[self.find(a)].update(reasons)


def _placements(store: Store) -> dict[str, list[ThreadEntry]]:
    """Every article placed in an issue, with an entry per issue that carries it."""
    placed: dict[str, list[ThreadEntry]] = defaultdict(list)
    for issue in issues_for(store).all():
        for item in issue.items:
            stored = store.get_article(item.article_id)
            title = str(item.overrides.get("title") or stored.article.title)
            placed[item.article_id].append(
                ThreadEntry(issue.id, issue.title, issue.number, issue.date or stored.date(), item.article_id, title)
            )  # fmt: skip
    return placed


def _link_events(store: Store, union: _Union) -> None:
    """Articles the events stage put in one event are one story."""
    by_event: dict[str, list[str]] = defaultdict(list)
    for article_id, record in store.stage_results("event"):
        if article_id in union.parent and isinstance(record, dict) and record.get("event_id"):
            by_event[str(record["event_id"])].append(article_id)
    for members in by_event.values():
        for other in members[1:]:
            union.join(members[0], other, ["同一事件"])


def _link_entities(store: Store, union: _Union, placed: dict[str, list[ThreadEntry]]) -> None:
    """Articles of different issues sharing at least :data:`THREAD_LINK` rare entities are one story."""
    names: dict[str, set[str]] = {}
    for article_id, records in store.stage_results("entities"):
        if article_id in union.parent:
            names[article_id] = {str(r.get("name")) for r in records or [] if r.get("name")}
    df = Counter(name for found in names.values() for name in found)
    cap = max(3, int(RARE_SHARE * len(union.parent)))
    postings: dict[str, list[str]] = defaultdict(list)
    for article_id, found in sorted(names.items()):
        for name in found:
            if 2 <= df[name] <= cap:
                postings[name].append(article_id)
    shared: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, members in postings.items():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                shared[(a, b)].add(name)
    for (a, b), common in shared.items():
        issues_a = {e.issue_id for e in placed[a]}
        if len(common) >= THREAD_LINK and issues_a != {e.issue_id for e in placed[b]}:
            union.join(a, b, [f"共同实体：{'、'.join(sorted(common))}"])


def threads(store: Store, *, min_issues: int = 2) -> list[Thread]:
    """Stories carried by at least ``min_issues`` issues, the most recently followed first."""
    placed = _placements(store)
    union = _Union(placed)
    _link_events(store, union)
    _link_entities(store, union, placed)
    groups: dict[str, list[ThreadEntry]] = defaultdict(list)
    for article_id, entries in placed.items():
        groups[union.find(article_id)].extend(entries)
    found = []
    for root, entries in groups.items():
        entries.sort(key=lambda e: (e.date or "", e.issue_id, e.article_id))
        thread = Thread(entries[0].title, entries, sorted(union.reasons.get(root, set())))
        if thread.issues >= min_issues:
            found.append(thread)
    found.sort(key=lambda t: (t.entries[-1].date or "", t.issues), reverse=True)
    return found


# -- figure series -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class SeriesWarning:
    """A point that contradicts the series before it, and why: an editor checks it against its source."""

    kind: Literal["magnitude", "sign", "drop"]
    date: str
    value: float
    previous_date: str
    previous_value: float
    article_id: str
    raw: str
    message: str

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


def _slip_power(value: float, previous: float) -> int | None:
    """±4 or ±8 when ``value`` is about 10⁴ or 10⁸ times ``previous`` (or that much smaller), else None."""
    if value == 0 or previous == 0:
        return None
    exponent = math.log10(abs(value) / abs(previous))
    for power in _SLIP_POWERS:
        for signed in (power, -power):
            if abs(exponent - signed) <= _SLIP_TOLERANCE:
                return signed
    return None


def _is_cumulative(points: Sequence[SeriesPoint], subject: str | None) -> bool:
    """A series of running totals: its subject or sentences say 累计 / 总数 / 保有量 …"""
    texts = [subject or "", *(p.sentence for p in points)]
    return any(marker in text for text in texts for marker in _CUMULATIVE)


def _check_step(point: SeriesPoint, previous: SeriesPoint, cumulative: bool) -> SeriesWarning | None:
    def warn(kind: Literal["magnitude", "sign", "drop"], message: str) -> SeriesWarning:
        return SeriesWarning(kind, point.date, point.value, previous.date, previous.value, point.article_id,
                             point.raw, message)  # fmt: skip

    power = _slip_power(point.value, previous.value)
    if power is not None:
        word = "万" if abs(power) == 4 else "亿"
        way = "大" if power > 0 else "小"
        return warn(
            "magnitude", f"比上一数值（{previous.date}）{way}约 10^{abs(power)} 倍：疑似“{word}”字误读或漏印"
        )
    if cumulative and point.value < 0 <= previous.value:
        return warn("sign", f"累计数由正转负（上一数值 {previous.date}）：疑似符号或口径错误")
    if cumulative and point.value < previous.value:
        return warn("drop", f"累计数低于上一数值（{previous.date}）：累计值不应下降，请核对口径")
    return None


def series_check(
    points: Sequence[SeriesPoint], *, subject: str | None = None, cumulative: bool | None = None
) -> list[SeriesWarning]:
    """The points of a series (oldest first) that contradict the series before them.

    Each point is compared with the last point that was not itself flagged, so one slipped value is
    reported once and not again by its normal successor. ``cumulative`` (running totals: no sign flip, no
    drop) is read from the subject and sentences when not given.
    """
    running = _is_cumulative(points, subject) if cumulative is None else cumulative
    warnings: list[SeriesWarning] = []
    reference: SeriesPoint | None = None
    for point in points:
        warning = None if reference is None else _check_step(point, reference, running)
        if warning is None:
            reference = point
        else:
            warnings.append(warning)
    return warnings


@dataclass(slots=True)
class SeriesView:
    """One indicator over time with its warnings and its line chart (an SVG, None without points)."""

    subject: str
    unit: str
    points: list[SeriesPoint]
    warnings: list[SeriesWarning]
    svg: str | None

    def to_record(self) -> dict[str, Any]:
        return {"subject": self.subject, "unit": self.unit, "points": [asdict(p) for p in self.points],
                "warnings": [w.to_record() for w in self.warnings]}  # fmt: skip


def series_view(store: Store, subject: str, unit: str, *, chart: bool = True) -> SeriesView:
    """The series of ``subject`` in ``unit``, checked, and drawn like the bulletin's own series charts."""
    from jiance.publish.charts import chart_svg, series_chart

    points = figure_series(store, subject, unit)
    warnings = series_check(points, subject=subject)
    svg = None
    if chart and points:
        spec = series_chart(subject, [(p.date, p.value) for p in points], unit)
        svg = chart_svg(spec, width_cm=16, height_cm=7)
    return SeriesView(subject, unit, points, warnings, svg)
