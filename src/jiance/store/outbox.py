"""The SQL of the outbox (migration 6's ``outbox`` table), kept apart from the delivery logic.

:class:`SQLiteOutbox` wraps an SQL store (:class:`jiance.store.sqlbase.SQLStore`) like :class:`jiance.store.collection.SQLiteCollection`:
every change goes through the store's one write path (``BEGIN IMMEDIATE``), so two workers on two
connections serialise on SQLite's write lock and a claim is atomic. Timestamps are fixed-width UTC ISO
strings (milliseconds, ``+00:00``), so comparing them as text in SQL orders them as times.

A claimed row is ``sending`` and its ``next_attempt_at`` holds the end of its lease: a worker that dies mid
send leaves the row there, and once the lease has passed the next claim takes it again. ``attempts`` is
raised at claim time and serves as a fencing token: a worker whose lease was taken over cannot mark the
row any more (its ``attempts`` no longer matches).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jiance.errors import StoreError
from jiance.store.base import Store
from jiance.store.sqlbase import SQLStore

__all__ = ["OUTBOX_STATUSES", "OutboxRow", "SQLiteOutbox", "iso", "outbox_for"]

OUTBOX_STATUSES: tuple[str, ...] = ("pending", "sending", "sent", "failed", "dead")

_COLUMNS = (
    "id, key, channel, recipient, kind, issue_id, edition, payload, status, attempts, next_attempt_at,"
    " last_error, provider_id, created_at, sent_at"
)


def iso(moment: datetime) -> str:
    """The one timestamp format of the table (fixed width, so text order is time order)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


@dataclass(slots=True)
class OutboxRow:
    """One stored message and where its delivery stands; ``payload`` is the JSON of the Message."""

    id: int
    key: str
    channel: str
    recipient: str
    kind: str
    issue_id: int | None
    edition: str | None
    payload: str
    status: str
    attempts: int
    next_attempt_at: str
    last_error: str | None
    provider_id: str | None
    created_at: str
    sent_at: str | None


def _in(values: Sequence[str]) -> str:
    return ", ".join("?" for _ in values)


class SQLiteOutbox:
    """Outbox rows over an SQL store."""

    def __init__(self, store: SQLStore) -> None:
        self.store = store

    def insert(
        self,
        *,
        key: str,
        channel: str,
        recipient: str,
        kind: str,
        issue_id: int | None,
        edition: str | None,
        payload: str,
        now: str,
    ) -> bool:
        """Queue a message; False (and nothing changes) when a row with ``key`` already exists."""
        with self.store._write() as db:
            cur = db.execute(
                "INSERT INTO outbox (key, channel, recipient, kind, issue_id, edition, payload, status,"
                " attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)"
                " ON CONFLICT (key) DO NOTHING",
                (key, channel, recipient, kind, issue_id, edition, payload, now, now),
            )
            return bool(cur.rowcount == 1)

    def claim(self, *, now: str, lease_until: str, routes: Sequence[str], limit: int) -> list[OutboxRow]:
        """Mark up to ``limit`` due rows as ``sending`` and return them, in one statement.

        Due: pending or failed with ``next_attempt_at <= now``, or sending whose lease ended. Only rows a
        route can carry are taken (``routes`` holds channel names and ``channel:recipient`` pairs), so a
        worker without the SMTP settings leaves email rows for one that has them.
        """
        if not routes or limit <= 0:
            return []
        marks = _in(routes)
        sql = (
            f"UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ?"
            f" WHERE id IN (SELECT id FROM outbox WHERE next_attempt_at <= ?"
            f" AND status IN ('pending', 'failed', 'sending')"
            f" AND (channel IN ({marks}) OR channel || ':' || recipient IN ({marks}))"
            f" ORDER BY next_attempt_at, id LIMIT ?) RETURNING {_COLUMNS}"
        )
        with self.store._write() as db:
            rows = db.execute(sql, (lease_until, now, *routes, *routes, int(limit))).fetchall()
        return sorted((OutboxRow(*row) for row in rows), key=lambda r: (r.next_attempt_at, r.id))

    def _finish(self, row: OutboxRow, assignments: str, params: Sequence[Any]) -> bool:
        with self.store._write() as db:
            cur = db.execute(
                f"UPDATE outbox SET {assignments} WHERE id = ? AND status = 'sending' AND attempts = ?",
                (*params, row.id, row.attempts),
            )
            return bool(cur.rowcount == 1)

    def mark_sent(self, row: OutboxRow, *, provider_id: str, now: str) -> bool:
        """Record a delivery; False when the row's lease was taken over meanwhile (nothing changes)."""
        return self._finish(
            row, "status = 'sent', sent_at = ?, provider_id = ?, last_error = NULL", (now, provider_id)
        )

    def mark_failed(
        self, row: OutboxRow, *, error: str, next_attempt_at: str, payload: str | None = None
    ) -> bool:
        """Record a failed try to be retried at ``next_attempt_at``; ``payload`` keeps what the channel
        learnt (an IM message's ``meta.parts_sent``, so the retry sends only the parts that did not go)."""
        if payload is None:
            return self._finish(
                row, "status = 'failed', last_error = ?, next_attempt_at = ?", (error, next_attempt_at)
            )
        return self._finish(
            row,
            "status = 'failed', last_error = ?, next_attempt_at = ?, payload = ?",
            (error, next_attempt_at, payload),
        )

    def mark_dead(self, row: OutboxRow, *, error: str) -> bool:
        """Give up on a row: it is shown, never tried again."""
        return self._finish(row, "status = 'dead', last_error = ?", (error,))

    def rows(self, status: str | None = None) -> list[OutboxRow]:
        """Every row (or those with ``status``), newest first."""
        if status is not None and status not in OUTBOX_STATUSES:
            raise StoreError(f"unknown outbox status {status!r}; choose from {', '.join(OUTBOX_STATUSES)}")
        where, params = ("WHERE status = ?", (status,)) if status else ("", ())
        found = self.store._read(f"SELECT {_COLUMNS} FROM outbox {where} ORDER BY id DESC", params)
        return [OutboxRow(*row) for row in found]

    def get(self, key: str) -> OutboxRow | None:
        found = self.store._read(f"SELECT {_COLUMNS} FROM outbox WHERE key = ?", (key,))
        return OutboxRow(*found[0]) if found else None


def outbox_for(store: Store) -> SQLiteOutbox:
    """The outbox of ``store``; only the SQLite store has one so far."""
    if not isinstance(store, SQLStore):
        raise StoreError(f"the outbox needs an SQL store, not {type(store).__name__}")
    return SQLiteOutbox(store)
