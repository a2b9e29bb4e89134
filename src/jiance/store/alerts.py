"""What alerting keeps in the SQLite store: each rule's last run and digest, and every (rule, story) hit.

The tables come from migration 6. ``alert_hits`` has ``PRIMARY KEY (rule, story)``: inserting a hit is
``ON CONFLICT DO NOTHING``, so the row itself is the "alerted at most once per rule" guarantee, across restarts.
A hit whose ``outbox_key`` is NULL is *pending*: recorded but not yet handed to the outbox (quiet hours,
a digest still collecting). The hit and the outbox row of its message are written in one transaction
(:meth:`SQLiteAlerts.transaction`), so a crash in between leaves neither.

``last_run_at`` holds the run's *watermark*: the newest ``articles.created_at`` the run looked at (the
store's clock, not the caller's ``now``), so the next run reads only articles stored since then.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from jiance.errors import StoreError
from jiance.records import Article
from jiance.store.base import Store
from jiance.store.sqlbase import SQLStore

__all__ = ["CandidateRow", "HitRow", "RuleState", "SQLiteAlerts", "alerts_for"]

_CHUNK = 500  # ids per IN (...) list: well under SQLite's variable limit


@dataclass(slots=True)
class RuleState:
    """A rule's row: its stored config and where its last run and digest stopped."""

    name: str
    config: dict[str, Any]
    updated_at: str
    last_run_at: str | None
    last_digest_at: str | None


@dataclass(slots=True)
class HitRow:
    """One (rule, story) alerted or pending; ``outbox_key`` None means not yet enqueued."""

    rule: str
    story: str
    article_id: str
    reason: str | None
    at: str
    outbox_key: str | None


@dataclass(slots=True)
class CandidateRow:
    """An article stored since a watermark, with the little alerting needs to decide and explain."""

    id: str
    title: str
    source_name: str | None
    created_at: str


