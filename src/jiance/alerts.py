"""Alerts: saved searches and topic rules that watch the store and tell people when something new matches.

Rules live in the workspace's ``alerts.toml`` (``[[alerts]]``, see docs/alerts.md). A rule matches by a
full-text ``query`` (the store's ``search_ids``, as a saved search does) or by a taxonomy ``rule`` (word
groups in the syntax of ``data/taxonomy.toml``, matched by :mod:`jiance.stages.tags` itself), and sends in
one of three modes: ``incremental`` (each new story once), ``digest`` (collected, sent at ``digest_at``)
or ``threshold`` (once, when a story is carried by ``outlets`` distinct sources or a figure crosses a
value).

The guarantee that matters is *at most once per rule and story, across restarts*. A story is an
article's duplicate group, else its event, else the article itself, so a reprint never alerts twice; the
(rule, story) row in ``alert_hits`` is written in the same transaction as the outbox row of the message
that carries it, so a crash leaves either both or neither. Quiet hours and digests only delay: their hits
are stored *pending* and go out with the first run allowed to send them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jiance.distribute.base import Message, MessageKind
from jiance.errors import ConfigError
from jiance.records import Article
from jiance.stages.tags import Tag, Taxonomy, _tag_from, folded_texts, rule_tags_on
from jiance.store.alerts import HitRow, SQLiteAlerts, alerts_for
from jiance.store.base import Store
from jiance.store.search import fast_fold, query_terms
from jiance.store.sqlite import body_fields, title_fields
from jiance.text import fold

__all__ = [
    "ALERTS_FILE",
    "MODES",
    "AlertBatch",
    "AlertHit",
    "AlertRule",
    "Enqueue",
    "FigureThreshold",
    "dry_run",
    "evaluate",
    "in_quiet_hours",
    "load_alerts",
    "parse_alerts",
]

ALERTS_FILE = "alerts.toml"
MODES: tuple[str, ...] = ("incremental", "digest", "threshold")
Mode = Literal["incremental", "digest", "threshold"]
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_MIN_SCORE = 1.0  # one body mention: an alert is a net, the taxonomy's 3.0 is a classifier
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_KEYS = {
    "name", "query", "rule", "exclude", "min_score", "mode", "digest_at", "outlets", "figure",
    "quiet_hours", "timezone", "recipients", "channels", "lookback_days",
}  # fmt: skip


class Enqueue(Protocol):
    """``jiance.distribute.outbox.enqueue``: store one message under its idempotency key (False: known)."""

    def __call__(
        self, store: Store, message: Message, *, key: str, kind: str, issue_id: int | None = None,
        edition: str | None = None,
    ) -> bool: ...  # fmt: skip


@dataclass(slots=True, frozen=True)
class FigureThreshold:
    """A figure about ``subject`` in ``unit`` that crosses ``above`` (or falls under ``below``)."""

    subject: str
    unit: str
    above: float | None = None
    below: float | None = None

    def crossed(self, value: float) -> bool:
        return (self.above is not None and value > self.above) or (
            self.below is not None and value < self.below
        )

    def describe(self) -> str:
        bound = f"> {self.above:g}" if self.above is not None else f"< {self.below:g}"
        return f"{self.subject} {bound} {self.unit}"


@dataclass(slots=True)
class AlertRule:
    """One ``[[alerts]]`` entry, validated. ``tag`` is the compiled taxonomy rule when ``rule`` is set."""

    name: str
    mode: Mode = "incremental"
    query: str | None = None
    rule: list[list[str]] | None = None
    exclude: list[str] = field(default_factory=list)
    min_score: float = DEFAULT_MIN_SCORE
    digest_at: str | None = None
    outlets: int | None = None
    figure: FigureThreshold | None = None
    quiet_hours: tuple[str, str] | None = None
    timezone: str = DEFAULT_TIMEZONE
    recipients: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)  # names of [[channels]] in recipients.toml
    lookback_days: int = 1
    tag: Tag | None = field(default=None, repr=False, compare=False)

    def to_record(self) -> dict[str, Any]:
        """The rule as written (what ``alert_rules.config`` keeps), without the compiled tag."""
        record: dict[str, Any] = {
            "name": self.name, "mode": self.mode, "query": self.query, "rule": self.rule,
            "exclude": self.exclude, "min_score": self.min_score, "digest_at": self.digest_at,
            "outlets": self.outlets, "quiet_hours": "-".join(self.quiet_hours) if self.quiet_hours else None,
            "timezone": self.timezone, "recipients": self.recipients, "channels": self.channels,
            "lookback_days": self.lookback_days,
        }  # fmt: skip
        if self.figure is not None:
            f = self.figure
            record["figure"] = {"subject": f.subject, "unit": f.unit, "above": f.above, "below": f.below}
        return record

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(slots=True)
class AlertHit:
    """One item a rule alerts (or would): its story key and why it matched."""

    rule: str
    story: str
    article_id: str
    title: str
    reason: str
    source: str | None = None
    created_at: str | None = None
    already: bool = False  # dry run only: this rule already alerted the story


@dataclass(slots=True)
class AlertBatch:
    """What one rule did in one run: its new hits, and whether they went out, wait, or collect."""

    rule: str
    mode: Mode
    status: Literal["sent", "deferred", "collecting", "nothing"]
    hits: list[AlertHit] = field(default_factory=list)  # new this run
    sent: int = 0  # stories handed to the outbox this run (new ones and earlier pending ones)
    keys: list[str] = field(default_factory=list)  # outbox keys enqueued this run


# -- loading ------------------------------------------------------------------------------------------


def load_alerts(path: Path) -> list[AlertRule]:
    """The rules of a workspace's ``alerts.toml``; none when the file does not exist."""
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read alerts: {exc.strerror}", where=str(path)) from exc
    return parse_alerts(text, where=str(path))


