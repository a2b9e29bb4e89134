"""The stored outbox: every message is queued once, then delivered, retried with backoff, or given up.

Why a stored queue rather than sending in place: a channel fails (an SMTP server restarting, a bot's rate
limit), a process dies mid-run, two workers run at once. The outbox row survives all three.

* **Never queued twice.** :func:`enqueue` keys a row by :func:`idempotency_key` (kind, channel, recipient,
  issue, edition); a second enqueue of the same key is a no-op and returns False.
* **Never claimed twice.** :func:`deliver_due` claims due rows with one ``UPDATE … SET status='sending'``
  in a write transaction, so two workers on two connections never take the same row.
* **Retries.** A retryable failure waits 30 s, 1 min, 2 min … capped at 1 h (with up to 20 % jitter
  taken off, so that many rows failed together do not all retry in the same second), or the channel's
  ``retry_after`` when it is longer. A non-retryable failure, or the ``max_attempts``-th, makes the row
  ``dead``.
* **Crashes: at least once, made effectively once by the receiver.** A row claimed by a worker that died
  stays ``sending`` until its lease (10 min) ends; then it is claimed again. If the worker died after the
  channel accepted the message but before the row was marked sent, the message goes out a second time.
  That window cannot be closed from this side, so the key travels with every send (the channels put it in
  the Message-ID or an ``X-Jiance-Idempotency-Key`` header) and a receiver can drop the duplicate.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from jiance.distribute.base import Channel, ChannelError, Message, MessageKind
from jiance.store.base import Store
from jiance.store.outbox import OutboxRow, iso, outbox_for

__all__ = [
    "BACKOFF_BASE_S",
    "BACKOFF_CAP_S",
    "LEASE_S",
    "Delivery",
    "DeliveryReport",
    "backoff_s",
    "deliver_due",
    "enqueue",
    "idempotency_key",
    "outbox_rows",
    "route_of",
]

BACKOFF_BASE_S = 30.0
BACKOFF_CAP_S = 3600.0
LEASE_S = 600.0
JITTER = 0.2  # up to this share of a delay is taken off at random


def idempotency_key(
    kind: str, channel: str, recipient: str, issue_id: int | None, edition: str | None
) -> str:
    """The key of one message: stable per recipient and edition, so a repeated send is recognised."""
    return f"{kind}:{channel}:{recipient}:{issue_id}:{edition}"


def route_of(message: Message | OutboxRow) -> tuple[str, str]:
    """The two names a channel can be registered under: ``channel:recipient`` (one configured bot) and
    ``channel`` (every recipient of that kind, e.g. all email addresses through one SMTP server)."""
    return f"{message.channel}:{message.recipient}", message.channel


def enqueue(
    store: Store,
    message: Message,
    *,
    key: str,
    kind: MessageKind,
    issue_id: int | None = None,
    edition: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Queue ``message`` for delivery now; False when ``key`` is already queued (sent or not)."""
    return outbox_for(store).insert(
        key=key,
        channel=message.channel,
        recipient=message.recipient,
        kind=kind,
        issue_id=issue_id,
        edition=edition,
        payload=json.dumps(message.to_record(), ensure_ascii=False),
        now=iso(now or datetime.now(UTC)),
    )


def backoff_s(
    attempts: int, *, retry_after: float | None = None, rand: Callable[[], float] = random.random
) -> float:
    """Seconds to wait after the ``attempts``-th failed try: 30 s doubling up to 1 h, less some jitter,
    and never less than what the channel asked for."""
    delay: float = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2.0 ** min(max(0, attempts - 1), 20))
    delay *= 1.0 - JITTER * rand()
    return max(delay, retry_after or 0.0)


@dataclass(slots=True)
class Delivery:
    """What happened to one claimed row in this run: ``sent``, ``failed`` (will retry) or ``dead``;
    ``lost`` when another worker took the row over (its lease had ended) before this one finished."""

    key: str
    channel: str
    recipient: str
    status: str
    attempts: int
    error: str | None = None
    next_attempt_at: str | None = None
    provider_id: str | None = None