_HIT_COLUMNS = "rule, story, article_id, reason, at, outbox_key"


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class SQLiteAlerts:
    """Alert bookkeeping over an SQL store, through its one write path."""

    def __init__(self, store: SQLStore) -> None:
        self.store = store

    def transaction(self) -> AbstractContextManager[Any]:
        """One transaction around hits and the outbox rows of their message."""
        return self.store._write()

    # -- rules ------------------------------------------------------------------------------------------

    def save_rule(self, name: str, config: dict[str, Any], at: str) -> None:
        """Record the rule's current config; its last run and digest are kept."""
        with self.store._write() as db:
            db.execute(
                "INSERT INTO alert_rules (name, config, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at"
                " WHERE alert_rules.config != excluded.config",
                (name, json.dumps(config, ensure_ascii=False, sort_keys=True), at),
            )

    def rule_state(self, name: str) -> RuleState | None:
        rows = self.store._read(
            "SELECT name, config, updated_at, last_run_at, last_digest_at FROM alert_rules WHERE name = ?",
            (name,),
        )
        if not rows:
            return None
        r = rows[0]
        return RuleState(r[0], json.loads(r[1]), r[2], r[3], r[4])

    def set_watermark(self, name: str, watermark: str) -> None:
        with self.store._write() as db:
            db.execute("UPDATE alert_rules SET last_run_at = ? WHERE name = ?", (watermark, name))

    def set_digest(self, name: str, at: str) -> None:
        with self.store._write() as db:
            db.execute("UPDATE alert_rules SET last_digest_at = ? WHERE name = ?", (at, name))

    # -- hits -------------------------------------------------------------------------------------------

    def hits(self, rule: str | None = None, *, pending: bool = False) -> list[HitRow]:
        """Hits of one rule (or all), oldest first; ``pending`` keeps those not yet enqueued."""
        where, params = [], []
        if rule is not None:
            where.append("rule = ?")
            params.append(rule)
        if pending:
            where.append("outbox_key IS NULL")
        sql = f"SELECT {_HIT_COLUMNS} FROM alert_hits"
        sql += (" WHERE " + " AND ".join(where)) if where else ""
        return [HitRow(*r) for r in self.store._read(sql + " ORDER BY at, story", params)]

    def known(self, rule: str) -> tuple[set[str], set[str]]:
        """(stories, article ids) already alerted or pending for ``rule``: what must never alert again."""
        rows = self.store._read("SELECT story, article_id FROM alert_hits WHERE rule = ?", (rule,))
        return {r[0] for r in rows}, {r[1] for r in rows}

    def add_hit(self, hit: HitRow) -> bool:
        """Insert one hit unless the rule has the story; True when it is new (False: this rule already had the story)."""
        with self.store._write() as db:
            cur = db.execute(
                f"INSERT INTO alert_hits ({_HIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (hit.rule, hit.story, hit.article_id, hit.reason, hit.at, hit.outbox_key),
            )
            return bool(cur.rowcount == 1)

    def mark_enqueued(self, rule: str, stories: Sequence[str], outbox_key: str) -> None:
        """Tie pending hits to the outbox row that carries them (only those still pending)."""
        with self.store._write() as db:
            db.executemany(
                "UPDATE alert_hits SET outbox_key = ? WHERE rule = ? AND story = ? AND outbox_key IS NULL",
                [(outbox_key, rule, story) for story in stories],
            )

    def outbox_insert(self, message: dict[str, Any], *, key: str, kind: str, at: str) -> bool:
        """A pending outbox row keyed for idempotency (until jiance.distribute.outbox provides enqueue)."""
        with self.store._write() as db:
            cur = db.execute(
                "INSERT INTO outbox (key, channel, recipient, kind, payload, next_attempt_at,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (key, message["channel"], message["recipient"], kind, json.dumps(message, ensure_ascii=False),
                 at, at),
            )  # fmt: skip
            return bool(cur.rowcount == 1)

    def outbox_keys(self) -> list[str]:
        return [str(r[0]) for r in self.store._read("SELECT key FROM outbox ORDER BY id")]

    # -- articles ---------------------------------------------------------------------------------------

    def newest_created(self) -> str | None:
        rows = self.store._read("SELECT max(created_at) FROM articles")
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    def candidates(self, since: str) -> list[CandidateRow]:
        """Articles stored at or after ``since`` (not rejected), in storage order.

        ``>=``: created_at has one-second resolution, so an article stored in the watermark's own second
        after the last run is read again rather than missed; ``alert_hits`` drops what was already seen.
        """
        rows = self.store._read(
            "SELECT id, title, source_name, created_at FROM articles"
            " WHERE created_at >= ? AND status != 'rejected' ORDER BY seq",
            (since,),
        )
        return [CandidateRow(*r) for r in rows]

    def articles(self, ids: Sequence[str]) -> dict[str, Article]:
        """The records of ``ids`` (unknown ids are left out), read a chunk at a time."""
        found: dict[str, Article] = {}
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            for stored in self.store._select_articles(f"WHERE a.id IN ({marks})", list(chunk)):
                found[stored.id] = stored.article
        return found

    def stage_map(self, stage: str, ids: Sequence[str]) -> dict[str, Any]:
        """One analysis stage's result for each of ``ids`` that has one."""
        found: dict[str, Any] = {}
        for chunk in _chunks(list(ids)):
            rows = self.store._read(
                f"SELECT article_id, result FROM analysis WHERE stage = ? AND article_id IN"
                f" ({','.join('?' * len(chunk))})",
                [stage, *chunk],
            )
            found.update({r[0]: json.loads(r[1]) for r in rows})
        return found

    def members(self, groups: Sequence[str]) -> dict[str, list[str]]:
        """Article ids of each duplicate group in ``groups``: who else carries the same story."""
        found: dict[str, list[str]] = {}
        for chunk in _chunks([json.dumps(g) for g in groups]):
            rows = self.store._read(
                "SELECT article_id, result FROM analysis WHERE stage = 'duplicate_group' AND result IN"
                f" ({','.join('?' * len(chunk))})",
                list(chunk),
            )
            for article_id, result in rows:
                found.setdefault(json.loads(result), []).append(article_id)
        return found

    def event_members(self, events: Sequence[str]) -> dict[str, list[str]]:
        """Article ids of each event in ``events``."""
        found: dict[str, list[str]] = {}
        wanted = set(events)
        if not wanted:
            return found
        # The JSON is read here, not with a dialect's JSON functions, so both backends run the same query.
        rows = self.store._read("SELECT article_id, result FROM analysis WHERE stage = 'event'")
        for article_id, result in rows:
            event_id = (json.loads(result) or {}).get("event_id")
            if event_id is not None and event_id in wanted:
                found.setdefault(str(event_id), []).append(article_id)
        return found

    def sources_of(self, ids: Sequence[str]) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for chunk in _chunks(list(ids)):
            rows = self.store._read(
                f"SELECT id, source_name FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                list(chunk),
            )
            found.update({r[0]: r[1] for r in rows})
        return found

    def snapshot(self) -> tuple[list[Any], list[Any], list[Any]]:
        """Every row of alert_rules, alert_hits and outbox: what a dry run must leave as it found it."""
        return (
            self.store._read("SELECT * FROM alert_rules ORDER BY name"),
            self.store._read("SELECT * FROM alert_hits ORDER BY rule, story"),
            self.store._read("SELECT * FROM outbox ORDER BY id"),
        )


def alerts_for(store: Store) -> SQLiteAlerts:
    """The alert bookkeeping of ``store``; every SQL store (SQLite, PostgreSQL) has it."""
    if not isinstance(store, SQLStore):
        raise StoreError(f"alerts need an SQL store, not {type(store).__name__}")
    return SQLiteAlerts(store)
