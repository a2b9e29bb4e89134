"""Migration 6: distribution and alerts. ``outbox`` holds every message to send with its idempotency key
(unique: a second enqueue of the same recipient × edition × part is a no-op), its attempts, next try and
last error; ``alert_rules`` the rules with their last run and digest; ``alert_hits`` one row per (rule,
story) ever alerted, the key that makes "at most once per rule" hold across restarts and reprints.
"""

SQL = """
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,
    channel         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('edition', 'alert', 'digest')),
    issue_id        INTEGER,
    edition         TEXT,
    payload         TEXT NOT NULL,                -- JSON Message
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    provider_id     TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE alert_rules (
    name           TEXT PRIMARY KEY,
    config         TEXT NOT NULL,                 -- JSON AlertRule
    updated_at     TEXT NOT NULL,
    last_run_at    TEXT,
    last_digest_at TEXT
);

CREATE TABLE alert_hits (
    rule       TEXT NOT NULL,
    story      TEXT NOT NULL,                     -- the story key: duplicate group / event / article id
    article_id TEXT NOT NULL,
    reason     TEXT,
    at         TEXT NOT NULL,
    outbox_key TEXT,
    PRIMARY KEY (rule, story)
);
"""