@dataclass(slots=True)
class DeliveryReport:
    """Every row one :func:`deliver_due` call claimed, and what became of it."""

    deliveries: list[Delivery] = field(default_factory=list)

    def keys(self, status: str) -> list[str]:
        return [d.key for d in self.deliveries if d.status == status]

    @property
    def sent(self) -> list[str]:
        return self.keys("sent")

    @property
    def failed(self) -> list[str]:
        return self.keys("failed")

    @property
    def dead(self) -> list[str]:
        return self.keys("dead")


def _channel_for(row: OutboxRow, channels: Mapping[str, Channel]) -> Channel | None:
    for name in route_of(row):
        if name in channels:
            return channels[name]
    return None


def _attempt(row: OutboxRow, channel: Channel) -> tuple[str | None, ChannelError | None, Message | None]:
    """Send one row; any exception is a failure of this try (a bug in a channel must not stop the run).
    The message comes back too: a channel that sent some parts of it records that in ``meta``."""
    message: Message | None = None
    try:
        message = Message.from_record(json.loads(row.payload))
        return channel.send(message, idempotency_key=row.key), None, message
    except ChannelError as exc:
        return None, exc, message
    except Exception as exc:  # recorded on the row and retried like a transient failure
        return None, ChannelError(f"{type(exc).__name__}: {exc}", retryable=True), message


def _settle(
    row: OutboxRow,
    result: tuple[str | None, ChannelError | None, Message | None],
    *,
    store: Store,
    now: datetime,
    max_attempts: int,
    rand: Callable[[], float],
) -> Delivery:
    provider_id, error, message = result
    outbox = outbox_for(store)
    done = Delivery(row.key, row.channel, row.recipient, "sent", row.attempts)
    if error is None:
        done.provider_id = provider_id or ""
        ok = outbox.mark_sent(row, provider_id=done.provider_id, now=iso(now))
    elif not error.retryable or row.attempts >= max_attempts:
        done.status, done.error = "dead", str(error)
        ok = outbox.mark_dead(row, error=done.error)
    else:
        wait = backoff_s(row.attempts, retry_after=error.retry_after, rand=rand)
        done.status, done.error = "failed", str(error)
        done.next_attempt_at = iso(now + timedelta(seconds=wait))
        payload = json.dumps(message.to_record(), ensure_ascii=False) if message and message.meta else None
        ok = outbox.mark_failed(row, error=done.error, next_attempt_at=done.next_attempt_at, payload=payload)
    if not ok:
        done.status = "lost"
    return done


def deliver_due(
    store: Store,
    channels: Mapping[str, Channel],
    *,
    now: datetime | None = None,
    limit: int = 100,
    max_attempts: int = 8,
    lease_s: float = LEASE_S,
    rand: Callable[[], float] = random.random,
) -> DeliveryReport:
    """Claim the rows due at ``now`` that ``channels`` can carry, send each, and record the outcome.

    ``channels`` maps a route name to a channel: ``"email"`` carries every email row, ``"wecom:desk"``
    the rows for the configured bot ``desk`` (see :func:`route_of`). Rows no channel carries stay queued.
    """
    moment = now or datetime.now(UTC)
    claimed = outbox_for(store).claim(
        now=iso(moment),
        lease_until=iso(moment + timedelta(seconds=lease_s)),
        routes=sorted(channels),
        limit=limit,
    )
    report = DeliveryReport()
    for row in claimed:
        channel = _channel_for(row, channels)
        if channel is None:  # claimed through a route, so unreachable; kept for a clear failure
            result: tuple[str | None, ChannelError | None, Message | None] = (
                None, ChannelError(f"no channel for {row.channel}", retryable=True), None
            )  # fmt: skip
        else:
            result = _attempt(row, channel)
        report.deliveries.append(
            _settle(row, result, store=store, now=moment, max_attempts=max_attempts, rand=rand)
        )
    return report


def outbox_rows(store: Store, status: str | None = None) -> list[OutboxRow]:
    """The outbox for display, newest first: what was sent and when, what failed and why."""
    return outbox_for(store).rows(status)