def parse_alerts(text: str, *, where: str = "<memory>") -> list[AlertRule]:
    """Rules from TOML text; every problem is a ConfigError naming the file, the rule and the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"alerts file is not valid TOML: {exc}", where=where) from exc
    extra = sorted(set(data) - {"alerts"})
    if extra:
        raise ConfigError(f"unknown top-level key {extra[0]!r}; rules go in [[alerts]]", where=where)
    entries = data.get("alerts", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError("'alerts' must be an array of tables ([[alerts]])", where=where)
    rules = [_rule_from(entry, i, where) for i, entry in enumerate(entries)]
    names = [r.name for r in rules]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise ConfigError(f"[[alerts]] name {duplicate!r} is used twice", where=where)
    return rules


class _Checker:
    """Reads one ``[[alerts]]`` table, so each error says which rule and key it is about."""

    def __init__(self, entry: dict[str, Any], index: int, where: str) -> None:
        self.entry, self.where = entry, where
        self.label = f"[[alerts]] #{index + 1}" + (f" ({entry['name']!r})" if "name" in entry else "")

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.label}: key {key!r}: {problem}", where=self.where)

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.entry.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value.strip()

    def strings(self, key: str) -> list[str]:
        value = self.entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "must be a list of non-empty strings")
        return [v.strip() for v in value]

    def number(self, key: str, default: float) -> float:
        value = self.entry.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, "must be a number")
        return float(value)

    def integer(self, key: str, *, minimum: int) -> int | None:
        value = self.entry.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(key, f"must be an integer of at least {minimum}")
        return value

    def hhmm(self, key: str, value: str) -> str:
        if not _HHMM.match(value):
            raise self.fail(key, f"{value!r} is not a time HH:MM")
        return value


def _rule_from(entry: dict[str, Any], index: int, where: str) -> AlertRule:
    check = _Checker(entry, index, where)
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise check.fail(unknown[0], f"unknown key; known keys: {', '.join(sorted(_KEYS))}")
    name = cast(str, check.text("name", required=True))
    mode = check.text("mode") or "incremental"
    if mode not in MODES:
        raise check.fail("mode", f"{mode!r} is not one of {', '.join(MODES)}")
    rule = AlertRule(name=name, mode=cast(Mode, mode), query=check.text("query"))
    _matcher(rule, check)
    _schedule(rule, check)
    _threshold(rule, check)
    _targets(rule, check)
    return rule


def _matcher(rule: AlertRule, check: _Checker) -> None:
    """``query`` or ``rule`` (exactly one; a threshold rule may have neither and watch everything)."""
    groups = check.entry.get("rule")
    if rule.query is not None and groups is not None:
        raise check.fail("rule", "give either 'query' or 'rule', not both")
    if rule.query is None and groups is None and rule.mode != "threshold":
        raise check.fail("query", "a rule needs a 'query' or a 'rule'")
    if rule.query is not None and not query_terms(rule.query):
        raise check.fail("query", "has no searchable term")
    rule.exclude = check.strings("exclude")
    rule.min_score = check.number("min_score", DEFAULT_MIN_SCORE)
    if groups is None:
        return
    if not isinstance(groups, list) or not groups or not all(isinstance(g, list) and g for g in groups):
        raise check.fail("rule", 'must be a list of word groups, e.g. [["芯片", "+光刻"]]')
    if not all(isinstance(w, str) and w.strip() for g in groups for w in g):
        raise check.fail("rule", "word groups hold non-empty strings")
    rule.rule = [list(g) for g in groups]
    where = f"{check.where}: {check.label}: key 'rule'"
    entry = {"id": rule.name, "groups": rule.rule, "exclude": rule.exclude, "min_score": rule.min_score}
    rule.tag = _tag_from(entry, where)  # the taxonomy's own parser: one rule syntax in the project


def _schedule(rule: AlertRule, check: _Checker) -> None:
    tz = check.text("timezone") or DEFAULT_TIMEZONE
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise check.fail("timezone", f"unknown time zone {tz!r}") from exc
    rule.timezone = tz
    digest_at = check.text("digest_at")
    if rule.mode == "digest" and digest_at is None:
        raise check.fail("digest_at", 'is required in digest mode (e.g. "08:30")')
    if rule.mode != "digest" and digest_at is not None:
        raise check.fail("digest_at", 'only applies to mode = "digest"')
    rule.digest_at = check.hhmm("digest_at", digest_at) if digest_at else None
    quiet = check.text("quiet_hours")
    if quiet is not None:
        start, sep, end = quiet.partition("-")
        if not sep or start.strip() == end.strip():
            raise check.fail("quiet_hours", f"{quiet!r} is not a range HH:MM-HH:MM")
        rule.quiet_hours = (check.hhmm("quiet_hours", start.strip()), check.hhmm("quiet_hours", end.strip()))
    rule.lookback_days = check.integer("lookback_days", minimum=1) or 1


def _threshold(rule: AlertRule, check: _Checker) -> None:
    rule.outlets = check.integer("outlets", minimum=1)
    figure = check.entry.get("figure")
    if rule.mode != "threshold":
        if rule.outlets is not None or figure is not None:
            raise check.fail("outlets" if rule.outlets is not None else "figure", "only applies to threshold")
        return
    if (rule.outlets is None) == (figure is None):
        raise check.fail("outlets", "threshold mode needs exactly one of 'outlets' or 'figure'")
    if figure is not None:
        rule.figure = _figure(figure, check)


def _figure(value: Any, check: _Checker) -> FigureThreshold:
    if not isinstance(value, dict) or set(value) - {"subject", "unit", "above", "below"}:
        raise check.fail("figure", "must be a table {subject, unit, above | below}")
    subject, unit = value.get("subject"), value.get("unit")
    if not isinstance(subject, str) or not subject.strip() or not isinstance(unit, str) or not unit.strip():
        raise check.fail("figure", "needs a non-empty 'subject' and 'unit'")
    bounds = [value.get(k) for k in ("above", "below")]
    if sum(b is not None for b in bounds) != 1:
        raise check.fail("figure", "needs exactly one of 'above' or 'below'")
    if any(b is not None and (isinstance(b, bool) or not isinstance(b, int | float)) for b in bounds):
        raise check.fail("figure", "'above' / 'below' must be a number")
    above, below = (float(b) if b is not None else None for b in bounds)
    return FigureThreshold(subject.strip(), unit.strip(), above, below)


def _targets(rule: AlertRule, check: _Checker) -> None:
    rule.recipients = check.strings("recipients")
    bad = next((r for r in rule.recipients if "@" not in r.strip("@")), None)
    if bad is not None:
        raise check.fail("recipients", f"{bad!r} is not an email address")
    rule.channels = check.strings("channels")
    if not rule.recipients and not rule.channels:
        raise check.fail("recipients", "a rule needs at least one recipient or channel")


# -- matching -----------------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    """The store's own timestamp format (articles.created_at), so comparisons are string comparisons."""
    return _utc(moment).isoformat(timespec="seconds")


