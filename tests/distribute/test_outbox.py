"""The outbox against real in-process channels that record what they were given and fail on demand."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jiance.distribute.base import ChannelError, Message
from jiance.distribute.outbox import (
    BACKOFF_CAP_S,
    backoff_s,
    deliver_due,
    enqueue,
    idempotency_key,
    outbox_rows,
)
from jiance.errors import StoreError
from jiance.store.outbox import iso, outbox_for
from jiance.store.sqlite import SQLiteStore

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class RecordingChannel:
    """A channel that keeps every (key, message) it accepted; ``fail_next`` failures are raised first."""

    def __init__(self, name: str = "email", *, fail_next: int = 0, retryable: bool = True) -> None:
        self.name = name
        self.fail_next = fail_next
        self.retryable = retryable
        self.retry_after: float | None = None
        self.sent: list[tuple[str, Message]] = []
        self.calls = 0
        self._lock = threading.Lock()

    def send(self, message: Message, *, idempotency_key: str) -> str:
        with self._lock:
            self.calls += 1
            if self.fail_next:
                self.fail_next -= 1
                raise ChannelError(
                    "receiver down", retryable=self.retryable, retry_after=self.retry_after, where="test"
                )
            self.sent.append((idempotency_key, message))
            return f"id-{len(self.sent)}"


@pytest.fixture
def store(backend_store: SQLiteStore) -> SQLiteStore:
    """Both backends (tests/conftest.py)."""
    return backend_store


def _message(recipient: str = "a@example.cn", channel: str = "email") -> Message:
    return Message(channel=channel, recipient=recipient, subject="信息产业监测 第3期", text="正文")


def _queue(store: SQLiteStore, recipient: str = "a@example.cn", channel: str = "email") -> str:
    key = idempotency_key("edition", channel, recipient, 3, "carrier")
    assert enqueue(store, _message(recipient, channel), key=key, kind="edition", issue_id=3,
                   edition="carrier", now=T0)  # fmt: skip
    return key


def no_jitter() -> float:
    return 0.0


def test_enqueue_twice_keeps_one_row(store: SQLiteStore) -> None:
    key = _queue(store)
    again = enqueue(store, _message(), key=key, kind="edition", issue_id=3, edition="carrier", now=T0)
    assert again is False
    rows = outbox_rows(store)
    assert [(r.key, r.status, r.attempts) for r in rows] == [(key, "pending", 0)]
    assert key == "edition:email:a@example.cn:3:carrier"


def test_delivered_message_is_the_stored_one_and_carries_its_key(store: SQLiteStore) -> None:
    key = _queue(store)
    channel = RecordingChannel()
    report = deliver_due(store, {"email": channel}, now=T0)
    assert report.sent == [key]
    assert channel.sent[0][0] == key
    assert channel.sent[0][1].subject == "信息产业监测 第3期"
    row = outbox_rows(store, "sent")[0]
    assert (row.provider_id, row.sent_at, row.attempts) == ("id-1", iso(T0), 1)
    # a second run finds nothing due: a sent row is never sent again
    assert deliver_due(store, {"email": channel}, now=T0 + timedelta(days=1)).deliveries == []
    assert channel.calls == 1


def test_outage_then_success_delivers_once_with_growing_backoff(store: SQLiteStore) -> None:
    key = _queue(store)
    channel = RecordingChannel(fail_next=3)
    now, waits = T0, []
    for _ in range(3):
        report = deliver_due(store, {"email": channel}, now=now, rand=no_jitter)
        assert report.failed == [key]
        row = outbox_for(store).get(key)
        assert row is not None and row.status == "failed" and row.last_error == "test: receiver down"
        retry_at = datetime.fromisoformat(row.next_attempt_at)
        # not due a moment before its time
        assert deliver_due(store, {"email": channel}, now=retry_at - timedelta(seconds=1)).deliveries == []
        waits.append((retry_at - now).total_seconds())
        now = retry_at
    assert waits == [30.0, 60.0, 120.0]
    assert deliver_due(store, {"email": channel}, now=now).sent == [key]
    assert [k for k, _ in channel.sent] == [key]
    row = outbox_for(store).get(key)
    assert row is not None and (row.status, row.attempts, row.last_error) == ("sent", 4, None)


def test_backoff_is_capped_jittered_and_respects_retry_after() -> None:
    assert backoff_s(30, rand=no_jitter) == BACKOFF_CAP_S
    assert backoff_s(1, rand=lambda: 1.0) == pytest.approx(24.0)  # at most 20 % taken off
    assert backoff_s(1, retry_after=300, rand=no_jitter) == 300
    assert backoff_s(5, retry_after=1, rand=no_jitter) == 480


def test_retry_after_of_the_channel_sets_the_next_try(store: SQLiteStore) -> None:
    key = _queue(store)
    channel = RecordingChannel(fail_next=1)
    channel.retry_after = 900
    report = deliver_due(store, {"email": channel}, now=T0, rand=no_jitter)
    assert report.deliveries[0].next_attempt_at == iso(T0 + timedelta(seconds=900))
    # not due a minute before the receiver said, due at the time it said
    assert deliver_due(store, {"email": channel}, now=T0 + timedelta(seconds=840)).deliveries == []
    assert [
        d.key for d in deliver_due(store, {"email": channel}, now=T0 + timedelta(seconds=900)).deliveries
    ] == [key]
    assert len(channel.sent) == 1


def test_non_retryable_failure_is_dead_with_its_error(store: SQLiteStore) -> None:
    key = _queue(store)
    channel = RecordingChannel(fail_next=1, retryable=False)
    assert deliver_due(store, {"email": channel}, now=T0).dead == [key]
    row = outbox_rows(store, "dead")[0]
    assert row.last_error == "test: receiver down" and row.attempts == 1
    assert deliver_due(store, {"email": channel}, now=T0 + timedelta(days=2)).deliveries == []
    assert channel.sent == []


def test_max_attempts_makes_a_row_dead(store: SQLiteStore) -> None:
    key = _queue(store)
    channel = RecordingChannel(fail_next=10)
    now = T0
    for _ in range(3):
        deliver_due(store, {"email": channel}, now=now, max_attempts=3)
        now += timedelta(hours=2)
    row = outbox_for(store).get(key)
    assert row is not None and (row.status, row.attempts) == ("dead", 3)


def test_a_channel_bug_is_a_retryable_failure(store: SQLiteStore) -> None:
    class Broken:
        name = "email"

        def send(self, message: Message, *, idempotency_key: str) -> str:
            raise OSError("connection reset")

    key = _queue(store)
    report = deliver_due(store, {"email": Broken()}, now=T0)
    assert report.failed == [key]
    assert report.deliveries[0].error == "OSError: connection reset"


def test_crash_mid_send_is_reclaimed_after_the_lease_and_sent_once(store: SQLiteStore) -> None:
    key = _queue(store)
    # a worker claims the row and dies before sending: the row stays 'sending'
    claimed = outbox_for(store).claim(now=iso(T0), lease_until=iso(T0 + timedelta(minutes=10)),
                                      routes=["email"], limit=10)  # fmt: skip
    assert [r.key for r in claimed] == [key]
    assert outbox_rows(store, "sending")[0].key == key
    channel = RecordingChannel()
    # inside the lease nobody else takes it
    assert deliver_due(store, {"email": channel}, now=T0 + timedelta(minutes=9)).deliveries == []
    # after the lease it is delivered, once
    assert deliver_due(store, {"email": channel}, now=T0 + timedelta(minutes=11)).sent == [key]
    assert deliver_due(store, {"email": channel}, now=T0 + timedelta(hours=5)).deliveries == []
    assert [k for k, _ in channel.sent] == [key]
    # the dead worker coming back cannot overwrite the outcome: its claim is stale
    assert outbox_for(store).mark_failed(claimed[0], error="late", next_attempt_at=iso(T0)) is False
    assert outbox_rows(store, "sent")[0].attempts == 2


def test_rows_without_a_channel_stay_queued(store: SQLiteStore) -> None:
    email_key = _queue(store)
    bot_key = _queue(store, recipient="desk", channel="wecom")
    other_key = _queue(store, recipient="other", channel="wecom")
    bot = RecordingChannel("wecom")
    report = deliver_due(store, {"wecom:desk": bot}, now=T0)
    assert report.sent == [bot_key]
    pending = {r.key for r in outbox_rows(store, "pending")}
    assert pending == {email_key, other_key}


def test_two_workers_on_two_connections_send_each_row_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with SQLiteStore(path) as setup:
        keys = [_queue(setup, recipient=f"r{i}@example.cn") for i in range(60)]
    channel = RecordingChannel()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with SQLiteStore(path) as own:
                barrier.wait()
                while deliver_due(own, {"email": channel}, now=T0, limit=7).deliveries:
                    pass
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    sent_keys = [k for k, _ in channel.sent]
    assert sorted(sent_keys) == sorted(keys)  # every row, none twice
    with SQLiteStore(path) as check:
        assert {r.status for r in outbox_rows(check)} == {"sent"}


def test_unknown_status_is_refused(store: SQLiteStore) -> None:
    with pytest.raises(StoreError, match="unknown outbox status"):
        outbox_rows(store, "lost")


def test_a_part_that_failed_is_retried_alone_the_others_are_not_resent(store: SQLiteStore) -> None:
    """An IM message of three parts whose second post meets an outage: the retry from the outbox sends
    parts 2 and 3 only, so the receiver accepts every part exactly once (the channel records parts_sent in
    the message and the outbox stores it with the failure)."""
    from tests.distribute.receivers import HTTPReceiver

    from jiance.distribute.im import WebhookChannel

    receiver = HTTPReceiver().start()
    try:
        channel = WebhookChannel(receiver.url(), "s3cret", name="hook", min_interval=0)
        message = Message(
            channel="webhook", recipient="hook", subject="第1期", text="全文", parts=["一", "二", "三"]
        )
        key = "edition:webhook:hook:1:default"
        assert enqueue(store, message, key=key, kind="edition", issue_id=1, edition="default")
        receiver.script = [receiver.default]  # part 1 goes through …
        receiver.fail(503, 1)  # … part 2 meets the outage
        now = datetime.now(UTC) + timedelta(seconds=1)
        first = deliver_due(store, {"webhook:hook": channel}, now=now, rand=no_jitter)
        assert [d.status for d in first.deliveries] == ["failed"]
        second = deliver_due(store, {"webhook:hook": channel}, now=now + timedelta(hours=2), rand=no_jitter)
        assert [d.status for d in second.deliveries] == ["sent"]
        keys = [r.headers["x-jiance-idempotency-key"] for r in receiver.requests]
        assert keys == [f"{key}#1", f"{key}#2", f"{key}#2", f"{key}#3"]  # #2 refused once, then accepted
    finally:
        receiver.stop()