_DIRECT_MAX = 5_000  # candidates up to which a word is looked for in their text rather than in the index


class _Corpus:
    """The candidate articles of one run, shared by every rule: read once, searched once per word."""

    def __init__(self, store: Store, alerts: SQLiteAlerts, since: str) -> None:
        self.store, self.alerts = store, alerts
        self.rows = {row.id: row for row in alerts.candidates(since)}
        self.order = {article_id: n for n, article_id in enumerate(self.rows)}  # storage order
        self._since: dict[str, set[str]] = {}
        self._articles: dict[str, Article] = {}
        self._texts: dict[str, tuple[str, str]] = {}
        self._fields: dict[str, list[str]] = {}
        self._searched: dict[str, set[str]] = {}
        ids = list(self.rows)
        self.groups: dict[str, str] = {
            k: str(v) for k, v in alerts.stage_map("duplicate_group", ids).items() if v
        }
        events = alerts.stage_map("event", ids)
        self.events = {
            k: str(v["event_id"]) for k, v in events.items() if isinstance(v, dict) and v.get("event_id")
        }
        self._figures: dict[str, list[dict[str, Any]]] | None = None

    def since(self, watermark: str) -> set[str]:
        """The candidates stored at or after ``watermark`` (rules that ran together share one set)."""
        if watermark not in self._since:
            self._since[watermark] = {i for i, row in self.rows.items() if row.created_at >= watermark}
        return self._since[watermark]

    def search(self, query: str) -> set[str]:
        """``search_ids`` of a query, cached: a thousand rules share many words."""
        if query not in self._searched:
            self._searched[query] = set(self.store.search_ids(query)) & self.rows.keys()
        return self._searched[query]

    def containing(self, query: str, ids: set[str]) -> set[str]:
        """Which of ``ids`` contain ``query`` (every term, as search does). For the few articles of an
        everyday run the searchable fields are tested directly, which beats walking the index of the whole
        store once per rule; for a large candidate set (a first run) the index answers."""
        if len(ids) > _DIRECT_MAX:
            return self.search(query) & ids
        terms = query_terms(query)
        fields = self.fields(ids)
        return {i for i in ids if all(any(t in f for f in fields[i]) for t in terms)}

    def fields(self, ids: Iterable[str]) -> dict[str, list[str]]:
        """The folded searchable fields (the ones the index holds) of each article, folded once per run."""
        missing = [i for i in ids if i not in self._fields]
        if missing:
            for article_id, article in self.alerts.articles(missing).items():
                self._fields[article_id] = [
                    fast_fold(f) for f in title_fields(article) + body_fields(article)
                ]
        return self._fields

    def texts(self, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """Folded (title, body) of each article, folded once for all the rules of the run."""
        missing = [i for i in ids if i not in self._texts]
        if missing:
            for article_id, article in self.alerts.articles(missing).items():  # not kept: texts only
                self._texts[article_id] = folded_texts(article)
        return self._texts

    def articles(self, ids: Iterable[str]) -> dict[str, Article]:
        missing = [i for i in ids if i not in self._articles]
        if missing:
            self._articles.update(self.alerts.articles(missing))
        return self._articles

    def figures(self) -> dict[str, list[dict[str, Any]]]:
        if self._figures is None:
            self._figures = {k: v for k, v in self.alerts.stage_map("figures", list(self.rows)).items() if v}
        return self._figures

    def story(self, article_id: str) -> str:
        """Duplicate group, else event, else the article: the unit a rule alerts once."""
        if article_id in self.groups:
            return f"dup:{self.groups[article_id]}"
        if article_id in self.events:
            return f"event:{self.events[article_id]}"
        return f"article:{article_id}"


def _query_reasons(rule: AlertRule, corpus: _Corpus, ids: set[str]) -> dict[str, str]:
    query = cast(str, rule.query)
    terms = "、".join(f"「{t}」" for t in query_terms(query))
    return {i: f"query {terms}" for i in corpus.containing(query, ids)}


def _prefilter(tag: Tag, corpus: _Corpus, ids: set[str]) -> set[str]:
    """A superset of the articles the tag can match, from the search index (no regex word: every id).

    A group matches only if one of its plain words occurs (or, with none, all its ``+`` words), and the
    index finds every article containing a word, so the union over groups keeps every possible match.
    """
    found: set[str] = set()
    for group in tag.groups:
        plain = [w for w in group.words if w.mode == "any"]
        needed = plain or [w for w in group.words if w.mode == "all"]
        words = [w.text.lstrip("+") for w in needed]
        if any(len(w) > 2 and w.startswith("/") and w.endswith("/") for w in words):
            return ids
        if plain:
            found.update(*(corpus.containing(w, ids) for w in words))
        else:
            found.update(set.intersection(*(corpus.containing(w, ids) for w in words)))
    return found & ids


def _rule_reasons(rule: AlertRule, corpus: _Corpus, ids: set[str]) -> dict[str, str]:
    tag = cast(Tag, rule.tag)
    maybe = _prefilter(tag, corpus, ids)
    texts = corpus.texts(maybe)
    taxonomy = Taxonomy([tag], source=rule.name)
    found = {}
    for article_id in maybe:
        matches = rule_tags_on(*texts[article_id], taxonomy)  # rules only: no statistical guess in an alert
        if matches:
            found[article_id] = f"rule {matches[0].rule} (score {matches[0].score:g})"
    return found


def _figure_reasons(rule: AlertRule, corpus: _Corpus, ids: set[str]) -> dict[str, str]:
    threshold = cast(FigureThreshold, rule.figure)
    subject, unit = fold(threshold.subject), fold(threshold.unit)
    found = {}
    for article_id, figures in corpus.figures().items():
        if article_id not in ids:
            continue
        for f in figures:
            value = f.get("value")
            if (
                isinstance(value, int | float)
                and subject in fold(f.get("subject") or "")
                and fold(f.get("unit") or "") == unit
                and threshold.crossed(float(value))
            ):
                found[article_id] = (
                    f"figure {f.get('raw')} ({f.get('subject')}) crosses {threshold.describe()}"
                )
                break
    return found


def _reasons(rule: AlertRule, corpus: _Corpus, ids: set[str]) -> dict[str, str]:
    """Why each of ``ids`` matches the rule's query or rule (and figure threshold), by article id."""
    if rule.query is not None:
        found = _query_reasons(rule, corpus, ids)
    elif rule.tag is not None:
        found = _rule_reasons(rule, corpus, ids)
    else:
        found = {i: "every article" for i in ids}
    if rule.figure is not None:
        figures = _figure_reasons(rule, corpus, set(found))
        found = {i: f"{found[i]}; {figures[i]}" for i in figures}
    return found


def _members(corpus: _Corpus, stories: Iterable[str]) -> dict[str, list[str]]:
    """The stored articles of each story (a duplicate group's or event's members, or the one article)."""
    stories = list(stories)
    groups = corpus.alerts.members([s[4:] for s in stories if s.startswith("dup:")])
    events = corpus.alerts.event_members([s[6:] for s in stories if s.startswith("event:")])
    found = {}
    for story in stories:
        kind, _, key = story.partition(":")
        found[story] = (groups if kind == "dup" else events if kind == "event" else {}).get(key, [key])
    return found


def _outlets(rule: AlertRule, corpus: _Corpus, hits: list[AlertHit]) -> list[AlertHit]:
    """The hits whose story is carried by at least ``rule.outlets`` distinct sources (and say so)."""
    members = _members(corpus, [h.story for h in hits])
    sources = corpus.alerts.sources_of(sorted({i for ids in members.values() for i in ids}))
    crossed = []
    for hit in hits:
        names = sorted({s for i in members[hit.story] if (s := sources.get(i))})
        if len(names) >= cast(int, rule.outlets):
            hit.reason += f"; carried by {len(names)} outlets: {', '.join(names)}"
            crossed.append(hit)
    return crossed


def _matches(rule: AlertRule, corpus: _Corpus, ids: set[str]) -> list[AlertHit]:
    """One hit per story among ``ids`` (its earliest stored article), in storage order."""
    reasons = _reasons(rule, corpus, ids)
    by_story: dict[str, AlertHit] = {}
    for article_id in sorted(reasons, key=corpus.order.__getitem__):  # the first stored wins its story
        row, story = corpus.rows[article_id], corpus.story(article_id)
        if story not in by_story:
            reason = reasons[article_id]
            by_story[story] = AlertHit(
                rule.name, story, article_id, row.title, reason, row.source_name, row.created_at
            )
    hits = list(by_story.values())
    return _outlets(rule, corpus, hits) if rule.outlets is not None else hits


def _unseen(corpus: _Corpus, hits: list[AlertHit], known: tuple[set[str], set[str]]) -> list[AlertHit]:
    """Drop stories the rule already alerted, also under another key (a group that grew or merged)."""
    stories, articles = known
    fresh = [h for h in hits if h.story not in stories and h.article_id not in articles]
    members = _members(corpus, [h.story for h in fresh if not h.story.startswith("article:")])
    return [h for h in fresh if not articles.intersection(members.get(h.story, []))]


# -- schedule -----------------------------------------------------------------------------------------


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(rule: AlertRule, now: datetime) -> bool:
    """True when ``now`` (in the rule's time zone) falls in its quiet hours; a range may wrap midnight."""
    if rule.quiet_hours is None:
        return False
    local = _utc(now).astimezone(rule.zone).time()
    start, end = (_clock(v) for v in rule.quiet_hours)
    return start <= local < end if start < end else (local >= start or local < end)


def _digest_due(rule: AlertRule, now: datetime, last_digest_at: str | None) -> str | None:
    """Today's digest instant (UTC ISO) when it has passed and was not yet sent; else None."""
    local = _utc(now).astimezone(rule.zone)
    moment = datetime.combine(local.date(), _clock(cast(str, rule.digest_at)), tzinfo=rule.zone)
    if local < moment:
        return None
    instant = _iso(moment)
    return instant if last_digest_at is None or last_digest_at < instant else None


# -- sending ------------------------------------------------------------------------------------------


def _default_enqueue(alerts: SQLiteAlerts) -> Enqueue:
    """The outbox's ``enqueue`` when that module is installed; until then a direct outbox insert."""
    try:
        module = importlib.import_module("jiance.distribute.outbox")
    except ImportError:
        return _direct_enqueue(alerts)
    return cast(Enqueue, module.enqueue)


def _direct_enqueue(alerts: SQLiteAlerts) -> Enqueue:
    def enqueue(
        store: Store, message: Message, *, key: str, kind: str, issue_id: int | None = None,
        edition: str | None = None,
    ) -> bool:  # fmt: skip
        return alerts.outbox_insert(message.to_record(), key=key, kind=kind, at=_iso(datetime.now(UTC)))

    return enqueue


def _messages(
    rule: AlertRule, kind: MessageKind, hits: Sequence[HitRow], titles: dict[str, str]
) -> list[Message]:
    """One message per recipient and channel, listing the stories with why each matched."""
    label = "监测日报" if kind == "digest" else "监测提醒"
    subject = f"【{label}】{rule.name}：{len(hits)} 条"
    parts = [f"{titles.get(h.article_id, h.article_id)}\n  {h.reason or ''}" for h in hits]
    text = f"{subject}\n\n" + "\n\n".join(parts) + "\n"
    meta = {"rule": rule.name, "stories": [h.story for h in hits], "articles": [h.article_id for h in hits]}
    targets = [("email", r) for r in rule.recipients] + [(c, c) for c in rule.channels]
    return [
        Message(channel=c, recipient=r, subject=subject, text=text, parts=list(parts), meta=dict(meta))
        for c, r in targets
    ]


def _key(rule: AlertRule, message: Message, stories: Sequence[str]) -> str:
    """Stable per rule, target and set of stories: the same batch enqueued again is a no-op."""
    digest = hashlib.sha256("\n".join(sorted(stories)).encode()).hexdigest()[:16]
    return f"alert:{rule.name}:{message.channel}:{message.recipient}:{digest}"


def _flush(
    rule: AlertRule,
    store: Store,
    alerts: SQLiteAlerts,
    enqueue: Enqueue,
    kind: MessageKind,
    titles: dict[str, str],
) -> tuple[int, list[str]]:
    """Enqueue every pending hit of the rule and tie the hits to their outbox rows; (stories, keys)."""
    pending = alerts.hits(rule.name, pending=True)
    if not pending:
        return 0, []
    missing = [h.article_id for h in pending if h.article_id not in titles]
    titles.update({i: a.title for i, a in alerts.articles(missing).items()})
    stories = [h.story for h in pending]
    keys = []
    for message in _messages(rule, kind, pending, titles):
        key = _key(rule, message, stories)
        enqueue(store, message, key=key, kind=kind)
        keys.append(key)
    alerts.mark_enqueued(rule.name, stories, keys[0])
    return len(pending), keys


def _run_rule(
    rule: AlertRule, store: Store, alerts: SQLiteAlerts, corpus: _Corpus, now: datetime, enqueue: Enqueue
) -> AlertBatch:
    """One rule's run, in one transaction: new hits, the sends now allowed, the new watermark."""
    state = alerts.rule_state(rule.name)
    since = (state.last_run_at if state else None) or _first_since(rule, now)
    ids = corpus.since(since)
    hits = _unseen(corpus, _matches(rule, corpus, ids), alerts.known(rule.name))
    watermark = max([since, *(corpus.rows[i].created_at for i in ids)])
    batch = AlertBatch(rule.name, rule.mode, "nothing", hits)
    titles = {h.article_id: h.title for h in hits}
    with alerts.transaction():
        for hit in hits:
            alerts.add_hit(HitRow(rule.name, hit.story, hit.article_id, hit.reason, _iso(now), None))
        if rule.mode == "digest":
            _digest(rule, store, alerts, now, state.last_digest_at if state else None, enqueue, batch, titles)
        elif in_quiet_hours(rule, now):
            batch.status = "deferred" if alerts.hits(rule.name, pending=True) else "nothing"
        else:
            batch.sent, batch.keys = _flush(rule, store, alerts, enqueue, "alert", titles)
            batch.status = "sent" if batch.sent else "nothing"
        alerts.set_watermark(rule.name, watermark)
    return batch


def _digest(
    rule: AlertRule, store: Store, alerts: SQLiteAlerts, now: datetime, last: str | None, enqueue: Enqueue,
    batch: AlertBatch, titles: dict[str, str],
) -> None:  # fmt: skip
    due = _digest_due(rule, now, last)
    if due is None or in_quiet_hours(rule, now):
        batch.status = "collecting" if alerts.hits(rule.name, pending=True) else "nothing"
        return
    batch.sent, batch.keys = _flush(rule, store, alerts, enqueue, "digest", titles)
    batch.status = "sent" if batch.sent else "nothing"
    alerts.set_digest(rule.name, due)


def _first_since(rule: AlertRule, now: datetime) -> str:
    """A new rule looks back ``lookback_days``, not over the whole archive."""
    return _iso(_utc(now) - timedelta(days=rule.lookback_days))


def routed(enqueue: Enqueue, bots: Mapping[str, str]) -> Enqueue:
    """``enqueue`` for messages addressed to a configured bot by name (recipients.toml ``[[channels]]``):
    the message goes out on the bot's channel type with the bot as recipient, its stories packed under that
    channel's size limit (the outbox then routes it to ``<type>:<name>``)."""
    from jiance.distribute.render import IM_LIMITS, pack_texts

    def wrapped(
        store: Store, message: Message, *, key: str, kind: str, issue_id: int | None = None,
        edition: str | None = None,
    ) -> bool:  # fmt: skip
        kind_of_bot = bots.get(message.channel)
        if kind_of_bot is not None and kind_of_bot in IM_LIMITS:
            parts = pack_texts([message.subject, *message.parts], IM_LIMITS[kind_of_bot])
            message = dataclasses.replace(message, channel=kind_of_bot, parts=parts)
        return enqueue(store, message, key=key, kind=kind, issue_id=issue_id, edition=edition)

    return wrapped


def evaluate(
    store: Store,
    rules: Sequence[AlertRule],
    *,
    now: datetime,
    enqueue: Enqueue | None = None,
    bots: Mapping[str, str] | None = None,
) -> list[AlertBatch]:
    """Run every rule once at ``now``: record new hits, enqueue what may be sent, return what happened.

    Each rule reads the articles stored since its watermark; the candidates are read once for all rules.
    ``enqueue`` defaults to :func:`jiance.distribute.outbox.enqueue` (tests pass their own, e.g. one that
    fails, to check that a crash rolls the hits back with the message).
    """
    alerts = alerts_for(store)
    states = {}
    for rule in rules:
        alerts.save_rule(rule.name, rule.to_record(), _iso(now))
        state = alerts.rule_state(rule.name)
        states[rule.name] = (state.last_run_at if state else None) or _first_since(rule, now)
    corpus = _Corpus(store, alerts, min(states.values(), default=_iso(now)))
    chosen = enqueue or _default_enqueue(alerts)
    if bots:
        chosen = routed(chosen, bots)
    return [_run_rule(rule, store, alerts, corpus, now, chosen) for rule in rules]


def dry_run(store: Store, rule: AlertRule, *, now: datetime, days: int) -> list[AlertHit]:
    """What ``rule`` would alert over the articles stored in the last ``days`` days, and why; no writes.

    Stories the rule already alerted are included with ``already=True``, so the editor sees them too.
    """
    alerts = alerts_for(store)
    corpus = _Corpus(store, alerts, _iso(_utc(now) - timedelta(days=days)))
    hits = _matches(rule, corpus, set(corpus.rows))
    fresh = {h.story for h in _unseen(corpus, hits, alerts.known(rule.name))}
    for hit in hits:
        hit.already = hit.story not in fresh
    return hits
